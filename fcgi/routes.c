/*
 * routes.c — the one route table and the handlers of SPEC §5 that this
 * build serves.  Handlers turn a request into store calls and store
 * results into JSON; every rule lives in store/.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "http.h"

static void get_epoch_current(struct request *req, struct response *res);
static void post_leads(struct request *req, struct response *res);
static void get_lead(struct request *req, struct response *res);
static void get_participants(struct request *req, struct response *res);
static void get_participant(struct request *req, struct response *res);
static void get_log(struct request *req, struct response *res);
static void get_log_bundles(struct request *req, struct response *res);
static void get_log_bundle(struct request *req, struct response *res);
static void get_log_entry(struct request *req, struct response *res);
static void get_bans(struct request *req, struct response *res);
static void get_log_proof(struct request *req, struct response *res);
static void get_healthz(struct request *req, struct response *res);
static void get_epoch_leads(struct request *req, struct response *res);
static void post_epoch_commit(struct request *req, struct response *res);
static void post_epoch_reveal(struct request *req, struct response *res);
static void get_epoch_results(struct request *req, struct response *res);
static void get_epoch_weights(struct request *req, struct response *res);
static void get_challenges_active(struct request *req, struct response *res);
static void post_challenge_submission(struct request *req, struct response *res);
static void get_challenge_submissions(struct request *req, struct response *res);
static void post_challenge_result(struct request *req, struct response *res);
static void get_leaderboard_recent(struct request *req, struct response *res);
static void post_queue_pull(struct request *req, struct response *res);
static void post_queue_votes(struct request *req, struct response *res);
static void post_requests(struct request *req, struct response *res);
static void get_requests_open(struct request *req, struct response *res);
static void get_request(struct request *req, struct response *res);
static void post_request_rankings(struct request *req, struct response *res);

static const struct route routes[] = {
	{"GET", "/v1/epoch/current", AUTH_PUBLIC, POOL_PUBLIC, get_epoch_current},
	{"GET", "/v1/epoch/{}/leads", AUTH_SIGNED, POOL_VALIDATOR, get_epoch_leads},
	{"POST", "/v1/epoch/{}/commit", AUTH_SIGNED, POOL_VALIDATOR, post_epoch_commit},
	{"POST", "/v1/epoch/{}/reveal", AUTH_SIGNED_REVEAL, POOL_VALIDATOR, post_epoch_reveal},
	{"GET", "/v1/epoch/{}/results", AUTH_PUBLIC, POOL_PUBLIC, get_epoch_results},
	{"GET", "/v1/epoch/{}/weights", AUTH_PUBLIC, POOL_PUBLIC, get_epoch_weights},
	{"POST", "/v1/leads", AUTH_SIGNED, POOL_MINER, post_leads},
	{"GET", "/v1/leads/{}", AUTH_SIGNED, POOL_MINER, get_lead},
	{"GET", "/v1/participants", AUTH_PUBLIC, POOL_PUBLIC, get_participants},
	{"GET", "/v1/participants/{}", AUTH_PUBLIC, POOL_PUBLIC, get_participant},
	{"GET", "/v1/log", AUTH_PUBLIC, POOL_PUBLIC, get_log},
	{"GET", "/v1/log/bundles", AUTH_PUBLIC, POOL_PUBLIC, get_log_bundles},
	{"GET", "/v1/log/bundles/{}", AUTH_PUBLIC, POOL_PUBLIC, get_log_bundle},
	{"GET", "/v1/log/entries/{}", AUTH_PUBLIC, POOL_PUBLIC, get_log_entry},
	{"GET", "/v1/log/entries/{}/proof", AUTH_PUBLIC, POOL_PUBLIC, get_log_proof},
	{"GET", "/v1/challenges/active", AUTH_PUBLIC, POOL_PUBLIC, get_challenges_active},
	{"POST", "/v1/challenges/{}/submissions", AUTH_SIGNED, POOL_MINER, post_challenge_submission},
	{"GET", "/v1/challenges/{}/submissions", AUTH_SIGNED, POOL_VALIDATOR, get_challenge_submissions},
	{"POST", "/v1/challenges/{}/results", AUTH_SIGNED, POOL_VALIDATOR, post_challenge_result},
	{"GET", "/v1/leaderboard/recent", AUTH_PUBLIC, POOL_PUBLIC, get_leaderboard_recent},
	{"POST", "/v1/queue/pull", AUTH_SIGNED, POOL_VALIDATOR, post_queue_pull},
	{"POST", "/v1/queue/votes", AUTH_SIGNED, POOL_VALIDATOR, post_queue_votes},
	/* before /v1/requests/{}, which "open" would match too */
	{"GET", "/v1/requests/open", AUTH_SIGNED, POOL_VALIDATOR, get_requests_open},
	{"POST", "/v1/requests", AUTH_CLIENT, POOL_CLIENT, post_requests},
	{"GET", "/v1/requests/{}", AUTH_CLIENT, POOL_CLIENT, get_request},
	{"POST", "/v1/requests/{}/rankings", AUTH_SIGNED, POOL_VALIDATOR, post_request_rankings},
	{"GET", "/v1/bans", AUTH_PUBLIC, POOL_PUBLIC, get_bans},
	{"GET", "/v1/healthz", AUTH_PUBLIC, POOL_PUBLIC, get_healthz},
	{"GET", "/v1/metrics", AUTH_PUBLIC, POOL_PUBLIC, get_metrics},
};

_Static_assert(sizeof routes / sizeof routes[0] < ROUTE_SLOT_NONE,
               "every route has a meter slot, and unmatched requests one more");

size_t route_count(void) { return sizeof routes / sizeof routes[0]; }
const struct route *route_at(size_t i) { return &routes[i]; }
const char *pool_name(enum pool p)
{
	static const char *const names[POOL_COUNT] = {"public", "validator", "miner", "client"};
	return p < POOL_COUNT ? names[p] : "?";
}

bool pool_from_name(const char *name, enum pool *out)
{
	for (enum pool p = 0; p < POOL_COUNT; p++)
		if (strcmp(name, pool_name(p)) == 0)
			return *out = p, true;
	return false;
}

unsigned route_slot(const struct route *r)
{
	return r ? (unsigned)(r - routes) : ROUTE_SLOT_NONE;
}

uint64_t route_layout_id(void)
{
	uint64_t id = 0;
	for (size_t i = 0; i < route_count(); i++) {
		id = ls_meters_layout_add(id, routes[i].method);
		id = ls_meters_layout_add(id, routes[i].pattern);
	}
	return id;
}

/* Segment-wise match; "{}" takes one non-empty segment (shorter than
 * size) into param. */
static bool path_matches(const char *pattern, const char *path, char *param, size_t size)
{
	while (*pattern && *path) {
		if (strncmp(pattern, "{}", 2) == 0) {
			size_t n = strcspn(path, "/");
			if (n == 0 || n >= size)
				return false;
			memcpy(param, path, n);
			param[n] = '\0';
			pattern += 2;
			path += n;
			continue;
		}
		if (*pattern++ != *path++)
			return false;
	}
	return *pattern == '\0' && *path == '\0';
}

const struct route *route_find(const char *method, const char *path, char *param,
                               size_t param_size, char *allow, size_t allow_size)
{
	allow[0] = '\0';
	for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
		if (!path_matches(routes[i].pattern, path, param, param_size))
			continue;
		bool head_of_get = strcmp(method, "HEAD") == 0 && strcmp(routes[i].method, "GET") == 0;
		if (strcmp(routes[i].method, method) == 0 || head_of_get)
			return &routes[i];
		size_t n = strlen(allow);
		if (strstr(allow, routes[i].method) == NULL)  /* GET and POST: no prefixes */
			snprintf(allow + n, allow_size - n, "%s%s", n ? ", " : "", routes[i].method);
	}
	return NULL;
}

/* A reader for this response, ended after it is sent. */
static bool begin_read(struct request *req, struct response *res)
{
	ls_err err = {0};
	if (ls_reader_begin(req->st, &res->rd, &err) != LS_OK) {
		http_problem(res, &err);
		return false;
	}
	return true;
}

static json_t *window_json(const struct ls_config *cfg, const struct ls_clock *c,
                           const struct ls_window *w)
{
	int64_t opens = ls_block_time(cfg, c, w->first_block);
	int64_t closes = ls_block_time(cfg, c, w->last_block + 1);
	return json_pack("{s:I, s:I, s:b, s:I, s:I}", "first_block", (json_int_t)w->first_block,
	                 "last_block", (json_int_t)w->last_block, "open",
	                 ls_window_contains(w, c->block), "opens_in",
	                 (json_int_t)(opens > c->now ? opens - c->now : 0), "closes_in",
	                 (json_int_t)(closes > c->now ? closes - c->now : 0));
}

/* During offsets 0..reveal_end of E the reveal window open is E-1's, not
 * E's (an epoch away): a client reading only E's windows would miss it. */
static json_t *reveal_open_json(const struct ls_config *cfg, const struct ls_clock *c)
{
	struct ls_epoch_windows prev;
	if (c->epoch == 0)
		return json_null();
	ls_epoch_windows(cfg, &c->sched, c->epoch - 1, &prev);
	if (!ls_window_contains(&prev.reveal, c->block))
		return json_null();
	json_t *o = window_json(cfg, c, &prev.reveal);
	json_object_set_new(o, "epoch", json_integer((json_int_t)(c->epoch - 1)));
	return o;
}

static void get_epoch_current(struct request *req, struct response *res)
{
	const struct ls_config *cfg = ls_store_config(req->st);
	struct ls_anchor anchor;
	struct ls_clock c;
	struct ls_epoch_windows w;
	if (!begin_read(req, res))
		return;
	if (ls_anchor_get(res->rd, &anchor) != LS_OK) {
		http_problem_status(res, LS_UNAVAILABLE, "clock_not_anchored",
		                    cfg->epoch_source == LS_EPOCHS_CHAIN
		                    ? "the gateway has no chain schedule yet: run leadgate-sync --rpc"
		                    : "the gateway has no chain anchor yet: run leadgate-sync");
		return;
	}
	ls_clock_at(cfg, &anchor, req->now, &c);
	ls_epoch_windows(cfg, &c.sched, c.epoch, &w);
	uint64_t start = ls_epoch_start(&c.sched, c.epoch), next = ls_epoch_start(&c.sched, c.epoch + 1);
	json_t *body = json_pack(
		"{s:I, s:I, s:I, s:I, s:I, s:I, s:{s:o, s:o, s:o, s:o}, s:I, s:I}", "block",
		(json_int_t)c.block, "epoch", (json_int_t)c.epoch, "offset", (json_int_t)c.offset,
		"now", (json_int_t)c.now, "block_seconds", (json_int_t)cfg->block_seconds,
		"epoch_length", (json_int_t)(next - start), "windows", "distribution",
		window_json(cfg, &c, &w.distribution), "commit", window_json(cfg, &c, &w.commit),
		"prefetch", window_json(cfg, &c, &w.prefetch), "reveal",
		window_json(cfg, &c, &w.reveal), "close_block", (json_int_t)w.close_block,
		"next_epoch_in", (json_int_t)(ls_block_time(cfg, &c, next) - c.now));
	json_object_set_new(body, "epoch_source", json_string(c.sched.chain ? "chain" : "fixed"));
	json_object_set_new(body, "epoch_start", json_integer((json_int_t)start));
	json_object_set_new(body, "next_epoch_start", json_integer((json_int_t)next));
	json_object_set_new(body, "next_epoch_start_recorded",
	                    json_boolean(c.sched.chain && c.sched.starts[c.sched.n - 1].epoch > c.epoch));
	json_object_set_new(body, "consensus_mode",
	                    json_string(cfg->consensus_mode == LS_MODE_FIRST3 ? "first3" : "epoch"));
	json_object_set_new(body, "reveal_open_for", reveal_open_json(cfg, &c));
	res->owned = body ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	if (res->owned == NULL)
		return http_problem_status(res, LS_ERROR, "oom", "out of memory");
	http_public_json(req, res, res->owned, strlen(res->owned), NULL);
	res->cache_control = "public, max-age=1";
}

/* Parse a JSON body strictly (SPEC §9): duplicate keys refused. */
static json_t *parse_body(struct request *req, struct response *res)
{
	json_error_t je;
	json_t *v = json_loadb((const char *)req->body, req->body_len, JSON_REJECT_DUPLICATES, &je);
	if (v == NULL) {
		ls_err err = {0};
		ls_fail(&err, LS_INVALID, "malformed_json", NULL, "the body is not valid JSON: %s (at byte %d)",
		        je.text, je.position);
		http_problem(res, &err);
	}
	return v;
}

/* A write's answer: its JSON (owned), or the problem that stopped it.
 * Call it after the write (answer is its output). */
static void write_answer(struct response *res, ls_status s, char *answer, const ls_err *err)
{
	if (s != LS_OK)
		http_problem(res, err);
	else
		http_private_json(res, 200, answer);
}

static json_t *submit_results_json(const struct ls_submit_result *r, size_t n, size_t *accepted)
{
	json_t *list = json_array();
	*accepted = 0;
	for (size_t i = 0; i < n; i++) {
		char id[37];
		json_t *item;
		if (r[i].err.status == LS_OK) {
			ls_uuid_format(r[i].lead_id, id);
			item = json_pack("{s:I, s:s, s:s}", "index", (json_int_t)i, "status", "accepted",
			                 "lead_id", id);
			(*accepted)++;
		} else {
			item = json_pack("{s:I, s:s, s:i, s:s, s:s}", "index", (json_int_t)i, "status",
			                 "rejected", "status_code", ls_http_status(r[i].err.status),
			                 "reason", r[i].err.code, "detail", r[i].err.detail);
		}
		json_array_append_new(list, item);
	}
	return list;
}

/* POST /v1/leads: {"leads":[...]}.  200 when at least one lead was
 * accepted; when none was, the status of the first rejection. */
static void post_leads(struct request *req, struct response *res)
{
	json_t *root = parse_body(req, res), *leads = NULL;
	if (root == NULL)
		return;
	json_error_t je;
	ls_err err = {0};
	if (json_unpack_ex(root, &je, JSON_STRICT, "{s:o}", "leads", &leads) != 0) {
		ls_fail(&err, LS_INVALID, "bad_body", "leads", "the body must be {\"leads\": [...]}: %s",
		        je.text);
		http_problem(res, &err);
		json_decref(root);
		return;
	}
	size_t n = json_is_array(leads) ? json_array_size(leads) : 0;
	/* bounded before a result per lead is allocated (SPEC §9) */
	struct ls_submit_result *results =
		ls_leads_batch_check(ls_store_config(req->st), leads, &err) == LS_OK
		? calloc(n, sizeof *results) : NULL;
	if (results == NULL || ls_leads_submit(req->st, &req->caller, leads, req->now, results,
	                                       &err) != LS_OK) {
		if (results == NULL && err.code[0] == '\0')
			ls_fail(&err, LS_ERROR, "oom", NULL, "out of memory");
		http_problem(res, &err);
	} else {
		size_t accepted;
		json_t *list = submit_results_json(results, n, &accepted);
		json_t *body = json_pack("{s:I, s:I, s:o}", "accepted", (json_int_t)accepted,
		                         "rejected", (json_int_t)(n - accepted), "results", list);
		int status = accepted ? 200 : ls_http_status(results[0].err.status);
		http_private_json(res, status, body ? json_dumps(body, JSON_COMPACT) : NULL);
		json_decref(body);
	}
	free(results);
	json_decref(root);
}

static void get_lead(struct request *req, struct response *res)
{
	uint8_t id[16];
	char idtext[37], hex[65], miner[LS_SS58_MAX];
	struct ls_lead_view v;
	ls_err err = {0};
	if (ls_uuid_parse(req->param, id) != LS_OK)
		return http_problem_status(res, LS_INVALID, "bad_lead_id",
		                           "a lead id is a UUID (8-4-4-4-12 hex digits)");
	if (!begin_read(req, res))
		return;
	if (ls_lead_get(res->rd, id, req->caller.hotkey, &v, &err) != LS_OK)
		return http_problem(res, &err);
	ls_uuid_format(v.lead_id, idtext);
	ls_hex(v.content_hash, 32, hex);
	if (ls_ss58_encode(v.miner, ls_store_config(req->st)->ss58_prefix, miner) != LS_OK)
		miner[0] = '\0';
	json_t *body = json_pack("{s:s, s:s, s:s, s:I, s:s}", "lead_id", idtext, "status",
	                         ls_lead_state_name(v.state), "miner", miner, "submitted_at",
	                         (json_int_t)v.submitted_at, "content_hash", hex);
	json_object_set_new(body, "epoch", v.epoch ? json_integer((json_int_t)v.epoch) : json_null());
	bool decided = v.state == LS_LEAD_APPROVED || v.state == LS_LEAD_DENIED;
	json_object_set_new(body, "decision",
	                    decided ? json_pack("{s:s, s:f, s:s}", "verdict",
	                                        v.state == LS_LEAD_APPROVED ? "approve" : "deny",
	                                        "rep_score", v.score_e4 / 10000.0, "reason", v.reason)
	                            : json_null());
	http_private_json(res, 200, json_dumps(body, JSON_COMPACT));
	json_decref(body);
}

static void get_participants(struct request *req, struct response *res)
{
	struct ls_body b;
	if (!begin_read(req, res))
		return;
	ls_status s = ls_cache_get(res->rd, "participants", &b);
	if (s == LS_NOTFOUND)
		return http_problem_status(res, LS_UNAVAILABLE, "metagraph_not_synced",
		                           "no metagraph has been imported yet: run leadgate-sync");
	if (s != LS_OK)
		return http_problem_status(res, LS_ERROR, "store_error",
		                           "the participants view could not be read");
	http_public_json(req, res, b.data, b.len, b.etag);
}

/* A public body that the store builds per request from req->param. */
typedef ls_status (*param_body_fn)(ls_reader *rd, const char *param, char **body, size_t *len,
                                   ls_err *err);

/* The answer of a store call that built a public body for this request:
 * the body, or the call's problem. */
static void send_built(struct request *req, struct response *res, ls_status s, char *body,
                       size_t len, const ls_err *err)
{
	if (s != LS_OK)
		return http_problem(res, err);
	res->owned = body;
	http_public_json(req, res, body, len, NULL);
}

static void get_param_body(struct request *req, struct response *res, param_body_fn fn)
{
	char *body = NULL;
	size_t len = 0;
	ls_err err = {0};
	if (!begin_read(req, res))
		return;
	ls_status s = fn(res->rd, req->param, &body, &len, &err);
	send_built(req, res, s, body, len, &err);
}

/* One hotkey's metagraph row and recent epochs: a body per request (it
 * is small), a strong ETag from its bytes. */
static ls_status participant_body(ls_reader *rd, const char *hotkey, char **body, size_t *len,
                                  ls_err *err)
{
	return ls_participant_get(rd, hotkey, LS_PARTICIPANT_EPOCHS, body, len, err);
}

static void get_participant(struct request *req, struct response *res)
{
	get_param_body(req, res, participant_body);
}

/* Split the query into values for the keys named (each at most once; any
 * other key, a key twice or a pair without '=' is a 400 saying usage).
 * vals[i] points into buf, NULL when keys[i] is absent. */
static bool query_split(struct request *req, struct response *res, const char *const *keys,
                        size_t nkeys, const char **vals, char *buf, size_t size,
                        const char *usage)
{
	for (size_t i = 0; i < nkeys; i++)
		vals[i] = NULL;
	if (req->query == NULL || *req->query == '\0')
		return true;
	if (strlen(req->query) >= size)
		return http_problem_status(res, LS_INVALID, "bad_query", "the query is too long"), false;
	strcpy(buf, req->query);
	for (char *save = NULL, *kv = strtok_r(buf, "&", &save); kv; kv = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(kv, '=');
		size_t i = 0;
		if (eq)
			*eq = '\0';
		while (eq && i < nkeys && strcmp(kv, keys[i]) != 0)
			i++;
		if (eq == NULL || i == nkeys || vals[i] != NULL) {
			ls_err err = {0};
			ls_fail(&err, LS_INVALID, "bad_query", kv, "%s takes %s", req->path, usage);
			http_problem(res, &err);
			return false;
		}
		vals[i] = eq + 1;
	}
	return true;
}

/* A number from the query: absent -> dflt; else lo..max or a 400. */
static bool query_u64(struct response *res, const char *key, const char *val, uint64_t lo,
                      uint64_t max, uint64_t dflt, uint64_t *out)
{
	*out = dflt;
	if (val == NULL || (ls_parse_u64(val, max, out) && *out >= lo))
		return true;
	ls_err err = {0};
	ls_fail(&err, LS_INVALID, "bad_query", key, "%s must be a number from %llu to %llu", key,
	        (unsigned long long)lo, (unsigned long long)max);
	http_problem(res, &err);
	return false;
}

/* Query parameters of a page of things with UUID ids (submissions, open
 * requests): after=<the last id seen>, limit=1..100 (default dflt). */
static bool id_page_params(struct request *req, struct response *res, const char *what,
                           uint64_t dflt, uint8_t after[16], bool *after_given, unsigned *limit)
{
	static const char *const keys[] = {"after", "limit"};
	const char *vals[2];
	char q[256], usage[64], detail[64];
	uint64_t n;
	snprintf(usage, sizeof usage, "after=<%s id> and limit=<1..100>", what);
	if (!query_split(req, res, keys, 2, vals, q, sizeof q, usage) ||
	    !query_u64(res, "limit", vals[1], 1, 100, dflt, &n))
		return false;
	*limit = (unsigned)n;
	*after_given = vals[0] != NULL;
	if (vals[0] == NULL || ls_uuid_parse(vals[0], after) == LS_OK)
		return true;
	snprintf(detail, sizeof detail, "after is a %s id", what);
	http_problem_status(res, LS_INVALID, "bad_query", detail);
	return false;
}

/* Query parameters of a page (GET /v1/log, /v1/log/bundles): after=N,
 * limit=1..log_page_max, nothing else. */
static bool page_params(struct request *req, struct response *res, uint64_t *after,
                        uint64_t *limit, bool *after_given)
{
	static const char *const keys[] = {"after", "limit"};
	unsigned max = ls_store_config(req->st)->log_page_max;
	const char *vals[2];
	char q[256], usage[64];
	snprintf(usage, sizeof usage, "after=<n> and limit=<1..%u>", max);
	if (!query_split(req, res, keys, 2, vals, q, sizeof q, usage))
		return false;
	*after_given = vals[0] != NULL;
	return query_u64(res, "after", vals[0], 0, UINT64_MAX, 0, after) &&
	       query_u64(res, "limit", vals[1], 1, max, max < 100 ? max : 100, limit);
}

/* A page of a public list after a key (NULL: from the first). */
typedef ls_status (*page_fn)(ls_reader *rd, const uint64_t *after, unsigned limit, char **body,
                             size_t *len, ls_err *err);

static void get_page(struct request *req, struct response *res, page_fn fn)
{
	uint64_t after, limit;
	char *body = NULL;
	size_t len = 0;
	ls_err err = {0};
	bool after_given;
	if (!page_params(req, res, &after, &limit, &after_given) || !begin_read(req, res))
		return;
	ls_status s = fn(res->rd, after_given ? &after : NULL, (unsigned)limit, &body, &len, &err);
	send_built(req, res, s, body, len, &err);
}

/* The log's seqs start at 1: "from the first" is after 0. */
static ls_status log_page(ls_reader *rd, const uint64_t *after, unsigned limit, char **body,
                          size_t *len, ls_err *err)
{
	return ls_log_page(rd, after ? *after : 0, limit, body, len, err);
}

static void get_log(struct request *req, struct response *res)
{
	get_page(req, res, log_page);
}

static void get_log_bundles(struct request *req, struct response *res)
{
	get_page(req, res, ls_bundles_list);
}

static bool epoch_param(struct request *req, struct response *res, uint64_t *epoch);

/* The bundle's bytes, read from its file as they are sent. */
static void get_log_bundle(struct request *req, struct response *res)
{
	uint64_t epoch;
	struct ls_bundle_info info;
	char hex[65];
	int fd;
	ls_err err = {0};
	if (!epoch_param(req, res, &epoch) || !begin_read(req, res))
		return;
	if (ls_bundle_open(res->rd, epoch, &info, &fd, &err) != LS_OK)
		return http_problem(res, &err);
	/* the file needs nothing from the map: no snapshot pinned while it goes */
	ls_reader_end(res->rd);
	res->rd = NULL;
	ls_hex(info.sha256, 32, hex);
	hex[16] = '\0';
	http_public_file(req, res, fd, (size_t)info.size, hex);
}

/* One entry by its hash; with where it was bundled once it is. */
static void get_log_entry(struct request *req, struct response *res)
{
	get_param_body(req, res, ls_log_entry_json);
}

/* Its Merkle path to the root its bundle recorded in the log. */
static void get_log_proof(struct request *req, struct response *res)
{
	get_param_body(req, res, ls_log_proof_json);
}

/* The hotkeys banned now; built per request (a short list). */
static void get_bans(struct request *req, struct response *res)
{
	char *body = NULL;
	size_t len = 0;
	ls_err err = {0};
	if (!begin_read(req, res))
		return;
	ls_status s = ls_bans_json(res->rd, req->now, &body, &len, &err);
	send_built(req, res, s, body, len, &err);
}

static void get_healthz(struct request *req, struct response *res)
{
	struct ls_anchor anchor;
	struct ls_stats stats;
	struct ls_log_head head;
	if (!begin_read(req, res))
		return;
	bool anchored = ls_anchor_get(res->rd, &anchor) == LS_OK;
	if (ls_stats_get(res->rd, &stats) != LS_OK || ls_log_head(res->rd, &head) != LS_OK)
		return http_problem_status(res, LS_UNAVAILABLE, "store_unreadable",
		                           "the store could not be read");
	json_t *jobs = json_object();
	for (size_t i = 0; i < LS_JOBS; i++)
		json_object_set_new(jobs, ls_job_names[i],
		                    json_integer((json_int_t)ls_job_last_run(req->st, ls_job_names[i], NULL)));
	int64_t last_sync = ls_last_sync(res->rd);
	json_t *body = json_pack("{s:s, s:b, s:b, s:I, s:o, s:o, s:I, s:I, s:I}", "status",
	                         anchored ? "ok" : "unanchored", "store_readable", 1, "anchored",
	                         anchored, "last_sync", (json_int_t)last_sync, "last_sync_age",
	                         last_sync > 0 ? json_integer((json_int_t)(req->now - last_sync))
	                                       : json_null(),
	                         "last_job_runs", jobs, "log_seq", (json_int_t)head.seq,
	                         "pending_leads", (json_int_t)stats.pending, "neurons",
	                         (json_int_t)stats.neurons);
	http_private_json(res, anchored ? 200 : 503, json_dumps(body, JSON_COMPACT));
	res->cache_control = "no-store";
	json_decref(body);
}

/* The {E} of /v1/epoch/{E}/...: a decimal epoch number. */
static bool epoch_param(struct request *req, struct response *res, uint64_t *epoch)
{
	if (ls_parse_u64(req->param, (uint64_t)1 << 48, epoch))
		return true;
	http_problem_status(res, LS_INVALID, "bad_epoch", "an epoch is a decimal number");
	return false;
}

static void get_epoch_leads(struct request *req, struct response *res)
{
	uint64_t epoch;
	struct ls_body b;
	ls_err err = {0};
	if (!epoch_param(req, res, &epoch) || !begin_read(req, res))
		return;
	if (ls_epoch_leads(res->rd, &req->caller, epoch, req->now, &b, &err) != LS_OK)
		return http_problem(res, &err);
	http_private_cached(res, &b);
}

/* POST /v1/epoch/{E}/commit and /reveal: one store call each. */
typedef ls_status (*vote_fn)(ls_store *, const struct ls_identity *, uint64_t, json_t *, int64_t,
                             char **, ls_err *);
static void post_vote(struct request *req, struct response *res, vote_fn fn)
{
	uint64_t epoch;
	char *answer = NULL;
	ls_err err = {0};
	if (!epoch_param(req, res, &epoch))
		return;
	json_t *body = parse_body(req, res);
	if (body == NULL)
		return;
	ls_status s = fn(req->st, &req->caller, epoch, body, req->now, &answer, &err);
	write_answer(res, s, answer, &err);
	json_decref(body);
}

static void post_epoch_commit(struct request *req, struct response *res)
{
	post_vote(req, res, ls_epoch_commit);
}

static void post_epoch_reveal(struct request *req, struct response *res)
{
	post_vote(req, res, ls_epoch_reveal);
}

static void get_published(struct request *req, struct response *res, const char *what)
{
	uint64_t epoch;
	struct ls_body b;
	ls_err err = {0};
	if (!epoch_param(req, res, &epoch) || !begin_read(req, res))
		return;
	if (ls_epoch_published(res->rd, epoch, what, &b, &err) != LS_OK)
		return http_problem(res, &err);
	http_public_json(req, res, b.data, b.len, b.etag);
}

static void get_epoch_results(struct request *req, struct response *res)
{
	get_published(req, res, "results");
}

static void get_epoch_weights(struct request *req, struct response *res)
{
	get_published(req, res, "weights");
}

/* ---- challenges and the leaderboard ---------------------------------- */

/* Fresh or, while one worker rebuilds it, the previous body: either way
 * straight from the map; cached downstream no longer than it stays right. */
static void get_challenges_active(struct request *req, struct response *res)
{
	struct ls_body b;
	int64_t fresh_for;
	ls_err err = {0};
	if (!begin_read(req, res))
		return;
	if (ls_challenges_active(res->rd, req->now, &b, &fresh_for, &err) != LS_OK)
		return http_problem(res, &err);
	http_public_json(req, res, b.data, b.len, b.etag);
	/* no cache may keep a challenge open past its close, or a stale body */
	if (fresh_for < ls_store_config(req->st)->public_max_age)
		http_max_age(res, fresh_for);
}

/* The body is the submission itself, any JSON value. */
static void post_challenge_submission(struct request *req, struct response *res)
{
	char *answer = NULL;
	ls_err err = {0};
	ls_status s = ls_challenge_submit(req->st, &req->caller, req->param, req->body, req->body_len,
	                                  req->now, &answer, &err);
	write_answer(res, s, answer, &err);
}

static void get_challenge_submissions(struct request *req, struct response *res)
{
	uint8_t after[16];
	bool after_given;
	unsigned limit;
	char *body = NULL;
	size_t len = 0;
	ls_err err = {0};
	if (!id_page_params(req, res, "submission", 20, after, &after_given, &limit) ||
	    !begin_read(req, res))
		return;
	if (ls_challenge_submissions(res->rd, &req->caller, req->param, after_given ? after : NULL,
	                             limit, &body, &len, &err) != LS_OK)
		return http_problem(res, &err);
	http_private_json(res, 200, body);
}

static void post_challenge_result(struct request *req, struct response *res)
{
	char *answer = NULL;
	ls_err err = {0};
	json_t *body = parse_body(req, res);
	if (body == NULL)
		return;
	ls_status s = ls_challenge_result(req->st, &req->caller, req->param, body, req->now, &answer,
	                                  &err);
	write_answer(res, s, answer, &err);
	json_decref(body);
}

/* A strong ETag per page: polling with an up-to-date cursor gets a 304. */
static void get_leaderboard_recent(struct request *req, struct response *res)
{
	static const char *const keys[] = {"cursor", "limit"};
	unsigned max = ls_store_config(req->st)->leaderboard_page_max;
	const char *vals[2];
	char q[256], usage[64], *body = NULL;
	uint64_t cursor, limit;
	size_t len = 0;
	ls_err err = {0};
	snprintf(usage, sizeof usage, "cursor=<n> and limit=<1..%u>", max);
	if (!query_split(req, res, keys, 2, vals, q, sizeof q, usage) ||
	    !query_u64(res, "cursor", vals[0], 0, UINT64_MAX, 0, &cursor) ||
	    !query_u64(res, "limit", vals[1], 1, max, max < 100 ? max : 100, &limit) ||
	    !begin_read(req, res))
		return;
	ls_status s = ls_leaderboard_page(res->rd, cursor, (unsigned)limit, &body, &len, &err);
	send_built(req, res, s, body, len, &err);
}

/* ---- the first-three-validators mode ---------------------------------- */

typedef ls_status (*queue_fn)(ls_store *, const struct ls_identity *, json_t *, int64_t, char **,
                              ls_err *);
static void post_queue(struct request *req, struct response *res, queue_fn fn)
{
	char *answer = NULL;
	ls_err err = {0};
	json_t *body = parse_body(req, res);
	if (body == NULL)
		return;
	ls_status s = fn(req->st, &req->caller, body, req->now, &answer, &err);
	write_answer(res, s, answer, &err);
	json_decref(body);
}

static void post_queue_pull(struct request *req, struct response *res)
{
	post_queue(req, res, ls_queue_pull);
}

static void post_queue_votes(struct request *req, struct response *res)
{
	post_queue(req, res, ls_queue_vote);
}

/* ---- client lead requests ------------------------------------------------ */

static void post_requests(struct request *req, struct response *res)
{
	char *answer = NULL;
	ls_err err = {0};
	json_t *body = parse_body(req, res);
	if (body == NULL)
		return;
	ls_status s = ls_request_create(req->st, &req->client, body, req->now, &answer, &err);
	json_decref(body);
	if (s != LS_OK)
		return http_problem(res, &err);
	json_t *a = json_loads(answer, 0, NULL);
	const char *id = json_string_value(json_object_get(a, "request_id"));
	if (id)
		snprintf(res->extra, sizeof res->extra, "Location: /v1/requests/%s\r\n", id);
	json_decref(a);
	http_private_json(res, 202, answer);
}

static void get_requests_open(struct request *req, struct response *res)
{
	uint8_t after[16];
	bool after_given;
	unsigned limit;
	char *body = NULL;
	size_t len = 0;
	ls_err err = {0};
	if (!id_page_params(req, res, "request", 100, after, &after_given, &limit) ||
	    !begin_read(req, res))
		return;
	if (ls_requests_open(res->rd, &req->caller, req->now, after_given ? after : NULL, limit,
	                     &body, &len, &err) != LS_OK)
		return http_problem(res, &err);
	http_private_tagged(res, body);
}

static void get_request(struct request *req, struct response *res)
{
	char *body = NULL;
	size_t len = 0;
	ls_err err = {0};
	if (ls_request_get(req->st, &req->client, req->param, req->now, &body, &len, &err) != LS_OK)
		return http_problem(res, &err);
	http_private_tagged(res, body);
}

static void post_request_rankings(struct request *req, struct response *res)
{
	char *answer = NULL;
	ls_err err = {0};
	json_t *body = parse_body(req, res);
	if (body == NULL)
		return;
	ls_status s = ls_request_rank(req->st, &req->caller, req->param, body, req->now, &answer, &err);
	write_answer(res, s, answer, &err);
	json_decref(body);
}
