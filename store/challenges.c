/*
 * challenges.c — timed challenges (SPEC §5): the operator loads, updates
 * and retires them; miners submit one body each while a challenge is open;
 * validators score submissions into the leaderboard, an append-only feed
 * read by cursor.  Every change is one write transaction with its log
 * entry.  The cached GET /v1/challenges/active body lives in
 * challenges_active.c.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "internal.h"

/* ---- shared ------------------------------------------------------------ */

char *ls_challenge_json(const json_t *v)
{
	return json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII | JSON_ENCODE_ANY |
	                         JSON_REAL_PRECISION(10));
}

uint64_t ls_challenges_version(ls_store *st, MDB_txn *txn)
{
	MDB_val v;
	uint64_t version = 0;
	if (ls_get(st, txn, DB_META, META_CHALLENGES_VERSION, strlen(META_CHALLENGES_VERSION), &v) ==
	        0 &&
	    v.mv_size == sizeof version)
		memcpy(&version, v.mv_data, sizeof version);
	return version;
}

static ls_status challenges_changed(struct ls_txn *t)
{
	uint64_t version = ls_challenges_version(t->st, t->txn) + 1;
	return lt_put(t, DB_META, META_CHALLENGES_VERSION, strlen(META_CHALLENGES_VERSION), &version,
	              sizeof version, 0);
}

static bool id_valid(const char *id)
{
	size_t n = strlen(id);
	return n >= 1 && n <= LS_CHALLENGE_ID_MAX &&
	       strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

/* Keys under one challenge: id ‖ 0 ‖ suffix (ids hold no NUL, so one
 * challenge's keys are one cursor range).  Only for ids that passed
 * id_valid: SUB_KEY_MAX bytes at most. */
static size_t sub_key(const char *id, const uint8_t *suffix, size_t n, uint8_t *key)
{
	size_t l = strlen(id);
	memcpy(key, id, l);
	key[l] = 0;
	if (n)
		memcpy(key + l + 1, suffix, n);
	return l + 1 + n;
}
#define SUB_KEY_MAX (LS_CHALLENGE_ID_MAX + 1 + 32)

/* A challenge's head; LS_NOTFOUND with err filled. */
static ls_status challenge_read(ls_store *st, MDB_txn *txn, const char *id,
                                struct challenge_rec *rec, ls_err *err)
{
	MDB_val v;
	if (!id_valid(id))
		return ls_fail(err, LS_NOTFOUND, "no_such_challenge", NULL,
		               "there is no challenge with this id");
	int rc = ls_get(st, txn, DB_CHALLENGES, id, strlen(id), &v);
	if (rc == MDB_NOTFOUND)
		return ls_fail(err, LS_NOTFOUND, "no_such_challenge", NULL, "there is no challenge %s",
		               id);
	if (rc)
		return ls_mdb_fail(err, rc, "read a challenge");
	if (v.mv_size < sizeof *rec || ((uint8_t *)v.mv_data)[0] != LS_FMT1)
		return ls_fail(err, LS_ERROR, "store_error", NULL, "a challenge record is damaged");
	memcpy(rec, v.mv_data, sizeof *rec);
	return LS_OK;
}

/* ---- loading ----------------------------------------------------------- */

struct challenge_in {
	char id[LS_CHALLENGE_ID_MAX + 1];
	struct challenge_rec rec;
	char *json;          /* canonical public JSON, new */
	uint8_t sha256[32];  /* of json */
};

static ls_status member_fail(ls_err *err, size_t i, const char *member, const char *what)
{
	char field[64];
	snprintf(field, sizeof field, "challenges[%zu].%s", i, member);
	return ls_fail(err, LS_INVALID, "bad_challenge", field, "%s %s", field, what);
}

static bool text_ok(json_t *v, size_t max)
{
	return json_is_string(v) && json_string_length(v) >= 1 && json_string_length(v) <= max;
}

static bool int_in(json_t *v, json_int_t lo, json_int_t hi)
{
	return json_is_integer(v) && json_integer_value(v) >= lo && json_integer_value(v) <= hi;
}

/* Members, their types and ranges; unknown members are refused. */
static ls_status challenge_check(json_t *c, size_t i, ls_err *err)
{
	static const char *const known[] = {"id", "title", "tier", "difficulty", "multiplier",
	                                    "opens_at", "closes_at", "document", "retired"};
	const char *key;
	json_t *v;
	if (!json_is_object(c))
		return member_fail(err, i, "id", "is missing: each challenge is an object");
	json_object_foreach(c, key, v) {
		size_t k = 0;
		while (k < sizeof known / sizeof *known && strcmp(known[k], key) != 0)
			k++;
		if (k == sizeof known / sizeof *known)
			return member_fail(err, i, key, "is not a member of a challenge");
	}
	const json_t *id = json_object_get(c, "id"), *m = json_object_get(c, "multiplier");
	const json_t *retired = json_object_get(c, "retired");
	if (!json_is_string(id) || !id_valid(json_string_value(id)))
		return member_fail(err, i, "id", "must be 1 to 64 characters of A-Z a-z 0-9 . _ -");
	if (!text_ok(json_object_get(c, "title"), 200))
		return member_fail(err, i, "title", "must be a string of 1 to 200 bytes");
	if (!int_in(json_object_get(c, "tier"), 1, 100))
		return member_fail(err, i, "tier", "must be an integer from 1 to 100");
	if (!text_ok(json_object_get(c, "difficulty"), 32))
		return member_fail(err, i, "difficulty", "must be a label of 1 to 32 bytes");
	if (!json_is_number(m) || !(json_number_value(m) > 0) || json_number_value(m) > 1000)
		return member_fail(err, i, "multiplier", "must be a number above 0, at most 1000");
	if (!int_in(json_object_get(c, "opens_at"), 1, (json_int_t)1 << 40))
		return member_fail(err, i, "opens_at", "must be a unix time in seconds");
	if (!int_in(json_object_get(c, "closes_at"), 1, (json_int_t)1 << 40) ||
	    json_integer_value(json_object_get(c, "closes_at")) <=
	        json_integer_value(json_object_get(c, "opens_at")))
		return member_fail(err, i, "closes_at", "must be a unix time after opens_at");
	if (!json_is_object(json_object_get(c, "document")) &&
	    !json_is_array(json_object_get(c, "document")))
		return member_fail(err, i, "document", "must be a JSON object or array");
	if (retired && !json_is_boolean(retired))
		return member_fail(err, i, "retired", "must be true or false");
	return LS_OK;
}

static ls_status challenge_parse(json_t *c, size_t i, struct challenge_in *out, ls_err *err)
{
	ls_status s = challenge_check(c, i, err);
	if (s != LS_OK)
		return s;
	char *doc = ls_json_canonical(json_object_get(c, "document")), hex[65];
	if (doc == NULL)
		return ls_fail(err, LS_ERROR, "oom", NULL, "out of memory");
	size_t doc_len = strlen(doc);
	uint8_t h[32];
	crypto_hash_sha256(h, (const uint8_t *)doc, doc_len);
	free(doc);
	if (doc_len > LS_CHALLENGE_DOCUMENT_MAX)
		return member_fail(err, i, "document", "is larger than 64 KiB");
	ls_hex(h, 32, hex);
	snprintf(out->id, sizeof out->id, "%s", json_string_value(json_object_get(c, "id")));
	out->rec = (struct challenge_rec){
		.fmt = LS_FMT1, .retired = json_is_true(json_object_get(c, "retired")),
		.opens_at = json_integer_value(json_object_get(c, "opens_at")),
		.closes_at = json_integer_value(json_object_get(c, "closes_at"))};
	json_t *pub = json_pack(
		"{s:O, s:O, s:O, s:O, s:f, s:O, s:O, s:O, s:s}", "id", json_object_get(c, "id"),
		"title", json_object_get(c, "title"), "tier", json_object_get(c, "tier"),
		"difficulty", json_object_get(c, "difficulty"), "multiplier",
		json_number_value(json_object_get(c, "multiplier")), "opens_at",
		json_object_get(c, "opens_at"), "closes_at", json_object_get(c, "closes_at"),
		"document", json_object_get(c, "document"), "document_sha256", hex);
	out->json = pub ? ls_challenge_json(pub) : NULL;
	json_decref(pub);
	if (out->json == NULL)
		return ls_fail(err, LS_ERROR, "oom", NULL, "out of memory");
	crypto_hash_sha256(out->sha256, (const uint8_t *)out->json, strlen(out->json));
	return LS_OK;
}

struct load_ctx {
	struct challenge_in *in;
	size_t n;
	int64_t now;
	struct ls_challenges_report *r;
};

/* New, changed or the same as stored; the log entry's type when not the
 * same. */
static const char *load_kind(struct ls_txn *t, const struct challenge_in *c, ls_status *s)
{
	MDB_val v;
	size_t len = sizeof c->rec + strlen(c->json);
	*s = lt_get(t, DB_CHALLENGES, c->id, strlen(c->id), &v);
	if (*s == LS_NOTFOUND) {
		*s = LS_OK;
		return "CHALLENGE_LOADED";
	}
	if (*s != LS_OK)
		return NULL;
	struct challenge_rec old = {0};  /* values in the map are not aligned */
	memcpy(&old, v.mv_data, v.mv_size < sizeof old ? v.mv_size : sizeof old);
	if (v.mv_size == len && memcmp(v.mv_data, &c->rec, sizeof c->rec) == 0 &&
	    memcmp((uint8_t *)v.mv_data + sizeof c->rec, c->json, len - sizeof c->rec) == 0)
		return "";
	return c->rec.retired && !old.retired ? "CHALLENGE_RETIRED" : "CHALLENGE_UPDATED";
}

static ls_status load_one(struct ls_txn *t, const struct challenge_in *c, int64_t now,
                          struct ls_challenges_report *r)
{
	ls_status s;
	const char *type = load_kind(t, c, &s);
	if (type == NULL || type[0] == '\0') {
		r->unchanged += type != NULL;
		return s;
	}
	size_t jl = strlen(c->json);
	MDB_val key = {strlen(c->id), (void *)c->id}, val = {sizeof c->rec + jl, NULL};
	int rc = mdb_put(t->txn, t->st->dbi[DB_CHALLENGES], &key, &val, MDB_RESERVE);
	if (rc)
		return lt_fail_mdb(t, rc, "store a challenge");
	memcpy(val.mv_data, &c->rec, sizeof c->rec);
	memcpy((uint8_t *)val.mv_data + sizeof c->rec, c->json, jl);
	char hex[65];
	ls_hex(c->sha256, 32, hex);
	json_t *payload = json_pack("{s:s, s:s, s:I, s:I, s:b}", "challenge_id", c->id,
	                            "challenge_sha256", hex, "opens_at", (json_int_t)c->rec.opens_at,
	                            "closes_at", (json_int_t)c->rec.closes_at, "retired",
	                            c->rec.retired);
	s = ls_log_append(t, ls_log_epoch(t, now), type, payload, NULL);
	json_decref(payload);
	if (type[10] == 'L')
		r->loaded++;
	else if (type[10] == 'R')
		r->retired++;
	else
		r->updated++;
	return s;
}

static ls_status load_write(struct ls_txn *t, void *vctx)
{
	struct load_ctx *c = vctx;
	*c->r = (struct ls_challenges_report){0};
	ls_status s = LS_OK;
	for (size_t i = 0; s == LS_OK && i < c->n; i++)
		s = load_one(t, &c->in[i], c->now, c->r);
	if (s == LS_OK && c->r->unchanged < c->n)
		s = challenges_changed(t);
	return s;
}

static ls_status load_parse(json_t *root, struct challenge_in *in, size_t *n, ls_err *err)
{
	json_t *list = json_object_get(root, "challenges"), *c;
	size_t i;
	if (!json_is_object(root) || json_object_size(root) != 1 || !json_is_array(list))
		return ls_fail(err, LS_INVALID, "bad_body", "challenges",
		               "the file must be {\"challenges\": [...]}");
	if (json_array_size(list) > LS_CHALLENGES_PER_LOAD)
		return ls_fail(err, LS_INVALID, "too_many", "challenges",
		               "one file holds at most %d challenges", LS_CHALLENGES_PER_LOAD);
	json_array_foreach(list, i, c) {
		ls_status s = challenge_parse(c, i, &in[i], err);
		*n = i + (s == LS_OK);
		if (s != LS_OK)
			return s;
		for (size_t k = 0; k < i; k++)
			if (strcmp(in[k].id, in[i].id) == 0)
				return member_fail(err, i, "id", "names a challenge already in the file");
	}
	return LS_OK;
}

ls_status ls_challenges_load(ls_store *st, const char *json, size_t len, int64_t now,
                             struct ls_challenges_report *r, ls_err *err)
{
	json_error_t je;
	json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL)
		return ls_fail(err, LS_INVALID, "malformed_json", NULL,
		               "not valid JSON: %s (line %d, column %d)", je.text, je.line, je.column);
	struct challenge_in *in = calloc(LS_CHALLENGES_PER_LOAD, sizeof *in);
	size_t n = 0;
	ls_status s = in ? load_parse(root, in, &n, err) : ls_fail(err, LS_ERROR, "oom", NULL, "oom");
	struct load_ctx ctx = {in, n, now, r};
	if (s == LS_OK)
		s = ls_write(st, load_write, &ctx, err);
	for (size_t i = 0; in && i < n; i++)
		free(in[i].json);
	free(in);
	json_decref(root);
	return s;
}

/* ---- listing (admin) --------------------------------------------------- */

static const char *state_name(const struct challenge_rec *rec, int64_t now)
{
	if (rec->retired)
		return "retired";
	return now < rec->opens_at ? "upcoming" : now < rec->closes_at ? "open" : "closed";
}

static size_t submissions_count(ls_reader *rd, const char *id)
{
	uint8_t key[SUB_KEY_MAX];
	size_t kl = sub_key(id, NULL, 0, key), n = 0;
	MDB_cursor *cur;
	MDB_val k = {kl, key}, v;
	if (mdb_cursor_open(rd->txn, rd->st->dbi[DB_SUBMISSIONS], &cur) != 0)
		return 0;
	for (int rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	     rc == 0 && k.mv_size > kl && memcmp(k.mv_data, key, kl) == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
		n++;
	mdb_cursor_close(cur);
	return n;
}

ls_status ls_challenges_list(ls_reader *rd, int64_t now, json_t **out, ls_err *err)
{
	MDB_cursor *cur;
	MDB_val k, v;
	char id[LS_CHALLENGE_ID_MAX + 1];
	int rc = mdb_cursor_open(rd->txn, rd->st->dbi[DB_CHALLENGES], &cur);
	if (rc)
		return ls_mdb_fail(err, rc, "list the challenges");
	*out = json_array();
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		struct challenge_rec rec;
		if (v.mv_size < sizeof rec || k.mv_size > LS_CHALLENGE_ID_MAX)
			continue;
		memcpy(&rec, v.mv_data, sizeof rec);
		memcpy(id, k.mv_data, k.mv_size);
		id[k.mv_size] = '\0';
		json_t *pub = json_loadb((char *)v.mv_data + sizeof rec, v.mv_size - sizeof rec, 0, NULL);
		json_array_append_new(
			*out, json_pack("{s:s, s:O?, s:s, s:I, s:I, s:I}", "id", id, "title",
		                        json_object_get(pub, "title"), "state", state_name(&rec, now),
		                        "opens_at", (json_int_t)rec.opens_at, "closes_at",
		                        (json_int_t)rec.closes_at, "submissions",
		                        (json_int_t)submissions_count(rd, id)));
		json_decref(pub);
	}
	mdb_cursor_close(cur);
	return LS_OK;
}

/* ---- submissions ------------------------------------------------------- */

struct submission_rec {
	uint8_t fmt, pad[7];
	int64_t submitted_at;
	uint8_t miner[32], sha256[32];
};

struct submit_ctx {
	const struct ls_identity *miner;
	const char *id;
	const char *canonical;
	size_t len;
	int64_t now;
	uint8_t sid[16], sha256[32];
	bool replaced;
	uint8_t old[16];
};

/* The challenge is open now, or why not. */
static ls_status open_check(const char *id, const struct challenge_rec *rec, int64_t now,
                            ls_err *err)
{
	if (rec->retired)
		return ls_fail(err, LS_FORBIDDEN, "challenge_retired", NULL,
		               "challenge %s has been retired", id);
	if (now < rec->opens_at)
		return ls_fail(err, LS_FORBIDDEN, "challenge_not_open", NULL,
		               "challenge %s opens at %lld, in %lld s", id, (long long)rec->opens_at,
		               (long long)(rec->opens_at - now));
	if (now >= rec->closes_at)
		return ls_fail(err, LS_FORBIDDEN, "challenge_closed", NULL,
		               "challenge %s closed at %lld", id, (long long)rec->closes_at);
	return LS_OK;
}

/* The miner's previous submission, when there is one: dropped, unless it
 * came within submit_cooldown seconds. */
static ls_status submit_replace(struct ls_txn *t, struct submit_ctx *c, const uint8_t *skey,
                                size_t skl)
{
	MDB_val v;
	uint8_t key[SUB_KEY_MAX];
	ls_status s = lt_get(t, DB_SUBMITTERS, skey, skl, &v);
	if (s == LS_NOTFOUND)
		return LS_OK;
	if (s != LS_OK || v.mv_size != 17)
		return s != LS_OK ? s : ls_fail(t->err, LS_ERROR, "store_error", NULL, "damaged index");
	memcpy(c->old, (uint8_t *)v.mv_data + 1, 16);
	c->replaced = true;
	size_t kl = sub_key(c->id, c->old, 16, key);
	if ((s = lt_get(t, DB_SUBMISSIONS, key, kl, &v)) != LS_OK || v.mv_size < sizeof(struct submission_rec))
		return s == LS_OK || s == LS_NOTFOUND
		           ? ls_fail(t->err, LS_ERROR, "store_error", NULL, "damaged index")
		           : s;
	struct submission_rec old;
	memcpy(&old, v.mv_data, sizeof old);
	unsigned cooldown = t->st->cfg.submit_cooldown;
	if (c->now < old.submitted_at + (int64_t)cooldown) {
		ls_fail(t->err, LS_RATE_LIMITED, "submit_cooldown", NULL,
		        "a submission may be replaced %u s after the previous one", cooldown);
		t->err->retry_after = (long)(old.submitted_at + cooldown - c->now);
		return LS_RATE_LIMITED;
	}
	return lt_del(t, DB_SUBMISSIONS, key, kl);
}

static ls_status submit_log(struct ls_txn *t, struct submit_ctx *c)
{
	char sid[37], old[37], hex[65];
	ls_uuid_format(c->sid, sid);
	ls_uuid_format(c->old, old);
	ls_hex(c->sha256, 32, hex);
	json_t *payload = json_pack("{s:s, s:s, s:s, s:s, s:s?}", "challenge_id", c->id, "miner",
	                            c->miner->ss58, "submission_id", sid, "sha256", hex, "replaces",
	                            c->replaced ? old : NULL);
	ls_status s = ls_log_append(t, ls_log_epoch(t, c->now), "CHALLENGE_SUBMITTED", payload, NULL);
	json_decref(payload);
	return s;
}

/* UUIDv7s made by different workers in one millisecond need not sort in
 * the order they are written; validators page by id, so a new id must
 * sort after every id already in the challenge (RFC 9562 §6.2 method 2:
 * the random part incremented). */
static ls_status submission_id_after_last(struct ls_txn *t, struct submit_ctx *c)
{
	static const uint8_t ones[16] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	                                 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	uint8_t key[SUB_KEY_MAX];
	size_t prefix = sub_key(c->id, NULL, 0, key), kl = sub_key(c->id, ones, 16, key);
	MDB_cursor *cur;
	MDB_val k = {kl, key}, v;
	int rc = mdb_cursor_open(t->txn, t->st->dbi[DB_SUBMISSIONS], &cur);
	if (rc)
		return lt_fail_mdb(t, rc, "open a cursor");
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	rc = rc == 0 ? mdb_cursor_get(cur, &k, &v, MDB_PREV) : mdb_cursor_get(cur, &k, &v, MDB_LAST);
	if (rc == 0 && k.mv_size == prefix + 16 && memcmp(k.mv_data, key, prefix) == 0 &&
	    memcmp(c->sid, (uint8_t *)k.mv_data + prefix, 16) <= 0) {
		memcpy(c->sid, (uint8_t *)k.mv_data + prefix, 16);
		ls_uuid_increment(c->sid);
	}
	mdb_cursor_close(cur);
	return LS_OK;
}

static ls_status submit_write(struct ls_txn *t, void *vctx)
{
	struct submit_ctx *c = vctx;
	struct challenge_rec rec;
	uint8_t skey[SUB_KEY_MAX], key[SUB_KEY_MAX], fmt_sid[17] = {LS_FMT1};
	c->replaced = false;
	ls_status s = challenge_read(t->st, t->txn, c->id, &rec, t->err);  /* checks the id */
	if (s == LS_OK)
		s = open_check(c->id, &rec, c->now, t->err);
	if (s != LS_OK)
		return s;
	/* the id first: the replaced submission may hold the highest one */
	size_t skl = sub_key(c->id, c->miner->hotkey, 32, skey);
	if ((s = submission_id_after_last(t, c)) != LS_OK || (s = submit_replace(t, c, skey, skl)) != LS_OK)
		return s;
	struct submission_rec sr = {.fmt = LS_FMT1, .submitted_at = c->now};
	memcpy(sr.miner, c->miner->hotkey, 32);
	memcpy(sr.sha256, c->sha256, 32);
	size_t kl = sub_key(c->id, c->sid, 16, key);
	MDB_val k = {kl, key}, v = {sizeof sr + c->len, NULL};
	int rc = mdb_put(t->txn, t->st->dbi[DB_SUBMISSIONS], &k, &v, MDB_RESERVE | MDB_NOOVERWRITE);
	if (rc)
		return lt_fail_mdb(t, rc, "store a submission");
	memcpy(v.mv_data, &sr, sizeof sr);
	memcpy((uint8_t *)v.mv_data + sizeof sr, c->canonical, c->len);
	memcpy(fmt_sid + 1, c->sid, 16);
	s = lt_put(t, DB_SUBMITTERS, skey, skl, fmt_sid, sizeof fmt_sid, 0);
	return s == LS_OK ? submit_log(t, c) : s;
}

static char *submit_response(const struct submit_ctx *c)
{
	char sid[37], old[37], hex[65];
	ls_uuid_format(c->sid, sid);
	ls_uuid_format(c->old, old);
	ls_hex(c->sha256, 32, hex);
	json_t *r = json_pack("{s:s, s:s, s:s, s:I, s:s?}", "challenge_id", c->id, "submission_id",
	                      sid, "sha256", hex, "submitted_at", (json_int_t)c->now, "replaced",
	                      c->replaced ? old : NULL);
	char *text = r ? json_dumps(r, JSON_COMPACT) : NULL;
	json_decref(r);
	return text;
}

ls_status ls_challenge_submit(ls_store *st, const struct ls_identity *miner, const char *id,
                              const uint8_t *body, size_t len, int64_t now, char **response,
                              ls_err *err)
{
	size_t max = st->cfg.challenge_submission_max;
	if (len > max)
		return ls_fail(err, LS_TOO_LARGE, "submission_too_large", NULL,
		               "a submission holds at most %zu bytes; this one has %zu", max, len);
	json_error_t je;
	json_t *v = json_loadb((const char *)body, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
	if (v == NULL)
		return ls_fail(err, LS_INVALID, "malformed_json", NULL,
		               "the body is not valid JSON: %s (at byte %d)", je.text, je.position);
	struct submit_ctx c = {.miner = miner, .id = id, .now = now};
	char *canonical = ls_json_canonical(v);
	json_decref(v);
	if (canonical == NULL)
		return ls_fail(err, LS_ERROR, "oom", NULL, "out of memory");
	c.canonical = canonical;
	c.len = strlen(canonical);
	ls_status s = c.len > max ? ls_fail(err, LS_TOO_LARGE, "submission_too_large", NULL,
	                                    "a submission holds at most %zu bytes in canonical "
	                                    "JSON; this one has %zu", max, c.len)
	                          : LS_OK;
	crypto_hash_sha256(c.sha256, (const uint8_t *)canonical, c.len);
	ls_uuid7(now * 1000, c.sid);
	if (s == LS_OK)
		s = ls_write(st, submit_write, &c, err);
	if (s == LS_OK && (*response = submit_response(&c)) == NULL)
		s = ls_fail(err, LS_ERROR, "oom", NULL, "out of memory");
	free(canonical);
	return s;
}

/* One submission as the validators' list shows it. */
static bool submission_append(FILE *f, ls_reader *rd, const uint8_t sid[16], const MDB_val *v,
                              bool first)
{
	struct submission_rec sr;
	char id[37], miner[LS_SS58_MAX], hex[65];
	if (v->mv_size < sizeof sr)
		return false;
	memcpy(&sr, v->mv_data, sizeof sr);
	ls_uuid_format(sid, id);
	ls_hex(sr.sha256, 32, hex);
	if (ls_ss58_encode(sr.miner, rd->st->cfg.ss58_prefix, miner) != LS_OK)
		return false;
	fprintf(f, "%s{\"submission_id\":\"%s\",\"miner\":\"%s\",\"submitted_at\":%lld,"
	           "\"sha256\":\"%s\",\"body\":",
	        first ? "" : ",", id, miner, (long long)sr.submitted_at, hex);
	fwrite((uint8_t *)v->mv_data + sizeof sr, 1, v->mv_size - sizeof sr, f);
	fputc('}', f);
	return true;
}

ls_status ls_challenge_submissions(ls_reader *rd, const struct ls_identity *caller,
                                   const char *id, const uint8_t *after, unsigned limit,
                                   char **body, size_t *len, ls_err *err)
{
	struct challenge_rec rec;
	uint8_t key[SUB_KEY_MAX], last[16] = {0};
	static const uint8_t zero[16];
	ls_status s = ls_require_validator(caller, err);
	if (s == LS_OK)
		s = challenge_read(rd->st, rd->txn, id, &rec, err);
	if (s != LS_OK)
		return s;
	size_t prefix = sub_key(id, NULL, 0, key), kl = sub_key(id, after ? after : zero, 16, key);
	MDB_cursor *cur;
	MDB_val k = {kl, key}, v;
	FILE *f = open_memstream(body, len);
	if (f == NULL || mdb_cursor_open(rd->txn, rd->st->dbi[DB_SUBMISSIONS], &cur) != 0) {
		if (f)
			fclose(f), free(*body);
		return ls_fail(err, LS_ERROR, "store_error", NULL, "the submissions could not be read");
	}
	fputs("{\"submissions\":[", f);
	unsigned n = 0, scanned = 0;
	int rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	if (rc == 0 && after && k.mv_size == kl && memcmp(k.mv_data, key, kl) == 0)
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	for (; rc == 0 && scanned < limit && k.mv_size == prefix + 16 &&
	       memcmp(k.mv_data, key, prefix) == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT), scanned++) {
		memcpy(last, (uint8_t *)k.mv_data + prefix, 16);
		n += submission_append(f, rd, last, &v, n == 0);
	}
	mdb_cursor_close(cur);
	char next[37];
	ls_uuid_format(last, next);
	fprintf(f, "],\"next_after\":%s%s%s}", scanned ? "\"" : "", scanned ? next : "null",
	        scanned ? "\"" : "");
	if (fclose(f) != 0) {
		free(*body);
		return ls_fail(err, LS_ERROR, "oom", NULL, "out of memory");
	}
	return LS_OK;
}

/* ---- results and the leaderboard -------------------------------------- */

struct result_ctx {
	const struct ls_identity *validator;
	const char *id;
	uint8_t sid[16];
	uint32_t score_e4;
	int64_t now;
	char *entry;     /* the leaderboard entry written, new */
};

static ls_status result_parse(json_t *body, struct result_ctx *c, ls_err *err)
{
	const char *key;
	json_t *v, *sid = json_object_get(body, "submission_id"), *score = json_object_get(body, "score");
	if (!json_is_object(body))
		return ls_fail(err, LS_INVALID, "bad_body", NULL,
		               "the body must be {\"submission_id\": \"<uuid>\", \"score\": 0..1}");
	json_object_foreach(body, key, v)
		if (strcmp(key, "submission_id") != 0 && strcmp(key, "score") != 0)
			return ls_fail(err, LS_INVALID, "bad_body", key, "%s is not a member of a result",
			               key);
	if (!json_is_string(sid) || ls_uuid_parse(json_string_value(sid), c->sid) != LS_OK)
		return ls_fail(err, LS_INVALID, "bad_submission_id", "submission_id",
		               "submission_id is the UUID the submission was given");
	if (!ls_json_score_e4(score, &c->score_e4))
		return ls_fail(err, LS_INVALID, "bad_score", "score",
		               "score is a number from 0 to 1 with at most 4 decimals");
	return LS_OK;
}

static uint64_t leaderboard_next(struct ls_txn *t)
{
	MDB_cursor *cur;
	MDB_val k, v;
	uint64_t next = 1;
	if (mdb_cursor_open(t->txn, t->st->dbi[DB_LEADERBOARD], &cur) != 0)
		return 0;
	if (mdb_cursor_get(cur, &k, &v, MDB_LAST) == 0 && k.mv_size == 8)
		next = ls_from_be64(k.mv_data) + 1;
	mdb_cursor_close(cur);
	return next;
}

/* The entry everyone reads: who scored whose submission of which
 * challenge, and the score weighted by the challenge's multiplier. */
static char *result_entry(struct ls_txn *t, struct result_ctx *c, uint64_t cursor,
                          const struct submission_rec *sr, const char *challenge_json)
{
	char sid[37], miner[LS_SS58_MAX];
	json_t *pub = json_loads(challenge_json, 0, NULL);
	ls_uuid_format(c->sid, sid);
	if (pub == NULL || ls_ss58_encode(sr->miner, t->st->cfg.ss58_prefix, miner) != LS_OK) {
		json_decref(pub);
		return NULL;
	}
	double score = c->score_e4 / 10000.0;
	json_t *e = json_pack(
		"{s:s, s:I, s:I, s:s, s:f, s:s, s:I, s:O?, s:s, s:f}", "challenge_id", c->id, "cursor",
		(json_int_t)cursor, "evaluated_at", (json_int_t)c->now, "miner", miner, "score", score,
		"submission_id", sid, "submitted_at", (json_int_t)sr->submitted_at, "tier",
		json_object_get(pub, "tier"), "validator", c->validator->ss58, "weighted_score",
		score * json_number_value(json_object_get(pub, "multiplier")));
	char *text = e ? ls_challenge_json(e) : NULL;
	json_decref(e);
	json_decref(pub);
	return text;
}

static ls_status result_log(struct ls_txn *t, struct result_ctx *c, uint64_t cursor,
                            const struct submission_rec *sr)
{
	char sid[37], miner[LS_SS58_MAX], hex[65];
	ls_uuid_format(c->sid, sid);
	ls_hex(sr->sha256, 32, hex);
	if (ls_ss58_encode(sr->miner, t->st->cfg.ss58_prefix, miner) != LS_OK)
		return ls_fail(t->err, LS_ERROR, "store_error", NULL, "a submission record is damaged");
	json_t *payload = json_pack("{s:s, s:I, s:s, s:s, s:s, s:I, s:s}", "challenge_id", c->id,
	                            "cursor", (json_int_t)cursor, "submission_id", sid, "miner",
	                            miner, "validator", c->validator->ss58, "score_e4",
	                            (json_int_t)c->score_e4, "submission_sha256", hex);
	ls_status s = ls_log_append(t, ls_log_epoch(t, c->now), "CHALLENGE_RESULT", payload, NULL);
	json_decref(payload);
	return s;
}

/* A submission of challenge c->id by key; its head and the challenge's
 * public JSON. */
static ls_status result_subject(struct ls_txn *t, struct result_ctx *c,
                                struct submission_rec *sr, char **challenge_json)
{
	struct challenge_rec rec;
	uint8_t key[SUB_KEY_MAX];
	MDB_val v;
	ls_status s = challenge_read(t->st, t->txn, c->id, &rec, t->err);
	if (s == LS_OK && rec.retired)
		s = ls_fail(t->err, LS_FORBIDDEN, "challenge_retired", NULL,
		            "challenge %s has been retired", c->id);
	if (s == LS_OK && (s = lt_get(t, DB_CHALLENGES, c->id, strlen(c->id), &v)) == LS_OK)
		*challenge_json = strndup((char *)v.mv_data + sizeof rec, v.mv_size - sizeof rec);
	if (s != LS_OK)
		return s;
	size_t kl = sub_key(c->id, c->sid, 16, key);
	s = lt_get(t, DB_SUBMISSIONS, key, kl, &v);
	if (s == LS_NOTFOUND)
		return ls_fail(t->err, LS_NOTFOUND, "no_such_submission", "submission_id",
		               "challenge %s has no current submission with this id (it may have "
		               "been replaced)", c->id);
	if (s == LS_OK)
		memcpy(sr, v.mv_data, sizeof *sr);
	return s;
}

static ls_status result_write(struct ls_txn *t, void *vctx)
{
	struct result_ctx *c = vctx;
	struct submission_rec sr;
	char *challenge_json = NULL;
	uint8_t skey[48], rec[9] = {LS_FMT1}, ckey[8];
	MDB_val v;
	free(c->entry);
	c->entry = NULL;
	ls_status s = result_subject(t, c, &sr, &challenge_json);
	if (s == LS_OK)
		s = ls_refuse_self_dealing(c->validator, sr.miner, "score its own submission", t->err);
	memcpy(skey, c->sid, 16);
	memcpy(skey + 16, c->validator->hotkey, 32);
	if (s == LS_OK) {
		s = lt_get(t, DB_SCORES, skey, sizeof skey, &v);
		s = s == LS_NOTFOUND ? LS_OK
		    : s == LS_OK     ? ls_fail(t->err, LS_CONFLICT, "already_scored", "submission_id",
		                               "this validator has already scored this submission")
		                     : s;
	}
	uint64_t cursor = s == LS_OK ? leaderboard_next(t) : 0;
	if (s == LS_OK && (cursor == 0 || challenge_json == NULL ||
	                   (c->entry = result_entry(t, c, cursor, &sr, challenge_json)) == NULL))
		s = ls_fail(t->err, LS_ERROR, "store_error", NULL, "the result could not be recorded");
	free(challenge_json);
	if (s != LS_OK)
		return s;
	ls_be64(cursor, ckey);
	ls_be64(cursor, rec + 1);
	size_t el = strlen(c->entry);
	uint8_t *val = malloc(1 + el);
	if (val == NULL)
		return ls_fail(t->err, LS_ERROR, "oom", NULL, "out of memory");
	val[0] = LS_FMT1;
	memcpy(val + 1, c->entry, el);
	s = lt_put(t, DB_LEADERBOARD, ckey, 8, val, 1 + el, MDB_APPEND);
	free(val);
	if (s == LS_OK)
		s = lt_put(t, DB_SCORES, skey, sizeof skey, rec, sizeof rec, 0);
	return s == LS_OK ? result_log(t, c, cursor, &sr) : s;
}

ls_status ls_challenge_result(ls_store *st, const struct ls_identity *validator, const char *id,
                              json_t *body, int64_t now, char **response, ls_err *err)
{
	struct result_ctx c = {.validator = validator, .id = id, .now = now};
	ls_status s = ls_require_validator(validator, err);
	if (s == LS_OK)
		s = result_parse(body, &c, err);
	if (s == LS_OK)
		s = ls_write(st, result_write, &c, err);
	if (s == LS_OK)
		*response = c.entry;
	else
		free(c.entry);
	return s;
}

ls_status ls_leaderboard_page(ls_reader *rd, uint64_t cursor, unsigned limit, char **body,
                              size_t *len, ls_err *err)
{
	MDB_cursor *cur;
	uint8_t key[8];
	uint64_t next = cursor;
	ls_be64(cursor, key);
	MDB_val k = {8, key}, v;
	FILE *f = open_memstream(body, len);
	if (f == NULL || mdb_cursor_open(rd->txn, rd->st->dbi[DB_LEADERBOARD], &cur) != 0) {
		if (f)
			fclose(f), free(*body);
		return ls_fail(err, LS_ERROR, "store_error", NULL, "the leaderboard could not be read");
	}
	fputs("{\"results\":[", f);
	unsigned n = 0;
	int rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	if (rc == 0 && ls_from_be64(k.mv_data) == cursor)
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	for (; rc == 0 && n < limit; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT), n++) {
		next = ls_from_be64(k.mv_data);
		if (n)
			fputc(',', f);
		fwrite((uint8_t *)v.mv_data + 1, 1, v.mv_size - 1, f);
	}
	mdb_cursor_close(cur);
	fprintf(f, "],\"next_cursor\":%llu}", (unsigned long long)next);
	if (fclose(f) != 0) {
		free(*body);
		return ls_fail(err, LS_ERROR, "oom", NULL, "out of memory");
	}
	return LS_OK;
}
