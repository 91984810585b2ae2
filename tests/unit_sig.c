/* RFC 9421 signature bases and RFC 9530 digests: the RFC's own examples
 * (Appendix B.2.1 and the ed25519 example of B.2.6, whose published
 * signature must verify over our base), the ed25519 vectors, and the
 * malformed headers a client can send. */
#include "tap.h"
#include "leadstore.h"
#include <sodium.h>

struct hdr { const char *name, *value; };
static const struct hdr *headers;

static const char *lookup(void *ctx, const char *name)
{
	(void)ctx;
	for (const struct hdr *h = headers; h && h->name; h++)
		if (strcmp(h->name, name) == 0)
			return h->value;
	return NULL;
}

/* RFC 9421 B.2: the example request "POST /foo?param=Value&Pet=dog". */
static const struct hdr rfc_headers[] = {
	{"host", "example.com"},
	{"date", "Tue, 20 Apr 2021 02:07:55 GMT"},
	{"content-type", "application/json"},
	{"content-digest", "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:"},
	{"content-length", "18"},
	{NULL, NULL}};
static const char rfc_body[] = "{\"hello\": \"world\"}";

static struct ls_http_request rfc_request(void)
{
	headers = rfc_headers;
	return (struct ls_http_request){.method = "POST", .path = "/foo", .query = "param=Value&Pet=dog",
	                                .scheme = "https", .header = lookup,
	                                .body = (const uint8_t *)rfc_body, .body_len = 18};
}

static void rfc_b26(void)
{
	/* RFC 9421 B.2.6, key test-key-ed25519 (B.1.4) */
	const char *input = "sig-b26=(\"date\" \"@method\" \"@path\" \"@authority\" "
	                    "\"content-type\" \"content-length\");created=1618884473;"
	                    "keyid=\"test-key-ed25519\"";
	const char *sig = "sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:";
	const char *want =
		"\"date\": Tue, 20 Apr 2021 02:07:55 GMT\n"
		"\"@method\": POST\n"
		"\"@path\": /foo\n"
		"\"@authority\": example.com\n"
		"\"content-type\": application/json\n"
		"\"content-length\": 18\n"
		"\"@signature-params\": (\"date\" \"@method\" \"@path\" \"@authority\" "
		"\"content-type\" \"content-length\");created=1618884473;keyid=\"test-key-ed25519\"";
	struct ls_sig_input in;
	struct ls_http_request req = rfc_request();
	char base[4096];
	size_t len = 0;
	ls_err err = {0};
	uint8_t pk[32];
	size_t pklen;
	ok(ls_sig_parse(input, sig, &in, &err) == LS_OK && strcmp(in.label, "sig-b26") == 0 &&
	   in.ncomponents == 6 && in.created == 1618884473,
	   "RFC 9421 B.2.6 Signature-Input and Signature parse (label sig-b26, 6 components)");
	ok(ls_sig_base(&in, &req, base, sizeof base, &len, &err) == LS_OK, "its signature base builds");
	is_str(base, want, "the signature base equals RFC 9421 B.2.6 byte for byte");
	sodium_base642bin(pk, sizeof pk, "JrQLj5P_89iXES9-vFgrIy29clF9CC_oPPsw3c5D0bs", 43, NULL, &pklen,
	                  NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	ok(pklen == 32 && crypto_sign_verify_detached(in.signature, (uint8_t *)base, len, pk) == 0,
	   "the RFC's published ed25519 signature verifies over our base with test-key-ed25519");
	base[len - 1] ^= 1;
	ok(crypto_sign_verify_detached(in.signature, (uint8_t *)base, len, pk) != 0,
	   "and fails when one byte of the base changes");
	ok(ls_sig_profile_check(&in, true, false, &err) == LS_UNAUTHORIZED,
	   "the RFC example is refused by leadgate's profile (no @query, nonce or alg): %s", err.detail);
}

static void rfc_b21(void)
{
	/* RFC 9421 B.2.1: no components, parameters in the order given */
	struct ls_sig_input in;
	struct ls_http_request req = rfc_request();
	char base[1024];
	size_t len;
	ls_err err = {0};
	ok(ls_sig_parse("sig-b21=();created=1618884473;keyid=\"test-key-rsa-pss\";nonce=\"b3k2pp5k7z-50gnwp.yemd\"",
	                "sig-b21=:d2pmTvmbncD3xQm8E9ZV2828BjQWGgiwAaw5bAkgibUopemLJcWDy/lkbbHAve4cRAtx31Iq786U7it++wgGxbtRxf8Udx7zFZsckzXaJMkA7ChG52eSkFxykJeNqsrWH5S+oxNFlD4dzVuwe8DhTSja8xxbR/Z2cOGdCbzR72rgFWhzx2VjBqJzsPLMIQKhO4DGezXehhWwE56YCE+O6c0mKZsfxVrogUvA4HELjVKWmAvtl6UnCh8jYzuVG5WSb/QEVPnP5TmcAnLH1g+s++v6d4s8m0gCw1fV5/SITLq9mhho8K3+7EPYTU8IU1bLhdxO5Nyt8C8ssinQ98Xw9Q==:",
	                &in, &err) == LS_UNAUTHORIZED &&
	   strcmp(err.field, "Signature") == 0,
	   "a 256-byte (RSA) signature is refused: ed25519 signatures have 64 bytes");
	ok(ls_sig_parse("sig-b21=();created=1618884473;keyid=\"test-key-rsa-pss\";nonce=\"b3k2pp5k7z-50gnwp.yemd\"",
	                "sig-b21=:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==:",
	                &in, &err) == LS_OK &&
	   ls_sig_base(&in, &req, base, sizeof base, &len, &err) == LS_OK,
	   "an empty component list parses and builds");
	is_str(base, "\"@signature-params\": ();created=1618884473;keyid=\"test-key-rsa-pss\";nonce=\"b3k2pp5k7z-50gnwp.yemd\"",
	       "the base of RFC 9421 B.2.1 is its @signature-params line alone");
}

static void profile_base(void)
{
	static const struct hdr h[] = {{"content-digest", "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:"},
	                               {NULL, NULL}};
	struct ls_sig_input in;
	char base[1024];
	size_t len;
	ls_err err = {0};
	headers = h;
	struct ls_http_request req = {.method = "GET", .path = "/v1/leads/x", .query = NULL,
	                              .header = lookup};
	ok(ls_sig_parse("sig1=(\"@method\" \"@path\" \"@query\");created=1700000000;nonce=\"0123456789abcdef\";keyid=\"k\";alg=\"ed25519\"",
	                "sig1=:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==:",
	                &in, &err) == LS_OK && ls_sig_base(&in, &req, base, sizeof base, &len, &err) == LS_OK,
	   "leadgate's profile parses and builds");
	is_str(base,
	       "\"@method\": GET\n\"@path\": /v1/leads/x\n\"@query\": ?\n\"@signature-params\": "
	       "(\"@method\" \"@path\" \"@query\");created=1700000000;nonce=\"0123456789abcdef\";keyid=\"k\";alg=\"ed25519\"",
	       "an absent query is \"?\" (RFC 9421 §2.2.7) and parameters keep their order");
	ok(ls_sig_profile_check(&in, false, false, &err) == LS_OK, "a body-less request needs no content-digest");
	ok(ls_sig_profile_check(&in, true, false, &err) == LS_UNAUTHORIZED,
	   "a request with a body must cover content-digest: %s", err.detail);
	ok(ls_sig_profile_check(&in, false, true, &err) == LS_UNAUTHORIZED &&
	       strstr(err.detail, "@authority") != NULL,
	   "with require_authority = yes a signature without @authority is refused: %s", err.detail);
	req.query = "after=5&limit=2";
	ok(ls_sig_base(&in, &req, base, sizeof base, &len, &err) == LS_OK &&
	   strstr(base, "\"@query\": ?after=5&limit=2\n") != NULL, "a query is signed with its '?'");
}

struct bad_case { const char *input, *signature, *why; };
static const struct bad_case bad_cases[] = {
	{NULL, "sig1=:AA==:", "a missing Signature-Input"},
	{"sig1=(\"@method\");created=1;nonce=\"0123456789abcdef\";keyid=\"k\";alg=\"ed25519\"", NULL, "a missing Signature"},
	{"sig1=(\"@method\" \"@path\"", "sig1=:AA==:", "an unterminated component list"},
	{"sig1=(\"@method\");created=1.5", "sig1=:AA==:", "a decimal created"},
	{"sig1=(\"@method\");created=1, sig2=(\"@path\");created=1", "sig1=:AA==:", "two signatures"},
	{"sig1=(\"@method\";sf);created=1", "sig1=:AA==:", "component parameters"},
	{"sig1=(\"@bogus\");created=1", "sig1=:AA==:", "an unknown derived component"},
	{"sig1=(\"@method\" \"@method\");created=1", "sig1=:AA==:", "a component listed twice"},
	{"sig1=(\"@method\");created=1;created=2", "sig1=:AA==:", "a parameter listed twice"},
	{"sig1=(\"@method\");created=1;foo=\"x\"", "sig1=:AA==:", "an unknown parameter"},
	{"sig1=(\"@method\");created=1", "sig2=:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==:", "a Signature label that does not match"},
	{"sig1=(\"@method\");created=1", "sig1=:not*base64:", "a Signature that is not base64"},
	{"sig1=(\"@method\");created=1", "sig1=:AAAA:", "a Signature of the wrong length"},
	{"Sig1=(\"@method\");created=1", "sig1=:AA==:", "an uppercase label"},
	{"sig1=(\"@method\");created=\"1\"", "sig1=:AA==:", "a string created"},
};

static void malformed(void)
{
	for (size_t i = 0; i < sizeof bad_cases / sizeof *bad_cases; i++) {
		struct ls_sig_input in;
		ls_err err = {0};
		ls_status s = ls_sig_parse(bad_cases[i].input, bad_cases[i].signature, &in, &err);
		ok(s == LS_UNAUTHORIZED, "refused with 401: %s (%s)", bad_cases[i].why, err.detail);
	}
	struct ls_sig_input in;
	ls_err err = {0};
	const char *sig = "sig1=:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==:";
	ok(ls_sig_parse("sig1=(\"@method\" \"@path\" \"@query\");created=1;nonce=\"short\";keyid=\"k\";alg=\"ed25519\"",
	                sig, &in, &err) == LS_OK &&
	   ls_sig_profile_check(&in, false, false, &err) == LS_UNAUTHORIZED,
	   "a nonce under 16 characters is refused by the profile");
	ok(ls_sig_parse("sig1=(\"@method\" \"@path\" \"@query\");created=1;keyid=\"k\";alg=\"ed25519\"",
	                sig, &in, &err) == LS_OK &&
	   ls_sig_profile_check(&in, false, false, &err) == LS_UNAUTHORIZED,
	   "a signature without a nonce is refused by the profile");
}

static void digests(void)
{
	ls_err err = {0};
	const uint8_t *b = (const uint8_t *)rfc_body;
	ok(ls_content_digest_check(rfc_headers[3].value, b, 18, &err) == LS_OK,
	   "RFC 9421's sha-512 Content-Digest of {\"hello\": \"world\"} checks");
	ok(ls_content_digest_check("sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:", b, 18, &err) == LS_OK,
	   "RFC 9530's sha-256 example of the same body checks");
	ok(ls_content_digest_check("sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:", b, 17, &err) == LS_UNAUTHORIZED &&
	   strcmp(err.code, "digest_mismatch") == 0,
	   "a body that lost a byte no longer matches");
	ok(ls_content_digest_check("md5=:AAAA:", b, 18, &err) == LS_UNAUTHORIZED,
	   "a digest with no supported algorithm is refused");
	ok(ls_content_digest_check(NULL, b, 18, &err) == LS_UNAUTHORIZED, "a missing digest is refused");
	char out[64];
	ls_content_digest(b, 18, out);
	is_str(out, "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:",
	       "ls_content_digest writes RFC 9530's sha-256 form");
}

static void ed25519_vectors(void)
{
	json_t *v = json_load_file(tap_vector_path("signatures.json"), 0, NULL), *item;
	size_t i, agree = 0;
	if (v == NULL)
		tap_bail("cannot read signatures.json");
	json_t *list = json_object_get(v, "ed25519");
	json_array_foreach(list, i, item) {
		uint8_t seed[32], pk[32], sk[64], derived[32], sig[64], msg[1024];
		const char *mhex = json_string_value(json_object_get(item, "message_hex"));
		size_t mlen = strlen(mhex) / 2;
		if (ls_unhex(json_string_value(json_object_get(item, "seed")), seed, 32) ||
		    ls_unhex(json_string_value(json_object_get(item, "public_key")), pk, 32) ||
		    ls_unhex(json_string_value(json_object_get(item, "signature")), sig, 64) ||
		    mlen > sizeof msg || ls_unhex(mhex, msg, mlen))
			tap_bail("bad ed25519 vector");
		crypto_sign_seed_keypair(derived, sk, seed);
		bool valid = crypto_sign_verify_detached(sig, msg, mlen, pk) == 0;
		if (memcmp(derived, pk, 32) == 0 && valid == json_is_true(json_object_get(item, "valid")))
			agree++;
	}
	ok(agree == json_array_size(list) && agree > 0,
	   "all %zu ed25519 vectors: seed gives the public key, and verification agrees with 'valid'", agree);
	json_decref(v);
}

int main(void)
{
	if (sodium_init() < 0)
		tap_bail("sodium_init");
	rfc_b26();
	rfc_b21();
	profile_base();
	malformed();
	digests();
	ed25519_vectors();
	return tap_done();
}
