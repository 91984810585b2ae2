/* leadschema.c — the lead record miners submit (SPEC §4, docs/protocol.md "Lead
 * schema"): one table of fields with their rules, checked and normalised
 * in one pass.  Unknown fields are refused. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sodium.h>
#include "internal.h"

enum field_kind {
	F_TEXT,      /* one line of text */
	F_LONGTEXT,  /* text that may hold line breaks */
	F_EMAIL,
	F_URL,
	F_LINKEDIN_PERSON,
	F_LINKEDIN_COMPANY,
	F_EMPLOYEES,
	F_PHONE,
	F_WALLET,
	F_TERMS,
	F_TRUE,
	F_CODE       /* lowercase token: [a-z0-9_]+ */
};

enum presence { REQUIRED, OPTIONAL, US_ONLY };

struct field_rule {
	const char *name;
	enum field_kind kind;
	enum presence presence;
	size_t max;
	const char *country_field;  /* for US_ONLY: which country decides */
};

static const struct field_rule lead_fields[] = {
	{"business", F_TEXT, REQUIRED, 200, NULL},
	{"full_name", F_TEXT, REQUIRED, 200, NULL},
	{"first", F_TEXT, REQUIRED, 100, NULL},
	{"last", F_TEXT, REQUIRED, 100, NULL},
	{"email", F_EMAIL, REQUIRED, 254, NULL},
	{"role", F_TEXT, REQUIRED, 200, NULL},
	{"website", F_URL, REQUIRED, 2048, NULL},
	{"industry", F_TEXT, REQUIRED, 100, NULL},
	{"sub_industry", F_TEXT, REQUIRED, 100, NULL},
	{"country", F_TEXT, REQUIRED, 100, NULL},
	{"state", F_TEXT, US_ONLY, 100, "country"},
	{"city", F_TEXT, REQUIRED, 100, NULL},
	{"linkedin", F_LINKEDIN_PERSON, REQUIRED, 512, NULL},
	{"company_linkedin", F_LINKEDIN_COMPANY, REQUIRED, 512, NULL},
	{"source_url", F_URL, REQUIRED, 2048, NULL},
	{"description", F_LONGTEXT, REQUIRED, 4000, NULL},
	{"employee_count", F_EMPLOYEES, REQUIRED, 16, NULL},
	{"hq_country", F_TEXT, REQUIRED, 100, NULL},
	{"hq_state", F_TEXT, US_ONLY, 100, "hq_country"},
	{"phone", F_PHONE, OPTIONAL, 32, NULL},
	{"wallet_ss58", F_WALLET, REQUIRED, LS_SS58_MAX - 1, NULL},
	{"terms_version_hash", F_TERMS, REQUIRED, 64, NULL},
	{"lawful_collection", F_TRUE, REQUIRED, 0, NULL},
	{"no_restricted_sources", F_TRUE, REQUIRED, 0, NULL},
	{"license_granted", F_TRUE, REQUIRED, 0, NULL},
	{"source_type", F_CODE, REQUIRED, 64, NULL},
};
#define NFIELDS (sizeof lead_fields / sizeof lead_fields[0])

static const char *const employee_ranges[] = {
	"0-1", "2-10", "11-50", "51-200", "201-500", "501-1,000", "1,001-5,000",
	"5,001-10,000", "10,001+"};

/* Webmail and consumer mailbox providers: a B2B lead's email is at its
 * company's domain. */
static const char *const free_mail_domains[] = {
	"gmail.com", "googlemail.com", "yahoo.com", "ymail.com", "hotmail.com", "outlook.com",
	"live.com", "msn.com", "aol.com", "icloud.com", "me.com", "mac.com", "proton.me",
	"protonmail.com", "pm.me", "gmx.com", "gmx.net", "gmx.de", "web.de", "mail.com",
	"mail.ru", "yandex.ru", "yandex.com", "qq.com", "163.com", "126.com", "zoho.com",
	"tutanota.com", "fastmail.com", "hey.com", "yahoo.co.uk", "hotmail.co.uk", "btinternet.com"};

struct lead_ctx {
	const struct ls_config *cfg;
	const char *miner_ss58;
	ls_err *err;
	char field[64];
	size_t index;
};

static ls_status bad(struct lead_ctx *c, const char *code, const char *fmt, const char *arg)
{
	return ls_fail(c->err, LS_INVALID, code, c->field, fmt, arg);
}

static bool label_ok(const char *s, size_t n)
{
	if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '-'))
			return false;
	return true;
}

/* A lowercase DNS name of at least two labels with an alphabetic TLD of
 * two letters or more. */
static bool domain_ok(const char *d, size_t n)
{
	size_t start = 0, labels = 0;
	if (n == 0 || n > 253)
		return false;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && d[i] != '.')
			continue;
		if (!label_ok(d + start, i - start))
			return false;
		labels++;
		if (i < n)
			start = i + 1;
	}
	for (size_t j = start; j < n; j++)
		if (!isalpha((unsigned char)d[j]))
			return false;
	return labels >= 2 && n - start >= 2;
}

static void lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

/* Trimmed copy into out; rejects control characters (line breaks too
 * unless allowed). */
static ls_status text(struct lead_ctx *c, const char *in, size_t max, bool lines, char *out)
{
	while (isspace((unsigned char)*in))
		in++;
	size_t n = strlen(in);
	while (n > 0 && isspace((unsigned char)in[n - 1]))
		n--;
	if (n == 0)
		return bad(c, "empty_field", "%s must not be empty", c->field);
	if (n > max)
		return ls_fail(c->err, LS_INVALID, "too_long", c->field,
		               "%s is longer than %zu bytes", c->field, max);
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)in[i];
		if ((ch < 0x20 && !(lines && (ch == '\n' || ch == '\t' || ch == '\r'))) || ch == 0x7f)
			return bad(c, "control_character", "%s contains a control character", c->field);
	}
	memcpy(out, in, n);
	out[n] = '\0';
	return LS_OK;
}

static ls_status email(struct lead_ctx *c, char *v)
{
	lower(v);
	char *at = strchr(v, '@');
	if (at == NULL || strchr(at + 1, '@') || at == v || at - v > 64)
		return bad(c, "invalid_email", "%s is not an email address", c->field);
	for (char *p = v; p < at; p++)
		if (!(isalnum((unsigned char)*p) || strchr(".!#$%&'*+/=?^_`{|}~-", *p)))
			return bad(c, "invalid_email", "%s has a character not allowed in an address",
			           c->field);
	if (v[0] == '.' || at[-1] == '.' || strstr(v, ".."))
		return bad(c, "invalid_email", "%s has a misplaced dot", c->field);
	if (!domain_ok(at + 1, strlen(at + 1)))
		return bad(c, "invalid_email", "%s has an invalid domain", c->field);
	for (size_t i = 0; i < sizeof free_mail_domains / sizeof *free_mail_domains; i++)
		if (strcmp(at + 1, free_mail_domains[i]) == 0)
			return ls_fail(c->err, LS_INVALID, "free_mail_domain", c->field,
			               "%s is at a free-mail domain (%s); a company address is required",
			               c->field, free_mail_domains[i]);
	return LS_OK;
}

/* http(s)://host[:port][/...]; the scheme and host are lowercased.  On
 * success *host and *hostlen point into v, *rest at the path. */
static ls_status url(struct lead_ctx *c, char *v, const char **host, size_t *hostlen,
                     const char **rest)
{
	char *h;
	if (strncasecmp(v, "https://", 8) == 0)
		h = v + 8;
	else if (strncasecmp(v, "http://", 7) == 0)
		h = v + 7;
	else
		return bad(c, "invalid_url", "%s must be an http or https URL", c->field);
	for (char *p = v; p < h; p++)
		*p = (char)tolower((unsigned char)*p);
	size_t n = strcspn(h, ":/?#");
	for (size_t i = 0; i < n; i++)
		h[i] = (char)tolower((unsigned char)h[i]);
	if (!domain_ok(h, n))
		return bad(c, "invalid_url", "%s has an invalid host name", c->field);
	const char *p = h + n;
	if (*p == ':') {
		size_t digits = strspn(p + 1, "0123456789");
		if (digits == 0 || digits > 5)
			return bad(c, "invalid_url", "%s has an invalid port", c->field);
		p += 1 + digits;
	}
	if (*p != '\0' && *p != '/' && *p != '?' && *p != '#')
		return bad(c, "invalid_url", "%s is malformed after the host", c->field);
	for (const char *q = p; *q; q++)
		if ((unsigned char)*q <= 0x20 || *q == '"' || *q == '<' || *q == '>' || *q == '\\')
			return bad(c, "invalid_url", "%s contains a character URLs must escape", c->field);
	*host = h;
	*hostlen = n;
	*rest = p;
	return LS_OK;
}

/* Percent-decodes a LinkedIn profile name into out (lowercased ASCII,
 * 256 bytes), so that escaped and plain spellings of one profile share a
 * dedup key; false if an escape is malformed or decodes to something a
 * profile name cannot hold. */
static bool slug_decode(const char *slug, size_t n, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		uint8_t b = (uint8_t)slug[i];
		if (b == '%') {
			if (n - i < 3)
				return false;
			char hex[3] = {slug[i + 1], slug[i + 2], '\0'};
			if (ls_unhex(hex, &b, 1) != LS_OK)
				return false;
			i += 2;
		}
		if (b < 0x20 || b == 0x7f || strchr("/?#%", b) != NULL)
			return false;
		out[o++] = (char)tolower(b);
	}
	out[o] = '\0';
	return ls_utf8_valid((const uint8_t *)out, o);
}

/* linkedin.com/in/<slug> or linkedin.com/company/<slug>; the decoded slug
 * is written to slug_out. */
static ls_status linkedin(struct lead_ctx *c, char *v, const char *kind, char *slug_out)
{
	const char *host, *rest;
	size_t hl;
	ls_status s = url(c, v, &host, &hl, &rest);
	if (s != LS_OK)
		return s;
	bool host_ok = (hl == 12 && strncmp(host, "linkedin.com", 12) == 0) ||
	               (hl > 13 && strncmp(host + hl - 13, ".linkedin.com", 13) == 0);
	size_t kl = strlen(kind);
	if (!host_ok || rest[0] != '/' || strncmp(rest + 1, kind, kl) != 0 || rest[1 + kl] != '/')
		return ls_fail(c->err, LS_INVALID, "invalid_linkedin", c->field,
		               "%s must be a linkedin.com/%s/<name> URL", c->field, kind);
	const char *slug = rest + 2 + kl;
	size_t n = strcspn(slug, "/?#");
	if (n == 0 || n > 200 || strspn(slug, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                                      "0123456789-_%.") < n ||
	    !slug_decode(slug, n, slug_out))
		return ls_fail(c->err, LS_INVALID, "invalid_linkedin", c->field,
		               "%s has an invalid profile name", c->field);
	return LS_OK;
}

static ls_status phone(struct lead_ctx *c, const char *v)
{
	size_t digits = 0;
	for (const char *p = v; *p; p++) {
		if (isdigit((unsigned char)*p))
			digits++;
		else if (!(strchr(" ()-.", *p) || (*p == '+' && p == v)))
			return bad(c, "invalid_phone", "%s may hold digits, spaces, ()-. and a leading +",
			           c->field);
	}
	if (digits < 7 || digits > 15)
		return bad(c, "invalid_phone", "%s must have 7 to 15 digits", c->field);
	return LS_OK;
}

/* One field: check, normalise, and store into out. */
static ls_status field(struct lead_ctx *c, const struct field_rule *r, json_t *v, json_t *out,
                       char slugs[2][256])
{
	static char buf[4096 + 1];
	const char *host, *rest;
	size_t hl;
	uint8_t pk[32], want[32];
	ls_status s = LS_OK;
	if (r->kind == F_TRUE) {
		if (!json_is_true(v))
			return bad(c, json_is_boolean(v) ? "attestation_required" : "wrong_type",
			           "%s must be true", c->field);
		json_object_set_new(out, r->name, json_true());
		return LS_OK;
	}
	if (!json_is_string(v))
		return bad(c, "wrong_type", "%s must be a string", c->field);
	if (strlen(json_string_value(v)) != json_string_length(v))
		return bad(c, "nul_character", "%s contains a NUL character", c->field);
	s = text(c, json_string_value(v), r->max, r->kind == F_LONGTEXT, buf);
	if (s != LS_OK)
		return s;
	switch (r->kind) {
	case F_EMAIL: s = email(c, buf); break;
	case F_URL: s = url(c, buf, &host, &hl, &rest); break;
	case F_LINKEDIN_PERSON: s = linkedin(c, buf, "in", slugs[0]); break;
	case F_LINKEDIN_COMPANY: s = linkedin(c, buf, "company", slugs[1]); break;
	case F_PHONE: s = phone(c, buf); break;
	case F_EMPLOYEES:
		s = bad(c, "invalid_employee_count",
		        "%s must be one of 0-1, 2-10, 11-50, 51-200, 201-500, 501-1,000, "
		        "1,001-5,000, 5,001-10,000, 10,001+", c->field);
		for (size_t i = 0; i < sizeof employee_ranges / sizeof *employee_ranges; i++)
			if (strcmp(buf, employee_ranges[i]) == 0)
				s = LS_OK;
		break;
	case F_WALLET:
		if (ls_ss58_decode(buf, c->cfg->ss58_prefix, pk, NULL) != LS_OK ||
		    ls_ss58_decode(c->miner_ss58, c->cfg->ss58_prefix, want, NULL) != LS_OK ||
		    memcmp(pk, want, 32) != 0)
			s = bad(c, "wallet_mismatch", "%s must be the SS58 address of the signing hotkey",
			        c->field);
		break;
	case F_TERMS:
		lower(buf);
		if (strcmp(buf, c->cfg->terms_version_hash) != 0)
			s = bad(c, "terms_mismatch",
			        "%s is not the hash of the contributor terms in force", c->field);
		break;
	case F_CODE:
		if (strspn(buf, "abcdefghijklmnopqrstuvwxyz0123456789_") != strlen(buf))
			s = bad(c, "invalid_code", "%s must be a lowercase code ([a-z0-9_])", c->field);
		break;
	default: break;
	}
	if (s == LS_OK)
		json_object_set_new(out, r->name, json_string(buf));
	return s;
}

static bool is_us(const char *country)
{
	static const char *const names[] = {"us", "usa", "u.s.", "u.s.a.", "united states",
	                                    "united states of america"};
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (strcasecmp(country, names[i]) == 0)
			return true;
	return false;
}

static const char *strip_www(const char *host)
{
	return strncmp(host, "www.", 4) == 0 ? host + 4 : host;
}

/* a equals b or is a subdomain of it */
static bool within(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	return la >= lb && strcmp(a + la - lb, b) == 0 && (la == lb || a[la - lb - 1] == '.');
}

/* Rules that join fields: US states, and an email at the website's domain. */
static ls_status cross_checks(struct lead_ctx *c, json_t *out, const char *prefix)
{
	for (size_t i = 0; i < NFIELDS; i++) {
		const struct field_rule *r = &lead_fields[i];
		if (r->presence != US_ONLY)
			continue;
		const char *country = json_string_value(json_object_get(out, r->country_field));
		if (country && is_us(country) && json_object_get(out, r->name) == NULL) {
			snprintf(c->field, sizeof c->field, "%s%s", prefix, r->name);
			return bad(c, "missing_field", "%s is required when the country is the US",
			           c->field);
		}
	}
	const char *mail = json_string_value(json_object_get(out, "email"));
	const char *site = json_string_value(json_object_get(out, "website"));
	char host[256];
	const char *h = strstr(site, "://") + 3;
	size_t n = strcspn(h, ":/?#");
	snprintf(host, sizeof host, "%.*s", (int)(n < 255 ? n : 255), h);
	const char *site_dom = strip_www(host), *mail_dom = strchr(mail, '@') + 1;
	if (!within(mail_dom, site_dom) && !within(site_dom, mail_dom)) {
		snprintf(c->field, sizeof c->field, "%semail", prefix);
		return ls_fail(c->err, LS_INVALID, "email_domain_mismatch", c->field,
		               "the email domain %s is unrelated to the website %s", mail_dom, site_dom);
	}
	return LS_OK;
}

ls_status ls_lead_validate(const struct ls_config *cfg, json_t *lead, const char *miner_ss58,
                           const char *pfx, json_t **out, struct ls_lead_keys *keys,
                           ls_err *err)
{
	struct lead_ctx c = {.cfg = cfg, .miner_ss58 = miner_ss58, .err = err};
	char slugs[2][256] = {"", ""};
	*out = NULL;
	if (!json_is_object(lead))
		return ls_fail(err, LS_INVALID, "wrong_type", pfx, "a lead must be a JSON object");
	const char *key;
	json_t *v;
	json_object_foreach(lead, key, v) {
		bool known = false;
		for (size_t i = 0; i < NFIELDS && !known; i++)
			known = strcmp(key, lead_fields[i].name) == 0;
		if (!known) {
			snprintf(c.field, sizeof c.field, "%s%.40s", pfx, key);
			return bad(&c, "unknown_field", "%s is not a field of the lead schema", c.field);
		}
	}
	json_t *norm = json_object();
	ls_status s = LS_OK;
	for (size_t i = 0; s == LS_OK && i < NFIELDS; i++) {
		const struct field_rule *r = &lead_fields[i];
		snprintf(c.field, sizeof c.field, "%s%s", pfx, r->name);
		v = json_object_get(lead, r->name);
		if (v == NULL)
			s = r->presence == REQUIRED ? bad(&c, "missing_field", "%s is required", c.field)
			                            : LS_OK;
		else
			s = field(&c, r, v, norm, slugs);
	}
	if (s == LS_OK)
		s = cross_checks(&c, norm, pfx);
	if (s == LS_OK) {
		/* SPEC §4 dedup keys */
		char pair[600];
		const char *mail = json_string_value(json_object_get(norm, "email"));
		crypto_hash_sha256(keys->email, (const uint8_t *)mail, strlen(mail));
		int n = snprintf(pair, sizeof pair, "linkedin.com/in/%s||linkedin.com/company/%s",
		                 slugs[0], slugs[1]);
		crypto_hash_sha256(keys->linkedin, (const uint8_t *)pair, (size_t)n);
		*out = norm;
	} else {
		json_decref(norm);
	}
	return s;
}
