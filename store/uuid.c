/* uuid.c — UUIDv7 lead ids (RFC 9562 §5.7): 48-bit unix milliseconds, then
 * random bits.  Ids from one process strictly increase, so the pending
 * queue keyed by id is in submission order. */
#include <stdio.h>
#include <string.h>
#include <sodium.h>
#include "internal.h"

static uint8_t last_id[16];

/* Add one to the 74 random bits, skipping the version and variant bits. */
void ls_uuid_increment(uint8_t id[16])
{
	for (int i = 15; i >= 6; i--) {
		uint8_t mask = i == 8 ? 0x3f : (i == 6 ? 0x0f : 0xff);
		uint8_t fixed = id[i] & (uint8_t)~mask;
		uint8_t v = (uint8_t)((id[i] & mask) + 1) & mask;
		id[i] = fixed | v;
		if (v != 0)
			return;
	}
}

void ls_uuid7(int64_t unix_ms, uint8_t out[16])
{
	uint64_t ms = (uint64_t)unix_ms;
	for (int i = 0; i < 6; i++)
		out[i] = (uint8_t)(ms >> (40 - 8 * i));
	randombytes_buf(out + 6, 10);
	out[6] = (out[6] & 0x0f) | 0x70;  /* version 7 */
	out[8] = (out[8] & 0x3f) | 0x80;  /* variant 10 */
	/* Same millisecond (or a clock step back): continue after the last. */
	if (memcmp(out, last_id, 16) <= 0) {
		memcpy(out, last_id, 16);
		ls_uuid_increment(out);
	}
	memcpy(last_id, out, 16);
}

void ls_uuid_format(const uint8_t id[16], char out[37])
{
	char hex[33];
	ls_hex(id, 16, hex);
	snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);
}

ls_status ls_uuid_parse(const char *s, uint8_t out[16])
{
	char hex[33];
	size_t n = 0;
	if (strlen(s) != 36)
		return LS_INVALID;
	for (size_t i = 0; i < 36; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash != (s[i] == '-'))
			return LS_INVALID;
		if (!dash)
			hex[n++] = s[i];
	}
	hex[n] = '\0';
	return ls_unhex(hex, out, 16);
}
