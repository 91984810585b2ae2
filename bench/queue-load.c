/*
 * queue-load — the first3 mode's benchmark driver (bench/run.sh):
 *   queue-load URL KEYDIR VALIDATORS SECONDS
 * forks one process per validator (KEYDIR/validator-N, as bench/fill-epoch
 * made them); each pulls 10 leads at a time and votes on each (valid, 0.5)
 * through leadgate-sim's signed HTTP client, until the queue is empty or
 * the time is up.  Prints the leads decided (third votes), the requests
 * and the seconds taken, and any answer that was not 200.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "sim.h"

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* One validator's loop; its counts go to fd as "decided requests bad". */
static int validator(const char *url, const char *keydir, int i, double until, int fd)
{
	static const long ok[] = {200, 0};
	struct sim s = {.url = url, .ss58_prefix = 42};
	struct party p = {.validator = true, .behaviour = HONEST};
	char path[LS_PATH_MAX + 32];
	ls_err err = {0};
	snprintf(path, sizeof path, "%s/validator-%d", keydir, i);
	snprintf(p.name, sizeof p.name, "validator-%d", i);
	if (!sim_config_load(&s) || ls_keyfile_load(path, &p.key, &err) != LS_OK ||
	    ls_ss58_encode(p.key.pk, 42, p.ss58) != LS_OK || !sim_http_init(&s)) {
		fprintf(stderr, "queue-load: %s: %s\n", path, err.detail);
		return 1;
	}
	unsigned decided = 0;
	while (now_s() < until) {
		struct answer a;
		json_t *body = json_pack("{s:i}", "limit", 10), *item;
		size_t k;
		sim_call(&s, &p, "pull", true, "POST", "/v1/queue/pull", body, ok, &a);
		json_decref(body);
		size_t n = json_array_size(json_object_get(a.json, "leads"));
		json_array_foreach(json_object_get(a.json, "leads"), k, item) {
			struct answer v;
			body = json_pack("{s:O, s:b, s:f}", "lead_id", json_object_get(item, "lead_id"),
			                 "is_valid", 1, "score", 0.5);
			sim_call(&s, &p, "vote", true, "POST", "/v1/queue/votes", body, ok, &v);
			decided += json_is_true(json_object_get(v.json, "decided"));
			json_decref(body);
			answer_free(&v);
		}
		answer_free(&a);
		if (n == 0)
			break;  /* nothing left this validator may pull */
	}
	dprintf(fd, "%u %u %u\n", decided, s.requests, s.unexpected);
	sim_http_free(&s);
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t nv, seconds;
	int fds[2];
	if (argc != 5 || !ls_parse_u64(argv[3], 1000, &nv) || nv == 0 ||
	    !ls_parse_u64(argv[4], 3600, &seconds) || pipe(fds) != 0) {
		fprintf(stderr, "usage: queue-load URL KEYDIR VALIDATORS SECONDS\n");
		return EXIT_FAILURE;
	}
	double t0 = now_s(), until = t0 + (double)seconds;
	for (uint64_t i = 0; i < nv; i++)
		if (fork() == 0) {
			close(fds[0]);
			_exit(validator(argv[1], argv[2], (int)i, until, fds[1]));
		}
	close(fds[1]);
	int failed = 0, st;
	while (wait(&st) > 0)
		failed += !WIFEXITED(st) || WEXITSTATUS(st) != 0;
	double took = now_s() - t0;
	FILE *f = fdopen(fds[0], "r");
	unsigned d, r, u, decided = 0, requests = 0, unexpected = 0;
	while (f && fscanf(f, "%u %u %u", &d, &r, &u) == 3) {
		decided += d;
		requests += r;
		unexpected += u;
	}
	printf("%u %u %u %.3f %d\n", decided, requests, unexpected, took, failed);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
