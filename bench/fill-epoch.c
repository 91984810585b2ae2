/*
 * fill-epoch — builds the store a benchmark needs, through the store's own
 * API (the same calls the HTTP handlers make), in the store named by
 * LEADGATE_CONF:
 *
 *   fill-epoch serve KEYDIR LEADS VALIDATORS [BODYFILE]
 *       LEADS leads assigned to an epoch whose distribution window is open
 *       now; validator hotkeys in KEYDIR/validator-N (for bench/presign:
 *       even N ed25519, odd N sr25519);
 *       the epoch's body, as validators receive it, in BODYFILE.
 *   fill-epoch close KEYDIR LEADS VALIDATORS
 *       the same epoch, every validator committed and revealed a vote on
 *       every lead (about a quarter of them split), and the clock moved past
 *       the reveal window: what leadgate-close then decides.
 *   fill-epoch queue KEYDIR LEADS VALIDATORS
 *       LEADS pending leads and the validators, for consensus_mode = first3
 *       (bench/queue-load pulls and votes on them).
 *   fill-epoch challenges KEYDIR CHALLENGES VALIDATORS BODYFILE POOLFILE BASE
 *       CHALLENGES open challenges (51 make GET /v1/challenges/active's
 *       body about 32 KB, the size of the design it replaces), a
 *       submission from each miner to each, the active body in BODYFILE,
 *       and in POOLFILE one pre-signed POST of a result per validator and
 *       submission, "path<TAB>Signature-Input<TAB>Signature<TAB>
 *       Content-Digest<TAB>body" per line, for bench/post-pool.lua,
 *       signed for the gateway at BASE (http://HOST:PORT, the @authority
 *       signed).
 *   fill-epoch votes KEYDIR LEADS VALIDATORS COMMITPOOL REVEALPOOL BASE
 *       an epoch of LEADS leads committed to by every validator and the
 *       next epoch assigned, the chain at the next epoch's first block,
 *       where commits for it and reveals for the first are both open; in
 *       COMMITPOOL one pre-signed commit per validator for the next epoch
 *       and in REVEALPOOL one reveal per validator for the first (the
 *       post-pool.lua format).
 *   fill-epoch submit KEYDIR REQUESTS PER_REQUEST POOLFILE BASE
 *       the miners, and in POOLFILE REQUESTS pre-signed POST /v1/leads of
 *       PER_REQUEST new leads each, the miners taking turns, in the same
 *       format.
 *
 * The configuration must allow it: leads_per_epoch >= LEADS, rate limits
 * and max_leads_per_request high enough, submit_cooldown = 0.  Prints how
 * long each step took.  The chain clock moves by importing anchors, as
 * leadgate-sync does; store calls that take a time get the virtual time at
 * which the step would happen.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>
#include "leadstore.h"

#define MINERS 8
#define FIRST_EPOCH 10  /* its prefetch window assigns FIRST_EPOCH + 1 */

struct party {
	struct ls_identity id;
	struct ls_keypair key;
};

static void die(const char *what, const ls_err *err)
{
	fprintf(stderr, "fill-epoch: %s: %s\n", what, err ? err->detail : "failed");
	exit(EXIT_FAILURE);
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void party_new(const char *keydir, const char *role, int i, enum ls_key_alg alg,
                      const struct ls_config *cfg, struct party *p)
{
	char path[LS_PATH_MAX + 64];
	uint8_t pk[32];
	ls_err err = {0};
	snprintf(path, sizeof path, "%s/%s-%d", keydir, role, i);
	remove(path);
	if (ls_keyfile_create(path, alg, pk, &err) != LS_OK ||
	    ls_keyfile_load(path, &p->key, &err) != LS_OK)
		die(path, &err);
	memcpy(p->id.hotkey, p->key.pk, 32);
	if (ls_ss58_encode(p->id.hotkey, cfg->ss58_prefix, p->id.ss58) != LS_OK)
		die("ss58", NULL);
	p->id.registered = true;
	p->id.neuron.validator_permit = strcmp(role, "validator") == 0;
	p->id.neuron.active = true;
	memcpy(p->id.neuron.hotkey, p->id.hotkey, 32);
}

/* The metagraph with the chain at `block` seen at `when`. */
static void import_anchor(ls_store *st, const struct party *v, int nv, const struct party *m,
                          uint64_t block, int64_t when)
{
	json_t *neurons = json_array();
	for (int i = 0; i < nv; i++)
		json_array_append_new(neurons, json_pack("{s:i, s:s, s:f, s:f, s:b}", "uid", i, "hotkey",
		                                         v[i].id.ss58, "stake", 1000.0 + 250.0 * (i % 7),
		                                         "validator_trust", 0.5 + 0.05 * (i % 10),
		                                         "validator_permit", 1));
	for (int i = 0; i < MINERS; i++)
		json_array_append_new(neurons, json_pack("{s:i, s:s, s:f, s:f, s:b}", "uid", nv + i,
		                                         "hotkey", m[i].id.ss58, "stake", 10.0,
		                                         "validator_trust", 0.0, "validator_permit", 0));
	json_t *snap = json_pack("{s:I, s:I, s:o}", "block", (json_int_t)block, "block_time",
	                         (json_int_t)when, "neurons", neurons);
	char *text = json_dumps(snap, JSON_COMPACT);
	struct ls_sync_report r;
	ls_err err = {0};
	if (text == NULL || ls_metagraph_import(st, text, strlen(text), when, &r, &err) != LS_OK)
		die("import the metagraph", &err);
	free(text);
	json_decref(snap);
}

static json_t *lead_new(uint64_t n, const char *miner)
{
	char tag[32], email[96], web[96], li[96], cli[96], src[112], firm[48];
	snprintf(tag, sizeof tag, "b%llu", (unsigned long long)n);
	snprintf(firm, sizeof firm, "Benchmark Firm %s", tag);
	snprintf(email, sizeof email, "alex.kim@firm-%s.example.com", tag);
	snprintf(web, sizeof web, "https://www.firm-%s.example.com", tag);
	snprintf(src, sizeof src, "https://www.firm-%s.example.com/about", tag);
	snprintf(li, sizeof li, "https://www.linkedin.com/in/alex-kim-%s", tag);
	snprintf(cli, sizeof cli, "https://www.linkedin.com/company/firm-%s", tag);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s,"
	                 " s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:b, s:b, s:s}",
	                 "business", firm, "full_name", "Alex Kim", "first", "Alex", "last", "Kim",
	                 "email", email, "role", "Head of Operations", "website", web, "industry",
	                 "Logistics", "sub_industry", "Freight", "country", "Netherlands", "city",
	                 "Rotterdam", "linkedin", li, "company_linkedin", cli, "source_url", src,
	                 "description", "Freight forwarding for mid-sized European shippers.",
	                 "employee_count", "51-200", "hq_country", "Netherlands", "wallet_ss58", miner,
	                 "terms_version_hash",
	                 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	                 "phone", "+31 10 1234567", "lawful_collection", 1, "no_restricted_sources", 1,
	                 "license_granted", 1, "source_type", "company_website");
}

static void submit_leads(ls_store *st, const struct party *m, uint64_t leads, int64_t now)
{
	const struct ls_config *cfg = ls_store_config(st);
	uint64_t batch = cfg->max_leads_per_request;
	struct ls_submit_result *res = calloc(batch, sizeof *res);
	for (uint64_t done = 0; res && done < leads;) {
		const struct party *miner = &m[(done / batch) % MINERS];
		json_t *list = json_array();
		uint64_t n = leads - done < batch ? leads - done : batch;
		for (uint64_t i = 0; i < n; i++)
			json_array_append_new(list, lead_new(done + i, miner->id.ss58));
		ls_err err = {0};
		if (ls_leads_submit(st, &miner->id, list, now, res, &err) != LS_OK)
			die("submit leads", &err);
		for (uint64_t i = 0; i < n; i++)
			if (res[i].err.status != LS_OK)
				die("a lead was refused", &res[i].err);
		json_decref(list);
		done += n;
	}
	free(res);
}

/* The epoch's cached body, as validators receive it.  New string. */
static char *epoch_body(ls_store *st, uint64_t epoch, size_t *len)
{
	ls_reader *rd;
	struct ls_body b;
	char name[40];
	ls_err err = {0};
	snprintf(name, sizeof name, "leads/%llu", (unsigned long long)epoch);
	if (ls_reader_begin(st, &rd, &err) != LS_OK || ls_cache_get(rd, name, &b) != LS_OK)
		die("read the epoch body", &err);
	char *copy = malloc(b.len + 1);
	if (copy == NULL)
		die("out of memory", NULL);
	memcpy(copy, b.data, b.len);
	copy[b.len] = '\0';
	*len = b.len;
	ls_reader_end(rd);
	return copy;
}

/* The lead ids of the epoch, from its cached body. */
static json_t *assigned_ids(ls_store *st, uint64_t epoch)
{
	size_t len;
	char *text = epoch_body(st, epoch, &len);
	json_t *body = json_loadb(text, len, 0, NULL), *ids = json_array(), *lead;
	size_t i;
	json_array_foreach(json_object_get(body, "leads"), i, lead)
		json_array_append(ids, json_object_get(lead, "lead_id"));
	json_decref(body);
	free(text);
	return ids;
}

static void write_body(ls_store *st, uint64_t epoch, const char *path)
{
	size_t len;
	char *text = epoch_body(st, epoch, &len);
	FILE *f = fopen(path, "wb");
	if (f == NULL || fwrite(text, 1, len, f) != len || fclose(f) != 0)
		die(path, NULL);
	free(text);
}

/* Validator v's vote on lead i: three in four approve, by a hash of both. */
static void vote_of(int v, size_t i, const char **decision, const char **score, const char **reason)
{
	uint8_t h[crypto_shorthash_BYTES], key[crypto_shorthash_KEYBYTES] = {0};
	char msg[32];
	snprintf(msg, sizeof msg, "%d/%zu", v, i);
	crypto_shorthash(h, (const uint8_t *)msg, strlen(msg), key);
	bool approve = h[0] % 4 != 0;
	*decision = approve ? "approve" : "deny";
	*score = approve ? "0.8125" : "0.1";
	*reason = approve ? "pass" : "email_bounces";
}

/* Validator k's commit (phase 0) or reveal (phase 1) body for the lead
 * ids: the same votes and salts in both, so that the reveal opens the
 * commitments. */
static json_t *vote_body(int k, json_t *ids, int phase)
{
	json_t *list = json_array(), *id;
	size_t i;
	json_array_foreach(ids, i, id) {
		const char *d, *s, *r, *lid = json_string_value(id);
		char salt[33], c[65];
		uint8_t key[16] = {(uint8_t)k, (uint8_t)(k >> 8), (uint8_t)i, (uint8_t)(i >> 8)};
		ls_hex(key, 16, salt); /* deterministic: the reveal needs the same salt */
		vote_of(k, i, &d, &s, &r);
		uint8_t h[32];
		ls_vote_commitment(lid, d, s, r, salt, h);
		ls_hex(h, 32, c);
		json_array_append_new(list, phase == 0
			? json_pack("{s:s, s:s}", "lead_id", lid, "commitment", c)
			: json_pack("{s:s, s:s, s:s, s:s, s:s}", "lead_id", lid, "decision", d,
			            "rep_score", s, "rejection_reason", r, "salt", salt));
	}
	return json_pack("{s:o}", phase == 0 ? "commitments" : "reveals", list);
}

/* Every validator commits (at commit_now) and, unless reveal_now is 0,
 * reveals (at reveal_now). */
static void vote_all(ls_store *st, const struct party *v, int nv, uint64_t epoch, json_t *ids,
                     int64_t commit_now, int64_t reveal_now, double *t_commit, double *t_reveal)
{
	struct timespec t0;
	for (int phase = 0; phase < (reveal_now ? 2 : 1); phase++) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (int k = 0; k < nv; k++) {
			json_t *body = vote_body(k, ids, phase);
			char *answer = NULL;
			ls_err err = {0};
			ls_status s = phase == 0
				? ls_epoch_commit(st, &v[k].id, epoch, body, commit_now, &answer, &err)
				: ls_epoch_reveal(st, &v[k].id, epoch, body, reveal_now, &answer, &err);
			if (s != LS_OK)
				die(phase == 0 ? "commit" : "reveal", &err);
			free(answer);
			json_decref(body);
		}
		*(phase == 0 ? t_commit : t_reveal) = seconds_since(&t0);
	}
}

/* Challenges whose public JSON is about 630 bytes each. */
static void load_challenges(ls_store *st, uint64_t n, int64_t now)
{
	static const char task[] =
		"Find decision makers (CTO, VP Engineering, Head of Data) at B2B software firms "
		"with 50 to 500 employees headquartered in Germany, Austria or Switzerland; each "
		"lead needs a verified work email, a LinkedIn profile and a public source page; "
		"duplicates are refused.";
	json_t *list = json_array();
	for (uint64_t i = 0; i < n; i++) {
		char id[32], title[64];
		snprintf(id, sizeof id, "dach-saas-%03llu", (unsigned long long)i);
		snprintf(title, sizeof title, "DACH SaaS decision makers, batch %llu", (unsigned long long)i);
		json_array_append_new(list, json_pack(
			"{s:s, s:s, s:i, s:s, s:f, s:I, s:I, s:{s:s, s:s, s:i, s:[s, s, s]}}", "id", id, "title",
			title, "tier", (int)(1 + i % 5), "difficulty", i % 3 ? "medium" : "hard", "multiplier",
			1.0 + 0.25 * (double)(i % 4), "opens_at", (json_int_t)(now - 60), "closes_at",
			(json_int_t)(now + 86400), "document", "task", task, "region", "DACH", "leads", 25,
			"rubric", "role seniority", "email deliverability", "source quality"));
	}
	json_t *file = json_pack("{s:o}", "challenges", list);
	char *text = json_dumps(file, JSON_COMPACT);
	struct ls_challenges_report r;
	ls_err err = {0};
	if (text == NULL || ls_challenges_load(st, text, strlen(text), now, &r, &err) != LS_OK)
		die("load the challenges", &err);
	free(text);
	json_decref(file);
}

static void write_active(ls_store *st, int64_t now, const char *path)
{
	ls_reader *rd = NULL;
	struct ls_body b;
	int64_t fresh_for;
	ls_err err = {0};
	FILE *f = fopen(path, "wb");
	if (f == NULL || ls_reader_begin(st, &rd, &err) != LS_OK ||
	    ls_challenges_active(rd, now, &b, &fresh_for, &err) != LS_OK)
		die("the active challenges", &err);
	if (fwrite(b.data, 1, b.len, f) != b.len || fclose(f) != 0)
		die(path, NULL);
	ls_reader_end(rd);
}

/* One line of a pool for bench/post-pool.lua: POST path with body, signed
 * by p for the gateway at base. */
static void pool_post(FILE *f, const struct party *p, const char *base, const char *path,
                      const char *body, int64_t now)
{
	char url[512];
	snprintf(url, sizeof url, "%s%s", base, path);
	struct ls_sign_request r = {.method = "POST", .url = url, .body = (const uint8_t *)body,
	                            .body_len = strlen(body), .created = now, .expires = -1};
	struct ls_signed_headers h;
	ls_err err = {0};
	if (ls_request_sign(&r, &p->key, 42, &h, &err) != LS_OK)
		die("sign a request", &err);
	fprintf(f, "%s\t%s\t%s\t%s\t%s\n", path, h.signature_input, h.signature, h.content_digest,
	        body);
}

/* One signed result POST per validator per submission, validators
 * interleaved. */
static void write_result_pool(const struct party *v, int nv, json_t *subs, const char *path,
                              const char *base, int64_t now)
{
	FILE *f = fopen(path, "w");
	json_t *s;
	size_t i;
	if (f == NULL)
		die(path, NULL);
	for (int k = 0; k < nv; k++)
		json_array_foreach(subs, i, s) {
			char body[128];
			snprintf(body, sizeof body, "{\"submission_id\":\"%s\",\"score\":0.%04d}",
			         json_string_value(json_array_get(s, 1)), (int)(1000 + (i * 37 + (size_t)k) % 9000));
			pool_post(f, &v[k], base, json_string_value(json_array_get(s, 0)), body, now);
		}
	if (fclose(f) != 0)
		die(path, NULL);
}

/* submit: requests POSTs of per_request new leads each, miners in turn. */
static void write_submit_pool(const struct party *m, uint64_t requests, uint64_t per_request,
                              const char *path, const char *base, int64_t now)
{
	FILE *f = fopen(path, "w");
	if (f == NULL)
		die(path, NULL);
	for (uint64_t i = 0; i < requests; i++) {
		const struct party *miner = &m[i % MINERS];
		json_t *list = json_array();
		for (uint64_t k = 0; k < per_request; k++)
			json_array_append_new(list, lead_new(i * per_request + k, miner->id.ss58));
		json_t *root = json_pack("{s:o}", "leads", list);
		char *body = json_dumps(root, JSON_COMPACT);
		if (body == NULL)
			die("a body", NULL);
		pool_post(f, miner, base, "/v1/leads", body, now);
		free(body);
		json_decref(root);
	}
	if (fclose(f) != 0)
		die(path, NULL);
	printf("submit: %llu signed POST /v1/leads of %llu leads each pooled\n",
	       (unsigned long long)requests, (unsigned long long)per_request);
}

static void fill_challenges(ls_store *st, const struct party *v, int nv, const struct party *m,
                            uint64_t n, const char *body_path, const char *pool_path,
                            const char *base)
{
	int64_t now = ls_now(ls_store_config(st));
	json_t *subs = json_array();
	load_challenges(st, n, now);
	for (uint64_t i = 0; i < n; i++)
		for (int k = 0; k < MINERS; k++) {
			char id[32], *answer = NULL, path[96];
			const char body[] = "{\"leads\":[{\"business\":\"Acme GmbH\",\"role\":\"CTO\"}]}";
			ls_err err = {0};
			snprintf(id, sizeof id, "dach-saas-%03llu", (unsigned long long)i);
			if (ls_challenge_submit(st, &m[k].id, id, (const uint8_t *)body, strlen(body), now,
			                        &answer, &err) != LS_OK)
				die("submit", &err);
			json_t *a = json_loads(answer, 0, NULL);
			snprintf(path, sizeof path, "/v1/challenges/%s/results", id);
			json_array_append_new(subs, json_pack("[s, O]", path, json_object_get(a, "submission_id")));
			json_decref(a);
			free(answer);
		}
	write_active(st, now, body_path);
	write_result_pool(v, nv, subs, pool_path, base, now);
	printf("challenges: %llu open, %zu submissions, %zu signed results pooled\n",
	       (unsigned long long)n, json_array_size(subs), json_array_size(subs) * (size_t)nv);
	json_decref(subs);
}

/* One signed POST of validator k's votes per validator, to path. */
static void write_vote_pool(const struct party *v, int nv, json_t *ids, int phase,
                            const char *path, const char *pool_path, const char *base, int64_t now)
{
	FILE *f = fopen(pool_path, "w");
	if (f == NULL)
		die(pool_path, NULL);
	for (int k = 0; k < nv; k++) {
		json_t *body = vote_body(k, ids, phase);
		char *text = json_dumps(body, JSON_COMPACT);
		if (text == NULL)
			die("a body", NULL);
		pool_post(f, &v[k], base, path, text, now);
		free(text);
		json_decref(body);
	}
	if (fclose(f) != 0)
		die(pool_path, NULL);
}

/* votes: epoch E committed by every validator, E + 1 assigned, and the
 * chain at E + 1's first block, where commits for E + 1 and reveals for E
 * are both open; a pool of each. */
static void fill_votes(ls_store *st, struct party *v, int nv, struct party *m, uint64_t leads,
                       char **pools, const char *base, uint64_t block_a, int64_t t_a)
{
	const struct ls_config *cfg = ls_store_config(st);
	uint64_t L = cfg->epoch_length, epoch = FIRST_EPOCH + 1;
	int64_t bs = cfg->block_seconds;
	struct ls_prefetch_report pr;
	ls_err err = {0};
	double tc, tr;
	submit_leads(st, m, 2 * leads, t_a);
	if (ls_epoch_prefetch(st, t_a, &pr, &err) != LS_OK || !pr.assigned)
		die("assign the epoch", &err);
	json_t *ids = assigned_ids(st, epoch);
	vote_all(st, v, nv, epoch, ids, t_a + (int64_t)(epoch * L + 1 - block_a) * bs, 0, &tc, &tr);
	if (ls_epoch_prefetch(st, t_a + (int64_t)(epoch * L + cfg->prefetch_start - block_a) * bs, &pr,
	                      &err) != LS_OK || !pr.assigned)
		die("assign the next epoch", &err);
	json_t *next = assigned_ids(st, epoch + 1);
	int64_t now = ls_now(cfg);
	import_anchor(st, v, nv, m, (epoch + 1) * L + 1, now);
	char path[64];
	snprintf(path, sizeof path, "/v1/epoch/%llu/commit", (unsigned long long)epoch + 1);
	write_vote_pool(v, nv, next, 0, path, pools[0], base, now);
	snprintf(path, sizeof path, "/v1/epoch/%llu/reveal", (unsigned long long)epoch);
	write_vote_pool(v, nv, ids, 1, path, pools[1], base, now);
	printf("votes: %d validators committed to epoch %llu in %.3f s; pools of %d commits for "
	       "epoch %llu and %d reveals for epoch %llu\n", nv, (unsigned long long)epoch, tc, nv,
	       (unsigned long long)epoch + 1, nv, (unsigned long long)epoch);
	json_decref(ids);
	json_decref(next);
}

/* serve and close: an epoch of LEADS leads, voted on when closing. */
static void fill_epoch(ls_store *st, struct party *v, int nv, struct party *m, uint64_t leads,
                       bool close_mode, const char *body_path, uint64_t block_a, int64_t t_a)
{
	const struct ls_config *cfg = ls_store_config(st);
	uint64_t L = cfg->epoch_length, epoch = FIRST_EPOCH + 1;
	int64_t bs = cfg->block_seconds;
	struct timespec t0;
	ls_err err = {0};
	clock_gettime(CLOCK_MONOTONIC, &t0);
	submit_leads(st, m, leads, t_a);
	printf("submit: %llu leads in %.3f s\n", (unsigned long long)leads, seconds_since(&t0));
	struct ls_prefetch_report pr;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (ls_epoch_prefetch(st, t_a, &pr, &err) != LS_OK || !pr.assigned || pr.leads != leads)
		die("assign the epoch", &err);
	printf("prefetch: epoch %llu, %zu leads in %.3f s\n", (unsigned long long)pr.epoch, pr.leads,
	       seconds_since(&t0));

	uint64_t now_block = epoch * L;  /* serve: the epoch just began */
	if (close_mode) {
		double tc, tr;
		json_t *ids = assigned_ids(st, epoch);
		vote_all(st, v, nv, epoch, ids, t_a + (int64_t)(epoch * L + 1 - block_a) * bs,
		         t_a + (int64_t)((epoch + 1) * L + 1 - block_a) * bs, &tc, &tr);
		json_decref(ids);
		printf("votes: %llu validators committed in %.3f s and revealed in %.3f s\n",
		       (unsigned long long)nv, tc, tr);
		now_block = (epoch + 1) * L + cfg->reveal_end + 1;  /* the reveal window is over */
	}
	import_anchor(st, v, nv, m, now_block, ls_now(ls_store_config(st)));
	if (body_path)
		write_body(st, epoch, body_path);
	printf("epoch %llu ready; the chain is at block %llu\n", (unsigned long long)epoch,
	       (unsigned long long)now_block);
}

int main(int argc, char **argv)
{
	uint64_t leads, nv;
	struct ls_config cfg;
	ls_store *st;
	ls_err err = {0};
	bool challenges = argc == 8 && strcmp(argv[1], "challenges") == 0;
	bool queue = argc == 5 && strcmp(argv[1], "queue") == 0;
	bool submit = argc == 7 && strcmp(argv[1], "submit") == 0;
	bool votes = argc == 8 && strcmp(argv[1], "votes") == 0;
	if (argc < 5 || argc > 8 ||
	    (strcmp(argv[1], "serve") != 0 && strcmp(argv[1], "close") != 0 && !challenges && !queue &&
	     !submit && !votes) ||
	    (argc > 6 && !challenges && !submit && !votes) || !ls_parse_u64(argv[3], 1000000, &leads) ||
	    !ls_parse_u64(argv[4], 8192, &nv) || nv == 0) {
		fprintf(stderr, "usage: fill-epoch serve|close|queue KEYDIR LEADS VALIDATORS [BODYFILE]\n"
		                "       fill-epoch challenges KEYDIR CHALLENGES VALIDATORS BODYFILE POOLFILE BASE\n"
		                "       fill-epoch submit KEYDIR REQUESTS PER_REQUEST POOLFILE BASE\n"
		                "       fill-epoch votes KEYDIR LEADS VALIDATORS COMMITPOOL REVEALPOOL BASE\n");
		return EXIT_FAILURE;
	}
	uint64_t per_request = nv;
	if (submit)
		nv = 1;  /* a validator, for a metagraph that has one */
	bool close_mode = strcmp(argv[1], "close") == 0;
	ls_config_defaults(&cfg);
	if (ls_config_load(&cfg, ls_config_path(), &err) != LS_OK ||
	    ls_open(&st, &cfg, LS_OPEN_CREATE, &err) != LS_OK)
		die("open the store", &err);
	struct party *v = calloc(nv, sizeof *v), m[MINERS];
	for (uint64_t i = 0; i < nv; i++)
		party_new(argv[2], "validator", (int)i, i % 2 ? LS_KEY_SR25519 : LS_KEY_ED25519, &cfg, &v[i]);
	for (int i = 0; i < MINERS; i++)
		party_new(argv[2], "miner", i, LS_KEY_ED25519, &cfg, &m[i]);

	/* the chain in FIRST_EPOCH's prefetch window: leads in, then assigned */
	uint64_t block_a = FIRST_EPOCH * cfg.epoch_length + cfg.prefetch_start;
	int64_t t_a = ls_now(&cfg);
	import_anchor(st, v, (int)nv, m, block_a, t_a);
	if (challenges)
		fill_challenges(st, v, (int)nv, m, leads, argv[5], argv[6], argv[7]);
	else if (submit)
		write_submit_pool(m, leads, per_request, argv[5], argv[6], t_a);
	else if (votes)
		fill_votes(st, v, (int)nv, m, leads, argv + 5, argv[7], block_a, t_a);
	else if (queue)  /* consensus_mode = first3: the leads wait to be pulled */
		submit_leads(st, m, leads, t_a);
	else
		fill_epoch(st, v, (int)nv, m, leads, close_mode, argc == 6 ? argv[5] : NULL, block_a, t_a);
	for (uint64_t i = 0; i < nv; i++)
		sodium_memzero(&v[i].key, sizeof v[i].key);
	free(v);
	ls_close(st);
	return EXIT_SUCCESS;
}
