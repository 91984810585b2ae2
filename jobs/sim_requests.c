/* sim_requests.c — the simulator's paying client and the validators'
 * rankings (SPEC §5, §6).  When DIR/client.key holds an API key (made by
 * `leadgate-admin clients add NAME > DIR/client.key`), the client keeps
 * one request open and polls it until it completes or expires; every
 * validator but the silent one ranks each open request once: the approved
 * leads the simulator saw in closed epochs' results, and a few leads of
 * its miners proposed in full.  Honest validators score by judging, the
 * lazy one gives everything 1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sim.h"

#define APPROVED_KEPT 40
#define PROPOSALS 2

static const long ANSWER_OK[] = {200, 0};

void sim_remember_approved(struct sim *s, json_t *results)
{
	json_t *kept = json_object_get(s->state, "approved"), *lead;
	size_t i;
	if (!json_is_array(kept)) {
		kept = json_array();
		json_object_set_new(s->state, "approved", kept);
	}
	json_array_foreach(json_object_get(results, "leads"), i, lead)
		if (strcmp(json_string_value(json_object_get(lead, "decision")) ?: "", "approve") == 0)
			json_array_append(kept, json_object_get(lead, "lead_id"));
	while (json_array_size(kept) > APPROVED_KEPT)
		json_array_remove(kept, 0);
}

/* A lead's score from this validator: judged, or 1 from the lazy one. */
static double judged(const struct party *v, json_t *lead)
{
	const char *decision, *reason;
	char score[8];
	if (v->behaviour == LAZY || lead == NULL)
		return 1;
	lead_judge(lead, &decision, score, &reason);
	return strcmp(decision, "approve") == 0 ? strtod(score, NULL) : 0;
}

static void ranking_add(json_t *list, json_t *lead, double score)
{
	json_array_append_new(list, json_pack("{s:O, s:f, s:i}", "lead", lead, "score", score, "rank",
	                                      (int)json_array_size(list) + 1));
}

/* Approved ids first (scored by their place: newer is better here), then
 * proposals by their judged score; ranks follow the order. */
static json_t *ranking_new(struct sim *s, const struct party *v)
{
	json_t *list = json_array(), *id;
	size_t i, n = json_array_size(json_object_get(s->state, "approved"));
	json_array_foreach(json_object_get(s->state, "approved"), i, id) {
		double newer = 0.5 + 0.5 * (double)(i + 1) / (double)n;
		ranking_add(list, id, v->behaviour == LAZY ? 1 : (double)(long)(newer * 10000) / 10000);
	}
	for (size_t k = 0, made = 0; k < s->nparties && made < PROPOSALS; k++) {
		if (s->parties[k].validator)
			continue;
		json_t *lead = lead_new(s, &s->parties[k]);
		ranking_add(list, lead, judged(v, lead));
		json_decref(lead);
		made++;
	}
	return json_pack("{s:o}", "rankings", list);
}

static void validator_rank(struct sim *s, const struct party *v)
{
	static const long expect[] = {200, 409, 0};  /* 409: completed meanwhile */
	struct answer a;
	json_t *r;
	size_t i;
	sim_call(s, v, "open requests", true, "GET", "/v1/requests/open", NULL, ANSWER_OK, &a);
	json_array_foreach(json_object_get(a.json, "requests"), i, r) {
		if (json_is_true(json_object_get(r, "ranked")))
			continue;
		char path[96];
		struct answer ra;
		json_t *body = ranking_new(s, v);
		snprintf(path, sizeof path, "/v1/requests/%s/rankings",
		         json_string_value(json_object_get(r, "request_id")));
		sim_call(s, v, "rank", false, "POST", path, body, expect, &ra);
		json_decref(body);
		answer_free(&ra);
	}
	answer_free(&a);
}

static void client_report(const struct sim *s, json_t *req)
{
	json_t *m = json_object_get(req, "metrics");
	const char *status = json_string_value(json_object_get(req, "status"));
	printf("sim: epoch %llu client request %s %s", (unsigned long long)s->epoch,
	       json_string_value(json_object_get(req, "request_id")), status);
	if (strcmp(status, "completed") == 0)
		printf(": %zu leads, %lld validators ranked, %lld timed out, top score %.4f",
		       json_array_size(json_object_get(req, "leads")),
		       (long long)json_integer_value(json_object_get(m, "validators_ranked")),
		       (long long)json_integer_value(json_object_get(m, "validators_timed_out")),
		       json_number_value(json_object_get(json_array_get(json_object_get(req, "leads"), 0), "score")));
	printf("\n");
	fflush(stdout);
}

/* The client: one request at a time, polled until it is decided. */
static void client_tick(struct sim *s)
{
	static const long created[] = {202, 429, 503, 0};
	json_t *open = json_object_get(s->state, "client_request");
	struct answer a;
	char path[96];
	if (s->client_key[0] == '\0')
		return;
	if (json_is_string(open)) {
		snprintf(path, sizeof path, "/v1/requests/%s", json_string_value(open));
		sim_client_call(s, "poll", "GET", path, NULL, ANSWER_OK, &a);
		const char *status = json_string_value(json_object_get(a.json, "status"));
		if (a.status != 200 || (status && (strcmp(status, "completed") == 0 || strcmp(status, "expired") == 0))) {
			if (a.status == 200)
				client_report(s, a.json);
			json_object_del(s->state, "client_request");
		}
		answer_free(&a);
		return;
	}
	json_t *body = json_pack("{s:i, s:s}", "num_leads", 5, "business_desc",
	                         "B2B software firms in Europe with 11-200 staff; a CTO or VP "
	                         "Engineering to talk to about developer tooling.");
	sim_client_call(s, "request", "POST", "/v1/requests", body, created, &a);
	if (a.status == 202)
		json_object_set(s->state, "client_request", json_object_get(a.json, "request_id"));
	json_decref(body);
	answer_free(&a);
}

void sim_requests_tick(struct sim *s)
{
	client_tick(s);
	for (size_t k = 0; k < s->nparties; k++) {
		const struct party *p = &s->parties[k];
		if (p->validator && p->behaviour != SILENT)
			validator_rank(s, p);
	}
}
