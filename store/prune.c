/* prune.c — leadgate-prune (SPEC §10): drop what no rule can need again.
 * Votes and assignment sets go only once their epoch is closed and more
 * than keep_vote_epochs old; the bodies validators fetch go once their
 * distribution window is over; metagraph versions go once no open epoch
 * began under them.  Each epoch is its own write transaction. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

/* Delete every key of dbi under be64(epoch); returns how many. */
static ls_status drop_epoch_range(struct ls_txn *t, enum ls_db db, uint64_t epoch, uint64_t *n)
{
	MDB_cursor *cur;
	uint8_t prefix[8];
	ls_be64(epoch, prefix);
	MDB_val k = {8, prefix}, v;
	int rc = mdb_cursor_open(t->txn, t->st->dbi[db], &cur);
	if (rc)
		return lt_fail_mdb(t, rc, "open a cursor");
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size < 8 || memcmp(k.mv_data, prefix, 8) != 0)
			break;
		if ((rc = mdb_cursor_del(cur, 0)) != 0)
			break;
		(*n)++;
	}
	mdb_cursor_close(cur);
	return rc == 0 || rc == MDB_NOTFOUND ? LS_OK : lt_fail_mdb(t, rc, "prune");
}

struct epoch_prune {
	uint64_t epoch;
	bool votes, body;
	struct ls_prune_report *r;
	struct ls_prune_report add;
};

static ls_status prune_epoch(struct ls_txn *t, void *vctx)
{
	struct epoch_prune *c = vctx;
	char name[40];
	ls_status s = LS_OK;
	memset(&c->add, 0, sizeof c->add);
	if (c->votes) {
		uint64_t votes = 0;
		if ((s = drop_epoch_range(t, DB_COMMITS, c->epoch, &votes)) ||
		    (s = drop_epoch_range(t, DB_REVEALS, c->epoch, &votes)) ||
		    (s = drop_epoch_range(t, DB_FIRST3, c->epoch, &votes)) ||        /* first3 mode */
		    (s = drop_epoch_range(t, DB_PULL_MISSES, c->epoch, &votes)) ||
		    (s = drop_epoch_range(t, DB_ASSIGNED, c->epoch, &c->add.assignments)))
			return s;
		c->add.votes = votes;
		struct epoch_rec ep;
		if ((s = ls_epoch_read(t->st, t->txn, c->epoch, &ep)) != LS_OK)
			return s;
		ep.state = EPOCH_PRUNED;  /* so that later runs skip it */
		if ((s = lt_epoch_write(t, c->epoch, &ep)) != LS_OK)
			return s;
	}
	ls_epoch_cache_name(name, "leads", c->epoch);
	if (c->body && (s = lt_del(t, DB_CACHE, name, strlen(name))) == LS_OK)
		c->add.caches = 1;
	return s == LS_NOTFOUND ? LS_OK : s;
}

/* Drop history versions older than the one in force at block. */
static ls_status prune_history(struct ls_txn *t, void *vctx)
{
	uint64_t *keep_at = ((uint64_t **)vctx)[0], *removed = ((uint64_t **)vctx)[1];
	MDB_cursor *cur;
	MDB_val k, v;
	uint8_t key[8];
	*removed = 0;
	int rc = mdb_cursor_open(t->txn, t->st->dbi[DB_MGHIST], &cur);
	if (rc)
		return lt_fail_mdb(t, rc, "open a cursor");
	ls_be64(*keep_at + 1, key);
	k = (MDB_val){8, key};
	/* the version in force at keep_at is the one before the first after it */
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	rc = rc == 0 ? mdb_cursor_get(cur, &k, &v, MDB_PREV) : mdb_cursor_get(cur, &k, &v, MDB_LAST);
	while (rc == 0 && (rc = mdb_cursor_get(cur, &k, &v, MDB_PREV)) == 0) {
		if ((rc = mdb_cursor_del(cur, 0)) != 0)
			break;
		(*removed)++;
	}
	mdb_cursor_close(cur);
	return rc == 0 || rc == MDB_NOTFOUND ? LS_OK : lt_fail_mdb(t, rc, "prune the history");
}

/* The epochs on record with their states, and the chain's clock. */
struct epoch_list {
	uint64_t epoch;
	uint8_t state;
};

static ls_status list_epochs(ls_store *st, int64_t now, struct ls_clock *clk,
                             struct epoch_list **out, size_t *n, ls_err *err)
{
	ls_reader *rd;
	MDB_cursor *cur;
	MDB_val k, v;
	*out = NULL;
	*n = 0;
	ls_status s = ls_reader_begin(st, &rd, err);
	if (s != LS_OK)
		return s;
	s = ls_clock_now(st, rd->txn, now, clk);
	int rc = s == LS_OK ? mdb_cursor_open(rd->txn, st->dbi[DB_EPOCHS], &cur) : MDB_NOTFOUND;
	for (rc = rc ? rc : mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		struct epoch_list *grown = realloc(*out, (*n + 1) * sizeof **out);
		if (grown == NULL || k.mv_size != 8 || v.mv_size < 2) {
			rc = ENOMEM;
			break;
		}
		*out = grown;
		(*out)[(*n)++] = (struct epoch_list){ls_from_be64(k.mv_data), ((uint8_t *)v.mv_data)[1]};
	}
	if (s == LS_OK)
		mdb_cursor_close(cur);
	ls_reader_end(rd);
	if (s != LS_OK)
		return s == LS_UNAVAILABLE ? LS_OK : s;  /* no clock yet: nothing is old */
	return rc == MDB_NOTFOUND ? LS_OK : ls_fail(err, LS_ERROR, "store_error", NULL,
	                                            "the epochs could not be listed");
}

ls_status ls_prune(ls_store *st, int64_t now, struct ls_prune_report *r, ls_err *err)
{
	struct ls_clock clk = {0};
	struct epoch_list *epochs;
	size_t n;
	memset(r, 0, sizeof *r);
	ls_status s = ls_nonces_prune(st, now, &r->nonces, err);
	if (s == LS_OK)
		s = ls_requests_prune(st, now, &r->requests_finished, &r->requests, err);
	if (s == LS_OK)
		s = list_epochs(st, now, &clk, &epochs, &n, err);
	if (s != LS_OK)
		return s;
	const struct ls_config *cfg = &st->cfg;
	uint64_t keep_from = clk.epoch > cfg->keep_vote_epochs ? clk.epoch - cfg->keep_vote_epochs : 0;
	uint64_t oldest_open = clk.epoch;
	for (size_t i = 0; s == LS_OK && i < n; i++) {
		struct ls_epoch_windows w;
		ls_epoch_windows(cfg, &clk.sched, epochs[i].epoch, &w);
		struct epoch_prune c = {.epoch = epochs[i].epoch, .r = r};
		c.votes = epochs[i].state == EPOCH_CLOSED && epochs[i].epoch < keep_from;
		c.body = epochs[i].state != EPOCH_PRUNED && clk.block > w.distribution.last_block;
		if (epochs[i].state == EPOCH_ASSIGNED && epochs[i].epoch < oldest_open)
			oldest_open = epochs[i].epoch;
		if (c.votes || c.body)
			s = ls_write(st, prune_epoch, &c, err);
		r->votes += c.add.votes;
		r->assignments += c.add.assignments;
		r->caches += c.add.caches;
	}
	free(epochs);
	uint64_t keep_at = ls_epoch_start(&clk.sched, oldest_open);
	uint64_t *args[2] = {&keep_at, &r->history};
	return s == LS_OK ? ls_write(st, prune_history, args, err) : s;
}
