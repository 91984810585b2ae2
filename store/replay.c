/*
 * replay.c — the replay store of SPEC §3: every (hotkey, nonce, created)
 * accepted within clock_skew, so that a captured request is accepted once.
 *
 * It lives in an LMDB environment of its own, store_dir/replay, opened
 * with MDB_WRITEMAP | MDB_NOSYNC: recording a nonce costs no system call
 * and no disk flush, so a signed read does not wait for the disk (a synced
 * commit per request capped signed reads at a third of the budget of SPEC
 * §12; see bench/).  A process killed at any moment leaves LMDB consistent
 * in every mode; only a system crash can leave unsynced pages torn.  So
 * the replay store is never trusted across a reboot: replay/boot names the
 * boot that created it, the first process of a new boot deletes and
 * recreates it, and from then on signatures created before that moment
 * (the floor) are refused, which is everything the lost entries guarded.
 *
 * Keys are be64(created + clock_skew) ‖ sha256(hotkey ‖ nonce): sorted by
 * when they expire, so expired entries are a range at the front, and each
 * new entry drops a few of them.  The main store never waits for this one:
 * they have separate write locks.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>
#include "internal.h"

#define REPLAY_KEY 40
#define DROP_PER_WRITE 4     /* expired entries each new one removes */
#define PRUNE_CHUNK 10000    /* entries one prune transaction removes */

/* The kernel's id of this boot, "" where there is none to read. */
static void boot_id(char out[64])
{
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");
	out[0] = '\0';
	if (f && fgets(out, 64, f))
		out[strcspn(out, "\r\n ")] = '\0';
	if (f)
		fclose(f);
}

/* replay/boot: "<boot id> <floor>\n", the boot that created the
 * environment and the time from which its entries are complete. */
static bool marker_read(const char *path, const char *boot, int64_t *floor)
{
	char line[128], id[64];
	long long t;
	FILE *f = fopen(path, "r");
	bool ok = f && fgets(line, sizeof line, f) && sscanf(line, "%63s %lld", id, &t) == 2 &&
	          strcmp(id, boot) == 0;
	if (f)
		fclose(f);
	if (ok)
		*floor = t;
	return ok;
}

static bool marker_write(const char *path, const char *boot, int64_t floor)
{
	char tmp[LS_PATH_MAX + 80];
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (f == NULL)
		return false;
	bool ok = fprintf(f, "%s %lld\n", boot, (long long)floor) > 0 && fflush(f) == 0 &&
	          fsync(fileno(f)) == 0;
	ok = fclose(f) == 0 && ok;
	return ok && rename(tmp, path) == 0;
}

/* Delete a replay environment that a previous boot left (it may be torn). */
static void discard_files(const char *dir)
{
	char path[LS_PATH_MAX + 40];
	snprintf(path, sizeof path, "%s/data.mdb", dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/lock.mdb", dir);
	unlink(path);
}

static ls_status env_open(ls_store *st, const char *dir, ls_err *err)
{
	MDB_txn *txn;
	int rc = mdb_env_create(&st->replay_env);
	if (rc == 0)
		rc = mdb_env_set_maxdbs(st->replay_env, 1);
	if (rc == 0)
		rc = mdb_env_set_maxreaders(st->replay_env, 512);
	if (rc == 0)
		rc = mdb_env_set_mapsize(st->replay_env, st->cfg.map_size);
	if (rc == 0)
		rc = mdb_env_open(st->replay_env, dir, MDB_WRITEMAP | MDB_NOSYNC, 0640);
	if (rc == 0) {
		int dead = 0;
		mdb_reader_check(st->replay_env, &dead);
		rc = mdb_txn_begin(st->replay_env, NULL, 0, &txn);
	}
	if (rc == 0) {
		rc = mdb_dbi_open(txn, "seen", MDB_CREATE, &st->replay_seen);
		if (rc == 0)
			rc = mdb_txn_commit(txn);
		else
			mdb_txn_abort(txn);
	}
	return rc ? ls_mdb_fail(err, rc, "open the replay store") : LS_OK;
}

/* Open store_dir/replay, recreating it when a previous boot made it.  The
 * check and the recreation hold store_dir/replay.lock, so that of all the
 * processes starting after a reboot exactly one recreates it. */
ls_status ls_replay_open(ls_store *st, unsigned flags, ls_err *err)
{
	char dir[LS_PATH_MAX + 16], marker[LS_PATH_MAX + 24], lock[LS_PATH_MAX + 24], boot[64];
	if (flags & LS_OPEN_READONLY)
		return LS_OK;  /* read-only tools never record nonces */
	snprintf(dir, sizeof dir, "%s/replay", st->cfg.store_dir);
	snprintf(marker, sizeof marker, "%s/boot", dir);
	snprintf(lock, sizeof lock, "%s/replay.lock", st->cfg.store_dir);
	if (mkdir(dir, 0750) != 0 && errno != EEXIST)
		return ls_fail(err, LS_ERROR, "store_dir", NULL, "cannot create %s: %s", dir,
		               strerror(errno));
	int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0 || flock(fd, LOCK_EX) != 0) {
		if (fd >= 0)
			close(fd);
		return ls_fail(err, LS_ERROR, "lock", NULL, "cannot lock %s: %s", lock, strerror(errno));
	}
	boot_id(boot);
	bool fresh = !marker_read(marker, boot, &st->replay_floor);
	if (fresh) {
		discard_files(dir);
		st->replay_floor = (int64_t)time(NULL);
	}
	ls_status s = env_open(st, dir, err);
	if (s == LS_OK && fresh &&
	    (mdb_env_sync(st->replay_env, 1) != 0 || !marker_write(marker, boot, st->replay_floor)))
		s = ls_fail(err, LS_ERROR, "store_dir", NULL, "cannot write %s: %s", marker,
		            strerror(errno));
	close(fd);  /* drops the flock */
	return s;
}

void ls_replay_close(ls_store *st)
{
	if (st->replay_env)
		mdb_env_close(st->replay_env);
	st->replay_env = NULL;
}

/* Delete up to max entries that expired before now, from the front. */
static ls_status drop_expired(struct ls_txn *t, int64_t now, uint64_t max, uint64_t *dropped)
{
	MDB_cursor *cur;
	MDB_val k, v;
	*dropped = 0;
	int rc = mdb_cursor_open(t->txn, t->st->replay_seen, &cur);
	if (rc)
		return lt_fail_mdb(t, rc, "open the replay store");
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && *dropped < max;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != REPLAY_KEY || ls_from_be64(k.mv_data) >= (uint64_t)now)
			break;
		if ((rc = mdb_cursor_del(cur, 0)) != 0)
			break;
		(*dropped)++;
	}
	mdb_cursor_close(cur);
	return rc == 0 || rc == MDB_NOTFOUND ? LS_OK : lt_fail_mdb(t, rc, "prune the replay store");
}

struct replay_put {
	uint8_t key[REPLAY_KEY];
	int64_t now;
};

static ls_status replay_put(struct ls_txn *t, void *vctx)
{
	struct replay_put *c = vctx;
	uint8_t fmt = LS_FMT1;
	uint64_t dropped;
	MDB_val k = {REPLAY_KEY, c->key}, v = {1, &fmt};
	int rc = mdb_put(t->txn, t->st->replay_seen, &k, &v, MDB_NOOVERWRITE);
	if (rc == MDB_KEYEXIST)
		return ls_fail(t->err, LS_UNAUTHORIZED, "replayed_nonce", "Signature-Input",
		               "this nonce was already used by this key");
	if (rc)
		return lt_fail_mdb(t, rc, "record a nonce");
	return drop_expired(t, c->now, DROP_PER_WRITE, &dropped);
}

ls_status ls_replay_record(ls_store *st, const uint8_t hotkey[32], const char *nonce,
                           int64_t created, int64_t now, ls_err *err)
{
	struct replay_put c = {.now = now};
	if (st->replay_env == NULL)
		return ls_fail(err, LS_ERROR, "store_error", NULL, "the replay store is not open");
	if (created < st->replay_floor)
		return ls_fail(err, LS_UNAUTHORIZED, "stale_signature", "Signature-Input",
		               "the signature was created before the gateway's replay store was reset "
		               "(at %lld, after a reboot): sign the request again",
		               (long long)st->replay_floor);
	ls_be64((uint64_t)created + st->cfg.clock_skew, c.key);
	crypto_hash_sha256_state h;
	crypto_hash_sha256_init(&h);
	crypto_hash_sha256_update(&h, hotkey, 32);
	crypto_hash_sha256_update(&h, (const uint8_t *)nonce, strlen(nonce));
	crypto_hash_sha256_final(&h, c.key + 8);
	return ls_env_write(st, st->replay_env, replay_put, &c, err);
}

struct replay_prune {
	int64_t now;
	uint64_t dropped;
};

static ls_status replay_prune_chunk(struct ls_txn *t, void *vctx)
{
	struct replay_prune *c = vctx;
	return drop_expired(t, c->now, PRUNE_CHUNK, &c->dropped);
}

ls_status ls_nonces_prune(ls_store *st, int64_t now, uint64_t *removed, ls_err *err)
{
	struct replay_prune c = {.now = now};
	ls_status s = LS_OK;
	*removed = 0;
	if (st->replay_env == NULL)
		return LS_OK;
	do {
		s = ls_env_write(st, st->replay_env, replay_prune_chunk, &c, err);
		*removed += c.dropped;
	} while (s == LS_OK && c.dropped == PRUNE_CHUNK);
	return s;
}

uint64_t ls_replay_count(ls_store *st)
{
	MDB_txn *txn;
	MDB_stat ms;
	if (st->replay_env == NULL || ls_env_read(st->replay_env, &txn, NULL) != LS_OK)
		return 0;
	uint64_t n = mdb_stat(txn, st->replay_seen, &ms) == 0 ? ms.ms_entries : 0;
	mdb_txn_abort(txn);
	return n;
}
