/* leads.c — lead intake (SPEC §4, §5 POST /v1/leads): validation first,
 * then one write transaction for rate limits, dedup, the queue and the
 * LEAD_SUBMITTED log entries; and a miner's view of its own lead. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>
#include "internal.h"

/* Per-miner counters: by UTC day, by epoch, and the last request. */
enum counter_kind { COUNT_DAY = 'd', COUNT_EPOCH = 'e', COUNT_LAST = 'l' };
struct counter_rec {
	uint8_t fmt, pad[3];
	uint32_t submissions, denials;
	int64_t last_request;
};

enum dedup_kind { DEDUP_EMAIL = 'e', DEDUP_LINKEDIN = 'l' };

ls_status ls_lead_read(ls_store *st, MDB_txn *txn, const uint8_t id[16], struct lead_rec *rec,
                       const char **json, size_t *json_len)
{
	MDB_val v;
	int rc = ls_get(st, txn, DB_LEADS, id, 16, &v);
	if (rc)
		return ls_mdb_status(rc);
	if (v.mv_size < sizeof *rec || ((uint8_t *)v.mv_data)[0] != LS_FMT1)
		return LS_ERROR;
	memcpy(rec, v.mv_data, sizeof *rec);
	if (json) {
		*json = (const char *)v.mv_data + sizeof *rec;
		*json_len = v.mv_size - sizeof *rec;
	}
	return LS_OK;
}

ls_status lt_lead_update(struct ls_txn *t, const uint8_t id[16], const struct lead_rec *rec)
{
	MDB_val key = {16, (void *)id}, v;
	int rc = mdb_get(t->txn, t->st->dbi[DB_LEADS], &key, &v);
	if (rc || v.mv_size < sizeof *rec)
		return rc ? lt_fail_mdb(t, rc, "read a lead") : LS_ERROR;
	/* copy the value out of the map: mdb_put may reuse the page that a
	 * pointer into the map would read from */
	uint8_t *copy = malloc(v.mv_size);
	if (copy == NULL)
		return ls_fail(t->err, LS_ERROR, "oom", NULL, "out of memory");
	memcpy(copy, v.mv_data, v.mv_size);
	memcpy(copy, rec, sizeof *rec);
	ls_status s = lt_put(t, DB_LEADS, id, 16, copy, v.mv_size, 0);
	free(copy);
	return s;
}

const char *ls_lead_state_name(int state)
{
	switch (state) {
	case LS_LEAD_PENDING: return "pending";
	case LS_LEAD_ASSIGNED: return "assigned";
	case LS_LEAD_APPROVED: return "approved";
	case LS_LEAD_DENIED: return "denied";
	case LS_LEAD_WITHDRAWN: return "withdrawn";
	default: return "unknown";
	}
}

struct prepared_lead {
	uint8_t id[16];
	struct ls_lead_keys keys;
	uint8_t content_hash[32];
	char *canonical;
};

struct submit_ctx {
	const struct ls_identity *miner;
	int64_t now;
	size_t n;
	struct prepared_lead *leads;
	struct ls_submit_result *results;
};

static void counter_key(const uint8_t miner[32], enum counter_kind kind, uint64_t n,
                        uint8_t key[41])
{
	memcpy(key, miner, 32);
	key[32] = (uint8_t)kind;
	ls_be64(n, key + 33);
}

static ls_status counter_get(struct ls_txn *t, const uint8_t key[41], struct counter_rec *out)
{
	MDB_val v;
	memset(out, 0, sizeof *out);
	out->fmt = LS_FMT1;
	ls_status s = lt_get(t, DB_COUNTERS, key, 41, &v);
	if (s == LS_OK && v.mv_size == sizeof *out)
		memcpy(out, v.mv_data, sizeof *out);
	return s == LS_NOTFOUND ? LS_OK : s;
}

static ls_status limited(ls_err *err, long retry_after, const char *code, const char *fmt,
                         unsigned limit)
{
	ls_fail(err, LS_RATE_LIMITED, code, NULL, fmt, limit);
	if (err)
		err->retry_after = retry_after > 0 ? retry_after : 1;
	return LS_RATE_LIMITED;
}

ls_status lt_miner_denials_add(struct ls_txn *t, const uint8_t miner[32], int64_t now,
                               uint32_t n)
{
	uint8_t key[41];
	struct counter_rec day;
	counter_key(miner, COUNT_DAY, (uint64_t)(now / 86400), key);
	ls_status s = counter_get(t, key, &day);
	if (s != LS_OK)
		return s;
	day.denials += n;
	return lt_put(t, DB_COUNTERS, key, 41, &day, sizeof day, 0);
}

/* A miner's three counters, read and checked before a submission and
 * written after it. */
struct miner_counters {
	uint8_t key_last[41], key_day[41], key_epoch[41];
	struct counter_rec last, day, epoch;
};

/* SPEC §4 rate limits, checked in the submission's own transaction so
 * that concurrent workers cannot exceed them.  The whole batch must fit. */
static ls_status rate_check(struct ls_txn *t, struct submit_ctx *c, uint64_t epoch,
                            const struct ls_epoch_windows *w, const struct ls_clock *clk,
                            struct miner_counters *m)
{
	const struct ls_config *cfg = &t->st->cfg;
	uint64_t today = (uint64_t)(c->now / 86400);
	counter_key(c->miner->hotkey, COUNT_LAST, 0, m->key_last);
	counter_key(c->miner->hotkey, COUNT_DAY, today, m->key_day);
	counter_key(c->miner->hotkey, COUNT_EPOCH, epoch, m->key_epoch);
	ls_status s;
	if ((s = counter_get(t, m->key_last, &m->last)) || (s = counter_get(t, m->key_day, &m->day)) ||
	    (s = counter_get(t, m->key_epoch, &m->epoch)))
		return s;
	int64_t since = c->now - m->last.last_request;
	if (m->last.last_request && since < (int64_t)cfg->submit_cooldown)
		return limited(t->err, (long)(cfg->submit_cooldown - since), "cooldown",
		               "wait %u seconds between submissions", cfg->submit_cooldown);
	long to_midnight = (long)((int64_t)(today + 1) * 86400 - c->now);
	if (m->day.submissions + c->n > cfg->rate_submissions_per_day)
		return limited(t->err, to_midnight, "daily_submission_limit",
		               "at most %u leads per miner per UTC day", cfg->rate_submissions_per_day);
	if (m->day.denials >= cfg->rate_denials_per_day)
		return limited(t->err, to_midnight, "daily_denial_limit",
		               "%u denied leads today: submissions resume at 00:00 UTC",
		               cfg->rate_denials_per_day);
	if (m->epoch.submissions + c->n > cfg->rate_submissions_per_epoch)
		return limited(t->err, (long)ls_block_time(cfg, clk, w->prefetch.last_block + 1) - c->now,
		               "epoch_submission_limit", "at most %u leads per miner per epoch",
		               cfg->rate_submissions_per_epoch);
	return LS_OK;
}

/* Counts a batch's leads and starts the cooldown. */
static ls_status rate_count(struct ls_txn *t, struct submit_ctx *c, struct miner_counters *m,
                            uint32_t accepted)
{
	m->last.last_request = c->now;
	m->day.submissions += accepted;
	m->epoch.submissions += accepted;
	ls_status s;
	if ((s = lt_put(t, DB_COUNTERS, m->key_last, 41, &m->last, sizeof m->last, 0)) ||
	    (s = lt_put(t, DB_COUNTERS, m->key_day, 41, &m->day, sizeof m->day, 0)))
		return s;
	return lt_put(t, DB_COUNTERS, m->key_epoch, 41, &m->epoch, sizeof m->epoch, 0);
}

/* LS_OK when no live lead holds the key; LS_CONFLICT naming the holder. */
static ls_status dedup_check(struct ls_txn *t, enum dedup_kind kind, const uint8_t hash[32],
                             ls_err *err)
{
	uint8_t key[33];
	MDB_val v, lv;
	key[0] = (uint8_t)kind;
	memcpy(key + 1, hash, 32);
	ls_status s = lt_get(t, DB_DEDUP, key, sizeof key, &v);
	if (s == LS_NOTFOUND)
		return LS_OK;
	if (s != LS_OK || v.mv_size != 16)
		return s == LS_OK ? LS_ERROR : s;
	uint8_t holder[16];
	memcpy(holder, v.mv_data, 16);
	struct lead_rec rec;
	s = lt_get(t, DB_LEADS, holder, 16, &lv);
	if (s == LS_NOTFOUND)
		return LS_OK;
	if (s != LS_OK || lv.mv_size < sizeof rec)
		return s == LS_OK ? LS_ERROR : s;
	memcpy(&rec, lv.mv_data, sizeof rec);
	if (rec.state == LS_LEAD_DENIED || rec.state == LS_LEAD_WITHDRAWN)
		return LS_OK;  /* SPEC §4: a denied (or withdrawn) lead may be submitted again */
	/* which lead holds it, and in what state, is not the caller's to
	 * learn: that would make intake an oracle of who is in the queue */
	return ls_fail(err, LS_CONFLICT,
	               kind == DEDUP_EMAIL ? "duplicate_email" : "duplicate_linkedin",
	               kind == DEDUP_EMAIL ? "email" : "linkedin",
	               "%s is already in a lead that is pending, being validated or approved",
	               kind == DEDUP_EMAIL ? "this email" : "this person at this company");
}

static ls_status queue_lead(struct ls_txn *t, struct submit_ctx *c, struct prepared_lead *p,
                            uint64_t epoch)
{
	size_t jl = strlen(p->canonical);
	struct lead_rec rec = {.fmt = LS_FMT1, .state = LS_LEAD_PENDING,
	                       .submitted_at = c->now};
	memcpy(rec.miner, c->miner->hotkey, 32);
	memcpy(rec.content_hash, p->content_hash, 32);
	MDB_val key = {16, p->id}, val = {sizeof rec + jl, NULL};
	int rc = mdb_put(t->txn, t->st->dbi[DB_LEADS], &key, &val, MDB_RESERVE | MDB_NOOVERWRITE);
	if (rc)
		return lt_fail_mdb(t, rc, "store a lead");
	memcpy(val.mv_data, &rec, sizeof rec);
	memcpy((uint8_t *)val.mv_data + sizeof rec, p->canonical, jl);
	uint8_t fmt = LS_FMT1, k[33];
	ls_status s = lt_put(t, DB_PENDING, p->id, 16, &fmt, 1, MDB_NOOVERWRITE);
	const uint8_t *hashes[2] = {p->keys.email, p->keys.linkedin};
	const enum dedup_kind kinds[2] = {DEDUP_EMAIL, DEDUP_LINKEDIN};
	for (int i = 0; s == LS_OK && i < 2; i++) {
		k[0] = (uint8_t)kinds[i];
		memcpy(k + 1, hashes[i], 32);
		s = lt_put(t, DB_DEDUP, k, sizeof k, p->id, 16, 0);
	}
	if (s != LS_OK)
		return s;
	char idtext[37], hex[65];
	ls_uuid_format(p->id, idtext);
	ls_hex(p->content_hash, 32, hex);
	json_t *payload = json_pack("{s:s, s:s, s:s}", "lead_id", idtext, "miner",
	                            c->miner->ss58, "content_hash", hex);
	s = ls_log_append(t, epoch, "LEAD_SUBMITTED", payload, NULL);
	json_decref(payload);
	return s;
}

static ls_status submit_write(struct ls_txn *t, void *vctx)
{
	struct submit_ctx *c = vctx;
	struct ls_clock clk;
	struct ls_epoch_windows w;
	ls_status s = ls_clock_required(t->st, t->txn, c->now, &clk, t->err);
	if (s != LS_OK)
		return s;
	ls_epoch_windows(&t->st->cfg, &clk.sched, clk.epoch, &w);
	struct miner_counters m;
	if ((s = rate_check(t, c, clk.epoch, &w, &clk, &m)) != LS_OK)
		return s;
	uint32_t accepted = 0;
	for (size_t i = 0; i < c->n; i++) {
		struct prepared_lead *p = &c->leads[i];
		struct ls_submit_result *r = &c->results[i];
		memset(r, 0, sizeof *r);
		memcpy(r->lead_id, p->id, 16);
		s = dedup_check(t, DEDUP_EMAIL, p->keys.email, &r->err);
		if (s == LS_OK)
			s = dedup_check(t, DEDUP_LINKEDIN, p->keys.linkedin, &r->err);
		if (s == LS_CONFLICT)
			continue;  /* this lead is refused; the others go on */
		if (s == LS_OK)
			s = queue_lead(t, c, p, clk.epoch);
		if (s != LS_OK)
			return s;
		accepted++;
	}
	/* every lead of the batch counts, duplicates too, and the cooldown
	 * starts: probing for duplicates costs what submitting does */
	s = rate_count(t, c, &m, (uint32_t)c->n);
	return s == LS_OK && accepted > 0
	       ? lt_participant_add(t, c->miner->hotkey, clk.epoch, PART_SUBMITTED, accepted) : s;
}

int64_t ls_id_millis(int64_t now)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec == now ? now * 1000 + ts.tv_nsec / 1000000 : now * 1000;
}

ls_status ls_lead_prepare(const struct ls_config *cfg, json_t *lead, const char *miner_ss58,
                          const char *prefix, char **canonical, uint8_t content_hash[32],
                          struct ls_lead_keys *keys, ls_err *err)
{
	json_t *norm;
	*canonical = NULL;
	ls_status s = ls_lead_validate(cfg, lead, miner_ss58, prefix, &norm, keys, err);
	if (s != LS_OK)
		return s;
	*canonical = ls_json_canonical(norm);
	json_decref(norm);
	if (*canonical == NULL)
		return ls_fail(err, LS_ERROR, "oom", NULL, "out of memory");
	crypto_hash_sha256(content_hash, (const uint8_t *)*canonical, strlen(*canonical));
	return LS_OK;
}

static ls_status prepare(ls_store *st, const struct ls_identity *miner, json_t *leads,
                         int64_t now, struct prepared_lead *out, ls_err *err)
{
	for (size_t i = 0; i < json_array_size(leads); i++) {
		char prefix[32];
		snprintf(prefix, sizeof prefix, "leads[%zu].", i);
		ls_status s = ls_lead_prepare(&st->cfg, json_array_get(leads, i), miner->ss58, prefix,
		                              &out[i].canonical, out[i].content_hash, &out[i].keys, err);
		if (s != LS_OK)
			return s;
		ls_uuid7(ls_id_millis(now), out[i].id);
	}
	return LS_OK;
}

ls_status ls_leads_batch_check(const struct ls_config *cfg, json_t *leads, ls_err *err)
{
	size_t n = json_array_size(leads);
	if (!json_is_array(leads) || n < 1 || n > cfg->max_leads_per_request)
		return ls_fail(err, LS_INVALID, "bad_batch", "leads",
		               "leads must be an array of 1 to %u lead objects", cfg->max_leads_per_request);
	return LS_OK;
}

ls_status ls_leads_submit(ls_store *st, const struct ls_identity *miner, json_t *leads,
                          int64_t now, struct ls_submit_result *results, ls_err *err)
{
	if (!miner->registered)
		return ls_fail(err, LS_FORBIDDEN, "not_registered", NULL,
		               "hotkey %s is not registered in the metagraph", miner->ss58);
	size_t n = json_array_size(leads);
	ls_status s = ls_leads_batch_check(&st->cfg, leads, err);
	if (s != LS_OK)
		return s;
	struct prepared_lead *prepared = calloc(n, sizeof *prepared);
	if (prepared == NULL)
		return ls_fail(err, LS_ERROR, "oom", NULL, "out of memory");
	s = prepare(st, miner, leads, now, prepared, err);
	if (s == LS_OK) {
		struct submit_ctx c = {miner, now, n, prepared, results};
		s = ls_write(st, submit_write, &c, err);
	}
	for (size_t i = 0; i < n; i++)
		free(prepared[i].canonical);
	free(prepared);
	return s;
}

ls_status ls_lead_get(ls_reader *rd, const uint8_t id[16], const uint8_t requester[32],
                      struct ls_lead_view *out, ls_err *err)
{
	MDB_val v;
	struct lead_rec rec;
	int rc = ls_get(rd->st, rd->txn, DB_LEADS, id, 16, &v);
	if (rc == MDB_NOTFOUND)
		return ls_fail(err, LS_NOTFOUND, "no_such_lead", NULL, "no lead has this id");
	if (rc || v.mv_size < sizeof rec)
		return ls_fail(err, LS_ERROR, "store_error", NULL, "the lead could not be read");
	memcpy(&rec, v.mv_data, sizeof rec);
	if (sodium_memcmp(rec.miner, requester, 32) != 0)
		return ls_fail(err, LS_FORBIDDEN, "not_your_lead", NULL,
		               "only the miner who submitted a lead may read it");
	memset(out, 0, sizeof *out);
	memcpy(out->lead_id, id, 16);
	out->state = rec.state;
	memcpy(out->miner, rec.miner, 32);
	out->submitted_at = rec.submitted_at;
	out->epoch = rec.epoch;
	memcpy(out->content_hash, rec.content_hash, 32);
	out->score_e4 = rec.score_e4;
	memcpy(out->reason, rec.reason, sizeof out->reason);
	out->reason[sizeof out->reason - 1] = '\0';
	return LS_OK;
}

/* ---- leads of miners who left the metagraph ----------------------------- */

/* One pending lead whose miner is gone: off the queue, withdrawn, logged.
 * A lead some validator has pulled (first-three mode) is being validated
 * and stays. */
static ls_status withdraw_one(struct ls_txn *t, uint64_t epoch, const uint8_t id[16],
                              size_t *count)
{
	struct lead_rec rec;
	MDB_val v;
	char idtext[37], miner[LS_SS58_MAX];
	ls_status s = ls_lead_read(t->st, t->txn, id, &rec, NULL, NULL);
	if (s != LS_OK)
		return s == LS_NOTFOUND ? LS_OK : s;
	if (rec.state != LS_LEAD_PENDING || lt_get(t, DB_NEURONS, rec.miner, 32, &v) == LS_OK ||
	    lt_get(t, DB_PULLS, id, 16, &v) == LS_OK)
		return LS_OK;
	rec.state = LS_LEAD_WITHDRAWN;
	memset(rec.reason, 0, sizeof rec.reason);
	snprintf(rec.reason, sizeof rec.reason, "miner_deregistered");
	if ((s = lt_lead_update(t, id, &rec)) != LS_OK || (s = lt_del(t, DB_PENDING, id, 16)) != LS_OK)
		return s;
	ls_uuid_format(id, idtext);
	if (ls_ss58_encode(rec.miner, t->st->cfg.ss58_prefix, miner) != LS_OK)
		miner[0] = '\0';
	json_t *p = json_pack("{s:s, s:s, s:s}", "lead_id", idtext, "miner", miner, "reason",
	                      "miner_deregistered");
	s = p ? ls_log_append(t, epoch, "LEAD_WITHDRAWN", p, NULL)
	      : ls_fail(t->err, LS_ERROR, "oom", NULL, "out of memory");
	json_decref(p);
	*count += s == LS_OK;
	return s;
}

ls_status lt_leads_withdraw_deregistered(struct ls_txn *t, uint64_t epoch, size_t *count)
{
	MDB_cursor *cur;
	MDB_val k, v;
	uint8_t (*ids)[16] = NULL;
	size_t n = 0, cap = 0;
	*count = 0;
	int rc = mdb_cursor_open(t->txn, t->st->dbi[DB_PENDING], &cur);
	if (rc)
		return lt_fail_mdb(t, rc, "open the queue");
	/* the ids first: the queue changes under a cursor as leads leave it */
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != 16)
			continue;
		if (n == cap) {
			uint8_t (*grown)[16] = realloc(ids, (cap = cap ? 2 * cap : 64) * sizeof *ids);
			if (grown == NULL)
				break;
			ids = grown;
		}
		memcpy(ids[n++], k.mv_data, 16);
	}
	mdb_cursor_close(cur);
	ls_status s = rc == MDB_NOTFOUND ? LS_OK : ls_fail(t->err, LS_ERROR, "store_error", NULL,
	                                                    "the queue could not be read");
	for (size_t i = 0; s == LS_OK && i < n; i++)
		s = withdraw_one(t, epoch, ids[i], count);
	free(ids);
	return s;
}
