/*
 * arweave.c — Arweave layer-1 transactions (format 2) for leadgate-upload
 * (SPEC §7): the operator's wallet, the data root of Arweave's chunking,
 * each chunk's proof, and the signed transaction as the gateway's POST
 * /tx takes it.  What arweave-js does, in the same bytes:
 *
 *   wallet     a JWK file (RSA, e = 65537, a 4096-bit n); the address is
 *              base64url(SHA-256(n))
 *   chunks     256 KiB each, except that when the remainder after a full
 *              chunk would be under 32 KiB, the last two share it (the
 *              first takes the rounded-up half); when the size is a
 *              multiple of 256 KiB an empty chunk closes the list, counted
 *              in the root but never posted
 *   leaves     H(H(sha256 of the chunk) ‖ H(note of its end offset))
 *   branches   H(H(left) ‖ H(right) ‖ H(note of left's end)), pairwise,
 *              an odd node carried up; a note is 32 bytes big-endian
 *   proof      from the root down, left ‖ right ‖ note per branch, then
 *              the chunk's hash ‖ its end note
 *   signature  RSA-PSS with SHA-256 (salt as long as the key allows, as
 *              Node's crypto signs for arweave-js) over the deep hash of
 *              ["2", owner, target, quantity, reward, last_tx,
 *               [[name, value]…], data_size, data_root]; id = SHA-256 of it
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gmp.h>
#include <nettle/bignum.h>
#include <nettle/rsa.h>
#include <sodium.h>
#include "internal.h"

#define CHUNK_MAX (256u * 1024u)
#define CHUNK_MIN (32u * 1024u)
#define OWNER_BYTES 512   /* a 4096-bit modulus: what Arweave wallets are */

struct ls_arweave_wallet {
	struct rsa_public_key pub;
	struct rsa_private_key key;
	uint8_t owner[OWNER_BYTES];
	char address[LS_ARWEAVE_ID_B64];
};

void ls_b64url(const uint8_t *in, size_t len, char *out, size_t out_size)
{
	sodium_bin2base64(out, out_size, in, len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/* ---- the wallet --------------------------------------------------------- */

/* One base64url JWK member as a big integer of at most max bytes. */
static bool jwk_int(json_t *jwk, const char *name, size_t max, mpz_t out, size_t *len)
{
	const char *text = json_string_value(json_object_get(jwk, name));
	uint8_t buf[OWNER_BYTES + 8];
	size_t n = 0;
	if (text == NULL || strlen(text) > sodium_base64_ENCODED_LEN(max, sodium_base64_VARIANT_URLSAFE_NO_PADDING) ||
	    sodium_base642bin(buf, sizeof buf, text, strlen(text), NULL, &n, NULL,
	                      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    n == 0 || n > max)
		return false;
	nettle_mpz_set_str_256_u(out, n, buf);
	if (len)
		*len = n;
	sodium_memzero(buf, sizeof buf);
	return true;
}

static ls_status wallet_from_json(json_t *jwk, ls_arweave_wallet *w, ls_err *err)
{
	size_t n_len = 0;
	const char *kty = json_string_value(json_object_get(jwk, "kty"));
	if (kty == NULL || strcmp(kty, "RSA") != 0)
		return ls_fail(err, LS_INVALID, "bad_wallet", "arweave_wallet",
		               "an Arweave wallet is an RSA JWK (kty \"RSA\")");
	bool ok = jwk_int(jwk, "n", OWNER_BYTES, w->pub.n, &n_len) &&
	          jwk_int(jwk, "e", 8, w->pub.e, NULL) && jwk_int(jwk, "d", OWNER_BYTES, w->key.d, NULL) &&
	          jwk_int(jwk, "p", OWNER_BYTES, w->key.p, NULL) &&
	          jwk_int(jwk, "q", OWNER_BYTES, w->key.q, NULL) &&
	          jwk_int(jwk, "dp", OWNER_BYTES, w->key.a, NULL) &&
	          jwk_int(jwk, "dq", OWNER_BYTES, w->key.b, NULL) &&
	          jwk_int(jwk, "qi", OWNER_BYTES, w->key.c, NULL);
	if (!ok)
		return ls_fail(err, LS_INVALID, "bad_wallet", "arweave_wallet",
		               "the wallet lacks one of n, e, d, p, q, dp, dq, qi, or one is not "
		               "base64url of at most %d bytes", OWNER_BYTES);
	if (n_len != OWNER_BYTES || mpz_sizeinbase(w->pub.n, 2) != 8 * OWNER_BYTES)
		return ls_fail(err, LS_INVALID, "bad_wallet", "arweave_wallet",
		               "the wallet's modulus is not 4096 bits, the size of Arweave wallets");
	if (!rsa_public_key_prepare(&w->pub) || !rsa_private_key_prepare(&w->key) ||
	    w->key.size != w->pub.size)
		return ls_fail(err, LS_INVALID, "bad_wallet", "arweave_wallet",
		               "the wallet's RSA key is inconsistent");
	nettle_mpz_get_str_256(OWNER_BYTES, w->owner, w->pub.n);
	uint8_t h[32];
	crypto_hash_sha256(h, w->owner, OWNER_BYTES);
	ls_b64url(h, 32, w->address, sizeof w->address);
	return LS_OK;
}

static void random_bytes(void *ctx, size_t len, uint8_t *out)
{
	(void)ctx;
	randombytes_buf(out, len);
}

/* Sign and verify a fixed message: a wallet whose parts disagree (p·q not
 * n, say) is caught here, not by the gateway after the fee is set. */
static ls_status wallet_self_test(ls_arweave_wallet *w, ls_err *err)
{
	uint8_t msg[48] = "leadgate: arweave wallet self-test", sig[OWNER_BYTES];
	if (ls_arweave_sign(w, msg, sig) != LS_OK || !ls_arweave_verify(w->owner, msg, sig))
		return ls_fail(err, LS_INVALID, "bad_wallet", "arweave_wallet",
		               "the wallet's private key does not match its public key");
	return LS_OK;
}

ls_status ls_arweave_wallet_load(const char *path, ls_arweave_wallet **out, ls_err *err)
{
	json_error_t je;
	*out = NULL;
	json_t *jwk = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	if (jwk == NULL)
		return ls_fail(err, LS_INVALID, "bad_wallet", "arweave_wallet",
		               "cannot read the Arweave wallet %s: %s", path, je.text);
	ls_arweave_wallet *w = calloc(1, sizeof *w);
	if (w == NULL) {
		json_decref(jwk);
		return ls_fail(err, LS_ERROR, "oom", NULL, "out of memory");
	}
	rsa_public_key_init(&w->pub);
	rsa_private_key_init(&w->key);
	ls_status s = wallet_from_json(jwk, w, err);
	json_decref(jwk);
	if (s == LS_OK)
		s = wallet_self_test(w, err);
	if (s != LS_OK) {
		ls_arweave_wallet_free(w);
		return s;
	}
	*out = w;
	return LS_OK;
}

void ls_arweave_wallet_free(ls_arweave_wallet *w)
{
	if (w == NULL)
		return;
	rsa_public_key_clear(&w->pub);
	rsa_private_key_clear(&w->key);  /* mpz_clear; the limbs go back to GMP */
	sodium_memzero(w, sizeof *w);
	free(w);
}

const char *ls_arweave_address(const ls_arweave_wallet *w) { return w->address; }
const uint8_t *ls_arweave_owner(const ls_arweave_wallet *w) { return w->owner; }

ls_status ls_arweave_sign(const ls_arweave_wallet *w, const uint8_t msg[48],
                          uint8_t sig[LS_ARWEAVE_SIG_BYTES])
{
	uint8_t digest[32];
	mpz_t s;
	size_t salt_len = w->pub.size - 32 - 2;  /* the most PSS allows: Node's default */
	uint8_t salt[OWNER_BYTES];
	crypto_hash_sha256(digest, msg, 48);
	randombytes_buf(salt, salt_len);
	mpz_init(s);
	int ok = rsa_pss_sha256_sign_digest_tr(&w->pub, &w->key, NULL, random_bytes, salt_len,
	                                        salt, digest, s);
	if (ok)
		nettle_mpz_get_str_256(LS_ARWEAVE_SIG_BYTES, sig, s);
	mpz_clear(s);
	return ok ? LS_OK : LS_ERROR;
}

bool ls_arweave_verify(const uint8_t owner[LS_ARWEAVE_SIG_BYTES], const uint8_t msg[48],
                       const uint8_t sig[LS_ARWEAVE_SIG_BYTES])
{
	struct rsa_public_key pub;
	uint8_t digest[32];
	mpz_t s;
	rsa_public_key_init(&pub);
	nettle_mpz_set_str_256_u(pub.n, OWNER_BYTES, owner);
	mpz_set_ui(pub.e, 65537);
	mpz_init(s);
	nettle_mpz_set_str_256_u(s, LS_ARWEAVE_SIG_BYTES, sig);
	crypto_hash_sha256(digest, msg, 48);
	bool ok = rsa_public_key_prepare(&pub) &&
	          rsa_pss_sha256_verify_digest(&pub, pub.size - 32 - 2, digest, s);
	mpz_clear(s);
	rsa_public_key_clear(&pub);
	return ok;
}

/* ---- chunks and the data root ------------------------------------------ */

struct node {
	uint8_t id[32];
	uint64_t end;     /* its last byte's offset + 1 */
};

struct ls_arweave_chunks {
	uint64_t size, count;       /* count: chunks in the tree, the empty one too */
	uint64_t *ends;             /* each chunk's end offset */
	uint8_t (*hashes)[32];      /* each chunk's SHA-256 */
	unsigned levels;            /* layers[0] = leaves … layers[levels-1] = root */
	struct node *layers[64];
	uint64_t widths[64];
	uint8_t root[32];
};

static void note(uint64_t v, uint8_t out[32])
{
	memset(out, 0, 24);
	ls_be64(v, out + 24);
}

static void sha256_of(const void *p, size_t len, uint8_t out[32])
{
	crypto_hash_sha256(out, p, len);
}

/* H(H(a) ‖ H(b) [‖ H(c)]) over 32-byte parts. */
static void hash_parts(const uint8_t *a, const uint8_t *b, const uint8_t *c, uint8_t out[32])
{
	uint8_t cat[96];
	sha256_of(a, 32, cat);
	sha256_of(b, 32, cat + 32);
	if (c)
		sha256_of(c, 32, cat + 64);
	sha256_of(cat, c ? 96 : 64, out);
}

/* arweave-js chunkData: the chunks' end offsets and hashes. */
static ls_status chunk_split(struct ls_arweave_chunks *c, const uint8_t *data, ls_err *err)
{
	uint64_t max_count = c->size / CHUNK_MAX + 2, cursor = 0;
	c->ends = malloc(max_count * sizeof *c->ends);
	c->hashes = malloc(max_count * sizeof *c->hashes);
	if (c->ends == NULL || c->hashes == NULL)
		return ls_fail(err, LS_ERROR, "oom", NULL, "out of memory for the chunks");
	while (c->size - cursor >= CHUNK_MAX) {
		uint64_t rest = c->size - cursor, len = CHUNK_MAX, next = rest - CHUNK_MAX;
		if (next > 0 && next < CHUNK_MIN)
			len = (rest + 1) / 2;
		sha256_of(data + cursor, len, c->hashes[c->count]);
		cursor += len;
		c->ends[c->count++] = cursor;
	}
	sha256_of(data + cursor, c->size - cursor, c->hashes[c->count]);
	c->ends[c->count++] = c->size;
	return LS_OK;
}

/* The leaves, then each layer pairwise up to the root. */
static ls_status chunk_tree(struct ls_arweave_chunks *c, ls_err *err)
{
	uint64_t width = c->count;
	c->levels = 0;
	while (1) {
		struct node *layer = malloc(width * sizeof *layer);
		if (layer == NULL)
			return ls_fail(err, LS_ERROR, "oom", NULL, "out of memory for the chunk tree");
		c->layers[c->levels] = layer;
		c->widths[c->levels] = width;
		for (uint64_t i = 0; i < width; i++) {
			if (c->levels == 0) {
				uint8_t end_note[32];
				note(c->ends[i], end_note);
				hash_parts(c->hashes[i], end_note, NULL, layer[i].id);
				layer[i].end = c->ends[i];
				continue;
			}
			const struct node *below = c->layers[c->levels - 1];
			uint64_t l = 2 * i, r = 2 * i + 1;
			if (r >= c->widths[c->levels - 1]) {
				layer[i] = below[l];  /* an odd node is carried up */
				continue;
			}
			uint8_t left_note[32];
			note(below[l].end, left_note);
			hash_parts(below[l].id, below[r].id, left_note, layer[i].id);
			layer[i].end = below[r].end;
		}
		c->levels++;
		if (width == 1)
			break;
		width = (width + 1) / 2;
	}
	memcpy(c->root, c->layers[c->levels - 1][0].id, 32);
	return LS_OK;
}

ls_status ls_arweave_chunks_build(const uint8_t *data, uint64_t size,
                                  ls_arweave_chunks **out, ls_err *err)
{
	ls_arweave_chunks *c = calloc(1, sizeof *c);
	if (c == NULL)
		return ls_fail(err, LS_ERROR, "oom", NULL, "out of memory");
	c->size = size;
	ls_status s = chunk_split(c, data, err);
	if (s == LS_OK)
		s = chunk_tree(c, err);
	if (s != LS_OK) {
		ls_arweave_chunks_free(c);
		c = NULL;
	}
	*out = c;
	return s;
}

void ls_arweave_chunks_free(ls_arweave_chunks *c)
{
	if (c == NULL)
		return;
	for (unsigned i = 0; i < c->levels; i++)
		free(c->layers[i]);
	free(c->ends);
	free(c->hashes);
	free(c);
}

const uint8_t *ls_arweave_data_root(const ls_arweave_chunks *c) { return c->root; }

uint64_t ls_arweave_chunk_count(const ls_arweave_chunks *c)
{
	/* an empty closing chunk is in the tree but never posted */
	bool empty_last = c->count > 1 && c->ends[c->count - 1] == c->ends[c->count - 2];
	return c->count - (empty_last || c->size == 0);
}

size_t ls_arweave_chunk_proof(const ls_arweave_chunks *c, uint64_t i, uint8_t *out,
                              uint64_t *start, uint64_t *end)
{
	size_t len = 0;
	for (unsigned level = c->levels - 1; level > 0; level--) {
		uint64_t parent = i >> level, l = 2 * parent, r = l + 1;
		const struct node *below = c->layers[level - 1];
		if (r >= c->widths[level - 1])
			continue;  /* carried up: no branch on this level */
		memcpy(out + len, below[l].id, 32);
		memcpy(out + len + 32, below[r].id, 32);
		note(below[l].end, out + len + 64);
		len += 96;
	}
	memcpy(out + len, c->hashes[i], 32);
	note(c->ends[i], out + len + 32);
	*start = i ? c->ends[i - 1] : 0;
	*end = c->ends[i];
	return len + 64;
}

/* ---- the transaction ----------------------------------------------------- */

/* The deep hash of the tags as a list of [name, value] pairs. */
static void tags_hash(const struct ls_ans104_tag *tags, size_t n, uint8_t out[48])
{
	struct ls_deep_hash list, pair;
	uint8_t pair_hash[48];
	ls_deep_hash_begin(&list, n);
	for (size_t i = 0; i < n; i++) {
		ls_deep_hash_begin(&pair, 2);
		ls_deep_hash_blob(&pair, tags[i].name, tags[i].name_len);
		ls_deep_hash_blob(&pair, tags[i].value, tags[i].value_len);
		ls_deep_hash_end(&pair, pair_hash);
		ls_deep_hash_child(&list, pair_hash);
	}
	ls_deep_hash_end(&list, out);
}

void ls_arweave_tx_message(const struct ls_arweave_tx *tx, uint8_t out[48])
{
	struct ls_deep_hash h;
	uint8_t tags[48];
	char size[24];
	snprintf(size, sizeof size, "%llu", (unsigned long long)tx->data_size);
	tags_hash(tx->tags, tx->tag_count, tags);
	ls_deep_hash_begin(&h, 9);
	ls_deep_hash_blob(&h, "2", 1);
	ls_deep_hash_blob(&h, tx->owner, LS_ARWEAVE_SIG_BYTES);
	ls_deep_hash_blob(&h, "", 0);                 /* target: none */
	ls_deep_hash_blob(&h, "0", 1);                /* quantity */
	ls_deep_hash_blob(&h, tx->reward, strlen(tx->reward));
	ls_deep_hash_blob(&h, tx->anchor, tx->anchor_len);
	ls_deep_hash_child(&h, tags);
	ls_deep_hash_blob(&h, size, strlen(size));
	ls_deep_hash_blob(&h, tx->data_root, 32);
	ls_deep_hash_end(&h, out);
}

ls_status ls_arweave_tx_sign(const ls_arweave_wallet *w, struct ls_arweave_tx *tx, ls_err *err)
{
	uint8_t msg[48];
	memcpy(tx->owner, w->owner, OWNER_BYTES);
	ls_arweave_tx_message(tx, msg);
	if (ls_arweave_sign(w, msg, tx->signature) != LS_OK)
		return ls_fail(err, LS_ERROR, "sign_failed", NULL, "the wallet could not sign");
	crypto_hash_sha256(tx->id, tx->signature, LS_ARWEAVE_SIG_BYTES);
	return LS_OK;
}

/* base64url of len bytes as a new JSON string. */
static json_t *b64_json(const uint8_t *p, size_t len)
{
	size_t cap = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char *text = malloc(cap);
	if (text == NULL)
		return NULL;
	ls_b64url(p, len, text, cap);
	json_t *s = json_string(text);
	free(text);
	return s;
}

json_t *ls_arweave_tx_json(const struct ls_arweave_tx *tx, const uint8_t *data)
{
	char size[24];
	json_t *tags = json_array();
	snprintf(size, sizeof size, "%llu", (unsigned long long)tx->data_size);
	for (size_t i = 0; tags && i < tx->tag_count; i++)
		json_array_append_new(tags, json_pack("{s:o, s:o}", "name",
		                                      b64_json((const uint8_t *)tx->tags[i].name,
		                                               tx->tags[i].name_len),
		                                      "value",
		                                      b64_json((const uint8_t *)tx->tags[i].value,
		                                               tx->tags[i].value_len)));
	return json_pack("{s:i, s:o, s:o, s:o, s:o, s:s, s:s, s:o, s:s, s:o, s:s, s:o}", "format", 2,
	                 "id", b64_json(tx->id, 32), "last_tx", b64_json(tx->anchor, tx->anchor_len),
	                 "owner", b64_json(tx->owner, LS_ARWEAVE_SIG_BYTES), "tags", tags, "target",
	                 "", "quantity", "0", "data", data ? b64_json(data, tx->data_size)
	                                                   : json_string(""),
	                 "data_size", size, "data_root", b64_json(tx->data_root, 32), "reward",
	                 tx->reward, "signature", b64_json(tx->signature, LS_ARWEAVE_SIG_BYTES));
}
