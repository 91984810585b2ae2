/*
 * leadgate-sync [FILE|-] | --rpc [URL] — import the metagraph and its chain
 * anchor (SPEC §10): from a snapshot file or standard input, or read from
 * a subtensor node's JSON-RPC (URL, else subtensor_url) for the config's
 * netuid.  One write transaction with a METAGRAPH_SYNCED log entry; a
 * malformed snapshot or answer changes nothing and exits 1 with the
 * reason; the same snapshot again changes nothing.  A file older than the
 * anchor is logged and changes nothing else (the clock never runs
 * backwards); a node's block older than the anchor exits 1.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "chain_rpc.h"
#include "job.h"

#define SNAPSHOT_MAX (64u << 20)

static ls_status import_file(struct job *job, const char *path, struct ls_sync_report *report,
                             ls_err *err)
{
	size_t len;
	char *text = job_read_file(path, SNAPSHOT_MAX, &len);
	if (text == NULL)
		return ls_fail(err, LS_NOTFOUND, "unreadable", NULL, "%s: %s", path, strerror(errno));
	ls_status s = ls_metagraph_import(job->st, text, len, ls_now(ls_store_config(job->st)),
	                                  report, err);
	free(text);
	return s;
}

static ls_status import_rpc(struct job *job, const char *url, struct ls_sync_report *report,
                            ls_err *err)
{
	const struct ls_config *cfg = ls_store_config(job->st);
	struct chain_answers a;
	char why[512];
	if (url == NULL || *url == '\0')
		return ls_fail(err, LS_INVALID, "config", "subtensor_url",
		               "--rpc needs a URL, or subtensor_url in the configuration");
	if (cfg->netuid == LS_UID_NONE)
		return ls_fail(err, LS_INVALID, "config", "netuid",
		               "--rpc needs netuid, the subnet to read, in the configuration");
	if (!chain_rpc_read(url, (uint16_t)cfg->netuid, &a, why)) {
		chain_answers_free(&a);
		return ls_fail(err, LS_UNAVAILABLE, "node_unavailable", NULL, "%s", why);
	}
	ls_status s = ls_chain_import(job->st, &a.read, ls_now(cfg), report, err);
	if (s == LS_OK)
		printf("leadgate-sync: subnet %u at block %llu\n", cfg->netuid,
		       (unsigned long long)a.read.block);
	chain_answers_free(&a);
	return s;
}

int main(int argc, char **argv)
{
	struct job job;
	struct ls_sync_report report;
	ls_err err = {0};
	bool rpc = argc >= 2 && strcmp(argv[1], "--rpc") == 0;
	if (argc > 3 || (!rpc && argc > 2) ||
	    (!rpc && argc == 2 && argv[1][0] == '-' && argv[1][1] != '\0')) {
		fprintf(stderr, "usage: leadgate-sync [FILE|-]\n       leadgate-sync --rpc [URL]\n");
		return EXIT_FAILURE;
	}
	job_start(&job, "leadgate-sync", "sync", 0);
	ls_status s = rpc ? import_rpc(&job, argc == 3 ? argv[2]
	                                              : ls_store_config(job.st)->subtensor_url,
	                               &report, &err)
	                  : import_file(&job, argc == 2 ? argv[1] : "-", &report, &err);
	int rc = s == LS_OK ? EXIT_SUCCESS : EXIT_FAILURE;
	if (s != LS_OK)
		job_error(&job, &err);
	else if (report.stale)
		printf("leadgate-sync: snapshot older than the anchor: anchor and metagraph kept "
		       "(log seq %llu)\n", (unsigned long long)report.seq);
	else if (report.changed)
		printf("leadgate-sync: imported %zu neurons (log seq %llu)\n", report.neurons,
		       (unsigned long long)report.seq);
	else
		printf("leadgate-sync: snapshot unchanged (%zu neurons)\n", report.neurons);
	if (s == LS_OK && report.withdrawn)
		printf("leadgate-sync: %zu pending lead(s) of miners no longer registered withdrawn "
		       "(LEAD_WITHDRAWN)\n", report.withdrawn);
	if (s == LS_OK)
		job_succeeded(&job);
	job_finish(&job);
	return rc;
}
