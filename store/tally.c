/* tally.c — SPEC §6 in one place: weighted decisions, validator agreement
 * and eligibility, miner weights by largest remainder, and the signed
 * bodies that publish them.  Everything that decides is integer
 * arithmetic (weights are ls_weight, 128 bits), so every machine computes
 * the same bytes; floats only present integers (by_hotkey). */
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "tally.h"

void tally_init(struct tally *t, uint64_t epoch, const struct ls_config *cfg)
{
	memset(t, 0, sizeof *t);
	t->epoch = epoch;
	t->cfg = cfg;
}

void tally_free(struct tally *t)
{
	free(t->leads);
	free(t->validators);
	free(t->prev);
	memset(t, 0, sizeof *t);
}

/* Grow an array by one zeroed element. */
static void *append(void **arr, size_t *n, size_t *cap, size_t size)
{
	if (*n == *cap) {
		size_t next = *cap ? *cap * 2 : 64;
		void *grown = realloc(*arr, next * size);
		if (grown == NULL)
			return NULL;
		*arr = grown;
		*cap = next;
	}
	void *item = (char *)*arr + (*n)++ * size;
	memset(item, 0, size);
	return item;
}

struct tally_lead *tally_add_lead(struct tally *t)
{
	return append((void **)&t->leads, &t->nleads, &t->cap_leads, sizeof *t->leads);
}

struct tally_validator *tally_add_validator(struct tally *t)
{
	return append((void **)&t->validators, &t->nvalidators, &t->cap_validators,
	              sizeof *t->validators);
}

static struct tally_lead *find_lead(const struct tally *t, const uint8_t id[16])
{
	size_t lo = 0, hi = t->nleads;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = memcmp(t->leads[mid].id, id, 16);
		if (c == 0)
			return &t->leads[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* One revealed item: lead[16] ‖ decision ‖ score_e4 u16 ‖ reason[32]. */
struct vote {
	const uint8_t *lead;
	int decision;
	uint16_t score_e4;
	const char *reason;
};

static struct vote vote_at(const struct tally_validator *v, uint32_t i)
{
	const uint8_t *p = v->items + (size_t)i * REVEAL_STORED;
	struct vote out = {p, p[16], 0, (const char *)p + 19};
	memcpy(&out.score_e4, p + 17, 2);
	return out;
}

/* A deny vote's reason, to find each lead's most common one. */
struct deny_reason {
	size_t lead;
	const char *reason;
};

static int deny_reason_cmp(const void *a, const void *b)
{
	const struct deny_reason *x = a, *y = b;
	if (x->lead != y->lead)
		return x->lead < y->lead ? -1 : 1;
	return strncmp(x->reason, y->reason, 32);
}

/* Sum each lead's revealing, approving and score weights over the
 * validators that count (weight in the epoch's snapshot); collect their
 * deny reasons (*reasons is new). */
static size_t sum_votes(struct tally *t, struct deny_reason **reasons)
{
	size_t n = 0, cap = 0;
	*reasons = NULL;
	for (size_t v = 0; v < t->nvalidators; v++) {
		const struct tally_validator *tv = &t->validators[v];
		for (uint32_t i = 0; tv->revealed && tv->counts && i < tv->n; i++) {
			struct vote vote = vote_at(tv, i);
			struct tally_lead *l = find_lead(t, vote.lead);
			if (l == NULL)
				continue;
			l->reveals++;
			l->revealing += tv->weight;
			l->score_sum += tv->weight * vote.score_e4;
			if (vote.decision == LS_VOTE_APPROVE)
				l->approving += tv->weight;
			struct deny_reason *d = vote.decision == LS_VOTE_DENY
			                        ? append((void **)reasons, &n, &cap, sizeof **reasons) : NULL;
			if (d)
				*d = (struct deny_reason){(size_t)(l - t->leads), vote.reason};
		}
	}
	if (n > 0)  /* qsort must not see the NULL of an empty list */
		qsort(*reasons, n, sizeof **reasons, deny_reason_cmp);
	return n;
}

/* The most common deny reason of each lead, ties to the first by name. */
static void deny_reasons(struct tally *t, const struct deny_reason *r, size_t n)
{
	size_t best = 0;
	for (size_t i = 0, run = 0; i < n; i++) {
		run = (i > 0 && deny_reason_cmp(&r[i - 1], &r[i]) == 0) ? run + 1 : 1;
		if (i == 0 || r[i].lead != r[i - 1].lead)
			best = 0;
		struct tally_lead *l = &t->leads[r[i].lead];
		if (run > best && l->decision == LS_VOTE_DENY && l->revealing > 0) {
			best = run;
			snprintf(l->reason, sizeof l->reason, "%.31s", r[i].reason);
		}
	}
}

/* Approved when 2 × approving > revealing, exactly: half is not more
 * than half.  The score is the weighted mean rounded half up. */
static void decide_lead(const struct tally *t, struct tally_lead *l)
{
	if (l->reveals == 0 || l->revealing == 0) {
		/* nobody (with weight) revealed: back to the queue once */
		l->decision = l->rec.requeued == 0 ? TALLY_REQUEUE : LS_VOTE_DENY;
		snprintf(l->reason, sizeof l->reason, "no_reveals");
		return;
	}
	l->score_e4 = (uint16_t)((l->score_sum + l->revealing / 2) / l->revealing);
	if (l->reveals >= t->cfg->min_reveals && 2 * l->approving > l->revealing) {
		l->decision = LS_VOTE_APPROVE;
		snprintf(l->reason, sizeof l->reason, "pass");
	} else {
		l->decision = LS_VOTE_DENY;
		snprintf(l->reason, sizeof l->reason, "too_few_reveals");  /* until a deny reason */
	}
}

/* Agreement on decided leads, then eligibility, then each lead's support
 * by eligible validators; a validator that does not count is never
 * eligible, so it cannot lend a lead support. */
void tally_judge(struct tally *t)
{
	for (size_t v = 0; v < t->nvalidators; v++) {
		struct tally_validator *tv = &t->validators[v];
		for (uint32_t i = 0; tv->revealed && tv->counts && i < tv->n; i++) {
			struct vote vote = vote_at(tv, i);
			const struct tally_lead *l = find_lead(t, vote.lead);
			if (l == NULL || l->decision == TALLY_REQUEUE)
				continue;
			tv->voted++;
			tv->agreed += vote.decision == l->decision;
		}
		tv->eligible = tv->voted > 0 &&
		               (uint64_t)tv->agreed * 100 >= (uint64_t)t->cfg->eligibility_percent * tv->voted;
		for (uint32_t i = 0; tv->eligible && i < tv->n; i++) {
			struct tally_lead *l = find_lead(t, vote_at(tv, i).lead);
			if (l)
				l->eligible_support++;
		}
	}
}

void tally_decide(struct tally *t)
{
	struct deny_reason *reasons;
	size_t nreasons = sum_votes(t, &reasons);
	for (size_t i = 0; i < t->nleads; i++)
		decide_lead(t, &t->leads[i]);
	deny_reasons(t, reasons, nreasons);
	free(reasons);
	tally_judge(t);
}

void tally_count(const struct tally *t, size_t *approved, size_t *denied, size_t *requeued)
{
	for (size_t i = 0; i < t->nleads; i++) {
		int d = t->leads[i].decision;
		*approved += d == LS_VOTE_APPROVE;
		*denied += d == LS_VOTE_DENY;
		*requeued += d == TALLY_REQUEUE;
	}
}

struct remainder {
	uint64_t rem;
	size_t index;
};

static int remainder_cmp(const void *a, const void *b)
{
	const struct remainder *x = a, *y = b;
	if (x->rem != y->rem)
		return x->rem > y->rem ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

void tally_apportion(const uint64_t *counts, size_t n, uint32_t total, uint32_t *out)
{
	uint64_t sum = 0, given = 0;
	for (size_t i = 0; i < n; i++)
		sum += counts[i];
	struct remainder *r = calloc(n ? n : 1, sizeof *r);
	for (size_t i = 0; i < n; i++) {
		out[i] = sum ? (uint32_t)(counts[i] * total / sum) : 0;
		given += out[i];
		if (r)
			r[i] = (struct remainder){sum ? counts[i] * total % sum : 0, i};
	}
	if (r == NULL || sum == 0) {
		free(r);
		return;
	}
	qsort(r, n, sizeof *r, remainder_cmp);
	for (size_t k = 0; given < total && k < n; k++, given++)
		out[r[k].index]++;
	free(r);
}

/* ---- miner weights ------------------------------------------------------ */

struct miner_weight {
	uint8_t hotkey[32];
	uint64_t approved;
	bool known;
	uint16_t uid;
	uint32_t u16;
};

static int miner_cmp(const void *a, const void *b)
{
	const struct miner_weight *x = a, *y = b;
	if (x->known != y->known)
		return x->known ? -1 : 1;
	if (x->known && x->uid != y->uid)
		return x->uid < y->uid ? -1 : 1;
	return memcmp(x->hotkey, y->hotkey, 32);
}

/* The row of hotkey in *m, added (with its uid in mg) when missing. */
static struct miner_weight *miner_row(struct miner_weight **m, size_t *n, size_t *cap,
                                      const uint8_t hotkey[32], const struct ls_metagraph *mg)
{
	for (size_t j = 0; j < *n; j++)
		if (memcmp((*m)[j].hotkey, hotkey, 32) == 0)
			return &(*m)[j];
	struct miner_weight *row = append((void **)m, n, cap, sizeof **m);
	if (row == NULL)
		return NULL;
	memcpy(row->hotkey, hotkey, 32);
	const struct ls_neuron *nr = ls_metagraph_find(mg, hotkey);
	row->known = nr != NULL;
	row->uid = nr ? nr->uid : 0;
	return row;
}

/* Sort by uid (hotkeys no longer registered last: they have no uid to
 * weigh) and share 65535 among the registered ones in proportion to
 * their counts (approved leads, or the previous epoch's u16).  false when
 * out of memory: weights must not quietly come out zero. */
static bool miners_apportion(struct miner_weight *m, size_t n)
{
	if (n > 0)
		qsort(m, n, sizeof *m, miner_cmp);
	uint64_t *counts = calloc(n ? n : 1, sizeof *counts);
	uint32_t *u16 = calloc(n ? n : 1, sizeof *u16);
	size_t known = 0;
	for (; counts && u16 && known < n && m[known].known; known++)
		counts[known] = m[known].approved;
	bool ok = counts && u16;
	if (ok) {
		tally_apportion(counts, known, 65535, u16);
		for (size_t i = 0; i < known; i++)
			m[i].u16 = u16[i];
	}
	free(counts);
	free(u16);
	return ok;
}

/* Approved leads decided with an eligible validator, per miner.  *out
 * is new; *ok false when memory ran out. */
static size_t miner_weights(const struct tally *t, const struct ls_metagraph *mg,
                            struct miner_weight **out, bool *ok)
{
	size_t n = 0, cap = 0;
	*out = NULL;
	*ok = true;
	for (size_t i = 0; i < t->nleads; i++) {
		const struct tally_lead *l = &t->leads[i];
		if (l->decision != LS_VOTE_APPROVE || l->eligible_support == 0)
			continue;
		struct miner_weight *row = miner_row(out, &n, &cap, l->rec.miner, mg);
		if (row == NULL) {
			*ok = false;
			return n;
		}
		row->approved++;
	}
	*ok = miners_apportion(*out, n);
	return n;
}

/* What validators set for the epoch (SPEC §6): the miners' weights; with
 * no miner to reward, all to burn_uid; without one, the previous closed
 * epoch's weights again, to its miners still registered; else nothing. */
struct weight_set {
	const char *rule;            /* approved_leads, burn_uid, previous_epoch, none */
	struct miner_weight *w;      /* by uid; known ones only (new) */
	size_t n;
};

static bool set_from(struct weight_set *ws, const char *rule, struct miner_weight *m, size_t n)
{
	size_t known = 0;
	uint64_t total = 0;
	for (; known < n && m[known].known; known++)  /* sorted: the registered first */
		total += m[known].u16;
	if (total == 0) {
		free(m);
		return false;
	}
	ws->rule = rule;
	ws->w = m;
	ws->n = known;
	return true;
}

/* false when memory ran out (ws then holds nothing to free). */
static bool weight_set_make(const struct tally *t, const struct ls_metagraph *mg,
                            struct weight_set *ws)
{
	struct miner_weight *m;
	bool ok;
	size_t n = miner_weights(t, mg, &m, &ok), cap = n;
	*ws = (struct weight_set){"none", NULL, 0};
	if (!ok) {
		free(m);
		return false;
	}
	if (set_from(ws, "approved_leads", m, n))
		return true;
	if (t->cfg->burn_uid != LS_UID_NONE) {
		ws->rule = "burn_uid";
		ws->w = calloc(1, sizeof *ws->w);
		if (ws->w == NULL)
			return false;
		ws->n = 1;
		*ws->w = (struct miner_weight){.known = true, .uid = (uint16_t)t->cfg->burn_uid,
		                               .u16 = 65535};
		for (size_t i = 0; i < mg->n; i++)  /* the hotkey that holds it, if any */
			if (mg->neurons[i].uid == t->cfg->burn_uid)
				memcpy(ws->w->hotkey, mg->neurons[i].hotkey, 32);
		return true;
	}
	m = NULL;
	n = cap = 0;
	for (size_t i = 0; ok && i < t->nprev; i++) {
		struct miner_weight *row = miner_row(&m, &n, &cap, t->prev[i].hotkey, mg);
		if (row)
			row->approved = t->prev[i].u16;
		ok = row != NULL;
	}
	if (!ok || !miners_apportion(m, n)) {
		free(m);
		return false;
	}
	set_from(ws, "previous_epoch", m, n);
	return true;
}

static const char *ss58(const struct tally *t, const uint8_t key[32], char out[LS_SS58_MAX])
{
	if (ls_ss58_encode(key, t->cfg->ss58_prefix, out) != LS_OK)
		out[0] = '\0';
	return out;
}

static json_t *leads_json(const struct tally *t)
{
	json_t *list = json_array();
	for (size_t i = 0; i < t->nleads; i++) {
		const struct tally_lead *l = &t->leads[i];
		char id[37], hash[65], miner[LS_SS58_MAX], approving[LS_WEIGHT_DIGITS],
			revealing[LS_WEIGHT_DIGITS];
		ls_uuid_format(l->id, id);
		ls_hex(l->rec.content_hash, 32, hash);
		json_array_append_new(
			list, json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:I, s:s, s:s, s:I}", "lead_id", id,
		                    "content_hash", hash, "miner", ss58(t, l->rec.miner, miner),
		                    "decision", l->decision == LS_VOTE_APPROVE ? "approve"
		                                : l->decision == LS_VOTE_DENY ? "deny" : "requeue",
		                    "score_e4", (json_int_t)l->score_e4, "reason", l->reason, "reveals",
		                    (json_int_t)l->reveals, "approving_weight",
		                    ls_weight_format(l->approving, approving), "revealing_weight",
		                    ls_weight_format(l->revealing, revealing), "eligible_support",
		                    (json_int_t)l->eligible_support));
	}
	return list;
}

static json_t *validators_json(const struct tally *t)
{
	json_t *list = json_array();
	for (size_t v = 0; v < t->nvalidators; v++) {
		const struct tally_validator *tv = &t->validators[v];
		char key[LS_SS58_MAX], weight[LS_WEIGHT_DIGITS];
		json_t *o = json_pack("{s:s, s:s, s:b, s:b, s:b, s:I, s:I, s:b}", "hotkey",
		                      ss58(t, tv->hotkey, key), "weight",
		                      ls_weight_format(tv->weight, weight), "counts", tv->counts,
		                      "committed", 1, "revealed", tv->revealed, "voted",
		                      (json_int_t)tv->voted, "in_consensus", (json_int_t)tv->agreed,
		                      "eligible", tv->eligible);
		json_object_set_new(o, "uid", tv->known ? json_integer(tv->uid) : json_null());
		if (t->cfg->consensus_mode == LS_MODE_FIRST3)
			json_object_set_new(o, "pulls_expired", json_integer(tv->pulls_expired));
		json_array_append_new(list, o);
	}
	return list;
}

/* The weights as a validator submits them with set_weights: the Python
 * SDK's convert_weights_and_uids_for_emit, which scales by the largest so
 * that it becomes 65535 and drops zeros.  Its IEEE double arithmetic and
 * round-half-to-even (Python's round) on purpose: these are the bytes the
 * SDK itself would emit for the u16 weights, and emitting them again
 * gives them back. */
static json_t *set_weights_json(const struct tally *t, const struct weight_set *ws)
{
	json_t *uids = json_array(), *weights = json_array();
	uint32_t largest = 0;
	for (size_t i = 0; i < ws->n; i++)
		largest = ws->w[i].u16 > largest ? ws->w[i].u16 : largest;
	for (size_t i = 0; largest > 0 && i < ws->n; i++) {
		double scaled = rint((double)ws->w[i].u16 / (double)largest * 65535.0);
		if (scaled == 0)
			continue;
		json_array_append_new(uids, json_integer(ws->w[i].uid));
		json_array_append_new(weights, json_integer((json_int_t)scaled));
	}
	return json_pack("{s:o, s:o, s:o, s:I}", "netuid",
	                 t->cfg->netuid == LS_UID_NONE ? json_null()
	                                               : json_integer((json_int_t)t->cfg->netuid),
	                 "uids", uids, "weights", weights, "version_key",
	                 (json_int_t)t->cfg->version_key);
}

/* The weights payload: uid -> u16 (what a validator sets on chain), the
 * rule that made them, the hotkey holding each uid (null: nobody), and
 * hotkey -> u16 / 65535 to read them by. */
static json_t *weights_json(const struct tally *t, const struct weight_set *ws)
{
	static const uint8_t nobody[32];
	json_t *uids = json_array(), *u16 = json_array(), *by_hotkey = json_object(),
	       *hotkeys = json_array();
	for (size_t i = 0; i < ws->n; i++) {
		char key[LS_SS58_MAX];
		bool held = memcmp(ws->w[i].hotkey, nobody, 32) != 0;
		json_array_append_new(uids, json_integer(ws->w[i].uid));
		json_array_append_new(u16, json_integer(ws->w[i].u16));
		json_array_append_new(hotkeys, held ? json_string(ss58(t, ws->w[i].hotkey, key))
		                                    : json_null());
		if (held)
			json_object_set_new(by_hotkey, key, json_real(ws->w[i].u16 / 65535.0));
	}
	return json_pack("{s:I, s:s, s:o, s:o, s:o, s:o, s:o}", "epoch", (json_int_t)t->epoch,
	                 "rule", ws->rule, "uids", uids, "weights_u16", u16, "hotkeys", hotkeys,
	                 "by_hotkey", by_hotkey, "set_weights", set_weights_json(t, ws));
}

/* Each approved miner: its approved leads, its uid at close (null when
 * no longer registered) and the u16 it got. */
static json_t *miners_json(const struct tally *t, const struct miner_weight *m, size_t n)
{
	json_t *list = json_array();
	for (size_t i = 0; i < n; i++) {
		char key[LS_SS58_MAX];
		json_t *o = json_pack("{s:s, s:I, s:I}", "hotkey", ss58(t, m[i].hotkey, key), "approved",
		                      (json_int_t)m[i].approved, "weight_u16", (json_int_t)m[i].u16);
		json_object_set_new(o, "uid", m[i].known ? json_integer(m[i].uid) : json_null());
		json_array_append_new(list, o);
	}
	return list;
}

static void sha256_hex(const char *body, size_t len, char hex[65])
{
	uint8_t h[32];
	crypto_hash_sha256(h, (const uint8_t *)body, len);
	ls_hex(h, 32, hex);
}

ls_status tally_bodies(const struct tally *t, const struct ls_metagraph *mg, const uint8_t sk[64],
                       char **results, size_t *results_len, char **weights,
                       size_t *weights_len, json_t **weights_log)
{
	struct miner_weight *m;
	struct weight_set ws;
	bool ok;
	size_t nm = miner_weights(t, mg, &m, &ok), approved = 0, denied = 0, requeued = 0;
	char signer[LS_SS58_MAX], rhash[65], whash[65];
	*results = *weights = NULL;
	*weights_log = NULL;
	if (!ok || !weight_set_make(t, mg, &ws)) {  /* never a wrong body signed */
		free(m);
		return LS_ERROR;
	}
	tally_count(t, &approved, &denied, &requeued);
	ss58(t, sk + 32, signer);  /* libsodium keeps the public key in sk's second half */
	json_t *res = json_pack(
		"{s:I, s:I, s:I, s:s, s:o, s:o, s:o, s:s, s:{s:I, s:I, s:I, s:I}}", "epoch",
		(json_int_t)t->epoch, "close_block",
		(json_int_t)t->close_block,
		"metagraph_block", (json_int_t)t->metagraph_block, "signer", signer, "leads",
		leads_json(t), "validators", validators_json(t), "miners", miners_json(t, m, nm),
		"weights_rule", ws.rule, "summary", "leads", (json_int_t)t->nleads, "approved",
		(json_int_t)approved, "denied", (json_int_t)denied, "requeued", (json_int_t)requeued);
	*results = res ? ls_signed_body(res, sk, results_len) : NULL;
	json_t *w = weights_json(t, &ws);
	if (w && *results) {
		sha256_hex(*results, *results_len, rhash);
		json_object_set_new(w, "signer", json_string(signer));
		json_object_set_new(w, "results_sha256", json_string(rhash));
	}
	*weights = w && *results ? ls_signed_body(w, sk, weights_len) : NULL;
	if (*weights) {
		sha256_hex(*weights, *weights_len, whash);
		*weights_log = json_pack("{s:I, s:s, s:O, s:O, s:s, s:s, s:I, s:I, s:I}", "epoch",
		                         (json_int_t)t->epoch, "rule", ws.rule, "uids",
		                         json_object_get(w, "uids"), "weights_u16",
		                         json_object_get(w, "weights_u16"), "results_sha256", rhash,
		                         "weights_sha256", whash, "approved", (json_int_t)approved,
		                         "denied", (json_int_t)denied, "requeued", (json_int_t)requeued);
	}
	json_decref(res);
	json_decref(w);
	free(m);
	free(ws.w);
	return *weights_log ? LS_OK : LS_ERROR;
}

/* The row of hotkey in *out, added when missing; NULL when out of memory. */
static struct tally_participant *participant_row(struct tally_participant **out, size_t *n,
                                                 size_t *cap, const uint8_t hotkey[32])
{
	for (size_t i = 0; i < *n; i++)
		if (memcmp((*out)[i].hotkey, hotkey, 32) == 0)
			return &(*out)[i];
	struct tally_participant *p = append((void **)out, n, cap, sizeof **out);
	if (p)
		memcpy(p->hotkey, hotkey, 32);
	return p;
}

size_t tally_participants(const struct tally *t, const struct ls_metagraph *mg,
                          struct tally_participant **out)
{
	static const uint8_t nobody[32];
	struct weight_set ws;
	size_t n = 0, cap = 0;
	struct tally_participant *p;
	*out = NULL;
	if (!weight_set_make(t, mg, &ws))
		return SIZE_MAX;
	for (size_t v = 0; v < t->nvalidators; v++) {
		const struct tally_validator *tv = &t->validators[v];
		if ((p = participant_row(out, &n, &cap, tv->hotkey)) == NULL)
			goto oom;
		p->judged = tv->voted;
		p->agreed = tv->agreed;
		p->eligible = tv->eligible;
		p->missed_reveal = !tv->revealed;
	}
	for (size_t i = 0; i < t->nleads; i++) {
		const struct tally_lead *l = &t->leads[i];
		if (l->decision != LS_VOTE_APPROVE && l->decision != LS_VOTE_DENY)
			continue;
		if ((p = participant_row(out, &n, &cap, l->rec.miner)) == NULL)
			goto oom;
		p->approved += l->decision == LS_VOTE_APPROVE;
		p->denied += l->decision == LS_VOTE_DENY;
	}
	for (size_t i = 0; i < ws.n; i++) {
		if (memcmp(ws.w[i].hotkey, nobody, 32) == 0)
			continue;  /* a burn uid that nobody holds */
		if ((p = participant_row(out, &n, &cap, ws.w[i].hotkey)) == NULL)
			goto oom;
		p->weight_u16 = ws.w[i].u16;
	}
	free(ws.w);
	return n;
oom:
	free(ws.w);
	free(*out);
	*out = NULL;
	return SIZE_MAX;
}
