/* SPEC §6's arithmetic without a store: largest-remainder weights that sum
 * exactly to 65535, the eligibility boundary at 10%, the weighted
 * majority, and requeue-once. */
#include <string.h>
#include "tap.h"
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

static void setup(struct tally *t, struct ls_config *cfg, size_t nleads, const double *weights,
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
	const double w[2] = {100, 1};
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
	const double w[3] = {50, 30, 20};
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

	const double zero[1] = {0};
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

int main(void)
{
	apportion_tests();
	eligibility_tests();
	majority_tests();
	return tap_done();
}
