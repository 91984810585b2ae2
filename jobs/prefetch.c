/*
 * leadgate-prefetch — assign the next epoch's leads and cache the body
 * validators fetch (SPEC §6, §10).  One write transaction with an
 * EPOCH_ASSIGNED entry; nothing to do exits 0.  Cron: every minute.
 */
#include <stdio.h>
#include <stdlib.h>
#include "job.h"

int main(int argc, char **argv)
{
	struct job job;
	struct ls_prefetch_report r;
	ls_err err = {0};
	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: leadgate-prefetch\n");
		return EXIT_FAILURE;
	}
	job_start(&job, "leadgate-prefetch", "prefetch", 0);
	ls_status s = ls_epoch_prefetch(job.st, ls_now(ls_store_config(job.st)), &r, &err);
	if (s != LS_OK)
		job_error(&job, &err);
	else if (r.assigned)
		printf("leadgate-prefetch: epoch %llu: %zu leads assigned at block %llu (log seq %llu)\n",
		       (unsigned long long)r.epoch, r.leads, (unsigned long long)r.block,
		       (unsigned long long)r.seq);
	if (s == LS_OK)
		job_succeeded(&job);
	job_finish(&job);
	return s == LS_OK ? EXIT_SUCCESS : EXIT_FAILURE;
}
