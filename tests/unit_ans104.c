/* unit_ans104 — ANS-104 data items and bundles against the vectors made by
 * the reference implementation (arbundles): Avro tags, deep hashes,
 * signatures, ids, items and the whole bundle byte for byte; then parsing
 * and every way an item can be malformed or tampered with. */
#include <stdio.h>
#include <string.h>
#include <jansson.h>
#include <sodium.h>
#include "tap.h"
#include "leadstore.h"

#define MAX_ITEM 4096

struct vector_item {
	struct ls_ans104_tag tags[8];
	size_t ntags;
	uint8_t target[32], anchor[32], data[1024], tags_avro[1024];
	size_t data_len;
	struct ls_ans104_item it;
	uint8_t bytes[MAX_ITEM];
	size_t len;
};

static bool unhex_to(const char *hex, uint8_t *out, size_t cap, size_t *len)
{
	*len = hex ? strlen(hex) / 2 : 0;
	return hex && *len <= cap && (*len == 0 || ls_unhex(hex, out, *len) == LS_OK);
}

static bool hex_is(const uint8_t *got, size_t len, const char *want_hex)
{
	char hex[2 * MAX_ITEM + 1];
	if (want_hex == NULL || len > MAX_ITEM)
		return false;
	ls_hex(got, len, hex);
	return strcmp(hex, want_hex) == 0;
}

/* Build item i of the vectors with our writer. */
static void build(json_t *v, const uint8_t sk[64], const uint8_t pk[32], struct vector_item *x)
{
	size_t n, i;
	json_t *tag;
	memset(x, 0, sizeof *x);
	json_array_foreach(json_object_get(v, "tags"), i, tag) {
		const char *name = json_string_value(json_object_get(tag, "name"));
		const char *value = json_string_value(json_object_get(tag, "value"));
		x->tags[x->ntags++] = (struct ls_ans104_tag){name, value, strlen(name), strlen(value)};
	}
	x->it.owner = pk;
	if (!unhex_to(json_string_value(json_object_get(v, "target_hex")), x->target, 32, &n))
		tap_bail("bad target");
	x->it.target = n ? x->target : NULL;
	if (!unhex_to(json_string_value(json_object_get(v, "anchor_hex")), x->anchor, 32, &n))
		tap_bail("bad anchor");
	x->it.anchor = n ? x->anchor : NULL;
	if (!unhex_to(json_string_value(json_object_get(v, "data_hex")), x->data, sizeof x->data,
	              &x->data_len))
		tap_bail("bad data");
	x->it.tag_count = x->ntags;
	x->it.tags_len = ls_avro_tags_encode(x->tags, x->ntags, x->tags_avro);
	x->it.tags = x->tags_avro;
	x->it.data = x->data;
	x->it.data_len = x->data_len;
	x->len = ls_ans104_item_size(&x->it);
	if (x->len > MAX_ITEM)
		tap_bail("item too large");
	ls_ans104_item_write(&x->it, sk, x->bytes);
}

static uint8_t bundle[32 + 3 * 64 + 3 * MAX_ITEM];
static size_t bundle_len;

static void known_answers(json_t *vec, struct vector_item *items, size_t *count)
{
	uint8_t seed[32], pk[32], sk[64];
	if (ls_unhex(json_string_value(json_object_get(vec, "seed_hex")), seed, 32) != LS_OK)
		tap_bail("bad seed");
	crypto_sign_seed_keypair(pk, sk, seed);
	ok(hex_is(pk, 32, json_string_value(json_object_get(vec, "pubkey_hex"))),
	   "the vectors' seed gives their ed25519 owner");
	json_t *list = json_object_get(vec, "items"), *v;
	size_t i, avro = 0, deep = 0, sig = 0, id = 0, whole = 0;
	json_array_foreach(list, i, v) {
		struct vector_item *x = &items[i];
		uint8_t hash[48];
		build(v, sk, pk, x);
		ls_ans104_deep_hash(&x->it, hash);
		avro += hex_is(x->it.tags, x->it.tags_len, json_string_value(json_object_get(v, "tags_avro_hex")));
		deep += hex_is(hash, 48, json_string_value(json_object_get(v, "deephash_hex")));
		sig += hex_is(x->it.signature, 64, json_string_value(json_object_get(v, "signature_hex")));
		id += hex_is(x->it.id, 32, json_string_value(json_object_get(v, "id_hex")));
		whole += x->len == (size_t)json_integer_value(json_object_get(v, "item_len")) &&
		         hex_is(x->bytes, x->len, json_string_value(json_object_get(v, "item_hex")));
	}
	*count = i;
	ok(i == 3, "three data items in the vectors (tags, target and anchor, unicode tags)");
	ok(avro == i, "the Avro tag blocks are the reference's, byte for byte (%zu of %zu)", avro, i);
	ok(deep == i, "the SHA-384 deep hashes are the reference's (%zu of %zu)", deep, i);
	ok(sig == i, "the ed25519 signatures are the reference's (%zu of %zu)", sig, i);
	ok(id == i, "the ids, SHA-256 of the signatures, are the reference's (%zu of %zu)", id, i);
	ok(whole == i, "the whole items are the reference's, byte for byte (%zu of %zu)", whole, i);

	/* the bundle: count, then (size, id) per item, then the items */
	uint8_t digest[32];
	size_t len = 32 + 64 * i;
	ls_ans104_le256(i, bundle);
	for (size_t k = 0; k < i; k++) {
		ls_ans104_le256(items[k].len, bundle + 32 + 64 * k);
		memcpy(bundle + 64 + 64 * k, items[k].it.id, 32);
		memcpy(bundle + len, items[k].bytes, items[k].len);
		len += items[k].len;
	}
	crypto_hash_sha256(digest, bundle, len);
	ok(len == (size_t)json_integer_value(json_object_get(vec, "bundle_len")) &&
	   hex_is(digest, 32, json_string_value(json_object_get(vec, "bundle_sha256_hex"))),
	   "the whole bundle is the reference's: %zu bytes, the same SHA-256", len);
	bundle_len = len;
}

/* A copy of the vectors' bundle, changed by edit, must fail the check
 * with code, the detail containing `says`. */
static void bundle_refused(void (*edit)(uint8_t *b, size_t *len), const char *code,
                           const char *says, const char *what)
{
	static uint8_t copy[sizeof bundle + 64];
	size_t len = bundle_len;
	uint64_t n;
	ls_err err = {0};
	memcpy(copy, bundle, bundle_len);
	edit(copy, &len);
	ls_status s = ls_ans104_bundle_check(copy, len, NULL, NULL, &n, &err);
	ok(s == LS_INVALID && strcmp(err.code, code) == 0 && strstr(err.detail, says),
	   "bundle %s: refused, %s (%s)", what, code, err.detail);
}

static void flip_header_id(uint8_t *b, size_t *len) { (void)len; b[32 + 64 + 32 + 5] ^= 1; }
/* a signature byte flipped, and the header's id made to match it */
static void flip_signature(uint8_t *b, size_t *len)
{
	(void)len;
	b[32 + 3 * 64 + 10] ^= 1;
	crypto_hash_sha256(b + 64, b + 32 + 3 * 64 + 2, 64);
}
static void flip_data(uint8_t *b, size_t *len) { b[*len - 1] ^= 1; }
static void append_garbage(uint8_t *b, size_t *len) { memcpy(b + *len, "garbage", 7); *len += 7; }
static void truncate_end(uint8_t *b, size_t *len) { (void)b; *len -= 1; }
static void huge_count(uint8_t *b, size_t *len) { (void)len; b[0] = 200; }
/* items 0 and 1 swapped in the body, the header unchanged */
static void swap_items(uint8_t *b, size_t *len)
{
	uint8_t tmp[2 * MAX_ITEM];
	uint64_t s0, s1;
	(void)len;
	(void)ls_ans104_le256_read(b + 32, &s0);
	(void)ls_ans104_le256_read(b + 96, &s1);
	size_t at = 32 + 3 * 64;
	memcpy(tmp, b + at + s0, s1);
	memcpy(tmp + s1, b + at, s0);
	memcpy(b + at, tmp, s0 + s1);
}

static ls_status count_items(void *ctx, uint64_t index, const struct ls_ans104_item *it, ls_err *err)
{
	(void)index, (void)it, (void)err;
	++*(size_t *)ctx;
	return LS_OK;
}

static void bundle_checks(void)
{
	uint64_t n;
	size_t seen = 0;
	ls_err err = {0};
	ok(ls_ans104_bundle_check(bundle, bundle_len, count_items, &seen, &n, &err) == LS_OK &&
	   n == 3 && seen == 3, "the vectors' bundle checks whole: 3 items, each seen once");
	bundle_refused(flip_header_id, "bad_id", "item 1", "with a header id changed");
	bundle_refused(flip_signature, "bad_signature", "item 0",
	               "with a signature byte flipped and its header id to match");
	bundle_refused(flip_data, "bad_signature", "item 2", "with the last data byte flipped");
	bundle_refused(swap_items, "bad_item", "item 0", "with two items swapped (sizes no longer fit)");
	bundle_refused(append_garbage, "bad_bundle", "add up to", "with garbage appended");
	bundle_refused(truncate_end, "bad_bundle", "item 2", "cut short by one byte");
	bundle_refused(huge_count, "bad_bundle", "count", "claiming 200 items");
}

static void parse_back(struct vector_item *items, size_t count)
{
	size_t good = 0;
	for (size_t i = 0; i < count; i++) {
		struct ls_ans104_item p;
		ls_err err;
		good += ls_ans104_item_parse(items[i].bytes, items[i].len, &p, &err) == LS_OK &&
		        ls_ans104_item_verify(&p, &err) == LS_OK && memcmp(p.id, items[i].it.id, 32) == 0 &&
		        (p.target == NULL) == (items[i].it.target == NULL) &&
		        p.data_len == items[i].data_len && memcmp(p.data, items[i].data, p.data_len) == 0;
	}
	ok(good == count, "every item parses back to its fields and verifies (%zu of %zu)", good, count);
}

/* Change one byte of a copy of item x and expect parse or verify to fail
 * with `code`. */
static void tampered(const struct vector_item *x, size_t at, uint8_t value, const char *code,
                     const char *what)
{
	uint8_t copy[MAX_ITEM];
	struct ls_ans104_item p;
	ls_err err = {0};
	memcpy(copy, x->bytes, x->len);
	copy[at] = value;
	ls_status s = ls_ans104_item_parse(copy, x->len, &p, &err);
	if (s == LS_OK)
		s = ls_ans104_item_verify(&p, &err);
	ok(s == LS_INVALID && strcmp(err.code, code) == 0, "%s: refused, %s (%s)", what, code, err.detail);
}

static void tamper(const struct vector_item *items)
{
	const struct vector_item *a = &items[0], *b = &items[1];
	tampered(a, 0, 1, "bad_item", "signature type 1 (arweave)");
	tampered(a, 2, a->bytes[2] ^ 1, "bad_signature", "a signature byte flipped");
	tampered(a, 70, a->bytes[70] ^ 1, "bad_signature", "an owner byte flipped");
	tampered(a, 98, 2, "bad_item", "a target presence byte of 2");
	tampered(b, 100, b->bytes[100] ^ 1, "bad_signature", "a target byte flipped");
	tampered(a, 100, 3, "bad_tags", "the header's tag count changed");
	tampered(a, 116 + 3, a->bytes[116 + 3] ^ 0x20, "bad_signature", "a tag's byte changed");
	tampered(a, 116 + 1, 0x7f, "bad_tags", "a tag length past the block");
	tampered(a, a->len - 1, a->bytes[a->len - 1] ^ 1, "bad_signature", "a data byte flipped");
	struct ls_ans104_item p;
	ls_err err = {0};
	ok(ls_ans104_item_parse(a->bytes, 110, &p, &err) == LS_INVALID,
	   "an item shorter than the fixed fields: refused (%s)", err.detail);
	/* b has a target and an anchor: its tag counts are at 164..179 */
	ok(ls_ans104_item_parse(b->bytes, 170, &p, &err) == LS_INVALID && strstr(err.detail, "tag counts"),
	   "an item cut inside its tag counts: refused (%s)", err.detail);
	ok(ls_ans104_item_parse(b->bytes, 150, &p, &err) == LS_INVALID && strstr(err.detail, "anchor"),
	   "an item cut inside its anchor: refused (%s)", err.detail);
}

static void avro_edges(void)
{
	struct ls_ans104_tag t[4];
	size_t n;
	ls_err err;
	/* a block of one with its size (negative count), then the end */
	const uint8_t sized[] = {0x01, 0x08, 0x02, 'a', 0x04, 'b', 'c', 0x00};
	ok(ls_avro_tags_decode(sized, sizeof sized, t, 4, &n, &err) == LS_OK && n == 1 &&
	   t[0].value_len == 2 && memcmp(t[0].value, "bc", 2) == 0,
	   "Avro: a block written with a negative count and a size decodes");
	const uint8_t no_end[] = {0x02, 0x02, 'a', 0x02, 'b'};
	ok(ls_avro_tags_decode(no_end, sizeof no_end, t, 4, &n, &err) == LS_INVALID,
	   "Avro: an array without its closing block is refused (%s)", err.detail);
	const uint8_t trailing[] = {0x02, 0x02, 'a', 0x02, 'b', 0x00, 0x00};
	ok(ls_avro_tags_decode(trailing, sizeof trailing, t, 4, &n, &err) == LS_INVALID,
	   "Avro: bytes after the array are refused (%s)", err.detail);
	const uint8_t too_many[] = {0x0a, 2, 'a', 2, 'b', 2, 'a', 2, 'b', 2, 'a', 2, 'b',
	                            2, 'a', 2, 'b', 2, 'a', 2, 'b', 0x00};
	ok(ls_avro_tags_decode(too_many, sizeof too_many, t, 4, &n, &err) == LS_INVALID,
	   "Avro: more tags than room is refused (%s)", err.detail);
	const uint8_t endless[] = {0x82, 0x82, 0x82, 0x82, 0x82, 0x82, 0x82, 0x82, 0x82, 0x82, 0x82};
	ok(ls_avro_tags_decode(endless, sizeof endless, t, 4, &n, &err) == LS_INVALID,
	   "Avro: a varint that never ends is refused");
	ok(ls_avro_tags_encode(t, 0, NULL) == 0, "Avro: no tags are no bytes");
	uint8_t big[32];
	uint64_t v;
	ls_ans104_le256(0x0102030405060708ull, big);
	ok(ls_ans104_le256_read(big, &v) && v == 0x0102030405060708ull && big[0] == 8 && big[31] == 0,
	   "the bundle header's 256-bit integers are little-endian");
	big[20] = 1;
	ok(!ls_ans104_le256_read(big, &v), "a 256-bit integer of 2^64 or more is refused");
}

int main(void)
{
	static struct vector_item items[3];
	size_t count;
	if (sodium_init() < 0)
		tap_bail("sodium_init");
	json_t *vec = json_load_file(tap_vector_path("ans104.json"), 0, NULL);
	if (vec == NULL || json_array_size(json_object_get(vec, "items")) != 3)
		tap_bail("cannot read ans104.json");
	known_answers(vec, items, &count);
	parse_back(items, count);
	bundle_checks();
	tamper(items);
	avro_edges();
	json_decref(vec);
	return tap_done();
}
