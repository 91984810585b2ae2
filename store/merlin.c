/* merlin.c — STROBE-128 (AD, meta-AD, PRF, KEY) over nettle's
 * Keccak-f[1600], and Merlin transcripts on top; see merlin.h for the
 * specifications followed.  Section numbers are STROBE v1.0.2's. */
#include <stdlib.h>
#include <string.h>
#include <nettle/sha3.h>
#include <sodium.h>
#include "merlin.h"

/* §5.1: the rate of STROBE-128 is 200 - 2·(128/8) - 2 = 166 bytes; the
 * last two bytes of the rate are reserved for padding. */
#define STROBE_R 166

/* §6.2 operation flags */
enum { FLAG_I = 1, FLAG_A = 2, FLAG_C = 4, FLAG_T = 8, FLAG_M = 16, FLAG_K = 32 };

/* nettle's permutation works on 64-bit lanes; STROBE names the state's
 * bytes, lane i being bytes 8i..8i+7 little-endian (FIPS 202 §3.1.2). */
static void keccak_f(uint8_t state[200])
{
	struct sha3_state lanes;
	for (int i = 0; i < 25; i++) {
		uint64_t v = 0;
		for (int b = 7; b >= 0; b--)
			v = v << 8 | state[8 * i + b];
		lanes.a[i] = v;
	}
	sha3_permute(&lanes);
	for (int i = 0; i < 25; i++)
		for (int b = 0; b < 8; b++)
			state[8 * i + b] = (uint8_t)(lanes.a[i] >> (8 * b));
	sodium_memzero(&lanes, sizeof lanes);
}

/* §7.1 padding (cSHAKE's 0x04 plus the final bit) and the permutation. */
static void run_f(struct ls_strobe *s)
{
	s->state[s->pos] ^= s->pos_begin;
	s->state[s->pos + 1] ^= 0x04;
	s->state[STROBE_R + 1] ^= 0x80;
	keccak_f(s->state);
	s->pos = 0;
	s->pos_begin = 0;
}

static void advance(struct ls_strobe *s)
{
	if (++s->pos == STROBE_R)
		run_f(s);
}

static void absorb(struct ls_strobe *s, const uint8_t *data, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		s->state[s->pos] ^= data[i];
		advance(s);
	}
}

static void overwrite(struct ls_strobe *s, const uint8_t *data, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		s->state[s->pos] = data[i];
		advance(s);
	}
}

static void squeeze(struct ls_strobe *s, uint8_t *out, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		out[i] = s->state[s->pos];
		s->state[s->pos] = 0;
		advance(s);
	}
}

/* §6.3 beginning an operation: absorb the previous begin position and the
 * flags; operations with C (or K) start on a fresh block.  Without
 * transport there is no direction to track, so T never appears. */
static void begin_op(struct ls_strobe *s, uint8_t flags, bool more)
{
	if (more) {  /* streaming: only the same operation may continue */
		if (flags != s->cur_flags)
			abort();
		return;
	}
	uint8_t old_begin = s->pos_begin;
	s->pos_begin = (uint8_t)(s->pos + 1);
	s->cur_flags = flags;
	absorb(s, (uint8_t[]){old_begin, flags}, 2);
	if ((flags & (FLAG_C | FLAG_K)) && s->pos != 0)
		run_f(s);
}

void ls_strobe_ad(struct ls_strobe *s, const uint8_t *data, size_t len, bool more)
{
	begin_op(s, FLAG_A, more);
	absorb(s, data, len);
}

void ls_strobe_meta_ad(struct ls_strobe *s, const uint8_t *data, size_t len, bool more)
{
	begin_op(s, FLAG_M | FLAG_A, more);
	absorb(s, data, len);
}

void ls_strobe_prf(struct ls_strobe *s, uint8_t *out, size_t len, bool more)
{
	begin_op(s, FLAG_I | FLAG_A | FLAG_C, more);
	squeeze(s, out, len);
}

void ls_strobe_key(struct ls_strobe *s, const uint8_t *data, size_t len, bool more)
{
	begin_op(s, FLAG_A | FLAG_C, more);
	overwrite(s, data, len);
}

/* §5.1 and §6.1: the initial state is cSHAKE's with the customisation
 * string "STROBEv1.0.2", permuted, then meta-AD of the protocol name. */
void ls_strobe_init(struct ls_strobe *s, const uint8_t *proto, size_t len)
{
	static const uint8_t domain[18] = {1, STROBE_R + 2, 1, 0, 1, 12 * 8,
	                                   'S', 'T', 'R', 'O', 'B', 'E',
	                                   'v', '1', '.', '0', '.', '2'};
	memset(s, 0, sizeof *s);
	memcpy(s->state, domain, sizeof domain);
	keccak_f(s->state);
	ls_strobe_meta_ad(s, proto, len, false);
}

/* ------------------------------------------------------------------ */
/* Merlin v1.0                                                         */

/* Merlin frames lengths as 32 bits; callers bound what they hash far
 * below 4 GiB, so a longer message is a bug, not an input to refuse. */
static void le32(uint8_t out[4], size_t n)
{
	if (n > UINT32_MAX)
		abort();
	for (int i = 0; i < 4; i++)
		out[i] = (uint8_t)(n >> (8 * i));
}

/* meta-AD(label) then meta-AD(LE32(n)) continuing it */
static void framed_label(struct ls_strobe *s, const char *label, size_t n)
{
	uint8_t len[4];
	le32(len, n);
	ls_strobe_meta_ad(s, (const uint8_t *)label, strlen(label), false);
	ls_strobe_meta_ad(s, len, 4, true);
}

void ls_merlin_init(struct ls_merlin *t, const char *label)
{
	static const char proto[] = "Merlin v1.0";
	ls_strobe_init(&t->strobe, (const uint8_t *)proto, sizeof proto - 1);
	ls_merlin_append(t, "dom-sep", (const uint8_t *)label, strlen(label));
}

void ls_merlin_append(struct ls_merlin *t, const char *label, const uint8_t *msg, size_t len)
{
	framed_label(&t->strobe, label, len);
	ls_strobe_ad(&t->strobe, msg, len, false);
}

void ls_merlin_challenge(struct ls_merlin *t, const char *label, uint8_t *out, size_t len)
{
	framed_label(&t->strobe, label, len);
	ls_strobe_prf(&t->strobe, out, len, false);
}

void ls_merlin_witness_bytes(const struct ls_merlin *t, const char *label,
                             const uint8_t *witness, size_t wlen, const uint8_t entropy[32],
                             uint8_t *out, size_t len)
{
	static const uint8_t rng_label[] = "rng";
	struct ls_strobe s = t->strobe;
	uint8_t n[4];
	framed_label(&s, label, wlen);
	ls_strobe_key(&s, witness, wlen, false);
	ls_strobe_meta_ad(&s, rng_label, sizeof rng_label - 1, false);
	ls_strobe_key(&s, entropy, 32, false);
	le32(n, len);
	ls_strobe_meta_ad(&s, n, 4, false);
	ls_strobe_prf(&s, out, len, false);
	sodium_memzero(&s, sizeof s);
}
