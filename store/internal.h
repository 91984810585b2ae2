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
#define LS_FMT2 2

/* The named databases, opened once from one table (env.c). */
enum ls_db {
	DB_META,      /* string key -> value; schema, anchor, log head */
	DB_NEURONS,   /* hotkey[32] -> struct neuron_rec */
	DB_LEADS,     /* lead_id[16] -> struct lead_rec ‖ canonical lead JSON */
	DB_PENDING,   /* lead_id[16] -> fmt; the queue, oldest first */
	DB_DEDUP,     /* kind ‖ sha256 -> lead_id[16] */
	DB_COUNTERS,  /* miner[32] ‖ kind ‖ be64 -> struct counter_rec */
	DB_LOG,       /* be64 seq -> fmt ‖ hash[32] ‖ canonical entry */
	DB_CACHE,     /* name -> fmt ‖ etag[16] ‖ body */
	/* schema 2: the epoch pipeline */
	DB_MGHIST,    /* be64 block -> packed metagraph in force from that block */
	DB_EPOCHS,    /* be64 epoch -> struct epoch_rec */
	DB_ASSIGNED,  /* be64 epoch ‖ lead_id[16] -> fmt */
	DB_COMMITS,   /* be64 epoch ‖ hotkey[32] -> commit record (votes.c) */
	DB_REVEALS,   /* be64 epoch ‖ hotkey[32] -> reveal record (votes.c) */
	DB_APPROVED,  /* lead_id[16] -> fmt ‖ be64 epoch ‖ score_e4 u32 */
	/* schema 4: transparency-log bundles */
	DB_BUNDLES,   /* be64 epoch -> struct bundle_rec (bundle.c) */
	/* schema 5: challenges and the leaderboard (challenges.c) */
	DB_CHALLENGES,  /* id -> struct challenge_rec ‖ canonical public JSON */
	DB_SUBMISSIONS, /* id ‖ 0 ‖ submission_id[16] -> struct submission_rec ‖ body */
	DB_SUBMITTERS,  /* id ‖ 0 ‖ miner[32] -> fmt ‖ submission_id[16] */
	DB_SCORES,      /* submission_id[16] ‖ validator[32] -> fmt ‖ be64 cursor */
	DB_LEADERBOARD, /* be64 cursor -> fmt ‖ canonical result JSON */
	/* schema 6: the first-three-validators mode (queue.c) */
	DB_PULLS,       /* lead_id[16] -> struct pull_rec: its pulls and votes so far */
	DB_PULL_DEADLINES, /* be64 deadline ‖ lead_id[16] ‖ hotkey[32] -> fmt */
	DB_FIRST3,      /* be64 epoch ‖ lead_id[16] -> struct first3_rec, decided in epoch */
	DB_PULL_MISSES, /* be64 epoch ‖ hotkey[32] -> fmt ‖ u32 pulls expired unvoted */
	/* schema 7: clients and their lead requests (clients.c, requests.c) */
	DB_CLIENTS,     /* name -> struct client_rec */
	DB_CLIENT_KEYS, /* keyed hash of the API key [16] -> name */
	DB_REQUESTS,    /* request_id[16] -> struct request_rec ‖ business_desc */
	DB_OPEN_REQUESTS, /* request_id[16] -> fmt: not yet completed or expired */
	DB_RANKINGS,    /* request_id[16] ‖ validator[32] -> struct ranking_rec ‖ items */
	DB_REQUEST_LEADS, /* request_id[16] ‖ content_hash[32] -> a proposed lead's
	                   * canonical JSON */
	DB_REQUEST_RESULTS, /* request_id[16] -> fmt ‖ the completed answer's JSON */
	DB_REQUEST_VALIDATORS, /* request_id[16] ‖ hotkey[32] -> fmt: the validators
	                        * active when it was made, who may rank it */
	/* schema 8 */
	DB_PARTICIPANT_EPOCHS, /* hotkey[32] ‖ be64 epoch -> struct part_rec (participants.c) */
	/* schema 9: entry lookups and Arweave uploads */
	DB_LOG_HASHES,  /* entry hash[32] -> fmt ‖ be64 seq (log.c) */
	DB_BUNDLE_ENDS, /* be64 last_seq -> fmt ‖ be64 epoch: which bundle holds a seq */
	/* schema 10 */
	DB_BANS,        /* hotkey[32] -> struct ban_rec (bans.c) */
	DB__MAX
};
#define DB_FIRST_OF_SCHEMA2 DB_MGHIST
#define DB_LAST_OF_SCHEMA2 DB_APPROVED
#define DB_FIRST_OF_SCHEMA5 DB_CHALLENGES
#define DB_LAST_OF_SCHEMA5 DB_LEADERBOARD
#define DB_LAST_OF_SCHEMA6 DB_PULL_MISSES
#define DB_LAST_OF_SCHEMA7 DB_REQUEST_VALIDATORS
#define DB_LAST_OF_SCHEMA8 DB_PARTICIPANT_EPOCHS

struct ls_store {
	MDB_env *env;
	MDB_dbi dbi[DB__MAX];
	struct ls_config cfg;
	bool readonly;         /* opened with LS_OPEN_READONLY */
	/* the replay store (replay.c): an environment of its own, opened on
	 * first use */
	MDB_env *replay_env;
	MDB_dbi replay_seen, replay_expiry, replay_meta;
	int replay_lock_fd;    /* store_dir/replay.lock, held shared while open */
	int64_t replay_floor;  /* signatures created before this are refused */
	struct ls_meters_file *meters;  /* meters.c; NULL until attached */
};
void ls_meters_detach(ls_store *st);
/* The newest epoch whose record is past "assigned" (closed or pruned), 0
 * for none (epochs.c). */
uint64_t ls_last_closed_epoch(ls_store *st, MDB_txn *txn);

struct ls_reader {
	ls_store *st;
	MDB_txn *txn;
};
/* Let go of a reader's snapshot (its borrowed bytes die) so that this
 * thread may write, and take a new one after: what a reader that
 * rebuilds a cached body does. */
void ls_reader_pause(ls_reader *rd);
ls_status ls_reader_resume(ls_reader *rd, ls_err *err);

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
/* The same in another environment of the store (the replay store). */
ls_status ls_env_write(ls_store *st, MDB_env *env, ls_write_fn fn, void *ctx, ls_err *err);
/* Open env in dir with MDB_WRITEMAP and flags, its map at least size
 * bytes (the data file's length if longer), all reserved on disk (0, or an
 * errno such as ENOSPC, or an LMDB error).  Every later resize keeps to
 * the same rules (env.c). */
int ls_env_open_writemap(MDB_env *env, const char *dir, unsigned flags, uint64_t size);
/* True once a remap of env failed: it must be closed, never used again. */
bool ls_env_broken(MDB_env *env);
/* A read transaction in env, with the same retries as every other. */
ls_status ls_env_read(MDB_env *env, MDB_txn **txn, ls_err *err);
/* An LMDB failure as a store error: LS_FULL with "store_full", or LS_ERROR
 * logged to stderr with what was being done. */
ls_status ls_mdb_fail(ls_err *err, int rc, const char *what);

/* The replay store (replay.c).  Opened on first use by the calls below,
 * or at once with fresh set when the store was just created (its floor is
 * then now: nothing was ever accepted before); closed with the store. */
ls_status ls_replay_open(ls_store *st, bool fresh, ls_err *err);
void ls_replay_close(ls_store *st);
/* Record that hotkey used nonce in a signature created at created, the
 * request having arrived at now; LS_UNAUTHORIZED when the pair is still
 * recorded (a replay), when created is too old by the clock at the time of
 * writing, or when it is older than the replay store's floor (it was
 * remade after a reboot).  Also drops a few expired pairs, so the store
 * stays as small as clock_skew keeps it. */
ls_status ls_replay_record(ls_store *st, const uint8_t hotkey[32], const char *nonce,
                           int64_t created, int64_t now, ls_err *err);
uint64_t ls_replay_count(ls_store *st);

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
#define META_CHAIN "chain"   /* the last --rpc sync: its block hash, spec, schedule */
#define META_CLIENT_PEPPER "client_pepper"   /* BLAKE2b key of API key hashes */
#define META_REQUEST_STATS "request_stats"   /* struct request_stats */

/* Append one entry to the transparency log in t (SPEC §7).  payload is
 * borrowed; it must hold hashes, never private lead contents. */
ls_status ls_log_append(struct ls_txn *t, uint64_t epoch, const char *type,
                        json_t *payload, uint64_t *seq);

/* The epoch an entry about something on wall-clock time (challenges,
 * clients, requests) is filed under: the chain's, 0 before any anchor. */
uint64_t ls_log_epoch(struct ls_txn *t, int64_t now);

/* A score in JSON: a number from 0 to 1 with at most 4 decimals, as
 * ten-thousandths. */
bool ls_json_score_e4(const json_t *v, uint32_t *e4);

/* UUIDv7 milliseconds for a request at unix second now: the wall clock's
 * when it agrees with now, so ids made in one second keep their order;
 * now itself when the caller set the time. */
int64_t ls_id_millis(int64_t now);

/* A lead object validated and normalised (ls_lead_validate) in canonical
 * JSON (new string) with its content hash. */
ls_status ls_lead_prepare(const struct ls_config *cfg, json_t *lead, const char *miner_ss58,
                          const char *prefix, char **canonical, uint8_t content_hash[32],
                          struct ls_lead_keys *keys, ls_err *err);

/* Participants' statistics per epoch (participants.c): counters kept by
 * the writes that change them, under the epoch they happen in. */
enum part_counter { PART_SUBMITTED, PART_APPROVED, PART_DENIED, PART_VOTES, PART_PULLS_EXPIRED,
                    PART__LIVE };
ls_status lt_participant_add(struct ls_txn *t, const uint8_t hotkey[32], uint64_t epoch,
                             enum part_counter counter, uint32_t n);
/* The cached GET /v1/participants body, from the metagraph and the newest
 * closed epoch's statistics: after a sync and after a close. */
ls_status lt_participants_rebuild(struct ls_txn *t);
/* After a sync: every pending lead whose miner is no longer in the
 * metagraph leaves the queue, withdrawn (its dedup keys free again), with a
 * LEAD_WITHDRAWN entry each, as such a miner can no longer be paid
 * (leads.c); *count of them. */
ls_status lt_leads_withdraw_deregistered(struct ls_txn *t, uint64_t epoch, size_t *count);

/* Client API keys (clients.c): count one request against the client's
 * hourly limit (429 past it; 401 when revoked meanwhile). */
ls_status lt_client_count_request(struct ls_txn *t, const char *name, int64_t now);

/* Store a ready-to-send body under name, with its strong ETag. */
ls_status ls_cache_put(struct ls_txn *t, const char *name, const void *body,
                       size_t len);

/* Big-endian fixed-width integers for keys that must sort. */
void ls_be64(uint64_t v, uint8_t out[8]);
uint64_t ls_from_be64(const uint8_t in[8]);

/* The current clock from the anchor in txn; LS_UNAVAILABLE without one. */
/* The chain anchor as of txn; LS_UNAVAILABLE before the first sync. */
ls_status ls_anchor_read(ls_store *st, MDB_txn *txn, struct ls_anchor *out);
/* The anchor as stored (META_ANCHOR); returns its length. */
#define LS_ANCHOR_REC_MAX (30 + 16 * LS_EPOCH_STARTS_MAX)
size_t ls_anchor_pack(const struct ls_anchor *a, uint8_t out[LS_ANCHOR_REC_MAX]);
/* epoch_source = chain: record epoch's start and the next one as they are
 * now (recorded or predicted), so that closing it fixes its boundaries. */
ls_status lt_schedule_freeze(struct ls_txn *t, uint64_t epoch);
/* The epoch schedule as of txn: LS_UNAVAILABLE under epoch_source = chain
 * before a sync recorded the chain's; fixed epochs need no anchor. */
ls_status ls_schedule_read(ls_store *st, MDB_txn *txn, struct ls_schedule *out);
ls_status ls_clock_now(ls_store *st, MDB_txn *txn, int64_t now,
                       struct ls_clock *out);
/* The same, with every failure explained in err: 503 clock_not_anchored
 * when no sync has happened yet. */
ls_status ls_clock_required(ls_store *st, MDB_txn *txn, int64_t now, struct ls_clock *out,
                            ls_err *err);

/* Neuron records: LS_FMT2 ‖ uid u16 ‖ stake_rao u64 ‖ trust u16 ‖ 6 zero
 * bytes ‖ permit ‖ active; older stores' LS_FMT1 has stake f64 ‖ trust f64
 * where the integers are (metagraph.c reads both). */
#define NEURON_REC_LEN 21
void ls_neuron_decode(const MDB_val *v, const uint8_t hotkey[32], struct ls_neuron *out);

/* The fixed head of a lead value; the canonical lead JSON follows. */
struct lead_rec {
	uint8_t fmt, state;
	uint8_t requeued;      /* times the lead went back to the queue */
	uint8_t pad;
	uint32_t score_e4;
	uint8_t miner[32];
	int64_t submitted_at;
	uint64_t epoch;        /* the epoch it was last assigned to */
	uint8_t content_hash[32];
	char reason[32];
};
/* Read a lead: its head, and (if json is not NULL) its JSON, borrowed. */
ls_status ls_lead_read(ls_store *st, MDB_txn *txn, const uint8_t id[16],
                       struct lead_rec *rec, const char **json, size_t *json_len);
/* Rewrite a lead's head, keeping its JSON. */
ls_status lt_lead_update(struct ls_txn *t, const uint8_t id[16], const struct lead_rec *rec);
/* Count n denials against a miner's daily limit (SPEC §4). */
ls_status lt_miner_denials_add(struct ls_txn *t, const uint8_t miner[32], int64_t now,
                               uint32_t n);

/* An epoch's state (DB_EPOCHS). */
/* PRUNED: closed, and its votes and assignment set are gone */
enum epoch_state { EPOCH_ASSIGNED = 1, EPOCH_CLOSED = 2, EPOCH_PRUNED = 3 };
struct epoch_rec {
	uint8_t fmt, state, pad[2];
	uint32_t leads;        /* assigned */
	uint32_t commits, reveals;
	uint64_t assigned_block;
};
/* LS_NOTFOUND when the epoch was never assigned. */
ls_status ls_epoch_read(ls_store *st, MDB_txn *txn, uint64_t epoch, struct epoch_rec *out);
ls_status lt_epoch_write(struct ls_txn *t, uint64_t epoch, const struct epoch_rec *rec);
/* The cache name of an epoch's body: "leads/E", "results/E", "weights/E". */
void ls_epoch_cache_name(char out[40], const char *what, uint64_t epoch);

/* Votes (votes.c).  A commit item is lead[16] ‖ commitment[32] ‖
 * has_evidence ‖ evidence[32]; a stored reveal item is lead[16] ‖
 * decision ‖ score_e4 u16 ‖ reason[32]. */
enum ls_vote { LS_VOTE_APPROVE = 1, LS_VOTE_DENY = 2 };
#define COMMIT_ITEM 81
#define REVEAL_STORED 51
bool ls_vote_record_items(const MDB_val *v, size_t item_size, const uint8_t **items,
                          uint32_t *n);
ls_status ls_require_validator(const struct ls_identity *caller, ls_err *err);
/* 403 self_dealing when owner (a miner's hotkey) is the validator's own:
 * a validator judges nothing it submitted (what: "score its own ..."). */
ls_status ls_refuse_self_dealing(const struct ls_identity *validator, const uint8_t owner[32],
                                 const char *what, ls_err *err);
/* A 403 naming the window and where the chain is; err->block is set to
 * the window's first block when it is still ahead. */
ls_status ls_window_refuse(ls_err *err, const char *code, const char *what, uint64_t epoch,
                           const struct ls_window *w, uint64_t block);

/* A body signed with the gateway key: the canonical payload P (keys
 * sorted, compact, ASCII, reals with 10 significant digits) with
 * ,"signature":"<hex ed25519 of P>" added before its closing brace.  New
 * string. */
char *ls_signed_body(json_t *payload, const uint8_t sk[64], size_t *len);

/* Bundles (bundle.c).  Closing epoch E records the seq of its last
 * entry; E's bundle holds the log from the entry after the previous
 * bundle's last through that one. */
ls_status lt_bundle_due(struct ls_txn *t, uint64_t epoch, uint64_t last_seq);
/* A written bundle's record, and its upload fields written back (upload.c);
 * LS_NOTFOUND when epoch has no written bundle. */
ls_status lt_bundle_upload_get(struct ls_txn *t, uint64_t epoch, struct ls_bundle_info *out);
ls_status lt_bundle_upload_put(struct ls_txn *t, const struct ls_bundle_info *info);
/* Schema 3 -> 4: a due record for every epoch already closed, found from
 * its WEIGHTS entry (one pass over the log, once). */
int ls_bundles_backfill(MDB_txn *txn, MDB_dbi log, MDB_dbi epochs, MDB_dbi bundles);
/* Schema 8 -> 9: every log entry indexed by its hash, every bundle by
 * its last seq, and the bundle records in their upload-aware format. */
int ls_log_hashes_backfill(MDB_txn *txn, MDB_dbi log, MDB_dbi hashes);
int ls_bundles_upgrade(MDB_txn *txn, MDB_dbi bundles, MDB_dbi ends);

/* A metagraph snapshot to import with its chain anchor: leadgate-sync's
 * JSON file, or what it read from a subtensor node (chain.c). */
struct ls_snapshot {
	uint64_t block;
	int64_t block_time;
	size_t n, validators;
	struct ls_neuron *neurons;
	uint8_t hash[32];     /* the same hash again changes nothing */
	json_t *log_extra;    /* more members for METAGRAPH_SYNCED, or NULL */
	const struct ls_chain_schedule *schedule;  /* the chain's, or NULL */
	bool refuse_stale;    /* a block older than the anchor fails (409) */
};
/* Refuses duplicate hotkeys and uids; counts the validators; leaves the
 * neurons sorted by uid. */
ls_status ls_snapshot_check(struct ls_snapshot *s, ls_err *err);
/* One write transaction with its METAGRAPH_SYNCED entry (SPEC §10). */
ls_status ls_snapshot_import(ls_store *st, struct ls_snapshot *s, int64_t now,
                             struct ls_sync_report *report, ls_err *err);

/* A metagraph as it stood at some block, neurons sorted by hotkey. */
struct ls_metagraph {
	struct ls_neuron *neurons;
	size_t n;
	uint64_t from_block;  /* the version's first block (0 without history) */
};
/* The metagraph in force at block (SPEC §6: weights come from the
 * snapshot in force when an epoch began): the newest history version at or
 * before block, else the oldest version, else the current neurons. */
ls_status ls_metagraph_at(ls_store *st, MDB_txn *txn, uint64_t block,
                          struct ls_metagraph *out);
const struct ls_neuron *ls_metagraph_find(const struct ls_metagraph *m,
                                          const uint8_t hotkey[32]);
void ls_metagraph_free(struct ls_metagraph *m);

/* 409 wrong_consensus_mode unless the gateway runs mode (queue.c). */
ls_status ls_mode_require(const ls_store *st, unsigned mode, ls_err *err);

/* The first-three-validators mode (queue.c).  A lead in play has up to
 * three pulls, each with the validator's vote once it came. */
struct pull_slot {
	uint8_t hotkey[32];
	int64_t deadline;      /* pulled at + pull_timeout */
	uint8_t voted, valid;
	uint16_t pad;
	uint32_t score_e4;
};
#define FIRST3_PULLS 3
#define FIRST3_BARRED 4
struct pull_rec {
	uint8_t fmt, n, nbarred, pad[5];
	struct pull_slot slot[FIRST3_PULLS];
	/* validators whose pull of it expired: it went back "for others"
	 * (the last FIRST3_BARRED of them) */
	uint8_t barred[FIRST3_BARRED][32];
};
/* A lead decided by its three votes, kept under the epoch of the deciding
 * vote for leadgate-close. */
struct first3_rec {
	uint8_t fmt, decision, pad[2];
	uint32_t score_e4;
	struct pull_slot vote[FIRST3_PULLS];
};

/* Add one to a UUIDv7's 74 random bits (uuid.c): the next id after it. */
void ls_uuid_increment(uint8_t id[16]);

/* Challenges (challenges.c).  A challenge's record is this head, then its
 * public JSON (what GET /v1/challenges/active lists) in canonical form. */
struct challenge_rec {
	uint8_t fmt, retired, pad[6];
	int64_t opens_at, closes_at;
};
#define META_CHALLENGES_VERSION "challenges_version"
/* Bumped by every change to a challenge: a cached active body built
 * from another version is stale at once. */
uint64_t ls_challenges_version(ls_store *st, MDB_txn *txn);
/* JSON text as challenge bodies print it: compact, keys sorted, reals
 * with 10 significant digits.  New string. */
char *ls_challenge_json(const json_t *v);

/* Fault injection (fault.c), compiled in only by ./configure
 * --enable-fault-injection: true when store_dir/faults has a line "name"
 * or "name=N" (then *arg = N, else 0).  Tests make rebuilds fail or slow
 * with it; other builds have no such file read at all. */
#ifdef LS_FAULT_INJECTION
bool ls_fault(const ls_store *st, const char *name, long *arg);
/* The time of the store at store_dir given the wall clock: "clock=T" in
 * its faults file sets it to T, else "clock_offset=S" to wall + S. */
int64_t ls_fault_clock(const char *store_dir, int64_t wall);
#else
static inline bool ls_fault(const ls_store *st, const char *name, long *arg)
{
	(void)st;
	(void)name;
	(void)arg;
	return false;
}
#endif

#endif
