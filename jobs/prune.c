/*
 * leadgate-prune — drop expired nonces, finished client requests past
 * request_keep (finishing those whose time came unread), votes older than keep_vote_epochs,
 * lead bodies past their distribution window and metagraph versions no
 * open epoch needs (SPEC §10).  Cron: hourly.
 */
#include <stdio.h>
#include <stdlib.h>
#include "job.h"

int main(int argc, char **argv)
{
	struct job job;
	struct ls_prune_report r;
	ls_err err = {0};
	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: leadgate-prune\n");
		return EXIT_FAILURE;
	}
	job_start(&job, "leadgate-prune", "prune", 0);
	ls_status s = ls_prune(job.st, ls_now(ls_store_config(job.st)), &r, &err);
	if (s != LS_OK)
		job_error(&job, &err);
	else if (r.nonces + r.votes + r.caches + r.assignments + r.history + r.requests)
		printf("leadgate-prune: removed %llu nonces, %llu votes, %llu assignments, %llu lead bodies, %llu metagraph versions, %llu client requests\n",
		       (unsigned long long)r.nonces, (unsigned long long)r.votes,
		       (unsigned long long)r.assignments, (unsigned long long)r.caches,
		       (unsigned long long)r.history, (unsigned long long)r.requests);
	if (s == LS_OK && r.requests_finished)
		printf("leadgate-prune: finished %llu client requests whose time had come\n",
		       (unsigned long long)r.requests_finished);
	if (s == LS_OK)
		job_succeeded(&job);
	job_finish(&job);
	return s == LS_OK ? EXIT_SUCCESS : EXIT_FAILURE;
}
