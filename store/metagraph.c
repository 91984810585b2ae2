/* metagraph.c — importing a metagraph snapshot and its chain anchor
 * (SPEC §3, §10 leadgate-sync) and reading neurons back. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "internal.h"

#define MAX_NEURONS 65536

/* TAO as a JSON number to rao, rounded to the nearest: one IEEE multiply
 * and llround, the same bits on every machine.  Exact below 2^53 rao
 * (9 007 199 TAO); "stake_rao" carries larger stakes exactly.  Imports
 * check 0 <= tao <= LS_STAKE_RAO_MAX / 10^9; older records are clamped. */
static uint64_t stake_to_rao(double tao)
{
	if (!(tao > 0))
		return 0;
	if (tao >= (double)(LS_STAKE_RAO_MAX / 1000000000))  /* an older store's record */
		return LS_STAKE_RAO_MAX;
	return (uint64_t)llround(tao * 1e9);
}

/* The chain keeps validator trust as a u16 and bittensor shows it as
 * u16 / 65535: rounding back gives the chain's value. */
static uint16_t trust_to_u16(double trust)
{
	if (!(trust > 0))
		return 0;
	return trust >= 1 ? 65535 : (uint16_t)lround(trust * 65535.0);
}

/* A neuron record: fmt ‖ uid u16 ‖ then, in LS_FMT2, stake_rao u64 ‖
 * trust u16 ‖ 6 zero bytes; in LS_FMT1 (older stores) stake and trust as
 * doubles, converted the way a snapshot's numbers are ‖ permit ‖ active. */
void ls_neuron_decode(const MDB_val *v, const uint8_t hotkey[32], struct ls_neuron *out)
{
	const uint8_t *p = v->mv_data;
	memset(out, 0, sizeof *out);
	memcpy(out->hotkey, hotkey, 32);
	if (v->mv_size != NEURON_REC_LEN || (p[0] != LS_FMT1 && p[0] != LS_FMT2))
		return;
	memcpy(&out->uid, p + 1, 2);
	if (p[0] == LS_FMT2) {
		memcpy(&out->stake_rao, p + 3, 8);
		memcpy(&out->validator_trust_u16, p + 11, 2);
	} else {
		double stake, trust;
		memcpy(&stake, p + 3, 8);
		memcpy(&trust, p + 11, 8);
		out->stake_rao = stake_to_rao(stake);
		out->validator_trust_u16 = trust_to_u16(trust);
	}
	out->validator_permit = p[19];
	out->active = p[20];
}

static void neuron_encode(const struct ls_neuron *n, uint8_t out[NEURON_REC_LEN])
{
	memset(out, 0, NEURON_REC_LEN);
	out[0] = LS_FMT2;
	memcpy(out + 1, &n->uid, 2);
	memcpy(out + 3, &n->stake_rao, 8);
	memcpy(out + 11, &n->validator_trust_u16, 2);
	out[19] = n->validator_permit;
	out[20] = n->active;
}

ls_status ls_neuron_get(ls_reader *rd, const uint8_t hotkey[32], struct ls_neuron *out)
{
	MDB_val v;
	int rc = ls_get(rd->st, rd->txn, DB_NEURONS, hotkey, 32, &v);
	if (rc)
		return ls_mdb_status(rc);
	ls_neuron_decode(&v, hotkey, out);
	return LS_OK;
}

/* The neuron's stake: "stake" in TAO (a number) or "stake_rao" (an
 * integer), exactly one of them, within 0..LS_STAKE_RAO_MAX rao. */
static ls_status stake_parse(json_t *stake, json_t *stake_rao, const char *field,
                             struct ls_neuron *out, ls_err *err)
{
	char name[80];
	if ((stake == NULL) == (stake_rao == NULL))
		return ls_fail(err, LS_INVALID, "bad_snapshot", field,
		               "%s: give stake (TAO) or stake_rao, exactly one", field);
	snprintf(name, sizeof name, "%s.%s", field, stake ? "stake" : "stake_rao");
	if (stake_rao) {
		json_int_t rao = json_is_integer(stake_rao) ? json_integer_value(stake_rao) : -1;
		if (rao < 0 || (uint64_t)rao > LS_STAKE_RAO_MAX)
			return ls_fail(err, LS_INVALID, "bad_snapshot", name,
			               "%s must be an integer within 0..%llu", name,
			               (unsigned long long)LS_STAKE_RAO_MAX);
		out->stake_rao = (uint64_t)rao;
		return LS_OK;
	}
	double tao = json_is_number(stake) ? json_number_value(stake) : -1;
	if (!(tao >= 0 && tao <= (double)(LS_STAKE_RAO_MAX / 1000000000)))
		return ls_fail(err, LS_INVALID, "bad_snapshot", name,
		               "%s must be a number of TAO within 0..%llu", name,
		               (unsigned long long)(LS_STAKE_RAO_MAX / 1000000000));
	out->stake_rao = stake_to_rao(tao);
	return LS_OK;
}

static ls_status neuron_parse(const struct ls_config *cfg, json_t *obj, size_t i,
                              struct ls_neuron *out, ls_err *err)
{
	json_error_t je;
	json_int_t uid;
	const char *hotkey;
	json_t *stake = NULL, *stake_rao = NULL, *trust;
	int permit, active = 1;
	char field[64];
	snprintf(field, sizeof field, "neurons[%zu]", i);
	if (json_unpack_ex(obj, &je, JSON_STRICT, "{s:I, s:s, s?o, s?o, s:o, s:b, s?b}", "uid", &uid,
	                   "hotkey", &hotkey, "stake", &stake, "stake_rao", &stake_rao,
	                   "validator_trust", &trust, "validator_permit", &permit, "active",
	                   &active) != 0)
		return ls_fail(err, LS_INVALID, "bad_snapshot", field, "%s: %s", field, je.text);
	if (uid < 0 || uid > 65535)
		return ls_fail(err, LS_INVALID, "bad_snapshot", field, "%s.uid must be 0..65535", field);
	out->uid = (uint16_t)uid;
	out->validator_permit = permit;
	out->active = active;
	ls_status s = stake_parse(stake, stake_rao, field, out, err);
	if (s != LS_OK)
		return s;
	double t = json_is_number(trust) ? json_number_value(trust) : -1;
	if (!(t >= 0 && t <= 1))
		return ls_fail(err, LS_INVALID, "bad_snapshot", field,
		               "%s.validator_trust must be a number within 0..1", field);
	out->validator_trust_u16 = trust_to_u16(t);
	ls_err kerr;
	if (ls_ss58_decode(hotkey, cfg->ss58_prefix, out->hotkey, &kerr) != LS_OK)
		return ls_fail(err, LS_INVALID, "bad_snapshot", field, "%s.hotkey: %s", field,
		               kerr.detail);
	return LS_OK;
}

static int by_uid(const void *a, const void *b)
{
	const struct ls_neuron *x = a, *y = b;
	return (x->uid > y->uid) - (x->uid < y->uid);
}

static int by_hotkey(const void *a, const void *b)
{
	return memcmp(((const struct ls_neuron *)a)->hotkey, ((const struct ls_neuron *)b)->hotkey, 32);
}

/* Sorted copies reveal duplicate uids and hotkeys in n log n. */
ls_status ls_snapshot_check(struct ls_snapshot *s, ls_err *err)
{
	s->validators = 0;
	for (size_t i = 0; i < s->n; i++)
		s->validators += s->neurons[i].validator_permit;
	qsort(s->neurons, s->n, sizeof *s->neurons, by_hotkey);
	for (size_t i = 1; i < s->n; i++)
		if (by_hotkey(&s->neurons[i - 1], &s->neurons[i]) == 0)
			return ls_fail(err, LS_INVALID, "bad_snapshot", "neurons",
			               "a hotkey appears twice in the snapshot");
	qsort(s->neurons, s->n, sizeof *s->neurons, by_uid);
	for (size_t i = 1; i < s->n; i++)
		if (s->neurons[i - 1].uid == s->neurons[i].uid)
			return ls_fail(err, LS_INVALID, "bad_snapshot", "neurons",
			               "uid %u appears twice in the snapshot", s->neurons[i].uid);
	return LS_OK;
}

static ls_status snapshot_parse(const struct ls_config *cfg, const char *text, size_t len,
                                struct ls_snapshot *s, ls_err *err)
{
	json_error_t je;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je), *neurons;
	json_int_t block, block_time, netuid = 0;
	if (root == NULL)
		return ls_fail(err, LS_INVALID, "bad_snapshot", NULL, "not JSON: line %d: %s",
		               je.line, je.text);
	ls_status st = LS_OK;
	if (json_unpack_ex(root, &je, JSON_STRICT, "{s:I, s:I, s?I, s:o}", "block", &block,
	                   "block_time", &block_time, "netuid", &netuid, "neurons", &neurons) != 0)
		st = ls_fail(err, LS_INVALID, "bad_snapshot", NULL, "%s", je.text);
	else if (block < 0 || block_time <= 0 || netuid < 0 || netuid > 65535)
		st = ls_fail(err, LS_INVALID, "bad_snapshot", NULL,
		             "block must be >= 0, block_time > 0 and netuid within 0..65535");
	else if (!json_is_array(neurons) || json_array_size(neurons) > MAX_NEURONS)
		st = ls_fail(err, LS_INVALID, "bad_snapshot", "neurons",
		             "neurons must be an array of at most %d objects", MAX_NEURONS);
	if (st == LS_OK) {
		s->block = (uint64_t)block;
		s->block_time = block_time;
		s->n = json_array_size(neurons);
		s->neurons = calloc(s->n ? s->n : 1, sizeof *s->neurons);
		if (s->neurons == NULL)
			st = ls_fail(err, LS_ERROR, "oom", NULL, "out of memory");
	}
	for (size_t i = 0; st == LS_OK && i < s->n; i++) {
		st = neuron_parse(cfg, json_array_get(neurons, i), i, &s->neurons[i], err);
	}
	if (st == LS_OK)
		st = ls_snapshot_check(s, err);
	if (st == LS_OK) {
		char *canon = ls_json_canonical(root);
		if (canon)
			crypto_hash_sha256(s->hash, (const uint8_t *)canon, strlen(canon));
		if (canon == NULL)
			st = ls_fail(err, LS_ERROR, "oom", NULL, "out of memory");
		free(canon);
	}
	json_decref(root);
	return st;
}

/* A history version: fmt ‖ u32 n ‖ n × (hotkey[32] ‖ neuron record),
 * sorted by hotkey so that readers can bsearch it. */
#define HIST_ITEM (32 + NEURON_REC_LEN)

static int item_cmp(const void *a, const void *b)
{
	return memcmp(a, b, 32);
}

static uint8_t *history_pack(const struct ls_snapshot *s, size_t *len)
{
	uint32_t n = (uint32_t)s->n;
	*len = 5 + (size_t)n * HIST_ITEM;
	uint8_t *buf = malloc(*len);
	if (buf == NULL)
		return NULL;
	buf[0] = LS_FMT1;
	memcpy(buf + 1, &n, 4);
	for (uint32_t i = 0; i < n; i++) {
		memcpy(buf + 5 + (size_t)i * HIST_ITEM, s->neurons[i].hotkey, 32);
		neuron_encode(&s->neurons[i], buf + 5 + (size_t)i * HIST_ITEM + 32);
	}
	qsort(buf + 5, n, HIST_ITEM, item_cmp);
	return buf;
}

/* Record the neurons as a new history version in force from from_block,
 * unless they equal the newest version (most syncs only move the clock). */
static ls_status history_add(struct ls_txn *t, const struct ls_snapshot *s, uint64_t from_block)
{
	size_t len;
	uint8_t *packed = history_pack(s, &len), key[8];
	if (packed == NULL)
		return ls_fail(t->err, LS_ERROR, "oom", NULL, "out of memory");
	MDB_cursor *cur;
	MDB_val k, v;
	bool same = false;
	int rc = mdb_cursor_open(t->txn, t->st->dbi[DB_MGHIST], &cur);
	if (rc == 0) {
		same = mdb_cursor_get(cur, &k, &v, MDB_LAST) == 0 && v.mv_size == len &&
		       memcmp(v.mv_data, packed, len) == 0;
		mdb_cursor_close(cur);
	}
	ls_be64(from_block, key);
	ls_status st = rc ? lt_fail_mdb(t, rc, "read the metagraph history")
	               : same ? LS_OK : lt_put(t, DB_MGHIST, key, 8, packed, len, 0);
	free(packed);
	return st;
}

/* Decode a history version into a new array sorted by hotkey. */
static ls_status history_decode(const MDB_val *v, struct ls_metagraph *out)
{
	const uint8_t *p = v->mv_data;
	uint32_t n;
	if (v->mv_size < 5 || p[0] != LS_FMT1)
		return LS_ERROR;
	memcpy(&n, p + 1, 4);
	if (v->mv_size != 5 + (size_t)n * HIST_ITEM)
		return LS_ERROR;
	out->n = n;
	out->neurons = calloc(n ? n : 1, sizeof *out->neurons);
	if (out->neurons == NULL)
		return LS_ERROR;
	for (uint32_t i = 0; i < n; i++) {
		MDB_val rec = {NEURON_REC_LEN, (void *)(p + 5 + (size_t)i * HIST_ITEM + 32)};
		ls_neuron_decode(&rec, p + 5 + (size_t)i * HIST_ITEM, &out->neurons[i]);
	}
	return LS_OK;
}

/* Stores of schema 1 have no history: the current neurons stand in. */
static ls_status current_neurons(ls_store *st, MDB_txn *txn, struct ls_metagraph *out)
{
	MDB_cursor *cur;
	MDB_val k, v;
	MDB_stat ms;
	if (mdb_stat(txn, st->dbi[DB_NEURONS], &ms) || mdb_cursor_open(txn, st->dbi[DB_NEURONS], &cur))
		return LS_ERROR;
	out->neurons = calloc(ms.ms_entries ? ms.ms_entries : 1, sizeof *out->neurons);
	out->n = 0;
	int rc = out->neurons ? mdb_cursor_get(cur, &k, &v, MDB_FIRST) : ENOMEM;
	for (; rc == 0 && out->n < ms.ms_entries; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
		if (k.mv_size == 32)
			ls_neuron_decode(&v, k.mv_data, &out->neurons[out->n++]);
	mdb_cursor_close(cur);
	return rc == 0 || rc == MDB_NOTFOUND ? LS_OK : LS_ERROR;
}

ls_status ls_metagraph_at(ls_store *st, MDB_txn *txn, uint64_t block, struct ls_metagraph *out)
{
	MDB_cursor *cur;
	MDB_val k, v;
	uint8_t key[8];
	memset(out, 0, sizeof *out);
	if (mdb_cursor_open(txn, st->dbi[DB_MGHIST], &cur))
		return LS_ERROR;
	ls_be64(block == UINT64_MAX ? block : block + 1, key);
	k = (MDB_val){8, key};
	/* the newest version at or before block; else the oldest there is */
	int rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	rc = rc == 0 ? mdb_cursor_get(cur, &k, &v, MDB_PREV) : mdb_cursor_get(cur, &k, &v, MDB_LAST);
	if (rc == MDB_NOTFOUND)
		rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	ls_status s = rc == MDB_NOTFOUND ? current_neurons(st, txn, out)
	              : rc ? LS_ERROR : history_decode(&v, out);
	if (rc == 0 && k.mv_size == 8)
		out->from_block = ls_from_be64(k.mv_data);
	mdb_cursor_close(cur);
	return s;
}

const struct ls_neuron *ls_metagraph_find(const struct ls_metagraph *m, const uint8_t hotkey[32])
{
	size_t lo = 0, hi = m->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = memcmp(m->neurons[mid].hotkey, hotkey, 32);
		if (c == 0)
			return &m->neurons[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

void ls_metagraph_free(struct ls_metagraph *m)
{
	free(m->neurons);
	m->neurons = NULL;
	m->n = 0;
}

struct import_ctx {
	struct ls_snapshot *s;
	int64_t now;
	struct ls_sync_report *report;
};

/* Where the chain clock stands before this snapshot (SPEC §2): a snapshot
 * older than the anchor keeps the anchor (the clock never runs
 * backwards) and changes no metagraph, and a version takes effect no
 * earlier than the block after the clock's now, so an epoch that has
 * begun keeps the version it began with. */
struct import_plan {
	bool stale;                 /* block < the anchor's: only logged */
	struct ls_anchor anchor;    /* as it stands; zero before the first */
	uint64_t from_block;        /* the history version's key */
};

static void import_plan(struct ls_txn *t, const struct ls_snapshot *s, int64_t now,
                        struct import_plan *p)
{
	struct ls_clock clk;
	p->stale = false;
	p->from_block = s->block;
	if (ls_anchor_read(t->st, t->txn, &p->anchor) != LS_OK) {
		memset(&p->anchor, 0, sizeof p->anchor);  /* the first; or unreadable: written anew */
		return;
	}
	ls_clock_at(&t->st->cfg, &p->anchor, now, &clk);
	p->stale = s->block < p->anchor.block;
	if (clk.block + 1 > p->from_block)
		p->from_block = clk.block + 1;
	/* after every version there is: a snapshot that moved the clock back
	 * must not slip a newer version under an older one's key */
	MDB_cursor *cur;
	MDB_val k, v;
	if (mdb_cursor_open(t->txn, t->st->dbi[DB_MGHIST], &cur) == 0) {
		if (mdb_cursor_get(cur, &k, &v, MDB_LAST) == 0 && k.mv_size == 8 &&
		    ls_from_be64(k.mv_data) >= p->from_block)
			p->from_block = ls_from_be64(k.mv_data) + 1;
		mdb_cursor_close(cur);
	}
}

static ls_status neurons_replace(struct ls_txn *t, const struct ls_snapshot *s)
{
	int rc = mdb_drop(t->txn, t->st->dbi[DB_NEURONS], 0);
	if (rc)
		return lt_fail_mdb(t, rc, "clear the metagraph");
	ls_status st = LS_OK;
	for (size_t i = 0; st == LS_OK && i < s->n; i++) {
		uint8_t rec[NEURON_REC_LEN];
		neuron_encode(&s->neurons[i], rec);
		st = lt_put(t, DB_NEURONS, s->neurons[i].hotkey, 32, rec, sizeof rec, 0);
	}
	return st;
}

/* What the last read of the chain said (leadgate-admin status shows it). */
static ls_status chain_facts_put(struct ls_txn *t, json_t *facts)
{
	char *text = json_dumps(facts, JSON_COMPACT | JSON_SORT_KEYS);
	if (text == NULL)
		return ls_fail(t->err, LS_ERROR, "oom", NULL, "out of memory");
	ls_status st = lt_put(t, DB_META, META_CHAIN, strlen(META_CHAIN), text, strlen(text), 0);
	free(text);
	return st;
}

static ls_status import_write(struct ls_txn *t, void *vctx)
{
	struct import_ctx *c = vctx;
	struct ls_snapshot *s = c->s;
	struct import_plan plan;
	MDB_val v;
	c->report->changed = false;
	c->report->neurons = s->n;
	if (lt_get(t, DB_META, META_SNAPSHOT, strlen(META_SNAPSHOT), &v) == LS_OK &&
	    v.mv_size == 32 && memcmp(v.mv_data, s->hash, 32) == 0)
		return LS_OK;  /* the same snapshot again: nothing changes */
	import_plan(t, s, c->now, &plan);
	c->report->stale = plan.stale;
	if (plan.stale && s->refuse_stale)
		return ls_fail(t->err, LS_CONFLICT, "stale_block", NULL,
		               "block %llu is older than the anchor's block %llu: nothing changed",
		               (unsigned long long)s->block, (unsigned long long)plan.anchor.block);
	struct ls_anchor anchor = plan.anchor;
	struct ls_schedule sched;
	uint8_t rec[LS_ANCHOR_REC_MAX];
	bool agrees = plan.stale || ls_anchor_advance(&anchor, s->block, s->block_time, s->schedule);
	ls_schedule_of(&t->st->cfg, &anchor, &sched);
	ls_status st = plan.stale ? LS_OK : neurons_replace(t, s);
	if (st == LS_OK && !plan.stale)
		st = history_add(t, s, plan.from_block);
	if (st == LS_OK && !plan.stale)
		st = lt_put(t, DB_META, META_ANCHOR, strlen(META_ANCHOR), rec,
		            ls_anchor_pack(&anchor, rec), 0);
	if (st == LS_OK)  /* a stale one too: the same file again is then unchanged */
		st = lt_put(t, DB_META, META_SNAPSHOT, strlen(META_SNAPSHOT), s->hash, 32, 0);
	if (st == LS_OK)
		st = lt_put(t, DB_META, META_LAST_SYNC, strlen(META_LAST_SYNC), &c->now, 8, 0);
	if (st == LS_OK && !plan.stale)
		st = lt_participants_rebuild(t);
	if (st == LS_OK && s->log_extra)
		st = chain_facts_put(t, s->log_extra);
	if (st != LS_OK)
		return st;
	char hex[65];
	ls_hex(s->hash, 32, hex);
	json_t *payload = json_pack("{s:s, s:I, s:I, s:I, s:I}", "snapshot_hash", hex, "block",
	                            (json_int_t)s->block, "block_time", (json_int_t)s->block_time,
	                            "neurons", (json_int_t)s->n, "validators",
	                            (json_int_t)s->validators);
	if (s->log_extra)
		json_object_update(payload, s->log_extra);
	if (!agrees)  /* the chain's epoch start differs from the one recorded, kept */
		json_object_set_new(payload, "schedule_kept", json_true());
	if (plan.stale) {  /* logged, so that the gap is on record */
		json_object_set_new(payload, "anchor_kept", json_true());
		json_object_set_new(payload, "anchor_block", json_integer((json_int_t)plan.anchor.block));
	} else {
		json_object_set_new(payload, "in_force_from_block",
		                    json_integer((json_int_t)plan.from_block));
	}
	st = ls_log_append(t, ls_epoch_at(&sched, s->block), "METAGRAPH_SYNCED", payload,
	                   &c->report->seq);
	json_decref(payload);
	if (st == LS_OK && !plan.stale)
		st = lt_leads_withdraw_deregistered(t, ls_epoch_at(&sched, s->block),
		                                    &c->report->withdrawn);
	if (st == LS_OK)
		c->report->changed = !plan.stale;
	return st;
}

ls_status ls_snapshot_import(ls_store *st, struct ls_snapshot *s, int64_t now,
                             struct ls_sync_report *report, ls_err *err)
{
	struct import_ctx c = {s, now, report};
	memset(report, 0, sizeof *report);
	return ls_write(st, import_write, &c, err);
}

ls_status ls_metagraph_import(ls_store *st, const char *json, size_t len, int64_t now,
                              struct ls_sync_report *report, ls_err *err)
{
	struct ls_snapshot s = {0};
	memset(report, 0, sizeof *report);
	ls_status status = snapshot_parse(&st->cfg, json, len, &s, err);
	if (status == LS_OK)
		status = ls_snapshot_import(st, &s, now, report, err);
	free(s.neurons);
	return status;
}

ls_status ls_neurons_list(ls_reader *rd, struct ls_neuron **out, size_t *n)
{
	struct ls_metagraph m = {0};
	ls_status s = current_neurons(rd->st, rd->txn, &m);
	if (s == LS_OK)
		qsort(m.neurons, m.n, sizeof *m.neurons, by_uid);
	else
		ls_metagraph_free(&m);
	*out = m.neurons;
	*n = s == LS_OK ? m.n : 0;
	return s;
}

char *ls_chain_facts(ls_reader *rd)
{
	MDB_val v;
	if (ls_get(rd->st, rd->txn, DB_META, META_CHAIN, strlen(META_CHAIN), &v) != 0)
		return NULL;
	char *text = malloc(v.mv_size + 1);
	if (text) {
		memcpy(text, v.mv_data, v.mv_size);
		text[v.mv_size] = '\0';
	}
	return text;
}
