/* keys.c — ed25519 seed files (a hotkey or the gateway's own key): 64 hex
 * digits and a newline, mode 0600, never overwritten. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>
#include "internal.h"

ls_status ls_keyfile_create(const char *path, uint8_t pk[32], ls_err *err)
{
	uint8_t seed[32], sk[64];
	char hex[65];
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0)
		return ls_fail(err, errno == EEXIST ? LS_CONFLICT : LS_ERROR, "keyfile", NULL,
		               "%s: %s", path, strerror(errno));
	randombytes_buf(seed, sizeof seed);
	crypto_sign_seed_keypair(pk, sk, seed);
	ls_hex(seed, 32, hex);
	hex[64] = '\n';
	bool written = write(fd, hex, 65) == 65;
	bool closed = fsync(fd) == 0 && close(fd) == 0;
	sodium_memzero(seed, sizeof seed);
	sodium_memzero(sk, sizeof sk);
	sodium_memzero(hex, sizeof hex);
	if (!written || !closed) {
		unlink(path);
		return ls_fail(err, LS_ERROR, "keyfile", NULL, "%s: cannot write the key", path);
	}
	return LS_OK;
}

ls_status ls_keyfile_load(const char *path, uint8_t pk[32], uint8_t sk[64], ls_err *err)
{
	char text[130];
	uint8_t seed[32];
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return ls_fail(err, LS_ERROR, "keyfile", NULL, "%s: %s", path, strerror(errno));
	size_t n = fread(text, 1, sizeof text - 1, f);
	fclose(f);
	text[n] = '\0';
	text[strcspn(text, "\r\n")] = '\0';
	ls_status s = ls_unhex(text, seed, 32);
	if (s == LS_OK)
		crypto_sign_seed_keypair(pk, sk, seed);
	sodium_memzero(text, sizeof text);
	sodium_memzero(seed, sizeof seed);
	if (s != LS_OK)
		return ls_fail(err, LS_INVALID, "keyfile", NULL,
		               "%s: not a seed file (64 hex digits)", path);
	return LS_OK;
}

char *ls_signed_body(json_t *payload, const uint8_t sk[64], size_t *len)
{
	uint8_t sig[64];
	char hex[129];
	char *p = json_dumps(payload, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII |
	                                  JSON_REAL_PRECISION(10));
	if (p == NULL)
		return NULL;
	size_t n = strlen(p);
	crypto_sign_detached(sig, NULL, (const uint8_t *)p, n, sk);
	ls_hex(sig, 64, hex);
	char *body = malloc(n + 160);
	if (body) {
		/* P ends in '}': the signature goes in just before it */
		*len = (size_t)snprintf(body, n + 160, "%.*s%s\"signature\":\"%s\"}", (int)(n - 1), p,
		                        n > 2 ? "," : "", hex);
	}
	free(p);
	return body;
}

bool ls_signed_body_verify(const char *body, size_t len, const uint8_t pk[32])
{
	static const char member[] = ",\"signature\":\"";
	size_t tail = sizeof member - 1 + 128 + 2;
	uint8_t sig[64];
	char hex[129];
	if (len < tail + 2 || memcmp(body + len - tail, member, sizeof member - 1) != 0 ||
	    memcmp(body + len - 2, "\"}", 2) != 0)
		return false;
	memcpy(hex, body + len - 130, 128);
	hex[128] = '\0';
	if (ls_unhex(hex, sig, 64) != LS_OK)
		return false;
	size_t plen = len - tail + 1;
	char *payload = malloc(plen);
	if (payload == NULL)
		return false;
	memcpy(payload, body, plen - 1);
	payload[plen - 1] = '}';
	bool ok = crypto_sign_verify_detached(sig, (const uint8_t *)payload, plen, pk) == 0;
	free(payload);
	return ok;
}
