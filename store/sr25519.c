/* sr25519.c — schnorrkel signatures (Schnorr over ristretto255 with Merlin
 * transcripts), as w3f/schnorrkel defines them and Substrate wallets use
 * them: signing context "substrate", mini secret keys expanded in
 * ExpansionMode::Ed25519.  The group and scalar arithmetic is libsodium's;
 * the transcript is merlin.c.
 *
 *   transcript  SigningContext("substrate") + sign-bytes(msg)
 *               + proto-name("Schnorr-sig") + sign:pk(A) + sign:R(R)
 *   k           challenge "sign:c", 64 bytes reduced mod ℓ
 *   signature   R ‖ s with s = k·a + r, and bit 7 of byte 63 set (the
 *               marker that tells schnorrkel from ed25519 signatures)
 *   valid iff   the marker is set, s < ℓ, R and A are canonical ristretto255
 *               encodings, and R = s·B − k·A */
#include <string.h>
#include <sodium.h>
#include "internal.h"
#include "merlin.h"

/* The transcript up to and including sign:pk; sign:R follows. */
static void transcript(struct ls_merlin *t, const uint8_t pk[32], const uint8_t *msg,
                       size_t len)
{
	static const char context[] = LS_SR25519_CONTEXT, proto[] = "Schnorr-sig";
	ls_merlin_init(t, "SigningContext");
	ls_merlin_append(t, "", (const uint8_t *)context, sizeof context - 1);
	ls_merlin_append(t, "sign-bytes", msg, len);
	ls_merlin_append(t, "proto-name", (const uint8_t *)proto, sizeof proto - 1);
	ls_merlin_append(t, "sign:pk", pk, 32);
}

static void challenge(struct ls_merlin *t, const uint8_t R[32], uint8_t k[32])
{
	uint8_t wide[64];
	ls_merlin_append(t, "sign:R", R, 32);
	ls_merlin_challenge(t, "sign:c", wide, sizeof wide);
	crypto_core_ristretto255_scalar_reduce(k, wide);
}

void ls_sr25519_keypair_from_seed(const uint8_t seed[32], uint8_t pk[32], uint8_t sk[64])
{
	uint8_t h[64];
	crypto_hash_sha512(h, seed, 32);
	/* ed25519's clamping, then a division by the cofactor 8 so that the
	 * scalar is kept reduced (schnorrkel's expand_ed25519) */
	h[0] &= 248;
	h[31] &= 63;
	h[31] |= 64;
	for (int i = 0; i < 32; i++)
		sk[i] = (uint8_t)(h[i] >> 3 | (i < 31 ? h[i + 1] << 5 : 0));
	memcpy(sk + 32, h + 32, 32);  /* the nonce seed */
	/* the scalar is at least 2^251 (bit 254 set, then divided by 8) and
	 * below ℓ, never zero, so this cannot fail */
	(void)crypto_scalarmult_ristretto255_base(pk, sk);
	sodium_memzero(h, sizeof h);
}

void ls_sr25519_sign(const uint8_t sk[64], const uint8_t pk[32], const uint8_t *msg, size_t len,
                     uint8_t sig[64])
{
	struct ls_merlin t;
	uint8_t entropy[32], wide[64], r[32], k[32], ka[32];
	transcript(&t, pk, msg, len);
	do {  /* r = 0 (probability 2^-252) has no R: draw again */
		randombytes_buf(entropy, sizeof entropy);
		ls_merlin_witness_bytes(&t, "signing", sk + 32, 32, entropy, wide, sizeof wide);
		crypto_core_ristretto255_scalar_reduce(r, wide);
	} while (crypto_scalarmult_ristretto255_base(sig, r) != 0);
	challenge(&t, sig, k);
	crypto_core_ristretto255_scalar_mul(ka, k, sk);
	crypto_core_ristretto255_scalar_add(sig + 32, ka, r);
	sig[63] |= 0x80;
	sodium_memzero(&t, sizeof t);
	sodium_memzero(entropy, sizeof entropy);
	sodium_memzero(wide, sizeof wide);
	sodium_memzero(r, sizeof r);
	sodium_memzero(ka, sizeof ka);
}

/* s < ℓ exactly when reducing s leaves it unchanged. */
static bool scalar_canonical(const uint8_t s[32])
{
	uint8_t wide[64] = {0}, reduced[32];
	memcpy(wide, s, 32);
	crypto_core_ristretto255_scalar_reduce(reduced, wide);
	return memcmp(reduced, s, 32) == 0;
}

static bool is_identity(const uint8_t p[32])
{
	static const uint8_t identity[32];
	return memcmp(p, identity, 32) == 0;
}

/* Why a signature that failed the equation failed: an R or a public key
 * that is no canonical encoding can never equal (or give) a computed point,
 * so these checks wait for a failure instead of slowing every success. */
static enum ls_sr25519_verdict failure(const uint8_t R[32], const uint8_t pk[32])
{
	if (!crypto_core_ristretto255_is_valid_point(R))
		return LS_SR25519_BAD_R;
	if (!crypto_core_ristretto255_is_valid_point(pk))
		return LS_SR25519_BAD_KEY;
	return LS_SR25519_FALSE;
}

enum ls_sr25519_verdict ls_sr25519_verify(const uint8_t sig[64], const uint8_t *msg,
                                          size_t len, const uint8_t pk[32])
{
	struct ls_merlin t;
	uint8_t s[32], k[32], sb[32], ka[32], r[32];
	if (!(sig[63] & 0x80))
		return LS_SR25519_NOT_MARKED;
	memcpy(s, sig + 32, 32);
	s[31] &= 0x7f;
	if (!scalar_canonical(s))
		return LS_SR25519_BAD_SCALAR;
	/* an identity R never comes from an honest signer; with the identity
	 * as public key anyone could sign */
	if (is_identity(sig))
		return LS_SR25519_BAD_R;
	if (is_identity(pk))
		return LS_SR25519_BAD_KEY;
	transcript(&t, pk, msg, len);
	challenge(&t, sig, k);
	/* libsodium refuses invalid encodings of A and products that are the
	 * identity: s = 0 or k = 0 (each of probability 2^-252 for an honest
	 * signer) count as false */
	if (crypto_scalarmult_ristretto255_base(sb, s) != 0 ||
	    crypto_scalarmult_ristretto255(ka, k, pk) != 0 ||
	    crypto_core_ristretto255_sub(r, sb, ka) != 0 || memcmp(r, sig, 32) != 0)
		return failure(sig, pk);
	return LS_SR25519_VALID;
}

const char *ls_sr25519_verdict_text(enum ls_sr25519_verdict v)
{
	switch (v) {
	case LS_SR25519_VALID: return "valid";
	case LS_SR25519_NOT_MARKED: return "not marked as a schnorrkel signature (bit 7 of byte 63)";
	case LS_SR25519_BAD_SCALAR: return "s is not a canonical scalar";
	case LS_SR25519_BAD_R: return "R is the identity or not a canonical ristretto255 point";
	case LS_SR25519_BAD_KEY: return "the public key is the identity or not a canonical ristretto255 point";
	case LS_SR25519_FALSE: return "the verification equation does not hold";
	}
	return "?";
}
