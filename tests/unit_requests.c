/*
 * unit_requests.c — client requests' store rules (SPEC §6) with the clock
 * passed in: the moment a request completes or expires to the second,
 * rankings refused from then on before any read, ties by lead id with
 * proposals after, pruning, API keys, and the metrics address lists.
 */
#include <lmdb.h>
#include "tap.h"
#include "test_lead.h"
#include "leadstore.h"

static const int64_t t0 = 1800000000;
static struct ls_identity miner, v[3];
static struct ls_client client = {"acme"};
static char approved[4][37];

static ls_store *open_store(void)
{
	struct ls_config cfg;
	ls_store *st;
	ls_err err = {0};
	char snap[1024], key[LS_CLIENT_KEY_LEN + 1];
	struct ls_sync_report rep;
	ls_config_defaults(&cfg);
	snprintf(cfg.store_dir, sizeof cfg.store_dir, "%s", tap_tempdir());
	cfg.map_size = 1 << 20;  /* reserved on disk; grown on demand */
	cfg.submit_cooldown = 0;
	cfg.consensus_mode = LS_MODE_FIRST3;
	if (ls_open(&st, &cfg, LS_OPEN_CREATE, &err) != LS_OK)
		tap_bail(err.detail);
	snprintf(snap, sizeof snap,
	         "{\"block\":3600,\"block_time\":%lld,\"neurons\":["
	         "{\"uid\":3,\"hotkey\":\"%s\",\"stake\":5,\"validator_trust\":0,\"validator_permit\":false},"
	         "{\"uid\":4,\"hotkey\":\"%s\",\"stake\":5,\"validator_trust\":0.5,\"validator_permit\":true},"
	         "{\"uid\":5,\"hotkey\":\"%s\",\"stake\":5,\"validator_trust\":0.5,\"validator_permit\":true}]}",
	         (long long)t0, miner.ss58, v[0].ss58, v[1].ss58);
	if (ls_metagraph_import(st, snap, strlen(snap), t0, &rep, &err) != LS_OK ||
	    ls_client_add(st, "acme", t0, key, &err) != LS_OK)
		tap_bail(err.detail);
	return st;
}

/* Four approved leads: three validators vote each valid (first3 mode). */
static void approve_four(ls_store *st)
{
	json_t *list = json_array();
	struct ls_submit_result r[4];
	ls_err err = {0};
	for (int i = 0; i < 4; i++)
		json_array_append_new(list, test_lead(i, miner.ss58));
	if (ls_leads_submit(st, &miner, list, t0, r, &err) != LS_OK)
		tap_bail(err.detail);
	json_decref(list);
	struct ls_identity third;
	test_identity(&third, 0x33, true, 0);
	const struct ls_identity *voters[3] = {&v[0], &v[1], &third};
	for (int k = 0; k < 3; k++) {
		char *answer = NULL;
		json_t *pull = json_pack("{s:i}", "limit", 4);
		if (ls_queue_pull(st, voters[k], pull, t0, &answer, &err) != LS_OK)
			tap_bail(err.detail);
		free(answer);
		json_decref(pull);
		for (int i = 0; i < 4; i++) {
			ls_uuid_format(r[i].lead_id, approved[i]);
			json_t *vote = json_pack("{s:s, s:b, s:f}", "lead_id", approved[i], "is_valid", 1,
			                         "score", 0.5);
			if (ls_queue_vote(st, voters[k], vote, t0, &answer, &err) != LS_OK)
				tap_bail(err.detail);
			free(answer);
			json_decref(vote);
		}
	}
}

static void make_request(ls_store *st, int64_t now, char id[37])
{
	char *answer = NULL;
	ls_err err = {0};
	json_t *body = json_pack("{s:i, s:s}", "num_leads", 3, "business_desc", "firms"), *a;
	if (ls_request_create(st, &client, body, now, &answer, &err) != LS_OK)
		tap_bail(err.detail);
	a = json_loads(answer, 0, NULL);
	snprintf(id, 37, "%s", json_string_value(json_object_get(a, "request_id")));
	json_decref(a);
	json_decref(body);
	free(answer);
}

/* A ranking of the given approved leads (indexes), scored scores[i]. */
static ls_status rank_each(ls_store *st, const struct ls_identity *who, const char *id,
                           int64_t now, const int *leads, size_t n, const double *scores,
                           ls_err *err)
{
	json_t *list = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(list, json_pack("{s:s, s:f, s:i}", "lead", approved[leads[i]],
		                                      "score", scores[i], "rank", (int)i + 1));
	json_t *body = json_pack("{s:o}", "rankings", list);
	char *answer = NULL;
	ls_status s = ls_request_rank(st, who, id, body, now, &answer, err);
	free(answer);
	json_decref(body);
	return s;
}

/* ... all scored score. */
static ls_status rank(ls_store *st, const struct ls_identity *who, const char *id, int64_t now,
                      const int *leads, size_t n, double score, ls_err *err)
{
	const double scores[4] = {score, score, score, score};
	return rank_each(st, who, id, now, leads, n > 4 ? 4 : n, scores, err);
}

static json_t *get(ls_store *st, const char *id, int64_t now)
{
	char *body = NULL;
	size_t len;
	ls_err err = {0};
	if (ls_request_get(st, &client, id, now, &body, &len, &err) != LS_OK)
		tap_bail(err.detail);
	json_t *o = json_loads(body, 0, NULL);
	free(body);
	return o;
}

static const char *status_of(json_t *o)
{
	return json_string_value(json_object_get(o, "status"));
}

static void timing(ls_store *st)
{
	char id[37];
	ls_err err = {0};
	static const int ab[] = {0, 1};
	make_request(st, t0 + 100, id);
	ok(rank(st, &v[0], id, t0 + 189, ab, 2, 0.5, &err) == LS_OK, "a ranking a second before the deadline is taken");
	json_t *o = get(st, id, t0 + 189);
	ok(strcmp(status_of(o), "processing") == 0, "a second before the deadline it is processing");
	json_decref(o);
	ok(rank(st, &v[1], id, t0 + 190, ab, 2, 0.5, &err) == LS_CONFLICT &&
	       strcmp(err.code, "request_completed") == 0,
	   "at the deadline (request_timeout 90 s) with a ranking, the next ranking is refused before any read: 409 request_completed");
	o = get(st, id, t0 + 190);
	ok(strcmp(status_of(o), "completed") == 0 &&
	       json_integer_value(json_object_get(o, "completed_at")) == t0 + 190 &&
	       json_integer_value(json_object_get(json_object_get(o, "metrics"), "validators_timed_out")) == 1,
	   "read at the deadline: completed, completed_at = the deadline, one validator timed out");
	json_t *later = get(st, id, t0 + 5000);
	ok(json_equal(o, later), "a read much later gets the same answer");
	json_decref(o);
	json_decref(later);

	make_request(st, t0 + 300, id);
	o = get(st, id, t0 + 419);
	ok(strcmp(status_of(o), "pending") == 0, "no ranking, a second before request_expiry (120 s): pending");
	json_decref(o);
	ok(rank(st, &v[0], id, t0 + 420, ab, 2, 0.5, &err) == LS_CONFLICT &&
	       strcmp(err.code, "request_expired") == 0, "at request_expiry: a ranking is refused, 409 request_expired");
	o = get(st, id, t0 + 420);
	ok(strcmp(status_of(o), "expired") == 0, "and the read says expired");
	json_decref(o);

	make_request(st, t0 + 600, id);
	ok(rank(st, &v[0], id, t0 + 700, ab, 2, 0.5, &err) == LS_OK,
	   "no ranking until past the deadline, one before expiry: taken");
	o = get(st, id, t0 + 700);
	ok(strcmp(status_of(o), "completed") == 0 &&
	       json_integer_value(json_object_get(o, "completed_at")) == t0 + 700,
	   "then it is complete at once, completed_at = that ranking's arrival");
	json_decref(o);
}

/* Equal scores: ids in order, proposals after; all ranked: completed at
 * the last ranking. */
static void ties(ls_store *st)
{
	char id[37];
	ls_err err = {0};
	static const int rev[] = {3, 2, 1, 0};
	make_request(st, t0 + 1000, id);
	rank(st, &v[0], id, t0 + 1001, rev, 4, 0.5, &err);
	rank(st, &v[1], id, t0 + 1002, rev, 4, 0.5, &err);
	json_t *o = get(st, id, t0 + 1002), *leads = json_object_get(o, "leads");
	ok(strcmp(status_of(o), "completed") == 0 &&
	       json_integer_value(json_object_get(o, "completed_at")) == t0 + 1002,
	   "every active validator ranked: completed at the last ranking, before the deadline");
	bool ordered = json_array_size(leads) == 3;
	for (size_t i = 0; ordered && i < 3; i++)
		ordered = strcmp(json_string_value(json_object_get(json_array_get(leads, i), "lead_id")),
		                 approved[i]) == 0 &&
		          json_real_value(json_object_get(json_array_get(leads, i), "score")) == 0.500008;
	ok(ordered, "four leads scored alike (0.5 x trust 0.5 as the chain's u16 32768/65535 x 2 = "
	            "0.500008): the top 3 by lead id, whatever the ranks said");
	json_decref(o);
}

/* S = Σ S_v × V_v is exact (SPEC §6): 0.1 + 0.2 from two validators of
 * equal trust ties with 0.3 + 0, so the lower lead id comes first.  In
 * doubles 0.1 × 0.5 + 0.2 × 0.5 = 0.15000000000000002 > 0.15 and the
 * higher id would win. */
static void exact_sum(ls_store *st)
{
	char id[37];
	ls_err err = {0};
	static const int ba[] = {0, 1};
	const double first[] = {0.3, 0.1}, second[] = {0, 0.2};
	make_request(st, t0 + 800000, id);
	rank_each(st, &v[0], id, t0 + 800001, ba, 2, first, &err);
	rank_each(st, &v[1], id, t0 + 800002, ba, 2, second, &err);
	json_t *o = get(st, id, t0 + 800002), *leads = json_object_get(o, "leads");
	const char *top = json_string_value(json_object_get(json_array_get(leads, 0), "lead_id"));
	ok(json_array_size(leads) == 2 && top && strcmp(top, approved[0]) == 0 &&
	       json_real_value(json_object_get(json_array_get(leads, 0), "score")) ==
	           json_real_value(json_object_get(json_array_get(leads, 1), "score")),
	   "0.3 + 0 ties 0.1 + 0.2 exactly: the lower lead id first (%s)", top ? top : "none");
	json_decref(o);
}

/* A validator may not rank a lead proposed in its own name. */
static void self_dealing(ls_store *st)
{
	char id[37], *answer = NULL;
	ls_err err = {0};
	make_request(st, t0 + 800100, id);
	json_t *body = json_pack("{s:[{s:o, s:f, s:i}]}", "rankings", "lead", test_lead(77, v[0].ss58),
	                         "score", 0.9, "rank", 1);
	ls_status s = ls_request_rank(st, &v[0], id, body, t0 + 800101, &answer, &err);
	json_decref(body);
	free(answer);
	ok(s == LS_FORBIDDEN && strcmp(err.code, "self_dealing") == 0 &&
	       strcmp(err.field, "rankings[0].lead.wallet_ss58") == 0,
	   "a validator ranking a lead proposed in its own name: 403 self_dealing at %s", err.field);
}

static void pruning(ls_store *st)
{
	struct ls_prune_report r;
	ls_err err = {0};
	char id[37];
	make_request(st, t0 + 2000, id);  /* never ranked nor read */
	ok(ls_prune(st, t0 + 2200, &r, &err) == LS_OK && r.requests_finished == 1 && r.requests == 0,
	   "leadgate-prune finishes the request whose time came unread, drops nothing yet");
	ok(ls_prune(st, t0 + 2000 + 120 + 7 * 86400 + 1, &r, &err) == LS_OK && r.requests == 5,
	   "past request_keep it drops every finished request (5)");
	char *body = NULL;
	size_t len;
	ok(ls_request_get(st, &client, id, t0 + 700000, &body, &len, &err) == LS_NOTFOUND,
	   "a dropped request is gone: 404");
	free(body);
}

static void keys(ls_store *st)
{
	char key[LS_CLIENT_KEY_LEN + 1], header[80];
	struct ls_client who;
	ls_reader *rd;
	ls_err err = {0};
	bool changed;
	ok(ls_client_add(st, "bad name", t0, key, &err) == LS_INVALID, "a client name with a space is refused");
	ok(ls_client_add(st, "acme", t0, key, &err) == LS_CONFLICT, "a second acme: 409 client_exists");
	if (ls_client_add(st, "globex", t0, key, &err) != LS_OK)
		tap_bail(err.detail);
	snprintf(header, sizeof header, "Bearer %s", key);
	if (ls_reader_begin(st, &rd, &err) != LS_OK)
		tap_bail(err.detail);
	ok(ls_client_auth(rd, header, &who, &err) == LS_OK && strcmp(who.name, "globex") == 0,
	   "its key authenticates it");
	key[10] ^= 1;
	snprintf(header, sizeof header, "Bearer %s", key);
	ok(ls_client_auth(rd, header, &who, &err) == LS_UNAUTHORIZED && who.name[0] == '\0',
	   "one character changed: 401");
	key[10] ^= 1;
	ls_reader_end(rd);
	ok(ls_client_revoke(st, "globex", t0, &changed, &err) == LS_OK && changed &&
	       ls_client_revoke(st, "globex", t0, &changed, &err) == LS_OK && !changed,
	   "revoking twice changes nothing the second time");
	snprintf(header, sizeof header, "Bearer %s", key);
	if (ls_reader_begin(st, &rd, &err) != LS_OK)
		tap_bail(err.detail);
	ok(ls_client_auth(rd, header, &who, &err) == LS_UNAUTHORIZED && strcmp(err.code, "bad_api_key") == 0,
	   "a revoked key: 401 bad_api_key");
	ls_reader_end(rd);
}

static void addresses(void)
{
	const char *list = "127.0.0.1 10.0.0.0/8, 2001:db8::/32";
	ok(ls_addr_allowed(list, "127.0.0.1") && ls_addr_allowed(list, "10.200.3.4") &&
	       ls_addr_allowed(list, "2001:db8:1::5") && ls_addr_allowed(list, "::ffff:10.1.1.1"),
	   "metrics_allow: an address, a v4 block, a v6 block, a v4 address seen as v6");
	ok(!ls_addr_allowed(list, "127.0.0.2") && !ls_addr_allowed(list, "11.0.0.1") &&
	       !ls_addr_allowed(list, "2001:db9::1") && !ls_addr_allowed(list, NULL) &&
	       !ls_addr_allowed(list, "not an address"),
	   "and nothing else");
	ok(ls_addr_list_valid("") && ls_addr_list_valid("::1") && !ls_addr_list_valid("10.0.0.0/33") &&
	       !ls_addr_list_valid("localhost") && !ls_addr_list_valid("1.2.3.4/x"),
	   "lists that do not parse are refused (a /33, a host name, a bad prefix)");
}

/* A store as schema 6 left it: no clients, no requests, no pepper. */
static void migration(void)
{
	static const char *const dbs[] = {"clients", "client_keys", "requests", "open_requests",
	                                  "rankings", "request_leads", "request_results"};
	ls_store *st = open_store();
	struct ls_config cfg = *ls_store_config(st);
	ls_close(st);
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	uint32_t six = 6;
	MDB_val k = {6, "schema"}, val = {sizeof six, &six}, pk = {13, "client_pepper"};
	if (mdb_env_create(&env) || mdb_env_set_maxdbs(env, 64) ||
	    mdb_env_open(env, cfg.store_dir, 0, 0640) || mdb_txn_begin(env, NULL, 0, &txn))
		tap_bail("cannot open the store with LMDB");
	for (size_t i = 0; i < sizeof dbs / sizeof *dbs; i++)
		if (mdb_dbi_open(txn, dbs[i], 0, &dbi) || mdb_drop(txn, dbi, 1))
			tap_bail("cannot drop a database");
	if (mdb_dbi_open(txn, "meta", 0, &dbi) || mdb_put(txn, dbi, &k, &val, 0) ||
	    mdb_del(txn, dbi, &pk, NULL) || mdb_txn_commit(txn))
		tap_bail("cannot make a schema-6 store");
	mdb_env_close(env);
	ls_err err = {0};
	ok(ls_open(&st, &cfg, 0, &err) != LS_OK && strcmp(err.code, "schema_older") == 0,
	   "a schema-6 store asks for leadgate-admin migrate");
	if (ls_open(&st, &cfg, LS_OPEN_MIGRATE, &err) != LS_OK)
		tap_bail(err.detail);
	char key[LS_CLIENT_KEY_LEN + 1], header[80], id[37];
	struct ls_client who;
	ls_reader *rd;
	bool works = ls_client_add(st, "acme", t0, key, &err) == LS_OK;
	snprintf(header, sizeof header, "Bearer %s", key);
	works = works && ls_reader_begin(st, &rd, &err) == LS_OK;
	works = works && ls_client_auth(rd, header, &who, &err) == LS_OK;
	if (works)
		ls_reader_end(rd);
	if (works)
		make_request(st, t0, id);
	ok(works, "migrated to schema %u: a client is added, its key works, it makes a request",
	   LS_SCHEMA_VERSION);
	ls_close(st);
}

int main(void)
{
	test_identity(&miner, 0x10, false, 0);
	test_identity(&v[0], 0x20, true, 0.5);
	test_identity(&v[1], 0x21, true, 0.5);
	ls_store *st = open_store();
	approve_four(st);
	timing(st);
	ties(st);
	pruning(st);
	exact_sum(st);
	self_dealing(st);
	keys(st);
	ls_close(st);
	addresses();
	migration();
	return tap_done();
}
