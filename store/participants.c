/* participants.c — per-epoch statistics of every hotkey (SPEC §5): the
 * counters of the epoch under way are kept by the write transactions that
 * change them (a submission, a reveal, a first3 vote or decision, an
 * expired pull); leadgate-close adds agreement, eligibility, missed
 * reveals and weights when it closes the epoch.  Reads are by key: one
 * hotkey's recent epochs are one cursor range. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "tally.h"

struct part_rec {
	uint8_t fmt, closed, eligible, missed_reveal;
	uint32_t live[PART__LIVE];
	uint32_t judged, agreed;    /* at close: votes on decided leads, in consensus */
	uint32_t weight_u16;        /* at close: the miner's weight */
};

static void part_key(const uint8_t hotkey[32], uint64_t epoch, uint8_t key[40])
{
	memcpy(key, hotkey, 32);
	ls_be64(epoch, key + 32);
}

static ls_status part_get(struct ls_txn *t, const uint8_t key[40], struct part_rec *r)
{
	MDB_val v;
	memset(r, 0, sizeof *r);
	r->fmt = LS_FMT1;
	ls_status s = lt_get(t, DB_PARTICIPANT_EPOCHS, key, 40, &v);
	if (s == LS_OK && v.mv_size == sizeof *r)
		memcpy(r, v.mv_data, sizeof *r);
	else if (s == LS_OK)
		return ls_fail(t->err, LS_ERROR, "store_error", NULL, "damaged participant statistics");
	return s == LS_NOTFOUND ? LS_OK : s;
}

ls_status lt_participant_add(struct ls_txn *t, const uint8_t hotkey[32], uint64_t epoch,
                             enum part_counter counter, uint32_t n)
{
	uint8_t key[40];
	struct part_rec r;
	part_key(hotkey, epoch, key);
	ls_status s = part_get(t, key, &r);
	if (s != LS_OK)
		return s;
	r.live[counter] += n;
	return lt_put(t, DB_PARTICIPANT_EPOCHS, key, sizeof key, &r, sizeof r, 0);
}

ls_status lt_participant_close(struct ls_txn *t, uint64_t epoch, const struct tally_participant *p,
                               bool add_decisions)
{
	uint8_t key[40];
	struct part_rec r;
	part_key(p->hotkey, epoch, key);
	ls_status s = part_get(t, key, &r);
	if (s != LS_OK)
		return s;
	r.closed = 1;
	r.eligible = p->eligible;
	r.missed_reveal = p->missed_reveal;
	r.judged = p->judged;
	r.agreed = p->agreed;
	r.weight_u16 = p->weight_u16;
	if (add_decisions) {  /* the epoch mode decides at close; first3 as it goes */
		r.live[PART_APPROVED] += p->approved;
		r.live[PART_DENIED] += p->denied;
	}
	return lt_put(t, DB_PARTICIPANT_EPOCHS, key, sizeof key, &r, sizeof r, 0);
}

static json_t *epoch_json(uint64_t epoch, const struct part_rec *r)
{
	json_t *o = json_pack("{s:I, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:b, s:b, s:I}", "epoch",
	                      (json_int_t)epoch, "closed", r->closed, "submitted",
	                      (json_int_t)r->live[PART_SUBMITTED], "approved",
	                      (json_int_t)r->live[PART_APPROVED], "denied",
	                      (json_int_t)r->live[PART_DENIED], "votes", (json_int_t)r->live[PART_VOTES],
	                      "pulls_expired", (json_int_t)r->live[PART_PULLS_EXPIRED], "judged",
	                      (json_int_t)r->judged, "in_consensus", (json_int_t)r->agreed, "eligible",
	                      r->eligible, "reveal_missed", r->missed_reveal, "weight_u16",
	                      (json_int_t)r->weight_u16);
	json_object_set_new(o, "agreement",
	                    r->closed && r->judged ? json_real((double)r->agreed / r->judged) : json_null());
	return o;
}

static json_t *neuron_json(const struct ls_config *cfg, const struct ls_neuron *n)
{
	char ss58[LS_SS58_MAX];
	if (ls_ss58_encode(n->hotkey, cfg->ss58_prefix, ss58) != LS_OK)
		return NULL;
	/* the integers are exact; stake and validator_trust present them */
	return json_pack("{s:s, s:i, s:s, s:f, s:I, s:f, s:i, s:b, s:b}", "hotkey", ss58, "uid",
	                 (int)n->uid, "role", n->validator_permit ? "validator" : "miner", "stake",
	                 (double)n->stake_rao / 1e9, "stake_rao", (json_int_t)n->stake_rao,
	                 "validator_trust", n->validator_trust_u16 / 65535.0,
	                 "validator_trust_u16", (int)n->validator_trust_u16, "validator_permit",
	                 n->validator_permit, "active", n->active);
}

static int by_uid(const void *a, const void *b)
{
	json_int_t x = json_integer_value(json_object_get(*(json_t *const *)a, "uid"));
	json_int_t y = json_integer_value(json_object_get(*(json_t *const *)b, "uid"));
	return (x > y) - (x < y);
}

/* GET /v1/participants: every registered hotkey by uid, with its
 * statistics of the newest closed epoch. */
ls_status lt_participants_rebuild(struct ls_txn *t)
{
	MDB_cursor *cur;
	MDB_val k, v;
	MDB_stat ms;
	struct ls_anchor anchor;
	struct ls_schedule sched;
	uint64_t closed = ls_last_closed_epoch(t->st, t->txn), block = 0;
	size_t n = 0;
	int rc = mdb_stat(t->txn, t->st->dbi[DB_NEURONS], &ms);
	json_t **items = rc ? NULL : calloc(ms.ms_entries + 1, sizeof *items);
	if (items == NULL)
		return rc ? lt_fail_mdb(t, rc, "count the neurons") : ls_fail(t->err, LS_ERROR, "oom", NULL, "out of memory");
	if ((rc = mdb_cursor_open(t->txn, t->st->dbi[DB_NEURONS], &cur)) != 0) {
		free(items);
		return lt_fail_mdb(t, rc, "open a cursor");
	}
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && n < ms.ms_entries;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		struct ls_neuron nr;
		struct part_rec r;
		uint8_t key[40];
		if (k.mv_size != 32 || v.mv_size != NEURON_REC_LEN)
			continue;
		ls_neuron_decode(&v, k.mv_data, &nr);
		json_t *o = neuron_json(&t->st->cfg, &nr);
		part_key(nr.hotkey, closed, key);
		if (o && closed && part_get(t, key, &r) == LS_OK)
			json_object_set_new(o, "last_epoch", epoch_json(closed, &r));
		if (o)
			items[n++] = o;
	}
	mdb_cursor_close(cur);
	qsort(items, n, sizeof *items, by_uid);
	json_t *list = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(list, items[i]);
	free(items);
	if (ls_anchor_read(t->st, t->txn, &anchor) != LS_OK)
		memset(&anchor, 0, sizeof anchor);
	block = anchor.block;
	ls_schedule_of(&t->st->cfg, &anchor, &sched);
	json_t *body = json_pack("{s:I, s:I, s:o, s:o}", "block", (json_int_t)block, "epoch",
	                         (json_int_t)ls_epoch_at(&sched, block), "last_closed_epoch",
	                         closed ? json_integer((json_int_t)closed) : json_null(),
	                         "participants", list);
	char *text = body ? json_dumps(body, JSON_COMPACT | JSON_REAL_PRECISION(12)) : NULL;
	json_decref(body);
	if (text == NULL)
		return ls_fail(t->err, LS_ERROR, "oom", NULL, "out of memory");
	ls_status s = ls_cache_put(t, "participants", text, strlen(text));
	free(text);
	return s;
}

ls_status ls_participant_get(ls_reader *rd, const char *ss58, unsigned epochs, char **body,
                             size_t *len, ls_err *err)
{
	uint8_t hotkey[32], key[40];
	struct ls_neuron nr;
	ls_err kerr;
	*body = NULL;
	if (ls_ss58_decode(ss58, rd->st->cfg.ss58_prefix, hotkey, &kerr) != LS_OK)
		return ls_fail(err, LS_INVALID, "bad_hotkey", NULL, "not an SS58 address: %s", kerr.detail);
	if (ls_neuron_get(rd, hotkey, &nr) != LS_OK)
		return ls_fail(err, LS_NOTFOUND, "no_such_participant", NULL,
		               "%s is not registered in the metagraph", ss58);
	json_t *o = neuron_json(&rd->st->cfg, &nr), *list = json_array();
	if (o == NULL) {
		json_decref(list);
		return ls_fail(err, LS_ERROR, "oom", NULL, "out of memory");
	}
	MDB_cursor *cur = NULL;
	MDB_val k = {sizeof key, key}, v;
	part_key(hotkey, UINT64_MAX, key);
	int rc = mdb_cursor_open(rd->txn, rd->st->dbi[DB_PARTICIPANT_EPOCHS], &cur);
	/* newest first: from just past this hotkey's last key, backwards */
	if (rc == 0)
		rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	rc = rc == 0 ? mdb_cursor_get(cur, &k, &v, MDB_PREV)
	     : rc == MDB_NOTFOUND && cur ? mdb_cursor_get(cur, &k, &v, MDB_LAST) : rc;
	for (; rc == 0 && k.mv_size == 40 && memcmp(k.mv_data, hotkey, 32) == 0 &&
	       json_array_size(list) < epochs;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_PREV)) {
		struct part_rec r;
		if (v.mv_size != sizeof r)
			continue;
		memcpy(&r, v.mv_data, sizeof r);
		json_array_append_new(list, epoch_json(ls_from_be64((uint8_t *)k.mv_data + 32), &r));
	}
	if (cur)
		mdb_cursor_close(cur);
	json_object_set_new(o, "epochs", list);
	if (rc == 0 || rc == MDB_NOTFOUND)
		*body = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(12));
	json_decref(o);
	if (rc && rc != MDB_NOTFOUND)
		return ls_mdb_fail(err, rc, "read a participant's statistics");
	*len = *body ? strlen(*body) : 0;
	return *body ? LS_OK : ls_fail(err, LS_ERROR, "oom", NULL, "out of memory");
}
