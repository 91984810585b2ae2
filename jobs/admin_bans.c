/*
 * admin_bans.c — leadgate-admin ban HOTKEY [--until T] [--reason R] |
 * unban HOTKEY | bans: hotkeys refused on every signed route (403 banned,
 * before their signature is verified), each change a log entry.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "admin.h"
#include "job.h"

#define PROG "leadgate-admin"

static bool hotkey_arg(const struct job *job, const char *text, uint8_t hotkey[32])
{
	ls_err err = {0};
	if (ls_ss58_decode(text, ls_store_config(job->st)->ss58_prefix, hotkey, &err) == LS_OK)
		return true;
	fprintf(stderr, PROG ": %s is not an SS58 hotkey: %s\n", text, err.detail);
	return false;
}

static int ban(const char *who, const char *until_text, const char *reason)
{
	struct job job;
	uint8_t hotkey[32];
	uint64_t until = 0;
	ls_err err = {0};
	if (until_text && (!ls_parse_u64(until_text, INT64_MAX, &until) || until == 0)) {
		fprintf(stderr, PROG ": ban: --until takes a unix time\n");
		return EXIT_FAILURE;
	}
	job_start(&job, PROG, NULL, 0);
	ls_status s = hotkey_arg(&job, who, hotkey)
	                  ? ls_ban(job.st, hotkey, (int64_t)until, reason ? reason : "",
	                           ls_now(ls_store_config(job.st)), &err)
	                  : LS_INVALID;
	if (s == LS_OK && until)
		printf(PROG ": %s is banned until %llu\n", who, (unsigned long long)until);
	else if (s == LS_OK)
		printf(PROG ": %s is banned until it is lifted (leadgate-admin unban)\n", who);
	else if (err.detail[0])
		job_error(&job, &err);
	job_finish(&job);
	return s == LS_OK ? EXIT_SUCCESS : EXIT_FAILURE;
}

static int unban(const char *who)
{
	struct job job;
	uint8_t hotkey[32];
	bool lifted = false;
	ls_err err = {0};
	job_start(&job, PROG, NULL, 0);
	ls_status s = hotkey_arg(&job, who, hotkey)
	                  ? ls_unban(job.st, hotkey, ls_now(ls_store_config(job.st)), &lifted, &err)
	                  : LS_INVALID;
	if (s == LS_OK)
		printf(PROG ": %s %s\n", who, lifted ? "is no longer banned" : "was not banned");
	else if (err.detail[0])
		job_error(&job, &err);
	job_finish(&job);
	return s == LS_OK ? EXIT_SUCCESS : EXIT_FAILURE;
}

static int bans_list(void)
{
	struct job job;
	ls_reader *rd = NULL;
	char *body = NULL;
	size_t len = 0;
	ls_err err = {0};
	job_start(&job, PROG, NULL, LS_OPEN_READONLY);
	ls_status s = ls_reader_begin(job.st, &rd, &err);
	if (s == LS_OK)
		s = ls_bans_json(rd, ls_now(ls_store_config(job.st)), &body, &len, &err);
	ls_reader_end(rd);
	if (s == LS_OK)
		printf("%s\n", body);
	else
		job_error(&job, &err);
	free(body);
	job_finish(&job);
	return s == LS_OK ? EXIT_SUCCESS : EXIT_FAILURE;
}

int admin_bans(const char *cmd, int argc, char **argv)
{
	const char *until = NULL, *reason = NULL;
	if (strcmp(cmd, "bans") == 0 && argc == 0)
		return bans_list();
	if (strcmp(cmd, "unban") == 0 && argc == 1)
		return unban(argv[0]);
	if (strcmp(cmd, "ban") != 0 || argc < 1 || argc % 2 == 0)
		goto usage;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--until") == 0 && until == NULL)
			until = argv[i + 1];
		else if (strcmp(argv[i], "--reason") == 0 && reason == NULL)
			reason = argv[i + 1];
		else
			goto usage;
	}
	return ban(argv[0], until, reason);
usage:
	fprintf(stderr, "usage: leadgate-admin ban HOTKEY [--until T] [--reason R] | unban HOTKEY | bans\n");
	return EXIT_FAILURE;
}
