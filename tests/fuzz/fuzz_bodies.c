/* fuzz_bodies.c — every JSON body a signed or keyed caller can send,
 * through its route's handler, as the worker runs it once the caller is
 * authenticated: leads, commit, reveal, queue pull and votes, client
 * requests, rankings, challenge submissions and challenge results.  The
 * fuzzer cannot sign, so the harness stands in for authentication only;
 * parsing, validation and the write itself are the gateway's own.
 *
 * Input: one byte choosing the body kind, then the body.
 *
 * Checked: an answer for every body, 2xx with JSON, every 4xx and 5xx a
 * problem+json naming a problem type. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "fuzz.h"
#include "http.h"

static struct fuzz_world epoch_world, first3_world;

enum caller { AS_MINER, AS_VALIDATOR, AS_CLIENT };
static const struct body_kind {
	const char *path;  /* %s: the world's request or challenge id, or the epoch */
	enum caller caller;
	bool first3;
} kinds[] = {
	{"/v1/leads", AS_MINER, false},
	{"/v1/epoch/%s/commit", AS_VALIDATOR, false},
	{"/v1/epoch/%s/reveal", AS_VALIDATOR, false},
	{"/v1/queue/pull", AS_VALIDATOR, true},
	{"/v1/queue/votes", AS_VALIDATOR, true},
	{"/v1/requests", AS_CLIENT, false},
	{"/v1/requests/%s/rankings", AS_VALIDATOR, false},
	{"/v1/challenges/%s/submissions", AS_MINER, false},
	{"/v1/challenges/%s/results", AS_VALIDATOR, false},
};
#define KINDS (sizeof kinds / sizeof kinds[0])

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_store_open(&epoch_world, LS_MODE_EPOCH);
	fuzz_store_open(&first3_world, LS_MODE_FIRST3);
	return 0;
}

static void kind_path(const struct body_kind *k, const struct fuzz_world *w, char *path,
                      size_t size)
{
	const char *arg = strstr(k->path, "requests/") ? w->request_id
	                  : strstr(k->path, "challenges/") ? w->challenge_id
	                                                    : "1";
	snprintf(path, size, k->path, arg);
}

static void check_answer(const struct response *res)
{
	FUZZ_CHECK(res->status >= 200 && res->status <= 599, "status out of range");
	FUZZ_CHECK(res->body != NULL || res->fd >= 0, "no body");
	if (res->status >= 400) {
		FUZZ_CHECK(res->content_type && strcmp(res->content_type, "application/problem+json") == 0,
		           "an error without problem+json");
		FUZZ_CHECK(res->len > 0 && strstr(res->body, "urn:leadgate:problem:"),
		           "a problem without its type");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	const struct body_kind *k = &kinds[data[0] % KINDS];
	struct fuzz_world *w = k->first3 ? &first3_world : &epoch_world;
	struct fuzz_fcgi f;
	struct http_io io = {&f.req};
	struct request req = {.io = &io, .st = w->st, .now = FUZZ_NOW, .method = "POST"};
	struct response res = {.status = 500, .fd = -1};
	char allow[64];
	fuzz_fcgi_init(&f, NULL, 0);
	FUZZ_CHECK(fuzz_fcgi_env(&f, "REMOTE_ADDR=127.0.0.1"), "environment");
	kind_path(k, w, req.path, sizeof req.path);
	const struct route *r = route_find("POST", req.path, req.param, sizeof req.param, allow,
	                                   sizeof allow);
	FUZZ_CHECK(r != NULL, "a body kind without its route");
	/* the body as read_body leaves it: its bytes and a NUL after them */
	req.body_len = size - 1;
	req.body = malloc(req.body_len + 1);
	FUZZ_CHECK(req.body != NULL, "out of memory");
	memcpy(req.body, data + 1, req.body_len);
	req.body[req.body_len] = '\0';
	req.caller = k->caller == AS_MINER ? w->miner : w->validator;
	req.client = w->client;
	r->handler(&req, &res);
	check_answer(&res);
	ls_reader_end(res.rd);
	if (res.fd >= 0)
		close(res.fd);
	free(res.owned);
	free(req.body);
	fuzz_fcgi_free(&f);
	return 0;
}
