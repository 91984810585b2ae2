/* config.c — leadgate.conf (SPEC §11): key = value, '#' comments, unknown
 * keys rejected with their line number. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "internal.h"

#ifndef LEADGATE_SYSCONFDIR
#define LEADGATE_SYSCONFDIR "/etc"
#endif

void ls_config_defaults(struct ls_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	snprintf(cfg->store_dir, sizeof cfg->store_dir, "/var/lib/leadgate");
	cfg->map_size = 64ull << 20;
	cfg->map_max = 8ull << 30;
	cfg->max_readers = 512;
	cfg->block_seconds = 12;
	cfg->epoch_length = 360;
	cfg->distribution_end = 350;
	cfg->commit_end = 355;
	cfg->prefetch_start = 351;
	cfg->reveal_end = 59;
	cfg->clock_skew = 60;
	cfg->max_body = 1u << 20;
	cfg->ss58_prefix = 42;
	cfg->leads_per_epoch = 50;
	cfg->max_leads_per_request = 100;
	cfg->rate_submissions_per_day = 1000;
	cfg->rate_denials_per_day = 250;
	cfg->rate_submissions_per_epoch = 1000;
	cfg->submit_cooldown = 20;
	/* sha256 of the empty string until the operator sets the terms' hash */
	snprintf(cfg->terms_version_hash, sizeof cfg->terms_version_hash,
	         "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	cfg->log_page_max = 500;
	cfg->public_max_age = 15;
	cfg->challenge_submission_max = 64u << 10;
	cfg->leaderboard_page_max = 500;
	snprintf(cfg->gateway_key, sizeof cfg->gateway_key, "%s", LEADGATE_SYSCONFDIR "/leadgate-gateway.key");
	cfg->min_reveals = 1;
	cfg->eligibility_percent = 10;
	cfg->burn_uid = LS_UID_NONE;
	cfg->netuid = LS_UID_NONE;
	snprintf(cfg->arweave_url, sizeof cfg->arweave_url, "https://arweave.net");
	snprintf(cfg->bundler_url, sizeof cfg->bundler_url, "https://upload.ardrive.io");
	cfg->arweave_confirmations = 10;
	cfg->rate_validator = 1200;
	cfg->burst_validator = 600;
	cfg->rate_miner = 600;
	cfg->burst_miner = 300;
	cfg->queue_validator = 64;
	cfg->queue_miner = 8;
	cfg->queue_client = 8;
	cfg->queue_public = 16;
	cfg->nice_miner = 5;
	cfg->nice_public = 5;
	cfg->keep_vote_epochs = 2;
	cfg->consensus_mode = LS_MODE_EPOCH;
	cfg->pull_timeout = 600;
	cfg->request_timeout = 90;
	cfg->request_expiry = 120;
	cfg->client_requests_per_hour = 100;
	cfg->request_keep = 7 * 86400;
	cfg->job_lock_stale = 1800;
	snprintf(cfg->metrics_allow, sizeof cfg->metrics_allow, "127.0.0.1 ::1");
}

const char *ls_config_path(void)
{
	const char *p = getenv("LEADGATE_CONF");
	return (p && *p) ? p : LEADGATE_SYSCONFDIR "/leadgate.conf";
}

enum key_kind { K_U32, K_U64, K_PATH, K_HEX64, K_CHOICE, K_ADDRS, K_BOOL, K_URL };
struct key_def {
	const char *name;
	enum key_kind kind;
	size_t offset;
	uint64_t min, max;         /* K_CHOICE: min is the first choice's value */
	const char *choices[2];    /* K_CHOICE: its two names, valued min and min + 1 */
};

#define KEY(f, kind, lo, hi) {#f, kind, offsetof(struct ls_config, f), lo, hi, {NULL, NULL}}
#define U32(f, lo, hi) KEY(f, K_U32, lo, hi)
#define CHOICE(f, first, a, b) {#f, K_CHOICE, offsetof(struct ls_config, f), first, 0, {a, b}}
#define U64(f, lo, hi) KEY(f, K_U64, lo, hi)
static const struct key_def keys[] = {
	KEY(store_dir, K_PATH, 1, LS_PATH_MAX - 1),
	U64(map_size, 1ull << 16, 1ull << 44),
	U64(map_max, 1ull << 16, 1ull << 44),
	U32(max_readers, 2, 65536),
	U32(block_seconds, 1, 3600),
	U32(epoch_length, 2, 100000),
	U32(distribution_end, 0, 99999),
	U32(commit_end, 0, 99999),
	U32(prefetch_start, 0, 99999),
	U32(reveal_end, 0, 99999),
	U32(clock_skew, 1, 3600),
	U64(max_body, 1024, 1ull << 30),
	U32(ss58_prefix, 0, 16383),
	U32(leads_per_epoch, 1, 100000),
	U32(max_leads_per_request, 1, 10000),
	U32(rate_submissions_per_day, 0, 10000000),
	U32(rate_denials_per_day, 0, 10000000),
	U32(rate_submissions_per_epoch, 0, 10000000),
	U32(submit_cooldown, 0, 86400),
	KEY(terms_version_hash, K_HEX64, 64, 64),
	U32(log_page_max, 1, 100000),
	U32(public_max_age, 0, 86400),
	U32(challenge_submission_max, 2, 1u << 30),
	U32(leaderboard_page_max, 1, 100000),
	KEY(gateway_key, K_PATH, 1, LS_PATH_MAX - 1),
	KEY(bundle_dir, K_PATH, 1, LS_PATH_MAX - 1),
	U32(min_reveals, 1, 100000),
	U32(eligibility_percent, 0, 100),
	U32(burn_uid, 0, 65535),
	U32(keep_vote_epochs, 1, 1000),
	CHOICE(consensus_mode, LS_MODE_EPOCH, "epoch", "first3"),
	U32(pull_timeout, 1, 86400),
	U32(request_timeout, 1, 86400),
	U32(request_expiry, 1, 86400),
	U32(client_requests_per_hour, 0, 1000000),
	U32(request_keep, 60, 100u * 86400),
	U32(job_lock_stale, 1, 7u * 86400),
	KEY(metrics_allow, K_ADDRS, 0, 255),
	KEY(require_authority, K_BOOL, 0, 0),
	KEY(subtensor_url, K_URL, 8, LS_URL_MAX - 1),
	U32(netuid, 0, 65535),
	U64(version_key, 0, INT64_MAX),
	CHOICE(epoch_source, LS_EPOCHS_FIXED, "fixed", "chain"),
	CHOICE(arweave_mode, LS_ARWEAVE_GATEWAY, "gateway", "bundler"),
	KEY(arweave_url, K_URL, 8, LS_URL_MAX - 1),
	KEY(arweave_wallet, K_PATH, 1, LS_PATH_MAX - 1),
	KEY(bundler_url, K_URL, 8, LS_URL_MAX - 1),
	U32(arweave_confirmations, 1, 1000),
	U32(rate_validator, 0, 6000000),
	U32(burst_validator, 1, 10000),
	U32(queue_validator, 0, 65535),
	U32(queue_miner, 0, 65535),
	U32(queue_client, 0, 65535),
	U32(queue_public, 0, 65535),
	U32(nice_validator, 0, 19),
	U32(nice_miner, 0, 19),
	U32(nice_client, 0, 19),
	U32(nice_public, 0, 19),
	U32(rate_miner, 0, 6000000),
	U32(burst_miner, 1, 10000),
};

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static ls_status set_key(struct ls_config *cfg, const char *name, const char *value,
                         const char *where, ls_err *err)
{
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		const struct key_def *k = &keys[i];
		if (strcmp(k->name, name) != 0)
			continue;
		char *dst = (char *)cfg + k->offset;
		uint64_t v;
		size_t len = strlen(value);
		switch (k->kind) {
		case K_PATH:
		case K_HEX64:
		case K_URL:
			if (len < k->min || len > k->max)
				return ls_fail(err, LS_INVALID, "config", name,
				               "%s: %s must be %llu to %llu characters", where, name,
				               (unsigned long long)k->min, (unsigned long long)k->max);
			if (k->kind == K_PATH && value[0] != '/')
				return ls_fail(err, LS_INVALID, "config", name,
				               "%s: %s must be an absolute path (jobs and workers run "
				               "from different directories)", where, name);
			if (k->kind == K_URL && strncmp(value, "http://", 7) != 0 &&
			    strncmp(value, "https://", 8) != 0)
				return ls_fail(err, LS_INVALID, "config", name,
				               "%s: %s must be an http:// or https:// URL", where, name);
			if (k->kind == K_HEX64 && strspn(value, "0123456789abcdef") != len)
				return ls_fail(err, LS_INVALID, "config", name,
				               "%s: %s must be 64 lowercase hex digits", where, name);
			memcpy(dst, value, len + 1);
			return LS_OK;
		case K_ADDRS:
			if (len > k->max || !ls_addr_list_valid(value))
				return ls_fail(err, LS_INVALID, "config", name,
				               "%s: %s is a list of IP addresses and CIDR blocks (e.g. "
				               "127.0.0.1 ::1 10.0.0.0/8), at most %llu characters",
				               where, name, (unsigned long long)k->max);
			memcpy(dst, value, len + 1);
			return LS_OK;
		case K_BOOL:
			if (strcmp(value, "yes") != 0 && strcmp(value, "no") != 0)
				return ls_fail(err, LS_INVALID, "config", name, "%s: %s must be yes or no",
				               where, name);
			*(bool *)(void *)dst = value[0] == 'y';
			return LS_OK;
		case K_CHOICE:
			for (unsigned c = 0; c < 2; c++)
				if (strcmp(value, k->choices[c]) == 0) {
					*(unsigned *)(void *)dst = (unsigned)k->min + c;
					return LS_OK;
				}
			return ls_fail(err, LS_INVALID, "config", name, "%s: %s must be %s or %s", where,
			               name, k->choices[0], k->choices[1]);
		case K_U32:
		case K_U64:
			if (!ls_parse_u64(value, k->max, &v) || v < k->min)
				return ls_fail(err, LS_INVALID, "config", name,
				               "%s: %s must be a whole number from %llu to %llu", where,
				               name, (unsigned long long)k->min, (unsigned long long)k->max);
			if (k->kind == K_U32)
				*(unsigned *)(void *)dst = (unsigned)v;
			else
				*(uint64_t *)(void *)dst = v;
			return LS_OK;
		}
	}
	return ls_fail(err, LS_INVALID, "config", name, "%s: unknown key '%s'", where, name);
}

/* The windows must fit the epoch and follow each other (SPEC §2). */
static ls_status check_windows(const struct ls_config *c, const char *path, ls_err *err)
{
	if (c->distribution_end >= c->epoch_length || c->commit_end >= c->epoch_length ||
	    c->prefetch_start >= c->epoch_length || c->reveal_end >= c->epoch_length)
		return ls_fail(err, LS_INVALID, "config", "epoch_length",
		               "%s: every window offset must be below epoch_length (%u)", path,
		               c->epoch_length);
	if (c->request_expiry < c->request_timeout)
		return ls_fail(err, LS_INVALID, "config", "request_expiry",
		               "%s: request_expiry must be at least request_timeout", path);
	if (c->map_max < c->map_size)
		return ls_fail(err, LS_INVALID, "config", "map_max",
		               "%s: map_max must be at least map_size", path);
	return LS_OK;
}

ls_status ls_config_load_if_present(struct ls_config *cfg, ls_err *err)
{
	ls_config_defaults(cfg);
	return access(ls_config_path(), R_OK) == 0 ? ls_config_load(cfg, ls_config_path(), err) : LS_OK;
}

ls_status ls_config_load(struct ls_config *cfg, const char *path, ls_err *err)
{
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return ls_fail(err, LS_INVALID, "config", NULL, "cannot read %s: %s", path,
		               strerror(errno));
	char line[2048], where[LS_PATH_MAX + 32];
	unsigned lineno = 0;
	ls_status s = LS_OK;
	while (s == LS_OK && fgets(line, sizeof line, f)) {
		lineno++;
		snprintf(where, sizeof where, "%s:%u", path, lineno);
		if (strchr(line, '\n') == NULL && !feof(f)) {
			s = ls_fail(err, LS_INVALID, "config", NULL, "%s: line too long", where);
			break;
		}
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		char *l = trim(line);
		if (*l == '\0')
			continue;
		char *eq = strchr(l, '=');
		if (eq == NULL) {
			s = ls_fail(err, LS_INVALID, "config", NULL, "%s: expected key = value", where);
			break;
		}
		*eq = '\0';
		s = set_key(cfg, trim(l), trim(eq + 1), where, err);
	}
	fclose(f);
	return s == LS_OK ? check_windows(cfg, path, err) : s;
}

/* ---- address lists (metrics_allow) ------------------------------------- */

/* One entry: an address, or address/prefix.  The address's family and
 * bytes into net (16 bytes), the prefix length into *bits. */
static bool addr_entry(const char *entry, size_t n, int *family, uint8_t net[16], unsigned *bits)
{
	char text[64];
	if (n == 0 || n >= sizeof text)
		return false;
	memcpy(text, entry, n);
	text[n] = '\0';
	char *slash = strchr(text, '/');
	if (slash)
		*slash = '\0';
	*family = strchr(text, ':') ? AF_INET6 : AF_INET;
	unsigned max = *family == AF_INET6 ? 128 : 32;
	uint64_t b = max;
	if (inet_pton(*family, text, net) != 1 || (slash && !ls_parse_u64(slash + 1, max, &b)))
		return false;
	*bits = (unsigned)b;
	return true;
}

static bool prefix_matches(const uint8_t *a, const uint8_t *b, unsigned bits)
{
	unsigned whole = bits / 8, rest = bits % 8;
	if (memcmp(a, b, whole) != 0)
		return false;
	return rest == 0 || ((a[whole] ^ b[whole]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

/* Whether an entry of list holds addr (of family); with addr NULL, only
 * parses the list.  *bad: an entry does not parse. */
static bool addr_list_each(const char *list, bool *bad, int family, const uint8_t *addr)
{
	*bad = false;
	for (const char *p = list; *p;) {
		p += strspn(p, " ,\t");
		size_t n = strcspn(p, " ,\t");
		if (n == 0)
			break;
		int fam;
		uint8_t net[16];
		unsigned bits;
		if (!addr_entry(p, n, &fam, net, &bits)) {
			*bad = true;
			return false;
		}
		if (addr && fam == family && prefix_matches(net, addr, bits))
			return true;
		p += n;
	}
	return false;
}

bool ls_addr_list_valid(const char *list)
{
	bool bad;
	addr_list_each(list, &bad, 0, NULL);
	return !bad;
}

bool ls_addr_allowed(const char *list, const char *addr)
{
	uint8_t a[16];
	bool bad;
	if (addr == NULL)
		return false;
	int family = strchr(addr, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(family, addr, a) != 1)
		return false;
	/* an IPv4 client seen through an IPv6 socket: ::ffff:a.b.c.d */
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	if (family == AF_INET6 && memcmp(a, mapped, 12) == 0 &&
	    addr_list_each(list, &bad, AF_INET, a + 12))
		return true;
	return addr_list_each(list, &bad, family, a);
}
