/* scale.h — a strict, bounded reader of SCALE, the encoding of substrate
 * runtime answers and storage values: fixed-width little-endian integers,
 * canonical compact integers, booleans that are 0 or 1, options, vectors
 * and tuples.  Any violation (a short buffer, a non-canonical compact, a
 * vector longer than the bytes left) marks the reader bad and every later
 * read returns zeros, so decoders check `bad` once at the end.  Internal
 * to store/. */
#ifndef LEADSTORE_SCALE_H
#define LEADSTORE_SCALE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct scale {
	const uint8_t *p;
	size_t len, pos;
	bool bad;
	const char *why;  /* the first violation, for error messages */
};

void scale_init(struct scale *s, const uint8_t *p, size_t len);
/* Mark the reader bad for a reason of the caller's (a rule of a type). */
void scale_reject(struct scale *s, const char *why);
/* n bytes in place, NULL (and bad) when fewer are left. */
const uint8_t *scale_take(struct scale *s, size_t n);
/* A fixed-width little-endian integer of 1, 2, 4 or 8 bytes. */
uint64_t scale_uint(struct scale *s, unsigned bytes);
bool scale_bool(struct scale *s);
/* Option's tag: true for Some. */
bool scale_some(struct scale *s);
/* A compact integer of a type `bits` wide (8, 16, 32, 64 or 128); values
 * above UINT64_MAX (only a u128 has them) read as UINT64_MAX. */
uint64_t scale_compact(struct scale *s, unsigned bits);
/* A vector's element count, at most the bytes left (no element of the
 * types read here is empty). */
size_t scale_count(struct scale *s);
/* Skip one value of a type written in this small grammar:
 *   b bool   1 2 4 8 fixed-width u8..u64   g 16 bytes (u128, i128)
 *   A a 32-byte AccountId   c s w l x compact u8, u16, u32, u64, u128
 *   Vt a vector of t   Ot an option of t   (t...) a tuple or struct
 * and return the rest of the grammar string after that type. */
const char *scale_skip(struct scale *s, const char *type);
/* true when every byte was read and nothing was bad; else why says. */
bool scale_done(struct scale *s);

#endif
