/* keys.c — key pairs and key files (a hotkey or the gateway's own key):
 * a 32-byte secret seed in hex, mode 0600, never overwritten; and the
 * gateway's signed bodies. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>
#include "internal.h"

#define SR25519_PREFIX "sr25519:"
#define KEYFILE_MAX 8192

const char *ls_key_alg_name(enum ls_key_alg alg)
{
	return alg == LS_KEY_SR25519 ? "sr25519" : "ed25519";
}

bool ls_key_alg_from_name(const char *name, enum ls_key_alg *alg)
{
	for (enum ls_key_alg a = LS_KEY_ED25519; a <= LS_KEY_SR25519; a++)
		if (strcmp(name, ls_key_alg_name(a)) == 0) {
			*alg = a;
			return true;
		}
	return false;
}

void ls_keypair_sign(const struct ls_keypair *kp, const uint8_t *msg, size_t len, uint8_t sig[64])
{
	if (kp->alg == LS_KEY_SR25519)
		ls_sr25519_sign(kp->sk, kp->pk, msg, len, sig);
	else
		crypto_sign_detached(sig, NULL, msg, len, kp->sk);
}

const char *ls_signature_failure(enum ls_key_alg alg, const uint8_t sig[64], const uint8_t *msg,
                                 size_t len, const uint8_t pk[32])
{
	if (alg == LS_KEY_SR25519) {
		enum ls_sr25519_verdict v = ls_sr25519_verify(sig, msg, len, pk);
		return v == LS_SR25519_VALID ? NULL : ls_sr25519_verdict_text(v);
	}
	/* libsodium also refuses non-canonical S and small-order points */
	return crypto_sign_verify_detached(sig, msg, len, pk) == 0 ? NULL
	       : "not this key's signature of the signature base";
}

bool ls_signature_verify(enum ls_key_alg alg, const uint8_t sig[64], const uint8_t *msg,
                         size_t len, const uint8_t pk[32])
{
	return ls_signature_failure(alg, sig, msg, len, pk) == NULL;
}

void ls_keypair_from_seed(enum ls_key_alg alg, const uint8_t seed[32], struct ls_keypair *kp)
{
	kp->alg = alg;
	if (alg == LS_KEY_SR25519)
		ls_sr25519_keypair_from_seed(seed, kp->pk, kp->sk);
	else
		crypto_sign_seed_keypair(kp->pk, kp->sk, seed);
}

ls_status ls_keyfile_create(const char *path, enum ls_key_alg alg, uint8_t pk[32], ls_err *err)
{
	struct ls_keypair kp;
	uint8_t seed[32];
	char text[sizeof SR25519_PREFIX + 65];
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0)
		return ls_fail(err, errno == EEXIST ? LS_CONFLICT : LS_ERROR, "keyfile", NULL,
		               "%s: %s", path, strerror(errno));
	randombytes_buf(seed, sizeof seed);
	ls_keypair_from_seed(alg, seed, &kp);
	memcpy(pk, kp.pk, 32);
	size_t n = alg == LS_KEY_SR25519 ? strlen(SR25519_PREFIX) : 0;
	memcpy(text, SR25519_PREFIX, n);
	ls_hex(seed, 32, text + n);
	text[n + 64] = '\n';
	bool written = write(fd, text, n + 65) == (ssize_t)(n + 65);
	bool closed = fsync(fd) == 0 && close(fd) == 0;
	sodium_memzero(seed, sizeof seed);
	sodium_memzero(&kp, sizeof kp);
	sodium_memzero(text, sizeof text);
	if (!written || !closed) {
		unlink(path);
		return ls_fail(err, LS_ERROR, "keyfile", NULL, "%s: cannot write the key", path);
	}
	return LS_OK;
}

/* A Bittensor (or Substrate) wallet's unencrypted key file: JSON whose
 * "secretSeed" is "0x" and 64 hex digits of an sr25519 mini secret key;
 * "publicKey", when present, must be the key it gives. */
static ls_status load_wallet_json(const char *path, const char *text, struct ls_keypair *kp,
                                  ls_err *err)
{
	json_t *doc = json_loads(text, 0, NULL), *pk_json = json_object_get(doc, "publicKey");
	const char *seed_hex = json_string_value(json_object_get(doc, "secretSeed"));
	const char *pk_hex = json_string_value(pk_json);
	uint8_t seed[32], pk[32];
	ls_status s = LS_INVALID;
	const char *why = "no \"secretSeed\" of \"0x\" and 64 hex digits";
	if (seed_hex && strncmp(seed_hex, "0x", 2) == 0 && ls_unhex(seed_hex + 2, seed, 32) == LS_OK) {
		ls_keypair_from_seed(LS_KEY_SR25519, seed, kp);
		why = "\"publicKey\" is not the key \"secretSeed\" gives";
		if (pk_json == NULL || (pk_hex && strncmp(pk_hex, "0x", 2) == 0 &&
		                       ls_unhex(pk_hex + 2, pk, 32) == LS_OK && memcmp(pk, kp->pk, 32) == 0))
			s = LS_OK;
	}
	sodium_memzero(seed, sizeof seed);
	json_decref(doc);  /* jansson frees the seed's copy without wiping it */
	if (s != LS_OK) {
		sodium_memzero(kp, sizeof *kp);
		return ls_fail(err, LS_INVALID, "keyfile", NULL, "%s: wallet key file: %s", path, why);
	}
	return LS_OK;
}

static ls_status load_seed_text(const char *path, char *text, struct ls_keypair *kp, ls_err *err)
{
	uint8_t seed[32];
	enum ls_key_alg alg = LS_KEY_ED25519;
	text[strcspn(text, "\r\n")] = '\0';
	if (strncmp(text, SR25519_PREFIX, strlen(SR25519_PREFIX)) == 0) {
		alg = LS_KEY_SR25519;
		text += strlen(SR25519_PREFIX);
	}
	ls_status s = ls_unhex(text, seed, 32);
	if (s == LS_OK)
		ls_keypair_from_seed(alg, seed, kp);
	sodium_memzero(seed, sizeof seed);
	if (s != LS_OK)
		return ls_fail(err, LS_INVALID, "keyfile", NULL,
		               "%s: not a key file (64 hex digits, \"sr25519:\" and 64 hex digits, "
		               "or a wallet's JSON key file)", path);
	return LS_OK;
}

/* A Bittensor wallet encrypts a key file as NaCl secretbox ("$NACL"), with
 * Ansible Vault or, in old versions, Fernet ("gAAAAA"). */
static bool encrypted_wallet(const char *text)
{
	return strncmp(text, "$NACL", 5) == 0 || strncmp(text, "$ANSIBLE_VAULT", 14) == 0 ||
	       strncmp(text, "gAAAAA", 6) == 0;
}

/* The whole file into text (NUL-terminated), with read(2) so that no stdio
 * buffer keeps a copy of the secret. */
static ls_status read_key_text(const char *path, char text[KEYFILE_MAX], ls_err *err)
{
	size_t n = 0;
	ssize_t got = 1;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ls_fail(err, LS_ERROR, "keyfile", NULL, "%s: %s", path, strerror(errno));
	while (n < KEYFILE_MAX && (got = read(fd, text + n, KEYFILE_MAX - n)) > 0)
		n += (size_t)got;
	int read_errno = errno;
	close(fd);
	if (got < 0)
		return ls_fail(err, LS_ERROR, "keyfile", NULL, "%s: %s", path, strerror(read_errno));
	if (n == KEYFILE_MAX)
		return ls_fail(err, LS_INVALID, "keyfile", NULL, "%s: longer than any key file (%d bytes)",
		               path, KEYFILE_MAX - 1);
	text[n] = '\0';
	return LS_OK;
}

ls_status ls_keyfile_load(const char *path, struct ls_keypair *kp, ls_err *err)
{
	char text[KEYFILE_MAX];
	memset(kp, 0, sizeof *kp);
	ls_status s = read_key_text(path, text, err);
	char *t = text + strspn(text, " \t\r\n");
	if (s == LS_OK && encrypted_wallet(t))
		s = ls_fail(err, LS_INVALID, "keyfile", NULL,
		            "%s: an encrypted wallet key file; decrypt the hotkey with the wallet's "
		            "tools, or write its secretSeed as \"sr25519:\" and 64 hex digits", path);
	else if (s == LS_OK)
		s = *t == '{' ? load_wallet_json(path, t, kp, err) : load_seed_text(path, t, kp, err);
	sodium_memzero(text, sizeof text);
	return s;
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
