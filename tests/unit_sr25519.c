/* unit_sr25519 — STROBE-128 and Merlin against their published vectors,
 * sr25519 against vectors made by @polkadot/util-crypto (schnorrkel),
 * sign/verify round trips, the malleability cases, and key files. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>
#include <sodium.h>
#include "tap.h"
#include "leadstore.h"
#include "merlin.h"

static bool unhex_alloc(const char *hex, uint8_t **out, size_t *len)
{
	*len = hex ? strlen(hex) / 2 : 0;
	*out = malloc(*len + 1);
	return hex && *out && strlen(hex) % 2 == 0 && (*len == 0 || ls_unhex(hex, *out, *len) == LS_OK);
}

/* The files write flags as JSON booleans or as "True"/"False". */
static bool flag(json_t *op, const char *key)
{
	json_t *v = json_object_get(op, key);
	return json_is_true(v) || (json_is_string(v) && strcmp(json_string_value(v), "True") == 0);
}

/* One operation of a STROBE known-answer file; false when it is one the
 * Merlin subset does not have (transport, RATCHET, meta KEY or PRF). */
static bool strobe_op(struct ls_strobe *s, json_t *op, bool *matches)
{
	const char *name = json_string_value(json_object_get(op, "name"));
	bool meta = flag(op, "meta"), more = flag(op, "stream");
	uint8_t *in, *want_state, *want_out = NULL, out[1024];
	size_t in_len, state_len, out_len = 0;
	if (!unhex_alloc(json_string_value(json_object_get(op, "input_data")), &in, &in_len) ||
	    !unhex_alloc(json_string_value(json_object_get(op, "state_after")), &want_state, &state_len))
		tap_bail("bad STROBE vector");
	bool known = true;
	if (strcmp(name, "AD") == 0)
		(meta ? ls_strobe_meta_ad : ls_strobe_ad)(s, in, in_len, more);
	else if (strcmp(name, "KEY") == 0 && !meta)
		ls_strobe_key(s, in, in_len, more);
	else if (strcmp(name, "PRF") == 0 && !meta && in_len <= sizeof out) {
		/* the input of a PRF is as many zero bytes as are wanted */
		if (!unhex_alloc(json_string_value(json_object_get(op, "output")), &want_out, &out_len))
			tap_bail("bad STROBE vector");
		ls_strobe_prf(s, out, in_len, more);
	} else
		known = false;
	*matches = state_len == 200 && memcmp(s->state, want_state, 200) == 0 &&
	           (want_out == NULL || (out_len == in_len && memcmp(out, want_out, out_len) == 0));
	free(in);
	free(want_state);
	free(want_out);
	return known;
}

static void strobe_vectors(const char *file)
{
	char name[128];
	snprintf(name, sizeof name, "strobe/%s", file);
	json_t *v = json_load_file(tap_vector_path(name), 0, NULL), *op;
	if (v == NULL || json_integer_value(json_object_get(v, "security")) != 128)
		tap_bail("cannot read a STROBE-128 vector file");
	json_t *ops = json_object_get(v, "operations");
	const char *proto = json_string_value(json_object_get(v, "proto_string"));
	struct ls_strobe s;
	size_t i, checked = 0, agree = 0;
	json_array_foreach(ops, i, op) {
		bool matches;
		if (i == 0) {  /* "init" */
			ls_strobe_init(&s, (const uint8_t *)proto, strlen(proto));
			uint8_t *want;
			size_t n;
			if (!unhex_alloc(json_string_value(json_object_get(op, "state_after")), &want, &n))
				tap_bail("bad STROBE vector");
			matches = n == 200 && memcmp(s.state, want, 200) == 0;
			free(want);
		} else if (!strobe_op(&s, op, &matches))
			break;
		checked++;
		agree += matches;
	}
	ok(checked >= 3 && agree == checked,
	   "STROBE-128 %s: the whole state after each of %zu operations is the reference "
	   "implementation's (%zu more use transport, which Merlin's subset has not)", file, checked,
	   json_array_size(ops) - checked);
	json_decref(v);
}

static void merlin_vectors(void)
{
	/* Merlin's conformance transcripts (dalek-cryptography/merlin's tests,
	 * the same challenges in gtank/merlin's merlin_test.go) */
	struct ls_merlin t;
	uint8_t c[32], data[1024];
	char hex[65];
	ls_merlin_init(&t, "test protocol");
	ls_merlin_append(&t, "some label", (const uint8_t *)"some data", 9);
	ls_merlin_challenge(&t, "challenge", c, 32);
	ls_hex(c, 32, hex);
	is_str(hex, "d5a21972d0d5fe320c0d263fac7fffb8145aa640af6e9bca177c03c7efcf0615",
	       "Merlin: the simple transcript's challenge");

	ls_merlin_init(&t, "test protocol");
	ls_merlin_append(&t, "step1", (const uint8_t *)"some data", 9);
	memset(data, 99, sizeof data);
	for (int i = 0; i < 32; i++) {
		ls_merlin_challenge(&t, "challenge", c, 32);
		ls_merlin_append(&t, "bigdata", data, sizeof data);
		ls_merlin_append(&t, "challengedata", c, 32);
	}
	ls_hex(c, 32, hex);
	is_str(hex, "a8c933f54fae76e3f9bea93648c1308e7dfa2152dd51674ff3ca438351cf003c",
	       "Merlin: the complex transcript's 32nd challenge (1 KiB messages across blocks)");

	/* the transcript RNG is bound to the transcript and the witness */
	uint8_t entropy[32] = {7}, a[32], b[32], d[32];
	ls_merlin_init(&t, "test protocol");
	ls_merlin_witness_bytes(&t, "witness", (const uint8_t *)"w1", 2, entropy, a, 32);
	ls_merlin_witness_bytes(&t, "witness", (const uint8_t *)"w1", 2, entropy, b, 32);
	ls_merlin_witness_bytes(&t, "witness", (const uint8_t *)"w2", 2, entropy, d, 32);
	ok(memcmp(a, b, 32) == 0 && memcmp(a, d, 32) != 0,
	   "Merlin's RNG: same transcript, witness and entropy give the same bytes; another witness does not");
}

/* sr25519 vectors: the seed gives the public key and the SS58 address,
 * and verification agrees with "valid". */
static void sr25519_vectors(void)
{
	json_t *v = json_load_file(tap_vector_path("signatures.json"), 0, NULL), *item;
	size_t i, agree = 0, keys = 0, valid = 0, marker = 0;
	if (v == NULL)
		tap_bail("cannot read signatures.json");
	json_t *list = json_object_get(v, "sr25519");
	is_str(json_string_value(json_object_get(v, "context")), LS_SR25519_CONTEXT,
	       "the vectors are for signing context \"substrate\"");
	json_array_foreach(list, i, item) {
		uint8_t seed[32], pk[32], sk[64], derived[32], sig[64], *msg;
		size_t mlen;
		char ss58[LS_SS58_MAX];
		if (ls_unhex(json_string_value(json_object_get(item, "seed")), seed, 32) ||
		    ls_unhex(json_string_value(json_object_get(item, "public_key")), pk, 32) ||
		    ls_unhex(json_string_value(json_object_get(item, "signature")), sig, 64) ||
		    !unhex_alloc(json_string_value(json_object_get(item, "message_hex")), &msg, &mlen))
			tap_bail("bad sr25519 vector");
		ls_sr25519_keypair_from_seed(seed, derived, sk);
		keys += memcmp(derived, pk, 32) == 0 && ls_ss58_encode(pk, 42, ss58) == LS_OK &&
		        strcmp(ss58, json_string_value(json_object_get(item, "ss58"))) == 0;
		enum ls_sr25519_verdict got = ls_sr25519_verify(sig, msg, mlen, pk);
		bool want = json_is_true(json_object_get(item, "valid"));
		agree += (got == LS_SR25519_VALID) == want;
		valid += want;
		const char *note = json_string_value(json_object_get(item, "note"));
		marker += note && strcmp(note, "marker bit cleared") == 0 && got == LS_SR25519_NOT_MARKED;
		free(msg);
	}
	size_t n = json_array_size(list);
	ok(n >= 40 && keys == n, "all %zu sr25519 vectors: the mini secret key gives the public key and SS58 address", n);
	ok(agree == n, "all %zu sr25519 vectors: verification agrees with 'valid' (%zu valid, %zu not)",
	   n, valid, n - valid);
	ok(marker == 12, "the %zu vectors with the marker bit cleared are refused as not marked", marker);
	json_decref(v);
}

/* s + ℓ, which satisfies the same equation as s */
static void add_group_order(uint8_t s[32])
{
	static const uint8_t l[32] = {0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58,
	                              0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
	                              [31] = 0x10};
	unsigned carry = 0;
	for (int i = 0; i < 32; i++) {
		carry += (unsigned)s[i] + l[i];
		s[i] = (uint8_t)carry;
		carry >>= 8;
	}
}

static void round_trip_and_malleability(void)
{
	uint8_t seed[32], pk[32], sk[64], sig[64], sig2[64], bad[64];
	const uint8_t msg[] = "GET /v1/epoch/7/leads";
	size_t n = sizeof msg - 1;
	randombytes_buf(seed, sizeof seed);
	ls_sr25519_keypair_from_seed(seed, pk, sk);
	ls_sr25519_sign(sk, pk, msg, n, sig);
	ls_sr25519_sign(sk, pk, msg, n, sig2);
	ok(ls_sr25519_verify(sig, msg, n, pk) == LS_SR25519_VALID &&
	   ls_sr25519_verify(sig2, msg, n, pk) == LS_SR25519_VALID,
	   "our own signatures verify");
	ok(memcmp(sig, sig2, 64) != 0, "two signatures of one message differ (a fresh nonce from the CSPRNG)");
	ok((sig[63] & 0x80) != 0, "the marker bit is set");
	ok(ls_sr25519_verify(sig, msg, n - 1, pk) == LS_SR25519_FALSE,
	   "another message does not verify");
	uint8_t other_pk[32], other_sk[64];
	seed[0] ^= 1;
	ls_sr25519_keypair_from_seed(seed, other_pk, other_sk);
	ok(ls_sr25519_verify(sig, msg, n, other_pk) == LS_SR25519_FALSE,
	   "another key does not verify");

	memcpy(bad, sig, 64);
	bad[63] &= 0x7f;
	ok(ls_sr25519_verify(bad, msg, n, pk) == LS_SR25519_NOT_MARKED, "marker bit missing: refused");

	memcpy(bad, sig, 64);
	bad[63] &= 0x7f;
	add_group_order(bad + 32);
	bool fits = (bad[63] & 0x80) == 0;
	bad[63] |= 0x80;
	ok(fits && ls_sr25519_verify(bad, msg, n, pk) == LS_SR25519_BAD_SCALAR,
	   "s + ℓ (the same point, a non-canonical scalar): refused");

	memcpy(bad, sig, 64);
	bad[0] |= 1;  /* ristretto255 encodings are even ("non-negative") */
	ok(ls_sr25519_verify(bad, msg, n, pk) == LS_SR25519_BAD_R, "a negative R encoding: refused");
	/* p + 1 (p = 2^255 - 19): even, but not a reduced field element */
	memcpy(bad, (const uint8_t[32]){0xee, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	                                0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	                                0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	                                0xff, 0x7f}, 32);
	ok(ls_sr25519_verify(bad, msg, n, pk) == LS_SR25519_BAD_R,
	   "an R encoding ≥ p (non-canonical field element): refused");
	memset(bad, 0, 32);
	ok(ls_sr25519_verify(bad, msg, n, pk) == LS_SR25519_BAD_R, "the identity as R: refused");

	uint8_t zero[32] = {0};
	ok(ls_sr25519_verify(sig, msg, n, zero) == LS_SR25519_BAD_KEY,
	   "the identity as public key (anyone could sign for it): refused");
	pk[0] |= 1;
	ok(ls_sr25519_verify(sig, msg, n, pk) == LS_SR25519_BAD_KEY,
	   "a public key that is not a canonical encoding: refused");
	sodium_memzero(sk, sizeof sk);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0)
		tap_bail("cannot write a temporary file");
}

static void key_files(void)
{
	char dir[] = "/tmp/unit_sr25519.XXXXXX", path[128], json[512];
	struct ls_keypair kp, ed;
	uint8_t pk[32], sig[64];
	ls_err err;
	if (mkdtemp(dir) == NULL)
		tap_bail("mkdtemp");
	snprintf(path, sizeof path, "%s/hot", dir);
	ok(ls_keyfile_create(path, LS_KEY_SR25519, pk, &err) == LS_OK &&
	   ls_keyfile_load(path, &kp, &err) == LS_OK && kp.alg == LS_KEY_SR25519 &&
	   memcmp(kp.pk, pk, 32) == 0, "keyfile: an sr25519 key file is written and read back as sr25519");
	ls_keypair_sign(&kp, (const uint8_t *)"x", 1, sig);
	ok(ls_signature_verify(LS_KEY_SR25519, sig, (const uint8_t *)"x", 1, kp.pk) &&
	   !ls_signature_verify(LS_KEY_ED25519, sig, (const uint8_t *)"x", 1, kp.pk),
	   "an sr25519 signature verifies as sr25519, not as ed25519");
	unlink(path);
	ok(ls_keyfile_create(path, LS_KEY_ED25519, pk, &err) == LS_OK &&
	   ls_keyfile_load(path, &ed, &err) == LS_OK && ed.alg == LS_KEY_ED25519,
	   "keyfile: an ed25519 key file is still 64 hex digits read as ed25519");
	ls_keypair_sign(&ed, (const uint8_t *)"x", 1, sig);
	ok(ls_signature_verify(LS_KEY_ED25519, sig, (const uint8_t *)"x", 1, ed.pk) &&
	   !ls_signature_verify(LS_KEY_SR25519, sig, (const uint8_t *)"x", 1, ed.pk),
	   "an ed25519 signature verifies as ed25519, not as sr25519");
	unlink(path);

	/* a Bittensor wallet's hotkey file, from the first vector's seed */
	snprintf(json, sizeof json,
	         "{\"accountId\": \"0x44a996beb1eef7bdcab976ab6d2ca26104834164ecf28fb375600576fcc6eb0f\", "
	         "\"publicKey\": \"0x44a996beb1eef7bdcab976ab6d2ca26104834164ecf28fb375600576fcc6eb0f\", "
	         "\"secretPhrase\": null, "
	         "\"secretSeed\": \"0x9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60\", "
	         "\"ss58Address\": \"5DcjVUSFQsUSFDCMFNSFYRwBYgya7BEcoA47F5pkphi8NXnu\"}");
	write_file(path, json);
	char ss58[LS_SS58_MAX] = "";
	ok(ls_keyfile_load(path, &kp, &err) == LS_OK && kp.alg == LS_KEY_SR25519 &&
	   ls_ss58_encode(kp.pk, 42, ss58) == LS_OK &&
	   strcmp(ss58, "5DcjVUSFQsUSFDCMFNSFYRwBYgya7BEcoA47F5pkphi8NXnu") == 0,
	   "keyfile: a Bittensor wallet hotkey file (JSON, secretSeed) is read as that sr25519 key");
	char *pk_hex = strstr(json, "\"publicKey\": \"0x") + strlen("\"publicKey\": \"0x");
	pk_hex[0] = pk_hex[0] == '4' ? '5' : '4';
	write_file(path, json);
	ok(ls_keyfile_load(path, &kp, &err) == LS_INVALID && strstr(err.detail, "publicKey"),
	   "keyfile: a wallet file whose publicKey is not its seed's is refused (%s)", err.detail);
	write_file(path, "{\"publicKey\": 5, \"secretSeed\": "
	                 "\"0x9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60\"}");
	ok(ls_keyfile_load(path, &kp, &err) == LS_INVALID && strstr(err.detail, "publicKey"),
	   "keyfile: a wallet file whose publicKey is not a string is refused");
	write_file(path, "{\"accountId\": \"0x44\", \"publicKey\": 5}");
	ok(ls_keyfile_load(path, &kp, &err) == LS_INVALID && strstr(err.detail, "secretSeed"),
	   "keyfile: a wallet file without a secretSeed is refused (%s)", err.detail);
	write_file(path, "$NACL\x01\x02\x03 ciphertext");
	ok(ls_keyfile_load(path, &kp, &err) == LS_INVALID && strstr(err.detail, "encrypted"),
	   "keyfile: an encrypted Bittensor wallet file ($NACL) is refused with a reason (%s)", err.detail);
	ok(ls_keyfile_load(dir, &kp, &err) == LS_ERROR,
	   "keyfile: a directory is refused as one (%s)", err.detail);
	write_file(path, "sr25519:12\n");
	ok(ls_keyfile_load(path, &kp, &err) == LS_INVALID, "keyfile: a short sr25519 seed is refused");
	unlink(path);
	rmdir(dir);
	sodium_memzero(&kp, sizeof kp);
	sodium_memzero(&ed, sizeof ed);
}

int main(void)
{
	if (sodium_init() < 0)
		tap_bail("sodium_init");
	strobe_vectors("simple_test_vector.json");
	strobe_vectors("meta_test_vector.json");
	strobe_vectors("streaming_test_vector.json");
	merlin_vectors();
	sr25519_vectors();
	round_trip_and_malleability();
	key_files();
	return tap_done();
}
