/* merlin.h — the STROBE-128 subset and the Merlin transcripts that
 * schnorrkel (sr25519) hashes with.  Internal to store/; sr25519.c is the
 * user, the unit tests check it against the published vectors.
 *
 * STROBE v1.0.2 (Hamburg, https://strobe.sourceforge.io/specs/) at the
 * 128-bit security level, with only the operations Merlin uses: AD, meta-AD,
 * PRF and KEY (no transport, so the T flag never occurs).  Merlin v1.0
 * (https://merlin.cool/transcript/ops.html) frames each message as
 * meta-AD(label ‖ LE32(length)) then AD(message). */
#ifndef LEADGATE_MERLIN_H
#define LEADGATE_MERLIN_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ls_strobe {
	uint8_t state[200];  /* the Keccak-f[1600] state, as bytes */
	uint8_t pos;         /* next byte of the rate to use */
	uint8_t pos_begin;   /* where the current operation began, + 1 */
	uint8_t cur_flags;   /* the current operation's flags */
};

/* `more` continues the previous operation (STROBE's streaming): the same
 * operation must be named again. */
void ls_strobe_init(struct ls_strobe *s, const uint8_t *proto, size_t len);
void ls_strobe_ad(struct ls_strobe *s, const uint8_t *data, size_t len, bool more);
void ls_strobe_meta_ad(struct ls_strobe *s, const uint8_t *data, size_t len, bool more);
void ls_strobe_prf(struct ls_strobe *s, uint8_t *out, size_t len, bool more);
void ls_strobe_key(struct ls_strobe *s, const uint8_t *data, size_t len, bool more);

struct ls_merlin {
	struct ls_strobe strobe;
};

/* Labels are NUL-terminated; the empty label "" is allowed. */
void ls_merlin_init(struct ls_merlin *t, const char *label);
void ls_merlin_append(struct ls_merlin *t, const char *label, const uint8_t *msg, size_t len);
void ls_merlin_challenge(struct ls_merlin *t, const char *label, uint8_t *out, size_t len);
/* Merlin's transcript RNG: a copy of t rekeyed with the prover's secret
 * witness and with `entropy` (32 bytes from a CSPRNG), then `len` bytes
 * drawn from it.  t itself is unchanged. */
void ls_merlin_witness_bytes(const struct ls_merlin *t, const char *label,
                             const uint8_t *witness, size_t wlen, const uint8_t entropy[32],
                             uint8_t *out, size_t len);

#endif
