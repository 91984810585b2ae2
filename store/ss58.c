/* ss58.c — SS58 addresses (SPEC §3): base58 of prefix ‖ public key ‖ the
 * first two bytes of BLAKE2b-512("SS58PRE" ‖ prefix ‖ public key). */
#include <string.h>
#include <sodium.h>
#include "internal.h"

static const char b58_alphabet[] =
	"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/* Big-number base conversion; inputs here are at most 36 bytes. */
static size_t b58_encode(const uint8_t *in, size_t len, char *out, size_t outsize)
{
	uint8_t digits[64] = {0};
	size_t ndigits = 0, zeros = 0;
	while (zeros < len && in[zeros] == 0)
		zeros++;
	for (size_t i = zeros; i < len; i++) {
		unsigned carry = in[i];
		for (size_t j = 0; j < ndigits; j++) {
			carry += (unsigned)digits[j] << 8;
			digits[j] = carry % 58;
			carry /= 58;
		}
		while (carry) {
			digits[ndigits++] = carry % 58;
			carry /= 58;
		}
	}
	if (zeros + ndigits + 1 > outsize)
		return 0;
	size_t n = 0;
	for (size_t i = 0; i < zeros; i++)
		out[n++] = '1';
	for (size_t i = 0; i < ndigits; i++)
		out[n++] = b58_alphabet[digits[ndigits - 1 - i]];
	out[n] = '\0';
	return n;
}

/* Returns the decoded length, or 0 on a bad character or overflow. */
static size_t b58_decode(const char *in, uint8_t *out, size_t outsize)
{
	uint8_t bytes[64] = {0};
	size_t nbytes = 0, zeros = 0, len = strlen(in);
	if (len == 0 || len > 64)
		return 0;
	while (zeros < len && in[zeros] == '1')
		zeros++;
	for (size_t i = zeros; i < len; i++) {
		const char *p = strchr(b58_alphabet, in[i]);
		if (p == NULL || in[i] == '\0')
			return 0;
		unsigned carry = (unsigned)(p - b58_alphabet);
		for (size_t j = 0; j < nbytes; j++) {
			carry += (unsigned)bytes[j] * 58;
			bytes[j] = (uint8_t)carry;
			carry >>= 8;
		}
		while (carry) {
			if (nbytes == sizeof bytes)
				return 0;
			bytes[nbytes++] = (uint8_t)carry;
			carry >>= 8;
		}
	}
	if (zeros + nbytes > outsize)
		return 0;
	memset(out, 0, zeros);
	for (size_t i = 0; i < nbytes; i++)
		out[zeros + i] = bytes[nbytes - 1 - i];
	return zeros + nbytes;
}

static void ss58_checksum(const uint8_t *data, size_t len, uint8_t out[2])
{
	uint8_t h[64];
	crypto_generichash_state st;
	crypto_generichash_init(&st, NULL, 0, sizeof h);
	crypto_generichash_update(&st, (const uint8_t *)"SS58PRE", 7);
	crypto_generichash_update(&st, data, len);
	crypto_generichash_final(&st, h, sizeof h);
	memcpy(out, h, 2);
}

/* The prefix bytes of the SS58 format: one below 64, two up to 16383. */
static size_t prefix_bytes(unsigned prefix, uint8_t out[2])
{
	if (prefix < 64) {
		out[0] = (uint8_t)prefix;
		return 1;
	}
	out[0] = (uint8_t)(((prefix & 0xfc) >> 2) | 0x40);
	out[1] = (uint8_t)((prefix >> 8) | ((prefix & 0x03) << 6));
	return 2;
}

ls_status ls_ss58_encode(const uint8_t pk[32], unsigned prefix, char out[LS_SS58_MAX])
{
	uint8_t buf[36];
	if (prefix > 16383)
		return LS_INVALID;
	size_t n = prefix_bytes(prefix, buf);
	memcpy(buf + n, pk, 32);
	ss58_checksum(buf, n + 32, buf + n + 32);
	return b58_encode(buf, n + 34, out, LS_SS58_MAX) ? LS_OK : LS_ERROR;
}

ls_status ls_ss58_decode(const char *addr, unsigned prefix, uint8_t pk[32], ls_err *err)
{
	uint8_t buf[40], want[2], sum[2];
	size_t len = b58_decode(addr, buf, sizeof buf);
	if (len == 0)
		return ls_fail(err, LS_INVALID, "ss58_encoding", NULL,
		               "not a base58 string");
	size_t np = prefix_bytes(prefix, want);
	if (len != np + 34)
		return ls_fail(err, LS_INVALID, "ss58_length", NULL,
		               "an SS58 address of a 32-byte key with prefix %u has %zu bytes, not %zu",
		               prefix, np + 34, len);
	if (memcmp(buf, want, np) != 0)
		return ls_fail(err, LS_INVALID, "ss58_prefix", NULL,
		               "the address is not for network prefix %u", prefix);
	ss58_checksum(buf, np + 32, sum);
	if (memcmp(sum, buf + np + 32, 2) != 0)
		return ls_fail(err, LS_INVALID, "ss58_checksum", NULL, "bad SS58 checksum");
	memcpy(pk, buf + np, 32);
	return LS_OK;
}
