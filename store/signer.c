/* signer.c — the client side of SPEC §3's RFC 9421 profile: the headers a
 * miner or validator sends.  leadgate-admin sign, leadgate-sim and the
 * benchmark's pre-signer all sign through here, and the signature base is
 * built by the same ls_sig_base the gateway verifies with. */
#include <stdio.h>
#include <string.h>
#include <sodium.h>
#include "internal.h"

/* The parts of the URL the signature base needs. */
struct sign_target {
	char host[256];
	char path[2048];
	const char *query;
	const char *scheme;
	const char *digest;
};

static const char *target_header(void *ctx, const char *name)
{
	struct sign_target *t = ctx;
	if (strcmp(name, "host") == 0)
		return t->host;
	if (strcmp(name, "content-digest") == 0)
		return t->digest;
	return NULL;
}

static bool parse_url(const char *url, struct sign_target *t)
{
	const char *p = strstr(url, "://");
	if (p == NULL || !((p - url == 4 && strncmp(url, "http", 4) == 0) ||
	                   (p - url == 5 && strncmp(url, "https", 5) == 0)))
		return false;
	t->scheme = p - url == 5 ? "https" : "http";
	p += 3;
	size_t hl = strcspn(p, "/?#");
	size_t pl = strcspn(p + hl, "?#");
	if (hl == 0 || hl >= sizeof t->host || pl >= sizeof t->path)
		return false;
	snprintf(t->host, sizeof t->host, "%.*s", (int)hl, p);
	snprintf(t->path, sizeof t->path, "%.*s", (int)pl, pl ? p + hl : "/");
	t->query = p[hl + pl] == '?' ? p + hl + pl + 1 : NULL;
	return t->query == NULL || strchr(t->query, '#') == NULL;
}

static void add_param(struct ls_sig_input *in, const char *key, char type, const char *s,
                      int64_t i)
{
	struct ls_sig_param *p = &in->params[in->nparams++];
	snprintf(p->key, sizeof p->key, "%s", key);
	p->type = type;
	snprintf(p->value, sizeof p->value, "%s", s ? s : "");
	p->integer = i;
}

/* SPEC §3's profile and the host: @method @authority @path @query
 * [content-digest]; created [expires] nonce keyid alg, in that order.
 * Covering @authority binds a signature to the gateway it was made for:
 * it cannot be replayed at another gateway (or another subnet's). */
static void profile_input(const struct ls_sign_request *r, const char *nonce, const char *keyid,
                          const char *alg, struct ls_sig_input *in)
{
	memset(in, 0, sizeof *in);
	snprintf(in->label, sizeof in->label, "%s", r->label ? r->label : "sig1");
	in->ncomponents = 4;
	strcpy(in->components[0], "@method");
	strcpy(in->components[1], "@authority");
	strcpy(in->components[2], "@path");
	strcpy(in->components[3], "@query");
	if (r->body_len > 0)
		strcpy(in->components[in->ncomponents++], "content-digest");
	add_param(in, "created", 'i', NULL, r->created);
	if (r->expires >= 0)
		add_param(in, "expires", 'i', NULL, r->expires);
	add_param(in, "nonce", 's', nonce, 0);
	add_param(in, "keyid", 's', keyid, 0);
	add_param(in, "alg", 's', alg, 0);
}

ls_status ls_request_sign(const struct ls_sign_request *r, const struct ls_keypair *kp,
                          unsigned ss58_prefix, struct ls_signed_headers *out, ls_err *err)
{
	static char base[16384];  /* one request at a time per process */
	struct sign_target t = {0};
	struct ls_sig_input in;
	char keyid[LS_SS58_MAX], nonce[33], b64[sodium_base64_ENCODED_LEN(64, sodium_base64_VARIANT_ORIGINAL)];
	uint8_t sig[64], random[16];
	size_t base_len;
	memset(out, 0, sizeof *out);
	if (!parse_url(r->url, &t))
		return ls_fail(err, LS_INVALID, "bad_url", "url", "not an http(s) URL: %.200s", r->url);
	if (r->label && (strlen(r->label) >= sizeof in.label || strspn(r->label,
	    "abcdefghijklmnopqrstuvwxyz0123456789_-.*") != strlen(r->label) || !*r->label))
		return ls_fail(err, LS_INVALID, "bad_label", "label",
		               "a label is a lowercase RFC 8941 key");
	if (r->nonce && (strlen(r->nonce) < 16 || strlen(r->nonce) > 64))
		return ls_fail(err, LS_INVALID, "bad_nonce", "nonce", "a nonce has 16 to 64 characters");
	if (r->nonce == NULL) {
		randombytes_buf(random, sizeof random);
		ls_hex(random, sizeof random, nonce);
	}
	if (ls_ss58_encode(kp->pk, ss58_prefix, keyid) != LS_OK)
		return ls_fail(err, LS_INVALID, "bad_prefix", NULL, "SS58 prefix %u is out of range",
		               ss58_prefix);
	if (r->body_len > 0) {
		ls_content_digest(r->body, r->body_len, out->content_digest);
		t.digest = out->content_digest;
	}
	profile_input(r, r->nonce ? r->nonce : nonce, keyid, ls_key_alg_name(kp->alg), &in);
	struct ls_http_request req = {.method = r->method, .path = t.path, .query = t.query,
	                              .scheme = t.scheme, .header = target_header, .header_ctx = &t};
	ls_status s = ls_sig_base(&in, &req, base, sizeof base, &base_len, err);
	if (s != LS_OK)
		return s;
	ls_keypair_sign(kp, (const uint8_t *)base, base_len, sig);
	sodium_bin2base64(b64, sizeof b64, sig, sizeof sig, sodium_base64_VARIANT_ORIGINAL);
	/* the base's last line is "@signature-params": the header's value */
	const char *params = strrchr(base, '\n');
	params = (params ? params + 1 : base) + strlen("\"@signature-params\": ");
	int n = snprintf(out->signature_input, sizeof out->signature_input, "%s=%s", in.label, params);
	if (n < 0 || (size_t)n >= sizeof out->signature_input)
		return ls_fail(err, LS_INVALID, "too_long", NULL, "the Signature-Input is too long");
	snprintf(out->signature, sizeof out->signature, "%s=:%s:", in.label, b64);
	return LS_OK;
}
