/*
 * unit_challenges.c — the challenges' store rules without a web server,
 * the clock passed in: the active body goes stale exactly at the next
 * opening or closing and at once on a change (and only then is rebuilt);
 * retired challenges drop out; submissions get ids that sort in the order
 * they were written even within one millisecond, across processes too;
 * the leaderboard pages without gaps; a schema-4 store migrates.
 */
#include <sys/wait.h>
#include <unistd.h>
#include <lmdb.h>
#include "tap.h"
#include "leadstore.h"

static ls_store *open_store(void)
{
	struct ls_config cfg;
	ls_store *st;
	ls_err err = {0};
	ls_config_defaults(&cfg);
	cfg.submit_cooldown = 0;
	cfg.map_size = 1 << 20;  /* reserved on disk; grown on demand */
	snprintf(cfg.store_dir, sizeof cfg.store_dir, "%s", tap_tempdir());
	if (ls_open(&st, &cfg, LS_OPEN_CREATE, &err) != LS_OK)
		tap_bail(err.detail);
	return st;
}

static ls_status load(ls_store *st, int64_t now, const char *fmt, ...)
{
	char text[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	struct ls_challenges_report r;
	ls_err err = {0};
	return ls_challenges_load(st, text, strlen(text), now, &r, &err);
}

/* The active body at now as a string, with the builds counted so far. */
static char *active(ls_store *st, int64_t now, uint64_t *builds)
{
	ls_reader *rd;
	struct ls_body b;
	int64_t fresh_for;
	ls_err err = {0};
	if (ls_reader_begin(st, &rd, &err) != LS_OK ||
	    ls_challenges_active(rd, now, &b, &fresh_for, &err) != LS_OK)
		tap_bail(err.detail);
	char *copy = strndup(b.data, b.len);
	*builds = ls_challenges_active_builds(rd);
	ls_reader_end(rd);
	return copy;
}

#define CH(id, o, c, extra)                                                                    \
	"{\"id\":\"" id "\",\"title\":\"T\",\"tier\":1,\"difficulty\":\"easy\",\"multiplier\":2," \
	"\"opens_at\":" #o ",\"closes_at\":" #c ",\"document\":{}" extra "}"

static void staleness(void)
{
	ls_store *st = open_store();
	uint64_t builds;
	char *body = active(st, 1000, &builds);
	is_str(body, "{\"challenges\":[],\"next_change_at\":null}", "no challenges: an empty list");
	free(body);
	ok(load(st, 1000, "{\"challenges\":[" CH("a", 900, 2000, "") "," CH("b", 1500, 1800, "") "]}") ==
	       LS_OK, "two challenges load");
	body = active(st, 1000, &builds);
	ok(strstr(body, "\"id\":\"a\"") && !strstr(body, "\"id\":\"b\"") &&
	       strstr(body, "\"next_change_at\":1500"), "at 1000: a is open, b opens at 1500");
	free(body);
	uint64_t b0 = builds;
	free(active(st, 1499, &builds));
	ok(builds == b0, "at 1499 the body is still fresh: not rebuilt");
	body = active(st, 1500, &builds);
	ok(builds == b0 + 1 && strstr(body, "\"id\":\"b\"") && strstr(body, "\"next_change_at\":1800"),
	   "at 1500 exactly it is stale: rebuilt once, b listed, stale next at 1800");
	free(body);
	body = active(st, 1800, &builds);
	ok(!strstr(body, "\"id\":\"b\"") && strstr(body, "\"next_change_at\":2000"),
	   "at 1800 b has closed");
	free(body);
	b0 = builds;
	ok(load(st, 1801, "{\"challenges\":[" CH("a", 900, 2000, ",\"retired\":true") "]}") == LS_OK,
	   "a is retired");
	body = active(st, 1801, &builds);
	ok(builds == b0 + 1 && strstr(body, "\"challenges\":[]") && strstr(body, "null"),
	   "a change makes the body stale at once: a retired challenge is not listed");
	free(body);
	body = active(st, 5000, &builds);
	ok(builds == b0 + 1, "with nothing left to open or close, the body never goes stale by time");
	free(body);
	ls_close(st);
}

static void loading(void)
{
	ls_store *st = open_store();
	ok(load(st, 1000, "{\"challenges\":[" CH("a", 900, 2000, "") "," CH("a", 900, 2000, "") "]}") ==
	       LS_INVALID, "one id twice is refused");
	ok(load(st, 1000, "{\"challenges\":[" CH("a", 900, 900, "") "]}") == LS_INVALID,
	   "closes_at equal to opens_at is refused");
	ok(load(st, 1000, "{\"challenges\":[], \"more\": 1}") == LS_INVALID,
	   "a file with another member than challenges is refused");
	ok(load(st, 1000, "{\"challenges\":[{\"id\":\"x\"}]}") == LS_INVALID, "a bare id is refused");
	ls_reader *rd;
	json_t *list = NULL;
	ls_err err = {0};
	if (ls_reader_begin(st, &rd, &err) != LS_OK || ls_challenges_list(rd, 1000, &list, &err) != LS_OK)
		tap_bail(err.detail);
	ok(json_array_size(list) == 0, "after four refused files the store has no challenge");
	json_decref(list);
	ls_reader_end(rd);
	ls_close(st);
}

/* Another worker (a forked process: the same id sequence state) writes
 * between two of ours: its id and our next would collide. */
static void cross_process_ids(ls_store *st, int64_t now, const char *last)
{
	char child_id[37], parent_id[37];
	fflush(stdout);  /* or the child writes our buffered lines again */
	pid_t pid = fork();
	if (pid == 0) {
		ls_store *cst;
		ls_err err = {0};
		char *answer = NULL;
		struct ls_identity m = {.registered = true};
		m.hotkey[0] = 0x42;
		if (ls_open(&cst, ls_store_config(st), 0, &err) != LS_OK ||
		    ls_ss58_encode(m.hotkey, 42, m.ss58) != LS_OK ||
		    ls_challenge_submit(cst, &m, "a", (const uint8_t *)"{}", 2, now, &answer, &err) != LS_OK)
			_exit(1);
		_exit(0);
	}
	int wst = 0;
	waitpid(pid, &wst, 0);
	struct ls_identity y = {.registered = true};
	y.hotkey[0] = 0x43;
	char *answer = NULL;
	ls_err perr = {0};
	ls_reader *rd;
	char *page = NULL;
	size_t plen;
	ls_status ps = ls_ss58_encode(y.hotkey, 42, y.ss58) == LS_OK
	                   ? ls_challenge_submit(st, &y, "a", (const uint8_t *)"{}", 2, now, &answer, &perr)
	                   : LS_ERROR;
	json_t *a = answer ? json_loads(answer, 0, NULL) : NULL;
	snprintf(parent_id, sizeof parent_id, "%s", json_string_value(json_object_get(a, "submission_id")));
	json_decref(a);
	free(answer);
	struct ls_identity vr = {.registered = true};
	vr.neuron.validator_permit = true;
	if (ls_reader_begin(st, &rd, &perr) != LS_OK ||
	    ls_challenge_submissions(rd, &vr, "a", NULL, 100, &page, &plen, &perr) != LS_OK)
		tap_bail(perr.detail);
	ls_reader_end(rd);
	json_t *p = json_loads(page, 0, NULL);
	size_t n = json_array_size(json_object_get(p, "submissions"));
	snprintf(child_id, sizeof child_id, "%s",
	         json_string_value(json_object_get(json_array_get(json_object_get(p, "submissions"), n - 2),
	                                           "submission_id")));
	json_decref(p);
	free(page);
	ok(WIFEXITED(wst) && WEXITSTATUS(wst) == 0 && ps == LS_OK && n == 12 &&
	       strcmp(child_id, last) > 0 && strcmp(parent_id, child_id) > 0,
	   "a submission written by another process in the same millisecond: ids still sort in "
	   "write order and do not collide (%s < %s)", child_id, parent_id);
}

/* Ten submissions in one second from ten miners: ids sort as written. */
static void ordering_and_leaderboard(void)
{
	ls_store *st = open_store();
	const int64_t now = 1000;
	char ids[10][37];
	bool sorted = true;
	if (load(st, now, "{\"challenges\":[" CH("a", 900, 2000, "") "]}") != LS_OK)
		tap_bail("load");
	for (int i = 0; i < 10; i++) {
		struct ls_identity m = {.registered = true};
		char *answer = NULL;
		ls_err err = {0};
		m.hotkey[0] = (uint8_t)(10 - i);  /* later miners sort first by key */
		if (ls_ss58_encode(m.hotkey, 42, m.ss58) != LS_OK ||
		    ls_challenge_submit(st, &m, "a", (const uint8_t *)"{}", 2, now, &answer, &err) != LS_OK)
			tap_bail(err.detail);
		json_t *a = json_loads(answer, 0, NULL);
		snprintf(ids[i], sizeof ids[i], "%s", json_string_value(json_object_get(a, "submission_id")));
		json_decref(a);
		free(answer);
		sorted &= i == 0 || strcmp(ids[i - 1], ids[i]) < 0;
	}
	ok(sorted, "submission ids made in one second sort in the order they were written");
	cross_process_ids(st, now, ids[9]);

	struct ls_identity v = {.registered = true};
	v.hotkey[0] = 0xee;
	v.neuron.validator_permit = true;
	if (ls_ss58_encode(v.hotkey, 42, v.ss58) != LS_OK)
		tap_bail("ss58");
	bool written = true;
	for (int i = 0; i < 10; i++) {
		char text[512], *answer = NULL;
		ls_err err = {0};
		snprintf(text, sizeof text, "{\"submission_id\":\"%s\",\"score\":0.%d}", ids[i], i);
		json_t *body = json_loads(text, 0, NULL);
		written &= ls_challenge_result(st, &v, "a", body, now, &answer, &err) == LS_OK;
		json_decref(body);
		free(answer);
	}
	ok(written, "ten results written");
	uint64_t cursor = 0, seen = 0;
	bool in_order = true;
	for (int page = 0; page < 10; page++) {
		ls_reader *rd;
		char *body = NULL;
		size_t len;
		ls_err err = {0};
		if (ls_reader_begin(st, &rd, &err) != LS_OK ||
		    ls_leaderboard_page(rd, cursor, 3, &body, &len, &err) != LS_OK)
			tap_bail(err.detail);
		ls_reader_end(rd);
		json_t *p = json_loads(body, 0, NULL), *e;
		size_t i;
		json_array_foreach(json_object_get(p, "results"), i, e)
			in_order &= (uint64_t)json_integer_value(json_object_get(e, "cursor")) == ++seen;
		uint64_t next = (uint64_t)json_integer_value(json_object_get(p, "next_cursor"));
		bool empty = json_array_size(json_object_get(p, "results")) == 0;
		json_decref(p);
		free(body);
		if (empty) {
			in_order &= next == cursor;
			break;
		}
		cursor = next;
	}
	ok(in_order && seen == 10 && cursor == 10,
	   "pages of 3 give cursors 1..10 once each; an empty page keeps next_cursor");

	/* a validator that submitted too may not score its own submission */
	char *answer = NULL, text[512];
	ls_err err = {0};
	if (ls_challenge_submit(st, &v, "a", (const uint8_t *)"{}", 2, now, &answer, &err) != LS_OK)
		tap_bail(err.detail);
	json_t *a = json_loads(answer, 0, NULL);
	snprintf(text, sizeof text, "{\"submission_id\":\"%s\",\"score\":0.9}",
	         json_string_value(json_object_get(a, "submission_id")));
	json_decref(a);
	free(answer);
	answer = NULL;
	json_t *body = json_loads(text, 0, NULL);
	ls_status s = ls_challenge_result(st, &v, "a", body, now, &answer, &err);
	json_decref(body);
	free(answer);
	ok(s == LS_FORBIDDEN && strcmp(err.code, "self_dealing") == 0,
	   "a validator scoring its own submission: 403 self_dealing (%s)", err.detail);
	ls_close(st);
}

/* A store as schema 4 left it: none of the challenges' databases. */
static void migration(void)
{
	static const char *const dbs[] = {"challenges", "submissions", "submitters", "scores",
	                                  "leaderboard"};
	ls_store *st = open_store();
	struct ls_config cfg = *ls_store_config(st);
	ls_close(st);
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	uint32_t four = 4;
	MDB_val k = {6, "schema"}, v = {sizeof four, &four};
	if (mdb_env_create(&env) || mdb_env_set_maxdbs(env, 32) ||
	    mdb_env_open(env, cfg.store_dir, 0, 0640) || mdb_txn_begin(env, NULL, 0, &txn))
		tap_bail("cannot open the store with LMDB");
	for (size_t i = 0; i < sizeof dbs / sizeof *dbs; i++)
		if (mdb_dbi_open(txn, dbs[i], 0, &dbi) || mdb_drop(txn, dbi, 1))
			tap_bail("cannot drop a database");
	if (mdb_dbi_open(txn, "meta", 0, &dbi) || mdb_put(txn, dbi, &k, &v, 0) || mdb_txn_commit(txn))
		tap_bail("cannot make a schema-4 store");
	mdb_env_close(env);
	ls_err err = {0};
	ok(ls_open(&st, &cfg, 0, &err) != LS_OK && strcmp(err.code, "schema_older") == 0,
	   "a schema-4 store asks for leadgate-admin migrate");
	if (ls_open(&st, &cfg, LS_OPEN_MIGRATE, &err) != LS_OK)
		tap_bail(err.detail);
	ok(load(st, 1000, "{\"challenges\":[" CH("a", 900, 2000, "") "]}") == LS_OK,
	   "migrated to schema %u: challenges load", LS_SCHEMA_VERSION);
	ls_close(st);
}

int main(void)
{
	staleness();
	migration();
	loading();
	ordering_and_leaderboard();
	return tap_done();
}
