/* sfv.c — a strict parser for the RFC 8941 dictionaries of RFC 9421's
 * Signature-Input and Signature and RFC 9530's Content-Digest.  Every length
 * is bounded; anything outside the subset is refused, not guessed at. */
#include <string.h>
#include <sodium.h>
#include "sfv.h"

struct cursor {
	const char *p;
	const char *why;
};

static bool is_lcalpha(char c) { return c >= 'a' && c <= 'z'; }
static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_alpha(char c) { return is_lcalpha(c) || (c >= 'A' && c <= 'Z'); }

static bool fail(struct cursor *c, const char *why)
{
	if (c->why == NULL)
		c->why = why;
	return false;
}

static void skip_sp(struct cursor *c)
{
	while (*c->p == ' ')
		c->p++;
}

static void skip_ows(struct cursor *c)
{
	while (*c->p == ' ' || *c->p == '\t')
		c->p++;
}

/* RFC 8941 §4.2.3.3 key */
static bool parse_key(struct cursor *c, char *out, size_t size)
{
	size_t n = 0;
	if (!is_lcalpha(*c->p) && *c->p != '*')
		return fail(c, "a key must start with a lowercase letter or '*'");
	while (is_lcalpha(*c->p) || is_digit(*c->p) || strchr("_-.*", *c->p)) {
		if (*c->p == '\0')
			break;
		if (n + 1 >= size)
			return fail(c, "key too long");
		out[n++] = *c->p++;
	}
	out[n] = '\0';
	return true;
}

/* §4.2.5 sf-string */
static bool parse_string(struct cursor *c, char *out, size_t size)
{
	size_t n = 0;
	if (*c->p != '"')
		return fail(c, "expected a string");
	c->p++;
	for (;;) {
		char ch = *c->p++;
		if (ch == '"')
			break;
		if (ch == '\\') {
			ch = *c->p++;
			if (ch != '"' && ch != '\\')
				return fail(c, "bad escape in a string");
		} else if (ch < 0x20 || ch > 0x7e) {
			return fail(c, "bad character in a string");
		}
		if (n + 1 >= size)
			return fail(c, "string too long");
		out[n++] = ch;
	}
	out[n] = '\0';
	return true;
}

/* §4.2.4 integer (decimals are outside the subset) */
static bool parse_integer(struct cursor *c, int64_t *out)
{
	bool neg = *c->p == '-';
	if (neg)
		c->p++;
	int64_t v = 0;
	int n = 0;
	while (is_digit(*c->p)) {
		if (++n > 15)
			return fail(c, "integer too long");
		v = v * 10 + (*c->p++ - '0');
	}
	if (n == 0)
		return fail(c, "expected an integer");
	if (*c->p == '.')
		return fail(c, "decimals are not accepted here");
	*out = neg ? -v : v;
	return true;
}

/* §4.2.6 token */
static bool parse_token(struct cursor *c, char *out, size_t size)
{
	size_t n = 0;
	if (!is_alpha(*c->p) && *c->p != '*')
		return fail(c, "expected a token");
	while (*c->p && (is_alpha(*c->p) || is_digit(*c->p) ||
	                 strchr("!#$%&'*+-.^_`|~:/", *c->p))) {
		if (n + 1 >= size)
			return fail(c, "token too long");
		out[n++] = *c->p++;
	}
	out[n] = '\0';
	return true;
}

/* §4.2.7 byte sequence, decoded with libsodium's base64 */
static bool parse_bytes(struct cursor *c, uint8_t *out, size_t size, size_t *len)
{
	char b64[256];
	size_t n = 0;
	if (*c->p != ':')
		return fail(c, "expected a byte sequence");
	c->p++;
	while (*c->p != ':') {
		char ch = *c->p;
		if (!(is_alpha(ch) || is_digit(ch) || ch == '+' || ch == '/' || ch == '='))
			return fail(c, "bad character in a byte sequence");
		if (n + 1 >= sizeof b64)
			return fail(c, "byte sequence too long");
		b64[n++] = *c->p++;
	}
	c->p++;
	b64[n] = '\0';
	if (sodium_base642bin(out, size, b64, n, NULL, len, NULL,
	                      sodium_base64_VARIANT_ORIGINAL) != 0 &&
	    sodium_base642bin(out, size, b64, n, NULL, len, NULL,
	                      sodium_base64_VARIANT_ORIGINAL_NO_PADDING) != 0)
		return fail(c, "bad base64 in a byte sequence");
	return true;
}

static bool parse_bare_item(struct cursor *c, struct ls_sig_param *prm)
{
	if (*c->p == '"') {
		prm->type = 's';
		return parse_string(c, prm->value, sizeof prm->value);
	}
	if (*c->p == '-' || is_digit(*c->p)) {
		prm->type = 'i';
		return parse_integer(c, &prm->integer);
	}
	if (*c->p == '?') {
		prm->type = 'b';
		if (c->p[1] != '0' && c->p[1] != '1')
			return fail(c, "bad boolean");
		prm->value[0] = c->p[1];
		prm->value[1] = '\0';
		c->p += 2;
		return true;
	}
	prm->type = 't';
	return parse_token(c, prm->value, sizeof prm->value);
}

/* §4.2.3.2 parameters */
static bool parse_params(struct cursor *c, struct ls_sig_param *params, size_t *n)
{
	*n = 0;
	while (*c->p == ';') {
		c->p++;
		skip_sp(c);
		if (*n == LS_SIG_MAX_PARAMS)
			return fail(c, "too many parameters");
		struct ls_sig_param *prm = &params[(*n)++];
		memset(prm, 0, sizeof *prm);
		if (!parse_key(c, prm->key, sizeof prm->key))
			return false;
		for (size_t i = 0; i + 1 < *n; i++)
			if (strcmp(params[i].key, prm->key) == 0)
				return fail(c, "a parameter appears twice");
		if (*c->p == '=') {
			c->p++;
			if (!parse_bare_item(c, prm))
				return false;
		} else {
			prm->type = 'b';
			strcpy(prm->value, "1");
		}
	}
	return true;
}

static bool parse_inner_list(struct cursor *c, struct sfv_member *m)
{
	c->p++; /* '(' */
	m->is_inner_list = true;
	for (;;) {
		skip_sp(c);
		if (*c->p == ')') {
			c->p++;
			return parse_params(c, m->params, &m->nparams);
		}
		if (m->nitems == SFV_MAX_ITEMS)
			return fail(c, "too many items in a list");
		if (!parse_string(c, m->items[m->nitems], sizeof m->items[0]))
			return false;
		m->nitems++;
		struct ls_sig_param ignored[LS_SIG_MAX_PARAMS];
		size_t nignored;
		if (!parse_params(c, ignored, &nignored))
			return false;
		if (nignored)
			m->item_has_params = true;
		if (*c->p != ' ' && *c->p != ')')
			return fail(c, "list items must be separated by spaces");
	}
}

bool sfv_parse_dict(const char *s, struct sfv_dict *out, const char **why)
{
	struct cursor c = {s, NULL};
	memset(out, 0, sizeof *out);
	skip_sp(&c);
	while (*c.p) {
		if (out->nmembers == SFV_MAX_MEMBERS) {
			fail(&c, "too many dictionary members");
			break;
		}
		struct sfv_member *m = &out->members[out->nmembers++];
		if (!parse_key(&c, m->key, sizeof m->key))
			break;
		for (size_t i = 0; i + 1 < out->nmembers; i++)
			if (strcmp(out->members[i].key, m->key) == 0) {
				fail(&c, "a dictionary key appears twice");
				break;
			}
		if (c.why)
			break;
		if (*c.p != '=') {
			fail(&c, "expected '=' after a dictionary key");
			break;
		}
		c.p++;
		bool ok = *c.p == '(' ? parse_inner_list(&c, m)
		                      : parse_bytes(&c, m->bytes, sizeof m->bytes, &m->nbytes) &&
		                            parse_params(&c, m->params, &m->nparams);
		if (!ok)
			break;
		skip_ows(&c);
		if (*c.p == '\0')
			break;
		if (*c.p != ',') {
			fail(&c, "expected ',' between dictionary members");
			break;
		}
		c.p++;
		skip_ows(&c);
		if (*c.p == '\0')
			fail(&c, "trailing comma");
	}
	if (c.why == NULL && out->nmembers == 0)
		fail(&c, "empty dictionary");
	*why = c.why;
	return c.why == NULL;
}
