/*
 * bundle.c — the transparency log published as ANS-104 bundles (SPEC §7).
 *
 * Which entries: the log is one chain, and an epoch's entries are not
 * contiguous in it (E's reveals arrive during E+1), so the bundle of epoch
 * E holds the stretch of the chain from the entry after the previous
 * bundle's last through the entry that closed E (its WEIGHTS).  Every
 * entry is in exactly one bundle, each bundle's first item links to the
 * previous bundle's last, and each item's Epoch tag is its entry's own.
 *
 * Writing: the entries are read in one read transaction and checked
 * against the chain; the items are built and signed by one thread per
 * core straight into a memory-mapped temp file whose blocks were reserved
 * first (so a full disk is an error, not SIGBUS).  The file is synced and
 * renamed into the bundle directory, the directory synced, and only then
 * one write transaction records the bundle with its BUNDLE_WRITTEN entry.
 * ed25519 signatures are deterministic: after a crash, the rerun writes
 * the same bytes again.
 */
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <nettle/sha2.h>
#include <sodium.h>
#include "internal.h"

enum bundle_state { BUNDLE_DUE = 1, BUNDLE_WRITTEN = 2 };
/* LS_FMT2 (schema 9); LS_FMT1 was its first 112 bytes, upload, mode and
 * failures then zero padding. */
struct bundle_rec {
	uint8_t fmt, state, upload, mode;
	uint32_t failures;
	uint64_t last_seq;     /* the entry that closed the epoch */
	uint64_t first_seq, count, size;  /* the rest once written */
	int64_t written_at;
	uint8_t id[32], sha256[32];
	uint8_t root[32];
	uint64_t root_seq;
	uint8_t arweave_id[32];
	int64_t posted_at, confirmed_at, retry_at;
	uint64_t confirmations;
	char note[LS_UPLOAD_NOTE_MAX + 1];
};
#define REC_V1_SIZE 112
_Static_assert(offsetof(struct bundle_rec, root) == REC_V1_SIZE, "format 1 is format 2's head");

#define TYPE_MAX 48         /* longest entry type an item carries */
#define TAGS_MAX 320        /* the Avro bytes of the six tags, at most */
#define MAX_THREADS 8

static const char *const tag_names[] = {"App-Name", "Content-Type", "Epoch", "Seq", "Type",
                                        "Prev-Hash"};
enum { TAG_COUNT = 6 };

/* The index from a bundle's last seq to its epoch. */
static void end_ref(uint64_t epoch, uint8_t out[9])
{
	out[0] = LS_FMT1;
	ls_be64(epoch, out + 1);
}

ls_status lt_bundle_due(struct ls_txn *t, uint64_t epoch, uint64_t last_seq)
{
	struct bundle_rec rec = {.fmt = LS_FMT2, .state = BUNDLE_DUE, .last_seq = last_seq};
	uint8_t key[8], end_key[8], ref[9];
	ls_be64(epoch, key);
	ls_be64(last_seq, end_key);
	end_ref(epoch, ref);
	ls_status s = lt_put(t, DB_BUNDLES, key, 8, &rec, sizeof rec, 0);
	return s == LS_OK ? lt_put(t, DB_BUNDLE_ENDS, end_key, 8, ref, sizeof ref, 0) : s;
}

static bool rec_decode(const MDB_val *v, struct bundle_rec *out)
{
	if (v->mv_size != sizeof *out)
		return false;
	memcpy(out, v->mv_data, sizeof *out);
	out->note[LS_UPLOAD_NOTE_MAX] = '\0';
	return out->fmt == LS_FMT2 && (out->state == BUNDLE_DUE || out->state == BUNDLE_WRITTEN) &&
	       out->upload <= LS_UPLOAD_REFUSED && out->mode <= LS_ARWEAVE_BUNDLER;
}

/* epoch's record in t; LS_NOTFOUND when it has none or one that is
 * malformed (then there is nothing to change). */
static ls_status rec_get(struct ls_txn *t, uint64_t epoch, struct bundle_rec *out)
{
	uint8_t key[8];
	MDB_val v;
	ls_be64(epoch, key);
	ls_status s = lt_get(t, DB_BUNDLES, key, 8, &v);
	return s == LS_OK && !rec_decode(&v, out) ? LS_NOTFOUND : s;
}

static ls_status rec_put(struct ls_txn *t, uint64_t epoch, const struct bundle_rec *rec)
{
	uint8_t key[8];
	ls_be64(epoch, key);
	return lt_put(t, DB_BUNDLES, key, 8, rec, sizeof *rec, 0);
}

int ls_bundles_upgrade(MDB_txn *txn, MDB_dbi bundles, MDB_dbi ends)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc = mdb_cursor_open(txn, bundles, &cur);
	for (rc = rc ? rc : mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		struct bundle_rec rec = {0};
		uint8_t key[8], end_key[8], ref[9];
		if (k.mv_size != 8 || v.mv_size != REC_V1_SIZE || ((uint8_t *)v.mv_data)[0] != LS_FMT1)
			continue;  /* not format 1: left for rec_decode to refuse */
		/* copied: k and v point into the page the put below rewrites */
		memcpy(key, k.mv_data, 8);
		memcpy(&rec, v.mv_data, REC_V1_SIZE);
		rec.fmt = LS_FMT2;
		rec.upload = rec.mode = 0;
		rec.failures = 0;
		ls_be64(rec.last_seq, end_key);
		end_ref(ls_from_be64(key), ref);
		MDB_val bk = {8, key}, rv = {sizeof rec, &rec}, ek = {8, end_key}, ev = {sizeof ref, ref};
		if ((rc = mdb_cursor_put(cur, &bk, &rv, MDB_CURRENT)) != 0 ||
		    (rc = mdb_put(txn, ends, &ek, &ev, 0)) != 0)
			break;
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

static const char WEIGHTS_END[] = "\"type\":\"WEIGHTS\"}";

int ls_bundles_backfill(MDB_txn *txn, MDB_dbi log, MDB_dbi epochs, MDB_dbi bundles)
{
	MDB_cursor *cur;
	MDB_val k, v;
	size_t end_len = strlen(WEIGHTS_END);
	int rc = mdb_cursor_open(txn, log, &cur);
	for (rc = rc ? rc : mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		const char *entry = (const char *)v.mv_data + 33;
		size_t len = v.mv_size > 33 ? v.mv_size - 33 : 0;
		json_int_t epoch;
		if (k.mv_size != 8 || len < end_len || memcmp(entry + len - end_len, WEIGHTS_END, end_len))
			continue;
		json_t *e = json_loadb(entry, len, 0, NULL);
		bool ok = e && json_unpack(e, "{s:I}", "epoch", &epoch) == 0 && epoch >= 0;
		json_decref(e);
		uint8_t key[8];
		MDB_val ek = {8, key}, ev;
		ls_be64((uint64_t)(ok ? epoch : 0), key);
		if (!ok || mdb_get(txn, epochs, &ek, &ev) != 0 || ev.mv_size < 2 ||
		    ((uint8_t *)ev.mv_data)[1] < EPOCH_CLOSED)
			continue;
		/* the record as schema 4 wrote it: schema 9's upgrade follows */
		struct bundle_rec rec = {.fmt = LS_FMT1, .state = BUNDLE_DUE,
		                         .last_seq = ls_from_be64(k.mv_data)};
		MDB_val rv = {REC_V1_SIZE, &rec};
		if ((rc = mdb_put(txn, bundles, &ek, &rv, 0)) != 0)
			break;
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* ---- where bundles live ------------------------------------------------ */

static void bundle_dir(const ls_store *st, char out[LS_PATH_MAX + 16])
{
	if (st->cfg.bundle_dir[0])
		snprintf(out, LS_PATH_MAX + 16, "%s", st->cfg.bundle_dir);
	else
		snprintf(out, LS_PATH_MAX + 16, "%s/bundles", st->cfg.store_dir);
}

void ls_bundle_path(const ls_store *st, uint64_t epoch, char out[LS_PATH_MAX + 64])
{
	char dir[LS_PATH_MAX + 16];
	bundle_dir(st, dir);
	snprintf(out, LS_PATH_MAX + 64, "%s/bundle-%llu.ans104", dir, (unsigned long long)epoch);
}

/* ---- building one bundle ----------------------------------------------- */

struct entry {
	const uint8_t *json;   /* borrowed from the read transaction's map */
	size_t len;
	const uint8_t *hash;
};

struct plan {
	uint64_t epoch, offset;
	size_t size, tags_len;
	char type[TYPE_MAX + 1];
};

struct build {
	uint64_t first_seq, n;
	uint8_t prev0[32];         /* the hash before the first entry */
	struct entry *entries;
	struct plan *plans;
	uint8_t *map;              /* the temp file */
	const uint8_t *sk;
	uint8_t prefix[48];
	pthread_mutex_t lock;      /* guards the first failure below */
	uint64_t bad;              /* its index, UINT64_MAX while none */
	char why[200];
};

static const uint8_t *prev_hash(const struct build *b, uint64_t i)
{
	return i ? b->entries[i - 1].hash : b->prev0;
}

static void build_fail(struct build *b, uint64_t i, const char *why)
{
	pthread_mutex_lock(&b->lock);
	if (i < b->bad) {
		b->bad = i;
		snprintf(b->why, sizeof b->why, "%s", why);
	}
	pthread_mutex_unlock(&b->lock);
}

/* The six tags of item i, Avro-encoded into out (NULL: the size). */
static size_t item_tags(const struct build *b, uint64_t i, uint8_t *out)
{
	const struct plan *p = &b->plans[i];
	char epoch[24], seq[24], prev[65];
	const char *values[TAG_COUNT] = {"leadgate", "application/json", epoch, seq, p->type, prev};
	struct ls_ans104_tag tags[TAG_COUNT];
	snprintf(epoch, sizeof epoch, "%llu", (unsigned long long)p->epoch);
	snprintf(seq, sizeof seq, "%llu", (unsigned long long)(b->first_seq + i));
	ls_hex(prev_hash(b, i), 32, prev);
	for (int t = 0; t < TAG_COUNT; t++)
		tags[t] = (struct ls_ans104_tag){tag_names[t], values[t], strlen(tag_names[t]),
		                                 strlen(values[t])};
	return ls_avro_tags_encode(tags, TAG_COUNT, out);
}

static bool type_ok(const char *type)
{
	size_t n = strlen(type);
	return n > 0 && n <= TYPE_MAX && strspn(type, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == n;
}

/* A decimal number at *p (advanced past it); false when there is none. */
static bool read_decimal(const char **p, const char *end, uint64_t *v)
{
	const char *start = *p;
	*v = 0;
	while (*p < end && **p >= '0' && **p <= '9' && *p - start < 19)
		*v = *v * 10 + (uint64_t)(*(*p)++ - '0');
	return *p > start && (*p == end || **p < '0' || **p > '9');
}

static bool read_literal(const char **p, const char *end, const char *lit)
{
	size_t n = strlen(lit);
	if ((size_t)(end - *p) < n || memcmp(*p, lit, n) != 0)
		return false;
	*p += n;
	return true;
}

/* The fields of one of the log's own entries, read where canonical JSON
 * puts them: {"epoch":E,"payload":{..},"prev":"<hex>","seq":N,"type":"T"}.
 * The top-level "prev" is the last `,"prev":"` (inside the payload a
 * quote would be escaped), and the stored hash vouches for the bytes:
 * parsing JSON here would cost a third of the bundle's time. */
static bool entry_fields(const char *j, size_t len, uint64_t *epoch, uint64_t *seq,
                         const char **prev, char type[TYPE_MAX + 1])
{
	static const char prev_key[] = ",\"prev\":\"";
	const char *p = j, *end = j + len, *q = NULL;
	if (!read_literal(&p, end, "{\"epoch\":") || !read_decimal(&p, end, epoch))
		return false;
	for (const char *r = end - (sizeof prev_key - 1); r > p && q == NULL; r--)
		if (memcmp(r, prev_key, sizeof prev_key - 1) == 0)
			q = r + sizeof prev_key - 1;
	if (q == NULL || end - q < 64)
		return false;
	*prev = q;
	q += 64;
	if (!read_literal(&q, end, "\",\"seq\":") || !read_decimal(&q, end, seq) ||
	    !read_literal(&q, end, ",\"type\":\""))
		return false;
	size_t n = (size_t)(end - q);
	if (n < 3 || n - 2 > TYPE_MAX || memcmp(end - 2, "\"}", 2) != 0)
		return false;
	memcpy(type, q, n - 2);
	type[n - 2] = '\0';
	return type_ok(type);
}

/* Phase 1, item i: the entry checked against the chain, its tags' size. */
static void plan_item(struct build *b, uint64_t i)
{
	const struct entry *e = &b->entries[i];
	struct plan *p = &b->plans[i];
	char prev_hex[65];
	uint8_t hash[32];
	uint64_t seq;
	const char *prev;
	bool ok = entry_fields((const char *)e->json, e->len, &p->epoch, &seq, &prev, p->type);
	ls_hex(prev_hash(b, i), 32, prev_hex);
	ls_log_entry_hash(prev_hash(b, i), (const char *)e->json, e->len, hash);
	if (!ok)
		build_fail(b, i, "its entry is not a log entry");
	else if (seq != b->first_seq + i || memcmp(prev, prev_hex, 64) != 0 ||
	         memcmp(hash, e->hash, 32) != 0)
		build_fail(b, i, "the chain breaks at its entry");
	p->tags_len = item_tags(b, i, NULL);
	struct ls_ans104_item it = {.tags_len = p->tags_len, .data_len = e->len};
	p->size = ls_ans104_item_size(&it);
}

/* Phase 2, item i: signed and written in place, with its header pair. */
static void write_item(struct build *b, uint64_t i)
{
	const struct plan *p = &b->plans[i];
	uint8_t tags[TAGS_MAX];
	item_tags(b, i, tags);
	struct ls_ans104_item it = {
		.owner = b->sk + 32, .tag_count = TAG_COUNT, .tags = tags, .tags_len = p->tags_len,
		.data = b->entries[i].json, .data_len = b->entries[i].len, .prefix = b->prefix};
	ls_ans104_item_write(&it, b->sk, b->map + p->offset);
	uint8_t *pair = b->map + 32 + 64 * i;
	ls_ans104_le256(p->size, pair);
	memcpy(pair + 32, it.id, 32);
}

typedef void (*item_fn)(struct build *b, uint64_t i);
struct span {
	struct build *b;
	item_fn fn;
	uint64_t from, to;
};

static void *run_span(void *arg)
{
	struct span *s = arg;
	for (uint64_t i = s->from; i < s->to; i++)
		s->fn(s->b, i);
	return NULL;
}

/* fn over every item, split across the machine's cores. */
static void for_each_item(struct build *b, item_fn fn)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned n = b->n < 256 || cores < 2 ? 1 : cores > MAX_THREADS ? MAX_THREADS : (unsigned)cores;
	pthread_t th[MAX_THREADS];
	struct span spans[MAX_THREADS];
	bool started[MAX_THREADS] = {false};
	for (unsigned t = 0; t < n; t++) {
		spans[t] = (struct span){b, fn, b->n * t / n, b->n * (t + 1) / n};
		started[t] = t > 0 && pthread_create(&th[t], NULL, run_span, &spans[t]) == 0;
		if (t > 0 && !started[t])
			run_span(&spans[t]);
	}
	run_span(&spans[0]);
	for (unsigned t = 1; t < n; t++)
		if (started[t])
			pthread_join(th[t], NULL);
}

/* The entries first..last from the log, borrowed from rd's map. */
static ls_status read_entries(ls_reader *rd, struct build *b, uint64_t last, ls_err *err)
{
	MDB_cursor *cur;
	uint8_t key[8];
	MDB_val k = {8, key}, v;
	memset(b->prev0, 0, 32);
	if (b->first_seq > 1 && ls_log_hash_at(rd, b->first_seq - 1, b->prev0) != LS_OK)
		return ls_fail(err, LS_ERROR, "log_gap", NULL, "log entry %llu is missing",
		               (unsigned long long)(b->first_seq - 1));
	b->n = last >= b->first_seq ? last - b->first_seq + 1 : 0;
	b->entries = calloc(b->n ? b->n : 1, sizeof *b->entries);
	b->plans = calloc(b->n ? b->n : 1, sizeof *b->plans);
	if (b->entries == NULL || b->plans == NULL)
		return ls_fail(err, LS_ERROR, "oom", NULL, "out of memory for %llu entries",
		               (unsigned long long)b->n);
	if (mdb_cursor_open(rd->txn, rd->st->dbi[DB_LOG], &cur) != 0)
		return ls_fail(err, LS_ERROR, "store_error", NULL, "the log could not be read");
	ls_be64(b->first_seq, key);
	int rc = b->n ? mdb_cursor_get(cur, &k, &v, MDB_SET_KEY) : MDB_NOTFOUND;
	uint64_t i = 0;
	for (; rc == 0 && i < b->n; i++) {
		const uint8_t *p = v.mv_data;
		if (k.mv_size != 8 || ls_from_be64(k.mv_data) != b->first_seq + i || v.mv_size < 34 ||
		    p[0] != LS_FMT1)
			break;
		b->entries[i] = (struct entry){p + 33, v.mv_size - 33, p + 1};
		if (i + 1 < b->n)
			rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(cur);
	if (i != b->n)
		return ls_fail(err, LS_ERROR, "log_gap", NULL, "log entry %llu is missing or malformed",
		               (unsigned long long)(b->first_seq + i));
	return LS_OK;
}

static ls_status build_failure(const struct build *b, ls_err *err)
{
	return ls_fail(err, LS_ERROR, "log_broken", NULL, "log entry %llu: %s",
	               (unsigned long long)(b->first_seq + b->bad), b->why);
}

/* The Merkle root of n entries' log hashes (merkle.c). */
static ls_status entries_root(const struct entry *entries, uint64_t n, uint8_t root[32],
                              ls_err *err)
{
	uint8_t (*leaves)[32] = malloc((n ? n : 1) * sizeof *leaves);
	if (leaves == NULL)
		return ls_fail(err, LS_ERROR, "oom", NULL, "out of memory for %llu leaves",
		               (unsigned long long)n);
	for (uint64_t i = 0; i < n; i++)
		ls_merkle_leaf(entries[i].hash, 32, leaves[i]);
	ls_merkle_root((const uint8_t(*)[32])leaves, n, root);
	free(leaves);
	return LS_OK;
}

/* ---- the file ---------------------------------------------------------- */

static ls_status io_fail(ls_err *err, int e, const char *what, const char *path)
{
	if (e == ENOSPC || e == EDQUOT)
		return ls_fail(err, LS_FULL, "disk_full", NULL, "no space to %s %s", what, path);
	return ls_fail(err, LS_ERROR, "io_error", NULL, "cannot %s %s: %s", what, path, strerror(e));
}

/* A temp file of size bytes, its blocks reserved, mapped for writing. */
static ls_status file_create(const char *path, size_t size, int *fd, uint8_t **map, ls_err *err)
{
	*fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (*fd < 0)
		return io_fail(err, errno, "create", path);
	int e = posix_fallocate(*fd, 0, (off_t)size);
	if (e == 0) {
		*map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, *fd, 0);
		if (*map != MAP_FAILED)
			return LS_OK;
		e = errno;
	}
	close(*fd);
	unlink(path);
	return io_fail(err, e, e == ENOSPC || e == EDQUOT ? "write" : "reserve and map", path);
}

struct digests {
	const uint8_t *buf;
	size_t len;
	uint8_t sha256[32], sha384[48];
};

static void *digest_sha384(void *arg)
{
	struct digests *d = arg;
	struct sha384_ctx h;
	sha384_init(&h);
	sha384_update(&h, d->len, d->buf);
	sha384_digest(&h, SHA384_DIGEST_SIZE, d->sha384);
	return NULL;
}

/* SHA-256 (the record) and SHA-384 (the carrier's deep hash) side by side. */
static void digest_both(struct digests *d)
{
	pthread_t th;
	bool started = pthread_create(&th, NULL, digest_sha384, d) == 0;
	if (!started)
		digest_sha384(d);
	crypto_hash_sha256(d->sha256, d->buf, d->len);
	if (started)
		pthread_join(th, NULL);
}

/* The carrier: the data item whose data is the bundle, tagged as ANS-104
 * says a nested bundle is; its id is the bundle's id at a bundler. */
static void carrier_sign(uint64_t epoch, const struct digests *d, const uint8_t sk[64],
                         uint8_t tags_buf[TAGS_MAX], struct ls_ans104_item *it)
{
	char e[24];
	snprintf(e, sizeof e, "%llu", (unsigned long long)epoch);
	const struct ls_ans104_tag tags[] = {
		{"Bundle-Format", "binary", 13, 6}, {"Bundle-Version", "2.0.0", 14, 5},
		{"App-Name", "leadgate", 8, 8}, {"Epoch", e, 5, strlen(e)}};
	*it = (struct ls_ans104_item){
		.owner = sk + 32, .tag_count = 4, .tags = tags_buf,
		.tags_len = ls_avro_tags_encode(tags, 4, tags_buf), .data_len = d->len,
		.data_sha384 = d->sha384};
	ls_ans104_item_sign(it, sk);
}

/* Make path's directory entry durable: fsync the directory holding it. */
static ls_status sync_parent(const char *path, ls_err *err)
{
	char dir[LS_PATH_MAX + 64];
	snprintf(dir, sizeof dir, "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash == NULL)
		return LS_OK;
	*slash = '\0';
	int fd = open(slash == dir ? "/" : dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = fd >= 0 ? fsync(fd) : -1;
	int e = errno;
	if (fd >= 0)
		close(fd);
	return rc == 0 ? LS_OK : io_fail(err, e, "sync the directory of", path);
}

static ls_status sync_rename(const char *tmp, const char *path, ls_err *err)
{
	if (rename(tmp, path) != 0)
		return io_fail(err, errno, "rename into place", path);
	return sync_parent(path, err);
}

/* Write the bundle of b's entries to path: items, header, sync, rename;
 * rec gets its count, size, digests and id. */
static ls_status bundle_file(struct build *b, uint64_t epoch, const char *path,
                             struct bundle_rec *rec, ls_err *err)
{
	char tmp[LS_PATH_MAX + 80];
	int fd;
	size_t size = 32 + 64 * (size_t)b->n;
	for (uint64_t i = 0; i < b->n; i++) {
		b->plans[i].offset = size;
		size += b->plans[i].size;
	}
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	ls_status s = file_create(tmp, size, &fd, &b->map, err);
	if (s != LS_OK)
		return s;
	for_each_item(b, write_item);
	ls_ans104_le256(b->n, b->map);
	struct digests d = {.buf = b->map, .len = size};
	if (msync(b->map, size, MS_SYNC) != 0 || fsync(fd) != 0)
		s = io_fail(err, errno, "sync", tmp);
	if (s == LS_OK) {
		digest_both(&d);
		uint8_t tags[TAGS_MAX];
		struct ls_ans104_item carrier;
		carrier_sign(epoch, &d, b->sk, tags, &carrier);
		*rec = (struct bundle_rec){.fmt = LS_FMT2, .state = BUNDLE_WRITTEN,
		                           .last_seq = b->first_seq + b->n - 1,
		                           .first_seq = b->first_seq, .count = b->n, .size = size};
		memcpy(rec->id, carrier.id, 32);
		memcpy(rec->sha256, d.sha256, 32);
		s = entries_root(b->entries, b->n, rec->root, err);
	}
	munmap(b->map, size);
	close(fd);
	if (s == LS_OK)
		s = sync_rename(tmp, path, err);
	if (s != LS_OK)
		unlink(tmp);
	return s;
}

/* One due bundle: entries first..last read and checked, the file written. */
static ls_status bundle_one(ls_store *st, uint64_t epoch, uint64_t first, uint64_t last,
                            const uint8_t sk[64], struct bundle_rec *rec, ls_err *err)
{
	char path[LS_PATH_MAX + 64];
	ls_reader *rd;
	struct build b = {.first_seq = first, .sk = sk, .bad = UINT64_MAX};
	ls_status s = ls_reader_begin(st, &rd, err);
	if (s != LS_OK)
		return s;
	pthread_mutex_init(&b.lock, NULL);
	ls_ans104_prefix(sk + 32, b.prefix);
	s = read_entries(rd, &b, last, err);
	if (s == LS_OK)
		for_each_item(&b, plan_item);
	if (s == LS_OK && b.bad != UINT64_MAX)
		s = build_failure(&b, err);
	ls_bundle_path(st, epoch, path);
	if (s == LS_OK)
		s = bundle_file(&b, epoch, path, rec, err);
	ls_reader_end(rd);
	pthread_mutex_destroy(&b.lock);
	free(b.entries);
	free(b.plans);
	return s;
}

/* ---- recording it ------------------------------------------------------- */

struct record_ctx {
	uint64_t epoch;
	struct bundle_rec rec;
	bool recorded;
};

/* What BUNDLE_WRITTEN says of a bundle, and BUNDLE_ROOT of an older one:
 * its id, its entries and their Merkle root. */
static json_t *bundle_payload(const struct bundle_rec *rec, bool with_file)
{
	char id[64], sha[65], root[65];
	sodium_bin2base64(id, sizeof id, rec->id, 32, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	ls_hex(rec->sha256, 32, sha);
	ls_hex(rec->root, 32, root);
	json_t *p = json_pack("{s:s, s:I, s:I, s:I, s:s, s:s}", "bundle_id", id, "items",
	                      (json_int_t)rec->count, "first_seq", (json_int_t)rec->first_seq,
	                      "last_seq", (json_int_t)rec->last_seq, "merkle_root", root,
	                      "merkle_tree", LS_MERKLE_TREE);
	if (p && with_file) {
		json_object_set_new(p, "size", json_integer((json_int_t)rec->size));
		json_object_set_new(p, "sha256", json_string(sha));
	}
	return p;
}

/* rec written with the entry of type that records its Merkle root (the
 * entry's seq its root_seq). */
static ls_status rec_put_logged(struct ls_txn *t, uint64_t epoch, struct bundle_rec *rec,
                                const char *type, bool with_file)
{
	json_t *payload = bundle_payload(rec, with_file);
	if (payload == NULL)
		return ls_fail(t->err, LS_ERROR, "oom", NULL, "out of memory");
	ls_status s = ls_log_append(t, epoch, type, payload, &rec->root_seq);
	json_decref(payload);
	return s == LS_OK ? rec_put(t, epoch, rec) : s;
}

static ls_status record_write(struct ls_txn *t, void *vctx)
{
	struct record_ctx *c = vctx;
	struct bundle_rec due;
	c->recorded = false;
	ls_status s = rec_get(t, c->epoch, &due);
	if (s != LS_OK)
		return s == LS_NOTFOUND ? LS_OK : s;
	if (due.state != BUNDLE_DUE || due.last_seq != c->rec.last_seq)
		return LS_OK;  /* written meanwhile: nothing to do */
	s = rec_put_logged(t, c->epoch, &c->rec, "BUNDLE_WRITTEN", true);
	c->recorded = s == LS_OK;
	return s;
}

/* ---- the job ----------------------------------------------------------- */

struct due {
	uint64_t epoch, first, last;
};

typedef bool (*rec_pred)(const struct bundle_rec *rec);
static bool is_due(const struct bundle_rec *rec) { return rec->state == BUNDLE_DUE; }
static bool is_rootless(const struct bundle_rec *rec)
{
	return rec->state == BUNDLE_WRITTEN && rec->root_seq == 0;
}

/* The bundles that want something, oldest first, each starting after the
 * one before. */
static ls_status list_wanting(ls_store *st, rec_pred want, struct due **out, size_t *n,
                              ls_err *err)
{
	ls_reader *rd;
	MDB_cursor *cur;
	MDB_val k, v;
	uint64_t prev_last = 0;
	*out = NULL;
	*n = 0;
	ls_status s = ls_reader_begin(st, &rd, err);
	if (s != LS_OK)
		return s;
	int rc = mdb_cursor_open(rd->txn, st->dbi[DB_BUNDLES], &cur);
	for (rc = rc ? rc : mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && s == LS_OK;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		struct bundle_rec rec;
		uint64_t epoch = k.mv_size == 8 ? ls_from_be64(k.mv_data) : 0, first = prev_last + 1;
		if (k.mv_size != 8 || !rec_decode(&v, &rec) || rec.last_seq <= prev_last) {
			s = ls_fail(err, LS_ERROR, "bundle_records", NULL,
			            "the bundle record of epoch %llu is malformed or out of order",
			            (unsigned long long)epoch);
			break;
		}
		prev_last = rec.last_seq;
		if (!want(&rec))
			continue;
		struct due *grown = realloc(*out, (*n + 1) * sizeof **out);
		if (grown == NULL) {
			s = ls_fail(err, LS_ERROR, "oom", NULL, "out of memory");
			break;
		}
		*out = grown;
		(*out)[(*n)++] = (struct due){epoch, first, rec.last_seq};
	}
	mdb_cursor_close(cur);
	ls_reader_end(rd);
	if (s == LS_OK && rc != MDB_NOTFOUND)
		s = ls_fail(err, LS_ERROR, "store_error", NULL, "the bundle records could not be read");
	return s;
}

/* ---- the Merkle roots of bundles written before schema 9 ---------------- */

struct root_ctx {
	uint64_t epoch, first, last;
	uint8_t root[32];
	bool recorded;
};

static ls_status root_write(struct ls_txn *t, void *vctx)
{
	struct root_ctx *c = vctx;
	struct bundle_rec rec;
	c->recorded = false;
	ls_status s = rec_get(t, c->epoch, &rec);
	if (s != LS_OK || !is_rootless(&rec) || rec.first_seq != c->first || rec.last_seq != c->last)
		return s == LS_NOTFOUND ? LS_OK : s;  /* recorded meanwhile */
	memcpy(rec.root, c->root, 32);
	s = rec_put_logged(t, c->epoch, &rec, "BUNDLE_ROOT", false);
	c->recorded = s == LS_OK;
	return s;
}

/* The root of the entries first..last, from the log. */
static ls_status log_root(ls_store *st, uint64_t first, uint64_t last, uint8_t root[32],
                          ls_err *err)
{
	ls_reader *rd;
	struct build b = {.first_seq = first};
	ls_status s = ls_reader_begin(st, &rd, err);
	if (s != LS_OK)
		return s;
	s = read_entries(rd, &b, last, err);
	if (s == LS_OK)
		s = entries_root(b.entries, b.n, root, err);
	ls_reader_end(rd);
	free(b.entries);
	free(b.plans);
	return s;
}

/* Bundles written before schema 9 have no Merkle root in the log: each
 * gets one, computed from its entries, with a BUNDLE_ROOT entry. */
static ls_status roots_backfill(ls_store *st, struct ls_bundle_report *r, ls_err *err)
{
	struct due *todo;
	size_t n;
	ls_status s = list_wanting(st, is_rootless, &todo, &n, err);
	for (size_t i = 0; s == LS_OK && i < n; i++) {
		struct root_ctx c = {.epoch = todo[i].epoch, .first = todo[i].first,
		                     .last = todo[i].last};
		s = log_root(st, c.first, c.last, c.root, err);
		if (s == LS_OK)
			s = ls_write(st, root_write, &c, err);
		r->roots += s == LS_OK && c.recorded;
	}
	free(todo);
	return s;
}

ls_status ls_bundles_write(ls_store *st, const uint8_t gateway_sk[64], int64_t now,
                           struct ls_bundle_report *r, ls_err *err)
{
	struct due *due;
	size_t n;
	char dir[LS_PATH_MAX + 16];
	ls_status s_dir = LS_OK;
	memset(r, 0, sizeof *r);
	bundle_dir(st, dir);
	if (mkdir(dir, 0755) == 0)
		s_dir = sync_parent(dir, err);
	else if (errno != EEXIST)
		return io_fail(err, errno, "create the bundle directory", dir);
	if (s_dir != LS_OK)
		return s_dir;
	ls_status s = list_wanting(st, is_due, &due, &n, err);
	for (size_t i = 0; s == LS_OK && i < n; i++) {
		struct record_ctx c = {.epoch = due[i].epoch};
		s = bundle_one(st, due[i].epoch, due[i].first, due[i].last, gateway_sk, &c.rec, err);
		c.rec.written_at = now;
		if (s == LS_OK)
			s = ls_write(st, record_write, &c, err);
		if (s == LS_OK && c.recorded) {
			r->written++;
			r->last_epoch = due[i].epoch;
			r->items += c.rec.count;
			r->bytes += c.rec.size;
		}
	}
	free(due);
	return s == LS_OK ? roots_backfill(st, r, err) : s;
}

/* ---- reading ----------------------------------------------------------- */

static void info_from(uint64_t epoch, const struct bundle_rec *rec, struct ls_bundle_info *out)
{
	*out = (struct ls_bundle_info){
		.epoch = epoch, .first_seq = rec->first_seq, .last_seq = rec->last_seq,
		.count = rec->count, .size = rec->size, .written_at = rec->written_at,
		.root_seq = rec->root_seq, .upload = rec->upload, .mode = rec->mode,
		.failures = rec->failures, .posted_at = rec->posted_at,
		.confirmed_at = rec->confirmed_at, .retry_at = rec->retry_at,
		.confirmations = rec->confirmations};
	memcpy(out->id, rec->id, 32);
	memcpy(out->sha256, rec->sha256, 32);
	memcpy(out->root, rec->root, 32);
	memcpy(out->arweave_id, rec->arweave_id, 32);
	memcpy(out->note, rec->note, sizeof out->note);
}

/* The upload fields of info into rec: what upload.c may change. */
static void upload_into(const struct ls_bundle_info *info, struct bundle_rec *rec)
{
	rec->upload = (uint8_t)info->upload;
	rec->mode = (uint8_t)info->mode;
	rec->failures = info->failures;
	memcpy(rec->arweave_id, info->arweave_id, 32);
	rec->posted_at = info->posted_at;
	rec->confirmed_at = info->confirmed_at;
	rec->retry_at = info->retry_at;
	rec->confirmations = info->confirmations;
	memset(rec->note, 0, sizeof rec->note);
	snprintf(rec->note, sizeof rec->note, "%s", info->note);
}

ls_status lt_bundle_upload_get(struct ls_txn *t, uint64_t epoch, struct ls_bundle_info *out)
{
	struct bundle_rec rec;
	ls_status s = rec_get(t, epoch, &rec);
	if (s == LS_OK && rec.state != BUNDLE_WRITTEN)
		s = LS_NOTFOUND;
	if (s == LS_OK)
		info_from(epoch, &rec, out);
	return s;
}

ls_status lt_bundle_upload_put(struct ls_txn *t, const struct ls_bundle_info *info)
{
	struct bundle_rec rec;
	ls_status s = rec_get(t, info->epoch, &rec);
	if (s != LS_OK && s != LS_NOTFOUND)
		return s;
	if (s == LS_NOTFOUND || rec.state != BUNDLE_WRITTEN)
		return ls_fail(t->err, LS_ERROR, "store_error", NULL,
		               "the bundle record of epoch %llu is not a written bundle's",
		               (unsigned long long)info->epoch);
	upload_into(info, &rec);
	return rec_put(t, info->epoch, &rec);
}

ls_status ls_bundle_holding(ls_reader *rd, uint64_t seq, struct ls_bundle_info *out, ls_err *err)
{
	MDB_cursor *cur;
	uint8_t key[8];
	MDB_val k = {8, key}, v;
	ls_be64(seq, key);
	if (mdb_cursor_open(rd->txn, rd->st->dbi[DB_BUNDLE_ENDS], &cur) != 0)
		return ls_fail(err, LS_ERROR, "store_error", NULL, "the bundle index could not be read");
	int rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	uint64_t epoch = rc == 0 && v.mv_size == 9 ? ls_from_be64((uint8_t *)v.mv_data + 1) : 0;
	bool found = rc == 0 && v.mv_size == 9;
	mdb_cursor_close(cur);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return ls_mdb_fail(err, rc, "read the bundle index");
	if (!found)
		return ls_fail(err, LS_NOTFOUND, "not_bundled", NULL,
		               "entry %llu is in no bundle yet: its bundle is written once the epoch "
		               "it belongs to closes", (unsigned long long)seq);
	return ls_bundle_get(rd, epoch, out, err);
}

ls_status ls_bundle_get(ls_reader *rd, uint64_t epoch, struct ls_bundle_info *out, ls_err *err)
{
	uint8_t key[8];
	MDB_val v;
	struct bundle_rec rec;
	ls_be64(epoch, key);
	int rc = ls_get(rd->st, rd->txn, DB_BUNDLES, key, 8, &v);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return ls_mdb_fail(err, rc, "read a bundle record");
	if (rc == 0 && !rec_decode(&v, &rec)) {
		fprintf(stderr, "leadgate: the bundle record of epoch %llu is malformed\n",
		        (unsigned long long)epoch);
		return ls_fail(err, LS_ERROR, "store_error", NULL, "the bundle record is unreadable");
	}
	if (rc == MDB_NOTFOUND || rec.state != BUNDLE_WRITTEN)
		return ls_fail(err, LS_NOTFOUND, "no_bundle", NULL,
		               "epoch %llu has no bundle %s", (unsigned long long)epoch,
		               rc == 0 ? "yet: it has closed and is due for leadgate-bundle"
		                       : "(an epoch is bundled once it has closed)");
	info_from(epoch, &rec, out);
	return LS_OK;
}

ls_status ls_bundle_open(ls_reader *rd, uint64_t epoch, struct ls_bundle_info *out, int *fd,
                         ls_err *err)
{
	char path[LS_PATH_MAX + 64];
	struct stat sb;
	ls_status s = ls_bundle_get(rd, epoch, out, err);
	if (s != LS_OK)
		return s;
	ls_bundle_path(rd->st, epoch, path);
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0 && errno == ENOENT)
		return ls_fail(err, LS_NOTFOUND, "bundle_file_missing", NULL,
		               "the bundle of epoch %llu was written but is no longer kept here; "
		               "its id is in GET /v1/log/bundles", (unsigned long long)epoch);
	int e = errno;
	bool stat_ok = *fd >= 0 && fstat(*fd, &sb) == 0;
	if (stat_ok && (uint64_t)sb.st_size == out->size)
		return LS_OK;
	fprintf(stderr, "leadgate: bundle %s: %s\n", path,
	        *fd < 0 ? strerror(e) : !stat_ok ? strerror(errno) : "its size is not the recorded one");
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
	return ls_fail(err, LS_ERROR, "bundle_unreadable", NULL,
	               "the bundle of epoch %llu cannot be read", (unsigned long long)epoch);
}

/* One bundle of GET /v1/log/bundles, with where its upload stands. */
static void bundle_json(const struct ls_bundle_info *b, FILE *out)
{
	char id[LS_ARWEAVE_ID_B64], sha[65], root[65], arweave_id[LS_ARWEAVE_ID_B64];
	ls_b64url(b->id, 32, id, sizeof id);
	ls_b64url(b->arweave_id, 32, arweave_id, sizeof arweave_id);
	ls_hex(b->sha256, 32, sha);
	ls_hex(b->root, 32, root);
	fprintf(out,
	        "{\"epoch\":%llu,\"id\":\"%s\",\"items\":%llu,\"first_seq\":%llu,"
	        "\"last_seq\":%llu,\"size\":%llu,\"sha256\":\"%s\",\"merkle_root\":",
	        (unsigned long long)b->epoch, id, (unsigned long long)b->count,
	        (unsigned long long)b->first_seq, (unsigned long long)b->last_seq,
	        (unsigned long long)b->size, sha);
	fprintf(out, b->root_seq ? "\"%s\"" : "null", root);
	fprintf(out, ",\"written_at\":%lld,\"href\":\"/v1/log/bundles/%llu\",\"upload\":{\"state\":\"%s\","
	        "\"failures\":%u", (long long)b->written_at, (unsigned long long)b->epoch,
	        ls_upload_state_name(b->upload), b->failures);
	if (b->mode != LS_ARWEAVE_NONE)
		fprintf(out, ",\"mode\":\"%s\",\"arweave_id\":\"%s\",\"posted_at\":%lld",
		        ls_upload_mode_name(b->mode), arweave_id, (long long)b->posted_at);
	if (b->upload == LS_UPLOAD_CONFIRMED)
		fprintf(out, ",\"confirmed_at\":%lld,\"confirmations\":%llu", (long long)b->confirmed_at,
		        (unsigned long long)b->confirmations);
	if (b->retry_at)
		fprintf(out, ",\"retry_at\":%lld", (long long)b->retry_at);
	if (b->note[0]) {
		json_t *note = json_string(b->note);  /* the far end's words, escaped */
		char *text = note ? json_dumps(note, JSON_ENCODE_ANY | JSON_ENSURE_ASCII) : NULL;
		fprintf(out, ",\"note\":%s", text ? text : "\"\"");
		free(text);
		json_decref(note);
	}
	fputs("}}", out);
}

ls_status ls_bundles_list(ls_reader *rd, const uint64_t *after, unsigned limit, char **body,
                          size_t *len, ls_err *err)
{
	MDB_cursor *cur;
	uint8_t key[8];
	MDB_val k = {8, key}, v;
	FILE *out = open_memstream(body, len);
	if (out == NULL)
		return ls_fail(err, LS_ERROR, "oom", NULL, "out of memory");
	if (mdb_cursor_open(rd->txn, rd->st->dbi[DB_BUNDLES], &cur) != 0) {
		fclose(out);
		free(*body);
		return ls_fail(err, LS_ERROR, "store_error", NULL, "the bundles could not be read");
	}
	uint64_t last = after ? *after : 0;
	unsigned n = 0;
	ls_be64(after ? *after + 1 : 0, key);
	fputs("{\"bundles\":[", out);
	int rc = after && *after == UINT64_MAX ? MDB_NOTFOUND
	                                       : mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	for (; rc == 0 && n < limit; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		struct bundle_rec rec;
		struct ls_bundle_info b;
		if (k.mv_size != 8 || !rec_decode(&v, &rec) || rec.state != BUNDLE_WRITTEN)
			continue;
		last = ls_from_be64(k.mv_data);
		info_from(last, &rec, &b);
		fputs(n++ ? "," : "", out);
		bundle_json(&b, out);
	}
	mdb_cursor_close(cur);
	fprintf(out, "],\"next_after\":%llu}", (unsigned long long)last);
	fclose(out);
	return LS_OK;
}

ls_status ls_bundle_carrier(ls_reader *rd, uint64_t epoch, const uint8_t sk[64], int out_fd,
                            ls_err *err)
{
	struct ls_bundle_info info;
	int fd;
	ls_status s = ls_bundle_open(rd, epoch, &info, &fd, err);
	if (s != LS_OK)
		return s;
	uint8_t *map = mmap(NULL, info.size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return io_fail(err, errno, "map", "the bundle");
	struct digests d = {.buf = map, .len = info.size};
	uint8_t tags[TAGS_MAX], head[TAGS_MAX + 128];
	struct ls_ans104_item carrier;
	digest_both(&d);
	carrier_sign(epoch, &d, sk, tags, &carrier);
	if (memcmp(d.sha256, info.sha256, 32) != 0)
		s = ls_fail(err, LS_ERROR, "bundle_changed", NULL,
		            "the bundle file of epoch %llu is not the one recorded", (unsigned long long)epoch);
	else if (memcmp(carrier.id, info.id, 32) != 0)
		s = ls_fail(err, LS_INVALID, "wrong_key", NULL,
		            "this key did not write the bundle of epoch %llu", (unsigned long long)epoch);
	size_t head_len = ls_ans104_item_head(&carrier, head);
	for (size_t off = 0, total = head_len + info.size; s == LS_OK && off < total;) {
		const uint8_t *p = off < head_len ? head + off : map + (off - head_len);
		size_t chunk = off < head_len ? head_len - off : total - off;
		ssize_t w = write(out_fd, p, chunk);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			s = io_fail(err, w < 0 ? errno : EIO, "write", "the carrier item");
		else
			off += (size_t)w;
	}
	munmap(map, info.size);
	return s;
}

/* ---- verifying --------------------------------------------------------- */

struct verify_ctx {
	struct ls_bundle_summary *sum;
	uint8_t prev[32];       /* the hash of the previous item's entry */
	bool last_is_weights;   /* the item so far last closes an epoch */
};

#define BAD_ENTRY(err, ...) ls_fail(err, LS_INVALID, "bad_entry", NULL, __VA_ARGS__)

static bool tag_is(const struct ls_ans104_tag *t, const char *value)
{
	return t->value_len == strlen(value) && memcmp(t->value, value, t->value_len) == 0;
}

/* A decimal tag value as a number; false when it is not one. */
static bool tag_number(const struct ls_ans104_tag *t, uint64_t *v)
{
	char buf[24];
	if (t->value_len == 0 || t->value_len >= sizeof buf)
		return false;
	memcpy(buf, t->value, t->value_len);
	buf[t->value_len] = '\0';
	return ls_parse_u64(buf, UINT64_MAX, v) && (t->value_len == 1 || buf[0] != '0');
}

/* The six tags, in order, with the values they must have. */
static ls_status verify_tags(const struct ls_ans104_item *it, struct ls_ans104_tag *tags,
                             uint64_t *epoch, uint64_t *seq, ls_err *err)
{
	size_t n;
	ls_status s = ls_avro_tags_decode(it->tags, it->tags_len, tags, TAG_COUNT + 1, &n, err);
	if (s != LS_OK || n != TAG_COUNT)
		return s != LS_OK ? s : ls_fail(err, LS_INVALID, "bad_tags", NULL,
		                                "%zu tags, a leadgate item has %d", n, TAG_COUNT);
	for (int i = 0; i < TAG_COUNT; i++)
		if (tags[i].name_len != strlen(tag_names[i]) ||
		    memcmp(tags[i].name, tag_names[i], tags[i].name_len) != 0)
			return BAD_ENTRY(err, "tag %s is missing or out of place", tag_names[i]);
	if (!tag_is(&tags[0], "leadgate"))
		return BAD_ENTRY(err, "App-Name is not leadgate");
	if (!tag_is(&tags[1], "application/json"))
		return BAD_ENTRY(err, "Content-Type is not application/json");
	if (!tag_number(&tags[2], epoch) || !tag_number(&tags[3], seq))
		return BAD_ENTRY(err, "Epoch or Seq is not a decimal number");
	return LS_OK;
}

/* The entry in the item's data: canonical JSON that its tags describe. */
static ls_status verify_entry(const struct ls_ans104_item *it, const struct ls_ans104_tag *tags,
                              uint64_t epoch, uint64_t seq, uint8_t prev[32], bool *weights,
                              ls_err *err)
{
	json_t *e = json_loadb((const char *)it->data, it->data_len, JSON_REJECT_DUPLICATES, NULL);
	json_t *payload;
	json_int_t je, js;
	const char *prev_hex, *type;
	char *canon = e ? ls_json_canonical(e) : NULL;
	bool shaped = e && json_unpack(e, "{s:I, s:o, s:s, s:I, s:s !}", "epoch", &je, "payload",
	                               &payload, "prev", &prev_hex, "seq", &js, "type", &type) == 0;
	ls_status s = LS_OK;
	if (!shaped)
		s = BAD_ENTRY(err, "the data is not a log entry");
	else if (canon == NULL || strlen(canon) != it->data_len ||
	         memcmp(canon, it->data, it->data_len) != 0)
		s = BAD_ENTRY(err, "the entry is not in canonical JSON");
	else if (je < 0 || js < 0 || (uint64_t)je != epoch || (uint64_t)js != seq)
		s = BAD_ENTRY(err, "the Epoch and Seq tags are not the entry's");
	else if (!tag_is(&tags[4], type))
		s = BAD_ENTRY(err, "the Type tag is not the entry's type %s", type);
	else if (!tag_is(&tags[5], prev_hex) || ls_unhex(prev_hex, prev, 32) != LS_OK)
		s = BAD_ENTRY(err, "the Prev-Hash tag is not the entry's prev");
	else
		*weights = strcmp(type, "WEIGHTS") == 0;
	free(canon);
	json_decref(e);
	return s;
}

static ls_status verify_item(void *vctx, uint64_t i, const struct ls_ans104_item *it,
                             ls_err *err)
{
	struct verify_ctx *c = vctx;
	struct ls_bundle_summary *sum = c->sum;
	struct ls_ans104_tag tags[TAG_COUNT + 1];
	uint64_t epoch, seq;
	uint8_t prev[32];
	static const uint8_t zero[32];
	if (it->target || it->anchor)
		return BAD_ENTRY(err, "a leadgate item has no target and no anchor");
	if (i > 0 && memcmp(it->owner, sum->owner, 32) != 0)
		return BAD_ENTRY(err, "its owner is not item 0's");
	ls_status s = verify_tags(it, tags, &epoch, &seq, err);
	if (s == LS_OK)
		s = verify_entry(it, tags, epoch, seq, prev, &c->last_is_weights, err);
	if (s != LS_OK)
		return s;
	if (c->last_is_weights)
		sum->epoch = epoch;
	if (i == 0) {
		memcpy(sum->owner, it->owner, 32);
		memcpy(sum->first_prev, prev, 32);
		sum->first_seq = seq;
		sum->first_epoch = sum->last_epoch = epoch;
		if (seq == 0 || (seq == 1 && memcmp(prev, zero, 32) != 0))
			return ls_fail(err, LS_INVALID, "chain_broken", NULL,
			               "the log's first entry (seq 1) must have a zero Prev-Hash");
	} else if (seq != sum->last_seq + 1) {
		return ls_fail(err, LS_INVALID, "chain_broken", NULL, "seq %llu follows seq %llu",
		               (unsigned long long)seq, (unsigned long long)sum->last_seq);
	} else if (memcmp(prev, c->prev, 32) != 0) {
		return ls_fail(err, LS_INVALID, "chain_broken", NULL,
		               "its Prev-Hash is not the hash of item %llu's entry",
		               (unsigned long long)(i - 1));
	}
	sum->last_seq = seq;
	sum->first_epoch = epoch < sum->first_epoch ? epoch : sum->first_epoch;
	sum->last_epoch = epoch > sum->last_epoch ? epoch : sum->last_epoch;
	ls_log_entry_hash(prev, (const char *)it->data, it->data_len, c->prev);
	memcpy(sum->last_hash, c->prev, 32);
	return LS_OK;
}

ls_status ls_bundle_verify(const uint8_t *buf, size_t len, struct ls_bundle_summary *out,
                           ls_err *err)
{
	struct verify_ctx c = {.sum = out};
	memset(out, 0, sizeof *out);
	ls_status s = ls_ans104_bundle_check(buf, len, verify_item, &c, &out->count, err);
	if (s == LS_OK && out->count == 0)
		s = ls_fail(err, LS_INVALID, "cut_short", NULL, "it has no items: a bundle ends with "
		            "the WEIGHTS entry that closes its epoch");
	else if (s == LS_OK && !c.last_is_weights)
		s = ls_fail(err, LS_INVALID, "cut_short", NULL, "its last item (seq %llu) is not the "
		            "WEIGHTS entry that closes an epoch: the bundle was cut short",
		            (unsigned long long)out->last_seq);
	return s;
}

ls_status ls_bundle_link(const struct ls_bundle_summary *sum, uint64_t prev_seq,
                         const uint8_t prev_hash[32], ls_err *err)
{
	if (sum->first_seq != prev_seq + 1)
		return ls_fail(err, LS_INVALID, "chain_broken", NULL,
		               "the bundle starts at seq %llu, not after entry %llu",
		               (unsigned long long)sum->first_seq, (unsigned long long)prev_seq);
	if (memcmp(sum->first_prev, prev_hash, 32) != 0)
		return ls_fail(err, LS_INVALID, "chain_broken", NULL,
		               "item 0's Prev-Hash is not the hash of entry %llu",
		               (unsigned long long)prev_seq);
	return LS_OK;
}
