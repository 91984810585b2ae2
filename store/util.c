/* util.c — errors, status mapping and small encodings shared by the store. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "internal.h"

ls_status ls_fail(ls_err *err, ls_status status, const char *code,
                  const char *field, const char *fmt, ...)
{
	if (err == NULL)
		return status;
	err->status = status;
	err->block = 0;
	err->retry_after = 0;
	snprintf(err->code, sizeof err->code, "%s", code ? code : "");
	snprintf(err->field, sizeof err->field, "%s", field ? field : "");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->detail, sizeof err->detail, fmt, ap);
	va_end(ap);
	/* details quote client input and snprintf cuts bytes, not characters */
	ls_utf8_scrub(err->field);
	ls_utf8_scrub(err->detail);
	return status;
}

/* Length of the well-formed UTF-8 sequence at s (RFC 3629: no overlongs,
 * no surrogates, nothing above U+10FFFF), or 0. */
size_t ls_utf8_seq(const uint8_t *s, size_t n)
{
	if (n == 0)
		return 0;
	if (s[0] < 0x80)
		return 1;
	size_t len = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;
	if (len == 0 || s[0] > 0xf4 || n < len)
		return 0;
	for (size_t i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f) ||
	    (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] > 0x8f))
		return 0;
	return len;
}

bool ls_utf8_valid(const uint8_t *s, size_t n)
{
	for (size_t i = 0, k; i < n; i += k)
		if ((k = ls_utf8_seq(s + i, n - i)) == 0)
			return false;
	return true;
}

void ls_utf8_scrub(char *s)
{
	size_t n = strlen(s);
	for (size_t i = 0, k; i < n; i += k)
		if ((k = ls_utf8_seq((uint8_t *)s + i, n - i)) == 0) {
			s[i] = '?';
			k = 1;
		}
}

/* The single table from store statuses to HTTP (SPEC §3, §9). */
static const struct {
	int http;
	const char *title;
} status_table[] = {
	[LS_OK] = {200, "OK"},
	[LS_INVALID] = {400, "Bad Request"},
	[LS_UNAUTHORIZED] = {401, "Unauthorized"},
	[LS_FORBIDDEN] = {403, "Forbidden"},
	[LS_NOTFOUND] = {404, "Not Found"},
	[LS_CONFLICT] = {409, "Conflict"},
	[LS_TOO_LARGE] = {413, "Content Too Large"},
	[LS_UNPROCESSABLE] = {422, "Unprocessable Content"},
	[LS_RATE_LIMITED] = {429, "Too Many Requests"},
	[LS_UNAVAILABLE] = {503, "Service Unavailable"},
	[LS_FULL] = {507, "Insufficient Storage"},
	[LS_ERROR] = {500, "Internal Server Error"},
};

int ls_http_status(ls_status status)
{
	if ((unsigned)status > LS_ERROR)
		return 500;
	return status_table[status].http;
}

const char *ls_status_title(ls_status status)
{
	if ((unsigned)status > LS_ERROR)
		return "Internal Server Error";
	return status_table[status].title;
}

void ls_hex(const uint8_t *in, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * len] = '\0';
}

const char *ls_weight_format(ls_weight w, char out[LS_WEIGHT_DIGITS])
{
	char *p = out + LS_WEIGHT_DIGITS - 1;
	*p = '\0';
	do {
		*--p = (char)('0' + (unsigned)(w % 10));
		w /= 10;
	} while (w > 0);
	return p;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

ls_status ls_unhex(const char *in, uint8_t *out, size_t len)
{
	if (strlen(in) != 2 * len)
		return LS_INVALID;
	for (size_t i = 0; i < len; i++) {
		int hi = hexval(in[2 * i]), lo = hexval(in[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return LS_INVALID;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return LS_OK;
}

void ls_be64(uint64_t v, uint8_t out[8])
{
	for (int i = 7; i >= 0; i--) {
		out[i] = (uint8_t)v;
		v >>= 8;
	}
}

uint64_t ls_from_be64(const uint8_t in[8])
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | in[i];
	return v;
}

char *ls_json_canonical(const json_t *v)
{
	return json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII |
	                         JSON_ENCODE_ANY);
}

bool ls_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	if (s == NULL || *s == '\0' || strlen(s) > 20)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		unsigned d = (unsigned)(*s - '0');
		if (v > max / 10 || (v == max / 10 && d > max % 10))
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

bool ls_json_score_e4(const json_t *v, uint32_t *e4)
{
	double x = json_number_value(v), r = round(x * 10000);
	if (!json_is_number(v) || !(x >= 0 && x <= 1) || fabs(x * 10000 - r) > 1e-6)
		return false;
	*e4 = (uint32_t)r;
	return true;
}
