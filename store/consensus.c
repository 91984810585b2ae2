/* consensus.c — closing an epoch (leadgate-close, SPEC §6).  Everything
 * is computed from one read transaction (tally.c's rules), then written
 * in one short write transaction: each lead's decision with its
 * LEAD_DECIDED (or LEAD_REQUEUED) entry, the signed results and weights
 * bodies and one WEIGHTS entry.  The inputs are fixed once the reveal
 * window has ended, so a rerun computes the same bytes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "tally.h"

/* ---- reading an epoch ------------------------------------------------ */

/* Keys of a per-epoch database under prefix be64(epoch), in order; calls
 * fn with the rest of each key and the value. */
static int epoch_range(MDB_txn *txn, MDB_dbi dbi, uint64_t epoch,
                       int (*fn)(void *ctx, const uint8_t *rest, size_t rl, const MDB_val *v),
                       void *ctx)
{
	MDB_cursor *cur;
	uint8_t prefix[8];
	ls_be64(epoch, prefix);
	MDB_val k = {8, prefix}, v;
	int rc = mdb_cursor_open(txn, dbi, &cur);
	if (rc)
		return rc;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size < 8 || memcmp(k.mv_data, prefix, 8) != 0)
			break;
		if ((rc = fn(ctx, (const uint8_t *)k.mv_data + 8, k.mv_size - 8, &v)) != 0)
			break;
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

struct reading {
	ls_store *st;
	MDB_txn *txn;
	struct tally *t;
	const struct ls_metagraph *mg;
};

static int read_lead(void *vctx, const uint8_t *rest, size_t rl, const MDB_val *v)
{
	struct reading *r = vctx;
	(void)v;
	if (rl != 16)
		return 0;
	struct tally_lead *l = tally_add_lead(r->t);
	if (l == NULL)
		return ENOMEM;
	memcpy(l->id, rest, 16);
	return ls_lead_read(r->st, r->txn, rest, &l->rec, NULL, NULL) == LS_OK ? 0 : MDB_CORRUPTED;
}

static int read_validator(void *vctx, const uint8_t *rest, size_t rl, const MDB_val *v)
{
	struct reading *r = vctx;
	uint8_t key[40];
	MDB_val rv;
	(void)v;
	if (rl != 32)
		return 0;
	struct tally_validator *tv = tally_add_validator(r->t);
	if (tv == NULL)
		return ENOMEM;
	memcpy(tv->hotkey, rest, 32);
	/* the snapshot of the epoch's start decides who counts and how much,
	 * whatever happened to the hotkey since (SPEC §6) */
	const struct ls_neuron *n = ls_metagraph_find(r->mg, rest);
	tv->uid = n ? n->uid : 0;
	tv->known = n != NULL;
	tv->weight = n && n->validator_permit ? ls_neuron_weight(n) : 0;
	tv->counts = tv->weight > 0;
	ls_be64(r->t->epoch, key);
	memcpy(key + 8, rest, 32);
	int rc = ls_get(r->st, r->txn, DB_REVEALS, key, 40, &rv);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc || !ls_vote_record_items(&rv, REVEAL_STORED, &tv->items, &tv->n))
		return rc ? rc : MDB_CORRUPTED;
	tv->revealed = true;
	return 0;
}

/* The newest closed epoch before t's, and its weights to each hotkey
 * (the weights body's hotkeys; a body without them gives nothing). */
static ls_status read_previous_weights(ls_reader *rd, struct tally *t)
{
	MDB_cursor *cur;
	MDB_val k, v;
	uint8_t key[8];
	char name[40];
	struct ls_body body;
	ls_be64(t->epoch, key);
	k = (MDB_val){8, key};
	if (mdb_cursor_open(rd->txn, rd->st->dbi[DB_EPOCHS], &cur))
		return LS_ERROR;
	int rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	rc = rc == 0 ? mdb_cursor_get(cur, &k, &v, MDB_PREV) : mdb_cursor_get(cur, &k, &v, MDB_LAST);
	while (rc == 0 && (k.mv_size != 8 || v.mv_size != sizeof(struct epoch_rec) ||
	                   ((uint8_t *)v.mv_data)[1] == EPOCH_ASSIGNED ||
	                   ls_from_be64(k.mv_data) >= t->epoch))
		rc = mdb_cursor_get(cur, &k, &v, MDB_PREV);
	uint64_t prev = rc == 0 ? ls_from_be64(k.mv_data) : 0;
	mdb_cursor_close(cur);
	if (rc)
		return rc == MDB_NOTFOUND ? LS_OK : LS_ERROR;
	ls_epoch_cache_name(name, "weights", prev);
	if (ls_cache_get(rd, name, &body) != LS_OK)
		return LS_OK;  /* pruned */
	json_t *w = json_loadb((const char *)body.data, body.len, 0, NULL);
	json_t *hotkeys = json_object_get(w, "hotkeys"), *u16 = json_object_get(w, "weights_u16");
	size_t n = json_array_size(hotkeys);
	t->prev = n == json_array_size(u16) && n > 0 ? calloc(n, sizeof *t->prev) : NULL;
	for (size_t i = 0; t->prev && i < n; i++) {
		const char *hk = json_string_value(json_array_get(hotkeys, i));
		json_int_t x = json_integer_value(json_array_get(u16, i));
		ls_err kerr;
		if (hk && x > 0 && x <= 65535 &&
		    ls_ss58_decode(hk, rd->st->cfg.ss58_prefix, t->prev[t->nprev].hotkey, &kerr) == LS_OK)
			t->prev[t->nprev++].u16 = (uint32_t)x;
	}
	json_decref(w);
	return LS_OK;
}

/* Fill t from the store as of rd: the epoch's assigned leads and its
 * reveals, or in the first3 mode its decided leads and their votes
 * (*votes then holds the votes, to free after the tally).  mg is the
 * metagraph of the epoch's start (who counts), at_close the one in force
 * at its close block (who holds which uid then), and the previous
 * weights the fallback. */
static ls_status read_epoch(ls_reader *rd, struct tally *t, struct ls_metagraph *mg,
                            struct ls_metagraph *at_close, uint8_t **votes)
{
	ls_store *st = rd->st;
	MDB_txn *txn = rd->txn;
	struct ls_epoch_windows w;
	struct ls_schedule sched;
	struct reading r = {st, txn, t, mg};
	ls_status s = ls_schedule_read(st, txn, &sched);
	if (s != LS_OK)
		return s;
	ls_epoch_windows(&st->cfg, &sched, t->epoch, &w);
	t->close_block = w.close_block;
	s = ls_metagraph_at(st, txn, w.distribution.first_block, mg);
	if (s == LS_OK)  /* in force at the close block: a rerun gets the same */
		s = ls_metagraph_at(st, txn, w.close_block, at_close);
	if (s == LS_OK)
		s = read_previous_weights(rd, t);
	if (s != LS_OK)
		return s;
	t->metagraph_block = mg->from_block;
	if (st->cfg.consensus_mode == LS_MODE_FIRST3)
		return first3_tally(st, txn, t, mg, votes);
	int rc = epoch_range(txn, st->dbi[DB_ASSIGNED], t->epoch, read_lead, &r);
	if (rc == 0)
		rc = epoch_range(txn, st->dbi[DB_COMMITS], t->epoch, read_validator, &r);
	return rc ? LS_ERROR : LS_OK;
}

/* ---- writing the outcome --------------------------------------------- */

struct close_ctx {
	uint64_t epoch;
	int64_t now;
	uint32_t reveals_seen;      /* the epoch's reveal count when read */
	const struct tally *t;
	const char *results, *weights;
	size_t results_len, weights_len;
	json_t *weights_log;
	bool first3;                /* the leads were decided one by one */
	struct tally_participant *parts;  /* each hotkey's statistics of the epoch */
	size_t nparts;
	bool not_due;               /* a sync since moved its close block ahead */
};

static const char *decision_name(int d)
{
	return d == LS_VOTE_APPROVE ? "approve" : d == LS_VOTE_DENY ? "deny" : "requeue";
}

static ls_status write_lead(struct ls_txn *t, struct close_ctx *c, const struct tally_lead *l)
{
	struct lead_rec rec = l->rec;
	char id[37], hash[65];
	uint8_t fmt = LS_FMT1, approved[13] = {LS_FMT1};
	ls_status s = LS_OK;
	rec.score_e4 = l->score_e4;
	memset(rec.reason, 0, sizeof rec.reason);
	memcpy(rec.reason, l->reason, strnlen(l->reason, sizeof rec.reason - 1));
	if (l->decision == LS_VOTE_APPROVE) {
		rec.state = LS_LEAD_APPROVED;
		ls_be64(c->epoch, approved + 1);
		memcpy(approved + 9, &rec.score_e4, 4);
		s = lt_put(t, DB_APPROVED, l->id, 16, approved, sizeof approved, 0);
	} else if (l->decision == LS_VOTE_DENY) {
		rec.state = LS_LEAD_DENIED;
		s = lt_miner_denials_add(t, rec.miner, c->now, 1);
	} else {
		rec.state = LS_LEAD_PENDING;  /* back to its place in the queue */
		rec.requeued++;
		s = lt_put(t, DB_PENDING, l->id, 16, &fmt, 1, 0);
	}
	if (s == LS_OK)
		s = lt_lead_update(t, l->id, &rec);
	if (s != LS_OK)
		return s;
	ls_uuid_format(l->id, id);
	ls_hex(rec.content_hash, 32, hash);
	json_t *payload = json_pack("{s:s, s:s, s:s, s:I, s:s, s:I}", "lead_id", id, "content_hash",
	                            hash, "decision", decision_name(l->decision), "score_e4",
	                            (json_int_t)l->score_e4, "reason", l->reason, "reveals",
	                            (json_int_t)l->reveals);
	s = ls_log_append(t, c->epoch,
	                  l->decision == TALLY_REQUEUE ? "LEAD_REQUEUED" : "LEAD_DECIDED", payload,
	                  NULL);
	json_decref(payload);
	return s;
}

/* The windows the tally was read with must still stand: under
 * epoch_source = chain a sync may have moved them since.  Then the epoch
 * is tallied again, or left for a later run if its reveal window has not
 * ended after all. */
static ls_status schedule_check(struct ls_txn *t, struct close_ctx *c)
{
	struct ls_clock clk;
	struct ls_epoch_windows w;
	ls_status s = ls_clock_required(t->st, t->txn, c->now, &clk, t->err);
	if (s != LS_OK)
		return s;
	ls_epoch_windows(&t->st->cfg, &clk.sched, c->epoch, &w);
	c->not_due = clk.block < w.close_block;
	return c->not_due || w.close_block == c->t->close_block ? LS_OK : LS_CONFLICT;
}

static ls_status close_write(struct ls_txn *t, void *vctx)
{
	struct close_ctx *c = vctx;
	struct epoch_rec ep;
	char name[40];
	ls_status s = ls_epoch_read(t->st, t->txn, c->epoch, &ep);
	if (s != LS_OK)
		return s;
	if (ep.state != EPOCH_ASSIGNED)
		return LS_OK;  /* another run closed it meanwhile */
	if (ep.reveals != c->reveals_seen)
		return LS_CONFLICT;  /* a reveal landed after the read: tally again */
	if ((s = schedule_check(t, c)) != LS_OK || c->not_due)
		return s;
	/* first3 leads were written when their third vote decided them */
	for (size_t i = 0; s == LS_OK && !c->first3 && i < c->t->nleads; i++)
		s = write_lead(t, c, &c->t->leads[i]);
	ls_epoch_cache_name(name, "results", c->epoch);
	if (s == LS_OK)
		s = ls_cache_put(t, name, c->results, c->results_len);
	ls_epoch_cache_name(name, "weights", c->epoch);
	if (s == LS_OK)
		s = ls_cache_put(t, name, c->weights, c->weights_len);
	for (size_t i = 0; s == LS_OK && i < c->nparts; i++)
		s = lt_participant_close(t, c->epoch, &c->parts[i], !c->first3);
	uint64_t last_seq = 0;
	if (s == LS_OK)
		s = ls_log_append(t, c->epoch, "WEIGHTS", c->weights_log, &last_seq);
	if (s == LS_OK)
		s = lt_bundle_due(t, c->epoch, last_seq);
	if (s == LS_OK)  /* its boundaries, as they were closed by, stay */
		s = lt_schedule_freeze(t, c->epoch);
	ep.state = EPOCH_CLOSED;
	if (s == LS_OK)
		s = lt_epoch_write(t, c->epoch, &ep);
	return s == LS_OK ? lt_participants_rebuild(t) : s;  /* now with this epoch */
}

/* ---- one epoch --------------------------------------------------------- */

static ls_status close_epoch(ls_store *st, uint64_t epoch, int64_t now, const uint8_t sk[64],
                             struct ls_close_report *r, ls_err *err)
{
	for (int attempt = 0; attempt < 3; attempt++) {
		ls_reader *rd;
		struct epoch_rec ep;
		struct ls_metagraph mg = {0}, at_close = {0};
		struct tally t;
		tally_init(&t, epoch, &st->cfg);
		ls_status s = ls_reader_begin(st, &rd, err);
		if (s != LS_OK)
			return s;
		uint8_t *votes = NULL;
		bool first3 = st->cfg.consensus_mode == LS_MODE_FIRST3;
		s = ls_epoch_read(st, rd->txn, epoch, &ep);
		if (s == LS_OK && ep.state == EPOCH_ASSIGNED)
			s = read_epoch(rd, &t, &mg, &at_close, &votes);
		struct close_ctx c = {.epoch = epoch, .now = now, .reveals_seen = ep.reveals, .t = &t,
		                      .first3 = first3};
		char *results = NULL, *weights = NULL;
		if (s == LS_OK && ep.state == EPOCH_ASSIGNED) {
			if (first3)
				tally_judge(&t);
			else
				tally_decide(&t);
			s = tally_bodies(&t, &at_close, sk, &results, &c.results_len, &weights,
			                 &c.weights_len, &c.weights_log);
			c.nparts = tally_participants(&t, &at_close, &c.parts);
			if (s == LS_OK && c.nparts == SIZE_MAX)
				s = ls_fail(err, LS_ERROR, "oom", NULL, "out of memory");
		}
		ls_reader_end(rd);  /* the tally keeps no pointer into the map past here */
		ls_metagraph_free(&mg);
		ls_metagraph_free(&at_close);
		c.results = results;
		c.weights = weights;
		if (s == LS_OK && ep.state == EPOCH_ASSIGNED)
			s = ls_write(st, close_write, &c, err);
		if (s == LS_OK && ep.state == EPOCH_ASSIGNED && !c.not_due) {
			r->closed++;
			r->last_epoch = epoch;
			tally_count(&t, &r->approved, &r->denied, &r->requeued);
		}
		free(results);
		free(weights);
		free(votes);
		free(c.parts);
		json_decref(c.weights_log);
		tally_free(&t);
		if (s != LS_CONFLICT)
			return s == LS_ERROR && err && err->code[0] == '\0'
			       ? ls_fail(err, LS_ERROR, "store_error", NULL, "epoch %llu could not be read",
			                 (unsigned long long)epoch)
			       : s;
	}
	return ls_fail(err, LS_ERROR, "store_busy", NULL, "epoch %llu kept changing during close",
	               (unsigned long long)epoch);
}

/* Epochs still assigned whose reveal window has ended, oldest first. */
static ls_status closable(ls_store *st, int64_t now, uint64_t **epochs, size_t *n, ls_err *err)
{
	ls_reader *rd;
	struct ls_clock clk;
	MDB_cursor *cur;
	MDB_val k, v;
	*n = 0;
	*epochs = NULL;
	ls_status s = ls_reader_begin(st, &rd, err);
	if (s != LS_OK)
		return s;
	if ((s = ls_clock_required(st, rd->txn, now, &clk, err)) != LS_OK) {
		ls_reader_end(rd);
		return s;
	}
	int rc = mdb_cursor_open(rd->txn, st->dbi[DB_EPOCHS], &cur);
	for (rc = rc ? rc : mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		struct ls_epoch_windows w;
		uint64_t e = ls_from_be64(k.mv_data);
		ls_epoch_windows(&st->cfg, &clk.sched, e, &w);
		if (v.mv_size != sizeof(struct epoch_rec) || ((uint8_t *)v.mv_data)[1] != EPOCH_ASSIGNED ||
		    clk.block < w.close_block)
			continue;
		uint64_t *grown = realloc(*epochs, (*n + 1) * sizeof **epochs);
		if (grown == NULL)
			break;
		*epochs = grown;
		(*epochs)[(*n)++] = e;
	}
	mdb_cursor_close(cur);
	ls_reader_end(rd);
	return rc == MDB_NOTFOUND ? LS_OK : ls_fail(err, LS_ERROR, "store_error", NULL,
	                                            "the epochs could not be listed");
}

ls_status ls_epochs_close(ls_store *st, int64_t now, const uint8_t gateway_sk[64],
                          struct ls_close_report *report, ls_err *err)
{
	uint64_t *epochs;
	size_t n;
	memset(report, 0, sizeof *report);
	ls_status s = closable(st, now, &epochs, &n, err);
	for (size_t i = 0; s == LS_OK && i < n; i++)
		s = close_epoch(st, epochs[i], now, gateway_sk, report, err);
	free(epochs);
	return s;
}
