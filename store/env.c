/*
 * env.c — the LMDB environment: open once per process, the named databases
 * from one table, the schema check, the write-transaction runner that grows
 * the map, readers, the epoch-cache bodies, backups and job locks.
 * Every LMDB quirk is handled here and nowhere else (STYLE.md, slmdb.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include <sodium.h>
#include "internal.h"

/* Free space below which a failed write means a full disk. */
#define DISK_LOW (1u << 20)

static const char *const db_names[DB__MAX] = {
	[DB_META] = "meta",       [DB_NEURONS] = "neurons",
	[DB_LEADS] = "leads",     [DB_PENDING] = "pending",
	[DB_DEDUP] = "dedup",     [DB_COUNTERS] = "counters",
	[DB_LOG] = "log",           [DB_LOG_HASHES] = "log_hashes",
	[DB_BUNDLE_ENDS] = "bundle_ends", [DB_BANS] = "bans",
	[DB_CACHE] = "cache",     [DB_MGHIST] = "metagraph_history",
	[DB_EPOCHS] = "epochs",   [DB_ASSIGNED] = "assigned",
	[DB_COMMITS] = "commits", [DB_REVEALS] = "reveals",
	[DB_APPROVED] = "approved", [DB_BUNDLES] = "bundles",
	[DB_CHALLENGES] = "challenges", [DB_SUBMISSIONS] = "submissions",
	[DB_SUBMITTERS] = "submitters", [DB_SCORES] = "scores",
	[DB_LEADERBOARD] = "leaderboard", [DB_PULLS] = "pulls",
	[DB_PULL_DEADLINES] = "pull_deadlines", [DB_FIRST3] = "first3",
	[DB_PULL_MISSES] = "pull_misses",
	[DB_CLIENTS] = "clients", [DB_CLIENT_KEYS] = "client_keys",
	[DB_REQUESTS] = "requests", [DB_OPEN_REQUESTS] = "open_requests",
	[DB_RANKINGS] = "rankings", [DB_REQUEST_LEADS] = "request_leads",
	[DB_REQUEST_RESULTS] = "request_results", [DB_REQUEST_VALIDATORS] = "request_validators",
	[DB_PARTICIPANT_EPOCHS] = "participant_epochs",
};

#define LS_MAX_RETRIES 12

ls_status ls_mdb_status(int rc)
{
	switch (rc) {
	case MDB_SUCCESS: return LS_OK;
	case MDB_NOTFOUND: return LS_NOTFOUND;
	case MDB_MAP_FULL: case ENOSPC: case EDQUOT: return LS_FULL;
	case MDB_READERS_FULL: return LS_UNAVAILABLE;
	default: return LS_ERROR;
	}
}

ls_status ls_mdb_fail(ls_err *err, int rc, const char *what)
{
	ls_status s = ls_mdb_status(rc);
	if (s == LS_FULL)
		return ls_fail(err, LS_FULL, "store_full", NULL,
		               "the store is full; the operator must raise map_max or free disk");
	if (s == LS_UNAVAILABLE) {  /* every slot held by a live reader: a moment passes */
		ls_fail(err, LS_UNAVAILABLE, "store_busy", NULL,
		        "every reader slot of the store is in use (max_readers); try again");
		if (err)
			err->retry_after = 1;
		return LS_UNAVAILABLE;
	}
	fprintf(stderr, "leadgate: store: %s: %s\n", what, mdb_strerror(rc));
	return ls_fail(err, LS_ERROR, "store_error", NULL, "the store failed to %s", what);
}

static uint64_t env_map_size(MDB_env *env)
{
	MDB_envinfo info;
	return ls_env_broken(env) || mdb_env_info(env, &info) != 0 ? 0 : info.me_mapsize;
}

/* An MDB_WRITEMAP environment (the replay store) writes through its map,
 * and LMDB sets the data file's length to the map's size each time it
 * maps it: at open and at every resize.  A file shorter than another
 * process's map leaves that map hanging past its end, and a file longer
 * than its reserved blocks has a hole; a write into either is SIGBUS, not
 * an error.  So such a map is only ever set under DIR/map.lock held
 * exclusive, never below the file's length (which then only grows, and
 * every process's map lies within it), and past it only once
 * posix_fallocate has extended the file with its blocks: LMDB's own
 * ftruncate is then no change, and a full disk is ENOSPC here. */
static bool writemap(MDB_env *env)
{
	unsigned flags = 0;
	return mdb_env_get_flags(env, &flags) == 0 && (flags & MDB_WRITEMAP);
}

static const char *dir_file(char path[LS_PATH_MAX + 16], const char *dir, const char *name)
{
	snprintf(path, LS_PATH_MAX + 16, "%s/%s", dir, name);
	return path;
}

/* DIR/map.lock held exclusive (its descriptor, or -errno), and the length
 * of DIR/data.mdb (0 when there is none yet). */
static int map_lock(const char *dir, uint64_t *len)
{
	char path[LS_PATH_MAX + 16];
	struct stat sb;
	int fd = open(dir_file(path, dir, "map.lock"), O_RDONLY | O_CREAT | O_CLOEXEC, 0640);
	if (fd >= 0 && flock(fd, LOCK_EX) == 0) {
		int found = stat(dir_file(path, dir, "data.mdb"), &sb);
		if (found == 0 || errno == ENOENT) {
			*len = found == 0 ? (uint64_t)sb.st_size : 0;
			return fd;
		}
	}
	int e = errno;
	if (fd >= 0)
		close(fd);
	return -e;
}

/* DIR/data.mdb's blocks from 0 to size (0, or an errno such as ENOSPC). */
static int reserve_file(const char *dir, uint64_t size)
{
	char path[LS_PATH_MAX + 16];
	int fd = open(dir_file(path, dir, "data.mdb"), O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return errno;
	int rc = posix_fallocate(fd, 0, (off_t)size);
	close(fd);
	return rc;
}

int ls_env_open_writemap(MDB_env *env, const char *dir, unsigned flags, uint64_t size)
{
	uint64_t len;
	int lock = map_lock(dir, &len);
	if (lock < 0)
		return -lock;
	uint64_t map = size > len ? size : len;
	int rc = len > 0 ? reserve_file(dir, map) : 0;
	if (rc == 0)
		rc = mdb_env_set_mapsize(env, map);
	if (rc == 0)
		rc = mdb_env_open(env, dir, flags | MDB_WRITEMAP, 0640);
	/* a new file LMDB made as a hole, or a map it rounded up to the pages
	 * in use (a file an older version cut short) */
	if (rc == 0 && (len == 0 || env_map_size(env) > map)) {
		char path[LS_PATH_MAX + 16];
		rc = reserve_file(dir, env_map_size(env));
		if (rc != 0 && len == 0 && truncate(dir_file(path, dir, "data.mdb"), 0) != 0)
			fprintf(stderr, "leadgate: store: %s: %s\n", path, strerror(errno));  /* else made anew next time */
	}
	close(lock);
	return rc;
}

/* An environment whose remap failed: LMDB unmapped the old map first, so
 * it must never be used again (the next transaction would read unmapped
 * meta pages).  Marked through its user context. */
static char env_broken_mark;

bool ls_env_broken(MDB_env *env) { return mdb_env_get_userctx(env) == &env_broken_mark; }

static bool set_mapsize(MDB_env *env, uint64_t size)
{
	if (mdb_env_set_mapsize(env, size) == 0)
		return true;
	fprintf(stderr, "leadgate: store: cannot map %llu bytes; this environment is closed\n",
	        (unsigned long long)size);
	mdb_env_set_userctx(env, &env_broken_mark);
	return false;
}

/* Set env's map to size, or to the file's length if another process has
 * grown it further; false when the disk cannot hold it (the map as it
 * was) or the remap failed (broken). */
static bool set_writemap(MDB_env *env, uint64_t size)
{
	const char *dir;
	uint64_t len;
	if (mdb_env_get_path(env, &dir) != 0)
		return false;
	int lock = map_lock(dir, &len);
	if (lock < 0)
		return false;
	uint64_t map = size > len ? size : len;
	bool ok = reserve_file(dir, map) == 0 && set_mapsize(env, map);
	close(lock);
	return ok;
}

/* Any environment's map to size (0: the size another process grew it to). */
static bool resize_map(MDB_env *env, uint64_t size)
{
	return writemap(env) ? set_writemap(env, size) : set_mapsize(env, size);
}

/* Begin a transaction, handling a map grown by another process and a
 * reader table full of dead processes' slots. */
static int txn_begin(MDB_env *env, unsigned flags, MDB_txn **txn)
{
	int rc = EIO;
	for (int i = 0; i < LS_MAX_RETRIES && !ls_env_broken(env); i++) {
		rc = mdb_txn_begin(env, NULL, flags, txn);
		if (rc == MDB_MAP_RESIZED) {  /* another process grew it: its size */
			resize_map(env, 0);
			continue;
		}
		if (rc == MDB_READERS_FULL) {
			int dead = 0;
			mdb_reader_check(env, &dead);
			if (dead > 0)
				continue;
		}
		break;
	}
	return rc;
}

/* The schema version in the meta database; a new store gets the
 * current one. */
static int schema_read(ls_store *st, MDB_txn *txn, bool create, uint32_t *schema)
{
	MDB_val v;
	int rc = ls_get(st, txn, DB_META, META_SCHEMA, strlen(META_SCHEMA), &v);
	if (rc == MDB_NOTFOUND && create) {
		*schema = LS_SCHEMA_VERSION;
		MDB_val k = {strlen(META_SCHEMA), (void *)META_SCHEMA}, nv = {sizeof *schema, schema};
		return mdb_put(txn, st->dbi[DB_META], &k, &nv, 0);
	}
	if (rc == 0 && v.mv_size != sizeof *schema)
		return MDB_CORRUPTED;
	if (rc == 0)
		memcpy(schema, v.mv_data, sizeof *schema);
	return rc;
}

/* Schema 1 -> 2 adds the epoch pipeline's databases, empty: a store of
 * schema 1 has never assigned an epoch.  2 -> 3 drops "nonces": the replay
 * store moved to an environment of its own (replay.c), and its entries
 * only matter for clock_skew seconds anyway.  3 -> 4 adds the bundles,
 * each epoch closed so far due.  4 -> 5 adds the challenges' databases,
 * empty; 5 -> 6 the first-three mode's, empty. */
/* The secret key of the API keys' hashes (clients.c), made once. */
static int client_pepper_create(ls_store *st, MDB_txn *txn)
{
	uint8_t pepper[32];
	randombytes_buf(pepper, sizeof pepper);
	MDB_val k = {strlen(META_CLIENT_PEPPER), (void *)META_CLIENT_PEPPER},
	        v = {sizeof pepper, pepper};
	int rc = mdb_put(txn, st->dbi[DB_META], &k, &v, MDB_NOOVERWRITE);
	sodium_memzero(pepper, sizeof pepper);
	return rc == MDB_KEYEXIST ? 0 : rc;
}

/* 8 -> 9: the log indexed by entry hash and the bundles by last seq
 * (both backfilled), the bundle records upgraded for uploads. */
static int schema9_migrate(MDB_txn *txn)
{
	MDB_dbi log, hashes, bundles, ends;
	int rc = mdb_dbi_open(txn, db_names[DB_LOG_HASHES], MDB_CREATE, &hashes);
	if (rc == 0)
		rc = mdb_dbi_open(txn, db_names[DB_BUNDLE_ENDS], MDB_CREATE, &ends);
	if (rc == 0)
		rc = mdb_dbi_open(txn, db_names[DB_LOG], MDB_CREATE, &log);
	if (rc == 0)
		rc = mdb_dbi_open(txn, db_names[DB_BUNDLES], MDB_CREATE, &bundles);
	if (rc == 0)
		rc = ls_log_hashes_backfill(txn, log, hashes);
	return rc ? rc : ls_bundles_upgrade(txn, bundles, ends);
}

static int schema_migrate(ls_store *st, MDB_txn *txn, uint32_t *schema)
{
	MDB_dbi dbi;
	for (int i = DB_FIRST_OF_SCHEMA2; i <= DB_LAST_OF_SCHEMA2 && *schema < 2; i++) {
		int rc = mdb_dbi_open(txn, db_names[i], MDB_CREATE, &dbi);
		if (rc)
			return rc;
	}
	if (*schema < 3) {
		int rc = mdb_dbi_open(txn, "nonces", 0, &dbi);
		if (rc == 0)
			rc = mdb_drop(txn, dbi, 1);
		if (rc && rc != MDB_NOTFOUND)
			return rc;
	}
	if (*schema < 4) {
		MDB_dbi log, epochs, bundles;
		int rc = mdb_dbi_open(txn, db_names[DB_LOG], 0, &log);
		if (rc == 0)
			rc = mdb_dbi_open(txn, db_names[DB_EPOCHS], 0, &epochs);
		if (rc == 0)
			rc = mdb_dbi_open(txn, db_names[DB_BUNDLES], MDB_CREATE, &bundles);
		if (rc == 0)
			rc = ls_bundles_backfill(txn, log, epochs, bundles);
		if (rc == MDB_NOTFOUND)  /* no log or no epochs: nothing closed */
			rc = mdb_dbi_open(txn, db_names[DB_BUNDLES], MDB_CREATE, &bundles);
		if (rc)
			return rc;
	}
	for (int i = DB_FIRST_OF_SCHEMA5; i <= DB_LAST_OF_SCHEMA5 && *schema < 5; i++) {
		int rc = mdb_dbi_open(txn, db_names[i], MDB_CREATE, &dbi);
		if (rc)
			return rc;
	}
	for (int i = DB_LAST_OF_SCHEMA5 + 1; i <= DB_LAST_OF_SCHEMA6 && *schema < 6; i++) {
		int rc = mdb_dbi_open(txn, db_names[i], MDB_CREATE, &dbi);
		if (rc)
			return rc;
	}
	for (int i = DB_LAST_OF_SCHEMA6 + 1; i <= DB_LAST_OF_SCHEMA7 && *schema < 7; i++) {
		int rc = mdb_dbi_open(txn, db_names[i], MDB_CREATE, &dbi);
		if (rc)
			return rc;
	}
	if (*schema < 7) {
		int rc = client_pepper_create(st, txn);
		if (rc)
			return rc;
	}
	for (int i = DB_LAST_OF_SCHEMA7 + 1; i <= DB_LAST_OF_SCHEMA8 && *schema < 8; i++) {
		int rc = mdb_dbi_open(txn, db_names[i], MDB_CREATE, &dbi);
		if (rc)
			return rc;
	}
	if (*schema < 9) {
		int rc = schema9_migrate(txn);
		if (rc)
			return rc;
	}
	if (*schema < 10) {  /* 9 -> 10: the bans, none yet */
		int rc = mdb_dbi_open(txn, db_names[DB_BANS], MDB_CREATE, &dbi);
		if (rc)
			return rc;
	}
	*schema = LS_SCHEMA_VERSION;
	MDB_val k = {strlen(META_SCHEMA), (void *)META_SCHEMA}, nv = {sizeof *schema, schema};
	return mdb_put(txn, st->dbi[DB_META], &k, &nv, 0);
}

static ls_status schema_refuse(uint32_t schema, ls_err *err)
{
	if (schema > LS_SCHEMA_VERSION)
		return ls_fail(err, LS_UNAVAILABLE, "schema_newer", NULL,
		               "store schema %u is newer than this build (%u): upgrade leadgate",
		               schema, LS_SCHEMA_VERSION);
	return ls_fail(err, LS_UNAVAILABLE, "schema_older", NULL,
	               "store schema %u is older than this build (%u): run leadgate-admin migrate",
	               schema, LS_SCHEMA_VERSION);
}

/* Open every named database in one transaction, after checking (and with
 * LS_OPEN_MIGRATE, upgrading) the schema version.  *fresh: the store was
 * created just now. */
static ls_status open_dbis(ls_store *st, unsigned flags, bool *fresh, ls_err *err)
{
	bool create = flags & LS_OPEN_CREATE, migrate = flags & LS_OPEN_MIGRATE;
	MDB_txn *txn;
	MDB_val v;
	uint32_t schema = 0;
	int rc = txn_begin(st->env, create || migrate ? 0 : MDB_RDONLY, &txn);
	if (rc)
		return ls_mdb_fail(err, rc, "begin the opening transaction");
	rc = mdb_dbi_open(txn, db_names[DB_META], create ? MDB_CREATE : 0, &st->dbi[DB_META]);
	*fresh = rc == 0 && create &&
	         ls_get(st, txn, DB_META, META_SCHEMA, strlen(META_SCHEMA), &v) == MDB_NOTFOUND;
	if (rc == 0)
		rc = schema_read(st, txn, create, &schema);
	if (rc == 0 && schema < LS_SCHEMA_VERSION && migrate)
		rc = schema_migrate(st, txn, &schema);
	if (rc == 0 && schema != LS_SCHEMA_VERSION) {
		mdb_txn_abort(txn);
		return schema_refuse(schema, err);
	}
	for (int i = 1; rc == 0 && i < DB__MAX; i++)
		rc = mdb_dbi_open(txn, db_names[i], create ? MDB_CREATE : 0, &st->dbi[i]);
	if (rc == 0 && *fresh)
		rc = client_pepper_create(st, txn);
	if (rc) {
		mdb_txn_abort(txn);
		if (rc == MDB_NOTFOUND)
			return ls_fail(err, LS_UNAVAILABLE, "not_initialised", NULL,
			               "store %s is not initialised: run leadgate-admin init",
			               st->cfg.store_dir);
		return ls_mdb_fail(err, rc, "open the databases");
	}
	/* Committing (even read-only) keeps the handles: an abort closes them. */
	rc = mdb_txn_commit(txn);
	if (rc)
		return ls_mdb_fail(err, rc, "initialise the store");
	return LS_OK;
}

ls_status ls_open(ls_store **out, const struct ls_config *cfg, unsigned flags,
                  ls_err *err)
{
	*out = NULL;
	if (sodium_init() < 0)
		return ls_fail(err, LS_ERROR, "crypto_init", NULL, "libsodium failed to initialise");
	ls_store *st = calloc(1, sizeof *st);
	if (st == NULL)
		return ls_fail(err, LS_ERROR, "oom", NULL, "out of memory");
	st->cfg = *cfg;
	st->readonly = flags & LS_OPEN_READONLY;
	st->replay_lock_fd = -1;
	bool create = flags & LS_OPEN_CREATE;
	if (create && mkdir(cfg->store_dir, 0750) != 0 && errno != EEXIST) {
		free(st);
		return ls_fail(err, LS_ERROR, "store_dir", NULL, "cannot create %s: %s",
		               cfg->store_dir, strerror(errno));
	}
	int rc = mdb_env_create(&st->env);
	if (rc == 0)
		rc = mdb_env_set_maxdbs(st->env, DB__MAX);
	if (rc == 0)
		rc = mdb_env_set_maxreaders(st->env, cfg->max_readers);
	if (rc == 0)
		rc = mdb_env_set_mapsize(st->env, cfg->map_size);
	if (rc == 0)
		rc = mdb_env_open(st->env, cfg->store_dir,
		                  (flags & LS_OPEN_READONLY) ? MDB_RDONLY : 0, 0640);
	if (rc) {
		ls_fail(err, rc == ENOENT ? LS_UNAVAILABLE : LS_ERROR, "store_open", NULL,
		        "cannot open store %s: %s%s", cfg->store_dir, mdb_strerror(rc),
		        rc == ENOENT ? " (run leadgate-admin init)" : "");
		if (st->env)
			mdb_env_close(st->env);
		free(st);
		return err ? err->status : LS_ERROR;
	}
	int dead = 0;
	bool fresh = false;
	mdb_reader_check(st->env, &dead);  /* slots of processes killed earlier */
	ls_status s = open_dbis(st, flags, &fresh, err);
	if (s == LS_OK && fresh)  /* its replay store's floor is now, not now + clock_skew */
		s = ls_replay_open(st, true, err);
	if (s != LS_OK) {
		ls_close(st);
		return s;
	}
	*out = st;
	return LS_OK;
}

void ls_close(ls_store *st)
{
	if (st == NULL)
		return;
	ls_replay_close(st);
	ls_meters_detach(st);
	mdb_env_close(st->env);
	free(st);
}

const struct ls_config *ls_store_config(const ls_store *st) { return &st->cfg; }

uint64_t ls_map_size(ls_store *st) { return env_map_size(st->env); }

/* mdb_reader_list's lines: a header (or "(no active readers)"), then one
 * per slot a process holds, starting with its pid */
static int count_reader_line(const char *msg, void *ctx)
{
	while (*msg == ' ')
		msg++;
	if (*msg >= '0' && *msg <= '9')
		(*(unsigned *)ctx)++;
	return 0;
}

void ls_store_usage(ls_store *st, struct ls_store_usage *out)
{
	MDB_envinfo info;
	MDB_stat ms;
	memset(out, 0, sizeof *out);
	if (ls_env_broken(st->env) || mdb_env_info(st->env, &info) != 0 ||
	    mdb_env_stat(st->env, &ms) != 0)
		return;
	out->map_size = info.me_mapsize;
	out->used = (uint64_t)(info.me_last_pgno + 1) * ms.ms_psize;
	out->map_max = st->cfg.map_max;
	out->slots_used = info.me_numreaders;
	out->max_readers = info.me_maxreaders;
	mdb_reader_list(st->env, count_reader_line, &out->readers);
}

/* Double the map, capped at map_max; false when already there or when the
 * disk cannot hold it. */
static bool grow_map(MDB_env *env, uint64_t map_max)
{
	uint64_t cur = env_map_size(env);
	if (ls_env_broken(env) || cur >= map_max)
		return false;
	uint64_t next = cur * 2 > map_max ? map_max : cur * 2;
	if (!resize_map(env, next))
		return false;
	fprintf(stderr, "leadgate: store: map grown to %llu bytes\n",
	        (unsigned long long)env_map_size(env));
	return true;
}

/* LMDB reports a short write as EIO: on a file system with no room left
 * that is a full disk (507 store_full), not a failing one. */
static int commit_error(const ls_store *st, int rc)
{
	struct statvfs fs;
	if (rc == EIO && statvfs(st->cfg.store_dir, &fs) == 0 &&
	    (uint64_t)fs.f_bavail * fs.f_frsize < DISK_LOW)
		return ENOSPC;
	return rc;
}

ls_status ls_env_write(ls_store *st, MDB_env *env, ls_write_fn fn, void *ctx, ls_err *err)
{
	for (int attempt = 0; attempt < LS_MAX_RETRIES; attempt++) {
		struct ls_txn t = {.st = st, .err = err};
		int rc = txn_begin(env, 0, &t.txn);
		if (rc)
			return ls_mdb_fail(err, rc, "begin a write");
		ls_status s = fn(&t, ctx);
		if (s == LS_OK) {
			rc = mdb_txn_commit(t.txn);  /* frees the handle either way */
			if (rc == 0)
				return LS_OK;
			t.mdb_rc = commit_error(st, rc);
		} else {
			mdb_txn_abort(t.txn);
		}
		if (t.mdb_rc == MDB_MAP_FULL && grow_map(env, st->cfg.map_max))
			continue;
		if (t.mdb_rc != 0)
			return ls_mdb_fail(err, t.mdb_rc, "write");
		if (s == LS_ERROR && err && err->status != LS_ERROR)
			ls_fail(err, LS_ERROR, "store_error", NULL, "the store could not complete the write");
		return s;
	}
	return ls_fail(err, LS_ERROR, "store_busy", NULL, "the write kept failing; try again");
}

ls_status ls_write(ls_store *st, ls_write_fn fn, void *ctx, ls_err *err)
{
	return ls_env_write(st, st->env, fn, ctx, err);
}

ls_status ls_env_read(MDB_env *env, MDB_txn **txn, ls_err *err)
{
	int rc = txn_begin(env, MDB_RDONLY, txn);
	return rc ? ls_mdb_fail(err, rc, "begin a read") : LS_OK;
}

int ls_get(ls_store *st, MDB_txn *txn, enum ls_db db, const void *k, size_t kl,
           MDB_val *v)
{
	MDB_val key = {kl, (void *)k};
	return mdb_get(txn, st->dbi[db], &key, v);
}

ls_status lt_fail_mdb(struct ls_txn *t, int rc, const char *what)
{
	if (t->mdb_rc == 0)
		t->mdb_rc = rc;
	return ls_mdb_status(rc) == LS_FULL ? LS_FULL : LS_ERROR;
}

ls_status lt_put(struct ls_txn *t, enum ls_db db, const void *k, size_t kl,
                 const void *v, size_t vl, unsigned flags)
{
	MDB_val key = {kl, (void *)k}, val = {vl, (void *)v};
	int rc = mdb_put(t->txn, t->st->dbi[db], &key, &val, flags);
	return rc ? lt_fail_mdb(t, rc, "put") : LS_OK;
}

ls_status lt_del(struct ls_txn *t, enum ls_db db, const void *k, size_t kl)
{
	MDB_val key = {kl, (void *)k};
	int rc = mdb_del(t->txn, t->st->dbi[db], &key, NULL);
	if (rc == MDB_NOTFOUND)
		return LS_NOTFOUND;
	return rc ? lt_fail_mdb(t, rc, "delete") : LS_OK;
}

ls_status lt_get(struct ls_txn *t, enum ls_db db, const void *k, size_t kl,
                 MDB_val *v)
{
	int rc = ls_get(t->st, t->txn, db, k, kl, v);
	if (rc == MDB_NOTFOUND)
		return LS_NOTFOUND;
	return rc ? lt_fail_mdb(t, rc, "get") : LS_OK;
}

ls_status ls_reader_begin(ls_store *st, ls_reader **out, ls_err *err)
{
	ls_reader *rd = calloc(1, sizeof *rd);
	if (rd == NULL)
		return ls_fail(err, LS_ERROR, "oom", NULL, "out of memory");
	rd->st = st;
	int rc = txn_begin(st->env, MDB_RDONLY, &rd->txn);
	if (rc) {
		free(rd);
		return ls_mdb_fail(err, rc, "begin a read");
	}
	*out = rd;
	return LS_OK;
}

void ls_reader_pause(ls_reader *rd)
{
	mdb_txn_reset(rd->txn);
}

ls_status ls_reader_resume(ls_reader *rd, ls_err *err)
{
	if (!ls_env_broken(rd->st->env) && mdb_txn_renew(rd->txn) == 0)
		return LS_OK;
	/* e.g. the map grew meanwhile: a new transaction handles that */
	mdb_txn_abort(rd->txn);
	int rc = txn_begin(rd->st->env, MDB_RDONLY, &rd->txn);
	if (rc == 0)
		return LS_OK;
	rd->txn = NULL;
	return ls_mdb_fail(err, rc, "begin a read");
}

void ls_reader_end(ls_reader *rd)
{
	if (rd == NULL)
		return;
	if (rd->txn)
		mdb_txn_abort(rd->txn);
	free(rd);
}

/* Cache values: fmt ‖ etag[16] ‖ body. */
ls_status ls_cache_put(struct ls_txn *t, const char *name, const void *body,
                       size_t len)
{
	uint8_t digest[32];
	char hex[65];
	crypto_hash_sha256(digest, body, len);
	ls_hex(digest, 32, hex);
	MDB_val key = {strlen(name), (void *)name}, val = {1 + 16 + len, NULL};
	int rc = mdb_put(t->txn, t->st->dbi[DB_CACHE], &key, &val, MDB_RESERVE);
	if (rc)
		return lt_fail_mdb(t, rc, "cache");
	uint8_t *p = val.mv_data;
	p[0] = LS_FMT1;
	memcpy(p + 1, hex, 16);
	memcpy(p + 17, body, len);
	return LS_OK;
}

ls_status ls_cache_get(ls_reader *rd, const char *name, struct ls_body *out)
{
	MDB_val v;
	int rc = ls_get(rd->st, rd->txn, DB_CACHE, name, strlen(name), &v);
	if (rc)
		return ls_mdb_status(rc);
	if (v.mv_size < 17 || ((uint8_t *)v.mv_data)[0] != LS_FMT1)
		return LS_ERROR;
	memcpy(out->etag, (uint8_t *)v.mv_data + 1, 16);
	out->etag[16] = '\0';
	out->data = (uint8_t *)v.mv_data + 17;
	out->len = v.mv_size - 17;
	return LS_OK;
}

ls_status ls_backup(ls_store *st, const char *dir, ls_err *err)
{
	int rc = ls_env_broken(st->env) ? EIO : mdb_env_copy2(st->env, dir, MDB_CP_COMPACT);
	if (rc)
		return ls_fail(err, LS_ERROR, "backup", NULL, "backup to %s failed: %s", dir,
		               mdb_strerror(rc));
	return LS_OK;
}

const char *const ls_job_names[LS_JOBS] = {"sync", "prefetch", "close", "bundle", "upload", "prune"};

static void lock_path(const ls_store *st, const char *name, char *path, size_t size)
{
	snprintf(path, size, "%s/%s.lock", st->cfg.store_dir, name);
}

/* The lock file: "LAST SECONDS\n" (when the last complete run ended and
 * how long it took, for healthz and metrics; files of older builds have
 * no SECONDS), then while a copy runs "running since T pid P\n".  A copy
 * killed -9 leaves its second line; the flock, not the line, says whether
 * one runs. */
struct lock_last {
	int64_t at;
	double seconds;  /* -1: not known */
};
static void lock_file_read(int fd, struct lock_last *last, struct ls_lock_holder *holder)
{
	char text[160] = "";
	ssize_t n = pread(fd, text, sizeof text - 1, 0);
	text[n > 0 ? n : 0] = '\0';
	long long t = 0, since = 0;
	long pid = 0;
	double secs = -1;
	int got = sscanf(text, "%lld %lf", &t, &secs);
	if (got < 1 || t < 0)
		t = 0;
	if (got < 2 || !(secs >= 0 && secs < 1e9))  /* also NaN */
		secs = -1;
	last->at = t;
	last->seconds = secs;
	const char *running = strstr(text, "\nrunning since ");
	if (holder && running && sscanf(running, "\nrunning since %lld pid %ld", &since, &pid) == 2) {
		holder->since = since;
		holder->pid = pid;
	}
}

static void lock_file_write(int fd, const struct lock_last *last,
                            const struct ls_lock_holder *holder)
{
	char line[160];
	int n = snprintf(line, sizeof line, "%lld", (long long)last->at);
	if (last->seconds >= 0)
		n += snprintf(line + n, sizeof line - (size_t)n, " %.6f", last->seconds);
	n += snprintf(line + n, sizeof line - (size_t)n, "\n");
	if (holder)
		n += snprintf(line + n, sizeof line - (size_t)n, "running since %lld pid %ld\n",
		              (long long)holder->since, holder->pid);
	/* a failure here only hides a run from healthz or a stuck copy from
	 * the next; the job's work is not affected */
	if (pwrite(fd, line, (size_t)n, 0) != n || ftruncate(fd, n) != 0)
		fprintf(stderr, "leadgate: cannot write the job's lock file: %s\n", strerror(errno));
}

ls_status ls_job_lock(ls_store *st, const char *name, int64_t now, int *fd,
                      struct ls_lock_holder *holder, ls_err *err)
{
	char path[LS_PATH_MAX + 64];
	struct lock_last last;
	lock_path(st, name, path, sizeof path);
	memset(holder, 0, sizeof *holder);
	int f = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
	if (f < 0)
		return ls_fail(err, LS_ERROR, "lock", NULL, "cannot open %s: %s", path,
		               strerror(errno));
	if (flock(f, LOCK_EX | LOCK_NB) != 0) {
		lock_file_read(f, &last, holder);
		close(f);
		return ls_fail(err, LS_CONFLICT, "locked", NULL, "another %s is running (lock %s)",
		               name, path);
	}
	lock_file_read(f, &last, NULL);
	struct ls_lock_holder me = {now, (long)getpid()};
	lock_file_write(f, &last, &me);
	/* for tests: a copy that hangs while it holds the lock */
	for (int i = 0; i < 1200 && ls_fault(st, "job_lock_hold", NULL); i++)
		usleep(50 * 1000);
	*fd = f;
	return LS_OK;
}

void ls_job_succeeded(int fd, int64_t now, double seconds)
{
	struct lock_last last = {now, seconds >= 0 ? seconds : 0};
	if (fd >= 0)
		lock_file_write(fd, &last, NULL);
}

int64_t ls_job_last_run(const ls_store *st, const char *name, double *seconds)
{
	char path[LS_PATH_MAX + 64];
	struct lock_last last = {0, -1};
	lock_path(st, name, path, sizeof path);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		lock_file_read(fd, &last, NULL);
		close(fd);
	}
	if (seconds)
		*seconds = last.seconds;
	return last.at;
}

void ls_job_unlock(int fd)
{
	struct lock_last last;
	if (fd < 0)
		return;
	lock_file_read(fd, &last, NULL);
	lock_file_write(fd, &last, NULL);  /* no copy runs any more */
	close(fd);  /* closing drops the flock */
}

static uint64_t db_entries(ls_reader *rd, enum ls_db db)
{
	MDB_stat ms;
	if (mdb_stat(rd->txn, rd->st->dbi[db], &ms) != 0)
		return 0;
	return ms.ms_entries;
}

ls_status ls_stats_get(ls_reader *rd, struct ls_stats *out)
{
	out->leads = db_entries(rd, DB_LEADS);
	out->pending = db_entries(rd, DB_PENDING);
	out->neurons = db_entries(rd, DB_NEURONS);
	out->log_entries = db_entries(rd, DB_LOG);
	out->nonces = ls_replay_count(rd->st);
	return LS_OK;
}

int64_t ls_last_sync(ls_reader *rd)
{
	MDB_val v;
	int64_t t = 0;
	if (ls_get(rd->st, rd->txn, DB_META, META_LAST_SYNC, strlen(META_LAST_SYNC), &v) == 0 &&
	    v.mv_size == sizeof t)
		memcpy(&t, v.mv_data, sizeof t);
	return t;
}
