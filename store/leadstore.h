/*
 * leadstore.h — the public API of libleadstore, leadgate's store.
 *
 * The store owns every piece of data and every rule that changes data: the
 * LMDB schema, the chain clock, the metagraph, lead intake and its schema,
 * the replay store, request signatures (SS58, RFC 9421) and the
 * transparency log.  fcgi/ and jobs/ call these functions and nothing else;
 * nothing outside store/ calls mdb_* directly.
 *
 * Conventions (SPEC §4, STYLE.md):
 *  - Fallible functions return an ls_status; details (a machine-readable
 *    code, the offending field, a human sentence) go to an ls_err the caller
 *    provides.  ls_http_status() maps a status to an HTTP code in one place.
 *  - Every state change is one LMDB write transaction that also appends its
 *    transparency-log entries; a failed write leaves the store unchanged.
 *  - "borrowed" pointers live only as long as the reader they came from.
 *  - Public keys are the 32 raw bytes of a hotkey; SS58 strings are the
 *    presentation form.
 */
#ifndef LEADSTORE_H
#define LEADSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#define LS_WARN_UNUSED __attribute__((warn_unused_result))

/* ------------------------------------------------------------------ */
/* Status and errors                                                   */

typedef enum ls_status {
	LS_OK = 0,
	LS_INVALID,      /* 400: input malformed or breaking a rule */
	LS_UNAUTHORIZED, /* 401: bad or missing signature, stale, replayed */
	LS_FORBIDDEN,    /* 403: authenticated but not allowed */
	LS_NOTFOUND,     /* 404 */
	LS_CONFLICT,     /* 409: duplicate */
	LS_TOO_LARGE,    /* 413 */
	LS_UNPROCESSABLE,/* 422 */
	LS_RATE_LIMITED, /* 429: see ls_err.retry_after */
	LS_UNAVAILABLE,  /* 503: e.g. the clock has no anchor yet */
	LS_FULL,         /* 507: map full beyond map_max, disk full */
	LS_ERROR         /* 500: an internal failure, already logged */
} ls_status;

typedef struct ls_err {
	ls_status status;
	char code[48];     /* machine-readable reason, e.g. "duplicate_email" */
	char field[64];    /* offending field or header, "" when none */
	char detail[256];  /* one sentence for humans; never internals */
	long retry_after;  /* seconds, with LS_RATE_LIMITED */
	uint64_t block;    /* a block the answer points to (e.g. when a window
	                      opens or results will exist), 0 when none */
} ls_err;

/* Fill err and return status; code and detail are printf-style. */
ls_status ls_fail(ls_err *err, ls_status status, const char *code,
                  const char *field, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
int ls_http_status(ls_status status);
const char *ls_status_title(ls_status status);

/* ------------------------------------------------------------------ */
/* Configuration (SPEC §11): key = value lines, '#' comments.          */

#define LS_PATH_MAX 1024
#define LS_URL_MAX 512

#define LS_UID_NONE 65536u
struct ls_config {
	char store_dir[LS_PATH_MAX];
	uint64_t map_size;           /* initial LMDB map, bytes */
	uint64_t map_max;            /* the map grows up to this, then 507 */
	unsigned max_readers;        /* LMDB reader slots: processes reading at once (512) */
	unsigned block_seconds;      /* 12 */
	unsigned epoch_length;       /* 360 blocks */
	unsigned distribution_end;   /* last offset of the distribution window */
	unsigned commit_end;         /* last offset of the commit window */
	unsigned prefetch_start;     /* first offset of the prefetch window */
	unsigned reveal_end;         /* last offset (in E+1) of E's reveal window */
	unsigned clock_skew;         /* seconds a signature's created may be off */
	uint64_t max_body;           /* request bodies larger are 413 */
	unsigned ss58_prefix;        /* 42 */
	unsigned leads_per_epoch;    /* 50 */
	unsigned max_leads_per_request;      /* 100 */
	unsigned rate_submissions_per_day;   /* 1000 per miner per UTC day */
	unsigned rate_denials_per_day;       /* 250 per miner per UTC day */
	unsigned rate_submissions_per_epoch; /* per miner per epoch */
	unsigned submit_cooldown;            /* seconds between a miner's POSTs */
	char terms_version_hash[65]; /* hex sha256 of the contributor terms */
	unsigned log_page_max;       /* most entries one GET /v1/log returns */
	unsigned public_max_age;     /* Cache-Control max-age of public reads */
	unsigned challenge_submission_max; /* bytes of one challenge submission */
	unsigned leaderboard_page_max;     /* most results one page returns */
	char gateway_key[LS_PATH_MAX]; /* the gateway's ed25519 seed file */
	char bundle_dir[LS_PATH_MAX];  /* ANS-104 bundles; "" = store_dir/bundles */
	unsigned min_reveals;        /* reveals a lead needs to be approved (1) */
	unsigned eligibility_percent;/* agreement a validator needs (10) */
	unsigned burn_uid;           /* the uid that gets all weight of an epoch
	                              * with no miner to reward; LS_UID_NONE: unset */
	unsigned keep_vote_epochs;   /* epochs of votes kept by prune (2) */
	unsigned consensus_mode;     /* LS_MODE_EPOCH (default) or LS_MODE_FIRST3 */
	unsigned pull_timeout;       /* first3: seconds a pulled lead waits for its vote */
	unsigned request_timeout;    /* a client request completes after this (90 s)
	                              * with at least one ranking */
	unsigned request_expiry;     /* ... and expires after this (120 s) with none */
	unsigned client_requests_per_hour; /* POST /v1/requests per client (100) */
	unsigned request_keep;       /* seconds finished requests are kept (7 days) */
	unsigned job_lock_stale;     /* a job lock held longer is reported (1800 s) */
	char metrics_allow[256];     /* addresses and CIDR blocks that may read
	                              * GET /v1/metrics ("127.0.0.1 ::1") */
	bool require_authority;      /* signatures must cover @authority (no) */
	unsigned epoch_source;       /* LS_EPOCHS_FIXED (default) or LS_EPOCHS_CHAIN */
	char subtensor_url[LS_URL_MAX]; /* the node leadgate-sync --rpc reads ("") */
	unsigned netuid;             /* the subnet it reads (LS_UID_NONE: unset) */
	uint64_t version_key;        /* set_weights' version_key (0) */
	/* leadgate-upload (SPEC §7) */
	unsigned arweave_mode;          /* LS_ARWEAVE_GATEWAY or _BUNDLER; NONE: gateway
	                                 * when arweave_wallet is set, else bundler */
	char arweave_url[LS_URL_MAX];   /* the Arweave gateway ("https://arweave.net") */
	char arweave_wallet[LS_PATH_MAX]; /* the operator's JWK wallet ("") */
	char bundler_url[LS_URL_MAX];   /* the bundler ("https://upload.ardrive.io") */
	unsigned arweave_confirmations; /* blocks on top before confirmed (10) */
	/* signed requests per hotkey: a bucket of burst, refilled at rate a
	 * minute (0: no limit) */
	unsigned rate_validator, burst_validator;  /* 1200, 600 */
	unsigned rate_miner, burst_miner;          /* 600, 300 */
	/* requests that may wait for a worker of each class's pool (its
	 * listening socket's queue) before the next is told 503 busy; 0: any */
	unsigned queue_validator, queue_miner, queue_client, queue_public; /* 64, 8, 8, 16 */
	/* the CPU priority (nice) each pool's workers take when they start,
	 * so that validators' requests win the cores (0, 5, 0, 5) */
	unsigned nice_validator, nice_miner, nice_client, nice_public;
};
/* Whether addr (a textual IPv4 or IPv6 address) is in list (addresses and
 * CIDR blocks separated by spaces or commas).  list_valid: every entry
 * parses. */
bool ls_addr_allowed(const char *list, const char *addr);
bool ls_addr_list_valid(const char *list);
/* SPEC §6's two modes: epoch-wide commit-reveal, or the first three
 * validators to pull a lead decide it. */
enum ls_consensus_mode { LS_MODE_EPOCH = 0, LS_MODE_FIRST3 = 1 };
/* Where epochs begin (SPEC §2): block / epoch_length, or the subnet's own
 * schedule as leadgate-sync --rpc reads it. */
enum ls_epoch_source { LS_EPOCHS_FIXED = 0, LS_EPOCHS_CHAIN = 1 };

/* The defaults of SPEC §2–§4, store_dir "/var/lib/leadgate". */
void ls_config_defaults(struct ls_config *cfg);
/* LEADGATE_CONF if set, else the build's sysconfdir/leadgate.conf. */
const char *ls_config_path(void);
/* Read path over the defaults.  Unknown keys, bad numbers and bad ranges
 * fail with "path:line: ..." in err->detail. */
ls_status ls_config_load(struct ls_config *cfg, const char *path, ls_err *err)
	LS_WARN_UNUSED;
/* The defaults, then ls_config_path() over them when that file is
 * readable here: for the tools that also run away from a gateway (they
 * need the SS58 prefix, and store_dir for the store's clock, ls_now). */
ls_status ls_config_load_if_present(struct ls_config *cfg, ls_err *err) LS_WARN_UNUSED;

/* ------------------------------------------------------------------ */
/* The store handle                                                    */

typedef struct ls_store ls_store;

#define LS_SCHEMA_VERSION 10u

enum ls_open_flags {
	LS_OPEN_CREATE = 1 << 0, /* create and initialise an empty store */
	LS_OPEN_READONLY = 1 << 1,
	LS_OPEN_MIGRATE = 1 << 2 /* upgrade an older schema in place */
};

/* Open the environment in cfg->store_dir once per process (after any fork),
 * run mdb_reader_check, open every named database and check the schema
 * version: a newer store fails, an older one asks for `leadgate-admin
 * migrate`.  The store keeps its own copy of cfg. */
ls_status ls_open(ls_store **out, const struct ls_config *cfg, unsigned flags,
                  ls_err *err) LS_WARN_UNUSED;
void ls_close(ls_store *st);
const struct ls_config *ls_store_config(const ls_store *st);
/* The map size in force now (it grows by itself). */
uint64_t ls_map_size(ls_store *st);
/* A consistent, compacted copy of the store into an empty directory. */
ls_status ls_backup(ls_store *st, const char *dir, ls_err *err) LS_WARN_UNUSED;

/* A job's lock: an flock on store_dir/<name>.lock held until
 * ls_job_unlock; the file says which copy holds it since when.
 * LS_CONFLICT when another process holds it, with *holder saying which
 * (since 0 when the file does not say). */
struct ls_lock_holder {
	int64_t since;
	long pid;
};
ls_status ls_job_lock(ls_store *st, const char *name, int64_t now, int *fd,
                      struct ls_lock_holder *holder, ls_err *err) LS_WARN_UNUSED;
void ls_job_unlock(int fd);
/* The lock names of the cron jobs (SPEC §10), leadgate-NAME each. */
#define LS_JOBS 6
extern const char *const ls_job_names[LS_JOBS];
/* Note in the job's lock file that it ran to the end at now, taking
 * seconds. */
void ls_job_succeeded(int fd, int64_t now, double seconds);
/* Unix time of the job's last complete run (ls_job_succeeded), 0 if none:
 * what GET /v1/healthz reports; *seconds (if not NULL) how long it took,
 * -1 when the file does not say. */
int64_t ls_job_last_run(const ls_store *st, const char *name, double *seconds);

/* Request meters (meters.c): counters every worker of a store shares
 * through store_dir/meters, for GET /v1/metrics.  A process that has not
 * attached counts nothing.  Slots are the adapter's routes; statuses not
 * in ls_meter_statuses count under its last entry (0, "other"); latency
 * buckets are per bucket (not cumulative) up to ls_meter_bounds, the rest
 * only in count. */
#define LS_METER_ROUTES 64
#define LS_METER_STATUSES 16
#define LS_METER_BUCKETS 12
#define LS_METER_AUTH_REASONS 12
extern const int ls_meter_statuses[LS_METER_STATUSES];
extern const double ls_meter_bounds[LS_METER_BUCKETS];
/* the problem codes of a refused signature; the last is "other" */
extern const char *const ls_meter_auth_reasons[LS_METER_AUTH_REASONS];
struct ls_meter_route {
	uint64_t status[LS_METER_STATUSES];
	uint64_t bucket[LS_METER_BUCKETS];
	uint64_t micros, count;  /* total latency in microseconds; requests */
};
struct ls_meters {
	struct ls_meter_route route[LS_METER_ROUTES];
	uint64_t auth[LS_METER_AUTH_REASONS];
};
/* routes_id names the adapter's slots and their labels (fold each label
 * into it with ls_meters_layout_add, starting from 0): a file laid out for
 * other routes or tables is replaced, not misread. */
uint64_t ls_meters_layout_add(uint64_t id, const char *label);
ls_status ls_meters_attach(ls_store *st, uint64_t routes_id, ls_err *err) LS_WARN_UNUSED;
void ls_meters_request(ls_store *st, unsigned slot, int status, double seconds);
void ls_meters_auth_failure(ls_store *st, const char *code);
/* false (and all zero) when this process has no meters */
bool ls_meters_read(const ls_store *st, struct ls_meters *out);
/* A hotkey's token bucket, shared by every worker through the meters
 * file: burst tokens, refilled at rate per minute (rate 0: no limit).
 * Takes one and says true, or says false with retry_after; either way
 * out tells the bucket's state for the RateLimit headers.  Without the
 * meters file nothing is counted and every request passes. */
struct ls_bucket {
	unsigned limit, remaining;
	long reset;        /* seconds until the bucket is full again */
	long retry_after;  /* seconds until one token is back, when refused */
};
bool ls_bucket_take(ls_store *st, const uint8_t hotkey[32], unsigned rate, unsigned burst,
                    int64_t now, struct ls_bucket *out);

/* How full the store is: the map's size and the bytes in use, its limit
 * (map_max); LMDB's reader slots held by processes now, the most ever
 * taken (slots_used), and in all. */
struct ls_store_usage {
	uint64_t map_size, used, map_max;
	unsigned readers, slots_used, max_readers;
};
void ls_store_usage(ls_store *st, struct ls_store_usage *out);

/* ------------------------------------------------------------------ */
/* Readers: one read transaction; borrowed bytes stay valid until end. */

typedef struct ls_reader ls_reader;
ls_status ls_reader_begin(ls_store *st, ls_reader **out, ls_err *err)
	LS_WARN_UNUSED;
void ls_reader_end(ls_reader *rd);

/* A ready-to-send response body (SPEC §4 epoch caches, §8). */
struct ls_body {
	const void *data;  /* borrowed from the memory map */
	size_t len;
	char etag[17];     /* first 16 hex chars of sha256(body) */
};
/* LS_NOTFOUND when no body is cached under name. */
ls_status ls_cache_get(ls_reader *rd, const char *name, struct ls_body *out);

/* ------------------------------------------------------------------ */
/* Chain clock and epochs (SPEC §2)                                    */

/* An epoch's first block as the chain scheduled it (epoch_source = chain). */
struct ls_epoch_start {
	uint64_t epoch, block;
};
#define LS_EPOCH_STARTS_MAX 64  /* the newest epochs whose starts are kept */

struct ls_anchor {
	uint64_t block;
	int64_t time;    /* unix seconds at which block was seen */
	/* the subnet's epochs as leadgate-sync --rpc saw them; period 0: none */
	uint32_t period;       /* blocks from one epoch to the next, predicted */
	uint64_t next_start;   /* the predicted start of the epoch after the newest */
	size_t nstarts;
	struct ls_epoch_start starts[LS_EPOCH_STARTS_MAX];  /* ascending */
};

/* Where epochs begin: every epoch_length blocks (epoch_source = fixed), or
 * where the chain began them (epoch_source = chain): a recorded start, else
 * a prediction by tempo from the nearest one. */
struct ls_schedule {
	bool chain;
	unsigned length;       /* fixed: epoch_length */
	uint32_t period;       /* chain: blocks between predicted starts */
	uint64_t next_start;
	size_t n;
	struct ls_epoch_start starts[LS_EPOCH_STARTS_MAX];
};

struct ls_window {
	uint64_t first_block, last_block;  /* inclusive, absolute */
};

struct ls_epoch_windows {
	uint64_t epoch;
	struct ls_window distribution, commit, prefetch, reveal;
	uint64_t close_block;  /* the first block at which E may be closed */
};

struct ls_clock {
	int64_t now;
	uint64_t block, epoch;
	uint32_t offset;       /* blocks since the epoch began */
	int64_t block_started; /* unix time at which `block` began */
	struct ls_schedule sched;
};

/* Now, in unix seconds: the one time every program of the store uses
 * (requests, signatures, the replay store, limits, windows, deadlines,
 * job locks).  The wall clock; in builds made with ./configure
 * --enable-fault-injection (tests only), a line "clock=T" in
 * store_dir/faults makes it T and a line "clock_offset=S" the wall clock
 * plus S, for every process of that store at once (SPEC §2). */
int64_t ls_now(const struct ls_config *cfg);

/* The anchor stored by the last sync; LS_UNAVAILABLE when none yet, or
 * under epoch_source = chain before leadgate-sync --rpc recorded the
 * chain's schedule. */
ls_status ls_anchor_get(ls_reader *rd, struct ls_anchor *out);
/* block = anchor.block + floor((now - anchor.time) / block_seconds), never
 * below zero; the epoch and offset by the schedule (cfg and anchor). */
void ls_clock_at(const struct ls_config *cfg, const struct ls_anchor *anchor,
                 int64_t now, struct ls_clock *out);
void ls_schedule_of(const struct ls_config *cfg, const struct ls_anchor *anchor,
                    struct ls_schedule *out);
/* The first block of epoch, and the epoch that block is in. */
uint64_t ls_epoch_start(const struct ls_schedule *s, uint64_t epoch);
uint64_t ls_epoch_at(const struct ls_schedule *s, uint64_t block);
/* Epoch's windows: offsets from its start, never past the next start. */
void ls_epoch_windows(const struct ls_config *cfg, const struct ls_schedule *s, uint64_t epoch,
                      struct ls_epoch_windows *out);
bool ls_window_contains(const struct ls_window *w, uint64_t block);
/* Unix time at which `block` begins, given the clock. */
int64_t ls_block_time(const struct ls_config *cfg, const struct ls_clock *c,
                      uint64_t block);

/* ------------------------------------------------------------------ */
/* Identities: SS58 (SPEC §3)                                          */

#define LS_SS58_MAX 64
/* Encode a 32-byte public key with the given network prefix (0..16383). */
ls_status ls_ss58_encode(const uint8_t pk[32], unsigned prefix,
                         char out[LS_SS58_MAX]) LS_WARN_UNUSED;
/* Decode and check length, checksum and that the prefix is `prefix`. */
ls_status ls_ss58_decode(const char *addr, unsigned prefix, uint8_t pk[32],
                         ls_err *err) LS_WARN_UNUSED;

/* Key pairs.  ed25519 is RFC 8032 (libsodium); sr25519 is schnorrkel
 * over ristretto255 with signing context "substrate", the Bittensor and
 * Substrate default (sr25519.c). */
enum ls_key_alg { LS_KEY_ED25519, LS_KEY_SR25519 };
struct ls_keypair {
	enum ls_key_alg alg;
	uint8_t pk[32];
	/* ed25519: libsodium's seed ‖ public key; sr25519: schnorrkel's
	 * SecretKey, scalar ‖ nonce seed */
	uint8_t sk[64];
};
/* "ed25519" or "sr25519": the alg parameter of SPEC §3's signatures;
 * from_name is its inverse (false for any other name). */
const char *ls_key_alg_name(enum ls_key_alg alg);
bool ls_key_alg_from_name(const char *name, enum ls_key_alg *alg);
/* The key pair of a 32-byte secret seed (for sr25519 a mini secret key). */
void ls_keypair_from_seed(enum ls_key_alg alg, const uint8_t seed[32], struct ls_keypair *kp);
/* Sign msg with kp (sr25519 draws its nonce from libsodium's CSPRNG). */
void ls_keypair_sign(const struct ls_keypair *kp, const uint8_t *msg, size_t len,
                     uint8_t sig[64]);
/* Check a signature made with alg by the holder of pk: NULL when it is
 * valid, else why not (for a 401's detail). */
const char *ls_signature_failure(enum ls_key_alg alg, const uint8_t sig[64], const uint8_t *msg,
                                 size_t len, const uint8_t pk[32]);
bool ls_signature_verify(enum ls_key_alg alg, const uint8_t sig[64], const uint8_t *msg,
                         size_t len, const uint8_t pk[32]);

/* Key files hold a 32-byte secret seed: 64 hex digits for ed25519, or
 * "sr25519:" and 64 hex digits for an sr25519 mini secret key (a
 * Substrate "secret seed", expanded as schnorrkel's ExpansionMode::Ed25519).
 * load also reads a Bittensor wallet's unencrypted hotkey file (JSON with
 * "secretSeed"), which is sr25519.  create writes a new random seed with
 * mode 0600 and never overwrites (LS_CONFLICT).  Callers wipe the pair
 * with sodium_memzero. */
ls_status ls_keyfile_create(const char *path, enum ls_key_alg alg, uint8_t pk[32], ls_err *err)
	LS_WARN_UNUSED;
ls_status ls_keyfile_load(const char *path, struct ls_keypair *kp, ls_err *err)
	LS_WARN_UNUSED;

/* sr25519 itself (tests and benchmarks use it directly). */
#define LS_SR25519_CONTEXT "substrate"
enum ls_sr25519_verdict {
	LS_SR25519_VALID,
	LS_SR25519_NOT_MARKED,   /* bit 7 of byte 63 clear: not schnorrkel */
	LS_SR25519_BAD_SCALAR,   /* s ≥ ℓ */
	LS_SR25519_BAD_R,        /* R the identity or not a canonical point */
	LS_SR25519_BAD_KEY,      /* the same for the public key */
	LS_SR25519_FALSE,        /* R ≠ s·B − k·A */
};
/* A mini secret key (32-byte seed) to its key pair. */
void ls_sr25519_keypair_from_seed(const uint8_t seed[32], uint8_t pk[32], uint8_t sk[64]);
void ls_sr25519_sign(const uint8_t sk[64], const uint8_t pk[32], const uint8_t *msg, size_t len,
                     uint8_t sig[64]);
enum ls_sr25519_verdict ls_sr25519_verify(const uint8_t sig[64], const uint8_t *msg,
                                          size_t len, const uint8_t pk[32]);
const char *ls_sr25519_verdict_text(enum ls_sr25519_verdict v);

/* ------------------------------------------------------------------ */
/* RFC 9421 request signatures (SPEC §3)                               */

/* What the HTTP adapter knows of a request.  header() returns the combined
 * value of a request header by lowercase name, or NULL when absent. */
struct ls_http_request {
	const char *method;    /* "GET" */
	const char *path;      /* "/v1/leads", undecoded, no query */
	const char *query;     /* without '?', NULL when the URI has none */
	const char *scheme;    /* "http" or "https" */
	const char *(*header)(void *ctx, const char *name);
	void *header_ctx;
	const uint8_t *body;
	size_t body_len;
};

/* The parsed Signature-Input and Signature of a request. */
#define LS_SIG_MAX_COMPONENTS 16
#define LS_SIG_MAX_PARAMS 8
struct ls_sig_param {
	char key[32];
	char type;           /* 'i' integer, 's' string, 't' token, 'b' boolean */
	char value[128];     /* strings and tokens; booleans "1"/"0" */
	int64_t integer;
};
struct ls_sig_input {
	char label[64];
	size_t ncomponents;
	char components[LS_SIG_MAX_COMPONENTS][64];
	size_t nparams;
	struct ls_sig_param params[LS_SIG_MAX_PARAMS];
	/* the profile's parameters, extracted */
	bool has_created, has_expires;
	int64_t created, expires;
	char nonce[65];
	char keyid[LS_SS58_MAX];
	char alg[16];
	uint8_t signature[64];
};

/* Parse both headers (RFC 8941 dictionaries, one signature); 401-class
 * errors name the header.  The profile's rules are checked separately. */
ls_status ls_sig_parse(const char *signature_input, const char *signature,
                       struct ls_sig_input *out, ls_err *err) LS_WARN_UNUSED;
/* Build the RFC 9421 §2.5 signature base into buf (NUL-terminated). */
ls_status ls_sig_base(const struct ls_sig_input *in,
                      const struct ls_http_request *req, char *buf,
                      size_t bufsize, size_t *len, ls_err *err) LS_WARN_UNUSED;
/* SPEC §3's profile: @method, @path, @query (and content-digest when the
 * request has a body) covered; created, a 16..64-character nonce, keyid
 * and alg present. */
ls_status ls_sig_profile_check(const struct ls_sig_input *in, bool has_body, bool need_authority,
                               ls_err *err) LS_WARN_UNUSED;
/* RFC 9530: check Content-Digest (sha-256 and/or sha-512) against body. */
ls_status ls_content_digest_check(const char *header, const uint8_t *body,
                                  size_t len, ls_err *err) LS_WARN_UNUSED;
/* "sha-256=:<base64>:" for body, NUL-terminated. */
void ls_content_digest(const uint8_t *body, size_t len, char out[64]);

/* The client side of the profile: a request to sign and the headers that
 * carry its signature (leadgate-admin sign, leadgate-sim, bench/). */
struct ls_sign_request {
	const char *method;       /* "GET" */
	const char *url;          /* http(s)://host[:port]/path[?query] */
	const uint8_t *body;      /* NULL or body_len bytes */
	size_t body_len;
	const char *label;        /* NULL: "sig1" */
	const char *nonce;        /* NULL: 32 random hex digits (CSPRNG) */
	int64_t created;          /* unix seconds */
	int64_t expires;          /* < 0: no expires parameter */
};
struct ls_signed_headers {
	char content_digest[64];  /* "" when there is no body */
	char signature_input[1024];
	char signature[160];      /* whole header values, "label=..." */
};
/* Sign r with kp (alg="ed25519" or "sr25519" as kp says); the keyid is
 * kp's public key as SS58 with ss58_prefix.  Not thread-safe. */
ls_status ls_request_sign(const struct ls_sign_request *r, const struct ls_keypair *kp,
                          unsigned ss58_prefix, struct ls_signed_headers *out, ls_err *err)
	LS_WARN_UNUSED;

/* A neuron of the metagraph (SPEC §3), in the chain's own integers so
 * that consensus is exact (SPEC §6): stake in rao (10^-9 TAO), at most
 * LS_STAKE_RAO_MAX, and validator trust as the chain's u16 (1.0 = 65535). */
#define LS_STAKE_RAO_MAX 1000000000000000000ULL  /* 10^9 TAO: 2^60 > it */
struct ls_neuron {
	uint8_t hotkey[32];
	uint16_t uid;
	uint16_t validator_trust_u16;
	uint64_t stake_rao;
	bool validator_permit;
	bool active;
};
/* A validator's consensus weight, stake_rao × validator_trust_u16: below
 * 2^76, so 2^52 of them sum without overflow in 128 bits. */
__extension__ typedef unsigned __int128 ls_weight;
static inline ls_weight ls_neuron_weight(const struct ls_neuron *n)
{
	return (ls_weight)n->stake_rao * n->validator_trust_u16;
}
/* A weight in decimal (signed bodies carry weights as exact strings). */
#define LS_WEIGHT_DIGITS 40
const char *ls_weight_format(ls_weight w, char out[LS_WEIGHT_DIGITS]);

/* An authenticated caller. */
struct ls_identity {
	uint8_t hotkey[32];
	char ss58[LS_SS58_MAX];
	bool registered;
	struct ls_neuron neuron;  /* valid when registered */
};

/* Verify a signed request end to end: parse, profile, clock skew and
 * expires, Content-Digest, the ed25519 or sr25519 signature, then the signer's
 * registration (LS_FORBIDDEN for a hotkey not in the metagraph), and
 * finally record the (keyid, nonce) pair so that it is accepted once
 * (LS_UNAUTHORIZED when replayed).
 * Not thread-safe (static buffers): one request at a time per process. */
ls_status ls_auth_verify(ls_store *st, const struct ls_http_request *req,
                         int64_t now, struct ls_identity *out, ls_err *err)
	LS_WARN_UNUSED;
/* As ls_auth_verify, for POST /v1/epoch/{E}/reveal: a hotkey no longer in
 * the metagraph passes too (out->registered false) when it committed for
 * the epoch before the clock's, whose reveal window may be open. */
ls_status ls_auth_verify_reveal(ls_store *st, const struct ls_http_request *req,
                                int64_t now, struct ls_identity *out, ls_err *err)
	LS_WARN_UNUSED;
/* Drop replay-store entries that can no longer be replayed. */
ls_status ls_nonces_prune(ls_store *st, int64_t now, uint64_t *removed,
                          ls_err *err) LS_WARN_UNUSED;

/* ------------------------------------------------------------------ */
/* Metagraph (SPEC §3, docs/protocol.md "The chain clock and the metagraph snapshot")                    */

struct ls_sync_report {
	bool changed;
	bool stale;          /* older than the anchor: anchor and metagraph kept */
	size_t neurons;
	uint64_t seq;        /* the METAGRAPH_SYNCED entry, when changed */
	size_t withdrawn;    /* pending leads of miners no longer registered */
};
/* Import a snapshot (docs/protocol.md documents its JSON) and its chain anchor
 * in one write transaction with a METAGRAPH_SYNCED log entry.  A malformed
 * snapshot changes nothing; the same snapshot twice changes nothing the
 * second time.  Also rebuilds the cached GET /v1/participants body. */
ls_status ls_metagraph_import(ls_store *st, const char *json, size_t len,
                              int64_t now, struct ls_sync_report *report,
                              ls_err *err) LS_WARN_UNUSED;
/* The current neurons by uid (new array, free()); leadgate-admin
 * metagraph prints them. */
ls_status ls_neurons_list(ls_reader *rd, struct ls_neuron **out, size_t *n) LS_WARN_UNUSED;
/* The last leadgate-sync --rpc's facts as JSON (block hash, spec version,
 * epoch schedule; new string, free()), NULL when none. */
char *ls_chain_facts(ls_reader *rd);
/* LS_NOTFOUND when the hotkey is not registered. */
ls_status ls_neuron_get(ls_reader *rd, const uint8_t hotkey[32],
                        struct ls_neuron *out);

/* ------------------------------------------------------------------ */
/* The chain itself (SPEC §10 leadgate-sync --rpc): a subtensor node's   */
/* answers at one finalized block, as SCALE bytes the job fetched.       */

enum ls_chain_item {  /* storage values read */
	LS_CHAIN_TIMESTAMP,        /* Timestamp.Now: u64 milliseconds */
	LS_CHAIN_TEMPO,            /* SubtensorModule.Tempo[netuid]: u16 */
	LS_CHAIN_LAST_EPOCH_BLOCK, /* ...LastEpochBlock[netuid]: u64 */
	LS_CHAIN_PENDING_EPOCH_AT, /* ...PendingEpochAt[netuid]: u64, 0 = none */
	LS_CHAIN_EPOCH_INDEX,      /* ...SubnetEpochIndex[netuid]: u64 */
	LS_CHAIN_ITEMS
};
#define LS_CHAIN_KEY_MAX 34
#define LS_CHAIN_ARGS_MAX 32
#define LS_CHAIN_SELECTIVE_CALL "SubnetInfoRuntimeApi_get_selective_mechagraph"
#define LS_CHAIN_METAGRAPH_CALL "SubnetInfoRuntimeApi_get_metagraph"
#define LS_CHAIN_NEURONS_CALL "NeuronInfoRuntimeApi_get_neurons_lite"
struct ls_bytes {
	const uint8_t *data;  /* NULL: absent (a storage value never set) */
	size_t len;
};
struct ls_chain_read {
	uint16_t netuid;
	uint64_t block;           /* the finalized header's number */
	uint8_t block_hash[32];
	uint32_t spec_version;
	struct ls_bytes storage[LS_CHAIN_ITEMS];
	bool selective;           /* metagraph answers get_selective_mechagraph,
	                           * else get_metagraph (older runtimes) */
	struct ls_bytes metagraph, neurons;  /* ... and get_neurons_lite */
};
/* The subnet's epoch as the chain schedules it. */
struct ls_chain_schedule {
	bool dynamic;             /* LastEpochBlock known; else the legacy grid */
	uint16_t tempo;
	uint32_t period;          /* tempo, or tempo + 1 on the legacy grid */
	uint64_t epoch_index, epoch_start, next_start;
};
/* Move the anchor to (block, time); with the chain's schedule e, record
 * its epoch's start once (a start once recorded never changes) and the
 * predicted next start.  false when the chain disagrees with what is
 * recorded (an epoch's other start, an older epoch), which is kept. */
bool ls_anchor_advance(struct ls_anchor *a, uint64_t block, int64_t time,
                       const struct ls_chain_schedule *e);
/* The storage key of item: twox128(pallet) ‖ twox128(name), then netuid
 * as u16 LE for the per-subnet maps; returns its length. */
size_t ls_chain_storage_key(enum ls_chain_item item, uint16_t netuid,
                            uint8_t key[LS_CHAIN_KEY_MAX]);
const char *ls_chain_item_name(enum ls_chain_item item);
/* The state_call arguments: netuid, and for the selective call mechanism
 * 0 and the fields leadgate reads; returns their length. */
size_t ls_chain_call_args(uint16_t netuid, bool selective, uint8_t out[LS_CHAIN_ARGS_MAX]);
/* The schedule at block: from LastEpochBlock (last, NULL when the runtime
 * has none: the legacy grid), PendingEpochAt and SubnetEpochIndex. */
void ls_chain_schedule(uint64_t block, uint16_t netuid, uint16_t tempo, const uint64_t *last,
                       uint64_t pending, uint64_t index, struct ls_chain_schedule *out);
ls_status ls_chain_schedule_read(const struct ls_chain_read *r, uint16_t metagraph_tempo,
                                 struct ls_chain_schedule *out, ls_err *err) LS_WARN_UNUSED;
/* Decode and check every answer, then import as one snapshot whose anchor
 * is (block, Timestamp.Now) and whose METAGRAPH_SYNCED entry names the
 * block hash, spec version and epoch schedule.  Malformed SCALE, another
 * subnet's or block's answer, a subnet the node does not know (404) or a
 * block older than the anchor (409) change nothing. */
ls_status ls_chain_import(ls_store *st, const struct ls_chain_read *r, int64_t now,
                          struct ls_sync_report *report, ls_err *err) LS_WARN_UNUSED;

/* GET /v1/participants/{hotkey}: its metagraph row and its statistics of
 * the newest `epochs` epochs, newest first (one cursor range): submitted,
 * approved, denied (miners); votes, pulls_expired, judged, in_consensus,
 * agreement, eligible, reveal_missed (validators); weight_u16; closed.
 * 400 bad_hotkey, 404 no_such_participant.  *body is new. */
#define LS_PARTICIPANT_EPOCHS 10
ls_status ls_participant_get(ls_reader *rd, const char *ss58, unsigned epochs, char **body,
                             size_t *len, ls_err *err) LS_WARN_UNUSED;

/* ------------------------------------------------------------------ */
/* Leads (SPEC §4)                                                     */

enum ls_lead_state {
	LS_LEAD_PENDING = 1,
	LS_LEAD_ASSIGNED = 2,
	LS_LEAD_APPROVED = 3,
	LS_LEAD_DENIED = 4,
	LS_LEAD_WITHDRAWN = 5  /* taken off the queue: its miner left the metagraph */
};
const char *ls_lead_state_name(int state);

/* UUIDv7 (RFC 9562 §5.7), monotonic within a process. */
void ls_uuid7(int64_t unix_ms, uint8_t out[16]);
void ls_uuid_format(const uint8_t id[16], char out[37]);
ls_status ls_uuid_parse(const char *s, uint8_t out[16]) LS_WARN_UNUSED;

/* The dedup keys of a lead (SPEC §4): sha256(lower(trim(email))) and
 * sha256("linkedin.com/in/<slug>||linkedin.com/company/<slug>"). */
struct ls_lead_keys {
	uint8_t email[32];
	uint8_t linkedin[32];
};
/* Validate and normalise one lead object against the lead schema (docs/protocol.md
 * "Lead schema") for the miner whose SS58 address signed it.  Field names
 * in errors start with field_prefix (e.g. "leads[3].").  On success *out
 * is a new normalised object and keys are filled. */
ls_status ls_lead_validate(const struct ls_config *cfg, json_t *lead,
                           const char *miner_ss58, const char *field_prefix,
                           json_t **out, struct ls_lead_keys *keys, ls_err *err)
	LS_WARN_UNUSED;

/* The outcome of one lead of a submission. */
/* LS_INVALID (bad_batch) unless leads is an array of 1..max_leads_per_request:
 * callers check it before allocating anything per lead. */
ls_status ls_leads_batch_check(const struct ls_config *cfg, json_t *leads, ls_err *err)
	LS_WARN_UNUSED;
struct ls_submit_result {
	uint8_t lead_id[16];   /* when status == LS_OK */
	ls_err err;            /* otherwise */
};

/* Submit leads (a JSON array of 1..max_leads_per_request objects) for a
 * miner.  Every lead is validated first: one invalid lead fails the whole
 * request with LS_INVALID naming "leads[i].field".  Then, in one write
 * transaction, the cooldown and rate limits (LS_RATE_LIMITED for the whole
 * request) and per-lead duplicates (a result with LS_CONFLICT) are checked
 * and the accepted leads are queued with their LEAD_SUBMITTED entries;
 * every lead of the batch counts toward the limits and starts the cooldown,
 * duplicates too (probing is not free), and a 409 does not say which lead
 * holds the key.  results must hold
 * json_array_size(leads) entries. */
ls_status ls_leads_submit(ls_store *st, const struct ls_identity *miner,
                          json_t *leads, int64_t now,
                          struct ls_submit_result *results, ls_err *err)
	LS_WARN_UNUSED;

struct ls_lead_view {
	uint8_t lead_id[16];
	int state;
	uint8_t miner[32];
	int64_t submitted_at;
	uint64_t epoch;            /* assigned epoch, 0 when none yet */
	uint8_t content_hash[32];
	uint32_t score_e4;         /* decided: rep score × 10000 */
	char reason[32];           /* decided: "pass" or a rejection reason */
};
/* LS_NOTFOUND, or LS_FORBIDDEN when requester did not submit it. */
ls_status ls_lead_get(ls_reader *rd, const uint8_t id[16],
                      const uint8_t requester[32], struct ls_lead_view *out,
                      ls_err *err) LS_WARN_UNUSED;

/* ------------------------------------------------------------------ */
/* The epoch pipeline (SPEC §5, §6)                                    */

struct ls_prefetch_report {
	uint64_t block;      /* the chain's block at the run */
	bool assigned;
	uint64_t epoch;      /* when assigned */
	size_t leads;
	uint64_t seq;        /* the EPOCH_ASSIGNED entry */
};
/* leadgate-prefetch: once epoch E's prefetch window is open and E+1 has no
 * assignment, assign the oldest leads_per_epoch pending leads to E+1 and
 * cache its body for validators, with one EPOCH_ASSIGNED entry; if that
 * window was missed, the first run in E+1's distribution window does it.
 * Otherwise nothing (report->assigned false). */
ls_status ls_epoch_prefetch(ls_store *st, int64_t now, struct ls_prefetch_report *report,
                            ls_err *err) LS_WARN_UNUSED;

/* GET /v1/epoch/{E}/leads: the cached body (borrowed from rd) for a
 * validator during E's distribution window.  403 not_validator or
 * distribution_window_closed; 503 epoch_not_assigned before prefetch. */
ls_status ls_epoch_leads(ls_reader *rd, const struct ls_identity *caller, uint64_t epoch,
                         int64_t now, struct ls_body *out, ls_err *err) LS_WARN_UNUSED;

/* POST /v1/epoch/{E}/commit: {"commitments":[{lead_id, commitment,
 * evidence_hash?}]}, one per validator per epoch (409), for the current
 * epoch (403) in its commit window (403), covering exactly E's assigned
 * leads (a lead of another epoch: 403 lead_not_assigned).  *response is
 * the new JSON answer. */
ls_status ls_epoch_commit(ls_store *st, const struct ls_identity *validator, uint64_t epoch,
                          json_t *body, int64_t now, char **response, ls_err *err)
	LS_WARN_UNUSED;
/* A vote's commitment (SPEC §5): sha256 of lead_id, decision, rep_score,
 * rejection_reason and salt joined by "\n", exactly as revealed.  What a
 * validator commits (as 64 hex digits) and what the reveal must hash to. */
void ls_vote_commitment(const char *lead_id, const char *decision, const char *rep_score,
                        const char *rejection_reason, const char *salt, uint8_t out[32]);
/* POST /v1/epoch/{E}/reveal: {"reveals":[{lead_id, decision, rep_score,
 * rejection_reason, salt}]} in E's reveal window, each hashing to its
 * commitment (422 commitment_mismatch, nothing stored).  Revealing again
 * answers the first reveal unchanged. */
ls_status ls_epoch_reveal(ls_store *st, const struct ls_identity *validator, uint64_t epoch,
                          json_t *body, int64_t now, char **response, ls_err *err)
	LS_WARN_UNUSED;

struct ls_close_report {
	size_t closed;
	uint64_t last_epoch;
	size_t approved, denied, requeued;
};
/* leadgate-close: close every assigned epoch whose reveal window has
 * ended, oldest first, each in one write transaction: decisions, miner
 * weights, the signed results and weights bodies, LEAD_DECIDED /
 * LEAD_REQUEUED and WEIGHTS entries.  gateway_sk signs the bodies.  Closed
 * epochs are left alone, so reruns change nothing. */
ls_status ls_epochs_close(ls_store *st, int64_t now, const uint8_t gateway_sk[64],
                          struct ls_close_report *report, ls_err *err) LS_WARN_UNUSED;

/* GET /v1/epoch/{E}/results and /weights (what = "results" or "weights"):
 * the signed body, or 404 epoch_not_closed with err->block = when it will
 * exist. */
ls_status ls_epoch_published(ls_reader *rd, uint64_t epoch, const char *what,
                             struct ls_body *out, ls_err *err) LS_WARN_UNUSED;
/* Check a body made by the gateway's signer: the signature member strips
 * back to the signed payload.  true when pk signed it. */
bool ls_signed_body_verify(const char *body, size_t len, const uint8_t pk[32]);

struct ls_prune_report {
	uint64_t nonces, votes, caches, assignments, history;
	uint64_t requests_finished, requests;  /* client requests finished, dropped */
};
/* leadgate-prune: expired nonces; client requests whose time has come
 * are finished, those finished request_keep ago dropped; commits, reveals and assignment sets
 * of epochs more than keep_vote_epochs before the current one; epoch lead
 * bodies whose distribution window is over; metagraph versions no open
 * epoch can need.  Bounded write transactions. */
ls_status ls_prune(ls_store *st, int64_t now, struct ls_prune_report *report, ls_err *err)
	LS_WARN_UNUSED;

/* ------------------------------------------------------------------ */
/* The first-three-validators mode (SPEC §6; queue.c)                  */

/* POST /v1/queue/pull: {"limit": 1..100}.  In one write transaction,
 * after dropping pulls whose pull_timeout has passed unvoted, hands the
 * validator the oldest pending leads it has not pulled and fewer than 3
 * validators have (a lead's third pull takes it off the queue), with one
 * LEADS_PULLED entry.  *response: {"leads":[{lead_id, lead}], "deadline",
 * "pull_timeout"}.  409 wrong_consensus_mode unless consensus_mode =
 * first3. */
ls_status ls_queue_pull(ls_store *st, const struct ls_identity *validator, json_t *body,
                        int64_t now, char **response, ls_err *err) LS_WARN_UNUSED;
/* POST /v1/queue/votes: {lead_id, is_valid, score 0..1 (4 decimals)} for
 * a lead this validator pulled (403 not_pulled) and has not voted on (409
 * already_voted); QUEUE_VOTE entry.  The third vote decides the lead in
 * the same transaction: approved when at least two are valid, score = the
 * mean; LEAD_DECIDED entry; kept under the current epoch for close. */
ls_status ls_queue_vote(ls_store *st, const struct ls_identity *validator, json_t *body,
                        int64_t now, char **response, ls_err *err) LS_WARN_UNUSED;

/* ------------------------------------------------------------------ */
/* Clients and their lead requests (SPEC §3, §5, §6; clients.c,        */
/* requests.c)                                                         */

#define LS_CLIENT_NAME_MAX 64   /* [A-Za-z0-9._-] */
#define LS_CLIENT_KEY_LEN 46    /* "lg_" + 43 base64url characters (32 bytes) */
#define LS_REQUEST_LEADS_MAX 100
#define LS_REQUEST_DESC_MAX 2000 /* characters (code points) */
#define LS_RANKING_MAX 200

struct ls_client {
	char name[LS_CLIENT_NAME_MAX + 1];
};
/* leadgate-admin clients add NAME: a new key (lg_ + 32 random bytes in
 * base64url) in *key, shown once; the store keeps its BLAKE2b hash keyed
 * with a secret of the store's.  CLIENT_ADDED entry (the name's hash).
 * 409 client_exists. */
ls_status ls_client_add(ls_store *st, const char *name, int64_t now,
                        char key[LS_CLIENT_KEY_LEN + 1], ls_err *err) LS_WARN_UNUSED;
/* clients revoke NAME: its key stops working at once; CLIENT_REVOKED.
 * Revoking twice changes nothing (*changed false).  404 no_such_client. */
ls_status ls_client_revoke(ls_store *st, const char *name, int64_t now, bool *changed,
                           ls_err *err) LS_WARN_UNUSED;
/* clients list: [{name, state, created_at, requests}], new array. */
ls_status ls_clients_list(ls_reader *rd, json_t **out, ls_err *err) LS_WARN_UNUSED;
/* Authorization: Bearer <key> -> the client; 401 missing_api_key or
 * bad_api_key (malformed, unknown or revoked: one answer for all). */
ls_status ls_client_auth(ls_reader *rd, const char *authorization, struct ls_client *out,
                         ls_err *err) LS_WARN_UNUSED;

/* POST /v1/requests: {num_leads 1..100, business_desc 1..2000 characters}
 * for a client, within its client_requests_per_hour (429), broadcast to
 * the validators active now (503 no_active_validators when there are
 * none).  *response: {request_id (UUIDv7), status "pending", num_leads,
 * created_at, deadline, expires_at, validators}; REQUEST_CREATED entry. */
ls_status ls_request_create(ls_store *st, const struct ls_client *client, json_t *body,
                            int64_t now, char **response, ls_err *err) LS_WARN_UNUSED;
/* GET /v1/requests/open?after=&limit=: the requests still collecting
 * rankings that the validator was asked to rank, oldest first: {"requests":[{request_id,
 * num_leads, business_desc, created_at, deadline, expires_at, rankings,
 * ranked}], "next_after"}.  *body is new. */
ls_status ls_requests_open(ls_reader *rd, const struct ls_identity *validator, int64_t now,
                           const uint8_t *after, unsigned limit, char **body, size_t *len,
                           ls_err *err) LS_WARN_UNUSED;
/* POST /v1/requests/{id}/rankings: {"rankings":[{lead, score 0..1, rank}]}
 * with 1..200 leads, ranks 1..n each once; lead is the id of an approved
 * lead or a lead object proposed by the miner named in its wallet_ss58
 * (validated like a miner's).  Once per validator per request (409
 * already_ranked), by the validators active when it was made (403
 * not_asked); 409 request_completed / request_expired once the
 * request is decided (whether or not a read has recorded it yet).
 * REQUEST_RANKED entry. */
ls_status ls_request_rank(ls_store *st, const struct ls_identity *validator, const char *id,
                          json_t *body, int64_t now, char **response, ls_err *err) LS_WARN_UNUSED;
/* GET /v1/requests/{id} for the client that made it (404 for anyone
 * else's): its status, and the ranked leads once completed.  A request
 * whose time has come is completed (or expired) here, in one write
 * transaction that the first reader makes and every later one reads:
 * S_lead = sum of score x validator trust over the validators that ranked
 * it, ties by lead id, the top num_leads; with one active validator its
 * ranking as it is.  REQUEST_COMPLETED / REQUEST_EXPIRED entry.  *body
 * is new. */
ls_status ls_request_get(ls_store *st, const struct ls_client *client, const char *id,
                         int64_t now, char **body, size_t *len, ls_err *err) LS_WARN_UNUSED;
/* leadgate-prune: finish requests whose time has come and drop those
 * finished more than request_keep ago with their rankings and results. */
ls_status ls_requests_prune(ls_store *st, int64_t now, uint64_t *finished, uint64_t *removed,
                            ls_err *err) LS_WARN_UNUSED;

/* What GET /v1/metrics reports of requests (cumulative since the store
 * was made): le bounds of the histograms below, +Inf being the count. */
#define LS_RESPONSE_BUCKETS 9   /* 1 2 5 10 20 30 60 90 120 seconds */
#define LS_TRUST_BUCKETS 10     /* 0.1 .. 1.0 */
extern const double ls_response_bounds[LS_RESPONSE_BUCKETS];
struct ls_request_stats {
	uint64_t created, completed, expired;
	uint64_t rankings;                 /* that took part in completed requests */
	uint64_t validators_timed_out, leads_selected;
	uint64_t response[LS_RESPONSE_BUCKETS]; /* rankings by response time, cumulative */
	double response_sum;               /* seconds */
	uint64_t trust[LS_TRUST_BUCKETS];  /* rankings by validator trust, cumulative */
	double trust_sum;
	uint64_t open, clients;            /* now */
};
ls_status ls_request_stats_get(ls_reader *rd, struct ls_request_stats *out, ls_err *err)
	LS_WARN_UNUSED;

/* ------------------------------------------------------------------ */
/* Challenges and the leaderboard (SPEC §5, §8; challenges.c,          */
/* challenges_active.c)                                                */

#define LS_CHALLENGE_ID_MAX 64        /* [A-Za-z0-9._-], 1..64 bytes */
#define LS_CHALLENGE_DOCUMENT_MAX 65536
#define LS_CHALLENGES_PER_LOAD 1000

struct ls_challenges_report {
	size_t loaded, updated, retired, unchanged;
};
/* leadgate-admin challenges load: {"challenges":[{id, title, tier 1..100,
 * difficulty, multiplier (0, 1000], opens_at, closes_at (unix seconds),
 * document (JSON, canonical size <= 64 KiB), retired?}]}.  Every challenge
 * is validated first (LS_INVALID naming "challenges[i].field"); then one
 * write transaction adds the new ones (CHALLENGE_LOADED), changes the
 * changed ones (CHALLENGE_UPDATED, CHALLENGE_RETIRED) and leaves the
 * others alone, so loading a file twice changes nothing the second time.
 * Any change makes the cached active body stale at once. */
ls_status ls_challenges_load(ls_store *st, const char *json, size_t len, int64_t now,
                             struct ls_challenges_report *r, ls_err *err) LS_WARN_UNUSED;

/* Every challenge as leadgate-admin challenges list shows it:
 * [{id, title, state: upcoming|open|closed|retired, opens_at, closes_at,
 * submissions}].  *out new. */
ls_status ls_challenges_list(ls_reader *rd, int64_t now, json_t **out, ls_err *err)
	LS_WARN_UNUSED;

/* GET /v1/challenges/active: {"challenges":[...open now, by id...],
 * "next_change_at":T|null}, borrowed from rd.  The body is built once and
 * kept with the time at which it goes stale (the next opens_at or
 * closes_at) and the challenges' version.  A reader that finds it stale
 * tries a non-blocking lock (store_dir/challenges-active.lock) to become
 * the one rebuilder across processes; the others answer the previous body
 * meanwhile.  A failed rebuild answers the previous body and logs a
 * warning; with no previous body, LS_UNAVAILABLE.  *fresh_for: seconds
 * the answer stays right (0 for a previous body served stale), for
 * Cache-Control.  rd's snapshot may be renewed; if that fails, the error. */
ls_status ls_challenges_active(ls_reader *rd, int64_t now, struct ls_body *out,
                               int64_t *fresh_for, ls_err *err) LS_WARN_UNUSED;
/* How many times the active body has been built (admin status). */
uint64_t ls_challenges_active_builds(ls_reader *rd);

/* POST /v1/challenges/{id}/submissions: body (a JSON value, canonical size
 * at most challenge_submission_max: 413) from a registered miner while the
 * challenge is open (403 challenge_not_open / challenge_closed /
 * challenge_retired; 404 no_such_challenge).  One submission per miner per
 * challenge: a new one replaces the previous (not within submit_cooldown
 * seconds of it: 429).  CHALLENGE_SUBMITTED entry.  *response new JSON. */
ls_status ls_challenge_submit(ls_store *st, const struct ls_identity *miner, const char *id,
                              const uint8_t *body, size_t len, int64_t now, char **response,
                              ls_err *err) LS_WARN_UNUSED;
/* GET /v1/challenges/{id}/submissions?after=&limit=: a validator reads the
 * current submissions in the order they arrived, bodies included:
 * {"submissions":[{submission_id, miner, submitted_at, sha256, body}],
 * "next_after": id|null}.  *body new. */
ls_status ls_challenge_submissions(ls_reader *rd, const struct ls_identity *caller,
                                   const char *id, const uint8_t *after, unsigned limit,
                                   char **body, size_t *len, ls_err *err) LS_WARN_UNUSED;
/* POST /v1/challenges/{id}/results: {"submission_id", "score" 0..1 with at
 * most 4 decimals} from a validator, once per validator per submission
 * (409 already_scored); appended to the leaderboard under the next cursor
 * with a CHALLENGE_RESULT entry.  *response: the leaderboard entry. */
ls_status ls_challenge_result(ls_store *st, const struct ls_identity *validator, const char *id,
                              json_t *body, int64_t now, char **response, ls_err *err)
	LS_WARN_UNUSED;
/* GET /v1/leaderboard/recent?cursor=N&limit=M: the results after cursor N,
 * {"results":[...],"next_cursor":C} (C = the last cursor given, or N). */
ls_status ls_leaderboard_page(ls_reader *rd, uint64_t cursor, unsigned limit, char **body,
                              size_t *len, ls_err *err) LS_WARN_UNUSED;

/* ------------------------------------------------------------------ */
/* ANS-104 bundles (SPEC §7; ans104.c)                                 */

#define LS_ANS104_ED25519 2   /* the only signature type written and read */
#define LS_ANS104_MAX_TAGS 128
struct ls_ans104_tag {
	const char *name, *value;  /* bytes, not NUL-terminated */
	size_t name_len, value_len;
};
/* A data item's fields; pointers refer to the caller's (or the parsed
 * buffer's) bytes.  target and anchor are NULL when absent.  Initialise it
 * whole (= {...}): unset shortcuts below must be NULL. */
struct ls_ans104_item {
	const uint8_t *owner;              /* 32 bytes: the ed25519 public key */
	const uint8_t *target, *anchor;
	uint64_t tag_count;
	const uint8_t *tags;               /* the Avro-encoded tags */
	size_t tags_len;
	const uint8_t *data;
	size_t data_len;
	/* Shortcuts for writers (NULL: computed): the deep hash so far over
	 * the parts that every item of one owner without target and anchor
	 * shares (ls_ans104_prefix), and the SHA-384 of data when the data is
	 * too large to hold (then only the head is written from the item). */
	const uint8_t *prefix, *data_sha384;
	uint8_t signature[64], id[32];     /* set by write and parse */
};
/* The Avro encoding of tags (no bytes for no tags); out NULL: the size. */
size_t ls_avro_tags_encode(const struct ls_ans104_tag *tags, size_t n, uint8_t *out);
/* Decode an Avro tag array strictly, pointing into buf. */
ls_status ls_avro_tags_decode(const uint8_t *buf, size_t len, struct ls_ans104_tag *tags,
                              size_t max, size_t *count, ls_err *err) LS_WARN_UNUSED;
/* arweave-js's deepHash (SHA-384) of a list, built child by child: the
 * list's length first, then each blob, or each nested list's own hash. */
struct ls_deep_hash {
	uint8_t acc[96];
};
void ls_deep_hash_begin(struct ls_deep_hash *h, size_t count);
void ls_deep_hash_blob(struct ls_deep_hash *h, const void *p, size_t len);
void ls_deep_hash_child(struct ls_deep_hash *h, const uint8_t child[48]);
void ls_deep_hash_end(const struct ls_deep_hash *h, uint8_t out[48]);
/* SHA-384 deep hash of ["dataitem","1","2",owner,target,anchor,tags,data]. */
void ls_ans104_deep_hash(const struct ls_ans104_item *it, uint8_t out[48]);
/* The deep hash after "dataitem", "1", "2", owner, no target, no anchor. */
void ls_ans104_prefix(const uint8_t owner[32], uint8_t out[48]);
size_t ls_ans104_item_size(const struct ls_ans104_item *it);
/* Sign it with the ed25519 key sk: set signature and id. */
void ls_ans104_item_sign(struct ls_ans104_item *it, const uint8_t sk[64]);
/* Write a signed item's bytes before its data; the number written. */
size_t ls_ans104_item_head(const struct ls_ans104_item *it, uint8_t *out);
/* Sign it and write its ls_ans104_item_size bytes to out. */
void ls_ans104_item_write(struct ls_ans104_item *it, const uint8_t sk[64], uint8_t *out);
/* Split len bytes of one data item into its fields (layout only). */
ls_status ls_ans104_item_parse(const uint8_t *buf, size_t len, struct ls_ans104_item *it,
                               ls_err *err) LS_WARN_UNUSED;
/* The tags decode, their count is the header's, the signature verifies. */
ls_status ls_ans104_item_verify(const struct ls_ans104_item *it, ls_err *err) LS_WARN_UNUSED;
/* Check a whole bundle strictly: the count and the sizes add up to len,
 * each header id is the SHA-256 of its item's signature, and each item
 * parses and verifies; then each(ctx, index, item) may check more (NULL:
 * nothing).  The first failure is returned, its detail naming the item. */
typedef ls_status (*ls_ans104_item_fn)(void *ctx, uint64_t index,
                                       const struct ls_ans104_item *it, ls_err *err);
ls_status ls_ans104_bundle_check(const uint8_t *buf, size_t len, ls_ans104_item_fn each,
                                 void *ctx, uint64_t *count, ls_err *err) LS_WARN_UNUSED;
/* The bundle header's 32-byte little-endian integers. */
void ls_ans104_le256(uint64_t v, uint8_t out[32]);
bool ls_ans104_le256_read(const uint8_t in[32], uint64_t *v);  /* false: ≥ 2^64 */

/* ------------------------------------------------------------------ */
/* Bans (bans.c): hotkeys refused on every signed route, 403 banned,
 * before their signature is verified. */
#define LS_BAN_REASON_MAX 200
/* LS_OK when hotkey is not banned now, else LS_FORBIDDEN banned saying
 * until when and why. */
ls_status ls_ban_check(ls_reader *rd, const uint8_t hotkey[32], int64_t now, ls_err *err);
/* Ban hotkey until the unix time until (0: until lifted) for reason (UTF-8,
 * at most LS_BAN_REASON_MAX bytes, no control characters), replacing any
 * ban it has; a HOTKEY_BANNED entry. */
ls_status ls_ban(ls_store *st, const uint8_t hotkey[32], int64_t until, const char *reason,
                 int64_t now, ls_err *err) LS_WARN_UNUSED;
/* Lift hotkey's ban (a HOTKEY_UNBANNED entry); *lifted false when it had
 * none in force, and nothing is written. */
ls_status ls_unban(ls_store *st, const uint8_t hotkey[32], int64_t now, bool *lifted,
                   ls_err *err) LS_WARN_UNUSED;
/* GET /v1/bans: {"bans":[{"hotkey","since","until","reason"}]}, the bans
 * in force now; *body new. */
ls_status ls_bans_json(ls_reader *rd, int64_t now, char **body, size_t *len,
                       ls_err *err) LS_WARN_UNUSED;

/* Arweave layer-1 transactions, format 2 (arweave.c): the operator's JWK
 * wallet, Arweave's chunking and data root, and the signed transaction. */
#define LS_ARWEAVE_SIG_BYTES 512   /* 4096-bit RSA: the owner and the signature */
#define LS_ARWEAVE_ID_B64 44       /* 32 bytes in base64url, and its NUL */
#define LS_ARWEAVE_ANCHOR_MAX 64   /* last_tx: a block hash (48) or a tx id (32) */
typedef struct ls_arweave_wallet ls_arweave_wallet;
typedef struct ls_arweave_chunks ls_arweave_chunks;
/* base64url without padding (out_size ≥ 4/3 len + 2). */
void ls_b64url(const uint8_t *in, size_t len, char *out, size_t out_size);
/* Load a JWK wallet file; refused (bad_wallet) unless it is a 4096-bit
 * RSA key whose private half signs for its public half. */
ls_status ls_arweave_wallet_load(const char *path, ls_arweave_wallet **out,
                                 ls_err *err) LS_WARN_UNUSED;
void ls_arweave_wallet_free(ls_arweave_wallet *w);
const char *ls_arweave_address(const ls_arweave_wallet *w);  /* base64url(SHA-256(n)) */
const uint8_t *ls_arweave_owner(const ls_arweave_wallet *w); /* n, 512 bytes */
/* RSA-PSS-SHA256 over a 48-byte deep hash, and its check. */
ls_status ls_arweave_sign(const ls_arweave_wallet *w, const uint8_t msg[48],
                          uint8_t sig[LS_ARWEAVE_SIG_BYTES]) LS_WARN_UNUSED;
bool ls_arweave_verify(const uint8_t owner[LS_ARWEAVE_SIG_BYTES], const uint8_t msg[48],
                       const uint8_t sig[LS_ARWEAVE_SIG_BYTES]);
/* data's chunks and their Merkle tree (data stays the caller's). */
ls_status ls_arweave_chunks_build(const uint8_t *data, uint64_t size, ls_arweave_chunks **out,
                                  ls_err *err) LS_WARN_UNUSED;
void ls_arweave_chunks_free(ls_arweave_chunks *c);
const uint8_t *ls_arweave_data_root(const ls_arweave_chunks *c);
uint64_t ls_arweave_chunk_count(const ls_arweave_chunks *c);  /* the ones to post */
/* Chunk i's data_path into out (at most 96 × 64 + 64 bytes) and its byte
 * range [start, end); returns the path's length. */
#define LS_ARWEAVE_PROOF_MAX (96 * 64 + 64)
size_t ls_arweave_chunk_proof(const ls_arweave_chunks *c, uint64_t i, uint8_t *out,
                              uint64_t *start, uint64_t *end);
struct ls_arweave_tx {
	const struct ls_ans104_tag *tags;
	size_t tag_count;
	char reward[32];                       /* winston, decimal */
	uint8_t anchor[LS_ARWEAVE_ANCHOR_MAX]; /* last_tx, decoded */
	size_t anchor_len;
	uint64_t data_size;
	uint8_t data_root[32];
	/* set by ls_arweave_tx_sign */
	uint8_t owner[LS_ARWEAVE_SIG_BYTES], signature[LS_ARWEAVE_SIG_BYTES], id[32];
};
/* The deep hash a format-2 transaction's signature covers. */
void ls_arweave_tx_message(const struct ls_arweave_tx *tx, uint8_t out[48]);
ls_status ls_arweave_tx_sign(const ls_arweave_wallet *w, struct ls_arweave_tx *tx,
                             ls_err *err) LS_WARN_UNUSED;
/* The body of POST /tx; data inline when not NULL (a one-chunk upload). */
json_t *ls_arweave_tx_json(const struct ls_arweave_tx *tx, const uint8_t *data);

/* The log's bundles (SPEC §7; bundle.c).  The bundle of a closed epoch
 * E holds the log from the entry after the previous bundle's last
 * through the entry that closed E, one data item per entry, signed with
 * the gateway key; its id is the id of the data item that carries it to
 * a bundler (tags Bundle-Format: binary, Bundle-Version: 2.0.0). */

/* Where a bundle stands on its way to Arweave (upload.c). */
enum ls_upload_state {
	LS_UPLOAD_WAITING = 0,   /* not posted yet (failures: retried after retry_at) */
	LS_UPLOAD_POSTED = 1,    /* accepted; waiting for confirmations */
	LS_UPLOAD_CONFIRMED = 2, /* confirmed: the end of the road */
	LS_UPLOAD_REFUSED = 3,   /* refused: stopped until leadgate-admin uploads retry */
};
enum ls_upload_mode { LS_ARWEAVE_NONE = 0, LS_ARWEAVE_GATEWAY = 1, LS_ARWEAVE_BUNDLER = 2 };
#define LS_UPLOAD_NOTE_MAX 240

struct ls_bundle_info {
	uint64_t epoch, first_seq, last_seq, count, size;
	int64_t written_at;
	uint8_t id[32], sha256[32];
	uint8_t root[32];          /* the Merkle root of its entries' hashes */
	uint64_t root_seq;         /* the entry that recorded root; 0: not yet */
	/* its upload */
	enum ls_upload_state upload;
	enum ls_upload_mode mode;  /* where it went (NONE until posted) */
	uint32_t failures;         /* failed attempts since the last step */
	uint8_t arweave_id[32];    /* the transaction (gateway) or data item (bundler) */
	int64_t posted_at, confirmed_at, retry_at;
	uint64_t confirmations;
	char note[LS_UPLOAD_NOTE_MAX + 1];  /* the last failure or refusal */
};
struct ls_bundle_report {
	size_t written, roots;  /* roots: older bundles' Merkle roots recorded */
	uint64_t last_epoch, items, bytes;
};
/* leadgate-bundle: every closed epoch's bundle not yet written, oldest
 * first: the file synced and renamed into bundle_dir, then recorded with
 * a BUNDLE_WRITTEN entry in one write transaction. */
ls_status ls_bundles_write(ls_store *st, const uint8_t gateway_sk[64], int64_t now,
                           struct ls_bundle_report *r, ls_err *err) LS_WARN_UNUSED;
/* epoch's written bundle; 404 no_bundle otherwise. */
ls_status ls_bundle_get(ls_reader *rd, uint64_t epoch, struct ls_bundle_info *out,
                        ls_err *err) LS_WARN_UNUSED;
/* The written bundle that holds entry seq; 404 not_bundled otherwise. */
ls_status ls_bundle_holding(ls_reader *rd, uint64_t seq, struct ls_bundle_info *out,
                            ls_err *err) LS_WARN_UNUSED;
/* The same with its file open for reading (*fd, to close). */
ls_status ls_bundle_open(ls_reader *rd, uint64_t epoch, struct ls_bundle_info *out, int *fd,
                         ls_err *err) LS_WARN_UNUSED;
void ls_bundle_path(const ls_store *st, uint64_t epoch, char out[LS_PATH_MAX + 64]);
/* The written bundles of epochs after *after (NULL: from the first), at
 * most limit, as the body of GET /v1/log/bundles:
 * {"bundles":[...],"next_after":E}; *body new. */
ls_status ls_bundles_list(ls_reader *rd, const uint64_t *after, unsigned limit, char **body,
                          size_t *len, ls_err *err) LS_WARN_UNUSED;
/* Write the data item that carries epoch's bundle to out_fd, signed with
 * sk, which must be the key that wrote the bundle. */
ls_status ls_bundle_carrier(ls_reader *rd, uint64_t epoch, const uint8_t sk[64], int out_fd,
                            ls_err *err) LS_WARN_UNUSED;

/* The steps of an upload, each recorded with its log entry (upload.c). */
enum ls_upload_step_kind {
	LS_STEP_POSTED,     /* WAITING -> POSTED: BUNDLE_POSTED */
	LS_STEP_CONFIRMED,  /* POSTED -> CONFIRMED: BUNDLE_CONFIRMED */
	LS_STEP_FAILED,     /* counted, retried after a backoff: BUNDLE_UPLOAD_FAILED */
	LS_STEP_DROPPED,    /* POSTED -> WAITING, the gateway lost it: BUNDLE_UPLOAD_FAILED */
	LS_STEP_REFUSED,    /* -> REFUSED until the operator acts: BUNDLE_UPLOAD_REFUSED */
	LS_STEP_RETRY,      /* REFUSED -> WAITING (leadgate-admin uploads retry) */
};
struct ls_upload_step {
	enum ls_upload_step_kind kind;
	enum ls_upload_mode mode;   /* POSTED: where it went */
	uint8_t arweave_id[32];     /* POSTED, CONFIRMED: the transaction or item */
	uint64_t confirmations;     /* CONFIRMED */
	const char *why;            /* FAILED, DROPPED, REFUSED: the far end's words */
	json_t *facts;              /* more for the entry's payload (NULL: none) */
};
/* Record one step of epoch's upload in one write transaction; *done false
 * when the bundle was no longer in a state the step applies to. */
ls_status ls_upload_record(ls_store *st, uint64_t epoch, const struct ls_upload_step *step,
                           int64_t now, bool *done, ls_err *err) LS_WARN_UNUSED;
const char *ls_upload_state_name(enum ls_upload_state s);
const char *ls_upload_mode_name(enum ls_upload_mode m);
/* For tests: while store_dir/faults has a line `name` (fault-injection
 * builds only), say "holding at name" on stderr and wait, at most a
 * minute, so that a test can kill the process at that very step. */
void ls_fault_hold(ls_store *st, const char *name);
/* Seconds to wait after the n-th failure in a row: 60 s doubled, ≤ 1 h. */
int64_t ls_upload_backoff(uint32_t failures);
typedef ls_status (*ls_upload_fn)(void *ctx, const struct ls_bundle_info *b);
/* Every written bundle, oldest epoch first. */
ls_status ls_uploads_list(ls_reader *rd, ls_upload_fn each, void *ctx, ls_err *err) LS_WARN_UNUSED;
struct ls_upload_stats {
	uint64_t waiting, posted, confirmed, refused, failures;
	int64_t oldest_unconfirmed;  /* when the oldest bundle not confirmed was written; 0: none */
};
ls_status ls_uploads_stats(ls_reader *rd, struct ls_upload_stats *out, ls_err *err) LS_WARN_UNUSED;

struct ls_bundle_summary {
	uint64_t count, first_seq, last_seq, first_epoch, last_epoch;
	uint64_t epoch;          /* the epoch its last entry (WEIGHTS) closed */
	uint8_t owner[32];
	uint8_t first_prev[32];  /* item 0's Prev-Hash */
	uint8_t last_hash[32];   /* the hash of the last item's entry */
};
/* A bundle as leadgate writes it, strictly: the ANS-104 layout and every
 * signature (ls_ans104_bundle_check), one owner, the six tags, each data
 * a canonical log entry that its tags describe, the hash chain from item
 * to item (seq 1 starts from the zero hash), and a last item that is the
 * WEIGHTS entry closing an epoch (so no tail can be cut off unseen).  The
 * first failure is returned, naming its item. */
ls_status ls_bundle_verify(const uint8_t *buf, size_t len, struct ls_bundle_summary *out,
                           ls_err *err) LS_WARN_UNUSED;
/* The bundle continues the chain after entry prev_seq of hash prev_hash. */
ls_status ls_bundle_link(const struct ls_bundle_summary *sum, uint64_t prev_seq,
                         const uint8_t prev_hash[32], ls_err *err) LS_WARN_UNUSED;

/* ------------------------------------------------------------------ */
/* Transparency log (SPEC §7)                                          */

struct ls_log_head {
	uint64_t seq;        /* 0 when empty */
	uint8_t hash[32];    /* zeros when empty */
};
ls_status ls_log_head(ls_reader *rd, struct ls_log_head *out);
/* Entries after `after`, at most `limit`, as the JSON body of GET /v1/log:
 * {"entries":[{"seq":N,"hash":"..","entry":{canonical}}],"next_after":N}.
 * *body is new (free()). */
ls_status ls_log_page(ls_reader *rd, uint64_t after, unsigned limit,
                      char **body, size_t *len, ls_err *err) LS_WARN_UNUSED;
/* Walk the whole chain from seq 1: each prev must equal the previous hash
 * and each hash must equal sha256(prev ‖ canonical entry).  On a break,
 * LS_ERROR with *bad_seq set. */
ls_status ls_log_verify(ls_reader *rd, uint64_t *count, uint64_t *bad_seq,
                        ls_err *err) LS_WARN_UNUSED;
/* The stored hash of entry seq; LS_NOTFOUND when there is none. */
ls_status ls_log_hash_at(ls_reader *rd, uint64_t seq, uint8_t out[32]);
/* sha256(prev ‖ entry) — the chain rule, for tests and verifiers. */
void ls_log_entry_hash(const uint8_t prev[32], const char *entry, size_t len,
                       uint8_t out[32]);
/* The seq of the entry whose hash this is; LS_NOTFOUND when none is. */
ls_status ls_log_seq_of(ls_reader *rd, const uint8_t hash[32], uint64_t *seq);
/* Entry seq, borrowed from rd's map: its hash and canonical JSON. */
ls_status ls_log_entry_at(ls_reader *rd, uint64_t seq, const uint8_t **hash, const char **json,
                          size_t *len);

/* Look an entry up and prove it (SPEC §7; proof.c).
 * GET /v1/log/entries/{hash}: {"seq","hash","entry","bundle","proof"},
 * bundle and proof null until the entry's bundle is written. */
ls_status ls_log_entry_json(ls_reader *rd, const char *hash_hex, char **body, size_t *len,
                            ls_err *err) LS_WARN_UNUSED;
/* GET /v1/log/entries/{hash}/proof: the entry, its bundle, its leaf
 * index, the Merkle path to the bundle's root and the entry that recorded
 * that root; 404 not_bundled until both exist. */
ls_status ls_log_proof_json(ls_reader *rd, const char *hash_hex, char **body, size_t *len,
                            ls_err *err) LS_WARN_UNUSED;
struct ls_proof_summary {
	uint64_t seq, epoch, leaf_index, tree_size, root_seq;
	char type[64];
	uint8_t root[32];
};
/* Check a proof body offline: the entry's hash from its own bytes, the
 * path to the root, and the root entry that records that root for the
 * bundle (root_pin, when not NULL, must equal the root). */
ls_status ls_proof_verify(const char *body, size_t len, const uint8_t *root_pin,
                          struct ls_proof_summary *out, ls_err *err) LS_WARN_UNUSED;

/* The Merkle tree of a bundle's entries: RFC 9162 §2.1 over SHA-256
 * (merkle.c); leaves are the entries' 32-byte log hashes. */
#define LS_MERKLE_PATH_MAX 64
#define LS_MERKLE_TREE "rfc9162-sha256"  /* how BUNDLE_WRITTEN names the tree */
void ls_merkle_leaf(const uint8_t *data, size_t len, uint8_t out[32]);  /* H(0x00 ‖ data) */
void ls_merkle_node(const uint8_t left[32], const uint8_t right[32], uint8_t out[32]);
/* The root of n leaf hashes (H("") for none). */
void ls_merkle_root(const uint8_t (*leaves)[32], uint64_t n, uint8_t out[32]);
/* Leaf index's inclusion path among n leaf hashes, lowest level first;
 * returns its length. */
unsigned ls_merkle_path(const uint8_t (*leaves)[32], uint64_t n, uint64_t index,
                        uint8_t path[LS_MERKLE_PATH_MAX][32]);
/* RFC 9162 §2.1.3.2: the path takes leaf index of a tree of n to root. */
bool ls_merkle_verify(const uint8_t leaf[32], uint64_t index, uint64_t n,
                      const uint8_t (*path)[32], unsigned len, const uint8_t root[32]);

/* ------------------------------------------------------------------ */
/* Small shared helpers                                                */

void ls_hex(const uint8_t *in, size_t len, char *out); /* out: 2*len+1 */
ls_status ls_unhex(const char *in, uint8_t *out, size_t len) LS_WARN_UNUSED;
/* Canonical JSON (SPEC §7): compact, keys sorted, ASCII.  New string. */
char *ls_json_canonical(const json_t *v);
/* Strict unsigned decimal: digits only, no sign, no overflow past max. */
bool ls_parse_u64(const char *s, uint64_t max, uint64_t *out);
/* UTF-8: the length of the well-formed sequence at s (0 if none), whole
 * strings, and replacing every ill-formed byte of a C string with '?'. */
size_t ls_utf8_seq(const uint8_t *s, size_t n);
bool ls_utf8_valid(const uint8_t *s, size_t n);
void ls_utf8_scrub(char *s);

struct ls_stats {
	uint64_t leads, pending, neurons, log_entries, nonces;
};
ls_status ls_stats_get(ls_reader *rd, struct ls_stats *out);
/* Unix time of the last successful import by leadgate-sync, 0 if never. */
int64_t ls_last_sync(ls_reader *rd);

/* Where the epoch pipeline stands: the chain's block and epoch (anchored
 * false and both 0 before the first sync), and the newest epoch assigned,
 * closed and bundled (0 for none). */
struct ls_epoch_state {
	bool anchored;
	uint64_t block, epoch, last_assigned, last_closed, last_bundled;
};
void ls_epoch_state_get(ls_reader *rd, int64_t now, struct ls_epoch_state *out);

#endif
