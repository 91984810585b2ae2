/* ans104.c — Arweave's ANS-104 bundles (SPEC §7), byte for byte as the
 * reference implementation (arbundles) writes them:
 *
 *   data item   u16 signature type ‖ signature ‖ owner
 *               ‖ target presence byte [‖ 32 bytes] ‖ anchor presence byte [‖ 32 bytes]
 *               ‖ u64 tag count ‖ u64 tag bytes ‖ Avro tags ‖ data
 *   signature   over the SHA-384 deep hash of ["dataitem", "1", "2", owner,
 *               target, anchor, Avro tags, data] (an absent target or anchor
 *               is the empty blob); the item's id is SHA-256(signature)
 *   bundle      u256 item count ‖ (u256 size ‖ id) per item ‖ the items
 *
 * Integers are little-endian.  Only signature type 2 (ed25519) is written
 * and read: it is the gateway's. */
#include <stdio.h>
#include <string.h>
#include <nettle/sha2.h>
#include <sodium.h>
#include "internal.h"

/* ---- Avro: the tags are an array of {name: bytes, value: bytes} -------- */

/* Avro's long: zigzag, then 7 bits a byte, low first. */
static size_t avro_long(int64_t v, uint8_t *out)
{
	uint64_t z = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
	size_t n = 0;
	do {
		uint8_t b = z & 0x7f;
		z >>= 7;
		if (out)
			out[n] = (uint8_t)(b | (z ? 0x80 : 0));
		n++;
	} while (z);
	return n;
}

static size_t avro_bytes(const char *p, size_t len, uint8_t *out)
{
	size_t n = avro_long((int64_t)len, out);
	if (out)
		memcpy(out + n, p, len);
	return n + len;
}

/* One block of all the tags, then the empty block that ends the array;
 * no tags at all is no bytes (as arbundles' serializeTags).  With out
 * NULL, only the size. */
size_t ls_avro_tags_encode(const struct ls_ans104_tag *tags, size_t n, uint8_t *out)
{
	if (n == 0)
		return 0;
	size_t len = avro_long((int64_t)n, out);
	for (size_t i = 0; i < n; i++) {
		len += avro_bytes(tags[i].name, tags[i].name_len, out ? out + len : NULL);
		len += avro_bytes(tags[i].value, tags[i].value_len, out ? out + len : NULL);
	}
	if (out)
		out[len] = 0;
	return len + 1;
}

static bool avro_read_long(const uint8_t **p, const uint8_t *end, int64_t *v)
{
	uint64_t z = 0;
	for (unsigned shift = 0; *p < end && shift < 64; shift += 7) {
		uint8_t b = *(*p)++;
		z |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*v = (int64_t)(z >> 1) ^ -(int64_t)(z & 1);
			return true;
		}
	}
	return false;
}

static bool avro_read_bytes(const uint8_t **p, const uint8_t *end, const char **s, size_t *len)
{
	int64_t n;
	if (!avro_read_long(p, end, &n) || n < 0 || n > end - *p)
		return false;
	*s = (const char *)*p;
	*len = (size_t)n;
	*p += n;
	return true;
}

ls_status ls_avro_tags_decode(const uint8_t *buf, size_t len, struct ls_ans104_tag *tags,
                              size_t max, size_t *count, ls_err *err)
{
	const uint8_t *p = buf, *end = buf + len;
	bool ended = false;
	*count = 0;
	while (p < end && !ended) {
		int64_t n;
		if (!avro_read_long(&p, end, &n))
			return ls_fail(err, LS_INVALID, "bad_tags", NULL, "a tag block count is cut short");
		ended = n == 0;
		if (n < -(int64_t)max || n > (int64_t)max)  /* also keeps -n in range */
			return ls_fail(err, LS_INVALID, "bad_tags", NULL, "more than %zu tags", max);
		if (n < 0) {  /* a negative count is followed by the block's size */
			int64_t size;
			if (!avro_read_long(&p, end, &size) || size < 0)
				return ls_fail(err, LS_INVALID, "bad_tags", NULL, "a tag block size is malformed");
			n = -n;
		}
		for (int64_t i = 0; i < n; i++, (*count)++) {
			if (*count == max)
				return ls_fail(err, LS_INVALID, "bad_tags", NULL, "more than %zu tags", max);
			struct ls_ans104_tag *t = &tags[*count];
			if (!avro_read_bytes(&p, end, &t->name, &t->name_len) ||
			    !avro_read_bytes(&p, end, &t->value, &t->value_len))
				return ls_fail(err, LS_INVALID, "bad_tags", NULL, "tag %zu is cut short", *count);
		}
	}
	if (len > 0 && !ended)
		return ls_fail(err, LS_INVALID, "bad_tags", NULL, "the tag array does not end");
	if (p != end)
		return ls_fail(err, LS_INVALID, "bad_tags", NULL,
		               "%zu bytes follow the end of the tag array", (size_t)(end - p));
	return LS_OK;
}

/* ---- the deep hash (arweave-js deepHash, SHA-384) ---------------------- */

static void sha384(const void *a, size_t alen, const void *b, size_t blen, uint8_t out[48])
{
	struct sha384_ctx h;
	sha384_init(&h);
	sha384_update(&h, alen, a);
	if (b)
		sha384_update(&h, blen, b);
	sha384_digest(&h, SHA384_DIGEST_SIZE, out);
}

/* a blob: SHA-384(SHA-384("blob" ‖ decimal length) ‖ SHA-384(bytes)),
 * the bytes' own hash given or computed */
static void deep_hash_blob(const void *p, size_t len, const uint8_t *bytes_hash,
                           uint8_t out[48])
{
	char tag[32];
	uint8_t pair[96];
	int n = snprintf(tag, sizeof tag, "blob%zu", len);
	sha384(tag, (size_t)n, NULL, 0, pair);
	if (bytes_hash)
		memcpy(pair + 48, bytes_hash, 48);
	else
		sha384(p, len, NULL, 0, pair + 48);
	sha384(pair, sizeof pair, NULL, 0, out);
}

/* A list: acc = SHA-384("list" ‖ count), then acc = SHA-384(acc ‖ child)
 * for each child; the shared parts come first, so writers keep the value
 * after them (ls_ans104_prefix). */
enum { ITEM_PARTS = 8, SHARED_PARTS = 6 };

static void deep_hash_step(uint8_t acc[96], const void *p, size_t len, const uint8_t *hash)
{
	deep_hash_blob(p ? p : "", len, hash, acc + 48);
	sha384(acc, 96, NULL, 0, acc);
}

void ls_deep_hash_begin(struct ls_deep_hash *h, size_t count)
{
	char tag[32];
	int n = snprintf(tag, sizeof tag, "list%zu", count);
	sha384(tag, (size_t)n, NULL, 0, h->acc);
}

void ls_deep_hash_blob(struct ls_deep_hash *h, const void *p, size_t len)
{
	deep_hash_step(h->acc, p, len, NULL);
}

void ls_deep_hash_child(struct ls_deep_hash *h, const uint8_t child[48])
{
	memcpy(h->acc + 48, child, 48);
	sha384(h->acc, 96, NULL, 0, h->acc);
}

void ls_deep_hash_end(const struct ls_deep_hash *h, uint8_t out[48])
{
	memcpy(out, h->acc, 48);
}

static void deep_hash_shared(const struct ls_ans104_item *it, uint8_t acc[96])
{
	struct ls_deep_hash h;
	ls_deep_hash_begin(&h, ITEM_PARTS);
	memcpy(acc, h.acc, 48);
	deep_hash_step(acc, "dataitem", 8, NULL);
	deep_hash_step(acc, "1", 1, NULL);
	deep_hash_step(acc, "2", 1, NULL);
	deep_hash_step(acc, it->owner, 32, NULL);
	deep_hash_step(acc, it->target, it->target ? 32 : 0, NULL);
	deep_hash_step(acc, it->anchor, it->anchor ? 32 : 0, NULL);
}

void ls_ans104_prefix(const uint8_t owner[32], uint8_t out[48])
{
	uint8_t acc[96];
	deep_hash_shared(&(struct ls_ans104_item){.owner = owner}, acc);
	memcpy(out, acc, 48);
}

void ls_ans104_deep_hash(const struct ls_ans104_item *it, uint8_t out[48])
{
	uint8_t acc[96];
	if (it->prefix)
		memcpy(acc, it->prefix, 48);
	else
		deep_hash_shared(it, acc);
	deep_hash_step(acc, it->tags, it->tags_len, NULL);
	deep_hash_step(acc, it->data, it->data_len, it->data_sha384);
	memcpy(out, acc, 48);
}

/* ---- data items -------------------------------------------------------- */

#define FIXED_LEN (2 + 64 + 32 + 1 + 1 + 8 + 8)

static void put_le(uint8_t *out, uint64_t v, size_t len)
{
	for (size_t i = 0; i < len; i++, v >>= 8)
		out[i] = (uint8_t)(i < 8 ? v : 0);
}

static uint64_t get_le64(const uint8_t *in)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | in[i];
	return v;
}

size_t ls_ans104_item_size(const struct ls_ans104_item *it)
{
	return FIXED_LEN + (it->target ? 32 : 0) + (it->anchor ? 32 : 0) + it->tags_len + it->data_len;
}

static uint8_t *put_optional(uint8_t *p, const uint8_t *field)
{
	*p++ = field != NULL;
	if (field) {
		memcpy(p, field, 32);
		p += 32;
	}
	return p;
}

void ls_ans104_item_sign(struct ls_ans104_item *it, const uint8_t sk[64])
{
	uint8_t hash[48];
	ls_ans104_deep_hash(it, hash);
	crypto_sign_detached(it->signature, NULL, hash, sizeof hash, sk);
	crypto_hash_sha256(it->id, it->signature, 64);
}

size_t ls_ans104_item_head(const struct ls_ans104_item *it, uint8_t *out)
{
	uint8_t *p = out;
	put_le(p, LS_ANS104_ED25519, 2);
	memcpy(p + 2, it->signature, 64);
	memcpy(p + 66, it->owner, 32);
	p = put_optional(p + 98, it->target);
	p = put_optional(p, it->anchor);
	put_le(p, it->tag_count, 8);
	put_le(p + 8, it->tags_len, 8);
	if (it->tags_len)
		memcpy(p + 16, it->tags, it->tags_len);
	return (size_t)(p + 16 - out) + it->tags_len;
}

void ls_ans104_item_write(struct ls_ans104_item *it, const uint8_t sk[64], uint8_t *out)
{
	ls_ans104_item_sign(it, sk);
	size_t head = ls_ans104_item_head(it, out);
	if (it->data_len)
		memcpy(out + head, it->data, it->data_len);
}

static ls_status bad_item(ls_err *err, const char *what)
{
	return ls_fail(err, LS_INVALID, "bad_item", NULL, "%s", what);
}

static ls_status read_optional(const uint8_t **p, const uint8_t *end, const uint8_t **field,
                               const char *name, ls_err *err)
{
	if (*p >= end)
		return bad_item(err, "cut short before a presence byte");
	uint8_t present = *(*p)++;
	if (present > 1)
		return ls_fail(err, LS_INVALID, "bad_item", NULL, "the %s presence byte is %u, not 0 or 1",
		               name, present);
	*field = NULL;
	if (present) {
		if (end - *p < 32)
			return ls_fail(err, LS_INVALID, "bad_item", NULL, "cut short in the %s", name);
		*field = *p;
		*p += 32;
	}
	return LS_OK;
}

ls_status ls_ans104_item_parse(const uint8_t *buf, size_t len, struct ls_ans104_item *it,
                               ls_err *err)
{
	const uint8_t *p = buf + 98, *end = buf + len;
	memset(it, 0, sizeof *it);
	if (len < FIXED_LEN)
		return bad_item(err, "shorter than any data item");
	unsigned type = buf[0] | (unsigned)buf[1] << 8;
	if (type != LS_ANS104_ED25519)
		return ls_fail(err, LS_INVALID, "bad_item", NULL,
		               "signature type %u, not 2 (ed25519)", type);
	memcpy(it->signature, buf + 2, 64);
	it->owner = buf + 66;
	ls_status s = read_optional(&p, end, &it->target, "target", err);
	if (s == LS_OK)
		s = read_optional(&p, end, &it->anchor, "anchor", err);
	if (s != LS_OK)
		return s;
	if (end - p < 16)
		return bad_item(err, "cut short in the tag counts");
	it->tag_count = get_le64(p);
	uint64_t tags_len = get_le64(p + 8);
	p += 16;
	if (tags_len > (uint64_t)(end - p))
		return bad_item(err, "the tag bytes run past the item");
	it->tags = p;
	it->tags_len = (size_t)tags_len;
	it->data = p + tags_len;
	it->data_len = (size_t)(end - it->data);
	crypto_hash_sha256(it->id, it->signature, 64);
	return LS_OK;
}

ls_status ls_ans104_item_verify(const struct ls_ans104_item *it, ls_err *err)
{
	struct ls_ans104_tag tags[LS_ANS104_MAX_TAGS];
	size_t n;
	uint8_t hash[48];
	ls_status s = ls_avro_tags_decode(it->tags, it->tags_len, tags, LS_ANS104_MAX_TAGS, &n, err);
	if (s != LS_OK)
		return s;
	if (n != it->tag_count)
		return ls_fail(err, LS_INVALID, "bad_tags", NULL,
		               "the header counts %llu tags, the Avro block holds %zu",
		               (unsigned long long)it->tag_count, n);
	ls_ans104_deep_hash(it, hash);
	if (crypto_sign_verify_detached(it->signature, hash, sizeof hash, it->owner) != 0)
		return ls_fail(err, LS_INVALID, "bad_signature", NULL,
		               "the signature does not verify for the item's owner");
	return LS_OK;
}

/* ---- bundles ----------------------------------------------------------- */

void ls_ans104_le256(uint64_t v, uint8_t out[32])
{
	put_le(out, v, 32);
}

bool ls_ans104_le256_read(const uint8_t in[32], uint64_t *v)
{
	static const uint8_t zero[24];
	*v = get_le64(in);
	return memcmp(in + 8, zero, sizeof zero) == 0;
}

/* Item i against its (size, id) pair in the header. */
static ls_status bundle_item(const uint8_t *buf, size_t len, uint64_t i, size_t *offset,
                             struct ls_ans104_item *it, ls_err *err)
{
	const uint8_t *pair = buf + 32 + 64 * i;
	uint64_t size;
	if (!ls_ans104_le256_read(pair, &size) || size > len - *offset)
		return ls_fail(err, LS_INVALID, "bad_bundle", NULL,
		               "its size runs past the end of the bundle");
	ls_status s = ls_ans104_item_parse(buf + *offset, (size_t)size, it, err);
	if (s == LS_OK && memcmp(it->id, pair + 32, 32) != 0)
		s = ls_fail(err, LS_INVALID, "bad_id", NULL,
		            "the header's id is not the SHA-256 of its signature");
	if (s == LS_OK)
		s = ls_ans104_item_verify(it, err);
	*offset += (size_t)size;
	return s;
}

/* "item N: " before the detail of a failure that concerns item N. */
static ls_status about_item(ls_status s, uint64_t i, ls_err *err)
{
	char why[sizeof err->detail];
	if (s == LS_OK)
		return s;
	snprintf(why, sizeof why, "%s", err->detail);
	snprintf(err->detail, sizeof err->detail, "item %llu: %.200s", (unsigned long long)i, why);
	return s;
}

ls_status ls_ans104_bundle_check(const uint8_t *buf, size_t len, ls_ans104_item_fn each,
                                 void *ctx, uint64_t *count, ls_err *err)
{
	uint64_t n;
	*count = 0;
	if (len < 32 || !ls_ans104_le256_read(buf, &n) || n > (len - 32) / 64)
		return ls_fail(err, LS_INVALID, "bad_bundle", NULL,
		               "the item count does not fit in the bundle's %zu bytes", len);
	size_t offset = 32 + 64 * (size_t)n;
	for (uint64_t i = 0; i < n; i++) {
		struct ls_ans104_item it;
		ls_status s = bundle_item(buf, len, i, &offset, &it, err);
		if (s == LS_OK && each)
			s = each(ctx, i, &it, err);
		if (s != LS_OK)
			return about_item(s, i, err);
	}
	if (offset != len)
		return ls_fail(err, LS_INVALID, "bad_bundle", NULL,
		               "the items' sizes add up to %zu bytes, the bundle has %zu", offset, len);
	*count = n;
	return LS_OK;
}
