/*
 * challenges_active.c — GET /v1/challenges/active as a hot read (SPEC §8).
 *
 * The body is built once and kept in the cache database with the time at
 * which it goes stale (the next opens_at or closes_at) and the challenges'
 * version it was built from (any change bumps the version: stale at once).
 * Readers that find it fresh send it from the map.  A reader that finds it
 * stale takes a non-blocking flock to become the single rebuilder across
 * every worker process; the others send the previous body meanwhile.  A
 * rebuild that fails leaves the previous body in place and says so on
 * stderr; only a cold store with no body at all answers 503.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>
#include "internal.h"

#define ACTIVE_CACHE "challenges/active"
#define META_ACTIVE "challenges_active"

/* What the cached body was built from. */
struct active_meta {
	uint8_t fmt, pad[7];
	int64_t stale_at;   /* INT64_MAX: no challenge opens or closes later */
	uint64_t version;   /* META_CHALLENGES_VERSION it was built from */
	uint64_t builds;    /* bodies built so far */
};

static bool meta_read(ls_store *st, MDB_txn *txn, struct active_meta *m)
{
	MDB_val v;
	memset(m, 0, sizeof *m);
	if (ls_get(st, txn, DB_META, META_ACTIVE, strlen(META_ACTIVE), &v) != 0 ||
	    v.mv_size != sizeof *m)
		return false;
	memcpy(m, v.mv_data, sizeof *m);
	return m->fmt == LS_FMT1;
}

uint64_t ls_challenges_active_builds(ls_reader *rd)
{
	struct active_meta m;
	return meta_read(rd->st, rd->txn, &m) ? m.builds : 0;
}

/* The cached body into *out (*have) and whether it is still good;
 * *until: when it goes stale (now when it already is). */
static bool active_fresh(ls_reader *rd, int64_t now, struct ls_body *out, bool *have,
                         int64_t *until)
{
	struct active_meta m;
	*have = ls_cache_get(rd, ACTIVE_CACHE, out) == LS_OK;
	*until = now;
	if (!*have || !meta_read(rd->st, rd->txn, &m) ||
	    m.version != ls_challenges_version(rd->st, rd->txn))
		return false;
	*until = m.stale_at > now ? m.stale_at : now;
	return now < m.stale_at;
}

/* ---- building ---------------------------------------------------------- */

struct built {
	char *body;
	size_t len, open;
	int64_t stale_at;
	uint64_t version;
};

/* The next instant after now at which the challenge's state changes. */
static int64_t next_change(const struct challenge_rec *rec, int64_t now)
{
	if (rec->retired)
		return INT64_MAX;
	return now < rec->opens_at ? rec->opens_at : now < rec->closes_at ? rec->closes_at : INT64_MAX;
}

/* Open challenges in id order, each its stored public JSON as is. */
static ls_status active_build(ls_reader *rd, int64_t now, struct built *b, ls_err *err)
{
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	FILE *f = open_memstream(&b->body, &b->len);
	if (f == NULL)
		return ls_fail(err, LS_ERROR, "oom", NULL, "out of memory");
	int rc = mdb_cursor_open(rd->txn, rd->st->dbi[DB_CHALLENGES], &cur);
	fputs("{\"challenges\":[", f);
	b->open = 0;
	b->stale_at = INT64_MAX;
	b->version = ls_challenges_version(rd->st, rd->txn);
	for (rc = rc ? rc : mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		struct challenge_rec rec;
		if (v.mv_size < sizeof rec)
			continue;
		memcpy(&rec, v.mv_data, sizeof rec);
		int64_t change = next_change(&rec, now);
		b->stale_at = change < b->stale_at ? change : b->stale_at;
		if (rec.retired || now < rec.opens_at || now >= rec.closes_at)
			continue;
		if (b->open++)
			fputc(',', f);
		fwrite((char *)v.mv_data + sizeof rec, 1, v.mv_size - sizeof rec, f);
	}
	if (rc != MDB_NOTFOUND)
		fprintf(stderr, "leadgate: store: read the challenges: %s\n", mdb_strerror(rc));
	if (cur)
		mdb_cursor_close(cur);
	if (b->stale_at == INT64_MAX)
		fputs("],\"next_change_at\":null}", f);
	else
		fprintf(f, "],\"next_change_at\":%lld}", (long long)b->stale_at);
	if (fclose(f) != 0 || rc != MDB_NOTFOUND) {
		free(b->body);
		b->body = NULL;
		return ls_fail(err, LS_ERROR, "store_error", NULL, "the challenges could not be read");
	}
	return LS_OK;
}

/* Store it, unless a challenge changed since the snapshot it came from
 * (then the changed version is what the next reader must build). */
static ls_status active_store(struct ls_txn *t, void *vctx)
{
	const struct built *b = vctx;
	struct active_meta m;
	if (ls_challenges_version(t->st, t->txn) != b->version)
		return ls_fail(t->err, LS_CONFLICT, "challenges_changed", NULL,
		               "a challenge changed while the body was built");
	meta_read(t->st, t->txn, &m);
	m = (struct active_meta){.fmt = LS_FMT1, .stale_at = b->stale_at, .version = b->version,
	                         .builds = m.builds + 1};
	ls_status s = ls_cache_put(t, ACTIVE_CACHE, b->body, b->len);
	return s == LS_OK ? lt_put(t, DB_META, META_ACTIVE, strlen(META_ACTIVE), &m, sizeof m, 0)
	                  : s;
}

/* Build from rd's snapshot and store (*built: LS_OK, LS_CONFLICT when a
 * challenge changed meanwhile, or the failure, logged); rd is renewed
 * after, which is what the answer says.  Failures leave the previous body
 * in place. */
static ls_status rebuild(ls_reader *rd, int64_t now, ls_status *built, ls_err *err)
{
	struct built b = {0};
	ls_err berr = {0};
	ls_status s = active_build(rd, now, &b, &berr);
	if (ls_fault(rd->st, "challenges_build_hold", NULL)) {  /* a slow rebuild, for tests */
		fprintf(stderr, "leadgate: fault injection: the challenges/active rebuild is held\n");
		for (int i = 0; i < 600 && ls_fault(rd->st, "challenges_build_hold", NULL); i++)
			usleep(50 * 1000);
	}
	if (s == LS_OK && ls_fault(rd->st, "challenges_build_fail", NULL))
		s = ls_fail(&berr, LS_ERROR, "fault_injected", NULL, "challenges_build_fail is set");
	ls_reader_pause(rd);  /* this thread writes next */
	if (s == LS_OK)
		s = ls_write(rd->st, active_store, &b, &berr);
	if (s == LS_OK)
		fprintf(stderr, "leadgate: challenges/active rebuilt: %zu open, %zu bytes\n", b.open,
		        b.len);
	else if (s != LS_CONFLICT)
		fprintf(stderr, "leadgate: warning: challenges/active rebuild failed (%s); the "
		                "previous body is served\n", berr.detail);
	free(b.body);
	*built = s;
	return ls_reader_resume(rd, err);
}

/* ---- single flight ----------------------------------------------------- */

/* The rebuilder's lock: its fd, -1 when another process holds it (and
 * wait is false), -2 when it cannot be taken at all. */
static int flight_lock(ls_store *st, bool wait)
{
	char path[LS_PATH_MAX + 32];
	snprintf(path, sizeof path, "%s/challenges-active.lock", st->cfg.store_dir);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0) {
		fprintf(stderr, "leadgate: %s: %s\n", path, strerror(errno));
		return -2;
	}
	int rc;
	while ((rc = flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB))) != 0 && errno == EINTR)
		;
	if (rc == 0)
		return fd;
	int e = errno;
	close(fd);
	return e == EWOULDBLOCK ? -1 : -2;
}

static ls_status unavailable(ls_err *err)
{
	ls_fail(err, LS_UNAVAILABLE, "challenges_unavailable", NULL,
	        "the active challenges could not be built; try again shortly");
	err->retry_after = 1;
	return LS_UNAVAILABLE;
}

ls_status ls_challenges_active(ls_reader *rd, int64_t now, struct ls_body *out,
                               int64_t *fresh_for, ls_err *err)
{
	bool have;
	int64_t until;
	*fresh_for = 0;
	if (active_fresh(rd, now, out, &have, &until)) {
		*fresh_for = until - now;
		return LS_OK;
	}
	int fd = flight_lock(rd->st, false);
	if (fd == -1 && have)  /* someone else rebuilds: the previous body meanwhile */
		return LS_OK;
	if (fd == -1)  /* cold, and another process builds the first body: wait */
		fd = flight_lock(rd->st, true);
	/* fd -2: no lock to be had; rebuilding without it beats never */
	/* the one rebuilder: look again, someone may have finished meanwhile */
	ls_status built = LS_OK;
	ls_reader_pause(rd);
	ls_status s = ls_reader_resume(rd, err);
	if (s == LS_OK && !active_fresh(rd, now, out, &have, &until))
		s = rebuild(rd, now, &built, err);
	if (s == LS_OK && built == LS_CONFLICT)  /* a challenge changed meanwhile: once more */
		s = rebuild(rd, now, &built, err);
	if (s == LS_OK && active_fresh(rd, now, out, &have, &until))
		*fresh_for = until - now;
	if (fd >= 0)
		close(fd);  /* drops the flock */
	if (s != LS_OK)
		return s;
	return have ? LS_OK : unavailable(err);
}
