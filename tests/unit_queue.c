/*
 * unit_queue.c — the first-three-validators mode's store rules (SPEC §6),
 * the clock passed in: who may pull what, the third pull taking a lead off
 * the queue, one vote per pull, 2-of-3 and 1-of-3 decisions with the mean
 * score, expired pulls returned to the queue and counted, bad bodies, and
 * the epoch mode refusing the queue.
 */
#include <math.h>
#include "tap.h"
#include "test_lead.h"
#include "leadstore.h"

static const int64_t t0 = 1800000000;
static struct ls_identity miner, v[4];

static ls_store *open_store_quota(unsigned mode, unsigned per_day)
{
	struct ls_config cfg;
	ls_store *st;
	ls_err err = {0};
	char snap[512];
	struct ls_sync_report rep;
	ls_config_defaults(&cfg);
	snprintf(cfg.store_dir, sizeof cfg.store_dir, "%s", tap_tempdir());
	cfg.map_size = 1 << 20;  /* reserved on disk; grown on demand */
	cfg.submit_cooldown = 0;
	cfg.consensus_mode = mode;
	cfg.pull_timeout = 60;
	cfg.rate_submissions_per_day = per_day;
	cfg.rate_submissions_per_epoch = per_day;
	if (ls_open(&st, &cfg, LS_OPEN_CREATE, &err) != LS_OK)
		tap_bail(err.detail);
	snprintf(snap, sizeof snap,
	         "{\"block\":3600,\"block_time\":%lld,\"neurons\":[{\"uid\":3,\"hotkey\":\"%s\","
	         "\"stake\":5,\"validator_trust\":0,\"validator_permit\":false}]}",
	         (long long)t0, miner.ss58);
	if (ls_metagraph_import(st, snap, strlen(snap), t0, &rep, &err) != LS_OK)
		tap_bail(err.detail);
	return st;
}

static ls_store *open_store(unsigned mode)
{
	return open_store_quota(mode, 1000);
}

static json_t *lead(int i)
{
	return test_lead(i, miner.ss58);
}

static char ids[5][37];

static void submit_five(ls_store *st)
{
	json_t *list = json_array();
	struct ls_submit_result r[5];
	ls_err err = {0};
	for (int i = 0; i < 5; i++)
		json_array_append_new(list, lead(i));
	if (ls_leads_submit(st, &miner, list, t0, r, &err) != LS_OK)
		tap_bail(err.detail);
	for (int i = 0; i < 5; i++)
		ls_uuid_format(r[i].lead_id, ids[i]);
	json_decref(list);
}

/* Pull with limit; the lead ids handed out, as "0,1,2" (indexes into ids). */
static ls_status pull(ls_store *st, const struct ls_identity *who, int limit, int64_t now,
                      char *got, ls_err *err)
{
	char text[32], *answer = NULL;
	snprintf(text, sizeof text, "{\"limit\":%d}", limit);
	json_t *body = json_loads(text, 0, NULL), *item;
	ls_status s = ls_queue_pull(st, who, body, now, &answer, err);
	json_decref(body);
	got[0] = '\0';
	json_t *a = answer ? json_loads(answer, 0, NULL) : NULL;
	size_t i;
	json_array_foreach(json_object_get(a, "leads"), i, item)
		for (int k = 0; k < 5; k++)
			if (strcmp(json_string_value(json_object_get(item, "lead_id")), ids[k]) == 0 &&
			    json_is_object(json_object_get(item, "lead")))
				sprintf(got + strlen(got), "%s%d", got[0] ? "," : "", k);
	json_decref(a);
	free(answer);
	return s;
}

static ls_status vote(ls_store *st, const struct ls_identity *who, int lead, bool valid,
                      const char *score, int64_t now, char **answer, ls_err *err)
{
	char text[160];
	snprintf(text, sizeof text, "{\"lead_id\":\"%s\",\"is_valid\":%s,\"score\":%s}", ids[lead],
	         valid ? "true" : "false", score);
	json_t *body = json_loads(text, 0, NULL);
	*answer = NULL;
	ls_status s = ls_queue_vote(st, who, body, now, answer, err);
	json_decref(body);
	return s;
}

static bool decided(char *answer, const char *verdict, double score)
{
	json_t *a = json_loads(answer, 0, NULL);
	json_t *d = json_object_get(a, "decision");
	bool yes = json_is_true(json_object_get(a, "decided")) &&
	           strcmp(json_string_value(json_object_get(d, "verdict")), verdict) == 0 &&
	           fabs(json_number_value(json_object_get(d, "score")) - score) < 1e-9;
	json_decref(a);
	free(answer);
	return yes;
}

static void pulling(ls_store *st)
{
	char got[64];
	ls_err err = {0};
	pull(st, &v[0], 5, t0, got, &err);
	is_str(got, "0,1,2,3,4", "v0 pulls the five leads, oldest first, with their contents");
	pull(st, &v[0], 5, t0, got, &err);
	is_str(got, "", "v0 pulls again: nothing it already has");
	pull(st, &v[1], 2, t0, got, &err);
	is_str(got, "0,1", "v1 pulls 2: the two oldest");
	pull(st, &v[2], 5, t0, got, &err);
	is_str(got, "0,1,2,3,4", "v2 pulls 5: all five (0 and 1 now have three validators)");
	pull(st, &v[3], 5, t0, got, &err);
	is_str(got, "2,3,4", "v3 gets only 2, 3 and 4: a lead goes to 3 validators at most");
	pull(st, &v[1], 5, t0, got, &err);
	is_str(got, "", "v1 finds the queue empty: every lead has three pulls");
}

static void voting(ls_store *st)
{
	char *answer;
	ls_err err = {0};
	ok(vote(st, &v[3], 0, true, "0.5", t0, &answer, &err) == LS_FORBIDDEN &&
	       strcmp(err.code, "not_pulled") == 0, "a vote on a lead not pulled: 403 not_pulled");
	ok(vote(st, &v[0], 0, true, "0.8", t0, &answer, &err) == LS_OK && !strstr(answer, "\"decision\""),
	   "the first vote is taken, the lead undecided");
	free(answer);
	ok(vote(st, &v[0], 0, false, "0.1", t0, &answer, &err) == LS_CONFLICT &&
	       strcmp(err.code, "already_voted") == 0, "a second vote on it: 409 already_voted");
	ok(vote(st, &v[1], 0, true, "0.6", t0, &answer, &err) == LS_OK, "the second vote");
	free(answer);
	ok(vote(st, &v[2], 0, false, "0.1", t0, &answer, &err) == LS_OK &&
	       decided(answer, "approve", 0.5),
	   "the third decides: 2 of 3 valid, approved with the mean score 0.5");
	vote(st, &v[0], 1, false, "0.2", t0, &answer, &err);
	free(answer);
	vote(st, &v[1], 1, true, "0.9", t0, &answer, &err);
	free(answer);
	ok(vote(st, &v[2], 1, false, "0.3", t0, &answer, &err) == LS_OK &&
	       decided(answer, "deny", 0.4667), "1 of 3 valid: denied, mean 0.4667");
	ok(vote(st, &v[0], 1, true, "0.5", t0, &answer, &err) == LS_FORBIDDEN,
	   "a vote on a decided lead: 403 not_pulled");
	ok(vote(st, &v[0], 2, true, "1.5", t0, &answer, &err) == LS_INVALID &&
	       strcmp(err.field, "score") == 0, "a score of 1.5: 400 naming score");
	ok(vote(st, &v[0], 2, true, "0.12345", t0, &answer, &err) == LS_INVALID,
	   "a score with 5 decimals: 400");
	ok(vote(st, &miner, 2, true, "0.5", t0, &answer, &err) == LS_FORBIDDEN &&
	       strcmp(err.code, "not_validator") == 0, "a miner's vote: 403 not_validator");
}

static void expiry(ls_store *st)
{
	char *answer, got[64];
	ls_err err = {0};
	ok(vote(st, &v[0], 2, true, "0.7", t0 + 10, &answer, &err) == LS_OK, "v0 votes on lead 2 in time");
	free(answer);
	ok(vote(st, &v[2], 3, true, "0.5", t0 + 61, &answer, &err) == LS_FORBIDDEN &&
	       strcmp(err.code, "pull_expired") == 0,
	   "a vote after its pull's deadline, before any sweep: 403 pull_expired, not counted");
	/* past pull_timeout (60 s): every unvoted pull of 2, 3 and 4 expires */
	pull(st, &v[1], 5, t0 + 61, got, &err);
	is_str(got, "2,3,4", "after pull_timeout, the expired pulls are dropped: v1 gets 2, 3 and 4 back");
	ok(vote(st, &v[2], 3, true, "0.5", t0 + 62, &answer, &err) == LS_FORBIDDEN,
	   "a vote on an expired pull: 403 not_pulled");
	pull(st, &v[2], 5, t0 + 62, got, &err);
	is_str(got, "", "the lead went back for others: the validator whose pull expired cannot pull it again");
	ls_reader *rd;
	char *page = NULL;
	size_t len;
	if (ls_reader_begin(st, &rd, &err) != LS_OK || ls_log_page(rd, 0, 500, &page, &len, &err) != LS_OK)
		tap_bail(err.detail);
	int expired = 0;
	for (const char *p = page; (p = strstr(p, "\"PULL_EXPIRED\"")) != NULL; p++)
		expired++;
	ok(expired == 8, "eight PULL_EXPIRED entries: v2 and v3 on lead 2, v0, v2 and v3 on 3 and 4 (%d)",
	   expired);
	free(page);
	ls_reader_end(rd);
}

/* leadgate-close on the epoch of those decisions: the epoch mode's
 * agreement, eligibility and weights, from votes instead of reveals. */
static void closing(ls_store *st)
{
	struct ls_keypair gw;
	static const uint8_t seed[32] = {7};
	struct ls_close_report r;
	ls_err err = {0};
	ls_reader *rd;
	struct ls_body b;
	ls_keypair_from_seed(LS_KEY_ED25519, seed, &gw);
	/* the metagraph's block 3600 at t0 is epoch 10; it closes from block
	 * 11 x 360 + reveal_end + 1, 7 minutes of 12-s blocks later */
	ok(ls_epochs_close(st, t0 + 60, gw.sk, &r, &err) == LS_OK && r.closed == 0,
	   "while its epoch runs, nothing closes");
	ok(ls_epochs_close(st, t0 + 5100, gw.sk, &r, &err) == LS_OK && r.closed == 1 &&
	       r.last_epoch == 10 && r.approved == 1 && r.denied == 1 && r.requeued == 0,
	   "leadgate-close closes epoch 10 from its two decisions: 1 approved, 1 denied (%s)",
	   err.detail);
	if (ls_reader_begin(st, &rd, &err) != LS_OK || ls_epoch_published(rd, 10, "results", &b, &err) != LS_OK)
		tap_bail(err.detail);
	json_t *res = json_loadb(b.data, b.len, 0, NULL), *val;
	size_t i, eligible = 0;
	char expired[32] = "";
	json_array_foreach(json_object_get(res, "validators"), i, val) {
		eligible += json_is_true(json_object_get(val, "eligible"));
		sprintf(expired + strlen(expired), "%s%lld/%lld", i ? "," : "",
		        json_integer_value(json_object_get(val, "voted")),
		        json_integer_value(json_object_get(val, "pulls_expired")));
	}
	json_t *m = json_array_get(json_object_get(res, "miners"), 0);
	ok(json_array_size(json_object_get(res, "validators")) == 4 && eligible == 3 &&
	       json_array_size(json_object_get(res, "miners")) == 1 &&
	       strcmp(json_string_value(json_object_get(m, "hotkey")), miner.ss58) == 0 &&
	       json_integer_value(json_object_get(m, "approved")) == 1 &&
	       json_integer_value(json_object_get(m, "weight_u16")) == 65535 &&
	       ls_signed_body_verify(b.data, b.len, gw.pk),
	   "its signed results: the three voters, each in consensus on at least 10%%, eligible; "
	   "the miner's one approved lead carries all 65535 of the weight");
	/* hotkeys 0x20.. sort as v0..v3: votes on decided leads / pulls expired */
	is_str(expired, "2/2,2/0,2/3,0/3",
	       "each validator's expired pulls are counted against it in the results; v3, who "
	       "only let its pulls expire, is listed, not eligible");
	json_decref(res);
	ls_reader_end(rd);
	ok(ls_epochs_close(st, t0 + 5200, gw.sk, &r, &err) == LS_OK && r.closed == 0,
	   "closing again changes nothing");
}

/* Decisions and misses are kept keep_vote_epochs (2) epochs after their
 * own, then leadgate-prune drops them; the leads keep their status. */
static void pruning(ls_store *st)
{
	struct ls_prune_report r = {0};
	ls_err err = {0};
	const int64_t epoch_s = 360 * 12;
	ok(ls_prune(st, t0 + 2 * epoch_s, &r, &err) == LS_OK && r.votes == 0,
	   "two epochs on, epoch 10's decisions and misses are kept (%llu dropped)",
	   (unsigned long long)r.votes);
	ok(ls_prune(st, t0 + 3 * epoch_s, &r, &err) == LS_OK && r.votes == 5,
	   "three epochs on, leadgate-prune drops them: 2 decisions, 3 validators' misses (%llu)",
	   (unsigned long long)r.votes);
	ls_reader *rd;
	struct ls_lead_view view;
	uint8_t id[16];
	if (ls_reader_begin(st, &rd, &err) != LS_OK || ls_uuid_parse(ids[0], id) != LS_OK)
		tap_bail(err.detail);
	ok(ls_lead_get(rd, id, miner.hotkey, &view, &err) == LS_OK &&
	       view.state == LS_LEAD_APPROVED && view.score_e4 == 5000 && view.epoch == 10,
	   "the decided lead stays approved, with its score and epoch");
	ls_reader_end(rd);
}

/* What the participants' statistics say of epoch 10 after close: the
 * miner's counters kept as it went, its weight from close; the cached
 * list now with the closed epoch. */
static void participants(ls_store *st)
{
	ls_reader *rd;
	char *body = NULL;
	size_t len;
	struct ls_body list;
	ls_err err = {0};
	if (ls_reader_begin(st, &rd, &err) != LS_OK)
		tap_bail(err.detail);
	ok(ls_participant_get(rd, miner.ss58, LS_PARTICIPANT_EPOCHS, &body, &len, &err) == LS_OK,
	   "the miner's statistics are read by its hotkey (%s)", err.detail);
	json_t *o = json_loads(body ? body : "{}", 0, NULL);
	json_t *e = json_array_get(json_object_get(o, "epochs"), 0);
	ok(json_array_size(json_object_get(o, "epochs")) == 1 &&
	       json_integer_value(json_object_get(e, "epoch")) == 10 &&
	       json_integer_value(json_object_get(e, "submitted")) == 5 &&
	       json_integer_value(json_object_get(e, "approved")) == 1 &&
	       json_integer_value(json_object_get(e, "denied")) == 1 &&
	       json_integer_value(json_object_get(e, "weight_u16")) == 65535 &&
	       json_is_true(json_object_get(e, "closed")) &&
	       strcmp(json_string_value(json_object_get(o, "role")), "miner") == 0,
	   "epoch 10: 5 submitted, 1 approved and 1 denied (counted as they were decided), weight "
	   "65535 (from close), closed");
	json_decref(o);
	o = NULL;
	free(body);
	ok(ls_participant_get(rd, v[0].ss58, 10, &body, &len, &err) == LS_NOTFOUND &&
	       ls_participant_get(rd, "5notanaddress", 10, &body, &len, &err) == LS_INVALID,
	   "a hotkey not in the metagraph: 404; a malformed one: 400");
	ok(ls_cache_get(rd, "participants", &list) == LS_OK && (o = json_loadb(list.data, list.len, 0, NULL)) &&
	       json_integer_value(json_object_get(o, "last_closed_epoch")) == 10 &&
	       json_integer_value(json_object_get(json_object_get(json_array_get(
	           json_object_get(o, "participants"), 0), "last_epoch"), "approved")) == 1,
	   "close rebuilt GET /v1/participants: the newest closed epoch and each hotkey's statistics of it");
	json_decref(o);
	ls_reader_end(rd);
}

static ls_status pull_ids(ls_store *st, const struct ls_identity *who, int limit, char ids_out[][37],
                          size_t *n);

static void refusals(void)
{
	ls_store *st = open_store(LS_MODE_FIRST3);
	char got[64];
	ls_err err = {0};
	static const char *const bad[] = {"{\"limit\":0}", "{\"limit\":101}", "{\"limit\":\"5\"}",
	                                  "{\"limit\":5,\"more\":1}", "[]"};
	bool all = true;
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		json_t *body = json_loads(bad[i], JSON_DECODE_ANY, NULL);
		char *answer = NULL;
		all &= ls_queue_pull(st, &v[0], body, t0, &answer, &err) == LS_INVALID &&
		       strcmp(err.field, "limit") == 0;
		json_decref(body);
		free(answer);
	}
	ok(all, "pull bodies with limit 0, 101, a string, another member, not an object: 400 limit");
	ok(pull(st, &miner, 5, t0, got, &err) == LS_FORBIDDEN, "a miner cannot pull: 403");
	json_t *empty = json_pack("{s:[]}", "commitments");
	char *answer = NULL;
	ok(ls_epoch_commit(st, &v[0], 10, empty, t0, &answer, &err) == LS_CONFLICT &&
	       strcmp(err.code, "wrong_consensus_mode") == 0,
	   "in the first3 mode the epoch mode's commit answers 409 wrong_consensus_mode");
	json_decref(empty);
	free(answer);
	/* a validator that submitted a lead may not vote on it */
	struct ls_submit_result r[1];
	json_t *own = json_pack("[o]", test_lead(900, v[0].ss58));
	char own_id[1][37];
	size_t n = 0;
	if (ls_leads_submit(st, &v[0], own, t0, r, &err) != LS_OK || r[0].err.status != LS_OK)
		tap_bail("own lead");
	json_decref(own);
	pull_ids(st, &v[0], 1, own_id, &n);
	ok(n == 0, "a validator's pull skips the lead it submitted itself");
	ls_uuid_format(r[0].lead_id, own_id[0]);
	char text[160];
	snprintf(text, sizeof text, "{\"lead_id\":\"%s\",\"is_valid\":true,\"score\":1}", own_id[0]);
	json_t *body = json_loads(text, 0, NULL);
	answer = NULL;
	ls_status s = ls_queue_vote(st, &v[0], body, t0, &answer, &err);
	json_decref(body);
	free(answer);
	ok(s == LS_FORBIDDEN && strcmp(err.code, "self_dealing") == 0,
	   "a validator voting on a lead it submitted: 403 self_dealing (%s)", err.detail);
	ls_close(st);
	st = open_store(LS_MODE_EPOCH);
	ok(pull(st, &v[0], 5, t0, got, &err) == LS_CONFLICT &&
	       strcmp(err.code, "wrong_consensus_mode") == 0,
	   "in the epoch mode the queue answers 409 wrong_consensus_mode");
	ls_close(st);
}

/* ---- eligibility at the 10% boundary ------------------------------------ */

static ls_status pull_ids(ls_store *st, const struct ls_identity *who, int limit, char ids_out[][37],
                          size_t *n)
{
	char text[32], *answer = NULL;
	ls_err err = {0};
	snprintf(text, sizeof text, "{\"limit\":%d}", limit);
	json_t *body = json_loads(text, 0, NULL), *item;
	ls_status s = ls_queue_pull(st, who, body, t0, &answer, &err);
	json_t *a = answer ? json_loads(answer, 0, NULL) : NULL;
	size_t i;
	*n = 0;
	json_array_foreach(json_object_get(a, "leads"), i, item)
		snprintf(ids_out[(*n)++], 37, "%s", json_string_value(json_object_get(item, "lead_id")));
	json_decref(a);
	json_decref(body);
	free(answer);
	return s;
}

static bool vote_id(ls_store *st, const struct ls_identity *who, const char *id, bool valid)
{
	char text[160], *answer = NULL;
	ls_err err = {0};
	snprintf(text, sizeof text, "{\"lead_id\":\"%s\",\"is_valid\":%s,\"score\":0.5}", id,
	         valid ? "true" : "false");
	json_t *body = json_loads(text, 0, NULL);
	ls_status s = ls_queue_vote(st, who, body, t0, &answer, &err);
	json_decref(body);
	free(answer);
	return s == LS_OK;
}

/* 21 leads, all approved by v1 and v2.  v0 judges leads 0-9 and agrees on
 * one (1 of 10 = 10%: eligible); v3 judges 10-20 and agrees on one (1 of
 * 11 = 9.1%: not). */
static void boundary(void)
{
	ls_store *st = open_store(LS_MODE_FIRST3);
	json_t *list = json_array();
	struct ls_submit_result r[21];
	char a[21][37], b[21][37], c[21][37], d[21][37];
	size_t na, nb, nc, nd;
	ls_err err = {0};
	for (int i = 0; i < 21; i++)
		json_array_append_new(list, lead(100 + i));
	if (ls_leads_submit(st, &miner, list, t0, r, &err) != LS_OK)
		tap_bail(err.detail);
	json_decref(list);
	pull_ids(st, &v[0], 10, a, &na);
	pull_ids(st, &v[1], 21, b, &nb);
	pull_ids(st, &v[2], 21, c, &nc);
	pull_ids(st, &v[3], 21, d, &nd);
	ok(na == 10 && nb == 21 && nc == 21 && nd == 11 && strcmp(d[0], b[10]) == 0,
	   "v0 pulls leads 0-9, v1 and v2 all 21, v3 the 11 left with fewer than three");
	bool all = true;
	for (size_t i = 0; i < 21; i++)
		all &= vote_id(st, &v[1], b[i], true) && vote_id(st, &v[2], c[i], true);
	for (size_t i = 0; i < na; i++)
		all &= vote_id(st, &v[0], a[i], i == 0);
	for (size_t i = 0; i < nd; i++)
		all &= vote_id(st, &v[3], d[i], i == 0);
	ok(all, "63 votes taken; every lead approved 2 of 3 or 3 of 3");
	struct ls_keypair gw;
	static const uint8_t seed[32] = {9};
	struct ls_close_report cr;
	ls_reader *rd;
	struct ls_body body;
	ls_keypair_from_seed(LS_KEY_ED25519, seed, &gw);
	if (ls_epochs_close(st, t0 + 5100, gw.sk, &cr, &err) != LS_OK || cr.closed != 1 ||
	    ls_reader_begin(st, &rd, &err) != LS_OK ||
	    ls_epoch_published(rd, 10, "results", &body, &err) != LS_OK)
		tap_bail(err.detail);
	json_t *res = json_loadb(body.data, body.len, 0, NULL), *val;
	char seen[128] = "";
	size_t i;
	json_array_foreach(json_object_get(res, "validators"), i, val)
		sprintf(seen + strlen(seen), "%s%lld/%lld %s", i ? ", " : "",
		        json_integer_value(json_object_get(val, "in_consensus")),
		        json_integer_value(json_object_get(val, "voted")),
		        json_is_true(json_object_get(val, "eligible")) ? "eligible" : "not");
	is_str(seen, "1/10 eligible, 21/21 eligible, 21/21 eligible, 1/11 not",
	       "eligibility at the boundary: in consensus on 1 of 10 (10%%) is eligible, 1 of 11 is not");
	json_decref(res);
	ls_reader_end(rd);
	ls_close(st);
}

/* A validator holding 1 900 pulls at the front of the queue (each waiting
 * for two more validators) still gets the next pullable leads: the walk
 * once stopped after 1 000 + 8 x limit entries and came back empty. */
static void deep_queue(void)
{
	ls_store *st = open_store_quota(LS_MODE_FIRST3, 100000);
	ls_err err = {0};
	for (int b = 0; b < 20; b++) {
		json_t *list = json_array();
		struct ls_submit_result r[100];
		for (int i = 0; i < 100; i++)
			json_array_append_new(list, lead(1000 + b * 100 + i));
		if (ls_leads_submit(st, &miner, list, t0, r, &err) != LS_OK)
			tap_bail(err.detail);
		json_decref(list);
	}
	char got[100][37];
	size_t n = 0, held = 0;
	for (int k = 0; k < 19; k++) {
		pull_ids(st, &v[0], 100, got, &n);
		held += n;
	}
	pull_ids(st, &v[0], 100, got, &n);
	ok(held == 1900 && n == 100,
	   "a validator holding %zu pulls at the front of a queue of 2 000 still gets the last %zu", held, n);
	pull_ids(st, &v[0], 100, got, &n);
	ok(n == 0, "and once it holds every lead, an empty answer");
	ls_close(st);
}

/* A pull that expired counts in the epoch its deadline fell in, not the
 * epoch of the sweep that found it. */
static void expiry_epoch(void)
{
	ls_store *st = open_store(LS_MODE_FIRST3);
	ls_err err = {0};
	char got[64];
	submit_five(st);
	const int64_t epoch_end = t0 + 360 * 12;  /* epoch 10 began at t0 */
	pull(st, &v[1], 1, epoch_end - 30, got, &err);   /* deadline in epoch 11 */
	pull(st, &v[2], 1, epoch_end + 4320 + 10, got, &err);  /* epoch 12 sweeps it */
	ls_reader *rd;
	char *page = NULL;
	size_t len;
	if (ls_reader_begin(st, &rd, &err) != LS_OK || ls_log_page(rd, 0, 500, &page, &len, &err) != LS_OK)
		tap_bail(err.detail);
	json_t *p = json_loadb(page, len, 0, NULL), *e;
	size_t i;
	long long epoch = -1;
	json_array_foreach(json_object_get(p, "entries"), i, e) {
		json_t *entry = json_object_get(e, "entry");
		if (strcmp(json_string_value(json_object_get(entry, "type")), "PULL_EXPIRED") == 0)
			epoch = json_integer_value(json_object_get(entry, "epoch"));
	}
	ok(epoch == 11, "a pull made in epoch 10, due in epoch 11 and swept in epoch 12 expired in epoch %lld",
	   epoch);
	json_decref(p);
	free(page);
	ls_reader_end(rd);
	ls_close(st);
}

int main(void)
{
	test_identity(&miner, 0x10, false, 0);
	for (int i = 0; i < 4; i++)
		test_identity(&v[i], (uint8_t)(0x20 + i), true, 0);
	ls_store *st = open_store(LS_MODE_FIRST3);
	submit_five(st);
	pulling(st);
	voting(st);
	expiry(st);
	closing(st);
	participants(st);
	pruning(st);
	ls_close(st);
	refusals();
	boundary();
	deep_queue();
	expiry_epoch();
	return tap_done();
}
