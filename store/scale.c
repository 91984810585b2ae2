/* scale.c — the SCALE reader (scale.h): parity-scale-codec's rules for the
 * types subtensor's runtime answers use, with every length bounded by the
 * bytes actually there. */
#include <string.h>
#include "scale.h"

void scale_reject(struct scale *s, const char *why)
{
	if (!s->bad)
		s->why = why;
	s->bad = true;
	s->pos = s->len;
}

void scale_init(struct scale *s, const uint8_t *p, size_t len)
{
	*s = (struct scale){p, len, 0, false, NULL};
}

const uint8_t *scale_take(struct scale *s, size_t n)
{
	if (s->bad || n > s->len - s->pos) {
		scale_reject(s, "the answer ends early");
		return NULL;
	}
	const uint8_t *p = s->p + s->pos;
	s->pos += n;
	return p;
}

uint64_t scale_uint(struct scale *s, unsigned bytes)
{
	const uint8_t *p = scale_take(s, bytes);
	uint64_t v = 0;
	for (unsigned i = p ? bytes : 0; i-- > 0;)
		v = v << 8 | p[i];
	return v;
}

bool scale_bool(struct scale *s)
{
	uint64_t v = scale_uint(s, 1);
	if (v > 1)
		scale_reject(s, "a boolean is neither 0 nor 1");
	return v == 1;
}

bool scale_some(struct scale *s)
{
	uint64_t v = scale_uint(s, 1);
	if (v > 1)
		scale_reject(s, "an option's tag is neither 0 nor 1");
	return v == 1;
}

/* Mode 3: 4 to 67 bytes follow; canonical means no shorter mode would do
 * and the top byte is not zero. */
static uint64_t compact_big(struct scale *s, unsigned first, unsigned bits)
{
	unsigned n = (first >> 2) + 4;
	const uint8_t *p = n <= bits / 8 ? scale_take(s, n) : NULL;
	if (p == NULL) {
		scale_reject(s, "a compact integer is too wide for its type");
		return 0;
	}
	uint64_t v = 0;
	bool over = false;
	for (unsigned i = n; i-- > 0;) {
		over |= v >> 56 != 0;
		v = v << 8 | p[i];
	}
	if (p[n - 1] == 0 || (n == 4 && v < (1u << 30)))
		scale_reject(s, "a compact integer is not in its shortest form");
	return over ? UINT64_MAX : v;
}

uint64_t scale_compact(struct scale *s, unsigned bits)
{
	unsigned first = (unsigned)scale_uint(s, 1);
	uint64_t v;
	switch (first & 3) {
	case 0:
		return first >> 2;
	case 1:
		v = (first | scale_uint(s, 1) << 8) >> 2;
		if (v < 64)
			scale_reject(s, "a compact integer is not in its shortest form");
		break;
	case 2:
		v = (first | scale_uint(s, 3) << 8) >> 2;
		if (v < (1u << 14))
			scale_reject(s, "a compact integer is not in its shortest form");
		break;
	default:
		v = compact_big(s, first, bits);
	}
	if (bits < 64 && v >> bits)
		scale_reject(s, "a compact integer is too large for its type");
	return s->bad ? 0 : v;
}

size_t scale_count(struct scale *s)
{
	uint64_t n = scale_compact(s, 32);
	if (n > s->len - s->pos) {
		scale_reject(s, "a vector is longer than the answer");
		return 0;
	}
	return (size_t)n;
}

/* The end of the type that starts at t, reading nothing. */
static const char *type_end(const char *t)
{
	if (*t == 'V' || *t == 'O')
		return type_end(t + 1);
	if (*t != '(')
		return t + 1;
	for (t++; *t != ')';)
		t = type_end(t);
	return t + 1;
}

const char *scale_skip(struct scale *s, const char *t)
{
	static const unsigned compact_bits[] = {['c'] = 8, ['s'] = 16, ['w'] = 32, ['l'] = 64,
	                                        ['x'] = 128};
	switch (*t) {
	case 'b':
		scale_bool(s);
		break;
	case '1': case '2': case '4': case '8':
		scale_take(s, (size_t)(*t - '0'));
		break;
	case 'g':
		scale_take(s, 16);
		break;
	case 'A':
		scale_take(s, 32);
		break;
	case 'c': case 's': case 'w': case 'l': case 'x':
		scale_compact(s, compact_bits[(unsigned char)*t]);
		break;
	case 'O':
		return scale_some(s) ? scale_skip(s, t + 1) : type_end(t + 1);
	case 'V':
		for (size_t n = scale_count(s); n > 0 && !s->bad; n--)
			scale_skip(s, t + 1);
		return type_end(t + 1);
	case '(':
		for (t++; *t != ')';)
			t = scale_skip(s, t);
		break;
	}
	return t + 1;
}

bool scale_done(struct scale *s)
{
	if (!s->bad && s->pos != s->len)
		scale_reject(s, "bytes are left over after the answer");
	return !s->bad;
}
