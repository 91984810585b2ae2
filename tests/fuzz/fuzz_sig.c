/* fuzz_sig.c — the RFC 9421 request-signature parsers and the signature
 * base builder, as ls_auth_verify calls them: Signature-Input and
 * Signature (RFC 8941 dictionaries), the profile check, the signature base
 * over a request whose method, path, query and headers come from the
 * input, and Content-Digest (RFC 9530) against the body.
 *
 * Input: newline-separated fields: Signature-Input, Signature,
 * Content-Digest, method, path, query, Host, then the body (the rest).
 *
 * Checked: the base is NUL-terminated at its stated length, and our own
 * Content-Digest of any body is accepted for that body. */
#include <stdio.h>
#include <string.h>
#include "fuzz.h"

enum { F_SIG_INPUT, F_SIGNATURE, F_DIGEST, F_METHOD, F_PATH, F_QUERY, F_HOST, FIELDS };

static const char *header(void *ctx, const char *name)
{
	char *const *f = ctx;
	if (strcmp(name, "host") == 0)
		return f[F_HOST];
	if (strcmp(name, "content-digest") == 0)
		return f[F_DIGEST];
	if (strcmp(name, "signature-input") == 0)
		return f[F_SIG_INPUT];
	return NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *f[FIELDS] = {0};
	size_t at = 0;
	for (int i = 0; i < FIELDS; i++) {
		const uint8_t *nl = at < size ? memchr(data + at, '\n', size - at) : NULL;
		size_t end = nl ? (size_t)(nl - data) : size;
		f[i] = strndup((const char *)data + at, end - at);
		FUZZ_CHECK(f[i] != NULL, "out of memory");
		at = end < size ? end + 1 : size;
	}
	const uint8_t *body = data + at;
	size_t body_len = size - at;
	struct ls_sig_input in;
	ls_err err = {0};
	if (ls_sig_parse(f[F_SIG_INPUT], f[F_SIGNATURE], &in, &err) == LS_OK) {
		(void)ls_sig_profile_check(&in, body_len > 0, true, &err);
		struct ls_http_request req = {.method = f[F_METHOD], .path = f[F_PATH],
		                              .query = f[F_QUERY][0] ? f[F_QUERY] : NULL,
		                              .scheme = "http", .header = header, .header_ctx = f,
		                              .body = body, .body_len = body_len};
		static char base[8192];
		size_t len = 0;
		if (ls_sig_base(&in, &req, base, sizeof base, &len, &err) == LS_OK)
			FUZZ_CHECK(len < sizeof base && strlen(base) == len, "signature base length");
	}
	(void)ls_content_digest_check(f[F_DIGEST], body, body_len, &err);
	char own[64];
	ls_content_digest(body, body_len, own);
	FUZZ_CHECK(ls_content_digest_check(own, body, body_len, &err) == LS_OK,
	           "our own Content-Digest refused");
	for (int i = 0; i < FIELDS; i++)
		free(f[i]);
	return 0;
}
