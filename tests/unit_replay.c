/* The replay store (store/replay.c): a nonce is accepted once, expired
 * entries go, a replay store left by another boot is discarded and the
 * signatures it could have guarded are refused, and a schema-2 store
 * migrates to the current schema, dropping its old nonces database. */
#define _GNU_SOURCE
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>
#include "tap.h"
#include "internal.h"

static char dir[256];

/* A store in `where` with a map of map_size to start (the replay store's
 * too) and a clock_skew of 60 s. */
static ls_store *open_in(const char *where, size_t map_size, unsigned flags, ls_err *err)
{
	struct ls_config cfg;
	ls_store *st = NULL;
	ls_config_defaults(&cfg);
	snprintf(cfg.store_dir, sizeof cfg.store_dir, "%s", where);
	cfg.map_size = map_size;
	cfg.clock_skew = 60;
	return ls_open(&st, &cfg, flags, err) == LS_OK ? st : NULL;
}

static ls_store *open_store(unsigned flags, ls_err *err) { return open_in(dir, 1 << 20, flags, err); }

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
	   "a first (keyid, nonce) is recorded");
	ok(ls_replay_record(st, a, "nonce-0123456789abcdef", now, now, &err) == LS_UNAUTHORIZED &&
	   strcmp(err.code, "replayed_nonce") == 0, "the same one again is a replay: 401 replayed_nonce");
	ok(ls_replay_record(st, a, "nonce-0123456789abcdef", now + 5, now + 5, &err) ==
	           LS_UNAUTHORIZED && strcmp(err.code, "replayed_nonce") == 0,
	   "the pair is used up within the window even under another created (SPEC §3)");
	ok(ls_replay_record(st, b, "nonce-0123456789abcdef", now, now, &err) == LS_OK,
	   "the same nonce from another hotkey is its own");
	ok(ls_replay_count(st) == 2, "two pairs are kept");
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
	   "a new pair drops four expired ones on its way (%llu -> %llu)",
	   (unsigned long long)before, (unsigned long long)after);
	s = ls_nonces_prune(st, later, &removed, &err);
	ok(s == LS_OK && ls_replay_count(st) == 1 && removed == before - 4,
	   "leadgate-prune drops the other %llu expired pairs, keeps the live one",
	   (unsigned long long)removed);
	ok(ls_replay_record(st, a, "old-nonce-0000000000000000", now, now + 60, &err) ==
	           LS_UNAUTHORIZED && strcmp(err.code, "stale_signature") == 0,
	   "a dropped pair is not fresh again for a process whose request began earlier: 401 "
	   "stale_signature");
}

/* Raising clock_skew opens no replay window: the store keeps a pair's
 * created and compares with the skew in force.  (Keeping created + the
 * skew of the day, a pair used with a 60 s skew was free again 61 s on,
 * while a 600 s skew still took its signature as fresh.) */
static void skew_raise_tests(ls_store *st, const uint8_t a[32], int64_t now)
{
	ls_err err = {0};
	if (ls_replay_record(st, a, "skew-nonce-000000000000", now, now, &err) != LS_OK)
		tap_bail(err.detail);
	st->cfg.clock_skew = 600;
	ls_status s = ls_replay_record(st, a, "skew-nonce-000000000000", now, now + 100, &err);
	ok(s == LS_UNAUTHORIZED && strcmp(err.code, "replayed_nonce") == 0,
	   "recorded under a 60 s skew, replayed 100 s on after clock_skew became 600: 401 replayed_nonce");
	s = ls_replay_record(st, a, "skew-nonce-000000000000", now, now + 601, &err);
	ok(s == LS_UNAUTHORIZED && strcmp(err.code, "stale_signature") == 0,
	   "601 s on, past the new skew too, the signature is stale");
	st->cfg.clock_skew = 60;
}

/* What the first process after a reboot sees: a marker of another boot. */
static void reboot_tests(const uint8_t a[32], int64_t now)
{
	char path[512];
	ls_err err = {0};
	ls_store *st = open_or_bail(0);
	ls_status s = ls_replay_record(st, a, "fresh-nonce-0000000000", now + 61, now + 61, &err);
	ok(ls_replay_count(st) == 1 && s == LS_UNAUTHORIZED && strcmp(err.code, "replayed_nonce") == 0,
	   "reopened in the same boot, the replay store keeps its pairs");
	ls_close(st);
	snprintf(path, sizeof path, "%s/replay/boot", dir);
	FILE *f = fopen(path, "w");
	if (f == NULL)
		tap_bail("cannot write the boot marker");
	fprintf(f, "00000000-0000-0000-0000-000000000000 %lld\n", (long long)now - 3600);
	fclose(f);
	st = open_or_bail(0);
	uint64_t count = ls_replay_count(st);  /* the first use opens it */
	int64_t floor = st->replay_floor;
	ok(count == 0 && floor >= now + 60,
	   "a replay store made by another boot is discarded and made anew, its floor clock_skew ahead "
	   "(floor - now = %lld)", (long long)(floor - now));
	ok(ls_replay_record(st, a, "signed-before-reboot-00", floor - 1, floor, &err) ==
	           LS_UNAUTHORIZED && strcmp(err.code, "stale_signature") == 0,
	   "a signature created before the floor, even one dated ahead, is refused: 401 stale_signature");
	ok(ls_replay_record(st, a, "signed-after-reboot-000", floor, floor, &err) == LS_OK,
	   "a signature created from the floor on is accepted");
	ls_close(st);
}

/* A replay store some process uses is never discarded under it. */
static void in_use_tests(const uint8_t a[32], int64_t now)
{
	char path[512];
	ls_err err = {0};
	ls_store *user = open_or_bail(0), *other = open_or_bail(0);
	int64_t t = (int64_t)time(NULL) + 120;  /* past the floor a reboot sets (now + 60) */
	if (ls_replay_record(user, a, "held-nonce-000000000000", t, t, &err) != LS_OK)
		tap_bail(err.detail);
	snprintf(path, sizeof path, "%s/replay/boot", dir);
	FILE *f = fopen(path, "w");
	if (f == NULL)
		tap_bail("cannot write the boot marker");
	fprintf(f, "11111111-1111-1111-1111-111111111111 %lld\n", (long long)now);
	fclose(f);
	ls_status s = ls_replay_record(other, a, "other-nonce-00000000000", t, t, &err);
	ok(s == LS_ERROR && ls_replay_record(user, a, "held-nonce-000000000000", t, t, &err) ==
	                            LS_UNAUTHORIZED,
	   "a marker of another boot while a process holds the replay store: the next process is "
	   "refused and the holder's pairs stay");
	ls_close(other);
	ls_close(user);
}

/* The replay store writes through its map: where the disk cannot hold a
 * bigger map, growing must fail with 507, never SIGBUS.  The disk is a
 * 1 MiB tmpfs mounted in a mount namespace of the test's own (root only;
 * skipped otherwise). */
static void full_disk_tests(const uint8_t a[32], int64_t now)
{
	char here[256];
	snprintf(here, sizeof here, "%s", tap_tempdir());
	pid_t child = fork();
	if (child == 0) {
		ls_store *st;
		ls_err err = {0};
		ls_status s = LS_OK;
		char nonce[40];
		if (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
		    mount("tmpfs", here, "tmpfs", 0, "size=1m") != 0)
			_exit(77);
		if ((st = open_in(here, 128 << 10, LS_OPEN_CREATE, &err)) == NULL)
			_exit(3);
		now = (int64_t)time(NULL);  /* this store's floor is its creation */
		for (int i = 0; i < 200000 && s == LS_OK; i++) {
			snprintf(nonce, sizeof nonce, "full-disk-nonce-%08d", i);
			s = ls_replay_record(st, a, nonce, now, now, &err);
		}
		if (s != LS_FULL || strcmp(err.code, "store_full") != 0) {
			fprintf(stderr, "# stopped with %d %s: %s\n", s, err.code, err.detail);
			_exit(4);
		}
		/* a failed growth must not leave the map bigger than the blocks
		 * reserved for it: the writes after it would land in a hole.  They
		 * may still fit in pages LMDB frees and reuses, so each one is
		 * accepted or refused, and the file stays fully allocated. */
		for (int i = 0; i < 1000; i++) {
			snprintf(nonce, sizeof nonce, "after-full-nonce-%08d", i);
			s = ls_replay_record(st, a, nonce, now, now, &err);
			if (s != LS_OK && s != LS_FULL) {
				fprintf(stderr, "# write %d after full: %d %s: %s\n", i, s, err.code, err.detail);
				_exit(5);
			}
		}
		struct stat sb;
		char data[300];
		snprintf(data, sizeof data, "%s/replay/data.mdb", here);
		if (stat(data, &sb) != 0 || (off_t)sb.st_blocks * 512 < sb.st_size) {
			fprintf(stderr, "# %s: %lld bytes long, %lld allocated\n", data, (long long)sb.st_size,
			        (long long)sb.st_blocks * 512);
			_exit(6);
		}
		_exit(0);
	}
	int status = 0;
	waitpid(child, &status, 0);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 77) {
		printf("ok %d - # SKIP a full disk needs a tmpfs mount (root)\n", ++tap_count);
		return;
	}
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	   "a replay store on a full 1 MiB disk answers 507 store_full; 1000 more writes each stored or refused, the map never past its reserved blocks, no SIGBUS (%s %d)",
	   WIFSIGNALED(status) ? "signal" : "exit",
	   WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
}

/* replay/map.lock, made by whichever user opens the replay store first
 * (after an upgrade, root running leadgate-admin, say), takes the main
 * store's owner and mode, so the workers' user can lock it too. */
static void map_lock_owner_tests(const uint8_t a[32])
{
	char main_data[300], lock[300];
	struct stat sm, sl;
	ls_err err = {0};
	ls_store *st = open_or_bail(0);
	int64_t now = (int64_t)time(NULL) + 120;  /* past any floor a remake sets (now + 60) */
	snprintf(main_data, sizeof main_data, "%s/data.mdb", dir);
	snprintf(lock, sizeof lock, "%s/replay/map.lock", dir);
	/* first on this boot (an earlier test left another's marker): the open
	 * below then finds it current, with no remake to fix owners after it */
	if (ls_replay_record(st, a, "map-lock-warm-up-00000", now, now, &err) != LS_OK)
		tap_bail(err.detail);
	ls_replay_close(st);
	if (chmod(main_data, 0660) != 0)
		tap_bail("cannot change the main store's mode");
	if ((geteuid() != 0 || chown(main_data, (uid_t)-1, 4242) != 0) &&  /* 4242: root, if mapped */
	    chown(main_data, (uid_t)-1, getegid()) != 0)
		tap_bail("cannot change the main store's group");
	unlink(lock);
	ls_status s = ls_replay_record(st, a, "map-lock-nonce-000000", now, now, &err);
	memset(&sl, 0, sizeof sl);
	bool both = stat(main_data, &sm) == 0 && stat(lock, &sl) == 0;
	ok(s == LS_OK && both && (sl.st_mode & 07777) == 0660 && sl.st_gid == sm.st_gid && sl.st_uid == sm.st_uid,
	   "replay/map.lock made by a later open takes the main store's owner, group and mode "
	   "(%o, gid %u)", (unsigned)(sl.st_mode & 07777), (unsigned)sl.st_gid);
	ls_close(st);
}

static uint64_t replay_map(ls_store *st)
{
	MDB_envinfo info;
	return st->replay_env && mdb_env_info(st->replay_env, &info) == 0 ? info.me_mapsize : 0;
}

/* The process that grew the replay map, in a child: grow it to 512 KiB,
 * say so on `ready`, wait for `go` (another process opens the store
 * meanwhile), then find the file still as long as its map and write on. */
static _Noreturn void grower(const char *here, const uint8_t a[32], int ready, int go)
{
	char nonce[40], data[300], byte = 0;
	ls_err err = {0};
	struct stat sb;
	ls_store *st = open_in(here, 128 << 10, LS_OPEN_CREATE, &err);
	int64_t now = (int64_t)time(NULL);
	for (int i = 0; st && replay_map(st) < 512 << 10 && i < 100000; i++) {
		snprintf(nonce, sizeof nonce, "grown-nonce-%08d", i);
		if (ls_replay_record(st, a, nonce, now, now, &err) != LS_OK)
			_exit(3);
	}
	if (st == NULL || write(ready, &byte, 1) != 1 || read(go, &byte, 1) != 1)
		_exit(3);
	snprintf(data, sizeof data, "%s/replay/data.mdb", here);
	if (stat(data, &sb) != 0 || (uint64_t)sb.st_size < replay_map(st)) {
		fprintf(stderr, "# the file is %lld bytes under a map of %llu\n", (long long)sb.st_size,
		        (unsigned long long)replay_map(st));
		_exit(6);
	}
	for (int i = 0; i < 2000; i++) {
		snprintf(nonce, sizeof nonce, "after-nonce-%08d", i);
		ls_status s = ls_replay_record(st, a, nonce, now, now, &err);
		if (s != LS_OK && s != LS_FULL)
			_exit(5);
	}
	_exit(0);
}

/* Every process that opens the replay store, or adopts a map another grew,
 * sets its map to at least the data file's length: LMDB sets the file's
 * length to the map's, and a shorter file would leave another process's
 * map hanging past its end (SIGBUS on its next write). */
static void shared_map_tests(const uint8_t a[32])
{
	char here[256], byte = 1;
	int ready[2], go[2], status = 0, late_status = 0;
	snprintf(here, sizeof here, "%s", tap_tempdir());
	if (pipe(ready) != 0 || pipe(go) != 0)
		tap_bail("pipe");
	pid_t grown = fork();
	if (grown == 0)
		grower(here, a, ready[1], go[0]);
	if (read(ready[0], &byte, 1) != 1)
		tap_bail("the grower stopped before its map grew");
	pid_t late = fork();
	if (late == 0) {  /* a worker started now: 128 KiB configured */
		ls_err err = {0};
		ls_store *st = open_in(here, 128 << 10, 0, &err);
		int64_t now = (int64_t)time(NULL);
		_exit(st && ls_replay_record(st, a, "late-nonce-0000000000", now, now, &err) == LS_OK ? 0 : 3);
	}
	waitpid(late, &late_status, 0);
	if (write(go[1], &byte, 1) != 1)
		tap_bail("pipe");
	waitpid(grown, &status, 0);
	ok(WIFEXITED(late_status) && WEXITSTATUS(late_status) == 0 && WIFEXITED(status) &&
	           WEXITSTATUS(status) == 0,
	   "a process opening the replay store with a 128 KiB map while another has grown it to 512 KiB "
	   "leaves the file as long as that map, and the other writes 2000 more nonces (late: %s %d; "
	   "grower: %s %d)",
	   WIFSIGNALED(late_status) ? "signal" : "exit",
	   WIFSIGNALED(late_status) ? WTERMSIG(late_status) : WEXITSTATUS(late_status),
	   WIFSIGNALED(status) ? "signal" : "exit",
	   WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
	close(ready[0]), close(ready[1]), close(go[0]), close(go[1]);
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
	ok(mdb_dbi_open(txn, "nonces", 0, &nonces) == MDB_NOTFOUND && schema == LS_SCHEMA_VERSION,
	   "migrate brings it to schema %u without the nonces database", LS_SCHEMA_VERSION);
	mdb_txn_abort(txn);
	mdb_env_close(env);
}

int main(void)
{
	uint8_t a[32], b[32];
	if (sodium_init() < 0)
		tap_bail("sodium");
	randombytes_buf(a, sizeof a);
	randombytes_buf(b, sizeof b);
	snprintf(dir, sizeof dir, "%s", tap_tempdir());
	int64_t before = (int64_t)time(NULL);
	ls_store *st = open_or_bail(LS_OPEN_CREATE);
	int64_t now = (int64_t)time(NULL);  /* not before the floor: signatures made from now on */
	ok(st->replay_env != NULL && st->replay_floor >= before && st->replay_floor <= now,
	   "a new store's replay store is made with it, its floor now: nothing was accepted before");
	once_tests(st, a, b, now);
	ok(ls_nonces_prune(st, now, &(uint64_t){0}, &(ls_err){0}) == LS_OK && ls_replay_count(st) == 2,
	   "pruning at once removes nothing that can still be replayed");
	expiry_tests(st, a, now);
	ls_close(st);
	reboot_tests(a, now);
	in_use_tests(a, now);
	full_disk_tests(a, now);
	shared_map_tests(a);
	map_lock_owner_tests(a);
	migrate_tests();
	snprintf(dir, sizeof dir, "%s", tap_tempdir());  /* a store of its own */
	st = open_or_bail(LS_OPEN_CREATE);
	skew_raise_tests(st, a, (int64_t)time(NULL));
	ls_close(st);
	return tap_done();
}
