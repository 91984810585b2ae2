/* SPEC §6's arithmetic: largest-remainder weights that sum exactly to
 * 65535, the eligibility boundary at 10%, the exact weighted majority
 * (from a real snapshot's stakes), who counts, requeue-once, the uids
 * weights go to at close and the fallback when no miner earned any. */
#include <string.h>
#include <sodium.h>
#include "tap.h"
#include "test_lead.h"
#include "tally.h"

static void apportion_tests(void)
{
	static const uint64_t cases[][5] = {
		{1, 1, 1, 0, 0}, {1, 2, 3, 4, 5}, {7, 0, 0, 0, 0}, {65535, 1, 1, 1, 1}, {3, 3, 3, 3, 3}};
	for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
		uint32_t out[5], sum = 0;
		tally_apportion(cases[c], 5, 65535, out);
		for (int i = 0; i < 5; i++)
			sum += out[i];
		ok(sum == 65535, "counts %llu,%llu,%llu,%llu,%llu apportion to %u+%u+%u+%u+%u = 65535",
		   (unsigned long long)cases[c][0], (unsigned long long)cases[c][1],
		   (unsigned long long)cases[c][2], (unsigned long long)cases[c][3],
		   (unsigned long long)cases[c][4], out[0], out[1], out[2], out[3], out[4]);
	}
	uint64_t thirds[3] = {1, 1, 1};
	uint32_t out[3];
	tally_apportion(thirds, 3, 65535, out);
	ok(out[0] == 21845 && out[1] == 21845 && out[2] == 21845, "three equal counts get 21845 each");
	uint64_t two[2] = {1, 1};
	tally_apportion(two, 2, 65535, out);
	ok(out[0] == 32768 && out[1] == 32767, "an odd remainder goes to the lower index (32768, 32767)");
	uint64_t none[2] = {0, 0};
	tally_apportion(none, 2, 65535, out);
	ok(out[0] == 0 && out[1] == 0, "no approved leads: all weights zero");
}

/* items: n reveal items of one validator, decision per lead. */
static uint8_t items[4][40 * REVEAL_STORED];

static void vote(int v, int lead, int decision, const char *reason)
{
	uint8_t *it = items[v] + (size_t)lead * REVEAL_STORED;
	memset(it, 0, REVEAL_STORED);
	it[15] = (uint8_t)(lead + 1);
	it[16] = (uint8_t)decision;
	uint16_t e4 = decision == LS_VOTE_APPROVE ? 8000 : 1000;
	memcpy(it + 17, &e4, 2);
	memcpy(it + 19, reason, strlen(reason));
}

static void setup(struct tally *t, struct ls_config *cfg, size_t nleads, const ls_weight *weights,
                  size_t nv)
{
	ls_config_defaults(cfg);
	tally_init(t, 7, cfg);
	for (size_t i = 0; i < nleads; i++) {
		struct tally_lead *l = tally_add_lead(t);
		l->id[15] = (uint8_t)(i + 1);
		l->rec.miner[0] = 1;
	}
	for (size_t v = 0; v < nv; v++) {
		struct tally_validator *tv = tally_add_validator(t);
		tv->hotkey[0] = (uint8_t)(v + 1);
		tv->weight = weights[v];
		tv->counts = weights[v] > 0;
		tv->known = true;
		tv->revealed = true;
		tv->items = items[v];
		tv->n = (uint32_t)nleads;
	}
}

static void eligibility_tests(void)
{
	struct tally t;
	struct ls_config cfg;
	const ls_weight w[2] = {100, 1};
	/* 10 leads: the heavy validator decides all; the light one agrees on
	 * exactly 1 of 10 (10%: eligible), then on 1 of 11 (9%: not). */
	for (int n = 10; n <= 11; n++) {
		for (int l = 0; l < n; l++) {
			vote(0, l, LS_VOTE_APPROVE, "pass");
			vote(1, l, l == 0 ? LS_VOTE_APPROVE : LS_VOTE_DENY, l == 0 ? "pass" : "spam");
		}
		setup(&t, &cfg, (size_t)n, w, 2);
		tally_decide(&t);
		ok(t.validators[1].voted == (uint32_t)n && t.validators[1].agreed == 1 &&
		   t.validators[1].eligible == (n == 10),
		   "agreeing on 1 of %d decided leads is %seligible (boundary 10%%)", n,
		   n == 10 ? "" : "not ");
		tally_free(&t);
	}
}

static void majority_tests(void)
{
	struct tally t;
	struct ls_config cfg;
	const ls_weight w[3] = {50, 30, 20};
	vote(0, 0, LS_VOTE_APPROVE, "pass");  /* 50 of 100: not more than half */
	vote(1, 0, LS_VOTE_DENY, "spam");
	vote(2, 0, LS_VOTE_DENY, "bad_email");
	vote(0, 1, LS_VOTE_DENY, "spam");     /* 50 of 100 approving: denied */
	vote(1, 1, LS_VOTE_APPROVE, "pass");
	vote(2, 1, LS_VOTE_APPROVE, "pass");
	setup(&t, &cfg, 2, w, 3);
	tally_decide(&t);
	ok(t.leads[0].decision == LS_VOTE_DENY && strcmp(t.leads[0].reason, "bad_email") == 0,
	   "exactly half the weight approving is a denial; a tie of reasons goes to the first by name (%s)",
	   t.leads[0].reason);
	ok(t.leads[1].decision == LS_VOTE_DENY && t.leads[1].score_e4 == 4500,
	   "half again: denied, score the weighted mean 0.45 (%u)", t.leads[1].score_e4);
	tally_free(&t);

	const ls_weight zero[1] = {0};
	vote(0, 0, LS_VOTE_APPROVE, "pass");
	setup(&t, &cfg, 1, zero, 1);
	tally_decide(&t);
	ok(t.leads[0].decision == TALLY_REQUEUE, "a lead revealed only with zero weight goes back to the queue");
	tally_free(&t);
	setup(&t, &cfg, 1, zero, 1);
	t.leads[0].rec.requeued = 1;
	tally_decide(&t);
	ok(t.leads[0].decision == LS_VOTE_DENY && strcmp(t.leads[0].reason, "no_reveals") == 0,
	   "the second time it is denied (no_reveals)");
	tally_free(&t);
}

/* Finding 1: stakes 0.2, 0.3 and 0.1 TAO (trust 1.0) from a snapshot
 * imported into a real store; 0.2 and 0.1 approve, 0.3 denies.  In
 * doubles 0.2 + 0.1 = 0.30000000000000004 > 0.6 / 2 approved it; exactly,
 * 300000000 x 65535 is half, not more. */
static void exact_majority_tests(void)
{
	static const char *const stakes[3] = {"0.2", "0.3", "0.1"};
	struct ls_config cfg;
	struct ls_identity id[3];
	ls_store *st;
	ls_err err = {0};
	char snap[1024];
	size_t len = 0;
	ls_config_defaults(&cfg);
	snprintf(cfg.store_dir, sizeof cfg.store_dir, "%s", tap_tempdir());
	if (ls_open(&st, &cfg, LS_OPEN_CREATE, &err) != LS_OK)
		tap_bail(err.detail);
	len += (size_t)snprintf(snap, sizeof snap, "{\"block\":0,\"block_time\":1800000000,\"neurons\":[");
	for (int v = 0; v < 3; v++) {
		test_identity(&id[v], (uint8_t)(0x40 + v), true, 1);
		len += (size_t)snprintf(snap + len, sizeof snap - len,
		                        "%s{\"uid\":%d,\"hotkey\":\"%s\",\"stake\":%s,"
		                        "\"validator_trust\":1,\"validator_permit\":true}",
		                        v ? "," : "", v, id[v].ss58, stakes[v]);
	}
	snprintf(snap + len, sizeof snap - len, "]}");
	struct ls_sync_report rep;
	if (ls_metagraph_import(st, snap, strlen(snap), 1800000000, &rep, &err) != LS_OK)
		tap_bail(err.detail);
	ls_weight w[3];
	ls_reader *rd;
	if (ls_reader_begin(st, &rd, &err) != LS_OK)
		tap_bail(err.detail);
	for (int v = 0; v < 3; v++) {
		struct ls_neuron n;
		if (ls_neuron_get(rd, id[v].hotkey, &n) != LS_OK)
			tap_bail("neuron");
		w[v] = ls_neuron_weight(&n);
		ok(n.stake_rao == (uint64_t)(v == 0 ? 200000000 : v == 1 ? 300000000 : 100000000) &&
		       n.validator_trust_u16 == 65535,
		   "stake %s TAO is %llu rao exactly, trust 1.0 is u16 65535", stakes[v],
		   (unsigned long long)n.stake_rao);
	}
	ls_reader_end(rd);
	ls_close(st);
	struct tally t;
	vote(0, 0, LS_VOTE_APPROVE, "pass");
	vote(1, 0, LS_VOTE_DENY, "spam");
	vote(2, 0, LS_VOTE_APPROVE, "pass");
	setup(&t, &cfg, 1, w, 3);
	/* the tally keeps validators in hotkey order; the order of the sum
	 * is what made the double wrong */
	tally_decide(&t);
	char a[LS_WEIGHT_DIGITS], r[LS_WEIGHT_DIGITS];
	ok(t.leads[0].decision == LS_VOTE_DENY && 2 * t.leads[0].approving == t.leads[0].revealing,
	   "0.2 + 0.1 approving of 0.6 revealing is exactly half (%s of %s): denied",
	   ls_weight_format(t.leads[0].approving, a), ls_weight_format(t.leads[0].revealing, r));
	ok(t.leads[0].score_e4 == 4500,
	   "the score is the weighted mean, rounded half up: (0.2x0.8 + 0.3x0.1 + 0.1x0.8) / 0.6 = 0.45 -> %u",
	   t.leads[0].score_e4);
	tally_free(&t);
}

/* Finding 4: a validator with zero weight in the epoch's snapshot counts
 * toward nothing: not min_reveals, not the deny reasons, not support. */
static void who_counts_tests(void)
{
	struct tally t;
	struct ls_config cfg;
	const ls_weight w[3] = {100, 0, 0};
	vote(0, 0, LS_VOTE_APPROVE, "pass");
	vote(1, 0, LS_VOTE_APPROVE, "pass");
	vote(0, 1, LS_VOTE_DENY, "spam");
	vote(1, 1, LS_VOTE_DENY, "bad_email");
	vote(2, 1, LS_VOTE_DENY, "bad_email");
	setup(&t, &cfg, 2, w, 3);
	cfg.min_reveals = 2;
	tally_decide(&t);
	ok(t.leads[0].decision == LS_VOTE_DENY && t.leads[0].reveals == 1,
	   "min_reveals 2: one weighted reveal and one of zero weight is one reveal: denied (%u reveals)",
	   t.leads[0].reveals);
	ok(strcmp(t.leads[1].reason, "spam") == 0,
	   "two zero-weight bad_email votes do not outvote one weighted spam vote (%s)", t.leads[1].reason);
	ok(!t.validators[1].eligible && !t.validators[2].eligible && t.validators[1].voted == 0,
	   "a zero-weight validator is judged on nothing and never eligible");
	tally_free(&t);
}

static void keypair(uint8_t sk[64])
{
	uint8_t pk[32];
	crypto_sign_keypair(pk, sk);
}

/* A metagraph of uid -> hotkey tag (sorted by hotkey as the store's). */
static void metagraph(struct ls_metagraph *mg, struct ls_neuron *n, const uint8_t *tags,
                      const uint16_t *uids, size_t count)
{
	memset(mg, 0, sizeof *mg);
	for (size_t i = 0; i < count; i++) {
		memset(&n[i], 0, sizeof n[i]);
		n[i].hotkey[0] = tags[i];
		n[i].uid = uids[i];
	}
	mg->neurons = n;
	mg->n = count;
}

static json_t *weights_of(const struct tally *t, const struct ls_metagraph *mg)
{
	uint8_t sk[64];
	char *results, *weights;
	size_t rl, wl;
	json_t *log;
	keypair(sk);
	if (tally_bodies(t, mg, sk, &results, &rl, &weights, &wl, &log) != LS_OK)
		tap_bail("tally_bodies");
	json_t *w = json_loadb(weights, wl, 0, NULL);
	free(results);
	free(weights);
	json_decref(log);
	return w;
}

static bool weights_are(json_t *w, const char *rule, const char *uids, const char *u16)
{
	char *a = json_dumps(json_object_get(w, "uids"), JSON_COMPACT);
	char *b = json_dumps(json_object_get(w, "weights_u16"), JSON_COMPACT);
	bool same = strcmp(json_string_value(json_object_get(w, "rule")), rule) == 0 &&
	            strcmp(a, uids) == 0 && strcmp(b, u16) == 0;
	printf("# rule %s, uids %s, weights_u16 %s\n", json_string_value(json_object_get(w, "rule")), a, b);
	free(a);
	free(b);
	return same;
}

/* The set_weights member: the u16 weights as the Python SDK's
 * convert_weights_and_uids_for_emit makes them, largest = 65535, zeros
 * dropped, halves to even (3 × 65535 / 43690 = 4.5 gives 4). */
static void set_weights_tests(void)
{
	struct tally t;
	struct ls_config cfg;
	struct ls_metagraph mg;
	struct ls_neuron n[4];
	const ls_weight w[1] = {100};
	static const uint8_t tags[] = {1, 2, 3, 4};
	static const uint16_t uids[] = {5, 6, 7, 8};
	vote(0, 0, LS_VOTE_DENY, "spam");
	setup(&t, &cfg, 1, w, 1);
	cfg.netuid = 71;
	cfg.version_key = 10002000;
	tally_decide(&t);
	metagraph(&mg, n, tags, uids, 4);
	t.nprev = 3;
	t.prev = calloc(3, sizeof *t.prev);
	t.prev[0] = (struct tally_prev){{1}, 43690};
	t.prev[1] = (struct tally_prev){{2}, 3};
	t.prev[2] = (struct tally_prev){{3}, 21842};
	json_t *o = weights_of(&t, &mg);
	char *sw = json_dumps(json_object_get(o, "set_weights"), JSON_COMPACT | JSON_SORT_KEYS);
	is_str(sw, "{\"netuid\":71,\"uids\":[5,6,7],\"version_key\":10002000,\"weights\":[65535,4,32763]}",
	       "set_weights: weights_u16 [43690, 3, 21842] scaled so the largest is 65535, 4.5 to even, with netuid and version_key");
	free(sw);
	json_decref(o);
	t.prev[1].u16 = 0;
	t.prev[0].u16 = 65535;
	t.prev[2].u16 = 0;
	o = weights_of(&t, &mg);
	sw = json_dumps(json_object_get(o, "set_weights"), JSON_COMPACT | JSON_SORT_KEYS);
	is_str(sw, "{\"netuid\":71,\"uids\":[5],\"version_key\":10002000,\"weights\":[65535]}",
	       "set_weights drops the uids whose weight is zero");
	free(sw);
	json_decref(o);
	tally_free(&t);
}

/* Finding 5: miners weigh by the uid they hold at close; finding 3: an
 * epoch with no miner to reward still publishes 65535. */
static void weights_tests(void)
{
	struct tally t;
	struct ls_config cfg;
	struct ls_metagraph mg;
	struct ls_neuron n[3];
	const ls_weight w[1] = {100};
	/* m1 (tag 1) keeps uid 5; m2 (tag 2) left and m3 (tag 3) took its uid 6 */
	static const uint8_t tags[] = {1, 3};
	static const uint16_t uids[] = {5, 6};
	vote(0, 0, LS_VOTE_APPROVE, "pass");
	vote(0, 1, LS_VOTE_APPROVE, "pass");
	setup(&t, &cfg, 2, w, 1);
	t.leads[1].rec.miner[0] = 2;
	tally_decide(&t);
	metagraph(&mg, n, tags, uids, 2);
	json_t *o = weights_of(&t, &mg);
	ok(weights_are(o, "approved_leads", "[5]", "[65535]"),
	   "a miner deregistered before close gets nothing, and its old uid 6 nothing for it");
	json_decref(o);
	tally_free(&t);

	vote(0, 0, LS_VOTE_DENY, "spam");
	setup(&t, &cfg, 1, w, 1);
	tally_decide(&t);
	o = weights_of(&t, &mg);
	ok(weights_are(o, "none", "[]", "[]"),
	   "every lead denied, no burn_uid, no previous epoch: rule none, nothing to set");
	json_decref(o);
	t.nprev = 2;
	t.prev = calloc(2, sizeof *t.prev);
	t.prev[0] = (struct tally_prev){{3}, 40000};
	t.prev[1] = (struct tally_prev){{2}, 25535};  /* left since: its share is shared out */
	o = weights_of(&t, &mg);
	ok(weights_are(o, "previous_epoch", "[6]", "[65535]"),
	   "no burn_uid: the previous epoch's weights again, to its miners still registered");
	json_decref(o);
	cfg.burn_uid = 0;
	o = weights_of(&t, &mg);
	ok(weights_are(o, "burn_uid", "[0]", "[65535]"),
	   "burn_uid = 0: all 65535 to uid 0, even held by nobody");
	json_decref(o);
	tally_free(&t);
	set_weights_tests();
}

int main(void)
{
	if (sodium_init() < 0)
		tap_bail("sodium_init");
	apportion_tests();
	eligibility_tests();
	majority_tests();
	exact_majority_tests();
	who_counts_tests();
	weights_tests();
	return tap_done();
}
