/* The store's rules without HTTP: configuration, metagraph import, the lead
 * schema, intake (dedup, rate limits), the transparency log's chain and its
 * tamper detection, and a full map answering "no space" with nothing lost. */
#define _GNU_SOURCE
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>
#include <sodium.h>
#include "tap.h"
#include "test_lead.h"
#include "internal.h"

static struct ls_identity miner;
static int64_t now;

static ls_store *open_store(uint64_t map_size, uint64_t map_max)
{
	struct ls_config cfg;
	ls_store *st;
	ls_err err = {0};
	ls_config_defaults(&cfg);
	snprintf(cfg.store_dir, sizeof cfg.store_dir, "%s", tap_tempdir());
	cfg.map_size = map_size;
	cfg.map_max = map_max;
	cfg.submit_cooldown = 0;
	cfg.rate_submissions_per_day = 50;
	if (ls_open(&st, &cfg, LS_OPEN_CREATE, &err) != LS_OK)
		tap_bail(err.detail);
	return st;
}

static void sync_miner(ls_store *st)
{
	char snap[512];
	struct ls_sync_report rep;
	ls_err err = {0};
	snprintf(snap, sizeof snap,
	         "{\"block\":3600,\"block_time\":%lld,\"neurons\":[{\"uid\":3,\"hotkey\":\"%s\","
	         "\"stake\":5,\"validator_trust\":0,\"validator_permit\":false}]}",
	         (long long)now, miner.ss58);
	if (ls_metagraph_import(st, snap, strlen(snap), now, &rep, &err) != LS_OK)
		tap_bail(err.detail);
	miner.registered = true;
}

static json_t *lead(int i)
{
	return test_lead(i, miner.ss58);
}

static void config_tests(void)
{
	struct ls_config cfg;
	ls_err err = {0};
	char path[300];
	snprintf(path, sizeof path, "%s/leadgate.conf", tap_tempdir());
	FILE *f = fopen(path, "w");
	fputs("# comment\nstore_dir = /tmp/x\n\nepoch_length = 20  # short\nbogus_key = 1\n", f);
	fclose(f);
	ls_config_defaults(&cfg);
	ok(ls_config_load(&cfg, path, &err) == LS_INVALID && strstr(err.detail, ":5: unknown key 'bogus_key'"),
	   "an unknown key is refused with its line number (%s)", err.detail);
	f = fopen(path, "w");
	fputs("clock_skew = 6O\n", f);
	fclose(f);
	ok(ls_config_load(&cfg, path, &err) == LS_INVALID && strstr(err.detail, ":1: clock_skew"),
	   "a malformed number is refused with its line (%s)", err.detail);
	f = fopen(path, "w");
	fputs("epoch_length = 20\ndistribution_end = 15\ncommit_end = 16\nprefetch_start = 17\nreveal_end = 4\n", f);
	fclose(f);
	ls_config_defaults(&cfg);
	ok(ls_config_load(&cfg, path, &err) == LS_OK && cfg.epoch_length == 20 && cfg.reveal_end == 4,
	   "a valid file sets the demo's short epoch");
	f = fopen(path, "w");
	fputs("epoch_length = 20\n", f);
	fclose(f);
	ls_config_defaults(&cfg);
	ok(ls_config_load(&cfg, path, &err) == LS_INVALID,
	   "windows beyond the epoch length are refused (%s)", err.detail);
}

static void schema_tests(ls_store *st)
{
	static const struct { const char *field; json_t *value; const char *code; } bad[] = {
		{"email", NULL, "missing_field"},
		{"email", NULL, "invalid_email"},
		{"email", NULL, "free_mail_domain"},
		{"email", NULL, "email_domain_mismatch"},
		{"website", NULL, "invalid_url"},
		{"linkedin", NULL, "invalid_linkedin"},
		{"employee_count", NULL, "invalid_employee_count"},
		{"first", NULL, "wrong_type"},
		{"business", NULL, "control_character"},
		{"license_granted", NULL, "attestation_required"},
		{"wallet_ss58", NULL, "wallet_mismatch"},
		{"nickname", NULL, "unknown_field"},
		{"phone", NULL, "invalid_phone"},
		{"state", NULL, "missing_field"},
		{"website", NULL, "invalid_url"},
		{"company_linkedin", NULL, "invalid_linkedin"},
		{"linkedin", NULL, "invalid_linkedin"},
	};
	json_t *values[] = {NULL, json_string("not-an-email"), json_string("pat@gmail.com"),
	                    json_string("pat@other-company.com"), json_string("ftp://firm.example.com"),
	                    json_string("https://example.com/in/pat"), json_string("12"),
	                    json_integer(5), json_string("Firm\x01"), json_false(),
	                    json_string("5Gw54ghuAHodDGAS91DUxqvKa6PeT9bhDdns3ztBupY8pSyn"),
	                    json_string("Pat"), json_string("call me"), NULL,
	                    json_string("https://firm1.example.c"),
	                    json_string("https://linkedin.com/company/firm%2"),
	                    json_string("https://linkedin.com/in/pat%2Fadmin")};
	const struct ls_config *cfg = ls_store_config(st);
	json_t *norm;
	struct ls_lead_keys keys;
	ls_err err = {0};
	json_t *l = lead(1);
	json_object_set_new(l, "email", json_string("  Person1@FIRM1.example.com "));
	ok(ls_lead_validate(cfg, l, miner.ss58, "", &norm, &keys, &err) == LS_OK &&
	   strcmp(json_string_value(json_object_get(norm, "email")), "person1@firm1.example.com") == 0,
	   "a valid lead passes and its email is trimmed and lowercased");
	json_decref(norm);
	json_decref(l);
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		l = lead(1);
		if (strcmp(bad[i].field, "state") == 0)
			json_object_set_new(l, "country", json_string("United States"));
		else if (values[i] == NULL)
			json_object_del(l, bad[i].field);
		else
			json_object_set_new(l, bad[i].field, values[i]);
		memset(&err, 0, sizeof err);
		ls_status s = ls_lead_validate(cfg, l, miner.ss58, "leads[0].", &norm, &keys, &err);
		char want_field[64];
		snprintf(want_field, sizeof want_field, "leads[0].%s", bad[i].field);
		ok(s == LS_INVALID && strcmp(err.code, bad[i].code) == 0 && strcmp(err.field, want_field) == 0,
		   "%s refused as %s, naming %s (%s)", bad[i].field, bad[i].code, want_field, err.detail);
		json_decref(l);
	}
}

static void helper_tests(void)
{
	uint64_t v = 0;
	ok(ls_parse_u64("5", 5, &v) && v == 5 && !ls_parse_u64("6", 5, &v) && !ls_parse_u64("9", 5, &v) &&
	   !ls_parse_u64("10", 9, &v) && !ls_parse_u64("-1", 9, &v) && !ls_parse_u64("", 9, &v),
	   "decimal parsing stops at a small maximum (5 of 5 yes; 6, 9 of 5 no; 10 of 9 no)");
	ok(ls_parse_u64("18446744073709551615", UINT64_MAX, &v) && v == UINT64_MAX &&
	   !ls_parse_u64("18446744073709551616", UINT64_MAX, &v),
	   "decimal parsing takes 2^64-1 and refuses 2^64");
	char cut[] = "caf\xc3", sur[] = "a\xed\xa0\x80" "b", fine[] = "caf\xc3\xa9 \xf0\x9f\x98\x80";
	ls_utf8_scrub(cut);
	ls_utf8_scrub(sur);
	ls_utf8_scrub(fine);
	ok(strcmp(cut, "caf?") == 0 && strcmp(sur, "a???" "b") == 0 &&
	   strcmp(fine, "caf\xc3\xa9 \xf0\x9f\x98\x80") == 0,
	   "UTF-8 scrubbing replaces a cut sequence and a surrogate, keeps valid text");
	ls_err err;
	ls_fail(&err, LS_INVALID, "x", "f\xc3", "%s", "detail \xe2\x82");
	ok(strcmp(err.field, "f?") == 0 && strcmp(err.detail, "detail ??") == 0,
	   "error fields and details are valid UTF-8 whatever they quote");
}

static struct ls_stats stats(ls_store *st)
{
	ls_reader *rd;
	ls_err err;
	struct ls_stats out = {0};
	if (ls_reader_begin(st, &rd, &err) != LS_OK || ls_stats_get(rd, &out) != LS_OK)
		tap_bail("cannot read stats");
	ls_reader_end(rd);
	return out;
}

static uint8_t first_id[16];

/* What leadgate-close will do to a lead: mark it denied (state byte). */
static void deny_lead(ls_store *st, const uint8_t id[16])
{
	MDB_txn *txn;
	MDB_val k = {16, (void *)id}, v;
	mdb_txn_begin(st->env, NULL, 0, &txn);
	if (mdb_get(txn, st->dbi[DB_LEADS], &k, &v) != 0)
		tap_bail("lead to deny not found");
	uint8_t *copy = malloc(v.mv_size);
	memcpy(copy, v.mv_data, v.mv_size);
	copy[1] = LS_LEAD_DENIED;
	MDB_val nv = {v.mv_size, copy};
	mdb_put(txn, st->dbi[DB_LEADS], &k, &nv, 0);
	mdb_txn_commit(txn);
	free(copy);
}

static void submit_one(ls_store *st, json_t *leads, struct ls_submit_result *r, ls_status *s, ls_err *err)
{
	memset(err, 0, sizeof *err);
	*s = ls_leads_submit(st, &miner, leads, now, r, err);
	json_decref(leads);
}

static void intake_tests(ls_store *st)
{
	struct ls_submit_result r[3];
	ls_status s;
	ls_err err;
	struct ls_stats before, after;

	submit_one(st, json_pack("[o, o]", lead(10), lead(11)), r, &s, &err);
	ok(s == LS_OK && r[0].err.status == LS_OK && r[1].err.status == LS_OK &&
	   memcmp(r[0].lead_id, r[1].lead_id, 16) < 0,
	   "two leads are accepted with increasing UUIDv7 ids");
	memcpy(first_id, r[0].lead_id, 16);
	json_t *dup = lead(12);
	json_object_set_new(dup, "email", json_string("person10@firm12.example.com"));
	json_object_set_new(dup, "email", json_string("PERSON10@firm10.example.com"));
	json_object_set_new(dup, "website", json_string("https://firm10.example.com"));
	submit_one(st, json_pack("[o, o]", dup, lead(13)), r, &s, &err);
	char held[37];
	ls_uuid_format(first_id, held);
	ok(s == LS_OK && r[0].err.status == LS_CONFLICT && strcmp(r[0].err.code, "duplicate_email") == 0 &&
	   r[1].err.status == LS_OK,
	   "the same email in other case is a duplicate (409 duplicate_email); its neighbour still goes in");
	ok(strstr(r[0].err.detail, held) == NULL && strstr(r[0].err.detail, "pending,") != NULL &&
	   strstr(r[0].err.detail, "which is") == NULL,
	   "the 409 names neither the lead holding the email nor its state (%s)", r[0].err.detail);
	json_t *same_person = lead(14);
	json_object_set_new(same_person, "linkedin", json_string("https://LinkedIn.com/in/PERSON-11/"));
	json_t *escaped = lead(15);
	json_object_set_new(escaped, "linkedin", json_string("https://linkedin.com/in/person%2d%311"));
	before = stats(st);
	submit_one(st, json_pack("[o, o]", same_person, escaped), r, &s, &err);
	after = stats(st);
	ok(s == LS_OK && r[0].err.status == LS_CONFLICT && strcmp(r[0].err.code, "duplicate_linkedin") == 0 &&
	   r[1].err.status == LS_CONFLICT && strcmp(r[1].err.code, "duplicate_linkedin") == 0,
	   "the same person at the same company is a duplicate by its LinkedIn key, percent-escaped too");
	ok(after.leads == before.leads && after.log_entries == before.log_entries,
	   "a batch of nothing but duplicates stores no lead and no log entry");

	before = stats(st);
	json_t *batch = json_array();
	for (int i = 0; i < 48; i++)
		json_array_append_new(batch, lead(100 + i));
	struct ls_submit_result big[48];
	submit_one(st, batch, big, &s, &err);
	after = stats(st);
	ok(s == LS_RATE_LIMITED && strcmp(err.code, "daily_submission_limit") == 0 && err.retry_after > 0 &&
	   err.retry_after <= 86400,
	   "6 leads sent (duplicates count) + 48 exceed the daily limit of 50: 429 with Retry-After %ld s",
	   err.retry_after);
	ok(after.leads == before.leads && after.log_entries == before.log_entries,
	   "and the refused batch stored nothing (%llu leads, %llu log entries)",
	   (unsigned long long)after.leads, (unsigned long long)after.log_entries);

	json_t *bad = lead(21);
	json_object_set_new(bad, "email", json_string("nobody"));
	submit_one(st, json_pack("[o, o]", lead(20), bad), r, &s, &err);
	after = stats(st);
	ok(s == LS_INVALID && strcmp(err.field, "leads[1].email") == 0 && after.leads == before.leads,
	   "one invalid lead fails the whole request naming leads[1].email, nothing stored");
	submit_one(st, json_array(), r, &s, &err);
	ok(s == LS_INVALID && strcmp(err.field, "leads") == 0, "an empty batch is refused");

	struct ls_identity stranger = miner;
	stranger.registered = false;
	json_t *one = json_pack("[o]", lead(30));
	s = ls_leads_submit(st, &stranger, one, now, r, &err);
	json_decref(one);
	ok(s == LS_FORBIDDEN && strcmp(err.code, "not_registered") == 0, "an unregistered hotkey may not submit (403)");

	st->cfg.submit_cooldown = 20;
	now += 100;  /* the earlier requests were 100 s ago */
	submit_one(st, json_pack("[o]", lead(11)), r, &s, &err);
	ok(s == LS_OK && r[0].err.status == LS_CONFLICT, "a duplicate-only request is refused per lead");
	submit_one(st, json_pack("[o]", lead(31)), r, &s, &err);
	ok(s == LS_RATE_LIMITED && strcmp(err.code, "cooldown") == 0 && err.retry_after == 20,
	   "it started the cooldown all the same (no free retries): the next request at once is 429, "
	   "Retry-After %ld", err.retry_after);
	now += 20;
	submit_one(st, json_pack("[o]", lead(31)), r, &s, &err);
	ok(s == LS_OK && r[0].err.status == LS_OK, "20 s on the next request goes in");
	submit_one(st, json_pack("[o]", lead(32)), r, &s, &err);
	ok(s == LS_RATE_LIMITED && strcmp(err.code, "cooldown") == 0 && err.retry_after == 20,
	   "a second request at once is refused: 429 cooldown, Retry-After 20");
	now += 19;
	submit_one(st, json_pack("[o]", lead(32)), r, &s, &err);
	ok(s == LS_RATE_LIMITED && strcmp(err.code, "cooldown") == 0 && err.retry_after == 1,
	   "19 s on, the cooldown's last second: still 429, Retry-After 1");
	now += 1;
	submit_one(st, json_pack("[o]", lead(32)), r, &s, &err);
	ok(s == LS_OK && r[0].err.status == LS_OK, "20 s on, the cooldown is over: the lead goes in");
	st->cfg.submit_cooldown = 0;

	/* A denied lead's keys may be used again (SPEC §4). */
	deny_lead(st, first_id);
	submit_one(st, json_pack("[o]", lead(10)), r, &s, &err);
	ok(s == LS_OK && r[0].err.status == LS_OK, "after lead 10 was denied, the same lead may be submitted again");
}

static void log_tests(ls_store *st)
{
	ls_reader *rd;
	ls_err err = {0};
	uint64_t count, bad;
	struct ls_log_head head;
	if (ls_reader_begin(st, &rd, &err) != LS_OK)
		tap_bail("reader");
	bool verified = ls_log_verify(rd, &count, &bad, &err) == LS_OK && ls_log_head(rd, &head) == LS_OK;
	ok(verified && count == head.seq && count >= 6,
	   "the whole log verifies from seq 1 to the head (%llu entries)", (unsigned long long)count);
	char *page;
	size_t len;
	ok(ls_log_page(rd, 1, 2, &page, &len, &err) == LS_OK && strstr(page, "\"seq\":2,") &&
	   strstr(page, "\"seq\":3,") && !strstr(page, "\"seq\":4,") && strstr(page, "\"next_after\":3}") &&
	   !strstr(page, "@"),
	   "a page after seq 1 of 2 entries holds seqs 2 and 3, next_after 3, and no email address");
	free(page);
	ls_status s = ls_log_page(rd, UINT64_MAX, 5, &page, &len, &err);
	ok(s == LS_OK && strcmp(page, "{\"entries\":[],\"next_after\":18446744073709551615}") == 0,
	   "a page after the largest seq is empty (%s)", page);
	free(page);
	ls_reader_end(rd);

	MDB_txn *txn;
	uint8_t key[8];
	MDB_val k = {8, key}, v;
	ls_be64(3, key);
	mdb_txn_begin(st->env, NULL, 0, &txn);
	mdb_get(txn, st->dbi[DB_LOG], &k, &v);
	uint8_t *copy = malloc(v.mv_size);
	memcpy(copy, v.mv_data, v.mv_size);
	size_t n = v.mv_size;
	char *at = memmem(copy + 33, n - 33, "\"lead_id\":\"", 11);
	at[11] = at[11] == '0' ? '1' : '0';  /* rewrite history: another lead id */
	MDB_val nv = {n, copy};
	mdb_put(txn, st->dbi[DB_LOG], &k, &nv, 0);
	mdb_txn_commit(txn);
	if (ls_reader_begin(st, &rd, &err) != LS_OK)
		tap_bail("reader");
	verified = ls_log_verify(rd, &count, &bad, &err) == LS_OK;
	ok(!verified && bad == 3,
	   "changing one character of entry 3 breaks the chain at seq 3 (%s)", err.detail);
	ls_reader_end(rd);
	free(copy);
}

static void full_map_tests(void)
{
	ls_store *st = open_store(128 << 10, 512 << 10);
	st->cfg.rate_submissions_per_day = 1000000;
	st->cfg.rate_submissions_per_epoch = 1000000;
	sync_miner(st);
	struct ls_submit_result r[1];
	ls_status s = LS_OK;
	ls_err err;
	int accepted = 0;
	for (int i = 0; i < 2000 && s == LS_OK; i++) {
		submit_one(st, json_pack("[o]", lead(1000 + i)), r, &s, &err);
		accepted += s == LS_OK;
	}
	struct ls_stats st_after = stats(st);
	ok(s == LS_FULL && strcmp(err.code, "store_full") == 0,
	   "a store whose map cannot grow past map_max answers LS_FULL (507) after %d leads", accepted);
	ok(ls_map_size(st) == 512 << 10, "the map had grown from 128 KiB to its 512 KiB ceiling first");
	ok(st_after.leads == (uint64_t)accepted && st_after.pending == (uint64_t)accepted,
	   "every accepted lead is there and the refused one left nothing behind");
	ls_reader *rd;
	uint64_t count, bad;
	bool verified;
	if (ls_reader_begin(st, &rd, &err) != LS_OK)
		tap_bail("reader");
	verified = ls_log_verify(rd, &count, &bad, &err) == LS_OK;
	ok(verified && count == (uint64_t)accepted + 1,
	   "the full store's log still verifies (%llu entries)", (unsigned long long)count);
	ls_reader_end(rd);
	ls_close(st);
}

/* ---- reader slots (SPEC §4: mdb_reader_check) ---------------------------- */

/* A child that opens the store, begins a read and reports on fd: 'r' it
 * reads, 'u' refused as busy (503 store_busy), 'e' anything else; then it
 * waits to be killed, holding its slot. */
static pid_t reader_child(const struct ls_config *cfg, int fd)
{
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	ls_store *st;
	ls_reader *rd;
	ls_err err = {0};
	ls_status s = ls_open(&st, cfg, 0, &err);  /* opening reads too */
	if (s == LS_OK)
		s = ls_reader_begin(st, &rd, &err);
	char c = s == LS_OK ? 'r'
	         : s == LS_UNAVAILABLE && strcmp(err.code, "store_busy") == 0 && err.retry_after == 1
	             ? 'u'
	             : 'e';
	if (write(fd, &c, 1) != 1)
		_exit(1);
	for (;;)
		pause();
}

/* n children, one after the other; how many read, and *busy how many
 * were refused as busy */
static int fill_readers(const struct ls_config *cfg, pid_t *kids, int n, int fd_w, int fd_r,
                        int *busy)
{
	int reading = 0;
	*busy = 0;
	for (int i = 0; i < n; i++) {
		char c = 'e';
		kids[i] = reader_child(cfg, fd_w);
		if (read(fd_r, &c, 1) != 1)
			c = 'e';
		reading += c == 'r';
		*busy += c == 'u';
	}
	return reading;
}

static void kill_all(pid_t *kids, int n)
{
	for (int i = 0; i < n; i++) {
		kill(kids[i], SIGKILL);
		waitpid(kids[i], NULL, 0);
	}
}

static int count_line(const char *msg, void *ctx)
{
	(void)msg;
	(*(int *)ctx)++;
	return 0;
}

/* The slots a process holds show in mdb_reader_list, one line each after
 * its header; dead ones until someone checks. */
static int reader_slots(ls_store *st)
{
	int lines = 0;
	mdb_reader_list(st->env, count_line, &lines);
	return lines > 0 ? lines - 1 : 0;
}

static void reader_slot_tests(void)
{
	enum { SLOTS = 8 };
	struct ls_config cfg;
	ls_store *st;
	ls_reader *rd;
	ls_err err = {0};
	int p[2], status = -1;
	pid_t kids[SLOTS + 1];
	ls_config_defaults(&cfg);
	snprintf(cfg.store_dir, sizeof cfg.store_dir, "%s", tap_tempdir());
	cfg.map_size = 1 << 20;  /* reserved on disk */
	cfg.max_readers = SLOTS;
	/* creating writes: this process has no reader slot yet, like a worker
	 * that opened the store and has not served a read */
	if (ls_open(&st, &cfg, LS_OPEN_CREATE, &err) != LS_OK || pipe(p))
		tap_bail("reader store");
	fflush(stdout);
	int busy, reading = fill_readers(&cfg, kids, SLOTS + 1, p[1], p[0], &busy);
	ok(reading == SLOTS && reader_slots(st) == SLOTS,
	   "%d processes read at once with max_readers = %d", reading, SLOTS);
	ok(busy == 1, "one more is refused while every slot is live (503 store_busy, Retry-After 1)");
	kill_all(kids, SLOTS + 1);
	ok(reader_slots(st) == SLOTS, "killed -9 while reading, the %d readers leave their slots taken",
	   SLOTS);
	ls_status s = ls_reader_begin(st, &rd, &err);
	ok(s == LS_OK && reader_slots(st) == 1,
	   "a running worker then finds the table full (MDB_READERS_FULL), clears the dead slots "
	   "and reads (%d slot left: its own)", reader_slots(st));
	if (s == LS_OK)
		ls_reader_end(rd);
	reading = fill_readers(&cfg, kids, SLOTS - 1, p[1], p[0], &busy);
	kill_all(kids, SLOTS - 1);
	int before = reader_slots(st);
	pid_t opener = fork();
	if (opener == 0) {
		ls_store *os;
		if (ls_open(&os, &cfg, 0, &err) != LS_OK)
			_exit(1);
		ls_close(os);  /* and gives back its own slot */
		_exit(0);
	}
	waitpid(opener, &status, 0);
	ok(reading == SLOTS - 1 && before == SLOTS && WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
	   reader_slots(st) == 1,
	   "%d dead slots again; a process opening the store clears them (%d left: this one's)",
	   SLOTS - 1, reader_slots(st));
	close(p[0]), close(p[1]);
	ls_close(st);
}

int main(void)
{
	uint8_t sk[64];
	now = (int64_t)time(NULL);
	if (sodium_init() < 0)
		tap_bail("sodium");
	crypto_sign_keypair(miner.hotkey, sk);
	if (ls_ss58_encode(miner.hotkey, 42, miner.ss58) != LS_OK)
		tap_bail("ss58");
	config_tests();
	helper_tests();
	ls_store *st = open_store(1 << 20, 64 << 20);
	sync_miner(st);
	schema_tests(st);
	intake_tests(st);
	log_tests(st);
	ls_close(st);
	full_map_tests();
	reader_slot_tests();
	return tap_done();
}
