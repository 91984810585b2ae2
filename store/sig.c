/* sig.c — the RFC 9421 profile of SPEC §3: parsing Signature-Input and
 * Signature, building the §2.5 signature base, and RFC 9530 Content-Digest. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <sodium.h>
#include "internal.h"
#include "sfv.h"

#define SIG_HEADER_MAX 4096

static ls_status bad_sig(ls_err *err, const char *field, const char *fmt, const char *arg)
{
	return ls_fail(err, LS_UNAUTHORIZED, "bad_signature", field, fmt, arg);
}

/* Component names: derived ones start with '@'; the rest are lowercase
 * header names (RFC 9421 §2.1). */
static bool component_name_ok(const char *n)
{
	static const char *const derived[] = {"@method", "@path", "@query", "@authority",
	                                      "@scheme", "@target-uri", "@request-target"};
	if (n[0] == '@') {
		for (size_t i = 0; i < sizeof derived / sizeof derived[0]; i++)
			if (strcmp(n, derived[i]) == 0)
				return true;
		return false;
	}
	if (*n == '\0')
		return false;
	for (; *n; n++)
		if (!(islower((unsigned char)*n) || isdigit((unsigned char)*n) || *n == '-'))
			return false;
	return true;
}

static bool has_component(const struct ls_sig_input *in, const char *name)
{
	for (size_t i = 0; i < in->ncomponents; i++)
		if (strcmp(in->components[i], name) == 0)
			return true;
	return false;
}

/* Pull the profile's parameters out of the generic list; other RFC 9421
 * parameters than tag are refused. */
static ls_status profile_params(struct ls_sig_input *in, ls_err *err)
{
	for (size_t i = 0; i < in->nparams; i++) {
		const struct ls_sig_param *p = &in->params[i];
		if (strcmp(p->key, "created") == 0 && p->type == 'i') {
			in->has_created = true;
			in->created = p->integer;
		} else if (strcmp(p->key, "expires") == 0 && p->type == 'i') {
			in->has_expires = true;
			in->expires = p->integer;
		} else if (strcmp(p->key, "nonce") == 0 && p->type == 's' &&
		           strlen(p->value) < sizeof in->nonce) {
			strcpy(in->nonce, p->value);
		} else if (strcmp(p->key, "keyid") == 0 && p->type == 's' &&
		           strlen(p->value) < sizeof in->keyid) {
			strcpy(in->keyid, p->value);
		} else if (strcmp(p->key, "alg") == 0 && p->type == 's' &&
		           strlen(p->value) < sizeof in->alg) {
			strcpy(in->alg, p->value);
		} else if (strcmp(p->key, "tag") != 0 || p->type != 's') {
			return bad_sig(err, "Signature-Input", "unsupported or mistyped parameter '%s'",
			               p->key);
		}
	}
	return LS_OK;
}

ls_status ls_sig_parse(const char *signature_input, const char *signature,
                       struct ls_sig_input *out, ls_err *err)
{
	static struct sfv_dict dict;  /* large; workers are single-threaded */
	const char *why;
	memset(out, 0, sizeof *out);
	if (signature_input == NULL || *signature_input == '\0')
		return bad_sig(err, "Signature-Input", "%s", "the request is not signed: Signature-Input is missing");
	if (signature == NULL || *signature == '\0')
		return bad_sig(err, "Signature", "%s", "the request is not signed: Signature is missing");
	if (strlen(signature_input) > SIG_HEADER_MAX || strlen(signature) > SIG_HEADER_MAX)
		return bad_sig(err, "Signature-Input", "%s", "signature headers too long");
	if (!sfv_parse_dict(signature_input, &dict, &why))
		return bad_sig(err, "Signature-Input", "malformed Signature-Input: %s", why);
	if (dict.nmembers != 1 || !dict.members[0].is_inner_list)
		return bad_sig(err, "Signature-Input", "%s",
		               "Signature-Input must hold exactly one signature's component list");
	const struct sfv_member *m = &dict.members[0];
	if (m->item_has_params)
		return bad_sig(err, "Signature-Input", "%s", "component parameters are not supported");
	snprintf(out->label, sizeof out->label, "%s", m->key);
	out->ncomponents = m->nitems;
	for (size_t i = 0; i < m->nitems; i++) {
		if (!component_name_ok(m->items[i]))
			return bad_sig(err, "Signature-Input", "unsupported component \"%s\"", m->items[i]);
		for (size_t j = 0; j < i; j++)
			if (strcmp(m->items[i], m->items[j]) == 0)
				return bad_sig(err, "Signature-Input", "component \"%s\" appears twice",
				               m->items[i]);
		strcpy(out->components[i], m->items[i]);
	}
	out->nparams = m->nparams;
	memcpy(out->params, m->params, sizeof out->params);
	ls_status s = profile_params(out, err);
	if (s != LS_OK)
		return s;

	if (!sfv_parse_dict(signature, &dict, &why))
		return bad_sig(err, "Signature", "malformed Signature: %s", why);
	if (dict.nmembers != 1 || dict.members[0].is_inner_list)
		return bad_sig(err, "Signature", "%s", "Signature must hold exactly one byte sequence");
	if (strcmp(dict.members[0].key, out->label) != 0)
		return bad_sig(err, "Signature", "the Signature label does not match Signature-Input's '%s'",
		               out->label);
	if (dict.members[0].nbytes != 64)
		return bad_sig(err, "Signature", "%s", "a signature has 64 bytes");
	memcpy(out->signature, dict.members[0].bytes, 64);
	return LS_OK;
}

/* Appends with bounds; false when buf is full. */
struct sbuf {
	char *p;
	size_t len, size;
};

static bool sb_put(struct sbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->size)
		return false;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return true;
}

static bool sb_str(struct sbuf *b, const char *s) { return sb_put(b, s, strlen(s)); }

/* RFC 8941 §4.1.6: strings with '"' and '\' escaped. */
static bool sb_sf_string(struct sbuf *b, const char *s)
{
	bool ok = sb_str(b, "\"");
	for (; ok && *s; s++) {
		if (*s == '"' || *s == '\\')
			ok = sb_str(b, "\\");
		ok = ok && sb_put(b, s, 1);
	}
	return ok && sb_str(b, "\"");
}

/* RFC 9421 §2.3: the serialised inner list and its parameters, in order. */
static bool sb_signature_params(struct sbuf *b, const struct ls_sig_input *in)
{
	bool ok = sb_str(b, "(");
	for (size_t i = 0; ok && i < in->ncomponents; i++)
		ok = (i == 0 || sb_str(b, " ")) && sb_sf_string(b, in->components[i]);
	ok = ok && sb_str(b, ")");
	for (size_t i = 0; ok && i < in->nparams; i++) {
		const struct ls_sig_param *p = &in->params[i];
		char num[32];
		ok = sb_str(b, ";") && sb_str(b, p->key);
		switch (p->type) {
		case 'i':
			snprintf(num, sizeof num, "=%lld", (long long)p->integer);
			ok = ok && sb_str(b, num);
			break;
		case 's':
			ok = ok && sb_str(b, "=") && sb_sf_string(b, p->value);
			break;
		case 't':
			ok = ok && sb_str(b, "=") && sb_str(b, p->value);
			break;
		default: /* boolean: true is the bare key */
			if (strcmp(p->value, "0") == 0)
				ok = ok && sb_str(b, "=?0");
		}
	}
	return ok;
}

/* Header field values: trimmed, no control characters (RFC 9421 §2.1). */
static ls_status header_value(const struct ls_http_request *req, const char *name,
                              char *out, size_t size, ls_err *err)
{
	const char *v = req->header ? req->header(req->header_ctx, name) : NULL;
	if (v == NULL)
		return bad_sig(err, name, "the covered header '%s' is missing", name);
	while (*v == ' ' || *v == '\t')
		v++;
	size_t n = strlen(v);
	while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	if (n >= size)
		return bad_sig(err, name, "the covered header '%s' is too long", name);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20 && v[i] != '\t')
			return bad_sig(err, name, "the header '%s' has control characters", name);
	memcpy(out, v, n);
	out[n] = '\0';
	return LS_OK;
}

static void lowercase(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

/* RFC 9421 §2.2: the value of one derived component. */
static ls_status derived_value(const char *name, const struct ls_http_request *req,
                               char *out, size_t size, ls_err *err)
{
	const char *path = (req->path && *req->path) ? req->path : "/";
	const char *q = req->query;
	char host[512] = "";
	if (strcmp(name, "@authority") == 0 || strcmp(name, "@target-uri") == 0) {
		ls_status s = header_value(req, "host", host, sizeof host, err);
		if (s != LS_OK)
			return s;
		lowercase(host);
	}
	int n;
	if (strcmp(name, "@method") == 0)
		n = snprintf(out, size, "%s", req->method);
	else if (strcmp(name, "@path") == 0)
		n = snprintf(out, size, "%s", path);
	else if (strcmp(name, "@query") == 0) /* §2.2.7: an absent query is "?" */
		n = snprintf(out, size, "?%s", q ? q : "");
	else if (strcmp(name, "@authority") == 0)
		n = snprintf(out, size, "%s", host);
	else if (strcmp(name, "@scheme") == 0)
		n = snprintf(out, size, "%s", req->scheme ? req->scheme : "http");
	else if (strcmp(name, "@request-target") == 0)
		n = snprintf(out, size, "%s%s%s", path, q ? "?" : "", q ? q : "");
	else /* @target-uri */
		n = snprintf(out, size, "%s://%s%s%s%s", req->scheme ? req->scheme : "http", host,
		             path, q ? "?" : "", q ? q : "");
	if (n < 0 || (size_t)n >= size)
		return bad_sig(err, name, "the component %s is too long", name);
	return LS_OK;
}

ls_status ls_sig_base(const struct ls_sig_input *in, const struct ls_http_request *req,
                      char *buf, size_t bufsize, size_t *len, ls_err *err)
{
	struct sbuf b = {buf, 0, bufsize};
	char value[4096];
	buf[0] = '\0';
	for (size_t i = 0; i < in->ncomponents; i++) {
		const char *name = in->components[i];
		ls_status s = name[0] == '@'
		                  ? derived_value(name, req, value, sizeof value, err)
		                  : header_value(req, name, value, sizeof value, err);
		if (s != LS_OK)
			return s;
		if (!(sb_sf_string(&b, name) && sb_str(&b, ": ") && sb_str(&b, value) &&
		      sb_str(&b, "\n")))
			return bad_sig(err, "Signature-Input", "%s", "the signature base is too long");
	}
	if (!(sb_str(&b, "\"@signature-params\": ") && sb_signature_params(&b, in)))
		return bad_sig(err, "Signature-Input", "%s", "the signature base is too long");
	*len = b.len;
	return LS_OK;
}

/* The profile of SPEC §3: what must be covered. */
ls_status ls_sig_profile_check(const struct ls_sig_input *in, bool has_body, bool need_authority,
                               ls_err *err)
{
	static const char *const required[] = {"@method", "@path", "@query"};
	for (size_t i = 0; i < 3; i++)
		if (!has_component(in, required[i]))
			return bad_sig(err, "Signature-Input", "the signature must cover \"%s\"",
			               required[i]);
	if (has_body && !has_component(in, "content-digest"))
		return bad_sig(err, "Signature-Input", "%s",
		               "a request with a body must cover \"content-digest\"");
	if (need_authority && !has_component(in, "@authority"))
		return bad_sig(err, "Signature-Input", "%s",
		               "this gateway requires signatures to cover \"@authority\" (its host)");
	if (!in->has_created)
		return bad_sig(err, "Signature-Input", "%s", "the created parameter is required");
	if (in->nonce[0] == '\0')
		return bad_sig(err, "Signature-Input", "%s", "the nonce parameter is required");
	if (in->keyid[0] == '\0')
		return bad_sig(err, "Signature-Input", "%s", "the keyid parameter is required");
	if (in->alg[0] == '\0')
		return bad_sig(err, "Signature-Input", "%s", "the alg parameter is required");
	size_t nl = strlen(in->nonce);
	if (nl < 16 || nl > 64 || strspn(in->nonce, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                                            "abcdefghijklmnopqrstuvwxyz"
	                                            "0123456789-._~+/=") != nl)
		return bad_sig(err, "Signature-Input", "%s",
		               "the nonce must be 16 to 64 characters of [A-Za-z0-9-._~+/=]");
	return LS_OK;
}

ls_status ls_content_digest_check(const char *header, const uint8_t *body, size_t len,
                                  ls_err *err)
{
	static struct sfv_dict dict;
	const char *why;
	bool checked = false;
	if (header == NULL || *header == '\0')
		return ls_fail(err, LS_UNAUTHORIZED, "digest_missing", "Content-Digest",
		               "a request with a body needs a Content-Digest header (RFC 9530)");
	if (strlen(header) > SIG_HEADER_MAX || !sfv_parse_dict(header, &dict, &why))
		return ls_fail(err, LS_UNAUTHORIZED, "digest_malformed", "Content-Digest",
		               "malformed Content-Digest");
	for (size_t i = 0; i < dict.nmembers; i++) {
		const struct sfv_member *m = &dict.members[i];
		uint8_t h[crypto_hash_sha512_BYTES];
		size_t hl;
		if (m->is_inner_list)
			continue;
		if (strcmp(m->key, "sha-256") == 0) {
			crypto_hash_sha256(h, body, len);
			hl = crypto_hash_sha256_BYTES;
		} else if (strcmp(m->key, "sha-512") == 0) {
			crypto_hash_sha512(h, body, len);
			hl = crypto_hash_sha512_BYTES;
		} else {
			continue; /* RFC 9530 §2: unknown algorithms are ignored */
		}
		if (m->nbytes != hl || sodium_memcmp(h, m->bytes, hl) != 0)
			return ls_fail(err, LS_UNAUTHORIZED, "digest_mismatch", "Content-Digest",
			               "the body does not match its Content-Digest (%s)", m->key);
		checked = true;
	}
	if (!checked)
		return ls_fail(err, LS_UNAUTHORIZED, "digest_unsupported", "Content-Digest",
		               "Content-Digest needs a sha-256 or sha-512 member");
	return LS_OK;
}

void ls_content_digest(const uint8_t *body, size_t len, char out[64])
{
	uint8_t h[32];
	char b64[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)];
	crypto_hash_sha256(h, body, len);
	sodium_bin2base64(b64, sizeof b64, h, 32, sodium_base64_VARIANT_ORIGINAL);
	snprintf(out, 64, "sha-256=:%s:", b64);
}
