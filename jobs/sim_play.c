/* sim_play.c — what each participant of leadgate-sim does at a tick, given
 * where the gateway's clock stands (SPEC §2 windows, §5 endpoints):
 * miners submit leads once per epoch; validators fetch the epoch's leads
 * in its distribution window, judge them, commit in the commit window and
 * reveal in the next epoch's reveal window, each as its behaviour says;
 * and once an epoch is closed its signed results are read and summed up.
 * What happened is kept in DIR/state.json between ticks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "sim.h"

static const long ANSWER_OK[] = {200, 0};

/* ---- state between ticks ---------------------------------------------- */

json_t *sim_state_at(struct sim *s, const char *name, const char *key)
{
	json_t *parties = json_object_get(s->state, "parties");
	if (parties == NULL)
		json_object_set_new(s->state, "parties", parties = json_object());
	json_t *mine = json_object_get(parties, name);
	if (mine == NULL)
		json_object_set_new(parties, name, mine = json_object());
	json_t *v = json_object_get(mine, key);
	if (v == NULL)
		json_object_set_new(mine, key, v = json_object());
	return v;
}

/* A validator's record of epoch e: its votes, commit and reveal status;
 * NULL when there is none and create is false. */
static json_t *epoch_find(struct sim *s, const struct party *p, uint64_t e, bool create)
{
	char key[24];
	snprintf(key, sizeof key, "%llu", (unsigned long long)e);
	json_t *epochs = sim_state_at(s, p->name, "epochs"), *rec = json_object_get(epochs, key);
	if (rec == NULL && create)
		json_object_set_new(epochs, key, rec = json_object());
	return rec;
}

static json_t *epoch_record(struct sim *s, const struct party *p, uint64_t e)
{
	return epoch_find(s, p, e, true);
}

/* Records older than the replayer needs are dropped, so the file stays small. */
static void forget_old(struct sim *s, uint64_t epoch)
{
	for (size_t i = 0; i < s->nparties; i++) {
		json_t *epochs = sim_state_at(s, s->parties[i].name, "epochs"), *rec;
		json_t *seen = sim_state_at(s, s->parties[i].name, "seen");
		const char *key;
		void *tmp;
		json_object_foreach_safe(epochs, tmp, key, rec)
			if (strtoull(key, NULL, 10) + 4 < epoch)
				json_object_del(epochs, key);
		json_object_foreach_safe(seen, tmp, key, rec)
			if ((uint64_t)json_integer_value(rec) + 4 < epoch)
				json_object_del(seen, key);
	}
}

static long rec_int(json_t *rec, const char *key)
{
	return (long)json_integer_value(json_object_get(rec, key));
}

/* ---- the clock ------------------------------------------------------- */

struct clock {
	uint64_t epoch, offset, block_seconds;
	bool first3;                      /* consensus_mode = first3 */
	bool distribution_open, commit_open;
	uint64_t commit_end, reveal_end;  /* offsets */
};

static uint64_t member_u64(json_t *o, const char *a, const char *b)
{
	json_t *v = b ? json_object_get(json_object_get(o, a), b) : json_object_get(o, a);
	return (uint64_t)json_integer_value(v);
}

static bool window_open(json_t *windows, const char *name)
{
	return json_is_true(json_object_get(json_object_get(windows, name), "open"));
}

static bool clock_get(struct sim *s, struct clock *c)
{
	struct answer a;
	sim_call(s, NULL, "clock", true, "GET", "/v1/epoch/current", NULL, ANSWER_OK, &a);
	json_t *w = json_object_get(a.json, "windows");
	bool ok = a.status == 200 && json_is_object(w);
	if (ok) {
		uint64_t L = member_u64(a.json, "epoch_length", NULL);
		*c = (struct clock){.epoch = member_u64(a.json, "epoch", NULL),
		                    .offset = member_u64(a.json, "offset", NULL),
		                    .block_seconds = member_u64(a.json, "block_seconds", NULL)};
		const char *mode = json_string_value(json_object_get(a.json, "consensus_mode"));
		c->first3 = mode && strcmp(mode, "first3") == 0;
		c->distribution_open = window_open(w, "distribution");
		c->commit_open = window_open(w, "commit");
		c->commit_end = member_u64(w, "commit", "last_block") - c->epoch * L;
		c->reveal_end = member_u64(w, "reveal", "last_block") - member_u64(w, "reveal", "first_block");
		bool new_epoch = s->requests == 1 || c->epoch != s->epoch;
		s->epoch = c->epoch;
		if (new_epoch)  /* once per epoch is enough to follow the chain */
			printf("sim: block %lld, epoch %llu, offset %llu\n",
			       (long long)json_integer_value(json_object_get(a.json, "block")),
			       (unsigned long long)c->epoch, (unsigned long long)c->offset);
	}
	answer_free(&a);
	return ok;
}

/* ---- miners ------------------------------------------------------------ */

static void miner_tick(struct sim *s, const struct party *p, const struct clock *c)
{
	json_t *mine = sim_state_at(s, p->name, "miner");
	if (json_object_get(mine, "submitted") && (uint64_t)rec_int(mine, "submitted") >= c->epoch)
		return;
	json_t *leads = json_array();
	for (unsigned i = 0; i < s->leads_per_miner; i++)
		json_array_append_new(leads, lead_new(s, p));
	json_t *body = json_pack("{s:o}", "leads", leads);
	struct answer a;
	sim_call(s, p, "submit", false, "POST", "/v1/leads", body, ANSWER_OK, &a);
	json_object_set_new(mine, "submitted", json_integer((json_int_t)c->epoch));
	json_decref(body);
	answer_free(&a);
}

/* ---- validators: judging ---------------------------------------------- */

static void salt_new(char out[33])
{
	uint8_t r[16];
	randombytes_buf(r, sizeof r);
	ls_hex(r, sizeof r, out);
}

/* The vote this validator means to reveal on each lead, with its salt. */
static json_t *votes_for(const struct party *p, json_t *leads)
{
	json_t *votes = json_array(), *item;
	size_t i;
	json_array_foreach(leads, i, item) {
		const char *decision = "approve", *reason = "pass";
		char score[8] = "1", salt[33];
		if (p->behaviour != LAZY)
			lead_judge(json_object_get(item, "lead"), &decision, score, &reason);
		salt_new(salt);
		json_array_append_new(votes, json_pack("{s:O, s:s, s:s, s:s, s:s}", "lead_id",
		                                       json_object_get(item, "lead_id"), "decision",
		                                       decision, "rep_score", score,
		                                       "rejection_reason", reason, "salt", salt));
	}
	return votes;
}

/* The commitment to vote, as the lead id given (SPEC §5), in hex. */
static void commitment(json_t *vote, const char *lead_id, char hex[65])
{
	uint8_t h[32];
	ls_vote_commitment(lead_id, json_string_value(json_object_get(vote, "decision")),
	                   json_string_value(json_object_get(vote, "rep_score")),
	                   json_string_value(json_object_get(vote, "rejection_reason")),
	                   json_string_value(json_object_get(vote, "salt")), h);
	ls_hex(h, 32, hex);
}

/* ---- validators: the epoch's steps ------------------------------------ */

static void fetch(struct sim *s, const struct party *p, uint64_t e)
{
	static const long expect[] = {200, 503, 0};  /* 503 until prefetch assigned it */
	json_t *rec = epoch_record(s, p, e);
	char path[64];
	struct answer a;
	if (json_object_get(rec, "votes"))
		return;
	snprintf(path, sizeof path, "/v1/epoch/%llu/leads", (unsigned long long)e);
	sim_call(s, p, "fetch", false, "GET", path, NULL, expect, &a);
	json_t *leads = json_object_get(a.json, "leads");
	if (a.status == 200 && json_is_array(leads)) {
		json_object_set_new(rec, "votes", votes_for(p, leads));
		json_t *seen = sim_state_at(s, p->name, "seen"), *item;
		size_t i;
		json_array_foreach(leads, i, item)  /* what a replayer may slip in later */
			json_object_set_new(seen, json_string_value(json_object_get(item, "lead_id")),
			                    json_integer((json_int_t)e));
	}
	answer_free(&a);
}

/* A lead this validator saw in an epoch before e, or NULL. */
static const char *stale_lead(struct sim *s, const struct party *p, uint64_t e)
{
	const char *id;
	json_t *epoch;
	json_object_foreach(sim_state_at(s, p->name, "seen"), id, epoch)
		if ((uint64_t)json_integer_value(epoch) < e)
			return id;
	return NULL;
}

static void commit(struct sim *s, const struct party *p, uint64_t e, const long *expect)
{
	static const long refused[] = {403, 0};
	json_t *rec = epoch_record(s, p, e), *votes = json_object_get(rec, "votes"), *vote;
	json_t *list = json_array();
	const char *stale = p->behaviour == STALE ? stale_lead(s, p, e) : NULL;
	char path[64], hex[65];
	size_t i;
	json_array_foreach(votes, i, vote) {
		/* the replayer puts an old lead in place of the first one */
		const char *id = i == 0 && stale ? stale
		                                 : json_string_value(json_object_get(vote, "lead_id"));
		commitment(vote, id, hex);
		json_array_append_new(list, json_pack("{s:s, s:s}", "lead_id", id, "commitment", hex));
	}
	json_t *body = json_pack("{s:o}", "commitments", list);
	struct answer a;
	snprintf(path, sizeof path, "/v1/epoch/%llu/commit", (unsigned long long)e);
	bool replay = stale && json_array_size(votes) > 0;
	sim_call(s, p, replay ? "commit a stale lead" : "commit", false, "POST", path, body,
	         replay ? refused : expect, &a);
	json_object_set_new(rec, "commit", json_integer(a.status));
	json_decref(body);
	answer_free(&a);
}

static void reveal(struct sim *s, const struct party *p, uint64_t e)
{
	static const long mismatch[] = {422, 0};
	json_t *rec = epoch_find(s, p, e, false), *votes = json_object_get(rec, "votes");
	char path[64];
	if (rec == NULL || rec_int(rec, "commit") != 200 || json_object_get(rec, "reveal"))
		return;
	json_t *list = json_deep_copy(votes);
	bool flip = p->behaviour == MISMATCH && json_array_size(list) > 0;
	if (flip) {  /* reveal the opposite of what was committed */
		json_t *v = json_array_get(list, 0);
		bool approve = strcmp(json_string_value(json_object_get(v, "decision")), "approve") == 0;
		json_object_set_new(v, "decision", json_string(approve ? "deny" : "approve"));
		json_object_set_new(v, "rejection_reason", json_string(approve ? "junior_role" : "pass"));
	}
	json_t *body = json_pack("{s:o}", "reveals", list);
	struct answer a;
	snprintf(path, sizeof path, "/v1/epoch/%llu/reveal", (unsigned long long)e);
	sim_call(s, p, flip ? "reveal a changed vote" : "reveal", false, "POST", path, body,
	         flip ? mismatch : ANSWER_OK, &a);
	json_object_set_new(rec, "reveal", json_integer(a.status));
	json_decref(body);
	answer_free(&a);
}

/* The late committer commits once the window is shut: in E after
 * commit_end, or for E-1 when its tick only comes in E. */
static void late_commit(struct sim *s, const struct party *p, const struct clock *c)
{
	static const long refused[] = {403, 0};
	for (uint64_t e = c->epoch ? c->epoch - 1 : 0; e <= c->epoch; e++) {
		json_t *rec = epoch_find(s, p, e, false);
		bool shut = e < c->epoch || c->offset > c->commit_end;
		if (json_object_get(rec, "votes") && !json_object_get(rec, "commit") && shut)
			commit(s, p, e, refused);
	}
}

/* ---- validators: the first3 mode --------------------------------------- */

/* Pull up to 10 leads and vote on each as the behaviour says: honest
 * validators judge, the lazy one says valid with 1, the silent one pulls
 * and never votes (its pulls expire); the others judge as honest ones do
 * (their tricks belong to commit-reveal). */
static void queue_tick(struct sim *s, const struct party *p, const struct clock *c)
{
	struct answer a;
	json_t *body = json_pack("{s:i}", "limit", 10), *item;
	size_t i;
	sim_call(s, p, "pull", false, "POST", "/v1/queue/pull", body, ANSWER_OK, &a);
	json_decref(body);
	json_array_foreach(json_object_get(a.json, "leads"), i, item) {
		const char *decision = "approve", *reason;
		char score[8] = "1";
		struct answer v;
		if (p->behaviour == SILENT)
			break;
		if (p->behaviour != LAZY)
			lead_judge(json_object_get(item, "lead"), &decision, score, &reason);
		body = json_pack("{s:O, s:b, s:f}", "lead_id", json_object_get(item, "lead_id"),
		                 "is_valid", strcmp(decision, "approve") == 0, "score", strtod(score, NULL));
		sim_call(s, p, "vote", false, "POST", "/v1/queue/votes", body, ANSWER_OK, &v);
		json_decref(body);
		answer_free(&v);
		json_t *rec = epoch_record(s, p, c->epoch);  /* took part: report this epoch */
		if (json_object_get(rec, "votes") == NULL)
			json_object_set_new(rec, "votes", json_array());
	}
	answer_free(&a);
}

static void validator_tick(struct sim *s, const struct party *p, const struct clock *c)
{
	if (c->first3)
		return queue_tick(s, p, c);
	if (c->epoch > 0 && c->offset <= c->reveal_end)
		reveal(s, p, c->epoch - 1);
	if (p->behaviour == LATE)
		late_commit(s, p, c);
	if (c->distribution_open)
		fetch(s, p, c->epoch);
	json_t *rec = epoch_find(s, p, c->epoch, false);
	if (c->commit_open && p->behaviour != LATE && p->behaviour != SILENT &&
	    json_object_get(rec, "votes") && !json_object_get(rec, "commit"))
		commit(s, p, c->epoch, ANSWER_OK);
}

/* ---- results ---------------------------------------------------------- */

static const char *name_of(const struct sim *s, const char *ss58, const char **behaviour)
{
	for (size_t i = 0; i < s->nparties; i++)
		if (strcmp(s->parties[i].ss58, ss58) == 0) {
			*behaviour = s->parties[i].validator ? behaviour_name(s->parties[i].behaviour) : "miner";
			return s->parties[i].name;
		}
	*behaviour = "";
	return ss58;
}

static void print_results(const struct sim *s, uint64_t e, json_t *r)
{
	json_t *sum = json_object_get(r, "summary"), *item;
	const char *b;
	size_t i;
	printf("sim: epoch %llu closed: %lld leads, %lld approved, %lld denied, %lld requeued\n",
	       (unsigned long long)e, (long long)json_integer_value(json_object_get(sum, "leads")),
	       (long long)json_integer_value(json_object_get(sum, "approved")),
	       (long long)json_integer_value(json_object_get(sum, "denied")),
	       (long long)json_integer_value(json_object_get(sum, "requeued")));
	json_array_foreach(json_object_get(r, "validators"), i, item) {
		const char *name = name_of(s, json_string_value(json_object_get(item, "hotkey")), &b);
		printf("sim:   %-12s %-9s revealed %-3s agreement %3.0f%% %s\n", name, b,
		       json_is_true(json_object_get(item, "revealed")) ? "yes" : "no",
		       100 * json_real_value(json_object_get(item, "agreement")),
		       json_is_true(json_object_get(item, "eligible")) ? "eligible" : "not eligible");
	}
	for (size_t k = 0; k < s->nparties; k++) {
		const struct party *p = &s->parties[k];
		bool listed = false;
		json_array_foreach(json_object_get(r, "validators"), i, item)
			listed |= strcmp(json_string_value(json_object_get(item, "hotkey")), p->ss58) == 0;
		if (p->validator && !listed)
			printf("sim:   %-12s %-9s no commitment counted\n", p->name,
			       behaviour_name(p->behaviour));
	}
	json_array_foreach(json_object_get(r, "miners"), i, item) {
		const char *name = name_of(s, json_string_value(json_object_get(item, "hotkey")), &b);
		printf("sim:   %-12s approved %lld, weight %lld/65535\n", name,
		       (long long)json_integer_value(json_object_get(item, "approved")),
		       (long long)json_integer_value(json_object_get(item, "weight_u16")));
	}
}

/* Has any of our validators fetched epoch e's leads? */
static bool took_part(struct sim *s, uint64_t e)
{
	for (size_t i = 0; i < s->nparties; i++)
		if (s->parties[i].validator &&
		    json_object_get(epoch_find(s, &s->parties[i], e, false), "votes"))
			return true;
	return false;
}

/* Read the results of every epoch the cast took part in once it closed;
 * returns how many were newly reported. */
static unsigned report_results(struct sim *s, const struct clock *c)
{
	static const long expect[] = {200, 404, 0};  /* 404 until leadgate-close ran */
	uint64_t first = (uint64_t)json_integer_value(json_object_get(s->state, "reported")) + 1;
	unsigned reported = 0;
	if (c->epoch > 3 && first < c->epoch - 3)
		first = c->epoch - 3;
	for (uint64_t e = first; e < c->epoch; e++) {
		if (e + 1 == c->epoch && c->offset <= c->reveal_end)
			break;  /* still in its reveal window */
		char path[64];
		struct answer a;
		if (took_part(s, e)) {
			snprintf(path, sizeof path, "/v1/epoch/%llu/results", (unsigned long long)e);
			sim_call(s, NULL, "results", false, "GET", path, NULL, expect, &a);
			bool closed = a.status == 200;
			if (closed) {
				print_results(s, e, a.json);
				sim_remember_approved(s, a.json);
			}
			answer_free(&a);
			if (!closed)
				break;
			reported++;
		}
		json_object_set_new(s->state, "reported", json_integer((json_int_t)e));
	}
	return reported;
}

unsigned sim_tick(struct sim *s, uint64_t *block_seconds)
{
	struct clock c;
	if (!clock_get(s, &c))
		return 0;
	*block_seconds = c.block_seconds;
	forget_old(s, c.epoch);
	for (size_t i = 0; i < s->nparties; i++) {
		if (s->parties[i].validator)
			validator_tick(s, &s->parties[i], &c);
		else
			miner_tick(s, &s->parties[i], &c);
	}
	sim_challenges_tick(s);
	sim_requests_tick(s);
	return report_results(s, &c);
}
