/* The replay store (store/replay.c): a nonce is accepted once, expired
 * entries go, a replay store left by another boot is discarded and the
 * signatures it could have guarded are refused, and a schema-2 store
 * migrates to schema 3 by dropping its old nonces database. */
#define _GNU_SOURCE
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>
#include "tap.h"
#include "internal.h"

static char dir[256];

static ls_store *open_store(unsigned flags, ls_err *err)
{
	struct ls_config cfg;
	ls_store *st = NULL;
	ls_config_defaults(&cfg);
	snprintf(cfg.store_dir, sizeof cfg.store_dir, "%s", dir);
	cfg.map_size = 1 << 20;
	cfg.clock_skew = 60;
	return ls_open(&st, &cfg, flags, err) == LS_OK ? st : NULL;
}

static ls_store *open_or_bail(unsigned flags)
{
	ls_err err = {0};
	ls_store *st = open_store(flags, &err);
	if (st == NULL)
		tap_bail(err.detail);
	return st;
}

static void once_tests(ls_store *st, const uint8_t a[32], const uint8_t b[32], int64_t now)
{
	ls_err err = {0};
	ok(ls_replay_record(st, a, "nonce-0123456789abcdef", now, now, &err) == LS_OK,
	   "a first (hotkey, nonce, created) is recorded");
	ok(ls_replay_record(st, a, "nonce-0123456789abcdef", now, now, &err) == LS_UNAUTHORIZED &&
	   strcmp(err.code, "replayed_nonce") == 0, "the same one again is a replay: 401 replayed_nonce");
	ok(ls_replay_record(st, b, "nonce-0123456789abcdef", now, now, &err) == LS_OK,
	   "the same nonce from another hotkey is its own");
	ok(ls_replay_count(st) == 2, "two entries are kept");
}

static void expiry_tests(ls_store *st, const uint8_t a[32], int64_t now)
{
	char nonce[32];
	ls_err err = {0};
	uint64_t removed = 0;
	for (int i = 0; i < 10; i++) {
		snprintf(nonce, sizeof nonce, "old-nonce-%016d", i);
		if (ls_replay_record(st, a, nonce, now, now, &err) != LS_OK)
			tap_bail(err.detail);
	}
	uint64_t before = ls_replay_count(st);
	int64_t later = now + 61;  /* past created + clock_skew */
	ls_status s = ls_replay_record(st, a, "fresh-nonce-0000000000", later, later, &err);
	uint64_t after = ls_replay_count(st);
	ok(s == LS_OK && after == before + 1 - 4,
	   "a new entry drops four expired ones on its way (%llu -> %llu)",
	   (unsigned long long)before, (unsigned long long)after);
	s = ls_nonces_prune(st, later, &removed, &err);
	ok(s == LS_OK && ls_replay_count(st) == 1 && removed == before - 4,
	   "leadgate-prune drops the other %llu expired entries, keeps the live one",
	   (unsigned long long)removed);
}

/* What the first process after a reboot sees: a marker of another boot. */
static void reboot_tests(const uint8_t a[32], int64_t now)
{
	char path[512];
	ls_err err = {0};
	ls_store *st = open_or_bail(0);
	ok(ls_replay_count(st) == 1 && ls_replay_record(st, a, "fresh-nonce-0000000000", now + 61,
	                                                now + 61, &err) == LS_UNAUTHORIZED,
	   "reopened in the same boot, the replay store keeps its entries");
	ls_close(st);
	snprintf(path, sizeof path, "%s/replay/boot", dir);
	FILE *f = fopen(path, "w");
	if (f == NULL)
		tap_bail("cannot write the boot marker");
	fprintf(f, "00000000-0000-0000-0000-000000000000 %lld\n", (long long)now - 3600);
	fclose(f);
	st = open_or_bail(0);
	int64_t floor = st->replay_floor;
	ok(ls_replay_count(st) == 0 && floor >= now,
	   "a replay store made by another boot is discarded and made anew (floor %lld)",
	   (long long)floor);
	ok(ls_replay_record(st, a, "signed-before-reboot-00", floor - 1, floor, &err) ==
	           LS_UNAUTHORIZED && strcmp(err.code, "stale_signature") == 0,
	   "a signature created before the new replay store is refused: 401 stale_signature");
	ok(ls_replay_record(st, a, "signed-after-reboot-000", floor, floor, &err) == LS_OK,
	   "a signature created from then on is accepted");
	ls_close(st);
}

/* A store as schema 2 left it: the nonces database in the main store. */
static void migrate_tests(void)
{
	ls_err err = {0};
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi meta, nonces;
	uint32_t two = 2;
	MDB_val k = {strlen(META_SCHEMA), META_SCHEMA}, v = {sizeof two, &two};
	MDB_val nk = {5, "nonce"}, nv = {1, "\1"};
	if (mdb_env_create(&env) || mdb_env_set_maxdbs(env, 32) ||
	    mdb_env_set_mapsize(env, 1 << 20) || mdb_env_open(env, dir, 0, 0640) ||
	    mdb_txn_begin(env, NULL, 0, &txn) || mdb_dbi_open(txn, "meta", 0, &meta) ||
	    mdb_dbi_open(txn, "nonces", MDB_CREATE, &nonces) || mdb_put(txn, meta, &k, &v, 0) ||
	    mdb_put(txn, nonces, &nk, &nv, 0) || mdb_txn_commit(txn))
		tap_bail("cannot make a schema-2 store");
	mdb_env_close(env);
	ls_store *st = open_store(0, &err);
	ok(st == NULL && strcmp(err.code, "schema_older") == 0,
	   "a schema-2 store asks for leadgate-admin migrate (%s)", err.detail);
	st = open_or_bail(LS_OPEN_MIGRATE);
	ls_close(st);
	mdb_env_create(&env);
	mdb_env_set_maxdbs(env, 32);
	int rc = mdb_env_open(env, dir, MDB_RDONLY, 0640);
	if (rc == 0)
		rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn);
	if (rc)
		tap_bail("cannot reopen the migrated store");
	uint32_t schema = 0;
	if (mdb_dbi_open(txn, "meta", 0, &meta) == 0 && mdb_get(txn, meta, &k, &v) == 0)
		memcpy(&schema, v.mv_data, sizeof schema);
	ok(mdb_dbi_open(txn, "nonces", 0, &nonces) == MDB_NOTFOUND && schema == 3,
	   "migrate brings it to schema 3 without the nonces database");
	mdb_txn_abort(txn);
	mdb_env_close(env);
}

int main(void)
{
	uint8_t a[32], b[32];
	int64_t now = (int64_t)time(NULL);
	if (sodium_init() < 0)
		tap_bail("sodium");
	randombytes_buf(a, sizeof a);
	randombytes_buf(b, sizeof b);
	snprintf(dir, sizeof dir, "%s", tap_tempdir());
	ls_store *st = open_or_bail(LS_OPEN_CREATE);
	ok(st->replay_floor >= now - 1, "a new store's replay store starts now");
	once_tests(st, a, b, now);
	ok(ls_nonces_prune(st, now, &(uint64_t){0}, &(ls_err){0}) == LS_OK && ls_replay_count(st) == 2,
	   "pruning at once removes nothing that can still be replayed");
	expiry_tests(st, a, now);
	ls_close(st);
	reboot_tests(a, now);
	migrate_tests();
	return tap_done();
}
