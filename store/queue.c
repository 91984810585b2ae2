/*
 * queue.c — the first-three-validators mode (SPEC §6, consensus_mode =
 * first3): a validator pulls the oldest pending leads it has not pulled
 * and fewer than three validators have; each of them votes once; the third
 * vote decides the lead in the same write transaction (approved when at
 * least two said valid, score = the mean).  A pull whose vote does not
 * come within pull_timeout is dropped, counted against the validator, and
 * the lead is pullable again by others, the miss counted in the epoch of
 * its deadline (or, when that epoch is closed already, of the sweep that
 * found it).  Decisions are kept by the epoch of the deciding vote, for
 * leadgate-close.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "tally.h"

#define PULL_LIMIT_MAX 100
#define SWEEP_MAX 64     /* expired pulls dropped per write, at most */
#define PULL_WALK_MAX 200000  /* queue entries one pull looks at, at most */

ls_status ls_mode_require(const ls_store *st, unsigned mode, ls_err *err)
{
	if (st->cfg.consensus_mode == mode)
		return LS_OK;
	if (mode == LS_MODE_FIRST3)
		return ls_fail(err, LS_CONFLICT, "wrong_consensus_mode", NULL,
		               "this gateway runs consensus_mode = epoch: validators fetch, commit "
		               "and reveal per epoch (/v1/epoch/{E}/...)");
	return ls_fail(err, LS_CONFLICT, "wrong_consensus_mode", NULL,
	               "this gateway runs consensus_mode = first3: validators pull leads and vote "
	               "(/v1/queue/pull, /v1/queue/votes)");
}

/* The chain's epoch now: what pulls, votes and decisions are filed under
 * (503 clock_not_anchored before the first sync). */
static ls_status epoch_now(struct ls_txn *t, int64_t now, uint64_t *epoch)
{
	struct ls_clock c;
	ls_status s = ls_clock_required(t->st, t->txn, now, &c, t->err);
	*epoch = c.epoch;
	return s;
}

/* The lead's pulls; an empty record when it has none. */
static ls_status pulls_get(struct ls_txn *t, const uint8_t id[16], struct pull_rec *r)
{
	MDB_val v;
	memset(r, 0, sizeof *r);
	r->fmt = LS_FMT1;
	ls_status s = lt_get(t, DB_PULLS, id, 16, &v);
	if (s == LS_OK && v.mv_size == sizeof *r)
		memcpy(r, v.mv_data, sizeof *r);
	if (s == LS_OK && (v.mv_size != sizeof *r || r->n > FIRST3_PULLS || r->nbarred > FIRST3_BARRED))
		s = ls_fail(t->err, LS_ERROR, "store_error", NULL, "a pull record is damaged");
	return s;
}

static int slot_of(const struct pull_rec *r, const uint8_t hotkey[32])
{
	for (int i = 0; i < r->n && i < FIRST3_PULLS; i++)
		if (memcmp(r->slot[i].hotkey, hotkey, 32) == 0)
			return i;
	return -1;
}

static bool barred(const struct pull_rec *r, const uint8_t hotkey[32])
{
	for (int i = 0; i < r->nbarred && i < FIRST3_BARRED; i++)
		if (memcmp(r->barred[i], hotkey, 32) == 0)
			return true;
	return false;
}

/* The lead goes back to the queue for others: this validator may not
 * pull it again (the oldest of more than FIRST3_BARRED is forgotten). */
static void bar(struct pull_rec *r, const uint8_t hotkey[32])
{
	if (r->nbarred == FIRST3_BARRED) {
		memmove(r->barred[0], r->barred[1], sizeof r->barred - sizeof r->barred[0]);
		r->nbarred--;
	}
	memcpy(r->barred[r->nbarred++], hotkey, 32);
}

static void deadline_key(int64_t deadline, const uint8_t id[16], const uint8_t hotkey[32],
                         uint8_t key[56])
{
	ls_be64((uint64_t)deadline, key);
	memcpy(key + 8, id, 16);
	memcpy(key + 24, hotkey, 32);
}

static ls_status lead_state(struct ls_txn *t, const uint8_t id[16], int state, uint64_t epoch)
{
	struct lead_rec rec;
	ls_status s = ls_lead_read(t->st, t->txn, id, &rec, NULL, NULL);
	if (s != LS_OK)
		return s == LS_NOTFOUND ? ls_fail(t->err, LS_ERROR, "store_error", NULL,
		                                  "a queued lead is missing") : s;
	rec.state = (uint8_t)state;
	if (epoch)
		rec.epoch = epoch;
	return lt_lead_update(t, id, &rec);
}

static ls_status epoch_counts(struct ls_txn *t, uint64_t epoch, bool decided);

/* ---- expired pulls ------------------------------------------------------ */

static ls_status miss_count(struct ls_txn *t, uint64_t epoch, const uint8_t hotkey[32])
{
	uint8_t key[40], val[5] = {LS_FMT1};
	uint32_t n = 0;
	MDB_val v;
	ls_be64(epoch, key);
	memcpy(key + 8, hotkey, 32);
	ls_status s = lt_get(t, DB_PULL_MISSES, key, sizeof key, &v);
	if (s == LS_OK && v.mv_size == sizeof val)
		memcpy(&n, (uint8_t *)v.mv_data + 1, 4);
	else if (s != LS_NOTFOUND && s != LS_OK)
		return s;
	n++;
	memcpy(val + 1, &n, 4);
	s = lt_put(t, DB_PULL_MISSES, key, sizeof key, val, sizeof val, 0);
	if (s == LS_OK)
		s = lt_participant_add(t, hotkey, epoch, PART_PULLS_EXPIRED, 1);
	/* an epoch with misses is closed and pruned like one with votes */
	return s == LS_OK ? epoch_counts(t, epoch, false) : s;
}

/* Drop one validator's unvoted pull of a lead; a lead that had three
 * pulls is pending again. */
static ls_status drop_pull(struct ls_txn *t, const uint8_t id[16], const uint8_t hotkey[32],
                           uint64_t epoch)
{
	struct pull_rec r;
	ls_status s = pulls_get(t, id, &r);
	int i = s == LS_OK ? slot_of(&r, hotkey) : -1;
	if (s != LS_OK || i < 0 || r.slot[i].voted)
		return s == LS_NOTFOUND ? LS_OK : s;  /* voted or decided meanwhile */
	bool was_full = r.n == FIRST3_PULLS;
	memmove(&r.slot[i], &r.slot[i + 1], (size_t)(r.n - i - 1) * sizeof r.slot[0]);
	r.n--;
	memset(&r.slot[r.n], 0, sizeof r.slot[0]);
	bar(&r, hotkey);
	uint8_t fmt = LS_FMT1;
	s = lt_put(t, DB_PULLS, id, 16, &r, sizeof r, 0);
	if (s == LS_OK && was_full && (s = lt_put(t, DB_PENDING, id, 16, &fmt, 1, 0)) == LS_OK)
		s = lead_state(t, id, LS_LEAD_PENDING, 0);
	if (s == LS_OK)
		s = miss_count(t, epoch, hotkey);
	char lead[37], who[LS_SS58_MAX];
	ls_uuid_format(id, lead);
	if (s == LS_OK && ls_ss58_encode(hotkey, t->st->cfg.ss58_prefix, who) == LS_OK) {
		json_t *payload = json_pack("{s:s, s:s}", "lead_id", lead, "validator", who);
		s = ls_log_append(t, epoch, "PULL_EXPIRED", payload, NULL);
		json_decref(payload);
	}
	return s;
}

/* The epoch a pull's deadline fell in: its miss belongs there, however
 * late a sweep finds it, unless that epoch is closed already (its
 * statistics are published): then the sweep's own epoch. */
static uint64_t deadline_epoch(struct ls_txn *t, uint64_t deadline, uint64_t sweep_epoch)
{
	struct ls_clock c;
	struct epoch_rec ep;
	if (ls_clock_now(t->st, t->txn, (int64_t)deadline, &c) != LS_OK)
		return sweep_epoch;
	ls_status s = ls_epoch_read(t->st, t->txn, c.epoch, &ep);
	return s == LS_NOTFOUND || (s == LS_OK && ep.state == EPOCH_ASSIGNED) ? c.epoch : sweep_epoch;
}

/* Pulls whose deadline has passed, oldest first, a bounded number. */
static ls_status sweep_expired(struct ls_txn *t, int64_t now, uint64_t epoch)
{
	ls_status s = LS_OK;
	for (int n = 0; s == LS_OK && n < SWEEP_MAX; n++) {
		MDB_cursor *cur;
		MDB_val k, v;
		uint8_t key[56];
		int rc = mdb_cursor_open(t->txn, t->st->dbi[DB_PULL_DEADLINES], &cur);
		if (rc)
			return lt_fail_mdb(t, rc, "open a cursor");
		rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
		bool due = rc == 0 && k.mv_size == sizeof key &&
		           (int64_t)ls_from_be64(k.mv_data) <= now;
		if (due)
			memcpy(key, k.mv_data, sizeof key);
		mdb_cursor_close(cur);
		if (!due)
			break;
		s = lt_del(t, DB_PULL_DEADLINES, key, sizeof key);
		if (s == LS_OK)
			s = drop_pull(t, key + 8, key + 24, deadline_epoch(t, ls_from_be64(key), epoch));
	}
	return s;
}

/* ---- pulling --------------------------------------------------------------- */

struct pull_ctx {
	const struct ls_identity *v;
	unsigned limit;
	int64_t now;
	json_t *leads;   /* the answer's list, rebuilt by every attempt */
};

/* Take lead id for the validator if it may: adds the pull and, with the
 * third, takes the lead off the queue (the cursor sits on it).  *own: the
 * validator holds a pull of it, is barred from it, or submitted it. */
static ls_status pull_one(struct ls_txn *t, struct pull_ctx *c, MDB_cursor *pending,
                          const uint8_t id[16], uint64_t epoch, bool *taken, bool *own)
{
	struct pull_rec r;
	uint8_t dkey[56], fmt = LS_FMT1;
	*taken = false;
	ls_status s = pulls_get(t, id, &r);
	if (s == LS_NOTFOUND)
		s = LS_OK;
	*own = s == LS_OK && (slot_of(&r, c->v->hotkey) >= 0 || barred(&r, c->v->hotkey));
	if (s != LS_OK || *own || r.n >= FIRST3_PULLS)
		return s;
	struct lead_rec lead;  /* a lead it submitted is not its to judge */
	if (ls_lead_read(t->st, t->txn, id, &lead, NULL, NULL) != LS_OK)
		return ls_fail(t->err, LS_ERROR, "store_error", NULL, "a queued lead could not be read");
	if ((*own = memcmp(lead.miner, c->v->hotkey, 32) == 0))
		return LS_OK;
	struct pull_slot *slot = &r.slot[r.n++];
	memcpy(slot->hotkey, c->v->hotkey, 32);
	slot->deadline = c->now + (int64_t)t->st->cfg.pull_timeout;
	deadline_key(slot->deadline, id, c->v->hotkey, dkey);
	s = lt_put(t, DB_PULLS, id, 16, &r, sizeof r, 0);
	if (s == LS_OK)
		s = lt_put(t, DB_PULL_DEADLINES, dkey, sizeof dkey, &fmt, 1, 0);
	if (s == LS_OK && r.n == FIRST3_PULLS) {
		int rc = mdb_cursor_del(pending, 0);
		s = rc ? lt_fail_mdb(t, rc, "take a lead off the queue")
		       : lead_state(t, id, LS_LEAD_ASSIGNED, epoch);
	}
	*taken = s == LS_OK;
	return s;
}

/* The lead as the validator receives it: its id and full contents. */
static ls_status pulled_json(struct ls_txn *t, const uint8_t id[16], json_t *list)
{
	struct lead_rec rec;
	const char *text;
	size_t len;
	char lead_id[37];
	ls_status s = ls_lead_read(t->st, t->txn, id, &rec, &text, &len);
	if (s != LS_OK)
		return s;
	ls_uuid_format(id, lead_id);
	json_t *lead = json_loadb(text, len, 0, NULL);
	if (lead == NULL)
		return ls_fail(t->err, LS_ERROR, "store_error", NULL, "a lead record is damaged");
	json_array_append_new(list, json_pack("{s:s, s:o}", "lead_id", lead_id, "lead", lead));
	return LS_OK;
}

static ls_status pull_log(struct ls_txn *t, struct pull_ctx *c, uint64_t epoch)
{
	json_t *ids = json_array(), *item;
	size_t i;
	json_array_foreach(c->leads, i, item)
		json_array_append(ids, json_object_get(item, "lead_id"));
	json_t *payload = json_pack("{s:s, s:o}", "validator", c->v->ss58, "lead_ids", ids);
	ls_status s = ls_log_append(t, epoch, "LEADS_PULLED", payload, NULL);
	json_decref(payload);
	return s;
}

static ls_status pull_write(struct ls_txn *t, void *vctx)
{
	struct pull_ctx *c = vctx;
	uint64_t epoch;
	json_array_clear(c->leads);
	ls_status s = epoch_now(t, c->now, &epoch);
	if (s == LS_OK)
		s = sweep_expired(t, c->now, epoch);
	MDB_cursor *pending;
	MDB_val k, v;
	int rc = s == LS_OK ? mdb_cursor_open(t->txn, t->st->dbi[DB_PENDING], &pending) : 0;
	if (rc)
		return lt_fail_mdb(t, rc, "open the queue");
	if (s != LS_OK)
		return s;
	/* The walk goes past every lead this validator holds or is barred
	 * from, however many (they wait for other validators at the front of
	 * the queue), so a pull is never empty while a lead is pullable for
	 * it; PULL_WALK_MAX bounds one transaction all the same. */
	unsigned examined = 0;
	for (rc = mdb_cursor_get(pending, &k, &v, MDB_FIRST);
	     s == LS_OK && rc == 0 && json_array_size(c->leads) < c->limit &&
	     examined++ < PULL_WALK_MAX;) {
		uint8_t id[16];
		bool taken, own;
		if (k.mv_size != 16) {
			rc = mdb_cursor_get(pending, &k, &v, MDB_NEXT);
			continue;
		}
		memcpy(id, k.mv_data, 16);
		s = pull_one(t, c, pending, id, epoch, &taken, &own);
		if (s == LS_OK && taken)
			s = pulled_json(t, id, c->leads);
		/* after mdb_cursor_del, MDB_NEXT gives the entry that followed */
		rc = mdb_cursor_get(pending, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(pending);
	if (s == LS_OK && rc != 0 && rc != MDB_NOTFOUND)
		return lt_fail_mdb(t, rc, "read the queue");
	if (s == LS_OK && json_array_size(c->leads) > 0)
		s = pull_log(t, c, epoch);
	return s;
}

ls_status ls_queue_pull(ls_store *st, const struct ls_identity *validator, json_t *body,
                        int64_t now, char **response, ls_err *err)
{
	json_int_t limit = 0;
	json_error_t je;
	ls_status s = ls_mode_require(st, LS_MODE_FIRST3, err);
	if (s == LS_OK)
		s = ls_require_validator(validator, err);
	if (s != LS_OK)
		return s;
	if (json_unpack_ex(body, &je, JSON_STRICT, "{s:I}", "limit", &limit) != 0 || limit < 1 ||
	    limit > PULL_LIMIT_MAX)
		return ls_fail(err, LS_INVALID, "bad_limit", "limit",
		               "the body must be {\"limit\": 1..%d}", PULL_LIMIT_MAX);
	struct pull_ctx c = {validator, (unsigned)limit, now, json_array()};
	s = ls_write(st, pull_write, &c, err);
	if (s == LS_OK) {
		json_t *answer = json_pack("{s:O, s:I, s:I}", "leads", c.leads, "deadline",
		                           (json_int_t)(now + st->cfg.pull_timeout), "pull_timeout",
		                           (json_int_t)st->cfg.pull_timeout);
		*response = answer ? json_dumps(answer, JSON_COMPACT) : NULL;
		json_decref(answer);
		if (*response == NULL)
			s = ls_fail(err, LS_ERROR, "oom", NULL, "out of memory");
	}
	json_decref(c.leads);
	return s;
}

/* ---- voting ------------------------------------------------------------- */

struct vote_ctx {
	const struct ls_identity *v;
	uint8_t id[16];
	bool valid;
	uint32_t score_e4;
	int64_t now;
	int votes, decision;   /* decision 0 until the third vote */
	uint32_t final_e4;
};

static ls_status vote_parse(json_t *body, struct vote_ctx *c, ls_err *err)
{
	const char *key;
	json_t *v, *id = json_object_get(body, "lead_id"), *valid = json_object_get(body, "is_valid");
	json_t *score = json_object_get(body, "score");
	if (!json_is_object(body))
		return ls_fail(err, LS_INVALID, "bad_body", NULL,
		               "the body must be {\"lead_id\", \"is_valid\", \"score\"}");
	json_object_foreach(body, key, v)
		if (strcmp(key, "lead_id") && strcmp(key, "is_valid") && strcmp(key, "score"))
			return ls_fail(err, LS_INVALID, "bad_body", key, "%s is not a member of a vote", key);
	if (!json_is_string(id) || ls_uuid_parse(json_string_value(id), c->id) != LS_OK)
		return ls_fail(err, LS_INVALID, "bad_lead_id", "lead_id", "lead_id is a UUID");
	if (!json_is_boolean(valid))
		return ls_fail(err, LS_INVALID, "bad_is_valid", "is_valid", "is_valid is true or false");
	if (!ls_json_score_e4(score, &c->score_e4))
		return ls_fail(err, LS_INVALID, "bad_score", "score",
		               "score is a number from 0 to 1 with at most 4 decimals");
	c->valid = json_is_true(valid);
	return LS_OK;
}

/* An epoch in which validators voted is open until leadgate-close closes
 * it (with the decisions made in it, maybe none), as an assigned epoch is
 * in the epoch mode; reveals counts its votes (one landing while close
 * reads makes close read again), leads its decisions. */
static ls_status epoch_counts(struct ls_txn *t, uint64_t epoch, bool decided)
{
	struct epoch_rec ep;
	struct ls_schedule sched;
	ls_status s = ls_epoch_read(t->st, t->txn, epoch, &ep);
	if (s == LS_NOTFOUND && (s = ls_schedule_read(t->st, t->txn, &sched)) == LS_OK)
		ep = (struct epoch_rec){.fmt = LS_FMT1, .state = EPOCH_ASSIGNED,
		                        .assigned_block = ls_epoch_start(&sched, epoch)};
	if (s != LS_OK)
		return s;
	if (ep.state != EPOCH_ASSIGNED)  /* closed already: only if the clock went back */
		return ls_fail(t->err, LS_CONFLICT, "epoch_closed", NULL,
		               "epoch %llu is closed already; the chain clock has moved back",
		               (unsigned long long)epoch);
	ep.leads += decided;
	ep.reveals++;
	return lt_epoch_write(t, epoch, &ep);
}

/* The third vote: the lead's decision, where the epoch mode puts its own
 * (lead record, approved table, denial count), kept for leadgate-close. */
static ls_status decide(struct ls_txn *t, struct vote_ctx *c, const struct pull_rec *r,
                        uint64_t epoch)
{
	struct lead_rec rec;
	struct first3_rec d = {.fmt = LS_FMT1};
	uint8_t key[24], approved[13] = {LS_FMT1};
	int valid = 0;
	uint32_t sum = 0;
	for (int i = 0; i < FIRST3_PULLS; i++) {
		valid += r->slot[i].valid;
		sum += r->slot[i].score_e4;
	}
	memcpy(d.vote, r->slot, sizeof d.vote);
	d.decision = valid >= 2 ? LS_VOTE_APPROVE : LS_VOTE_DENY;
	d.score_e4 = (sum + FIRST3_PULLS / 2) / FIRST3_PULLS;
	ls_status s = ls_lead_read(t->st, t->txn, c->id, &rec, NULL, NULL);
	if (s != LS_OK)
		return s == LS_NOTFOUND ? ls_fail(t->err, LS_ERROR, "store_error", NULL, "lead missing") : s;
	rec.state = d.decision == LS_VOTE_APPROVE ? LS_LEAD_APPROVED : LS_LEAD_DENIED;
	rec.score_e4 = d.score_e4;
	rec.epoch = epoch;
	memset(rec.reason, 0, sizeof rec.reason);
	strcpy(rec.reason, d.decision == LS_VOTE_APPROVE ? "pass" : "invalid");
	if (d.decision == LS_VOTE_APPROVE) {
		ls_be64(epoch, approved + 1);
		memcpy(approved + 9, &d.score_e4, 4);
		s = lt_put(t, DB_APPROVED, c->id, 16, approved, sizeof approved, 0);
	} else {
		s = lt_miner_denials_add(t, rec.miner, c->now, 1);
	}
	ls_be64(epoch, key);
	memcpy(key + 8, c->id, 16);
	if (s == LS_OK)
		s = lt_lead_update(t, c->id, &rec);
	if (s == LS_OK)
		s = lt_put(t, DB_FIRST3, key, sizeof key, &d, sizeof d, 0);
	if (s == LS_OK)
		s = lt_participant_add(t, rec.miner, epoch,
		                       d.decision == LS_VOTE_APPROVE ? PART_APPROVED : PART_DENIED, 1);
	if (s == LS_OK)
		s = lt_del(t, DB_PULLS, c->id, 16);
	char id[37], hash[65];
	ls_uuid_format(c->id, id);
	ls_hex(rec.content_hash, 32, hash);
	json_t *payload = json_pack("{s:s, s:s, s:s, s:I, s:s, s:I}", "lead_id", id, "content_hash",
	                            hash, "decision", d.decision == LS_VOTE_APPROVE ? "approve" : "deny",
	                            "score_e4", (json_int_t)d.score_e4, "reason", rec.reason, "votes",
	                            (json_int_t)FIRST3_PULLS);
	if (s == LS_OK)
		s = ls_log_append(t, epoch, "LEAD_DECIDED", payload, NULL);
	json_decref(payload);
	c->decision = d.decision;
	c->final_e4 = d.score_e4;
	return s;
}

static ls_status vote_write(struct ls_txn *t, void *vctx)
{
	struct vote_ctx *c = vctx;
	struct pull_rec r;
	uint8_t dkey[56];
	uint64_t epoch;
	c->decision = 0;
	ls_status s = epoch_now(t, c->now, &epoch);
	if (s != LS_OK)
		return s;
	struct lead_rec lead;  /* a lead it submitted (pulled before pulls skipped them) */
	if (ls_lead_read(t->st, t->txn, c->id, &lead, NULL, NULL) == LS_OK &&
	    (s = ls_refuse_self_dealing(c->v, lead.miner, "vote on a lead it submitted", t->err)) != LS_OK)
		return s;
	s = pulls_get(t, c->id, &r);
	int i = s == LS_OK ? slot_of(&r, c->v->hotkey) : -1;
	if (s == LS_NOTFOUND || (s == LS_OK && i < 0))
		return ls_fail(t->err, LS_FORBIDDEN, "not_pulled", "lead_id",
		               "this validator has no pull of this lead (never pulled, expired, or "
		               "the lead is decided)");
	if (s != LS_OK)
		return s;
	if (r.slot[i].voted)
		return ls_fail(t->err, LS_CONFLICT, "already_voted", "lead_id",
		               "this validator has already voted on this lead");

	if (r.slot[i].deadline <= c->now)  /* the next pull drops it: not counted */
		return ls_fail(t->err, LS_FORBIDDEN, "pull_expired", "lead_id",
		               "this pull expired after pull_timeout (%u s); the lead goes to others",
		               t->st->cfg.pull_timeout);
	deadline_key(r.slot[i].deadline, c->id, c->v->hotkey, dkey);
	r.slot[i].voted = 1;
	r.slot[i].valid = c->valid;
	r.slot[i].score_e4 = c->score_e4;
	c->votes = 0;
	for (int k = 0; k < r.n; k++)
		c->votes += r.slot[k].voted;
	char id[37];
	ls_uuid_format(c->id, id);
	json_t *payload = json_pack("{s:s, s:s, s:b, s:I}", "lead_id", id, "validator", c->v->ss58,
	                            "is_valid", c->valid, "score_e4", (json_int_t)c->score_e4);
	s = lt_del(t, DB_PULL_DEADLINES, dkey, sizeof dkey);
	if (s == LS_OK || s == LS_NOTFOUND)
		s = ls_log_append(t, epoch, "QUEUE_VOTE", payload, NULL);
	json_decref(payload);
	if (s == LS_OK)
		s = epoch_counts(t, epoch, c->votes == FIRST3_PULLS);
	if (s == LS_OK)
		s = lt_participant_add(t, c->v->hotkey, epoch, PART_VOTES, 1);
	if (s != LS_OK)
		return s;
	if (c->votes == FIRST3_PULLS)
		return decide(t, c, &r, epoch);
	return lt_put(t, DB_PULLS, c->id, 16, &r, sizeof r, 0);
}

ls_status ls_queue_vote(ls_store *st, const struct ls_identity *validator, json_t *body,
                        int64_t now, char **response, ls_err *err)
{
	struct vote_ctx c = {.v = validator, .now = now};
	ls_status s = ls_mode_require(st, LS_MODE_FIRST3, err);
	if (s == LS_OK)
		s = ls_require_validator(validator, err);
	if (s == LS_OK)
		s = vote_parse(body, &c, err);
	if (s == LS_OK)
		s = ls_write(st, vote_write, &c, err);
	if (s != LS_OK)
		return s;
	char id[37];
	ls_uuid_format(c.id, id);
	json_t *answer = json_pack("{s:s, s:i, s:b}", "lead_id", id, "votes", c.votes, "decided",
	                           c.decision != 0);
	if (c.decision)
		json_object_set_new(answer, "decision", json_pack("{s:s, s:f}", "verdict",
		                    c.decision == LS_VOTE_APPROVE ? "approve" : "deny", "score",
		                    c.final_e4 / 10000.0));
	*response = json_dumps(answer, JSON_COMPACT);
	json_decref(answer);
	return *response ? LS_OK : ls_fail(err, LS_ERROR, "oom", NULL, "out of memory");
}

/* ---- closing a first3 epoch (leadgate-close) ------------------------------ */

/* One vote as the tally reads a reveal: hotkey[32], then the stored item
 * lead[16] ‖ decision ‖ score_e4 u16 ‖ reason[32]. */
#define VOTE_ROW (32 + REVEAL_STORED)

static int vote_row_cmp(const void *a, const void *b)
{
	return memcmp(a, b, 32 + 16);  /* by validator, then lead */
}

static void vote_row(uint8_t *row, const struct pull_slot *v, const uint8_t lead[16])
{
	uint16_t e4 = (uint16_t)v->score_e4;
	memset(row, 0, VOTE_ROW);
	memcpy(row, v->hotkey, 32);
	memcpy(row + 32, lead, 16);
	row[48] = v->valid ? LS_VOTE_APPROVE : LS_VOTE_DENY;
	memcpy(row + 49, &e4, 2);
	strcpy((char *)row + 51, v->valid ? "pass" : "invalid");
}

/* The decided leads of t->epoch, in id order. */
static ls_status first3_leads(ls_store *st, MDB_txn *txn, struct tally *t, uint8_t **rows,
                              size_t *nrows)
{
	uint8_t prefix[8];
	ls_be64(t->epoch, prefix);
	MDB_cursor *cur = NULL;
	MDB_val k = {8, prefix}, v;
	int rc = mdb_cursor_open(txn, st->dbi[DB_FIRST3], &cur);
	for (rc = rc ? rc : mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	     rc == 0 && k.mv_size == 24 && memcmp(k.mv_data, prefix, 8) == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		struct first3_rec d;
		uint8_t *grown = realloc(*rows, (*nrows + FIRST3_PULLS) * VOTE_ROW);
		if (grown)
			*rows = grown;
		struct tally_lead *l = grown && v.mv_size == sizeof d ? tally_add_lead(t) : NULL;
		if (l == NULL) {
			rc = v.mv_size == sizeof d ? ENOMEM : MDB_CORRUPTED;
			break;
		}
		memcpy(&d, v.mv_data, sizeof d);
		memcpy(l->id, (uint8_t *)k.mv_data + 8, 16);
		if (ls_lead_read(st, txn, l->id, &l->rec, NULL, NULL) != LS_OK) {
			rc = MDB_CORRUPTED;
			break;
		}
		l->decision = d.decision;
		l->score_e4 = (uint16_t)d.score_e4;
		l->reveals = FIRST3_PULLS;
		snprintf(l->reason, sizeof l->reason, "%s", d.decision == LS_VOTE_APPROVE ? "pass" : "invalid");
		for (int i = 0; i < FIRST3_PULLS; i++)
			vote_row(*rows + (*nrows)++ * VOTE_ROW, &d.vote[i], l->id);
	}
	if (cur)
		mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND || rc == 0 ? LS_OK : LS_ERROR;
}

/* The validators who let pulls expire in t->epoch: hotkey[32] ‖ u32
 * count rows in hotkey order (*rows new). */
#define MISS_ROW 36
static ls_status first3_misses(ls_store *st, MDB_txn *txn, uint64_t epoch, uint8_t **rows,
                               size_t *nrows)
{
	uint8_t prefix[8];
	ls_be64(epoch, prefix);
	MDB_cursor *cur = NULL;
	MDB_val k = {8, prefix}, v;
	int rc = mdb_cursor_open(txn, st->dbi[DB_PULL_MISSES], &cur);
	for (rc = rc ? rc : mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	     rc == 0 && k.mv_size == 40 && memcmp(k.mv_data, prefix, 8) == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		uint8_t *grown = v.mv_size == 5 ? realloc(*rows, (*nrows + 1) * MISS_ROW) : NULL;
		if (grown == NULL) {
			rc = v.mv_size == 5 ? ENOMEM : MDB_CORRUPTED;
			break;
		}
		*rows = grown;
		memcpy(grown + *nrows * MISS_ROW, (uint8_t *)k.mv_data + 8, 32);
		memcpy(grown + (*nrows)++ * MISS_ROW + 32, (uint8_t *)v.mv_data + 1, 4);
	}
	if (cur)
		mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND || rc == 0 ? LS_OK : LS_ERROR;
}

static struct tally_validator *first3_validator(struct tally *t, const uint8_t hotkey[32],
                                                const struct ls_metagraph *mg)
{
	struct tally_validator *tv = tally_add_validator(t);
	if (tv == NULL)
		return NULL;
	memcpy(tv->hotkey, hotkey, 32);
	const struct ls_neuron *nr = ls_metagraph_find(mg, hotkey);
	tv->uid = nr ? nr->uid : 0;
	tv->known = nr != NULL;
	tv->weight = nr ? ls_neuron_weight(nr) : 0;
	tv->counts = true;  /* first3 decides by votes, not by weight */
	return tv;
}

/* Validators who only missed, those before hotkey, or all that are left
 * when hotkey is NULL: the tally keeps its validators in key order. */
static ls_status first3_add_missers(struct tally *t, const struct ls_metagraph *mg,
                                    const uint8_t *misses, size_t nmisses, size_t *next,
                                    const uint8_t *hotkey)
{
	for (; *next < nmisses; ++*next) {
		const uint8_t *m = misses + *next * MISS_ROW;
		if (hotkey && memcmp(m, hotkey, 32) >= 0)
			return LS_OK;
		struct tally_validator *tv = first3_validator(t, m, mg);
		if (tv == NULL)
			return LS_ERROR;
		memcpy(&tv->pulls_expired, m + 32, 4);
	}
	return LS_OK;
}

ls_status first3_tally(ls_store *st, MDB_txn *txn, struct tally *t,
                       const struct ls_metagraph *mg, uint8_t **votes)
{
	size_t n = 0, nmisses = 0, next_miss = 0;
	uint8_t *misses = NULL;
	*votes = NULL;
	ls_status s = first3_leads(st, txn, t, votes, &n);
	if (s == LS_OK)
		s = first3_misses(st, txn, t->epoch, &misses, &nmisses);
	if (s == LS_OK && n > 0)
		qsort(*votes, n, VOTE_ROW, vote_row_cmp);
	for (size_t i = 0; s == LS_OK && i < n;) {
		uint8_t row[32];  /* a copy: packing overwrites the row */
		memcpy(row, *votes + i * VOTE_ROW, 32);
		s = first3_add_missers(t, mg, misses, nmisses, &next_miss, row);
		struct tally_validator *tv = s == LS_OK ? first3_validator(t, row, mg) : NULL;
		if (tv == NULL) {
			s = LS_ERROR;
			break;
		}
		tv->revealed = true;
		/* the tally reads items REVEAL_STORED apart: pack this validator's */
		uint8_t *items = *votes + i * VOTE_ROW, *out = items;
		size_t k = i;
		for (; k < n && memcmp(*votes + k * VOTE_ROW, row, 32) == 0; k++)
			memmove(out + (k - i) * REVEAL_STORED, *votes + k * VOTE_ROW + 32, REVEAL_STORED);
		tv->items = items;
		tv->n = (uint32_t)(k - i);
		i = k;
		/* its own misses, when it had any */
		if (next_miss < nmisses && memcmp(misses + next_miss * MISS_ROW, row, 32) == 0)
			memcpy(&tv->pulls_expired, misses + next_miss++ * MISS_ROW + 32, 4);
	}
	if (s == LS_OK)
		s = first3_add_missers(t, mg, misses, nmisses, &next_miss, NULL);
	free(misses);
	return s;
}
