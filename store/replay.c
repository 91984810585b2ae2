/*
 * replay.c — the replay store of SPEC §3: a (keyid, nonce) pair is
 * accepted once within the clock_skew window.
 *
 * It lives in an LMDB environment of its own, store_dir/replay, opened
 * with MDB_WRITEMAP | MDB_NOSYNC: recording a nonce is neither a disk
 * flush nor a system call, so a signed read does not wait for the disk (a
 * synced commit per request held signed reads to a third of their budget,
 * a write per page cost a tenth; see bench/).  The map's blocks are
 * reserved on disk (ls_env_open_writemap), so a full disk is an error, not a
 * SIGBUS.  Its write lock is its own too, so jobs writing the main store
 * never hold up a signed read.
 *
 * A killed process leaves LMDB consistent in any mode; only a system crash
 * can tear unsynced pages.  So the replay store is never trusted across a
 * reboot: replay/boot names the boot that made it, and when a new boot
 * finds it, it is deleted and made anew, and signatures created before
 * the floor (the moment it was remade plus clock_skew, since a lost entry
 * may have carried a created up to clock_skew ahead) are refused.  Every
 * process that uses it holds store_dir/replay.lock shared, and it is only
 * ever remade under that lock held exclusive, so nothing in use is
 * discarded.  It is opened on first use: jobs that never check a
 * signature never touch it, and a failure here fails signed requests only.
 *
 * Databases: "seen", sha256(hotkey ‖ nonce) -> be64 created, answers "was
 * this pair used?"; "expiry", be64 created ‖ sha256 -> fmt, keeps them in
 * the order they expire, so expired pairs are a range at the front and
 * every new pair drops a few of them.  A pair expires at created plus the
 * clock_skew in force when it is read, after which the gateway refuses
 * that signature anyway; keeping created rather than the expiry means
 * raising clock_skew opens no replay window.  (Stores written before kept
 * the expiry in the same place: read as a created it is later, so such a
 * pair is only kept longer.)  "meta", "clock" -> the
 * latest time any write went by, so that time never runs backwards here.
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

#define PAIR 32               /* sha256(hotkey ‖ nonce) */
#define EXPIRY_KEY (8 + PAIR)
#define DROP_PER_WRITE 4      /* expired pairs each new one removes */
#define PRUNE_CHUNK 10000     /* pairs one prune transaction removes */

/* The kernel's id of this boot; without /proc/sys, the boot time from
 * /proc/stat.  false when neither can be read. */
static bool boot_id(char out[64])
{
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");
	bool ok = f && fgets(out, 64, f);
	if (f)
		fclose(f);
	if (ok) {
		out[strcspn(out, "\r\n ")] = '\0';
		return out[0] != '\0';
	}
	char line[128];
	unsigned long long btime;
	f = fopen("/proc/stat", "r");
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "btime %llu", &btime) == 1) {
			snprintf(out, 64, "btime-%llu", btime);
			ok = true;
			break;
		}
	if (f)
		fclose(f);
	return ok;
}

/* replay/boot: "<boot id> <floor>\n". */
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

/* Give path the owner (when root), group and mode of like, so that every
 * user the operator lets at the main store can use the replay store too,
 * whichever of them happened to make it after a reboot. */
static void take_after(const char *path, const struct stat *like)
{
	uid_t uid = geteuid() == 0 ? like->st_uid : (uid_t)-1;
	if ((chown(path, uid, like->st_gid) != 0 && errno != EPERM) ||
	    chmod(path, like->st_mode & 07777) != 0)
		fprintf(stderr, "leadgate: %s: cannot match the store's owner and mode: %s\n", path,
		        strerror(errno));
}

/* The replay directory takes after store_dir, its files after data.mdb. */
static void match_main_store(const ls_store *st, const char *dir)
{
	static const char *const files[] = {"/data.mdb", "/lock.mdb", "/map.lock", "/boot"};
	struct stat sd, sf;
	char path[LS_PATH_MAX + 40];
	snprintf(path, sizeof path, "%s/data.mdb", st->cfg.store_dir);
	if (stat(st->cfg.store_dir, &sd) != 0 || stat(path, &sf) != 0)
		return;
	take_after(dir, &sd);
	for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
		snprintf(path, sizeof path, "%s%s", dir, files[i]);
		take_after(path, &sf);
	}
	snprintf(path, sizeof path, "%s/replay.lock", st->cfg.store_dir);
	take_after(path, &sf);
}

/* replay/map.lock (env.c), made the first time with the main store's
 * owner and mode whichever user opens the replay store first: made under
 * a name of this process's, then linked into place, so that no other
 * process ever finds it with the wrong owner. */
static void make_map_lock(const ls_store *st, const char *dir)
{
	char lock[LS_PATH_MAX + 40], mine[LS_PATH_MAX + 64];
	struct stat like;
	snprintf(lock, sizeof lock, "%s/map.lock", dir);
	if (access(lock, F_OK) == 0)
		return;
	snprintf(mine, sizeof mine, "%s/map.lock.%ld", dir, (long)getpid());
	int fd = open(mine, O_RDONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0)
		return;  /* env.c makes it as it can and says why it cannot */
	close(fd);
	snprintf(lock, sizeof lock, "%s/data.mdb", st->cfg.store_dir);
	if (stat(lock, &like) == 0)
		take_after(mine, &like);
	snprintf(lock, sizeof lock, "%s/map.lock", dir);
	if (link(mine, lock) != 0 && errno != EEXIST)
		fprintf(stderr, "leadgate: %s: %s\n", lock, strerror(errno));
	unlink(mine);
}

static ls_status env_open(ls_store *st, const char *dir, ls_err *err)
{
	MDB_txn *txn;
	make_map_lock(st, dir);
	int rc = mdb_env_create(&st->replay_env);
	if (rc == 0)
		rc = mdb_env_set_maxdbs(st->replay_env, 3);
	if (rc == 0)
		rc = mdb_env_set_maxreaders(st->replay_env, st->cfg.max_readers);
	if (rc == 0)
		rc = ls_env_open_writemap(st->replay_env, dir, MDB_NOSYNC, st->cfg.map_size);
	if (rc == 0) {
		int dead = 0;
		mdb_reader_check(st->replay_env, &dead);
		rc = mdb_txn_begin(st->replay_env, NULL, 0, &txn);
	}
	if (rc == 0) {
		rc = mdb_dbi_open(txn, "seen", MDB_CREATE, &st->replay_seen);
		if (rc == 0)
			rc = mdb_dbi_open(txn, "expiry", MDB_CREATE, &st->replay_expiry);
		if (rc == 0)
			rc = mdb_dbi_open(txn, "meta", MDB_CREATE, &st->replay_meta);
		if (rc == 0)
			rc = mdb_txn_commit(txn);
		else
			mdb_txn_abort(txn);
	}
	if (rc && st->replay_env) {
		mdb_env_close(st->replay_env);
		st->replay_env = NULL;
	}
	return rc ? ls_mdb_fail(err, rc, "open the replay store") : LS_OK;
}

/* With replay.lock held exclusive: nobody uses the replay store, so one a
 * previous boot left (or none at all) is made anew here. */
static ls_status remake_if_stale(ls_store *st, const char *dir, const char *boot, bool fresh,
                                 ls_err *err)
{
	char marker[LS_PATH_MAX + 24], path[LS_PATH_MAX + 32];
	snprintf(marker, sizeof marker, "%s/boot", dir);
	if (marker_read(marker, boot, &st->replay_floor))
		return env_open(st, dir, err);
	snprintf(path, sizeof path, "%s/data.mdb", dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/lock.mdb", dir);
	unlink(path);
	/* a new store has accepted nothing; otherwise the lost pairs may carry
	 * a created up to clock_skew ahead of now */
	st->replay_floor = ls_now(&st->cfg) + (fresh ? 0 : st->cfg.clock_skew);
	ls_status s = env_open(st, dir, err);
	if (s == LS_OK && (mdb_env_sync(st->replay_env, 1) != 0 ||
	                   !marker_write(marker, boot, st->replay_floor)))
		s = ls_fail(err, LS_ERROR, "store_dir", NULL, "cannot write %s: %s", marker,
		            strerror(errno));
	match_main_store(st, dir);
	return s;
}

ls_status ls_replay_open(ls_store *st, bool fresh, ls_err *err)
{
	char dir[LS_PATH_MAX + 16], lock[LS_PATH_MAX + 24], boot[64], marker[LS_PATH_MAX + 24];
	if (st->replay_env && ls_env_broken(st->replay_env))  /* a remap failed: open it anew */
		ls_replay_close(st);
	if (st->replay_env)
		return LS_OK;
	if (st->readonly)
		return ls_fail(err, LS_ERROR, "store_error", NULL, "a read-only store records no nonces");
	if (!boot_id(boot))
		return ls_fail(err, LS_ERROR, "store_error", NULL,
		               "cannot tell this boot from the last (no /proc/sys/kernel/random/boot_id "
		               "or /proc/stat): the replay store needs /proc");
	snprintf(dir, sizeof dir, "%s/replay", st->cfg.store_dir);
	snprintf(lock, sizeof lock, "%s/replay.lock", st->cfg.store_dir);
	if (mkdir(dir, 0750) != 0 && errno != EEXIST)
		return ls_fail(err, LS_ERROR, "store_dir", NULL, "cannot create %s: %s", dir,
		               strerror(errno));
	int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0)
		return ls_fail(err, LS_ERROR, "lock", NULL, "cannot open %s: %s", lock, strerror(errno));
	ls_status s;
	if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
		s = remake_if_stale(st, dir, boot, fresh, err);
	} else if (flock(fd, LOCK_SH) == 0) {  /* in use in this boot: as it is */
		snprintf(marker, sizeof marker, "%s/boot", dir);
		s = marker_read(marker, boot, &st->replay_floor)
		        ? env_open(st, dir, err)
		        : ls_fail(err, LS_ERROR, "store_error", NULL,
		                  "%s is in use but does not name this boot", marker);
	} else {
		s = ls_fail(err, LS_ERROR, "lock", NULL, "cannot lock %s: %s", lock, strerror(errno));
	}
	if (s == LS_OK && flock(fd, LOCK_SH) == 0) {  /* held while this process uses it */
		st->replay_lock_fd = fd;
		return LS_OK;
	}
	if (s == LS_OK)
		s = ls_fail(err, LS_ERROR, "lock", NULL, "cannot lock %s: %s", lock, strerror(errno));
	ls_replay_close(st);
	close(fd);
	return s;
}

void ls_replay_close(ls_store *st)
{
	if (st->replay_env)
		mdb_env_close(st->replay_env);
	st->replay_env = NULL;
	if (st->replay_lock_fd >= 0)
		close(st->replay_lock_fd);  /* drops the shared flock */
	st->replay_lock_fd = -1;
}

/* Whether a pair whose signature was created at created is past
 * replaying: its created is out of the clock_skew in force now, so any
 * signature with it is refused as stale whatever the skew was when it
 * was recorded (raising clock_skew opens no window). */
static bool pair_expired(const struct ls_txn *t, uint64_t created, int64_t now)
{
	return (int64_t)created + (int64_t)t->st->cfg.clock_skew < now;
}

/* Delete up to max pairs that expired before now, oldest first. */
static ls_status drop_expired(struct ls_txn *t, int64_t now, uint64_t max, uint64_t *dropped)
{
	MDB_cursor *cur;
	MDB_val k, v;
	*dropped = 0;
	int rc = mdb_cursor_open(t->txn, t->st->replay_expiry, &cur);
	if (rc)
		return lt_fail_mdb(t, rc, "open the replay store");
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && *dropped < max;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != EXPIRY_KEY || !pair_expired(t, ls_from_be64(k.mv_data), now))
			break;
		MDB_val pair = {PAIR, (uint8_t *)k.mv_data + 8}, seen;
		/* the pair itself, unless a later use of it holds it now */
		if (mdb_get(t->txn, t->st->replay_seen, &pair, &seen) == 0 && seen.mv_size == 8 &&
		    memcmp(seen.mv_data, k.mv_data, 8) == 0)
			rc = mdb_del(t->txn, t->st->replay_seen, &pair, NULL);
		if (rc == 0)
			rc = mdb_cursor_del(cur, 0);
		if (rc)
			break;
		(*dropped)++;
	}
	mdb_cursor_close(cur);
	return rc == 0 || rc == MDB_NOTFOUND ? LS_OK : lt_fail_mdb(t, rc, "prune the replay store");
}

struct replay_put {
	uint8_t key[EXPIRY_KEY];  /* be64 created ‖ pair */
	int64_t created, now;
};

/* The time of this write: the latest of the caller's now, the store's
 * clock (ls_now), and
 * every earlier write's.  Read under the write lock, it only moves
 * forward: once a pair was dropped as expired, no process can take its
 * signature as fresh again, however long ago its own request began and
 * even if the system clock steps back. */
static ls_status write_time(struct ls_txn *t, int64_t now, int64_t *out)
{
	MDB_val k = {5, "clock"}, v;
	uint8_t be[8];
	int64_t wall = ls_now(&t->st->cfg);
	*out = now > wall ? now : wall;
	int rc = mdb_get(t->txn, t->st->replay_meta, &k, &v);
	if (rc == 0 && v.mv_size == 8 && (int64_t)ls_from_be64(v.mv_data) > *out)
		*out = (int64_t)ls_from_be64(v.mv_data);
	else if (rc && rc != MDB_NOTFOUND)
		return lt_fail_mdb(t, rc, "read the replay store's clock");
	ls_be64((uint64_t)*out, be);
	MDB_val nv = {8, be};
	rc = mdb_put(t->txn, t->st->replay_meta, &k, &nv, 0);
	return rc ? lt_fail_mdb(t, rc, "write the replay store's clock") : LS_OK;
}

static ls_status replay_put(struct ls_txn *t, void *vctx)
{
	struct replay_put *c = vctx;
	int64_t now;
	ls_status s = write_time(t, c->now, &now);
	if (s != LS_OK)
		return s;
	uint8_t fmt = LS_FMT1;
	uint64_t dropped;
	MDB_val pair = {PAIR, c->key + 8}, seen, exp_key = {EXPIRY_KEY, c->key}, exp_val = {1, &fmt};
	MDB_val created = {8, c->key};
	if (pair_expired(t, (uint64_t)c->created, now))
		return ls_fail(t->err, LS_UNAUTHORIZED, "stale_signature", "Signature-Input",
		               "created is more than %u s in the past", t->st->cfg.clock_skew);
	int rc = mdb_get(t->txn, t->st->replay_seen, &pair, &seen);
	if (rc == 0 && seen.mv_size == 8 && !pair_expired(t, ls_from_be64(seen.mv_data), now))
		return ls_fail(t->err, LS_UNAUTHORIZED, "replayed_nonce", "Signature-Input",
		               "this nonce was already used by this key");
	if (rc && rc != MDB_NOTFOUND)
		return lt_fail_mdb(t, rc, "read the replay store");
	rc = mdb_put(t->txn, t->st->replay_seen, &pair, &created, 0);
	if (rc == 0)
		rc = mdb_put(t->txn, t->st->replay_expiry, &exp_key, &exp_val, 0);
	if (rc)
		return lt_fail_mdb(t, rc, "record a nonce");
	return drop_expired(t, now, DROP_PER_WRITE, &dropped);
}

ls_status ls_replay_record(ls_store *st, const uint8_t hotkey[32], const char *nonce,
                           int64_t created, int64_t now, ls_err *err)
{
	struct replay_put c = {.created = created, .now = now};
	ls_status s = ls_replay_open(st, false, err);
	if (s != LS_OK)
		return s;
	if (created < st->replay_floor)
		return ls_fail(err, LS_UNAUTHORIZED, "stale_signature", "Signature-Input",
		               "the signature was created before the gateway's replay store was remade "
		               "after a reboot (signatures created from %lld on are accepted): sign again",
		               (long long)st->replay_floor);
	ls_be64((uint64_t)created, c.key);
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
	int64_t now;
	ls_status s = write_time(t, c->now, &now);
	return s == LS_OK ? drop_expired(t, now, PRUNE_CHUNK, &c->dropped) : s;
}

ls_status ls_nonces_prune(ls_store *st, int64_t now, uint64_t *removed, ls_err *err)
{
	struct replay_prune c = {.now = now};
	*removed = 0;
	ls_status s = ls_replay_open(st, false, err);
	while (s == LS_OK) {
		s = ls_env_write(st, st->replay_env, replay_prune_chunk, &c, err);
		*removed += c.dropped;
		if (c.dropped < PRUNE_CHUNK)
			break;
	}
	return s;
}

uint64_t ls_replay_count(ls_store *st)
{
	MDB_txn *txn;
	MDB_stat ms;
	if (st->readonly || ls_replay_open(st, false, NULL) != LS_OK ||
	    ls_env_read(st->replay_env, &txn, NULL) != LS_OK)
		return 0;
	uint64_t n = mdb_stat(txn, st->replay_seen, &ms) == 0 ? ms.ms_entries : 0;
	mdb_txn_abort(txn);
	return n;
}
