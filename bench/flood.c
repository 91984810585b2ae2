/*
 * flood — the admission-control load driver (tests/flood.test, bench/flood.sh):
 *   flood SIMDIR URL EPOCH VALIDATORS MINERS READERS STOPFILE OUTDIR
 * forks, with the cast leadgate-sim init made in SIMDIR:
 *   VALIDATORS pollers, validator-1.. in turn: each reads GET
 *     /v1/epoch/EPOCH/leads, signed, ten times a second, as validators poll;
 *   MINERS connections, miner-1.. in turn: each submits one new lead per
 *     request as fast as it is answered, whatever the answer;
 *   READERS connections reading the public endpoints in turn.
 * Each runs until STOPFILE exists (at most ten minutes) and writes what it
 * saw to OUTDIR/N.json; the ids of accepted leads go to OUTDIR/accepted-N.
 * Against a gateway on 127.0.0.1 each participant sends from an address of
 * its own, as from its own machine (127.10.0.V for validator V, 127.11.0.M
 * for miner M, 127.12.0.R for reader connection R), so that per-address
 * limits at the edge apply as they would.
 * Then one line per role: requests, answers by status, requests with no
 * answer (time-outs, refused connections), 429s and 503s without
 * Retry-After, and the p50, p99 and longest seconds of an answer.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>
#include "sim.h"

enum role { VALIDATOR, MINER, READER, ROLES };
static const char *const role_names[ROLES] = {"validator", "miner", "reader"};

/* What one process saw. */
struct tally {
	unsigned status[600];   /* answers by status; [0]: no answer */
	unsigned no_retry_after;
	double *seconds;
	size_t n, cap;
	FILE *accepted;
};

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void observe(struct sim *s, const char *role, const char *action, const struct answer *a)
{
	struct tally *t = s->observer;
	(void)role;
	(void)action;
	t->status[a->status > 0 && a->status < 600 ? a->status : 0]++;
	if ((a->status == 429 || a->status == 503) && a->retry_after < 0)
		t->no_retry_after++;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 1024;
		double *more = realloc(t->seconds, cap * sizeof *more);
		if (more == NULL)
			return;
		t->seconds = more;
		t->cap = cap;
	}
	t->seconds[t->n++] = a->seconds;
}

/* The accepted leads of a miner's answer, one id a line. */
static void note_accepted(struct tally *t, const struct answer *a)
{
	json_t *r;
	size_t i;
	if (a->status != 200 || t->accepted == NULL)
		return;
	json_array_foreach(json_object_get(a->json, "results"), i, r) {
		const char *id = json_string_value(json_object_get(r, "lead_id"));
		if (id)
			fprintf(t->accepted, "%s\n", id);
	}
}

/* The k-th validator or miner of the cast, in turn; NULL when it has none. */
static const struct party *cast_member(const struct sim *s, bool validator, unsigned k)
{
	unsigned have = 0;
	for (size_t i = 0; i < s->nparties; i++)
		have += s->parties[i].validator == validator;
	unsigned skip = have ? k % have : 0;
	for (size_t i = 0; have && i < s->nparties; i++)
		if (s->parties[i].validator == validator && skip-- == 0)
			return &s->parties[i];
	return NULL;
}

static void one_request(struct sim *s, enum role role, const struct party *p, uint64_t epoch,
                        unsigned i, struct tally *t)
{
	/* every answer a gateway that works may give: only others are printed */
	static const long any[] = {200, 304, 400, 401, 403, 404, 409, 413, 422, 429, 503, 0};
	static const char *const reads[] = {"/v1/epoch/current", "/v1/participants", "/v1/leaderboard/recent",
	                                    "/v1/challenges/active", "/v1/log?limit=20", "/v1/healthz",
	                                    "/v1/bans"};
	char path[64];
	struct answer a;
	if (role == VALIDATOR) {
		snprintf(path, sizeof path, "/v1/epoch/%llu/leads", (unsigned long long)epoch);
		sim_call(s, p, "poll", true, "GET", path, NULL, any, &a);
	} else if (role == MINER) {
		json_t *body = json_pack("{s:[o]}", "leads", lead_new(s, p));
		sim_call(s, p, "submit", true, "POST", "/v1/leads", body, any, &a);
		json_decref(body);
		note_accepted(t, &a);
	} else {
		sim_call(s, NULL, "read", true, "GET", reads[i % (sizeof reads / sizeof *reads)], NULL, any, &a);
	}
	answer_free(&a);
}

static int tally_write(const struct tally *t, enum role role, const char *out, unsigned n)
{
	char path[LS_PATH_MAX + 32];
	snprintf(path, sizeof path, "%s/%u.json", out, n);
	json_t *status = json_object(), *seconds = json_array();
	for (unsigned k = 0; k < 600; k++)
		if (t->status[k]) {
			char key[8];
			snprintf(key, sizeof key, "%u", k);
			json_object_set_new(status, key, json_integer(t->status[k]));
		}
	for (size_t k = 0; k < t->n; k++)
		json_array_append_new(seconds, json_real(t->seconds[k]));
	json_t *doc = json_pack("{s:s, s:o, s:i, s:o}", "role", role_names[role], "status", status,
	                        "no_retry_after", (json_int_t)t->no_retry_after, "seconds", seconds);
	int rc = json_dump_file(doc, path, JSON_COMPACT);
	json_decref(doc);
	return rc == 0 ? 0 : 1;
}

/* One process: its party, its connection, until the stop file. */
static int run_one(struct sim *s, enum role role, unsigned k, uint64_t epoch, const char *stop,
                   const char *out, unsigned n)
{
	struct tally t = {0};
	char path[LS_PATH_MAX + 32];
	const struct party *p = role == READER ? NULL : cast_member(s, role == VALIDATOR, k);
	if (role != READER && p == NULL) {
		fprintf(stderr, "flood: %s has no %ss\n", s->dir, role_names[role]);
		return 1;
	}
	if (role == MINER) {
		snprintf(path, sizeof path, "%s/accepted-%u", out, n);
		if ((t.accepted = fopen(path, "we")) == NULL)
			return 1;
	}
	char source[40];
	size_t who = p ? (size_t)(p - s->parties) : k;
	snprintf(source, sizeof source, "host!127.%d.%zu.%zu", 10 + (int)role, who / 250 % 250, who % 250 + 1);
	if (strncmp(s->url, "http://127.", 11) == 0)
		s->source = source;
	if (!sim_http_init(s))
		return 1;
	s->observe = observe;
	s->observer = &t;
	double until = now_s() + 600, next = now_s();
	for (unsigned i = 0; access(stop, F_OK) != 0 && now_s() < until; i++) {
		one_request(s, role, p, epoch, i + k, &t);
		if (role == VALIDATOR) {  /* ten a second, on schedule */
			next += 0.1;
			double wait = next - now_s();
			if (wait > 0)
				usleep((useconds_t)(wait * 1e6));
		}
	}
	int rc = tally_write(&t, role, out, n);
	if (t.accepted && fclose(t.accepted) != 0)
		rc = 1;
	sim_http_free(s);
	return rc;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double percentile(const double *v, size_t n, double q)
{
	if (n == 0)
		return NAN;
	size_t i = (size_t)ceil(q * (double)n);
	return v[i ? i - 1 : 0];
}

/* The processes' files, role by role. */
static int report(const char *out, unsigned total)
{
	for (int role = 0; role < ROLES; role++) {
		json_t *status = json_object();
		double *all = NULL;
		size_t n = 0;
		json_int_t no_retry = 0, requests = 0;
		for (unsigned k = 0; k < total; k++) {
			char path[LS_PATH_MAX + 32];
			snprintf(path, sizeof path, "%s/%u.json", out, k);
			json_t *doc = json_load_file(path, 0, NULL), *v;
			const char *key;
			size_t i;
			if (doc == NULL || strcmp(json_string_value(json_object_get(doc, "role")), role_names[role])) {
				json_decref(doc);
				continue;
			}
			json_object_foreach(json_object_get(doc, "status"), key, v) {
				json_int_t was = json_integer_value(json_object_get(status, key));
				json_object_set_new(status, key, json_integer(was + json_integer_value(v)));
				requests += json_integer_value(v);
			}
			no_retry += json_integer_value(json_object_get(doc, "no_retry_after"));
			json_t *secs = json_object_get(doc, "seconds");
			double *more = realloc(all, (n + json_array_size(secs) + 1) * sizeof *all);
			if (more == NULL) {
				free(all);
				json_decref(doc);
				json_decref(status);
				return 1;
			}
			all = more;
			json_array_foreach(secs, i, v)
				all[n++] = json_real_value(v);
			json_decref(doc);
		}
		qsort(all, n, sizeof *all, by_value);
		char *text = json_dumps(status, JSON_COMPACT | JSON_SORT_KEYS);
		printf("flood: %s requests %lld status %s no_retry_after %lld p50 %.2f ms p99 %.2f ms max %.2f ms\n",
		       role_names[role], (long long)requests, text ? text : "{}", (long long)no_retry,
		       percentile(all, n, 0.5) * 1e3, percentile(all, n, 0.99) * 1e3,
		       n ? all[n - 1] * 1e3 : NAN);
		free(text);
		free(all);
		json_decref(status);
	}
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t epoch, count[ROLES];
	struct sim s = {.ss58_prefix = 42, .leads_per_miner = 1};
	if (argc != 9 || !ls_parse_u64(argv[3], UINT64_MAX >> 1, &epoch) ||
	    !ls_parse_u64(argv[4], 256, &count[VALIDATOR]) || !ls_parse_u64(argv[5], 1024, &count[MINER]) ||
	    !ls_parse_u64(argv[6], 1024, &count[READER]) || strlen(argv[1]) >= sizeof s.dir) {
		fprintf(stderr, "usage: flood SIMDIR URL EPOCH VALIDATORS MINERS READERS STOPFILE OUTDIR\n");
		return 2;
	}
	snprintf(s.dir, sizeof s.dir, "%s", argv[1]);
	s.url = argv[2];
	if (sodium_init() < 0 || !sim_config_load(&s) || !sim_cast_load(&s))
		return 2;
	unsigned n = 0;
	for (int role = 0; role < ROLES; role++)
		for (unsigned k = 0; k < count[role]; k++, n++) {
			pid_t pid = fork();
			if (pid == 0)
				_exit(run_one(&s, (enum role)role, k, epoch, argv[7], argv[8], n));
			if (pid < 0) {
				perror("flood: fork");
				return 1;
			}
		}
	int failed = 0, st;
	while (wait(&st) > 0)
		failed += !WIFEXITED(st) || WEXITSTATUS(st) != 0;
	if (failed)
		fprintf(stderr, "flood: %d of %u processes failed\n", failed, n);
	int rc = report(argv[8], n) || failed ? 1 : 0;
	sim_cast_free(&s);
	return rc;
}
