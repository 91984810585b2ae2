/*
 * internal.h — what the store's own files share: the LMDB handles, the
 * write-transaction runner and typed key/value helpers.  Not installed and
 * not included outside store/.
 */
#ifndef LEADSTORE_INTERNAL_H
#define LEADSTORE_INTERNAL_H

#include <lmdb.h>
#include "leadstore.h"

/* Every value starts with this format byte (SPEC §4). */
#define LS_FMT1 1

/* The named databases, opened once from one table (env.c). */
enum ls_db {
	DB_META,      /* string key -> value; schema, anchor, log head */
	DB_NEURONS,   /* hotkey[32] -> struct neuron_rec */
	DB_LEADS,     /* lead_id[16] -> struct lead_rec ‖ canonical lead JSON */
	DB_PENDING,   /* lead_id[16] -> fmt; the queue, oldest first */
	DB_DEDUP,     /* kind ‖ sha256 -> lead_id[16] */
	DB_COUNTERS,  /* miner[32] ‖ kind ‖ be64 -> struct counter_rec */
	DB_NONCES,    /* sha256(keyid ‖ nonce) -> fmt ‖ expiry */
	DB_LOG,       /* be64 seq -> fmt ‖ hash[32] ‖ canonical entry */
	DB_CACHE,     /* name -> fmt ‖ etag[16] ‖ body */
	DB__MAX
};

struct ls_store {
	MDB_env *env;
	MDB_dbi dbi[DB__MAX];
	struct ls_config cfg;
};

struct ls_reader {
	ls_store *st;
	MDB_txn *txn;
};

/* A write transaction in progress.  The first LMDB failure sticks in
 * mdb_rc so that the runner can tell "map full, grow and retry" from a
 * rule that said no. */
struct ls_txn {
	ls_store *st;
	MDB_txn *txn;
	int mdb_rc;
	ls_err *err;
};

/* The body of one write transaction.  It may run more than once (after the
 * map grows), so it must not change anything outside the transaction
 * except its output, which it must fully rewrite. */
typedef ls_status (*ls_write_fn)(struct ls_txn *t, void *ctx);

/* Run fn in a write transaction and commit it.  On MDB_MAP_FULL the map is
 * doubled (up to map_max) and fn runs again; beyond map_max, or on ENOSPC,
 * the answer is LS_FULL.  Any status other than LS_OK from fn aborts. */
ls_status ls_write(ls_store *st, ls_write_fn fn, void *ctx, ls_err *err);

/* Typed access within a write transaction; failures record mdb_rc and
 * return LS_FULL or LS_ERROR. */
ls_status lt_put(struct ls_txn *t, enum ls_db db, const void *k, size_t kl,
                 const void *v, size_t vl, unsigned flags);
ls_status lt_del(struct ls_txn *t, enum ls_db db, const void *k, size_t kl);
/* LS_OK with *v borrowed, LS_NOTFOUND, or LS_ERROR. */
ls_status lt_get(struct ls_txn *t, enum ls_db db, const void *k, size_t kl,
                 MDB_val *v);
ls_status lt_fail_mdb(struct ls_txn *t, int rc, const char *what);

/* Reads that work in either kind of transaction. */
int ls_get(ls_store *st, MDB_txn *txn, enum ls_db db, const void *k, size_t kl,
           MDB_val *v);
ls_status ls_mdb_status(int rc);

/* The meta database's keys. */
#define META_SCHEMA "schema"
#define META_ANCHOR "anchor"
#define META_LOG_HEAD "log_head"
#define META_SNAPSHOT "snapshot_hash"
#define META_LAST_SYNC "last_sync"

/* Append one entry to the transparency log in t (SPEC §7).  payload is
 * borrowed; it must hold hashes, never private lead contents. */
ls_status ls_log_append(struct ls_txn *t, uint64_t epoch, const char *type,
                        json_t *payload, uint64_t *seq);

/* Store a ready-to-send body under name, with its strong ETag. */
ls_status ls_cache_put(struct ls_txn *t, const char *name, const void *body,
                       size_t len);

/* Big-endian fixed-width integers for keys that must sort. */
void ls_be64(uint64_t v, uint8_t out[8]);
uint64_t ls_from_be64(const uint8_t in[8]);

/* The current clock from the anchor in txn; LS_UNAVAILABLE without one. */
ls_status ls_clock_now(ls_store *st, MDB_txn *txn, int64_t now,
                       struct ls_clock *out);

/* Neuron records: fmt ‖ uid u16 ‖ stake f64 ‖ trust f64 ‖ permit ‖ active. */
#define NEURON_REC_LEN 21
void ls_neuron_decode(const MDB_val *v, const uint8_t hotkey[32], struct ls_neuron *out);

#endif
