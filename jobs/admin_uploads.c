/*
 * admin_uploads.c — leadgate-admin uploads | uploads retry EPOCH: where
 * each written bundle stands on its way to Arweave (leadgate-upload), and
 * the operator's go-ahead after a refusal (a wallet funded, a file
 * restored) or to skip a failure's backoff.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "admin.h"
#include "job.h"

#define PROG "leadgate-admin"

/* One line per bundle, tab-separated: epoch, state, mode, Arweave id,
 * failures, retry_at, and the last failure or refusal. */
static ls_status print_one(void *ctx, const struct ls_bundle_info *b)
{
	char id[LS_ARWEAVE_ID_B64];
	(void)ctx;
	ls_b64url(b->arweave_id, 32, id, sizeof id);
	printf("%llu\t%s\t%s\t%s\t%u\t%lld\t%s\n", (unsigned long long)b->epoch,
	       ls_upload_state_name(b->upload), ls_upload_mode_name(b->mode),
	       b->mode != LS_ARWEAVE_NONE ? id : "-", b->failures, (long long)b->retry_at,
	       b->note[0] ? b->note : "-");
	return LS_OK;
}

static int uploads_list(void)
{
	struct job job;
	ls_reader *rd = NULL;
	ls_err err = {0};
	job_start(&job, PROG, NULL, LS_OPEN_READONLY);
	const struct ls_config *cfg = ls_store_config(job.st);
	if (cfg->arweave_mode == LS_ARWEAVE_NONE && cfg->arweave_wallet[0] == '\0')
		fprintf(stderr, PROG ": uploads are not configured (arweave_wallet or arweave_mode): "
		        "leadgate-upload does nothing\n");
	printf("epoch\tstate\tmode\tarweave_id\tfailures\tretry_at\tnote\n");
	ls_status s = ls_reader_begin(job.st, &rd, &err);
	if (s == LS_OK)
		s = ls_uploads_list(rd, print_one, NULL, &err);
	ls_reader_end(rd);
	if (s != LS_OK)
		job_error(&job, &err);
	job_finish(&job);
	return s == LS_OK ? EXIT_SUCCESS : EXIT_FAILURE;
}

static int uploads_retry(const char *epoch_text)
{
	struct job job;
	uint64_t epoch;
	bool done = false;
	ls_err err = {0};
	if (!ls_parse_u64(epoch_text, UINT64_MAX, &epoch)) {
		fprintf(stderr, PROG ": uploads retry: %s is not an epoch number\n", epoch_text);
		return EXIT_FAILURE;
	}
	job_start(&job, PROG, NULL, 0);
	struct ls_upload_step step = {.kind = LS_STEP_RETRY};
	ls_status s = ls_upload_record(job.st, epoch, &step, ls_now(ls_store_config(job.st)), &done,
	                               &err);
	if (s != LS_OK)
		job_error(&job, &err);
	else if (done)
		printf(PROG ": the upload of epoch %llu's bundle will be tried at the next "
		       "leadgate-upload\n", (unsigned long long)epoch);
	else
		printf(PROG ": the upload of epoch %llu's bundle is under way or done: nothing to "
		       "retry\n", (unsigned long long)epoch);
	job_finish(&job);
	return s == LS_OK ? EXIT_SUCCESS : EXIT_FAILURE;
}

int admin_uploads(int argc, char **argv)
{
	if (argc == 0)
		return uploads_list();
	if (argc == 2 && strcmp(argv[0], "retry") == 0)
		return uploads_retry(argv[1]);
	fprintf(stderr, "usage: leadgate-admin uploads | uploads retry EPOCH\n");
	return EXIT_FAILURE;
}
