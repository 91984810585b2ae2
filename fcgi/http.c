/*
 * http.c — the common path of every request: route, bound and read the
 * body, authenticate, run the handler, and write one response with the
 * headers every response carries.  Works the same under FastCGI and CGI.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/uio.h>
#include <sodium.h>
#include "http.h"

extern char **environ;

const char *http_env(struct http_io *io, const char *name)
{
	return io->fcgi ? FCGX_GetParam(name, io->fcgi->envp) : getenv(name);
}

/* CGI/1.1 (RFC 3875 §4.1.18): header "signature-input" arrives as
 * HTTP_SIGNATURE_INPUT; Content-Type and Content-Length have their own. */
const char *http_header(void *vio, const char *name)
{
	char var[96] = "HTTP_";
	if (strcmp(name, "content-type") == 0)
		return http_env(vio, "CONTENT_TYPE");
	if (strcmp(name, "content-length") == 0)
		return http_env(vio, "CONTENT_LENGTH");
	size_t n = strlen(name);
	if (n + 6 > sizeof var)
		return NULL;
	for (size_t i = 0; i < n; i++)
		var[5 + i] = name[i] == '-' ? '_' : (char)toupper((unsigned char)name[i]);
	var[5 + n] = '\0';
	return http_env(vio, var);
}

static size_t io_read(struct http_io *io, uint8_t *buf, size_t n)
{
	if (io->fcgi)
		return (size_t)FCGX_GetStr((char *)buf, (int)n, io->fcgi->in);
	return fread(buf, 1, n, stdin);
}

/* The request's input has ended when its body has been read: the empty
 * STDIN record that ends it follows the body at once (FastCGI 1.0 §5.3).
 * A worker that has read it may close the connection at once, without
 * waiting for the web server to close first (main.c). */
static void io_read_end(struct http_io *io)
{
	if (io->fcgi)
		(void)FCGX_GetChar(io->fcgi->in);
}

/* Write the n pieces in order: false when the client is gone.  Under
 * FastCGI they go out as records in one system call (records.c). */
static bool io_write(struct http_io *io, const struct iovec *parts, size_t n)
{
	if (io->fcgi)
		return fcgi_send(io->fcgi, parts, n);
	for (size_t i = 0; i < n; i++)
		if (fwrite(parts[i].iov_base, 1, parts[i].iov_len, stdout) != parts[i].iov_len)
			return false;
	return true;
}

void http_problem_status(struct response *res, ls_status status, const char *code,
                         const char *detail)
{
	ls_err err = {0};
	ls_fail(&err, status, code, NULL, "%s", detail);
	http_problem(res, &err);
}

/* RFC 9457 problem details; "field" is an extension member. */
static void problem(struct response *res, int status, const char *title, const ls_err *err)
{
	char type[96];
	snprintf(type, sizeof type, "urn:leadgate:problem:%s",
	         err->code[0] ? err->code : "error");
	json_t *p = json_pack("{s:s, s:s, s:i, s:s}", "type", type, "title", title, "status",
	                      status, "detail", err->detail[0] ? err->detail : title);
	if (p && err->field[0])
		json_object_set_new(p, "field", json_string(err->field));
	if (p && err->block)
		json_object_set_new(p, "block", json_integer((json_int_t)err->block));
	free(res->owned);
	res->owned = p ? json_dumps(p, JSON_COMPACT) : NULL;
	json_decref(p);
	res->status = status;
	res->content_type = "application/problem+json";
	res->cache_control = "no-store";
	res->etag[0] = '\0';
	if (res->fd >= 0)
		close(res->fd);
	res->fd = -1;
	/* out of memory: RFC 9457's "about:blank" still says what happened */
	res->body = res->owned ? res->owned : "{\"type\":\"about:blank\"}";
	res->len = strlen(res->body);
}

/* A 5xx says what went wrong, never where (SPEC §9): its detail, which
 * may name a file or directory of the store, goes to stderr (the web
 * server's error log), and a 500 answers store_error. */
static const ls_err *server_error_redacted(const ls_err *err, ls_err *out)
{
	if (ls_http_status(err->status) < 500 ||
	    (err->status != LS_ERROR && strchr(err->detail, '/') == NULL))
		return err;
	fprintf(stderr, "leadgate.fcgi: %s: %s\n", err->code[0] ? err->code : "error", err->detail);
	*out = *err;
	if (err->status == LS_ERROR)
		snprintf(out->code, sizeof out->code, "store_error");
	snprintf(out->detail, sizeof out->detail,
	         "the gateway could not complete this request; its operator finds why in the "
	         "server's error log");
	out->field[0] = '\0';
	return out;
}

void http_problem(struct response *res, const ls_err *err)
{
	ls_err redacted;
	err = server_error_redacted(err, &redacted);
	problem(res, ls_http_status(err->status), ls_status_title(err->status), err);
	if (err->status == LS_RATE_LIMITED || err->retry_after > 0)
		snprintf(res->extra, sizeof res->extra, "Retry-After: %ld\r\n",
		         err->retry_after > 0 ? err->retry_after : 1);
}

static void body_etag(const void *body, size_t len, char etag[20])
{
	uint8_t h[32];
	char hex[65];
	crypto_hash_sha256(h, body, len);
	ls_hex(h, 32, hex);
	snprintf(etag, 20, "%.16s", hex);
}

static void json_body(struct response *res, const void *body, size_t len, const char *etag,
                      const char *cache_control)
{
	res->status = 200;
	res->content_type = "application/json";
	res->cache_control = cache_control;
	res->body = body;
	res->len = len;
	if (etag)
		snprintf(res->etag, sizeof res->etag, "%s", etag);
	else
		body_etag(body, len, res->etag);
}

static char cache_control[48];

static const char *public_cache_control(struct request *req)
{
	snprintf(cache_control, sizeof cache_control, "public, max-age=%u",
	         ls_store_config(req->st)->public_max_age);
	return cache_control;
}

void http_max_age(struct response *res, int64_t seconds)
{
	snprintf(cache_control, sizeof cache_control, "public, max-age=%lld",
	         (long long)(seconds > 0 ? seconds : 0));
	res->cache_control = cache_control;
}

void http_public_json(struct request *req, struct response *res, const void *body,
                      size_t len, const char *etag)
{
	json_body(res, body, len, etag, public_cache_control(req));
}

void http_public_file(struct request *req, struct response *res, int fd, size_t len,
                      const char *etag)
{
	json_body(res, NULL, len, etag, public_cache_control(req));
	res->content_type = "application/octet-stream";
	res->fd = fd;
}

void http_private_cached(struct response *res, const struct ls_body *b)
{
	json_body(res, b->data, b->len, b->etag, "private, no-store");
}

void http_private_json(struct response *res, int status, char *owned_body)
{
	free(res->owned);
	res->status = status;
	res->content_type = "application/json";
	res->cache_control = "private, no-store";
	res->owned = owned_body;
	res->body = owned_body;
	res->len = owned_body ? strlen(owned_body) : 0;
	if (owned_body == NULL)
		http_problem_status(res, LS_ERROR, "oom", "out of memory");
}

void http_private_tagged(struct response *res, char *owned_body)
{
	http_private_json(res, 200, owned_body);
	if (owned_body)
		body_etag(res->body, res->len, res->etag);
}

/* RFC 9110 §13.1.2: If-None-Match is "*" or a list of entity tags, each
 * possibly weak; comparison is weak. */
static bool etag_matches(const char *header, const char *etag)
{
	const char *p = header;
	size_t n = strlen(etag);
	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '*')
			return true;
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		if (*p != '"')
			return false;
		const char *end = strchr(p + 1, '"');
		if (end == NULL)
			return false;
		if ((size_t)(end - p - 1) == n && strncmp(p + 1, etag, n) == 0)
			return true;
		p = end + 1;
	}
	return false;
}

static const char *reason_phrase(int status)
{
	switch (status) {
	case 200: return "OK";
	case 202: return "Accepted";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Content Too Large";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 503: return "Service Unavailable";
	case 507: return "Insufficient Storage";
	default: return status < 500 ? "Client Error" : "Internal Server Error";
	}
}

/* A file body in pieces, never whole in memory.  A read failing midway
 * leaves the body short of its Content-Length, which clients detect. */
static void send_file(struct request *req, int fd, size_t len)
{
	char buf[64 * 1024];
	for (size_t sent = 0; sent < len;) {
		size_t want = len - sent < sizeof buf ? len - sent : sizeof buf;
		ssize_t got = read(fd, buf, want);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			fprintf(stderr, "leadgate: a file body ended at %zu of %zu bytes: %s\n", sent, len,
			        got < 0 ? strerror(errno) : "end of file");
			return;
		}
		if (!io_write(req->io, &(struct iovec){buf, (size_t)got}, 1))
			return;  /* the client left: stop reading */
		sent += (size_t)got;
	}
}

/* The status sent: 304 for a matching If-None-Match. */
static int send_response(struct request *req, struct response *res)
{
	char head[1024];
	const char *inm = http_header(req->io, "if-none-match");
	bool not_modified = res->status == 200 && res->etag[0] && inm &&
	                    (strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0) &&
	                    etag_matches(inm, res->etag);
	int status = not_modified ? 304 : res->status;
	int n = snprintf(head, sizeof head, "Status: %d %s\r\nCache-Control: %s\r\n%s", status,
	                 reason_phrase(status), res->cache_control ? res->cache_control : "no-store",
	                 res->extra);
	if (res->etag[0])
		n += snprintf(head + n, sizeof head - (size_t)n, "ETag: \"%s\"\r\n", res->etag);
	const char *type = res->content_type ? res->content_type : "application/json";
	/* text we made is UTF-8: say so once, unless the type says it already */
	bool add_charset = res->fd < 0 && strstr(type, "charset=") == NULL;
	if (!not_modified)
		n += snprintf(head + n, sizeof head - (size_t)n,
		              "Content-Type: %s%s\r\nContent-Length: %zu\r\n", type,
		              add_charset ? "; charset=utf-8" : "", res->len);
	n += snprintf(head + n, sizeof head - (size_t)n, "X-Content-Type-Options: nosniff\r\n\r\n");
	bool bodyless = not_modified || strcmp(req->method, "HEAD") == 0;
	/* the head and a body from memory (often the store's map) in one write */
	struct iovec parts[2] = {{head, (size_t)n}, {(void *)res->body, res->len}};
	io_write(req->io, parts, bodyless || res->fd >= 0 ? 1 : 2);
	if (!bodyless && res->fd >= 0)
		send_file(req, res->fd, res->len);
	return status;
}

/* Bound the body before reading it (SPEC §9: 413 without reading). */
static bool read_body(struct request *req, struct response *res)
{
	const char *cl = http_env(req->io, "CONTENT_LENGTH");
	uint64_t len = 0, max = ls_store_config(req->st)->max_body;
	if (cl && *cl && !ls_parse_u64(cl, UINT64_MAX / 2, &len)) {
		http_problem_status(res, LS_INVALID, "bad_content_length", "Content-Length is not a number");
		return false;
	}
	if (len > max) {
		ls_err err = {0};
		ls_fail(&err, LS_TOO_LARGE, "body_too_large", NULL,
		        "the body has %llu bytes; at most %llu are accepted", (unsigned long long)len,
		        (unsigned long long)max);
		http_problem(res, &err);
		return false;
	}
	req->body = malloc(len + 1);
	if (req->body == NULL) {
		http_problem_status(res, LS_ERROR, "oom", "out of memory");
		return false;
	}
	while (req->body_len < len) {
		size_t got = io_read(req->io, req->body + req->body_len, len - req->body_len);
		if (got == 0)
			break;
		req->body_len += got;
	}
	req->body[req->body_len] = '\0';
	if (req->body_len != len) {
		http_problem_status(res, LS_INVALID, "short_body", "the body ended before Content-Length");
		return false;
	}
	io_read_end(req->io);
	return true;
}

/* Method, path and query from the CGI variables. */
static bool parse_target(struct request *req, struct response *res)
{
	req->method = http_env(req->io, "REQUEST_METHOD");
	const char *uri = http_env(req->io, "REQUEST_URI");
	if (req->method == NULL || uri == NULL || uri[0] != '/') {
		http_problem_status(res, LS_INVALID, "bad_request_target", "no request target");
		return false;
	}
	size_t plen = strcspn(uri, "?");
	if (plen >= sizeof req->path || strlen(uri) > 4096) {
		http_problem_status(res, LS_INVALID, "uri_too_long", "the request target is too long");
		return false;
	}
	memcpy(req->path, uri, plen);
	req->path[plen] = '\0';
	if (uri[plen] == '?') {
		req->query_buf = strdup(uri + plen + 1);
		req->query = req->query_buf;
	}
	return true;
}

static bool within_rate(struct request *req, struct response *res);

static bool authenticate(struct request *req, struct response *res, bool reveal)
{
	ls_err err = {0};
	const char *https = http_env(req->io, "HTTPS");
	req->signed_req = (struct ls_http_request){
		.method = req->method, .path = req->path, .query = req->query,
		.scheme = (https && strcmp(https, "on") == 0) ? "https" : "http",
		.header = http_header, .header_ctx = req->io,
		.body = req->body, .body_len = req->body_len};
	if ((reveal ? ls_auth_verify_reveal : ls_auth_verify)(req->st, &req->signed_req, req->now,
	                                                      &req->caller, &err) != LS_OK) {
		if (err.status == LS_UNAUTHORIZED || err.status == LS_FORBIDDEN)
			ls_meters_auth_failure(req->st, err.code);
		http_problem(res, &err);
		return false;
	}
	return within_rate(req, res);
}

/* The caller's token bucket (validators' and miners' rates differ): one
 * token per signed request, the bucket's state in RateLimit-* headers
 * (draft-ietf-httpapi-ratelimit-headers), 429 with Retry-After when empty.
 * A validator revealing after it left the metagraph counts as one. */
static bool within_rate(struct request *req, struct response *res)
{
	const struct ls_config *cfg = ls_store_config(req->st);
	bool validator = !req->caller.registered || req->caller.neuron.validator_permit;
	struct ls_bucket b;
	ls_err err = {0};
	bool ok = ls_bucket_take(req->st, req->caller.hotkey,
	                         validator ? cfg->rate_validator : cfg->rate_miner,
	                         validator ? cfg->burst_validator : cfg->burst_miner, req->now, &b);
	if (!ok) {
		ls_fail(&err, LS_RATE_LIMITED, "rate_limited", NULL,
		        "%s %s sent more than %u signed requests at once (%u a minute): try again "
		        "in %ld s", validator ? "validator" : "miner", req->caller.ss58, b.limit,
		        validator ? cfg->rate_validator : cfg->rate_miner, b.retry_after);
		err.retry_after = b.retry_after;
		http_problem(res, &err);
	}
	size_t n = strlen(res->extra);
	if ((validator ? cfg->rate_validator : cfg->rate_miner) > 0)
		snprintf(res->extra + n, sizeof res->extra - n,
		         "RateLimit-Limit: %u\r\nRateLimit-Remaining: %u\r\nRateLimit-Reset: %ld\r\n",
		         b.limit, b.remaining, b.reset);
	return ok;
}

/* Authorization: Bearer <API key> (RFC 6750): a 401 says which scheme. */
static bool authenticate_client(struct request *req, struct response *res)
{
	ls_err err = {0};
	ls_reader *rd;
	ls_status s = ls_reader_begin(req->st, &rd, &err);
	if (s == LS_OK) {
		s = ls_client_auth(rd, http_header(req->io, "authorization"), &req->client, &err);
		ls_reader_end(rd);
	}
	if (s == LS_OK)
		return true;
	http_problem(res, &err);
	if (s == LS_UNAUTHORIZED)
		snprintf(res->extra, sizeof res->extra, "WWW-Authenticate: Bearer realm=\"leadgate\"%s\r\n",
		         strcmp(err.code, "bad_api_key") == 0 ? ", error=\"invalid_token\"" : "");
	return false;
}

static bool authorize(const struct route *r, struct request *req, struct response *res)
{
	switch (r->auth) {
	case AUTH_SIGNED: return authenticate(req, res, false);
	case AUTH_SIGNED_REVEAL: return authenticate(req, res, true);
	case AUTH_CLIENT: return authenticate_client(req, res);
	default: return true;
	}
}

/* What leadgate.conf sets for a pool: its queue's bound and its workers'
 * CPU priority. */
struct pool_policy {
	unsigned queue, nice;
};

static struct pool_policy pool_policy(const struct ls_config *cfg, enum pool p)
{
	switch (p) {
	case POOL_VALIDATOR: return (struct pool_policy){cfg->queue_validator, cfg->nice_validator};
	case POOL_MINER: return (struct pool_policy){cfg->queue_miner, cfg->nice_miner};
	case POOL_CLIENT: return (struct pool_policy){cfg->queue_client, cfg->nice_client};
	default: return (struct pool_policy){cfg->queue_public, cfg->nice_public};
	}
}

/* The pool LEADGATE_POOL names (set by the shipped configs), or false. */
static bool pool_mine(enum pool *p)
{
	static const char *mine;
	if (mine == NULL)
		mine = getenv("LEADGATE_POOL") ? getenv("LEADGATE_POOL") : "";
	return pool_from_name(mine, p);
}

void pool_settle(ls_store *st)
{
	enum pool p;
	const char *named = getenv("LEADGATE_POOL");
	if (!pool_mine(&p)) {
		if (named && named[0])
			fprintf(stderr, "leadgate.fcgi: LEADGATE_POOL=%s is no pool (validator, miner, client "
			        "or public): this worker serves as none\n", named);
		return;
	}
	unsigned nice = pool_policy(ls_store_config(st), p).nice;
	if (nice && setpriority(PRIO_PROCESS, 0, (int)nice) != 0)
		fprintf(stderr, "leadgate.fcgi: the %s pool's priority (nice %u): %s\n", pool_name(p), nice,
		        strerror(errno));
}

/* A route of another class than this worker's pool: its web server's
 * config sends it to the wrong workers; the operator hears about it once
 * per route and process. */
static void pool_misroute_check(const struct route *r)
{
	static bool warned[LS_METER_ROUTES];
	enum pool mine;
	unsigned slot = route_slot(r);
	if (!pool_mine(&mine) || mine == r->pool || warned[slot])
		return;
	warned[slot] = true;
	fprintf(stderr, "leadgate.fcgi: %s %s is a %s route but came to the %s pool: "
	        "see docs/operating.md \"Worker pools\"\n", r->method, r->pattern, pool_name(r->pool), pool_name(mine));
}

static int64_t monotonic_micros(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

/* How many requests wait behind this one in the pool's listening socket;
 * -1 when unknown (CGI, or a kernel that does not say, reported once).
 * Asking the kernel about a Unix socket walks its table of them, a few
 * microseconds, so a worker asks at most once a millisecond while the
 * answer lets it admit: in between it counts down what it has taken off
 * the queue since (arrivals in that millisecond may pass).  A refusal is
 * always made on a fresh answer. */
static int pool_waiting(const struct request *req, const struct route *r, unsigned limit)
{
	static bool unmeasured;
	static int measured = -1;
	static int64_t measured_at;
	static unsigned taken;
	if (req->io->fcgi == NULL)
		return -1;
	int64_t now = monotonic_micros();
	taken++;
	if (measured >= 0 && now - measured_at < 1000 && measured - (int)taken <= (int)limit)
		return measured - (int)taken > 0 ? measured - (int)taken : 0;
	int waiting = listen_queue_length(req->io->fcgi->listen_sock);
	measured = waiting;
	measured_at = now;
	taken = 0;
	if (waiting < 0 && !unmeasured) {
		unmeasured = true;
		fprintf(stderr, "leadgate.fcgi: the length of the listening socket's queue is unknown "
		        "(%s): queue_%s is not enforced\n", strerror(errno), pool_name(r->pool));
	}
	return waiting;
}

/* Admission (docs/operating.md "Worker pools"): the web server sends each class of
 * route to its own pool, and a request that finds more than queue_<class>
 * others waiting behind it is told 503 busy at once, before its body is
 * read or its signature checked, so that a flood costs a pool microseconds
 * per request and never delays it by seconds.  A test fills a pool by
 * holding its requests here (hold_pool_<class> in the store's faults
 * file). */
static bool pool_admits(struct request *req, const struct route *r, struct response *res)
{
	unsigned limit = pool_policy(ls_store_config(req->st), r->pool).queue;
	int waiting = limit ? pool_waiting(req, r, limit) : -1;
	pool_misroute_check(r);
	if (waiting >= 0 && (unsigned)waiting > limit) {
		ls_err err = {0};
		ls_fail(&err, LS_UNAVAILABLE, "busy", NULL,
		        "%d requests wait for the %s workers (queue_%s = %u): try again in a second",
		        waiting, pool_name(r->pool), pool_name(r->pool), limit);
		err.retry_after = 1;
		http_problem(res, &err);
		return false;
	}
	char hold[32];
	snprintf(hold, sizeof hold, "hold_pool_%s", pool_name(r->pool));
	ls_fault_hold(req->st, hold);
	return true;
}

static double seconds_since(const struct timespec *start)
{
	struct timespec end;
	clock_gettime(CLOCK_MONOTONIC, &end);
	return (double)(end.tv_sec - start->tv_sec) + (double)(end.tv_nsec - start->tv_nsec) / 1e9;
}

void http_serve(struct http_io *io, ls_store *st)
{
	struct request req = {.io = io, .st = st, .now = ls_now(ls_store_config(st))};
	struct response res = {.status = 500, .fd = -1};
	const struct route *r = NULL;
	struct timespec start;
	char allow[64];
	clock_gettime(CLOCK_MONOTONIC, &start);
	if (parse_target(&req, &res)) {
		r = route_find(req.method, req.path, req.param, sizeof req.param, allow, sizeof allow);
		if (r == NULL && allow[0]) {
			ls_err err = {0};
			ls_fail(&err, LS_INVALID, "method_not_allowed", NULL,
			        "%s takes only %s", req.path, allow);
			problem(&res, 405, "Method Not Allowed", &err);
			snprintf(res.extra, sizeof res.extra, "Allow: %s\r\n", allow);
		} else if (r == NULL) {
			http_problem_status(&res, LS_NOTFOUND, "no_such_endpoint",
			                    "no endpoint has this path");
		} else if (pool_admits(&req, r, &res) && read_body(&req, &res) &&
		           authorize(r, &req, &res)) {
			r->handler(&req, &res);
		}
	}
	if (req.method == NULL)
		req.method = "GET";
	int status = send_response(&req, &res);
	ls_reader_end(res.rd);
	ls_meters_request(st, route_slot(r), status, seconds_since(&start));
	if (res.fd >= 0)
		close(res.fd);
	free(res.owned);
	free(req.body);
	free(req.query_buf);
}
