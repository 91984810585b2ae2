/*
 * leadgate-upload — post each written bundle to Arweave and confirm it
 * (SPEC §7, §10), oldest epoch first; cron: every 5 minutes.
 *
 * gateway mode: a format-2 layer-1 transaction signed with the operator's
 * wallet (store/arweave.c), its data inline when it is one chunk, else
 * posted chunk by chunk; confirmed once GET /tx/{id}/status counts
 * arweave_confirmations.  The signed transaction is journaled next to the
 * bundle (bundle-E.arweave.json, synced) before it is posted, with the
 * chunks posted so far: a run killed between posting and recording finds
 * the transaction by its id and never signs (pays for) a second one.
 *
 * The rules and every recorded step are store/upload.c's; this file is the
 * network.  (Work in progress: bundler mode and the journal's resume are
 * not written yet.)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <curl/curl.h>
#include <sodium.h>
#include "job.h"

#define PROG "leadgate-upload"
#define ANSWER_MAX (1u << 20)

struct http {
	CURL *curl;
	long status;
	struct job_body body;
	char why[512];
};

/* One request: GET when post is NULL, else POST of post_len bytes;
 * false with why when no HTTP answer came back. */
static bool http_do(struct http *h, const char *url, const char *type, const void *post,
                    size_t post_len)
{
	struct curl_slist *headers = NULL;
	free(h->body.data);
	h->body = (struct job_body){NULL, 0, ANSWER_MAX};
	h->status = 0;
	curl_easy_reset(h->curl);
	curl_easy_setopt(h->curl, CURLOPT_URL, url);
	curl_easy_setopt(h->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, job_body_collect);
	curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, &h->body);
	curl_easy_setopt(h->curl, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(h->curl, CURLOPT_TIMEOUT, 300L);
	curl_easy_setopt(h->curl, CURLOPT_NOSIGNAL, 1L);
	if (post) {
		char ct[96];
		snprintf(ct, sizeof ct, "Content-Type: %s", type);
		headers = curl_slist_append(headers, ct);
		curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, headers);
		curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, post);
		curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)post_len);
	}
	CURLcode rc = curl_easy_perform(h->curl);
	curl_slist_free_all(headers);
	if (rc == CURLE_OK)
		curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &h->status);
	else
		snprintf(h->why, sizeof h->why, "%s: %s", url, curl_easy_strerror(rc));
	return rc == CURLE_OK;
}

/* A refusal that trying again will not change, told from a failure. */
static bool refusal(long status)
{
	return status >= 400 && status < 500 && status != 404 && status != 408 && status != 429;
}

/* The answer's first line, as the far end said it. */
static void answer_words(const struct http *h, const char *what, char *out, size_t size)
{
	const char *text = h->body.data ? h->body.data : "";
	snprintf(out, size, "%s: HTTP %ld: %.*s", what, h->status, (int)strcspn(text, "\r\n"), text);
}

struct run {
	struct job job;
	const struct ls_config *cfg;
	ls_arweave_wallet *wallet;
	struct http http;
	int64_t now;
	unsigned posted, confirmed, failed, refused;
};

static void record(struct run *r, uint64_t epoch, const struct ls_upload_step *step)
{
	ls_err err = {0};
	bool done;
	if (ls_upload_record(r->job.st, epoch, step, r->now, &done, &err) != LS_OK)
		job_error(&r->job, &err);
}

static void failed(struct run *r, uint64_t epoch, enum ls_upload_step_kind kind, const char *why)
{
	struct ls_upload_step step = {.kind = kind, .why = why};
	fprintf(stderr, PROG ": epoch %llu: %s\n", (unsigned long long)epoch, why);
	record(r, epoch, &step);
	if (kind == LS_STEP_REFUSED)
		r->refused++;
	else
		r->failed++;
}

int main(int argc, char **argv)
{
	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: leadgate-upload\n");
		return EXIT_FAILURE;
	}
	fprintf(stderr, PROG ": not finished yet (branch wip-upload)\n");
	return EXIT_FAILURE;
}
