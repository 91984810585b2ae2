/* sim_http.c — leadgate-sim's requests: libcurl sends them, the store's
 * signer signs them, and each answer is printed as one line and counted
 * for the summary. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "job.h"
#include "sim.h"

#define ANSWER_MAX (16u << 20)

static const char *const behaviour_names[BEHAVIOUR_COUNT] = {
	[HONEST] = "honest", [LAZY] = "lazy", [LATE] = "late",
	[STALE] = "stale", [MISMATCH] = "mismatch", [SILENT] = "silent"};

const char *behaviour_name(enum behaviour b) { return behaviour_names[b]; }

bool sim_behaviour_parse(const char *text, enum behaviour *out)
{
	for (int b = 0; b < BEHAVIOUR_COUNT; b++)
		if (strcmp(text, behaviour_names[b]) == 0)
			return *out = (enum behaviour)b, true;
	return false;
}

bool sim_http_init(struct sim *s)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0 || (s->curl = curl_easy_init()) == NULL)
		return false;
	s->outcomes = json_object();
	return s->outcomes != NULL;
}

void sim_http_free(struct sim *s)
{
	if (s->curl)
		curl_easy_cleanup(s->curl);
	curl_global_cleanup();
	json_decref(s->outcomes);
}

void answer_free(struct answer *a)
{
	json_decref(a->json);
	a->json = NULL;
}

bool sim_config_load(struct sim *s)
{
	ls_err err = {0};
	if (ls_config_load_if_present(&s->cfg, &err) == LS_OK)
		return true;
	fprintf(stderr, "leadgate-sim: %s\n", err.detail);
	return false;
}

/* Signed headers for one request (SPEC §3), appended to list. */
static struct curl_slist *signed_headers(const struct sim *s, const struct party *who,
                                         const char *method, const char *url, const char *body,
                                         struct curl_slist *list)
{
	struct ls_signed_headers h;
	char line[1200];
	ls_err err = {0};
	struct ls_sign_request r = {.method = method, .url = url, .body = (const uint8_t *)body,
	                            .body_len = body ? strlen(body) : 0,
	                            .created = ls_now(&s->cfg), .expires = -1};
	if (ls_request_sign(&r, &who->key, s->ss58_prefix, &h, &err) != LS_OK) {
		fprintf(stderr, "leadgate-sim: sign: %s\n", err.detail);
		return list;
	}
	if (h.content_digest[0]) {
		snprintf(line, sizeof line, "Content-Digest: %s", h.content_digest);
		list = curl_slist_append(list, line);
	}
	snprintf(line, sizeof line, "Signature-Input: %s", h.signature_input);
	list = curl_slist_append(list, line);
	snprintf(line, sizeof line, "Signature: %s", h.signature);
	return curl_slist_append(list, line);
}

/* Perform one request; the answer's status and body into a. */
static void perform(struct sim *s, const char *method, const char *url, const char *body,
                    struct curl_slist *headers, struct answer *a)
{
	struct job_body b = {NULL, 0, ANSWER_MAX};
	curl_easy_reset(s->curl);
	curl_easy_setopt(s->curl, CURLOPT_URL, url);
	curl_easy_setopt(s->curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(s->curl, CURLOPT_WRITEFUNCTION, job_body_collect);
	curl_easy_setopt(s->curl, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(s->curl, CURLOPT_TIMEOUT, 20L);
	curl_easy_setopt(s->curl, CURLOPT_NOSIGNAL, 1L);
	if (s->source)
		curl_easy_setopt(s->curl, CURLOPT_INTERFACE, s->source);
	if (body) {
		curl_easy_setopt(s->curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(s->curl, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	}
	curl_easy_setopt(s->curl, CURLOPT_CUSTOMREQUEST, method);
	CURLcode rc = curl_easy_perform(s->curl);
	struct curl_header *h;
	curl_off_t micros = 0;
	a->retry_after = -1;
	if (rc == CURLE_OK) {
		curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &a->status);
		if (curl_easy_header(s->curl, "Retry-After", 0, CURLH_HEADER, -1, &h) == CURLHE_OK)
			a->retry_after = strtol(h->value, NULL, 10);
	} else {
		snprintf(a->problem, sizeof a->problem, "%s", curl_easy_strerror(rc));
	}
	curl_easy_getinfo(s->curl, CURLINFO_TOTAL_TIME_T, &micros);
	a->seconds = (double)micros / 1e6;
	a->json = b.data ? json_loadb(b.data, b.len, 0, NULL) : NULL;
	free(b.data);
	const char *type = json_string_value(json_object_get(a->json, "type"));
	if (a->status >= 300 && type && strncmp(type, "urn:leadgate:problem:", 21) == 0)
		snprintf(a->problem, sizeof a->problem, "%s", type + 21);
}

static bool expected(const long *expect, long status)
{
	for (; *expect; expect++)
		if (*expect == status)
			return true;
	return false;
}

/* One more answer of this kind, for the summary. */
static void count(struct sim *s, const char *role, const char *action, const struct answer *a)
{
	char key[160];
	snprintf(key, sizeof key, "%s %s %ld%s%s", role, action, a->status, a->problem[0] ? " " : "",
	         a->problem);
	json_int_t n = json_integer_value(json_object_get(s->outcomes, key));
	json_object_set_new(s->outcomes, key, json_integer(n + 1));
}

/* Send, signed by who or with the client's key (bearer) or neither. */
/* Told to come back within two seconds (a full worker pool's 503 busy, a
 * hotkey's empty bucket, the edge's per-address limit): validators, with
 * their deadlines, and readers wait as long as Retry-After says and ask
 * again; a miner tries again at its next tick. */
static bool come_back(const struct sim *s, const struct party *who, const struct answer *a,
                      unsigned tries)
{
	static const char *const codes[] = {"busy", "rate_limited", "too_many_requests"};
	if (tries >= s->patience || (who && !who->validator) || a->retry_after < 0 || a->retry_after > 2)
		return false;
	for (size_t i = 0; i < sizeof codes / sizeof *codes; i++)
		if (strcmp(a->problem, codes[i]) == 0)
			return true;
	return false;
}

static void call(struct sim *s, const struct party *who, bool bearer, const char *action,
                 bool quiet, const char *method, const char *path, json_t *body,
                 const long *expect, struct answer *a)
{
	char url[2048], auth[128];
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	unsigned tries = 0;
	snprintf(url, sizeof url, "%s%s", s->url, path);
	for (;; tries++) {
		memset(a, 0, sizeof *a);
		struct curl_slist *headers = curl_slist_append(NULL, "Accept: application/json");
		if (text)
			headers = curl_slist_append(headers, "Content-Type: application/json");
		if (who)  /* signed anew each time: a fresh nonce */
			headers = signed_headers(s, who, method, url, text, headers);
		if (bearer) {
			snprintf(auth, sizeof auth, "Authorization: Bearer %s", s->client_key);
			headers = curl_slist_append(headers, auth);
		}
		perform(s, method, url, text, headers, a);
		curl_slist_free_all(headers);
		if (!come_back(s, who, a, tries))
			break;
		usleep((useconds_t)a->retry_after * 1000000u);
		answer_free(a);
	}
	free(text);

	bool ok = expected(expect, a->status);
	const char *who_name = who ? who->name : bearer ? "client" : "public";
	const char *role = who == NULL ? (bearer ? "client" : "reader")
	                   : who->validator ? behaviour_name(who->behaviour) : "miner";
	s->requests++;
	s->unexpected += !ok;
	if (s->observe)
		s->observe(s, role, action, a);
	if (ok && quiet)
		return count(s, role, action, a);
	printf("sim: epoch %llu %s (%s) %s: %s %s -> %ld%s%s%s%s\n", (unsigned long long)s->epoch,
	       who_name, role, action, method, path, a->status, a->problem[0] ? " " : "", a->problem,
	       tries ? "  (after being told to come back)" : "", ok ? "" : "  UNEXPECTED");
	const char *detail = json_string_value(json_object_get(a->json, "detail"));
	if (!ok && detail)
		printf("sim:     %s\n", detail);
	count(s, role, action, a);
	fflush(stdout);
}

void sim_call(struct sim *s, const struct party *who, const char *action, bool quiet,
              const char *method, const char *path, json_t *body, const long *expect,
              struct answer *a)
{
	call(s, who, false, action, quiet, method, path, body, expect, a);
}

void sim_client_call(struct sim *s, const char *action, const char *method, const char *path,
                     json_t *body, const long *expect, struct answer *a)
{
	call(s, NULL, true, action, false, method, path, body, expect, a);
}

void sim_summary(const struct sim *s)
{
	const char *key;
	json_t *n;
	printf("sim: summary: %u requests, %u unexpected answers\n", s->requests, s->unexpected);
	json_object_foreach(s->outcomes, key, n)
		printf("sim:   %-48s %lld\n", key, (long long)json_integer_value(n));
	fflush(stdout);
}
