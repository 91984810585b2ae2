/*
 * admin_challenges.c — leadgate-admin challenges load FILE | list: the
 * operator's side of the challenges (SPEC §5).  The store validates and
 * writes; this prints what happened.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "admin.h"
#include "job.h"

static int challenges_load(const char *path)
{
	struct job job;
	struct ls_challenges_report r;
	size_t len;
	ls_err err = {0};
	char *text = job_read_file(path, 64u << 20, &len);
	if (text == NULL) {
		fprintf(stderr, "leadgate-admin: %s: %s\n", path, strerror(errno));
		return EXIT_FAILURE;
	}
	job_start(&job, "leadgate-admin", NULL, 0);
	ls_status s = ls_challenges_load(job.st, text, len, ls_now(ls_store_config(job.st)), &r, &err);
	if (s != LS_OK)
		fprintf(stderr, "leadgate-admin: %s: %s; nothing was changed\n", path, err.detail);
	else
		printf("leadgate-admin: challenges: %zu loaded, %zu updated, %zu retired, "
		       "%zu unchanged\n", r.loaded, r.updated, r.retired, r.unchanged);
	free(text);
	job_finish(&job);
	return s == LS_OK ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* One line per challenge: id, state, opens_at, closes_at, submissions,
 * title (tab-separated). */
static int challenges_list(void)
{
	struct job job;
	ls_reader *rd = NULL;
	json_t *list = NULL, *c;
	size_t i;
	ls_err err = {0};
	job_start(&job, "leadgate-admin", NULL, LS_OPEN_READONLY);
	ls_status s = ls_reader_begin(job.st, &rd, &err);
	if (s == LS_OK)
		s = ls_challenges_list(rd, ls_now(ls_store_config(job.st)), &list, &err);
	if (s != LS_OK)
		job_error(&job, &err);
	json_array_foreach(list, i, c)
		printf("%s\t%s\t%lld\t%lld\t%lld\t%s\n", json_string_value(json_object_get(c, "id")),
		       json_string_value(json_object_get(c, "state")),
		       (long long)json_integer_value(json_object_get(c, "opens_at")),
		       (long long)json_integer_value(json_object_get(c, "closes_at")),
		       (long long)json_integer_value(json_object_get(c, "submissions")),
		       json_string_value(json_object_get(c, "title")));
	json_decref(list);
	ls_reader_end(rd);
	job_finish(&job);
	return s == LS_OK ? EXIT_SUCCESS : EXIT_FAILURE;
}

int admin_challenges(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[0], "load") == 0)
		return challenges_load(argv[1]);
	if (argc == 1 && strcmp(argv[0], "list") == 0)
		return challenges_list();
	fprintf(stderr, "usage: leadgate-admin challenges load FILE | challenges list\n");
	return EXIT_FAILURE;
}
