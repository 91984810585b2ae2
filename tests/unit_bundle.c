/* The log's bundles without HTTP: leadgate-bundle's store call on closed
 * epochs (which entries, links between bundles, idempotence, the same
 * bytes when rewritten, the carrier item), and the strict verifier behind
 * `leadgate-admin verify-bundle` against every kind of damage: flipped
 * bytes, swapped items, garbage, truncation, and items that are validly
 * signed but say the wrong thing.  Then an epoch of 100 000 entries. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>
#include "tap.h"
#include "log_fill.h"

static uint8_t gw_pk[32], gw_sk[64];

struct blob {
	uint8_t *buf;
	size_t len;
};

static struct blob read_all(const char *path)
{
	struct blob b = {NULL, 0};
	struct stat sb;
	int fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &sb) != 0)
		tap_bail("cannot read a bundle file");
	b.len = (size_t)sb.st_size;
	b.buf = malloc(b.len + 1);
	if (b.buf == NULL || read(fd, b.buf, b.len) != (ssize_t)b.len)
		tap_bail("cannot read a bundle file");
	close(fd);
	return b;
}

static ls_store *open_store(char *dir_out, size_t dir_len)
{
	/* dir_out: at least LS_PATH_MAX bytes */
	struct ls_config cfg;
	ls_store *st;
	ls_err err = {0};
	ls_config_defaults(&cfg);
	snprintf(cfg.store_dir, sizeof cfg.store_dir, "%s", tap_tempdir());
	cfg.map_size = 1 << 20;  /* reserved on disk; grown on demand */
	snprintf(dir_out, dir_len, "%s", cfg.store_dir);
	if (ls_open(&st, &cfg, LS_OPEN_CREATE, &err) != LS_OK)
		tap_bail(err.detail);
	return st;
}

static struct blob bundle_of(ls_store *st, uint64_t epoch)
{
	char path[LS_PATH_MAX + 64];
	ls_bundle_path(st, epoch, path);
	return read_all(path);
}

/* verify: the status, and the reason's code and words */
static bool rejected(struct blob b, const char *code, const char *words)
{
	struct ls_bundle_summary sum;
	ls_err err = {0};
	ls_status s = ls_bundle_verify(b.buf, b.len, &sum, &err);
	bool ok = s == LS_INVALID && strcmp(err.code, code) == 0 && strstr(err.detail, words);
	if (!ok)
		printf("#   got %d %s: %s\n", s, err.code, err.detail);
	return ok;
}

static struct blob copy(struct blob b, size_t extra)
{
	struct blob c = {malloc(b.len + extra + 1), b.len};
	memcpy(c.buf, b.buf, b.len);
	return c;
}

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* Where item i starts in bundle b, and its size. */
static size_t item_at(struct blob b, uint64_t i, size_t *size)
{
	size_t off = 32 + 64 * (size_t)le64(b.buf);
	for (uint64_t k = 0; k < i; k++)
		off += (size_t)le64(b.buf + 32 + 64 * k);
	*size = (size_t)le64(b.buf + 32 + 64 * i);
	return off;
}

/* As if the job had died after renaming epoch's file into place. */
struct due {
	uint64_t epoch, last_seq;
};
static ls_status make_due(struct ls_txn *t, void *ctx)
{
	struct due *d = ctx;
	return lt_bundle_due(t, d->epoch, d->last_seq);
}

static void store_tests(void)
{
	char dir[LS_PATH_MAX];
	ls_err err = {0};
	struct ls_bundle_report r;
	struct ls_bundle_summary s1, s2, s3;
	ls_store *st = open_store(dir, sizeof dir);
	ls_status s = ls_bundles_write(st, gw_sk, 1000, &r, &err);
	ok(s == LS_OK && r.written == 0, "no closed epoch: nothing to bundle (%s)", err.detail);

	if (log_fill(st, 1, 5, &err) != LS_OK || log_fill(st, 2, 1, &err) != LS_OK ||
	    log_fill(st, 3, 300, &err) != LS_OK)
		tap_bail(err.detail);
	s = ls_bundles_write(st, gw_sk, 1000, &r, &err);
	ok(s == LS_OK && r.written == 3 && r.items == 306 && r.last_epoch == 3,
	   "three closed epochs, one with no entry but its closing WEIGHTS: bundles of 5, 1 and 300 "
	   "items (%zu, %llu items)", r.written, (unsigned long long)r.items);
	struct blob b1 = bundle_of(st, 1), b2 = bundle_of(st, 2), b3 = bundle_of(st, 3);
	ok(ls_bundle_verify(b1.buf, b1.len, &s1, &err) == LS_OK && s1.count == 5 && s1.first_seq == 1 &&
	   s1.last_seq == 5, "epoch 1's bundle verifies: entries 1..5 (%s)", err.detail);
	ok(ls_bundle_verify(b2.buf, b2.len, &s2, &err) == LS_OK && s2.count == 1 && s2.first_seq == 6 &&
	   s2.epoch == 2 && ls_bundle_link(&s2, s1.last_seq, s1.last_hash, &err) == LS_OK,
	   "epoch 2's bundle holds only entry 6, its closing entry, and links to epoch 1's last");
	ok(ls_bundle_verify(b3.buf, b3.len, &s3, &err) == LS_OK && s3.count == 300 &&
	   s3.last_seq == 306 && ls_bundle_link(&s3, s2.last_seq, s2.last_hash, &err) == LS_OK,
	   "epoch 3's bundle (signed on several threads) holds 7..306 and links to epoch 2's");
	ok(ls_bundle_link(&s3, s1.last_seq, s1.last_hash, &err) == LS_INVALID &&
	   strstr(err.detail, "starts at seq 7, not after entry 5"),
	   "a bundle checked against the wrong predecessor: %s", err.detail);

	ls_reader *rd;
	struct ls_log_head head;
	struct ls_bundle_info info;
	uint8_t h[32];
	if (ls_reader_begin(st, &rd, &err) != LS_OK)
		tap_bail(err.detail);
	ls_log_head(rd, &head);
	crypto_hash_sha256(h, b3.buf, b3.len);
	ok(ls_log_hash_at(rd, 306, h) == LS_OK && memcmp(h, s3.last_hash, 32) == 0,
	   "the last item's entry hash is the store's hash of entry 306");
	crypto_hash_sha256(h, b3.buf, b3.len);
	ok(ls_bundle_get(rd, 3, &info, &err) == LS_OK && info.count == 300 && info.size == b3.len &&
	   memcmp(info.sha256, h, 32) == 0 && head.seq == 309,
	   "the record: 300 items, the file's size and SHA-256; three BUNDLE_WRITTEN entries follow");
	ok(ls_bundle_get(rd, 4, &info, &err) == LS_NOTFOUND && strcmp(err.code, "no_bundle") == 0,
	   "an epoch without a bundle: 404 no_bundle (%s)", err.detail);

	char *list = NULL;
	size_t len;
	uint64_t after = 1;
	ok(ls_bundles_list(rd, &after, 10, &list, &len, &err) == LS_OK && strstr(list, "\"epoch\":2,") &&
	   strstr(list, "\"epoch\":3,") && !strstr(list, "\"epoch\":1,") &&
	   strstr(list, "\"next_after\":3}"), "the list after epoch 1: epochs 2 and 3");
	free(list);
	ok(ls_bundles_list(rd, NULL, 2, &list, &len, &err) == LS_OK && strstr(list, "\"epoch\":1,") &&
	   strstr(list, "\"epoch\":2,") && strstr(list, "\"next_after\":2}"),
	   "the list from the first, two at a time: epochs 1 and 2, next after 2");
	free(list);

	/* the carrier: a data item whose data is the bundle */
	char path[LS_PATH_MAX + 80];
	snprintf(path, sizeof path, "%s/carrier", dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	s = ls_bundle_carrier(rd, 3, gw_sk, fd, &err);
	close(fd);
	struct blob c = read_all(path);
	struct ls_ans104_item it;
	ok(s == LS_OK && ls_ans104_item_parse(c.buf, c.len, &it, &err) == LS_OK &&
	   ls_ans104_item_verify(&it, &err) == LS_OK && memcmp(it.id, info.id, 32) == 0 &&
	   it.data_len == b3.len && memcmp(it.data, b3.buf, b3.len) == 0 &&
	   memmem(it.tags, it.tags_len, "Bundle-Format", 13) && memmem(it.tags, it.tags_len, "2.0.0", 5),
	   "the carrier item verifies, its id is the recorded bundle id, its data the bundle");
	uint8_t other_pk[32], other_sk[64];
	crypto_sign_keypair(other_pk, other_sk);
	fd = open(path, O_WRONLY | O_TRUNC);
	ok(ls_bundle_carrier(rd, 3, other_sk, fd, &err) == LS_INVALID &&
	   strcmp(err.code, "wrong_key") == 0, "another key cannot make the carrier: %s", err.detail);
	close(fd);
	free(c.buf);
	ls_reader_end(rd);

	s = ls_bundles_write(st, gw_sk, 2000, &r, &err);
	struct blob again = bundle_of(st, 2);
	ok(s == LS_OK && r.written == 0 && again.len == b2.len && memcmp(again.buf, b2.buf, b2.len) == 0,
	   "a second run writes nothing and leaves the files as they were (%s)", err.detail);
	free(again.buf);

	/* a crash after the rename, before the record: the rerun writes the
	 * same bytes over whatever the file holds */
	ls_bundle_path(st, 3, path);
	fd = open(path, O_WRONLY | O_TRUNC);
	ok(fd >= 0 && write(fd, "garbage", 7) == 7, "epoch 3's file overwritten with garbage");
	close(fd);
	struct due redo = {3, 306};
	if (ls_write(st, make_due, &redo, &err) != LS_OK)
		tap_bail(err.detail);
	s = ls_bundles_write(st, gw_sk, 3000, &r, &err);
	again = bundle_of(st, 3);
	ok(s == LS_OK && r.written == 1 && again.len == b3.len && memcmp(again.buf, b3.buf, b3.len) == 0,
	   "rewritten after a crash between rename and record: the same %zu bytes", again.len);
	free(again.buf);
	ls_close(st);
	free(b1.buf);
	free(b2.buf);
	free(b3.buf);
}

/* ---- schema 3 -> 4 ------------------------------------------------------ */

static ls_status close_epochs(struct ls_txn *t, void *ctx)
{
	(void)ctx;
	struct epoch_rec rec = {.fmt = LS_FMT1, .state = EPOCH_CLOSED};
	ls_status s = lt_epoch_write(t, 1, &rec);
	return s == LS_OK ? lt_epoch_write(t, 2, &rec) : s;
}

/* Make the store look as schema 3 left it: no bundles database. */
static void as_schema3(const char *dir)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi meta, bundles;
	uint32_t three = 3;
	MDB_val k = {strlen(META_SCHEMA), META_SCHEMA}, v = {sizeof three, &three};
	if (mdb_env_create(&env) || mdb_env_set_maxdbs(env, 32) || mdb_env_open(env, dir, 0, 0640) ||
	    mdb_txn_begin(env, NULL, 0, &txn) || mdb_dbi_open(txn, "meta", 0, &meta) ||
	    mdb_dbi_open(txn, "bundles", 0, &bundles) || mdb_drop(txn, bundles, 1) ||
	    mdb_put(txn, meta, &k, &v, 0) || mdb_txn_commit(txn))
		tap_bail("cannot make a schema-3 store");
	mdb_env_close(env);
}

static void migrate_tests(void)
{
	char dir[LS_PATH_MAX];
	ls_err err = {0};
	struct ls_bundle_report r;
	struct ls_config cfg;
	ls_store *st = open_store(dir, sizeof dir);
	cfg = *ls_store_config(st);
	if (log_fill(st, 1, 4, &err) != LS_OK || log_fill(st, 2, 3, &err) != LS_OK ||
	    ls_write(st, close_epochs, NULL, &err) != LS_OK ||
	    ls_bundles_write(st, gw_sk, 1000, &r, &err) != LS_OK)
		tap_bail(err.detail);
	struct blob b1 = bundle_of(st, 1), b2 = bundle_of(st, 2);
	ls_close(st);
	as_schema3(dir);
	ok(ls_open(&st, &cfg, 0, &err) != LS_OK && strcmp(err.code, "schema_older") == 0,
	   "a schema-3 store asks for leadgate-admin migrate");
	if (ls_open(&st, &cfg, LS_OPEN_MIGRATE, &err) != LS_OK)
		tap_bail(err.detail);
	ls_status s = ls_bundles_write(st, gw_sk, 2000, &r, &err);
	struct blob a1 = bundle_of(st, 1), a2 = bundle_of(st, 2);
	ok(s == LS_OK && r.written == 2 && a1.len == b1.len && memcmp(a1.buf, b1.buf, b1.len) == 0 &&
	   a2.len == b2.len && memcmp(a2.buf, b2.buf, b2.len) == 0,
	   "migrated to schema 4, the epochs it had closed are due and bundle to the same bytes");
	ls_close(st);
	free(b1.buf);
	free(b2.buf);
	free(a1.buf);
	free(a2.buf);
}

/* ---- damage ---------------------------------------------------------- */

static struct blob flipped(struct blob b, size_t at)
{
	struct blob c = copy(b, 0);
	c.buf[at] ^= 0x01;
	return c;
}

static struct blob swapped(struct blob b, uint64_t i, uint64_t j)
{
	size_t si, sj, oi = item_at(b, i, &si), oj = item_at(b, j, &sj);
	struct blob c = copy(b, 0);
	uint8_t pair[64];
	memcpy(pair, b.buf + 32 + 64 * i, 64);
	memcpy(c.buf + 32 + 64 * i, b.buf + 32 + 64 * j, 64);
	memcpy(c.buf + 32 + 64 * j, pair, 64);
	/* i < j: item j moves to i's place, i to the end of the two */
	memcpy(c.buf + oi, b.buf + oj, sj);
	memmove(c.buf + oi + sj, b.buf + oi + si, oj - oi - si);
	memcpy(c.buf + oj + sj - si, b.buf + oi, si);
	return c;
}

static bool check_and_free(struct blob c, const char *code, const char *words)
{
	bool r = rejected(c, code, words);
	free(c.buf);
	return r;
}

static void raw_damage_tests(struct blob b)
{
	size_t size, at = item_at(b, 0, &size);
	ok(check_and_free(flipped(b, 32 + 40), "bad_id", "item 0: the header's id is not the SHA-256"),
	   "a byte of a header id flipped: item 0's id is not the SHA-256 of its signature");
	ok(check_and_free(flipped(b, at + 2), "bad_id", "item 0: the header's id"),
	   "a byte of a signature flipped: the header's id no longer matches it");
	struct blob c = flipped(b, at + 2);
	crypto_hash_sha256(c.buf + 32 + 32, c.buf + at + 2, 64);
	ok(check_and_free(c, "bad_signature", "item 0: the signature does not verify"),
	   "a signature flipped and its header id made to match: the signature does not verify");
	ok(check_and_free(flipped(b, at + 66), "bad_signature", "item 0: the signature does not verify"),
	   "a byte of the owner flipped: the signature does not verify");
	ok(check_and_free(flipped(b, at + 116 + 11), "bad_signature", "does not verify"),
	   "a byte of a tag value (App-Name) flipped: the signature does not verify");
	ok(check_and_free(flipped(b, at + size - 2), "bad_signature", "does not verify"),
	   "a byte of the data flipped: the signature does not verify");
	ok(check_and_free(swapped(b, 0, 1), "chain_broken", "item 1: seq 1 follows seq 2"),
	   "items 0 and 1 swapped (headers and bytes): the chain breaks at item 1");
	c = copy(b, 16);
	memcpy(c.buf + c.len, "garbage garbage!", 16);
	c.len += 16;
	ok(check_and_free(c, "bad_bundle", "add up to"),
	   "garbage appended: the items' sizes do not add up to the length");
	c = copy(b, 0);
	c.len -= 10;
	ok(check_and_free(c, "bad_bundle", "runs past the end"), "truncated by 10 bytes: the last item runs past the end");
	c = copy(b, 0);
	c.buf[at + 98] = 2;
	ok(check_and_free(c, "bad_item", "item 0: the target presence byte is 2, not 0 or 1"),
	   "a presence byte of 2: named");
	c = copy(b, 0);
	c.buf[at + 100] = 7;
	ok(check_and_free(c, "bad_tags", "item 0: the header counts 7 tags, the Avro block holds 6"),
	   "a tag count that is not the Avro block's: named");
	c = copy(b, 0);
	c.buf[1] = 0x10;
	ok(check_and_free(c, "bad_bundle", "item count does not fit"), "an item count of 4101: does not fit");
	/* the tail cut off: the first items kept, the header made to match */
	uint64_t n = le64(b.buf);
	size_t last_size, last_at = item_at(b, n - 1, &last_size);
	c = (struct blob){malloc(b.len), 0};
	ls_ans104_le256(n - 1, c.buf);
	memcpy(c.buf + 32, b.buf + 32, 64 * (n - 1));
	memcpy(c.buf + 32 + 64 * (n - 1), b.buf + 32 + 64 * n, last_at - (32 + 64 * n));
	c.len = last_at - 64;
	ok(check_and_free(c, "cut_short", "its last item (seq 7) is not the WEIGHTS entry"),
	   "the last item cut off and the header made to match: the bundle was cut short");
	c = (struct blob){calloc(1, 32), 32};
	uint64_t count;
	ls_err err = {0};
	ok(ls_ans104_bundle_check(c.buf, c.len, NULL, NULL, &count, &err) == LS_OK && count == 0 &&
	   check_and_free(copy(c, 0), "cut_short", "it has no items"),
	   "zero items: a well-formed ANS-104 bundle, but no leadgate bundle (it has no closing entry)");
	ok(check_and_free((struct blob){c.buf, 0}, "bad_bundle", "does not fit"), "an empty file is not a bundle");
}

/* ---- validly signed, saying the wrong thing ---------------------------- */

struct edit {
	struct ls_ans104_tag tags[8];
	size_t ntags;
	char *data;           /* malloc'd; may be replaced */
	const uint8_t *sk;
};
typedef void (*edit_fn)(struct edit *e);

/* b with item k re-signed after fn changed it; item k+1 removed if fn is NULL. */
static struct blob resigned(struct blob b, uint64_t k, edit_fn fn)
{
	uint64_t n = le64(b.buf), m = fn ? n : n - 1;
	struct blob c = {malloc(b.len + 4096), 32 + 64 * m};
	ls_ans104_le256(m, c.buf);
	for (uint64_t i = 0, out = 0; i < n; i++) {
		size_t size, at = item_at(b, i, &size);
		if (!fn && i == k + 1)
			continue;
		struct ls_ans104_item it;
		ls_err err = {0};
		if (ls_ans104_item_parse(b.buf + at, size, &it, &err) != LS_OK)
			tap_bail(err.detail);
		if (fn && i == k) {
			struct edit e = {.sk = gw_sk};
			uint8_t tags[1024];
			if (ls_avro_tags_decode(it.tags, it.tags_len, e.tags, 8, &e.ntags, &err) != LS_OK)
				tap_bail(err.detail);
			e.data = strndup((const char *)it.data, it.data_len);
			fn(&e);
			it = (struct ls_ans104_item){.owner = e.sk + 32, .tag_count = e.ntags, .tags = tags,
			                             .tags_len = ls_avro_tags_encode(e.tags, e.ntags, tags),
			                             .data = (const uint8_t *)e.data, .data_len = strlen(e.data)};
			size = ls_ans104_item_size(&it);
			ls_ans104_item_write(&it, e.sk, c.buf + c.len);
			free(e.data);
		} else {
			memcpy(c.buf + c.len, b.buf + at, size);
		}
		ls_ans104_le256(size, c.buf + 32 + 64 * out);
		memcpy(c.buf + 32 + 64 * out + 32, it.id, 32);
		c.len += size;
		out++;
	}
	return c;
}

static void set_tag(struct edit *e, size_t i, const char *value)
{
	e->tags[i].value = value;
	e->tags[i].value_len = strlen(value);
}

static void wrong_type(struct edit *e) { set_tag(e, 4, "WEIGHTS"); }
static void wrong_app(struct edit *e) { set_tag(e, 0, "leadgat3"); }
static void wrong_prev_tag(struct edit *e) { set_tag(e, 5, "00000000000000000000000000000000000000000000000000000000000000ff"); }
static void seventh_tag(struct edit *e)
{
	e->tags[e->ntags++] = (struct ls_ans104_tag){"Extra", "1", 5, 1};
}
static void spaced(struct edit *e)
{
	char *d = malloc(strlen(e->data) + 2);
	sprintf(d, " %s", e->data);
	free(e->data);
	e->data = d;
}
static uint8_t other_sk[64];
static void other_owner(struct edit *e) { e->sk = other_sk; }
/* A forged entry: its prev changed in the data and the tag alike. */
static char forged_prev[65];
static void forged(struct edit *e)
{
	char *p = strstr(e->data, "\"prev\":\"");
	if (p == NULL)
		tap_bail("no prev in an entry");
	p[8] = p[8] == 'a' ? 'b' : 'a';
	memcpy(forged_prev, p + 8, 64);
	forged_prev[64] = '\0';
	set_tag(e, 5, forged_prev);
}

static void semantic_tests(struct blob b)
{
	uint8_t pk[32];
	crypto_sign_keypair(pk, other_sk);
	ok(check_and_free(resigned(b, 2, wrong_type), "bad_entry", "item 2: the Type tag is not the entry's type"),
	   "a signed item whose Type tag is not its entry's type");
	ok(check_and_free(resigned(b, 1, wrong_app), "bad_entry", "item 1: App-Name is not leadgate"),
	   "a signed item of another app");
	ok(check_and_free(resigned(b, 3, wrong_prev_tag), "bad_entry", "item 3: the Prev-Hash tag is not the entry's prev"),
	   "a signed item whose Prev-Hash tag is not its entry's prev");
	ok(check_and_free(resigned(b, 1, seventh_tag), "bad_tags", "item 1: 7 tags, a leadgate item has 6"),
	   "a signed item with a seventh tag");
	ok(check_and_free(resigned(b, 4, spaced), "bad_entry", "item 4: the entry is not in canonical JSON"),
	   "a signed item whose entry is not canonical JSON");
	ok(check_and_free(resigned(b, 2, other_owner), "bad_entry", "item 2: its owner is not item 0's"),
	   "an item signed by another key");
	ok(check_and_free(resigned(b, 2, forged), "chain_broken", "item 2: its Prev-Hash is not the hash of item 1's entry"),
	   "a forged entry (prev changed in data and tag, re-signed): the chain breaks there");
	ok(check_and_free(resigned(b, 0, forged), "chain_broken", "item 0: the log's first entry (seq 1) must have a zero Prev-Hash"),
	   "the first entry of the log with a non-zero prev");
	ok(check_and_free(resigned(b, 1, NULL), "chain_broken", "item 2: seq 4 follows seq 2"),
	   "an item left out (entry 3): seq 4 follows seq 2");
}

/* ---- size -------------------------------------------------------------- */

static double seconds(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void large_tests(void)
{
	char dir[LS_PATH_MAX], cmd[LS_PATH_MAX + 16];
	ls_err err = {0};
	struct ls_bundle_report r;
	struct ls_bundle_summary sum;
	ls_store *st = open_store(dir, sizeof dir);
	if (log_fill(st, 9, 100000, &err) != LS_OK)
		tap_bail(err.detail);
	double t0 = seconds();
	ls_status s = ls_bundles_write(st, gw_sk, 1000, &r, &err);
	double t1 = seconds();
	struct blob b = bundle_of(st, 9);
	ok(s == LS_OK && r.written == 1 && r.items == 100000 &&
	   ls_bundle_verify(b.buf, b.len, &sum, &err) == LS_OK && sum.count == 100000 &&
	   sum.first_seq == 1 && sum.last_seq == 100000,
	   "an epoch of 100 000 entries: one bundle of %zu bytes that verifies item by item (%s)", b.len,
	   err.detail);
	printf("# written in %.2f s, verified in %.2f s (timings belong to bench/; not checked)\n",
	       t1 - t0, seconds() - t1);
	free(b.buf);
	ls_close(st);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
}

/* The upload's steps (upload.c): each allowed only from its states, each
 * with its log entry, failures backed off, a refusal held until retry. */
static struct ls_bundle_info info_of(ls_store *st, uint64_t epoch)
{
	ls_reader *rd;
	struct ls_bundle_info b = {0};
	ls_err err = {0};
	if (ls_reader_begin(st, &rd, &err) != LS_OK || ls_bundle_get(rd, epoch, &b, &err) != LS_OK)
		tap_bail(err.detail);
	ls_reader_end(rd);
	return b;
}

static uint64_t log_seq(ls_store *st)
{
	ls_reader *rd;
	struct ls_log_head h = {0};
	ls_err err = {0};
	if (ls_reader_begin(st, &rd, &err) != LS_OK || ls_log_head(rd, &h) != LS_OK)
		tap_bail("log head");
	ls_reader_end(rd);
	return h.seq;
}

static bool step(ls_store *st, enum ls_upload_step_kind kind, const char *why, int64_t now)
{
	struct ls_upload_step in = {.kind = kind, .mode = LS_ARWEAVE_GATEWAY, .why = why,
	                            .confirmations = 12};
	bool done = false;
	ls_err err = {0};
	memset(in.arweave_id, 0xab, 32);
	return ls_upload_record(st, 1, &in, now, &done, &err) == LS_OK && done;
}

static void upload_tests(ls_store *st)
{
	struct ls_bundle_info b = info_of(st, 1);
	uint64_t seq = log_seq(st);
	ok(b.upload == LS_UPLOAD_WAITING && b.mode == LS_ARWEAVE_NONE && b.failures == 0,
	   "a written bundle waits for its upload");
	ok(!step(st, LS_STEP_CONFIRMED, NULL, 1000) && log_seq(st) == seq,
	   "it cannot be confirmed before it is posted; nothing logged");
	ok(step(st, LS_STEP_FAILED, "connection refused", 1000) && step(st, LS_STEP_FAILED, "503", 1100),
	   "two failures are recorded");
	b = info_of(st, 1);
	ok(b.failures == 2 && b.retry_at == 1100 + 120 && strcmp(b.note, "503") == 0 &&
	   log_seq(st) == seq + 2, "counted, the next try two minutes after the second (60 s "
	   "doubled), the last reason kept, one BUNDLE_UPLOAD_FAILED each");
	ok(ls_upload_backoff(1) == 60 && ls_upload_backoff(7) == 3600 && ls_upload_backoff(60) == 3600,
	   "backoff: 60 s after the first failure, at most an hour");
	ok(step(st, LS_STEP_POSTED, NULL, 1300), "posted");
	b = info_of(st, 1);
	ok(b.upload == LS_UPLOAD_POSTED && b.mode == LS_ARWEAVE_GATEWAY && b.arweave_id[0] == 0xab &&
	   b.posted_at == 1300 && b.failures == 0 && b.note[0] == '\0',
	   "posted: its Arweave id and mode recorded, the failures cleared");
	ok(!step(st, LS_STEP_POSTED, NULL, 1400) && !step(st, LS_STEP_RETRY, NULL, 1400),
	   "not posted twice, and nothing to retry while posted");
	ok(step(st, LS_STEP_CONFIRMED, NULL, 1500) && info_of(st, 1).upload == LS_UPLOAD_CONFIRMED &&
	   info_of(st, 1).confirmations == 12, "confirmed with its confirmations");
	ok(!step(st, LS_STEP_FAILED, "x", 1600) && !step(st, LS_STEP_REFUSED, "x", 1600) &&
	   !step(st, LS_STEP_DROPPED, "x", 1600), "a confirmed upload is the end: no failure, "
	   "refusal or drop applies");
	ls_reader *rd;
	ls_err err = {0};
	char *body = NULL;
	size_t len = 0;
	json_t *page = NULL;
	if (ls_reader_begin(st, &rd, &err) == LS_OK && ls_log_page(rd, seq, 10, &body, &len, &err) == LS_OK)
		page = json_loadb(body, len, 0, NULL);
	ls_reader_end(rd);
	free(body);
	const char *types[5] = {0};
	json_t *e;
	size_t i;
	json_array_foreach(json_object_get(page, "entries"), i, e)
		if (i < 5)
			types[i] = json_string_value(json_object_get(json_object_get(e, "entry"), "type"));
	json_t *posted = json_object_get(json_array_get(json_object_get(page, "entries"), 2), "entry");
	ok(types[0] && strcmp(types[0], "BUNDLE_UPLOAD_FAILED") == 0 && types[2] &&
	   strcmp(types[2], "BUNDLE_POSTED") == 0 && types[3] && strcmp(types[3], "BUNDLE_CONFIRMED") == 0 &&
	   types[4] == NULL && json_is_string(json_object_get(json_object_get(posted, "payload"), "arweave_id")),
	   "the log: FAILED, FAILED, POSTED (with the Arweave id), CONFIRMED");
	json_decref(page);
}

static void refusal_tests(ls_store *st)
{
	ok(step(st, LS_STEP_POSTED, NULL, 100) && step(st, LS_STEP_DROPPED, "the gateway forgot it", 200) &&
	   info_of(st, 1).upload == LS_UPLOAD_WAITING, "a dropped transaction waits to be posted anew");
	ok(step(st, LS_STEP_REFUSED, "410 You don't have enough tokens", 300), "refused");
	struct ls_bundle_info b = info_of(st, 1);
	ok(b.upload == LS_UPLOAD_REFUSED && strcmp(b.note, "410 You don't have enough tokens") == 0 &&
	   !step(st, LS_STEP_POSTED, NULL, 400) && !step(st, LS_STEP_FAILED, "x", 400),
	   "a refusal holds, in the gateway's words: not posted, not retried by itself");
	ok(step(st, LS_STEP_RETRY, NULL, 500) && info_of(st, 1).upload == LS_UPLOAD_WAITING &&
	   info_of(st, 1).failures == 0, "leadgate-admin uploads retry: waiting again, failures reset");
}

int main(void)
{
	char dir[LS_PATH_MAX];
	ls_err err = {0};
	if (sodium_init() < 0)
		tap_bail("sodium_init");
	crypto_sign_keypair(gw_pk, gw_sk);
	store_tests();
	migrate_tests();
	ls_store *st = open_store(dir, sizeof dir);
	if (log_fill(st, 1, 8, &err) != LS_OK)
		tap_bail(err.detail);
	struct ls_bundle_report r;
	if (ls_bundles_write(st, gw_sk, 1000, &r, &err) != LS_OK)
		tap_bail(err.detail);
	upload_tests(st);
	struct blob b = bundle_of(st, 1);
	raw_damage_tests(b);
	semantic_tests(b);
	free(b.buf);
	ls_close(st);
	st = open_store(dir, sizeof dir);
	if (log_fill(st, 1, 3, &err) != LS_OK || ls_bundles_write(st, gw_sk, 1000, &r, &err) != LS_OK)
		tap_bail(err.detail);
	refusal_tests(st);
	ls_close(st);
	large_tests();
	return tap_done();
}
