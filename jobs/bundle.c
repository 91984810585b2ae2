/*
 * leadgate-bundle — write the ANS-104 bundle of every closed epoch not yet
 * bundled (SPEC §7, §10): one data item per log entry, signed with the
 * gateway key, into bundle_dir; each recorded with a BUNDLE_WRITTEN entry
 * once its file is complete on disk, with the Merkle root of its entries
 * (bundles written before schema 9 get theirs with a BUNDLE_ROOT entry).
 * Cron: every 5 minutes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sodium.h>
#include "job.h"

int main(int argc, char **argv)
{
	struct job job;
	struct ls_bundle_report r;
	struct ls_keypair gw;
	ls_err err = {0};
	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: leadgate-bundle\n");
		return EXIT_FAILURE;
	}
	job_start(&job, "leadgate-bundle", "bundle", 0);
	if (!job_gateway_key(job.st, job.prog, &gw)) {
		job_finish(&job);
		return EXIT_FAILURE;
	}
	ls_status s = ls_bundles_write(job.st, gw.sk, ls_now(ls_store_config(job.st)), &r, &err);
	sodium_memzero(&gw, sizeof gw);
	if (r.roots)
		printf("leadgate-bundle: the Merkle roots of %zu bundle(s) written before schema 9 "
		       "recorded (BUNDLE_ROOT)\n", r.roots);
	if (r.written)
		printf("leadgate-bundle: %zu bundle(s) written up to epoch %llu: %llu items, %llu bytes\n",
		       r.written, (unsigned long long)r.last_epoch, (unsigned long long)r.items,
		       (unsigned long long)r.bytes);
	if (s != LS_OK)
		job_error(&job, &err);
	else
		job_succeeded(&job);
	job_finish(&job);
	return s == LS_OK ? EXIT_SUCCESS : EXIT_FAILURE;
}
