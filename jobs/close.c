/*
 * leadgate-close — close every epoch whose reveal window has ended (SPEC
 * §6, §10): decisions, miner weights, signed results and weights, each
 * epoch in one write transaction.  Needs the gateway key (leadgate-admin
 * keygen --gateway).  Cron: every minute.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sodium.h>
#include "job.h"

int main(int argc, char **argv)
{
	struct job job;
	struct ls_close_report r;
	struct ls_keypair gw;
	ls_err err = {0};
	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: leadgate-close\n");
		return EXIT_FAILURE;
	}
	job_start(&job, "leadgate-close", "close", 0);
	if (!job_gateway_key(job.st, job.prog, &gw)) {
		job_finish(&job);
		return EXIT_FAILURE;
	}
	ls_status s = ls_epochs_close(job.st, ls_now(ls_store_config(job.st)), gw.sk, &r, &err);
	sodium_memzero(&gw, sizeof gw);
	if (r.closed)
		printf("leadgate-close: %zu epoch(s) closed up to %llu: %zu approved, %zu denied, %zu requeued\n",
		       r.closed, (unsigned long long)r.last_epoch, r.approved, r.denied, r.requeued);
	if (s != LS_OK)
		job_error(&job, &err);
	if (s == LS_OK)
		job_succeeded(&job);
	job_finish(&job);
	return s == LS_OK ? EXIT_SUCCESS : EXIT_FAILURE;
}
