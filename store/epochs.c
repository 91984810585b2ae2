/* epochs.c — an epoch's assignment (leadgate-prefetch, SPEC §6): the
 * oldest pending leads move to the epoch together with its ready-to-send
 * body; and what validators and the public read of an epoch. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

void ls_epoch_cache_name(char out[40], const char *what, uint64_t epoch)
{
	snprintf(out, 40, "%s/%llu", what, (unsigned long long)epoch);
}

ls_status ls_epoch_read(ls_store *st, MDB_txn *txn, uint64_t epoch, struct epoch_rec *out)
{
	uint8_t key[8];
	MDB_val v;
	ls_be64(epoch, key);
	int rc = ls_get(st, txn, DB_EPOCHS, key, 8, &v);
	if (rc)
		return ls_mdb_status(rc);
	if (v.mv_size != sizeof *out || ((uint8_t *)v.mv_data)[0] != LS_FMT1)
		return LS_ERROR;
	memcpy(out, v.mv_data, sizeof *out);
	return LS_OK;
}

ls_status lt_epoch_write(struct ls_txn *t, uint64_t epoch, const struct epoch_rec *rec)
{
	uint8_t key[8];
	ls_be64(epoch, key);
	return lt_put(t, DB_EPOCHS, key, 8, rec, sizeof *rec, 0);
}

/* Which epoch a prefetch run should assign now, if any: E+1 once E's
 * prefetch window is open; E itself when its window was missed and E's
 * distribution window is still open. */
static bool prefetch_target(struct ls_txn *t, const struct ls_clock *clk, uint64_t *epoch)
{
	const struct ls_config *cfg = &t->st->cfg;
	struct epoch_rec rec;
	struct ls_epoch_windows w;
	ls_epoch_windows(cfg, &clk->sched, clk->epoch, &w);
	if (ls_window_contains(&w.prefetch, clk->block) &&
	    ls_epoch_read(t->st, t->txn, clk->epoch + 1, &rec) == LS_NOTFOUND) {
		*epoch = clk->epoch + 1;
		return true;
	}
	if (ls_window_contains(&w.distribution, clk->block) &&
	    ls_epoch_read(t->st, t->txn, clk->epoch, &rec) == LS_NOTFOUND) {
		*epoch = clk->epoch;
		return true;
	}
	return false;
}

/* The oldest pending lead ids, at most max; *ids is new. */
static ls_status oldest_pending(struct ls_txn *t, size_t max, uint8_t (**ids)[16], size_t *n)
{
	MDB_cursor *cur;
	MDB_val k, v;
	*n = 0;
	*ids = malloc((max ? max : 1) * sizeof **ids);
	if (*ids == NULL)
		return ls_fail(t->err, LS_ERROR, "oom", NULL, "out of memory");
	int rc = mdb_cursor_open(t->txn, t->st->dbi[DB_PENDING], &cur);
	if (rc)
		return lt_fail_mdb(t, rc, "open the queue");
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && *n < max;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
		if (k.mv_size == 16)
			memcpy((*ids)[(*n)++], k.mv_data, 16);
	mdb_cursor_close(cur);
	return rc == 0 || rc == MDB_NOTFOUND ? LS_OK : lt_fail_mdb(t, rc, "read the queue");
}

/* Move one lead from the queue to the epoch, and write its part of the
 * epoch body (full contents: only assigned validators read it) and of the
 * log entry (hashes only). */
static ls_status assign_lead(struct ls_txn *t, uint64_t epoch, const uint8_t id[16], FILE *body,
                             json_t *logged)
{
	struct lead_rec rec;
	const char *json;
	size_t jl;
	char idtext[37], hash[65], miner[LS_SS58_MAX];
	uint8_t key[24];
	ls_status s = ls_lead_read(t->st, t->txn, id, &rec, &json, &jl);
	if (s != LS_OK)
		return s == LS_NOTFOUND ? LS_ERROR : s;
	ls_uuid_format(id, idtext);
	ls_hex(rec.content_hash, 32, hash);
	if (ls_ss58_encode(rec.miner, t->st->cfg.ss58_prefix, miner) != LS_OK)
		return LS_ERROR;
	fprintf(body, "%s{\"content_hash\":\"%s\",\"lead\":", json_array_size(logged) ? "," : "",
	        hash);
	fwrite(json, 1, jl, body);
	fprintf(body, ",\"lead_id\":\"%s\",\"miner\":\"%s\"}", idtext, miner);
	json_array_append_new(logged, json_pack("{s:s, s:s}", "lead_id", idtext, "content_hash", hash));
	rec.state = LS_LEAD_ASSIGNED;
	rec.epoch = epoch;
	uint8_t fmt = LS_FMT1;
	ls_be64(epoch, key);
	memcpy(key + 8, id, 16);
	if ((s = lt_lead_update(t, id, &rec)) || (s = lt_put(t, DB_ASSIGNED, key, 24, &fmt, 1, 0)))
		return s;
	return lt_del(t, DB_PENDING, id, 16);
}

/* Assign the oldest pending leads to epoch and cache its body, with one
 * EPOCH_ASSIGNED entry. */
static ls_status assign_epoch(struct ls_txn *t, uint64_t epoch, const struct ls_clock *clk,
                              struct ls_prefetch_report *r)
{
	uint8_t(*ids)[16] = NULL;
	size_t n, len = 0;
	char *text = NULL, name[40];
	ls_status s = oldest_pending(t, t->st->cfg.leads_per_epoch, &ids, &n);
	FILE *body = s == LS_OK ? open_memstream(&text, &len) : NULL;
	json_t *logged = json_array();
	if (s == LS_OK && (body == NULL || logged == NULL))
		s = ls_fail(t->err, LS_ERROR, "oom", NULL, "out of memory");
	if (body)
		fprintf(body, "{\"epoch\":%llu,\"leads\":[", (unsigned long long)epoch);
	for (size_t i = 0; s == LS_OK && i < n; i++)
		s = assign_lead(t, epoch, ids[i], body, logged);
	if (body) {
		fprintf(body, "]}");
		fclose(body);
	}
	struct epoch_rec rec = {.fmt = LS_FMT1, .state = EPOCH_ASSIGNED, .leads = (uint32_t)n,
	                        .assigned_block = clk->block};
	ls_epoch_cache_name(name, "leads", epoch);
	if (s == LS_OK && (s = ls_cache_put(t, name, text, len)) == LS_OK &&
	    (s = lt_epoch_write(t, epoch, &rec)) == LS_OK) {
		json_t *payload = json_pack("{s:I, s:I, s:O}", "epoch", (json_int_t)epoch, "count",
		                            (json_int_t)n, "leads", logged);
		s = ls_log_append(t, epoch, "EPOCH_ASSIGNED", payload, &r->seq);
		json_decref(payload);
	}
	if (s == LS_OK) {
		r->assigned = true;
		r->epoch = epoch;
		r->leads = n;
	}
	json_decref(logged);
	free(text);
	free(ids);
	return s;
}

struct prefetch_ctx {
	int64_t now;
	struct ls_prefetch_report *report;
};

static ls_status prefetch_write(struct ls_txn *t, void *vctx)
{
	struct prefetch_ctx *c = vctx;
	struct ls_clock clk;
	uint64_t epoch;
	memset(c->report, 0, sizeof *c->report);
	ls_status s = ls_clock_required(t->st, t->txn, c->now, &clk, t->err);
	if (s != LS_OK)
		return s;
	c->report->block = clk.block;
	if (!prefetch_target(t, &clk, &epoch))
		return LS_OK;
	return assign_epoch(t, epoch, &clk, c->report);
}

ls_status ls_epoch_prefetch(ls_store *st, int64_t now, struct ls_prefetch_report *report,
                            ls_err *err)
{
	struct prefetch_ctx c = {now, report};
	if (st->cfg.consensus_mode == LS_MODE_FIRST3) {  /* validators pull leads instead */
		memset(report, 0, sizeof *report);
		return LS_OK;
	}
	return ls_write(st, prefetch_write, &c, err);
}

ls_status ls_window_refuse(ls_err *err, const char *code, const char *what, uint64_t epoch,
                           const struct ls_window *w, uint64_t block)
{
	ls_fail(err, LS_FORBIDDEN, code, NULL,
	        "epoch %llu's %s window is blocks %llu-%llu; the chain is at block %llu",
	        (unsigned long long)epoch, what, (unsigned long long)w->first_block,
	        (unsigned long long)w->last_block, (unsigned long long)block);
	err->block = block < w->first_block ? w->first_block : 0;
	return LS_FORBIDDEN;
}

ls_status ls_require_validator(const struct ls_identity *caller, ls_err *err)
{
	if (caller->registered && caller->neuron.validator_permit)
		return LS_OK;
	return ls_fail(err, LS_FORBIDDEN, "not_validator", NULL,
	               "hotkey %s has no validator permit in the metagraph", caller->ss58);
}

ls_status ls_refuse_self_dealing(const struct ls_identity *validator, const uint8_t owner[32],
                                 const char *what, ls_err *err)
{
	if (memcmp(validator->hotkey, owner, 32) != 0)
		return LS_OK;
	return ls_fail(err, LS_FORBIDDEN, "self_dealing", NULL, "a validator may not %s", what);
}

ls_status ls_epoch_leads(ls_reader *rd, const struct ls_identity *caller, uint64_t epoch,
                         int64_t now, struct ls_body *out, ls_err *err)
{
	struct ls_clock clk;
	struct ls_epoch_windows w;
	char name[40];
	ls_status s = ls_mode_require(rd->st, LS_MODE_EPOCH, err);
	if (s == LS_OK)
		s = ls_require_validator(caller, err);
	if (s == LS_OK)
		s = ls_clock_required(rd->st, rd->txn, now, &clk, err);
	if (s != LS_OK)
		return s;
	ls_epoch_windows(&rd->st->cfg, &clk.sched, epoch, &w);
	if (!ls_window_contains(&w.distribution, clk.block))
		return ls_window_refuse(err, "distribution_window_closed", "distribution", epoch,
		                        &w.distribution, clk.block);
	ls_epoch_cache_name(name, "leads", epoch);
	s = ls_cache_get(rd, name, out);
	if (s == LS_NOTFOUND) {
		ls_fail(err, LS_UNAVAILABLE, "epoch_not_assigned", NULL,
		        "epoch %llu has no leads assigned yet; the prefetch job assigns them",
		        (unsigned long long)epoch);
		err->retry_after = rd->st->cfg.block_seconds;
		return LS_UNAVAILABLE;
	}
	return s == LS_OK ? LS_OK : ls_fail(err, s, "store_error", NULL, "the epoch could not be read");
}

ls_status ls_epoch_published(ls_reader *rd, uint64_t epoch, const char *what,
                             struct ls_body *out, ls_err *err)
{
	char name[40];
	struct ls_epoch_windows w;
	struct ls_schedule sched;
	ls_epoch_cache_name(name, what, epoch);
	ls_status s = ls_cache_get(rd, name, out);
	if (s == LS_OK)
		return LS_OK;
	if (s != LS_NOTFOUND)
		return ls_fail(err, s, "store_error", NULL, "the epoch could not be read");
	if (ls_schedule_read(rd->st, rd->txn, &sched) != LS_OK)
		return ls_fail(err, LS_NOTFOUND, "epoch_not_closed", NULL,
		               "epoch %llu's %s exist once it is closed", (unsigned long long)epoch,
		               what);
	ls_epoch_windows(&rd->st->cfg, &sched, epoch, &w);
	ls_fail(err, LS_NOTFOUND, "epoch_not_closed", NULL,
	        "epoch %llu's %s exist once it is closed, from block %llu",
	        (unsigned long long)epoch, what, (unsigned long long)w.close_block);
	err->block = w.close_block;
	return LS_NOTFOUND;
}

/* The newest closed epoch, 0 when none (epoch 0 is never closed: the
 * chain's clock starts past it). */
uint64_t ls_last_closed_epoch(ls_store *st, MDB_txn *txn)
{
	MDB_cursor *cur;
	MDB_val k, v;
	uint64_t found = 0;
	if (mdb_cursor_open(txn, st->dbi[DB_EPOCHS], &cur) != 0)
		return 0;
	for (int rc = mdb_cursor_get(cur, &k, &v, MDB_LAST); rc == 0 && found == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_PREV)) {
		struct epoch_rec ep;
		if (k.mv_size == 8 && v.mv_size == sizeof ep) {
			memcpy(&ep, v.mv_data, sizeof ep);
			if (ep.state != EPOCH_ASSIGNED)
				found = ls_from_be64(k.mv_data);
		}
	}
	mdb_cursor_close(cur);
	return found;
}

/* The last key of a database keyed by a be64 epoch, 0 for none. */
static uint64_t last_epoch_key(ls_store *st, MDB_txn *txn, enum ls_db db)
{
	MDB_cursor *cur;
	MDB_val k, v;
	uint64_t epoch = 0;
	if (mdb_cursor_open(txn, st->dbi[db], &cur) != 0)
		return 0;
	if (mdb_cursor_get(cur, &k, &v, MDB_LAST) == 0 && k.mv_size == 8)
		epoch = ls_from_be64(k.mv_data);
	mdb_cursor_close(cur);
	return epoch;
}

void ls_epoch_state_get(ls_reader *rd, int64_t now, struct ls_epoch_state *out)
{
	struct ls_clock c;
	memset(out, 0, sizeof *out);
	if (ls_clock_now(rd->st, rd->txn, now, &c) == LS_OK) {
		out->anchored = true;
		out->block = c.block;
		out->epoch = c.epoch;
	}
	out->last_assigned = last_epoch_key(rd->st, rd->txn, DB_EPOCHS);
	out->last_closed = ls_last_closed_epoch(rd->st, rd->txn);
	out->last_bundled = last_epoch_key(rd->st, rd->txn, DB_BUNDLES);
}
