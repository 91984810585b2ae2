/*
 * admin_clients.c — leadgate-admin clients add NAME | list | revoke NAME:
 * the paying clients' API keys (SPEC §3).  A key is printed once, on
 * stdout alone (so that `clients add NAME > FILE` keeps it); the store
 * keeps only its keyed hash.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "admin.h"
#include "job.h"

static int clients_add(const char *name)
{
	struct job job;
	char key[LS_CLIENT_KEY_LEN + 1];
	ls_err err = {0};
	job_start(&job, "leadgate-admin", NULL, 0);
	ls_status s = ls_client_add(job.st, name, ls_now(ls_store_config(job.st)), key, &err);
	if (s != LS_OK) {
		job_error(&job, &err);
	} else {
		printf("%s\n", key);
		fprintf(stderr, "leadgate-admin: client %s added; its key is shown only this once\n",
		        name);
	}
	sodium_memzero(key, sizeof key);
	job_finish(&job);
	return s == LS_OK ? EXIT_SUCCESS : EXIT_FAILURE;
}

static int clients_revoke(const char *name)
{
	struct job job;
	bool changed;
	ls_err err = {0};
	job_start(&job, "leadgate-admin", NULL, 0);
	ls_status s = ls_client_revoke(job.st, name, ls_now(ls_store_config(job.st)), &changed, &err);
	if (s != LS_OK)
		job_error(&job, &err);
	else
		printf("leadgate-admin: client %s %s\n", name, changed ? "revoked" : "was revoked already");
	job_finish(&job);
	return s == LS_OK ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* One line per client: name, state, created_at, requests (tab-separated). */
static int clients_list(void)
{
	struct job job;
	ls_reader *rd = NULL;
	json_t *list = NULL, *c;
	size_t i;
	ls_err err = {0};
	job_start(&job, "leadgate-admin", NULL, LS_OPEN_READONLY);
	ls_status s = ls_reader_begin(job.st, &rd, &err);
	if (s == LS_OK)
		s = ls_clients_list(rd, &list, &err);
	if (s != LS_OK)
		job_error(&job, &err);
	json_array_foreach(list, i, c)
		printf("%s\t%s\t%lld\t%lld\n", json_string_value(json_object_get(c, "name")),
		       json_string_value(json_object_get(c, "state")),
		       (long long)json_integer_value(json_object_get(c, "created_at")),
		       (long long)json_integer_value(json_object_get(c, "requests")));
	json_decref(list);
	ls_reader_end(rd);
	job_finish(&job);
	return s == LS_OK ? EXIT_SUCCESS : EXIT_FAILURE;
}

int admin_clients(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[0], "add") == 0)
		return clients_add(argv[1]);
	if (argc == 2 && strcmp(argv[0], "revoke") == 0)
		return clients_revoke(argv[1]);
	if (argc == 1 && strcmp(argv[0], "list") == 0)
		return clients_list();
	fprintf(stderr, "usage: leadgate-admin clients add NAME | clients list | clients revoke NAME\n");
	return EXIT_FAILURE;
}
