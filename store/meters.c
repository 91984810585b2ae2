/*
 * meters.c — request counters shared by every worker of a store: a small
 * file, store_dir/meters, that each worker maps and bumps with atomic adds.
 * A scrape that reaches any one worker sees the requests all of them
 * served, and counting a request never takes LMDB's write lock (a write
 * transaction per request would queue every worker behind one another).
 * The counters start at zero when the file is created or its layout
 * changes, which Prometheus takes as a counter reset.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "internal.h"

#define METERS_MAGIC 0x6c676d6574657273ull /* "lgmeters" */
#define METERS_LAYOUT 2u  /* 2: the token buckets */
#define BUCKET_SLOTS 4096  /* hotkeys: a subnet has at most 256 uids at once */
#define BUCKET_PROBES 64

const int ls_meter_statuses[LS_METER_STATUSES] = {200, 202, 304, 400, 401, 403, 404, 405,
                                                  409, 413, 422, 429, 500, 503, 507, 0};
const double ls_meter_bounds[LS_METER_BUCKETS] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                  0.05,   0.1,   0.25,   0.5,   1,    2.5};
const char *const ls_meter_auth_reasons[LS_METER_AUTH_REASONS] = {
	"bad_signature",   "unknown_alg",     "stale_signature", "expired_signature",
	"bad_keyid",       "digest_missing",  "digest_malformed", "digest_mismatch",
	"digest_unsupported", "not_registered", "replayed_nonce", "other"};

/* A hotkey's token bucket: its key is the first 8 bytes of the hotkey (a
 * public key, so uniform), claimed by compare-and-swap; its state is one
 * word, (second of the last refill << 24) | milli-tokens, changed by
 * compare-and-swap only, so that a worker killed at any point leaves
 * every bucket whole. */
struct bucket {
	uint64_t key, state;
};

struct ls_meters_file {
	uint64_t magic;
	uint32_t layout, size;
	uint64_t layout_id;  /* the adapter's routes and the tables above */
	struct ls_meter_route route[LS_METER_ROUTES];
	uint64_t auth[LS_METER_AUTH_REASONS];
	struct bucket buckets[BUCKET_SLOTS];
};

/* FNV-1a, to tell one layout of slots and labels from another */
static uint64_t fnv1a(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;
	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

static uint64_t tables_id(uint64_t routes_id)
{
	uint64_t h = fnv1a(0xcbf29ce484222325ull, &routes_id, sizeof routes_id);
	h = fnv1a(h, ls_meter_statuses, sizeof ls_meter_statuses);
	h = fnv1a(h, ls_meter_bounds, sizeof ls_meter_bounds);
	for (size_t i = 0; i < LS_METER_AUTH_REASONS; i++)
		h = fnv1a(h, ls_meter_auth_reasons[i], strlen(ls_meter_auth_reasons[i]) + 1);
	return h;
}

uint64_t ls_meters_layout_add(uint64_t id, const char *label)
{
	return fnv1a(id ? id : 0xcbf29ce484222325ull, label, strlen(label) + 1);
}

static bool layout_ok(const struct ls_meters_file *m, uint64_t id)
{
	return m->magic == METERS_MAGIC && m->layout == METERS_LAYOUT && m->size == sizeof *m &&
	       m->layout_id == id;
}

/* The meters file open and locked; *fresh when this process made it (its
 * blocks allocated, so that counting into it cannot meet a full disk as
 * SIGBUS).  -1: try again (the file was replaced meanwhile); -2: errno. */
static int meters_open(const char *path, bool *fresh)
{
	struct stat sb, now;
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0)
		return -2;
	if (flock(fd, LOCK_EX) != 0 || fstat(fd, &sb) != 0) {
		close(fd);
		return -2;
	}
	if (stat(path, &now) != 0 || now.st_ino != sb.st_ino || now.st_dev != sb.st_dev) {
		close(fd);
		return -1;
	}
	*fresh = sb.st_size == 0;
	if (*fresh) {
		int rc = posix_fallocate(fd, 0, sizeof(struct ls_meters_file));
		if (rc != 0) {
			unlink(path);
			close(fd);
			errno = rc;
			return -2;
		}
	}
	return fd;
}

/* Another build's file (another size or layout) is unlinked and made
 * anew, never changed in place: a worker of that build still mapping it
 * keeps its own pages and labels. */
ls_status ls_meters_attach(ls_store *st, uint64_t routes_id, ls_err *err)
{
	char path[LS_PATH_MAX + 16];
	uint64_t id = tables_id(routes_id);
	snprintf(path, sizeof path, "%s/meters", st->cfg.store_dir);
	for (int tries = 0; tries < 5; tries++) {
		bool fresh = false;
		int fd = meters_open(path, &fresh);
		if (fd == -1)
			continue;
		if (fd < 0)
			return ls_fail(err, LS_ERROR, "meters", NULL, "cannot make %s: %s", path,
			               strerror(errno));
		struct stat sb;
		struct ls_meters_file *m = MAP_FAILED;
		if (fstat(fd, &sb) == 0 && sb.st_size == sizeof *m)
			m = mmap(NULL, sizeof *m, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		int saved = errno;
		if (m != MAP_FAILED && fresh) {
			m->layout = METERS_LAYOUT;
			m->size = sizeof *m;
			m->layout_id = id;
			m->magic = METERS_MAGIC;
		}
		bool ours = m != MAP_FAILED && layout_ok(m, id);
		if (!ours)
			unlink(path);
		/* unlocked by hand: the map holds the open file, so closing the
		 * descriptor would not drop the flock */
		flock(fd, LOCK_UN);
		close(fd);
		if (ours) {
			st->meters = m;
			return LS_OK;
		}
		if (m != MAP_FAILED)
			munmap(m, sizeof *m);
		else if (sb.st_size == sizeof *m)
			return ls_fail(err, LS_ERROR, "meters", NULL, "cannot map %s: %s", path,
			               strerror(saved));
	}
	return ls_fail(err, LS_ERROR, "meters", NULL, "%s keeps being replaced", path);
}

void ls_meters_detach(ls_store *st)
{
	if (st->meters)
		munmap(st->meters, sizeof *st->meters);
	st->meters = NULL;
}

static void bump(uint64_t *counter, uint64_t by)
{
	__atomic_fetch_add(counter, by, __ATOMIC_RELAXED);
}

void ls_meters_request(ls_store *st, unsigned slot, int status, double seconds)
{
	if (st->meters == NULL || slot >= LS_METER_ROUTES)
		return;
	struct ls_meter_route *r = &st->meters->route[slot];
	unsigned s = 0, b = 0;
	while (s < LS_METER_STATUSES - 1 && ls_meter_statuses[s] != status)
		s++;
	while (b < LS_METER_BUCKETS && seconds > ls_meter_bounds[b])
		b++;
	bump(&r->status[s], 1);
	if (b < LS_METER_BUCKETS)
		bump(&r->bucket[b], 1);
	bump(&r->micros, seconds > 0 ? (uint64_t)(seconds * 1e6 + 0.5) : 0);
	bump(&r->count, 1);
}

void ls_meters_auth_failure(ls_store *st, const char *code)
{
	if (st->meters == NULL)
		return;
	unsigned i = 0;
	while (i < LS_METER_AUTH_REASONS - 1 && strcmp(ls_meter_auth_reasons[i], code) != 0)
		i++;
	bump(&st->meters->auth[i], 1);
}

static uint64_t load(const uint64_t *counter)
{
	return __atomic_load_n(counter, __ATOMIC_RELAXED);
}

bool ls_meters_read(const ls_store *st, struct ls_meters *out)
{
	memset(out, 0, sizeof *out);
	if (st->meters == NULL)
		return false;
	const struct ls_meters_file *m = st->meters;
	for (unsigned i = 0; i < LS_METER_ROUTES; i++) {
		const struct ls_meter_route *r = &m->route[i];
		for (unsigned s = 0; s < LS_METER_STATUSES; s++)
			out->route[i].status[s] = load(&r->status[s]);
		for (unsigned b = 0; b < LS_METER_BUCKETS; b++)
			out->route[i].bucket[b] = load(&r->bucket[b]);
		out->route[i].micros = load(&r->micros);
		out->route[i].count = load(&r->count);
	}
	for (unsigned i = 0; i < LS_METER_AUTH_REASONS; i++)
		out->auth[i] = load(&m->auth[i]);
	return true;
}

/* ---- per-hotkey token buckets ------------------------------------------ */

#define MILLI_MAX ((1u << 24) - 1)

static struct bucket *bucket_find(struct ls_meters_file *m, const uint8_t hotkey[32])
{
	uint64_t key;
	memcpy(&key, hotkey, 8);
	key |= 1;  /* 0 marks a free slot */
	for (unsigned i = 0; i < BUCKET_PROBES; i++) {
		struct bucket *b = &m->buckets[(key + i) % BUCKET_SLOTS];
		uint64_t seen = __atomic_load_n(&b->key, __ATOMIC_ACQUIRE), free_slot = 0;
		if (seen == key)
			return b;
		if (seen == 0 && (__atomic_compare_exchange_n(&b->key, &free_slot, key, false,
		                                              __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE) ||
		                  free_slot == key))
			return b;
	}
	return NULL;
}

/* Seconds until milli-tokens have refilled by need (rate per minute). */
static long refill_seconds(uint64_t need, unsigned rate)
{
	return (long)((need * 60 + (uint64_t)rate * 1000 - 1) / ((uint64_t)rate * 1000));
}

bool ls_bucket_take(ls_store *st, const uint8_t hotkey[32], unsigned rate, unsigned burst,
                    int64_t now, struct ls_bucket *out)
{
	*out = (struct ls_bucket){.limit = burst, .remaining = burst};
	struct bucket *b = st->meters && rate > 0 ? bucket_find(st->meters, hotkey) : NULL;
	if (b == NULL)
		return true;  /* no limit configured, or no shared file: nothing to count with */
	uint64_t full = (uint64_t)(burst < MILLI_MAX / 1000 ? burst : MILLI_MAX / 1000) * 1000;
	uint64_t t = now > 0 ? (uint64_t)now : 0, old = __atomic_load_n(&b->state, __ATOMIC_ACQUIRE);
	for (;;) {
		uint64_t at = old >> 24, tokens = old ? old & MILLI_MAX : full;
		if (old == 0 || t > at) {
			uint64_t secs = t - at < 1000000 ? t - at : 1000000;  /* fills any bucket */
			uint64_t gained = old == 0 ? full : secs * rate * 1000 / 60;
			tokens = tokens + gained < full ? tokens + gained : full;
			at = t > at || old == 0 ? t : at;
		}
		bool allowed = tokens >= 1000;
		uint64_t left = allowed ? tokens - 1000 : tokens;
		out->remaining = (unsigned)(left / 1000);
		out->reset = refill_seconds(full - left, rate);
		out->retry_after = allowed ? 0 : refill_seconds(1000 - tokens, rate);
		if (!allowed)
			return false;
		uint64_t next = at << 24 | left;
		if (__atomic_compare_exchange_n(&b->state, &old, next, false, __ATOMIC_ACQ_REL,
		                                __ATOMIC_ACQUIRE))
			return true;
	}
}
