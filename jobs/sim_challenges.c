/* sim_challenges.c — the simulator's part in the open challenges (SPEC §5):
 * each miner submits once to every open challenge (a small batch of its
 * leads); each validator that votes reads the submissions it has not seen
 * yet and scores them, honest ones by judging the leads, the lazy one with
 * 1; the silent one does nothing.  Progress lives in DIR/state.json. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sim.h"

static const long ANSWER_OK[] = {200, 0};

static void miner_submit(struct sim *s, const struct party *p, const char *id)
{
	json_t *done = sim_state_at(s, p->name, "challenges");
	if (json_object_get(done, id))
		return;
	char path[160];
	struct answer a;
	json_t *body = json_pack("{s:[o], s:s}", "leads", lead_new(s, p), "note", "one lead, checked");
	snprintf(path, sizeof path, "/v1/challenges/%s/submissions", id);
	sim_call(s, p, "challenge submit", false, "POST", path, body, ANSWER_OK, &a);
	if (a.status == 200)
		json_object_set(done, id, json_object_get(a.json, "submission_id"));
	json_decref(body);
	answer_free(&a);
}

/* The score a validator gives a submission: the mean of its verdicts on
 * the leads in it (a deny counts 0), or 1 from the lazy one. */
static double submission_score(const struct party *p, json_t *submission)
{
	json_t *leads = json_object_get(json_object_get(submission, "body"), "leads"), *lead;
	size_t i, n = json_array_size(leads);
	double sum = 0;
	if (p->behaviour == LAZY || n == 0)
		return p->behaviour == LAZY ? 1 : 0;
	json_array_foreach(leads, i, lead) {
		const char *decision, *reason;
		char score[8];
		lead_judge(lead, &decision, score, &reason);
		sum += strcmp(decision, "approve") == 0 ? strtod(score, NULL) : 0;
	}
	return (double)(long)(sum / (double)n * 10000) / 10000;  /* 4 decimals */
}

static void validator_score(struct sim *s, const struct party *p, const char *id)
{
	static const long expect[] = {200, 409, 0};  /* 409: scored before the state was saved */
	json_t *after = sim_state_at(s, p->name, "challenges"), *sub;
	const char *last = json_string_value(json_object_get(after, id));
	char path[200];
	struct answer a;
	size_t i;
	snprintf(path, sizeof path, "/v1/challenges/%s/submissions?limit=100%s%s", id,
	         last ? "&after=" : "", last ? last : "");
	sim_call(s, p, "challenge read", true, "GET", path, NULL, ANSWER_OK, &a);
	json_array_foreach(json_object_get(a.json, "submissions"), i, sub) {
		struct answer r;
		json_t *body = json_pack("{s:O, s:f}", "submission_id", json_object_get(sub, "submission_id"),
		                         "score", submission_score(p, sub));
		snprintf(path, sizeof path, "/v1/challenges/%s/results", id);
		sim_call(s, p, "challenge score", false, "POST", path, body, expect, &r);
		json_decref(body);
		answer_free(&r);
		json_object_set(after, id, json_object_get(sub, "submission_id"));
	}
	answer_free(&a);
}

void sim_challenges_tick(struct sim *s)
{
	struct answer a;
	json_t *c;
	size_t i;
	sim_call(s, NULL, "challenges", true, "GET", "/v1/challenges/active", NULL, ANSWER_OK, &a);
	json_array_foreach(json_object_get(a.json, "challenges"), i, c) {
		const char *id = json_string_value(json_object_get(c, "id"));
		for (size_t k = 0; id && k < s->nparties; k++) {
			const struct party *p = &s->parties[k];
			if (!p->validator)
				miner_submit(s, p, id);
		}
		for (size_t k = 0; id && k < s->nparties; k++) {
			const struct party *p = &s->parties[k];
			if (p->validator && p->behaviour != SILENT)
				validator_score(s, p, id);
		}
	}
	answer_free(&a);
}
