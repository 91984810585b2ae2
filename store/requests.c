/* requests.c — paying clients' lead requests (SPEC §5, §6): a request is
 * broadcast to the validators active when it was made; each ranks
 * candidate leads once; the request is completed when every one of them
 * has ranked, or request_timeout after it was made with at least one
 * ranking, and expires at request_expiry with none.  Whether that moment
 * has come is a function of the stored request and the time, so rankings
 * are refused from then on even before a read has recorded the outcome,
 * and the outcome is a function of the stored rankings alone: whichever
 * reader completes it, every reader gets the same answer. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "internal.h"

enum request_state { REQ_PENDING = 1, REQ_PROCESSING, REQ_COMPLETED, REQ_EXPIRED };

static const char *const state_names[] = {"", "pending", "processing", "completed", "expired"};

struct request_rec {
	uint8_t fmt, state, pad[2];
	uint16_t num_leads;
	uint16_t active;           /* validators active when it was made */
	uint32_t rankings;
	uint32_t desc_len;         /* business_desc's bytes follow the record */
	int64_t created_at, deadline, expires_at;
	int64_t last_ranking_at;
	char client[LS_CLIENT_NAME_MAX + 1];
	uint8_t pad2[7];
};

/* A ranking: this head, then n items of content_hash[32] ‖ lead_id[16]
 * (zero for a proposed lead) ‖ score_e4 u16 ‖ rank u16. */
struct ranking_rec {
	uint8_t fmt, pad;
	uint16_t n;
	uint32_t pad2;
	int64_t received_at;
	union {
		uint64_t u16;          /* LS_FMT2: the validator's trust as the chain's u16 */
		double real;           /* LS_FMT1 (older stores): the same as a double */
	} trust;                   /* when it ranked */
};

static uint16_t ranking_trust(const struct ranking_rec *h)
{
	if (h->fmt == LS_FMT2)
		return (uint16_t)(h->trust.u16 > 65535 ? 65535 : h->trust.u16);
	return h->trust.real > 0 ? (uint16_t)lround(h->trust.real * 65535.0) : 0;
}
#define RANK_ITEM 52

const double ls_response_bounds[LS_RESPONSE_BUCKETS] = {1, 2, 5, 10, 20, 30, 60, 90, 120};

struct stats_rec {
	uint8_t fmt, pad[7];
	struct ls_request_stats s;  /* open and clients are not stored */
};

/* ---- the request record ------------------------------------------------ */

/* The request; LS_NOTFOUND (404 no_such_request) when it does not exist
 * or belongs to another client (so ids do not leak). *desc borrowed. */
static ls_status request_read(ls_store *st, MDB_txn *txn, const uint8_t id[16],
                              const char *client, struct request_rec *out, const char **desc,
                              ls_err *err)
{
	MDB_val v;
	int rc = ls_get(st, txn, DB_REQUESTS, id, 16, &v);
	if (rc == 0 && v.mv_size >= sizeof *out) {
		memcpy(out, v.mv_data, sizeof *out);
		if (v.mv_size != sizeof *out + out->desc_len || out->state < REQ_PENDING ||
		    out->state > REQ_EXPIRED)
			rc = MDB_CORRUPTED;
	} else if (rc == 0) {
		rc = MDB_CORRUPTED;
	}
	if (rc == 0 && client && strcmp(out->client, client) != 0)
		rc = MDB_NOTFOUND;
	if (rc == MDB_NOTFOUND)
		return ls_fail(err, LS_NOTFOUND, "no_such_request", NULL, "no such request");
	if (rc)
		return ls_mdb_fail(err, rc, "read a request");
	if (desc)
		*desc = (const char *)v.mv_data + sizeof *out;
	return LS_OK;
}

static ls_status request_update(struct ls_txn *t, const uint8_t id[16], const struct request_rec *r)
{
	MDB_val v;
	ls_status s = lt_get(t, DB_REQUESTS, id, 16, &v);
	if (s == LS_NOTFOUND || (s == LS_OK && v.mv_size != sizeof *r + r->desc_len))
		return ls_fail(t->err, LS_ERROR, "store_error", NULL, "a request's record is damaged");
	if (s != LS_OK)
		return s;
	uint8_t *copy = malloc(v.mv_size);
	if (copy == NULL)
		return ls_fail(t->err, LS_ERROR, "oom", NULL, "out of memory");
	memcpy(copy, r, sizeof *r);
	memcpy(copy + sizeof *r, (uint8_t *)v.mv_data + sizeof *r, r->desc_len);
	s = lt_put(t, DB_REQUESTS, id, 16, copy, sizeof *r + r->desc_len, 0);
	free(copy);
	return s;
}

/* What the request is at now: its state, or the one it has come to. */
static int state_at(const struct request_rec *r, int64_t now)
{
	if (r->state == REQ_COMPLETED || r->state == REQ_EXPIRED)
		return r->state;
	if (r->rankings > 0 && (r->rankings >= r->active || now >= r->deadline))
		return REQ_COMPLETED;
	if (r->rankings == 0 && now >= r->expires_at)
		return REQ_EXPIRED;
	return r->state;
}

static bool finished(int state)
{
	return state == REQ_COMPLETED || state == REQ_EXPIRED;
}

static ls_status stats_read(ls_store *st, MDB_txn *txn, struct stats_rec *out, ls_err *err)
{
	MDB_val v;
	memset(out, 0, sizeof *out);
	out->fmt = LS_FMT1;
	int rc = ls_get(st, txn, DB_META, META_REQUEST_STATS, strlen(META_REQUEST_STATS), &v);
	if (rc == 0 && v.mv_size == sizeof *out)
		memcpy(out, v.mv_data, sizeof *out);
	else if (rc == 0)
		rc = MDB_CORRUPTED;
	return rc == 0 || rc == MDB_NOTFOUND ? LS_OK : ls_mdb_fail(err, rc, "read the request statistics");
}

static ls_status stats_write(struct ls_txn *t, const struct stats_rec *r)
{
	return lt_put(t, DB_META, META_REQUEST_STATS, strlen(META_REQUEST_STATS), r, sizeof *r, 0);
}

/* ---- POST /v1/requests ------------------------------------------------- */

struct create_ctx {
	const struct ls_client *client;
	int64_t now;
	unsigned num_leads;
	const char *desc;
	size_t desc_len;
	uint8_t id[16];
	struct request_rec rec;
};

static size_t utf8_chars(const char *s, size_t n)
{
	size_t chars = 0;
	for (size_t i = 0; i < n; i++)
		chars += ((uint8_t)s[i] & 0xc0) != 0x80;
	return chars;
}

static ls_status create_parse(json_t *body, struct create_ctx *c, ls_err *err)
{
	const char *key;
	json_t *v, *num = json_object_get(body, "num_leads"), *desc = json_object_get(body, "business_desc");
	if (!json_is_object(body))
		return ls_fail(err, LS_INVALID, "bad_body", NULL,
		               "the body must be {\"num_leads\": 1..100, \"business_desc\": \"...\"}");
	json_object_foreach(body, key, v)
		if (strcmp(key, "num_leads") != 0 && strcmp(key, "business_desc") != 0)
			return ls_fail(err, LS_INVALID, "unknown_field", key, "%s is not a member of a request",
			               key);
	if (!json_is_integer(num) || json_integer_value(num) < 1 ||
	    json_integer_value(num) > LS_REQUEST_LEADS_MAX)
		return ls_fail(err, LS_INVALID, "bad_num_leads", "num_leads",
		               "num_leads is a whole number from 1 to %d", LS_REQUEST_LEADS_MAX);
	/* jansson refuses ill-formed UTF-8 and, by default, NUL */
	c->desc = json_string_value(desc);
	c->desc_len = json_string_length(desc);
	size_t chars = c->desc ? utf8_chars(c->desc, c->desc_len) : 0;
	if (c->desc == NULL || chars < 1 || chars > LS_REQUEST_DESC_MAX ||
	    c->desc_len != strlen(c->desc))
		return ls_fail(err, LS_INVALID, "bad_business_desc", "business_desc",
		               "business_desc is text of 1 to %d characters", LS_REQUEST_DESC_MAX);
	c->num_leads = (unsigned)json_integer_value(num);
	return LS_OK;
}

/* The validators with a permit that are active in the metagraph now:
 * counted, and each recorded as one who may rank request id. */
static ls_status active_validators(struct ls_txn *t, const uint8_t id[16], unsigned *n)
{
	MDB_cursor *cur;
	MDB_val k, v;
	uint8_t key[48], fmt = LS_FMT1;
	ls_status s = LS_OK;
	*n = 0;
	memcpy(key, id, 16);
	int rc = mdb_cursor_open(t->txn, t->st->dbi[DB_NEURONS], &cur);
	if (rc)
		return lt_fail_mdb(t, rc, "open a cursor");
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		struct ls_neuron nr;
		if (k.mv_size != 32 || v.mv_size != NEURON_REC_LEN)
			continue;
		ls_neuron_decode(&v, k.mv_data, &nr);
		if (!nr.validator_permit || !nr.active)
			continue;
		memcpy(key + 16, k.mv_data, 32);
		if ((s = lt_put(t, DB_REQUEST_VALIDATORS, key, sizeof key, &fmt, 1, 0)) != LS_OK)
			break;
		++*n;
	}
	mdb_cursor_close(cur);
	if (s != LS_OK)
		return s;
	return rc == MDB_NOTFOUND ? LS_OK : lt_fail_mdb(t, rc, "read the metagraph");
}

/* Ids are UUIDv7 and validators page by them: a new one sorts after
 * every request already made, whichever worker made it. */
static ls_status id_after_last(struct ls_txn *t, uint8_t id[16])
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc = mdb_cursor_open(t->txn, t->st->dbi[DB_REQUESTS], &cur);
	if (rc)
		return lt_fail_mdb(t, rc, "open a cursor");
	rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
	if (rc == 0 && k.mv_size == 16 && memcmp(id, k.mv_data, 16) <= 0) {
		memcpy(id, k.mv_data, 16);
		ls_uuid_increment(id);
	}
	mdb_cursor_close(cur);
	return rc == 0 || rc == MDB_NOTFOUND ? LS_OK : lt_fail_mdb(t, rc, "read the requests");
}

static ls_status create_log(struct ls_txn *t, struct create_ctx *c)
{
	char id[37], hex[65];
	uint8_t h[32];
	ls_uuid_format(c->id, id);
	crypto_hash_sha256(h, (const uint8_t *)c->desc, c->desc_len);
	ls_hex(h, 32, hex);
	json_t *payload = json_pack("{s:s, s:i, s:s, s:I, s:I, s:i}", "request_id", id, "num_leads",
	                            c->num_leads, "business_desc_sha256", hex, "deadline",
	                            (json_int_t)c->rec.deadline, "expires_at",
	                            (json_int_t)c->rec.expires_at, "validators", c->rec.active);
	ls_status s = ls_log_append(t, ls_log_epoch(t, c->now), "REQUEST_CREATED", payload, NULL);
	json_decref(payload);
	return s;
}

static ls_status create_write(struct ls_txn *t, void *vctx)
{
	struct create_ctx *c = vctx;
	unsigned active;
	struct stats_rec stats;
	uint8_t fmt = LS_FMT1;
	ls_status s = lt_client_count_request(t, c->client->name, c->now);
	if (s != LS_OK)
		return s;
	ls_uuid7(ls_id_millis(c->now), c->id);
	if ((s = id_after_last(t, c->id)) != LS_OK || (s = active_validators(t, c->id, &active)) != LS_OK)
		return s;
	if (active == 0)
		return ls_fail(t->err, LS_UNAVAILABLE, "no_active_validators", NULL,
		               "no validator is active to rank leads; try again later");
	struct request_rec *r = &c->rec;
	memset(r, 0, sizeof *r);
	*r = (struct request_rec){.fmt = LS_FMT1, .state = REQ_PENDING,
	                          .num_leads = (uint16_t)c->num_leads,
	                          .active = (uint16_t)(active > UINT16_MAX ? UINT16_MAX : active),
	                          .desc_len = (uint32_t)c->desc_len, .created_at = c->now,
	                          .deadline = c->now + t->st->cfg.request_timeout,
	                          .expires_at = c->now + t->st->cfg.request_expiry};
	snprintf(r->client, sizeof r->client, "%s", c->client->name);
	MDB_val k = {16, c->id}, v = {sizeof *r + c->desc_len, NULL};
	int rc = mdb_put(t->txn, t->st->dbi[DB_REQUESTS], &k, &v, MDB_RESERVE | MDB_NOOVERWRITE);
	if (rc)
		return lt_fail_mdb(t, rc, "store a request");
	memcpy(v.mv_data, r, sizeof *r);
	memcpy((uint8_t *)v.mv_data + sizeof *r, c->desc, c->desc_len);
	s = lt_put(t, DB_OPEN_REQUESTS, c->id, 16, &fmt, 1, 0);
	if (s == LS_OK && (s = stats_read(t->st, t->txn, &stats, t->err)) == LS_OK) {
		stats.s.created++;
		s = stats_write(t, &stats);
	}
	return s == LS_OK ? create_log(t, c) : s;
}

ls_status ls_request_create(ls_store *st, const struct ls_client *client, json_t *body,
                            int64_t now, char **response, ls_err *err)
{
	struct create_ctx c = {.client = client, .now = now};
	*response = NULL;
	ls_status s = create_parse(body, &c, err);
	if (s == LS_OK)
		s = ls_write(st, create_write, &c, err);
	if (s != LS_OK)
		return s;
	char id[37];
	ls_uuid_format(c.id, id);
	json_t *a = json_pack("{s:s, s:s, s:i, s:I, s:I, s:I, s:i}", "request_id", id, "status",
	                      "pending", "num_leads", c.num_leads, "created_at", (json_int_t)now,
	                      "deadline", (json_int_t)c.rec.deadline, "expires_at",
	                      (json_int_t)c.rec.expires_at, "validators", c.rec.active);
	*response = a ? json_dumps(a, JSON_COMPACT) : NULL;
	json_decref(a);
	return *response ? LS_OK : ls_fail(err, LS_ERROR, "oom", NULL, "out of memory");
}

/* ---- GET /v1/requests/open --------------------------------------------- */

/* Whether request id ‖ hotkey is in db (DB_RANKINGS: it ranked;
 * DB_REQUEST_VALIDATORS: it was asked to). */
static bool has_key(ls_store *st, MDB_txn *txn, enum ls_db db, const uint8_t id[16],
                    const uint8_t hotkey[32])
{
	uint8_t key[48];
	MDB_val v;
	memcpy(key, id, 16);
	memcpy(key + 16, hotkey, 32);
	return ls_get(st, txn, db, key, sizeof key, &v) == 0;
}

static bool ranked_by(ls_store *st, MDB_txn *txn, const uint8_t id[16], const uint8_t hotkey[32])
{
	return has_key(st, txn, DB_RANKINGS, id, hotkey);
}

static bool asked(ls_store *st, MDB_txn *txn, const uint8_t id[16], const uint8_t hotkey[32])
{
	return has_key(st, txn, DB_REQUEST_VALIDATORS, id, hotkey);
}

static json_t *open_entry(ls_reader *rd, const struct ls_identity *v, const uint8_t id[16],
                          const struct request_rec *r, const char *desc)
{
	char text[37];
	ls_uuid_format(id, text);
	return json_pack("{s:s, s:i, s:s%, s:I, s:I, s:I, s:i, s:b}", "request_id", text, "num_leads",
	                 r->num_leads, "business_desc", desc, (size_t)r->desc_len, "created_at",
	                 (json_int_t)r->created_at, "deadline", (json_int_t)r->deadline,
	                 "expires_at", (json_int_t)r->expires_at, "rankings", (int)r->rankings,
	                 "ranked", ranked_by(rd->st, rd->txn, id, v->hotkey));
}

ls_status ls_requests_open(ls_reader *rd, const struct ls_identity *validator, int64_t now,
                           const uint8_t *after, unsigned limit, char **body, size_t *len,
                           ls_err *err)
{
	ls_status s = ls_require_validator(validator, err);
	if (s != LS_OK)
		return s;
	MDB_cursor *cur = NULL;
	MDB_val k = {16, (void *)after}, v;
	uint8_t last[16];
	json_t *list = json_array();
	int rc = mdb_cursor_open(rd->txn, rd->st->dbi[DB_OPEN_REQUESTS], &cur);
	if (rc == 0)
		rc = after ? mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE)
		           : mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	if (rc == 0 && after && memcmp(k.mv_data, after, 16) == 0)
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	bool more = false;
	for (; rc == 0 && k.mv_size == 16; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (json_array_size(list) == limit) {
			more = true;
			break;
		}
		struct request_rec r;
		const char *desc;
		memcpy(last, k.mv_data, 16);
		if ((s = request_read(rd->st, rd->txn, last, NULL, &r, &desc, err)) != LS_OK)
			break;
		if (!finished(state_at(&r, now)) && asked(rd->st, rd->txn, last, validator->hotkey))
			json_array_append_new(list, open_entry(rd, validator, last, &r, desc));
	}
	if (rc == 0 || rc == MDB_NOTFOUND)
		rc = 0;
	if (cur)
		mdb_cursor_close(cur);
	if (s != LS_OK || rc) {
		json_decref(list);
		return s != LS_OK ? s : ls_mdb_fail(err, rc, "list the open requests");
	}
	char next[37];
	ls_uuid_format(last, next);
	json_t *o = json_pack("{s:o, s:s?}", "requests", list, "next_after", more ? next : NULL);
	*body = o ? json_dumps(o, JSON_COMPACT) : NULL;
	*len = *body ? strlen(*body) : 0;
	json_decref(o);
	return *body ? LS_OK : ls_fail(err, LS_ERROR, "oom", NULL, "out of memory");
}

/* ---- POST /v1/requests/{id}/rankings ------------------------------------ */

struct rank_item {
	uint8_t hash[32], id[16];
	bool proposal;
	uint16_t score_e4, rank;
	char *canonical;            /* a proposal's lead */
	char wallet[LS_SS58_MAX];   /* a proposal's miner */
};

struct rank_ctx {
	const struct ls_identity *v;
	int64_t now;
	uint8_t id[16];
	size_t n;
	struct rank_item *items;
	uint8_t sha256[32];         /* of the canonical body */
	uint32_t rankings;          /* the request's, after this one */
};

static ls_status item_fail(ls_err *err, size_t i, const char *member, const char *code,
                           const char *what)
{
	char field[64];
	snprintf(field, sizeof field, "rankings[%zu].%s", i, member);
	return ls_fail(err, LS_INVALID, code, field, "%s %s", field, what);
}

static ls_status item_parse(const struct ls_config *cfg, json_t *o, size_t i, size_t n,
                            struct rank_item *it, ls_err *err)
{
	const char *key;
	json_t *v, *lead = json_object_get(o, "lead"), *rank = json_object_get(o, "rank");
	uint32_t e4;
	if (!json_is_object(o))
		return item_fail(err, i, "lead", "bad_ranking", "must be {lead, score, rank}");
	json_object_foreach(o, key, v)
		if (strcmp(key, "lead") && strcmp(key, "score") && strcmp(key, "rank"))
			return item_fail(err, i, "lead", "unknown_field", "has a member other than lead, score and rank");
	if (!ls_json_score_e4(json_object_get(o, "score"), &e4))
		return item_fail(err, i, "score", "bad_score", "is a number from 0 to 1 with at most 4 decimals");
	if (!json_is_integer(rank) || json_integer_value(rank) < 1 || (size_t)json_integer_value(rank) > n)
		return item_fail(err, i, "rank", "bad_rank", "is a whole number from 1 to the number of leads ranked");
	it->score_e4 = (uint16_t)e4;
	it->rank = (uint16_t)json_integer_value(rank);
	if (json_is_string(lead)) {
		if (ls_uuid_parse(json_string_value(lead), it->id) != LS_OK)
			return item_fail(err, i, "lead", "bad_lead", "is a lead id (UUID) or a lead object");
		return LS_OK;
	}
	if (!json_is_object(lead))
		return item_fail(err, i, "lead", "bad_lead", "is a lead id (UUID) or a lead object");
	/* a proposal: the miner who found it signs nothing here, so the lead's
	 * own wallet_ss58 names it (checked against the metagraph later) */
	char prefix[48];
	struct ls_lead_keys keys;
	const char *wallet = json_string_value(json_object_get(lead, "wallet_ss58"));
	snprintf(it->wallet, sizeof it->wallet, "%s", wallet && strlen(wallet) < LS_SS58_MAX ? wallet : "");
	snprintf(prefix, sizeof prefix, "rankings[%zu].lead.", i);
	it->proposal = true;
	return ls_lead_prepare(cfg, lead, it->wallet, prefix, &it->canonical, it->hash, &keys, err);
}

static ls_status rank_parse(const struct ls_config *cfg, json_t *body, struct rank_ctx *c,
                            ls_err *err)
{
	const char *key;
	json_t *v, *list = json_object_get(body, "rankings");
	if (!json_is_object(body))
		return ls_fail(err, LS_INVALID, "bad_body", NULL, "the body must be {\"rankings\": [...]}");
	json_object_foreach(body, key, v)
		if (strcmp(key, "rankings") != 0)
			return ls_fail(err, LS_INVALID, "unknown_field", key, "%s is not a member of a ranking", key);
	c->n = json_array_size(list);
	if (!json_is_array(list) || c->n < 1 || c->n > LS_RANKING_MAX)
		return ls_fail(err, LS_INVALID, "bad_rankings", "rankings",
		               "rankings is an array of 1 to %d ranked leads", LS_RANKING_MAX);
	c->items = calloc(c->n, sizeof *c->items);
	if (c->items == NULL)
		return ls_fail(err, LS_ERROR, "oom", NULL, "out of memory");
	uint8_t seen[LS_RANKING_MAX + 1] = {0};
	for (size_t i = 0; i < c->n; i++) {
		ls_status s = item_parse(cfg, json_array_get(list, i), i, c->n, &c->items[i], err);
		if (s != LS_OK)
			return s;
		if (seen[c->items[i].rank]++)
			return item_fail(err, i, "rank", "duplicate_rank", "repeats a rank: ranks are 1..n, each once");
	}
	char *canonical = ls_json_canonical(body);
	if (canonical == NULL)
		return ls_fail(err, LS_ERROR, "oom", NULL, "out of memory");
	crypto_hash_sha256(c->sha256, (const uint8_t *)canonical, strlen(canonical));
	free(canonical);
	return LS_OK;
}

/* Leads named by id: approved ones only, known by their content hash;
 * proposals: from a registered hotkey.  Then no lead twice. */
static ls_status rank_resolve(struct ls_txn *t, struct rank_ctx *c)
{
	for (size_t i = 0; i < c->n; i++) {
		struct rank_item *it = &c->items[i];
		MDB_val v;
		if (it->proposal) {
			uint8_t hotkey[32];
			ls_err ignored;
			if (ls_ss58_decode(it->wallet, t->st->cfg.ss58_prefix, hotkey, &ignored) != LS_OK ||
			    ls_get(t->st, t->txn, DB_NEURONS, hotkey, 32, &v) != 0)
				return item_fail(t->err, i, "lead.wallet_ss58", "unknown_miner",
				                 "is not a hotkey registered in the metagraph");
			if (ls_refuse_self_dealing(c->v, hotkey, "rank a lead proposed in its own name",
			                           t->err) != LS_OK) {
				snprintf(t->err->field, sizeof t->err->field, "rankings[%zu].lead.wallet_ss58", i);
				return LS_FORBIDDEN;
			}
			continue;
		}
		struct lead_rec rec;
		ls_status s = lt_get(t, DB_APPROVED, it->id, 16, &v);
		if (s == LS_NOTFOUND)
			return item_fail(t->err, i, "lead", "lead_not_approved", "is not the id of an approved lead");
		if (s == LS_OK)
			s = ls_lead_read(t->st, t->txn, it->id, &rec, NULL, NULL);
		if (s != LS_OK)
			return s == LS_NOTFOUND ? ls_fail(t->err, LS_ERROR, "store_error", NULL, "lead missing") : s;
		if ((s = ls_refuse_self_dealing(c->v, rec.miner, "rank a lead it submitted", t->err)) != LS_OK) {
			snprintf(t->err->field, sizeof t->err->field, "rankings[%zu].lead", i);
			return s;
		}
		memcpy(it->hash, rec.content_hash, 32);
	}
	for (size_t i = 0; i < c->n; i++)
		for (size_t j = 0; j < i; j++)
			if (memcmp(c->items[i].hash, c->items[j].hash, 32) == 0)
				return item_fail(t->err, i, "lead", "duplicate_lead", "is the same lead as an earlier one");
	return LS_OK;
}

static ls_status rank_store(struct ls_txn *t, struct rank_ctx *c)
{
	uint8_t key[48];
	memcpy(key, c->id, 16);
	memcpy(key + 16, c->v->hotkey, 32);
	struct ranking_rec head = {.fmt = LS_FMT2, .n = (uint16_t)c->n, .received_at = c->now,
	                           .trust.u16 = c->v->neuron.validator_trust_u16};
	MDB_val k = {sizeof key, key}, v = {sizeof head + c->n * RANK_ITEM, NULL};
	int rc = mdb_put(t->txn, t->st->dbi[DB_RANKINGS], &k, &v, MDB_RESERVE | MDB_NOOVERWRITE);
	if (rc == MDB_KEYEXIST)
		return ls_fail(t->err, LS_CONFLICT, "already_ranked", NULL,
		               "this validator has ranked this request already");
	if (rc)
		return lt_fail_mdb(t, rc, "store a ranking");
	uint8_t *p = (uint8_t *)v.mv_data;
	memcpy(p, &head, sizeof head);
	p += sizeof head;
	for (size_t i = 0; i < c->n; i++, p += RANK_ITEM) {
		const struct rank_item *it = &c->items[i];
		memcpy(p, it->hash, 32);
		memset(p + 32, 0, 16);
		if (!it->proposal)
			memcpy(p + 32, it->id, 16);
		memcpy(p + 48, &it->score_e4, 2);
		memcpy(p + 50, &it->rank, 2);
	}
	/* proposals' contents, once per request whoever proposed them */
	for (size_t i = 0; i < c->n; i++) {
		const struct rank_item *it = &c->items[i];
		uint8_t lkey[48];
		MDB_val lv;
		memcpy(lkey, c->id, 16);
		memcpy(lkey + 16, it->hash, 32);
		ls_status s = LS_OK;
		if (it->proposal && (s = lt_get(t, DB_REQUEST_LEADS, lkey, sizeof lkey, &lv)) == LS_NOTFOUND)
			s = lt_put(t, DB_REQUEST_LEADS, lkey, sizeof lkey, it->canonical, strlen(it->canonical), 0);
		if (s != LS_OK)
			return s;
	}
	return LS_OK;
}

static ls_status refuse_finished(ls_err *err, int state)
{
	return state == REQ_COMPLETED
	           ? ls_fail(err, LS_CONFLICT, "request_completed", NULL,
	                     "the request is completed: every active validator ranked, or its "
	                     "request_timeout passed")
	           : ls_fail(err, LS_CONFLICT, "request_expired", NULL,
	                     "the request expired with no ranking");
}

static ls_status rank_write(struct ls_txn *t, void *vctx)
{
	struct rank_ctx *c = vctx;
	struct request_rec r;
	ls_status s = request_read(t->st, t->txn, c->id, NULL, &r, NULL, t->err);
	if (s != LS_OK)
		return s;
	int state = state_at(&r, c->now);
	if (finished(state))
		return refuse_finished(t->err, state);
	if (ranked_by(t->st, t->txn, c->id, c->v->hotkey))
		return ls_fail(t->err, LS_CONFLICT, "already_ranked", NULL,
		               "this validator has ranked this request already");
	if (!asked(t->st, t->txn, c->id, c->v->hotkey))
		return ls_fail(t->err, LS_FORBIDDEN, "not_asked", NULL,
		               "this validator was not active when the request was made");
	if ((s = rank_resolve(t, c)) != LS_OK || (s = rank_store(t, c)) != LS_OK)
		return s;
	r.rankings++;
	r.state = REQ_PROCESSING;
	r.last_ranking_at = c->now;
	c->rankings = r.rankings;
	if ((s = request_update(t, c->id, &r)) != LS_OK)
		return s;
	char id[37], hex[65];
	ls_uuid_format(c->id, id);
	ls_hex(c->sha256, 32, hex);
	json_t *payload = json_pack("{s:s, s:s, s:I, s:s}", "request_id", id, "validator",
	                            c->v->ss58, "leads", (json_int_t)c->n, "ranking_sha256", hex);
	s = ls_log_append(t, ls_log_epoch(t, c->now), "REQUEST_RANKED", payload, NULL);
	json_decref(payload);
	return s;
}

ls_status ls_request_rank(ls_store *st, const struct ls_identity *validator, const char *id,
                          json_t *body, int64_t now, char **response, ls_err *err)
{
	struct rank_ctx c = {.v = validator, .now = now};
	*response = NULL;
	ls_status s = ls_require_validator(validator, err);
	if (s == LS_OK && ls_uuid_parse(id, c.id) != LS_OK)
		s = ls_fail(err, LS_INVALID, "bad_request_id", NULL, "a request id is a UUID");
	if (s == LS_OK)
		s = rank_parse(&st->cfg, body, &c, err);
	if (s == LS_OK)
		s = ls_write(st, rank_write, &c, err);
	for (size_t i = 0; i < c.n && c.items; i++)
		free(c.items[i].canonical);
	free(c.items);
	if (s != LS_OK)
		return s;
	json_t *a = json_pack("{s:s, s:s, s:I, s:i}", "request_id", id, "status", "processing",
	                      "accepted", (json_int_t)c.n, "rankings", (int)c.rankings);
	*response = a ? json_dumps(a, JSON_COMPACT) : NULL;
	json_decref(a);
	return *response ? LS_OK : ls_fail(err, LS_ERROR, "oom", NULL, "out of memory");
}

/* ---- completing a request (the first read after its time) --------------- */

/* One ranked lead of one validator, for the aggregation. */
struct vote {
	uint8_t hash[32], id[16];
	uint64_t weighted;          /* score_e4 × the validator's trust_u16 */
	uint16_t score_e4, rank;
};

/* A candidate: every vote for one lead. */
struct candidate {
	uint8_t hash[32], id[16];
	bool has_id;
	uint64_t score;             /* Σ score_e4 × trust_u16: below 2^46 */
	uint32_t validators;
	uint16_t rank;              /* the single validator's, in the fallback */
};

struct ranker {
	uint16_t trust;             /* u16 */
	int64_t response;           /* seconds after the request was made */
};

struct outcome {
	struct vote *votes;
	size_t nvotes;
	struct ranker *rankers;
	size_t nrankers;
	struct candidate *cands;
	size_t ncands;
};

static void outcome_free(struct outcome *o)
{
	free(o->votes);
	free(o->rankers);
	free(o->cands);
}

static ls_status read_rankings(ls_store *st, MDB_txn *txn, const uint8_t id[16],
                               const struct request_rec *r, struct outcome *o, ls_err *err)
{
	MDB_cursor *cur = NULL;
	MDB_val k = {16, (void *)id}, v;
	int rc = mdb_cursor_open(txn, st->dbi[DB_RANKINGS], &cur);
	for (rc = rc ? rc : mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	     rc == 0 && k.mv_size == 48 && memcmp(k.mv_data, id, 16) == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		struct ranking_rec head;
		if (v.mv_size < sizeof head) {
			rc = MDB_CORRUPTED;
			break;
		}
		memcpy(&head, v.mv_data, sizeof head);
		struct vote *grown = v.mv_size == sizeof head + (size_t)head.n * RANK_ITEM
		                         ? realloc(o->votes, (o->nvotes + head.n) * sizeof *grown) : NULL;
		struct ranker *rk = grown ? realloc(o->rankers, (o->nrankers + 1) * sizeof *rk) : NULL;
		if (grown)
			o->votes = grown;
		if (rk)
			o->rankers = rk;
		if (rk == NULL) {
			rc = v.mv_size != sizeof head + (size_t)head.n * RANK_ITEM ? MDB_CORRUPTED : ENOMEM;
			break;
		}
		o->rankers[o->nrankers++] =
			(struct ranker){ranking_trust(&head), head.received_at - r->created_at};
		const uint8_t *p = (const uint8_t *)v.mv_data + sizeof head;
		for (uint16_t i = 0; i < head.n; i++, p += RANK_ITEM) {
			struct vote *vt = &o->votes[o->nvotes++];
			memcpy(vt->hash, p, 32);
			memcpy(vt->id, p + 32, 16);
			memcpy(&vt->score_e4, p + 48, 2);
			memcpy(&vt->rank, p + 50, 2);
			vt->weighted = (uint64_t)vt->score_e4 * ranking_trust(&head);
		}
	}
	if (cur)
		mdb_cursor_close(cur);
	return rc == 0 || rc == MDB_NOTFOUND ? LS_OK : ls_mdb_fail(err, rc, "read the rankings");
}

static int vote_by_hash(const void *a, const void *b)
{
	return memcmp(((const struct vote *)a)->hash, ((const struct vote *)b)->hash, 32);
}

static bool zero_id(const uint8_t id[16])
{
	static const uint8_t zero[16];
	return memcmp(id, zero, 16) == 0;
}

/* Ties by lead id (leads known by id first, in id order, then proposals
 * by content hash): any reader orders them the same. */
static int tie_order(const struct candidate *a, const struct candidate *b)
{
	if (a->has_id != b->has_id)
		return a->has_id ? -1 : 1;
	return a->has_id ? memcmp(a->id, b->id, 16) : memcmp(a->hash, b->hash, 32);
}

static int by_score(const void *pa, const void *pb)
{
	const struct candidate *a = pa, *b = pb;
	if (a->score != b->score)
		return a->score > b->score ? -1 : 1;
	return tie_order(a, b);
}

static int by_rank(const void *pa, const void *pb)
{
	const struct candidate *a = pa, *b = pb;
	return a->rank != b->rank ? (a->rank < b->rank ? -1 : 1) : tie_order(a, b);
}

/* S_lead = Σ S_v × V_v over the validators that ranked it (SPEC §6), in
 * integers (score_e4 × trust_u16), ties by lead id; with one active
 * validator, its ranking as it is. */
static ls_status aggregate(const struct request_rec *r, struct outcome *o, ls_err *err)
{
	qsort(o->votes, o->nvotes, sizeof *o->votes, vote_by_hash);
	o->cands = calloc(o->nvotes ? o->nvotes : 1, sizeof *o->cands);
	if (o->cands == NULL)
		return ls_fail(err, LS_ERROR, "oom", NULL, "out of memory");
	bool single = r->active == 1 && o->nrankers == 1;
	for (size_t i = 0; i < o->nvotes; i++) {
		const struct vote *vt = &o->votes[i];
		struct candidate *c = &o->cands[o->ncands];
		if (o->ncands == 0 || memcmp(c[-1].hash, vt->hash, 32) != 0) {
			memcpy(c->hash, vt->hash, 32);
			o->ncands++;
		} else {
			c--;
		}
		if (!zero_id(vt->id)) {
			memcpy(c->id, vt->id, 16);
			c->has_id = true;
		}
		c->score += single ? (uint64_t)vt->score_e4 * 65535 : vt->weighted;
		c->validators++;
		c->rank = vt->rank;
	}
	qsort(o->cands, o->ncands, sizeof *o->cands, single ? by_rank : by_score);
	return LS_OK;
}

/* A selected lead's contents: the lead table's, or the proposal's. */
static json_t *candidate_lead(ls_store *st, MDB_txn *txn, const uint8_t req[16],
                              const struct candidate *c)
{
	const char *json = NULL;
	size_t len = 0;
	MDB_val v;
	uint8_t key[48];
	if (c->has_id) {
		struct lead_rec rec;
		if (ls_lead_read(st, txn, c->id, &rec, &json, &len) != LS_OK)
			return NULL;
	} else {
		memcpy(key, req, 16);
		memcpy(key + 16, c->hash, 32);
		if (ls_get(st, txn, DB_REQUEST_LEADS, key, sizeof key, &v) != 0)
			return NULL;
		json = v.mv_data;
		len = v.mv_size;
	}
	return json_loadb(json, len, 0, NULL);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static json_t *metrics_json(const struct request_rec *r, const struct outcome *o, size_t selected)
{
	double tmin = 0, tmax = 0, tsum = 0;
	int64_t *times = calloc(o->nrankers ? o->nrankers : 1, sizeof *times);
	json_t *trusts = json_array();
	for (size_t i = 0; i < o->nrankers; i++) {
		double t = o->rankers[i].trust / 65535.0;  /* presentation */
		tmin = i == 0 || t < tmin ? t : tmin;
		tmax = i == 0 || t > tmax ? t : tmax;
		tsum += t;
		if (times)
			times[i] = o->rankers[i].response;
		json_array_append_new(trusts, json_real(t));
	}
	if (times)
		qsort(times, o->nrankers, sizeof *times, cmp_i64);
	size_t n = o->nrankers;
	json_t *m = json_pack(
		"{s:i, s:I, s:I, s:{s:f, s:f, s:f, s:o}, s:{s:I, s:I, s:I}, s:I, s:I}", "validators_active",
		r->active, "validators_ranked", (json_int_t)n, "validators_timed_out",
		(json_int_t)(n < r->active ? r->active - n : 0), "trust", "min", tmin, "max", tmax, "mean",
		n ? tsum / (double)n : 0.0, "values", trusts, "response_seconds", "min",
		(json_int_t)(n && times ? times[0] : 0), "median",
		(json_int_t)(n && times ? times[n / 2] : 0), "max",
		(json_int_t)(n && times ? times[n - 1] : 0), "candidates", (json_int_t)o->ncands,
		"leads_selected", (json_int_t)selected);
	free(times);
	return m;
}

/* A request's answer while it runs, or when it expired. */
static json_t *status_json(const uint8_t id[16], const struct request_rec *r, int state)
{
	char text[37];
	ls_uuid_format(id, text);
	return json_pack("{s:s, s:s, s:i, s:I, s:I, s:I, s:i, s:i}", "request_id", text, "status",
	                 state_names[state], "num_leads", r->num_leads, "created_at",
	                 (json_int_t)r->created_at, "deadline", (json_int_t)r->deadline, "expires_at",
	                 (json_int_t)r->expires_at, "validators", r->active, "rankings",
	                 (int)r->rankings);
}

struct finish_ctx {
	uint8_t id[16];
	int64_t now;
};

static void stats_add(struct stats_rec *st, const struct request_rec *r, const struct outcome *o,
                      size_t selected)
{
	st->s.completed++;
	st->s.rankings += o->nrankers;
	st->s.validators_timed_out += o->nrankers < r->active ? r->active - o->nrankers : 0;
	st->s.leads_selected += selected;
	for (size_t i = 0; i < o->nrankers; i++) {
		double secs = (double)o->rankers[i].response;
		uint16_t t = o->rankers[i].trust;
		st->s.response_sum += secs;
		st->s.trust_sum += t / 65535.0;
		for (int b = 0; b < LS_RESPONSE_BUCKETS; b++)
			st->s.response[b] += secs <= ls_response_bounds[b];
		/* bucket le=0.1 holds the u16 that 0.1 rounds to (6554), and so on */
		for (int b = 0; b < LS_TRUST_BUCKETS; b++)
			st->s.trust[b] += t <= (uint16_t)lround((b + 1) * 6553.5);
	}
}

static ls_status complete_log(struct ls_txn *t, const struct finish_ctx *c, const char *body,
                              const struct outcome *o, size_t selected, const struct request_rec *r)
{
	char id[37], hex[65];
	uint8_t h[32];
	ls_uuid_format(c->id, id);
	crypto_hash_sha256(h, (const uint8_t *)body, strlen(body));
	ls_hex(h, 32, hex);
	json_t *leads = json_array();
	for (size_t i = 0; i < selected; i++) {
		char lh[65];
		ls_hex(o->cands[i].hash, 32, lh);
		json_array_append_new(leads, json_string(lh));
	}
	/* hashes only: the leads' contents went to the client, not the log */
	json_t *payload = json_pack("{s:s, s:s, s:o, s:I, s:I}", "request_id", id, "result_sha256",
	                            hex, "lead_hashes", leads, "validators_ranked",
	                            (json_int_t)o->nrankers, "validators_timed_out",
	                            (json_int_t)(o->nrankers < r->active ? r->active - o->nrankers : 0));
	ls_status s = ls_log_append(t, ls_log_epoch(t, c->now), "REQUEST_COMPLETED", payload, NULL);
	json_decref(payload);
	return s;
}

/* The completed answer, from the rankings alone. */
static char *completed_body(struct ls_txn *t, const struct finish_ctx *c,
                            const struct request_rec *r, const struct outcome *o, size_t selected)
{
	json_t *leads = json_array();
	for (size_t i = 0; i < selected; i++) {
		const struct candidate *cd = &o->cands[i];
		char id[37], hash[65];
		ls_uuid_format(cd->id, id);
		ls_hex(cd->hash, 32, hash);
		json_t *lead = candidate_lead(t->st, t->txn, c->id, cd);
		if (lead == NULL) {
			json_decref(leads);
			return NULL;
		}
		json_array_append_new(leads, json_pack("{s:I, s:s?, s:s, s:f, s:I, s:o}", "position",
		                                       (json_int_t)(i + 1), "lead_id",
		                                       cd->has_id ? id : NULL, "content_hash", hash,
		                                       "score", round(cd->score / 655.35) / 1e6,
		                                       "validators", (json_int_t)cd->validators, "lead",
		                                       lead));
	}
	bool all = r->rankings >= r->active;
	int64_t at = all || r->last_ranking_at > r->deadline ? r->last_ranking_at : r->deadline;
	json_t *body = status_json(c->id, r, REQ_COMPLETED);
	json_object_set_new(body, "completed_at", json_integer(at));
	json_object_set_new(body, "leads", leads);
	json_object_set_new(body, "metrics", metrics_json(r, o, selected));
	char *text = ls_json_canonical(body);
	json_decref(body);
	return text;
}

static ls_status complete(struct ls_txn *t, struct finish_ctx *c, struct request_rec *r,
                          struct stats_rec *stats)
{
	struct outcome o = {0};
	ls_status s = read_rankings(t->st, t->txn, c->id, r, &o, t->err);
	if (s == LS_OK)
		s = aggregate(r, &o, t->err);
	size_t selected = o.ncands < r->num_leads ? o.ncands : r->num_leads;
	char *body = s == LS_OK ? completed_body(t, c, r, &o, selected) : NULL;
	if (s == LS_OK && body == NULL)
		s = ls_fail(t->err, LS_ERROR, "store_error", NULL, "a ranked lead could not be read");
	if (s == LS_OK) {
		size_t len = strlen(body);
		MDB_val k = {16, c->id}, v = {1 + len, NULL};
		int rc = mdb_put(t->txn, t->st->dbi[DB_REQUEST_RESULTS], &k, &v, MDB_RESERVE);
		if (rc)
			s = lt_fail_mdb(t, rc, "store a request's result");
		else {
			((uint8_t *)v.mv_data)[0] = LS_FMT1;
			memcpy((uint8_t *)v.mv_data + 1, body, len);
			stats_add(stats, r, &o, selected);
			s = complete_log(t, c, body, &o, selected, r);
		}
	}
	free(body);
	outcome_free(&o);
	return s;
}

static ls_status expire_log(struct ls_txn *t, const struct finish_ctx *c)
{
	char id[37];
	ls_uuid_format(c->id, id);
	json_t *payload = json_pack("{s:s}", "request_id", id);
	ls_status s = ls_log_append(t, ls_log_epoch(t, c->now), "REQUEST_EXPIRED", payload, NULL);
	json_decref(payload);
	return s;
}

static ls_status finish_write(struct ls_txn *t, void *vctx)
{
	struct finish_ctx *c = vctx;
	struct request_rec r;
	struct stats_rec stats;
	ls_status s = request_read(t->st, t->txn, c->id, NULL, &r, NULL, t->err);
	if (s != LS_OK)
		return s;
	int state = state_at(&r, c->now);
	if (finished(r.state) || !finished(state))
		return LS_OK;  /* another reader finished it, or its time has not come */
	if ((s = stats_read(t->st, t->txn, &stats, t->err)) != LS_OK)
		return s;
	if (state == REQ_COMPLETED) {
		s = complete(t, c, &r, &stats);
	} else {
		stats.s.expired++;
		s = expire_log(t, c);
	}
	r.state = (uint8_t)state;
	if (s == LS_OK)
		s = request_update(t, c->id, &r);
	if (s == LS_OK && (s = lt_del(t, DB_OPEN_REQUESTS, c->id, 16)) == LS_NOTFOUND)
		s = LS_OK;  /* not listed as open: nothing to take off */
	return s == LS_OK ? stats_write(t, &stats) : s;
}

static ls_status answer(ls_reader *rd, const uint8_t id[16], const struct request_rec *r,
                        int64_t now, char **body, size_t *len, ls_err *err)
{
	MDB_val v;
	if (r->state == REQ_COMPLETED) {
		int rc = ls_get(rd->st, rd->txn, DB_REQUEST_RESULTS, id, 16, &v);
		if (rc || v.mv_size < 2)
			return ls_mdb_fail(err, rc ? rc : MDB_CORRUPTED, "read a request's result");
		*len = v.mv_size - 1;
		*body = malloc(*len + 1);
		if (*body == NULL)
			return ls_fail(err, LS_ERROR, "oom", NULL, "out of memory");
		memcpy(*body, (uint8_t *)v.mv_data + 1, *len);
		(*body)[*len] = '\0';
		return LS_OK;
	}
	json_t *o = status_json(id, r, state_at(r, now));
	*body = o ? json_dumps(o, JSON_COMPACT) : NULL;
	*len = *body ? strlen(*body) : 0;
	json_decref(o);
	return *body ? LS_OK : ls_fail(err, LS_ERROR, "oom", NULL, "out of memory");
}

ls_status ls_request_get(ls_store *st, const struct ls_client *client, const char *id,
                         int64_t now, char **body, size_t *len, ls_err *err)
{
	struct finish_ctx c = {.now = now};
	struct request_rec r;
	ls_reader *rd = NULL;
	*body = NULL;
	if (ls_uuid_parse(id, c.id) != LS_OK)
		return ls_fail(err, LS_INVALID, "bad_request_id", NULL, "a request id is a UUID");
	for (int pass = 0; pass < 2; pass++) {
		rd = NULL;
		ls_status s = ls_reader_begin(st, &rd, err);
		if (s == LS_OK)
			s = request_read(st, rd->txn, c.id, client->name, &r, NULL, err);
		if (s == LS_OK && (finished(r.state) || !finished(state_at(&r, now)) || pass == 1))
			s = answer(rd, c.id, &r, now, body, len, err);
		else if (s == LS_OK)
			s = LS_CONFLICT;  /* its time has come: record the outcome, then read it */
		ls_reader_end(rd);
		if (s != LS_CONFLICT)
			return s;
		if ((s = ls_write(st, finish_write, &c, err)) != LS_OK)
			return s;
	}
	return ls_fail(err, LS_ERROR, "store_error", NULL, "the request could not be read");
}

/* ---- leadgate-prune ----------------------------------------------------- */

#define PRUNE_BATCH 100

/* Up to a batch of open requests whose time has come, after *from (NULL:
 * from the first); *from becomes the last one looked at, *done when the
 * index has been walked to its end. */
static ls_status due_batch(ls_store *st, int64_t now, uint8_t from[16], bool *started,
                           uint8_t ids[][16], size_t *n, bool *done, ls_err *err)
{
	ls_reader *rd = NULL;
	MDB_cursor *cur = NULL;
	MDB_val k = {16, from}, v;
	ls_status s = ls_reader_begin(st, &rd, err);
	if (s != LS_OK)
		return s;
	*n = 0;
	int rc = mdb_cursor_open(rd->txn, st->dbi[DB_OPEN_REQUESTS], &cur);
	if (rc == 0)
		rc = mdb_cursor_get(cur, &k, &v, *started ? MDB_SET_RANGE : MDB_FIRST);
	if (rc == 0 && *started && memcmp(k.mv_data, from, 16) == 0)
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	for (; rc == 0 && *n < PRUNE_BATCH; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		struct request_rec r;
		ls_err ignored;
		if (k.mv_size != 16)
			continue;
		memcpy(from, k.mv_data, 16);
		*started = true;
		if (request_read(st, rd->txn, from, NULL, &r, NULL, &ignored) == LS_OK &&
		    finished(state_at(&r, now)))
			memcpy(ids[(*n)++], from, 16);
	}
	*done = rc == MDB_NOTFOUND;
	if (cur)
		mdb_cursor_close(cur);
	ls_reader_end(rd);
	return rc == 0 || rc == MDB_NOTFOUND ? LS_OK : ls_mdb_fail(err, rc, "list the open requests");
}

/* Finish every open request whose time has come, each in its own write
 * transaction: one that cannot be finished is reported and skipped, so it
 * cannot hold up the others or the rest of leadgate-prune. */
static ls_status prune_finish(ls_store *st, int64_t now, uint64_t *finished_n, ls_err *err)
{
	uint8_t from[16] = {0}, ids[PRUNE_BATCH][16];
	bool started = false, done = false;
	size_t n;
	*finished_n = 0;
	while (!done) {
		ls_status s = due_batch(st, now, from, &started, ids, &n, &done, err);
		if (s != LS_OK)
			return s;
		for (size_t i = 0; i < n; i++) {
			struct finish_ctx f = {.now = now};
			ls_err ferr = {0};
			char text[37];
			memcpy(f.id, ids[i], 16);
			if (ls_write(st, finish_write, &f, &ferr) == LS_OK) {
				++*finished_n;
				continue;
			}
			ls_uuid_format(ids[i], text);
			fprintf(stderr, "leadgate: request %s could not be finished: %s\n", text, ferr.detail);
		}
	}
	return LS_OK;
}

static ls_status drop_range(struct ls_txn *t, enum ls_db db, const uint8_t id[16])
{
	MDB_cursor *cur;
	MDB_val k = {16, (void *)id}, v;
	int rc = mdb_cursor_open(t->txn, t->st->dbi[db], &cur);
	if (rc)
		return lt_fail_mdb(t, rc, "open a cursor");
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	     rc == 0 && k.mv_size >= 16 && memcmp(k.mv_data, id, 16) == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
		if ((rc = mdb_cursor_del(cur, 0)) != 0)
			break;
	mdb_cursor_close(cur);
	return rc == 0 || rc == MDB_NOTFOUND ? LS_OK : lt_fail_mdb(t, rc, "prune a request");
}

static ls_status drop_request(struct ls_txn *t, const uint8_t id[16])
{
	static const enum ls_db ranges[] = {DB_RANKINGS, DB_REQUEST_LEADS, DB_REQUEST_VALIDATORS};
	ls_status s = lt_del(t, DB_REQUESTS, id, 16);
	for (size_t i = 0; s == LS_OK && i < sizeof ranges / sizeof *ranges; i++)
		s = drop_range(t, ranges[i], id);
	if (s == LS_OK && (s = lt_del(t, DB_REQUEST_RESULTS, id, 16)) == LS_NOTFOUND)
		s = LS_OK;  /* an expired request has none */
	return s;
}

struct drop_ctx {
	int64_t now;
	uint64_t dropped;   /* by this batch: set afresh by every attempt */
	bool more;
};

/* Drop up to a batch of requests finished more than request_keep ago,
 * oldest first (ids are in time order). */
static ls_status prune_drop(struct ls_txn *t, void *vctx)
{
	struct drop_ctx *c = vctx;
	MDB_cursor *cur;
	MDB_val k, v;
	uint8_t ids[PRUNE_BATCH][16];
	size_t n = 0;
	int64_t before = c->now - (int64_t)t->st->cfg.request_keep - t->st->cfg.request_expiry;
	c->dropped = 0;
	int rc = mdb_cursor_open(t->txn, t->st->dbi[DB_REQUESTS], &cur);
	if (rc)
		return lt_fail_mdb(t, rc, "open a cursor");
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && n < PRUNE_BATCH;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		struct request_rec r;
		if (k.mv_size != 16 || v.mv_size < sizeof r)
			continue;
		memcpy(&r, v.mv_data, sizeof r);
		if (r.created_at >= before)
			break;
		if (finished(r.state))
			memcpy(ids[n++], k.mv_data, 16);
	}
	mdb_cursor_close(cur);
	c->more = n == PRUNE_BATCH;
	for (size_t i = 0; i < n; i++) {
		ls_status s = drop_request(t, ids[i]);
		if (s != LS_OK)
			return s;
	}
	c->dropped = n;
	return LS_OK;
}

ls_status ls_requests_prune(ls_store *st, int64_t now, uint64_t *finished_n, uint64_t *removed,
                            ls_err *err)
{
	struct drop_ctx c = {.now = now};
	*removed = 0;
	ls_status s = prune_finish(st, now, finished_n, err);
	while (s == LS_OK && (s = ls_write(st, prune_drop, &c, err)) == LS_OK) {
		*removed += c.dropped;
		if (!c.more)
			break;
	}
	return s;
}

/* ---- GET /v1/metrics ---------------------------------------------------- */

ls_status ls_request_stats_get(ls_reader *rd, struct ls_request_stats *out, ls_err *err)
{
	struct stats_rec r;
	MDB_stat open, keys;
	if (stats_read(rd->st, rd->txn, &r, err) != LS_OK ||
	    mdb_stat(rd->txn, rd->st->dbi[DB_OPEN_REQUESTS], &open) ||
	    mdb_stat(rd->txn, rd->st->dbi[DB_CLIENT_KEYS], &keys))
		return ls_fail(err, LS_ERROR, "store_error", NULL, "the request statistics could not be read");
	*out = r.s;
	out->open = open.ms_entries;
	out->clients = keys.ms_entries;
	return LS_OK;
}
