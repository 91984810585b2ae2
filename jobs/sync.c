/*
 * leadgate-sync [FILE|-] — import a metagraph snapshot and its chain anchor
 * (SPEC §10).  One write transaction with a METAGRAPH_SYNCED log entry; a
 * malformed snapshot changes nothing and exits 1 with the reason; the same
 * snapshot again changes nothing; one older than the anchor is logged and
 * changes nothing else (the clock never runs backwards).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "job.h"

#define SNAPSHOT_MAX (64u << 20)

int main(int argc, char **argv)
{
	struct job job;
	struct ls_sync_report report;
	ls_err err = {0};
	size_t len;
	if (argc > 2 || (argc == 2 && argv[1][0] == '-' && argv[1][1] != '\0')) {
		fprintf(stderr, "usage: leadgate-sync [FILE|-]\n");
		return EXIT_FAILURE;
	}
	const char *path = argc == 2 ? argv[1] : "-";
	job_start(&job, "leadgate-sync", "sync", 0);
	char *text = job_read_file(path, SNAPSHOT_MAX, &len);
	int rc = EXIT_FAILURE;
	if (text == NULL) {
		fprintf(stderr, "leadgate-sync: %s: %s\n", path, strerror(errno));
		goto cleanup;
	}
	if (ls_metagraph_import(job.st, text, len, ls_now(ls_store_config(job.st)), &report, &err) != LS_OK) {
		job_error(&job, &err);
		goto cleanup;
	}
	if (report.stale)
		printf("leadgate-sync: snapshot older than the anchor: anchor and metagraph kept "
		       "(log seq %llu)\n", (unsigned long long)report.seq);
	else if (report.changed)
		printf("leadgate-sync: imported %zu neurons (log seq %llu)\n", report.neurons,
		       (unsigned long long)report.seq);
	else
		printf("leadgate-sync: snapshot unchanged (%zu neurons)\n", report.neurons);
	rc = EXIT_SUCCESS;
	job_succeeded(&job);
cleanup:
	free(text);
	job_finish(&job);
	return rc;
}
