/* clients.c — the paying clients of the lead-request API (SPEC §3): API
 * keys made by the operator, of which only a keyed BLAKE2b hash is kept,
 * Bearer authentication by one lookup and a constant-time comparison, and
 * each client's hourly request limit. */
#include <string.h>
#include <sodium.h>
#include "internal.h"

struct client_rec {
	uint8_t fmt, revoked, pad[6];
	int64_t created_at, revoked_at;
	uint8_t key_hash[32];     /* BLAKE2b-256 of the key, keyed with the pepper */
	int64_t window_start;     /* the hour the rate limit counts in */
	uint32_t window_count, pad2;
	uint64_t requests;        /* made since the client was added */
};

#define KEY_PREFIX "lg_"
#define KEY_ENTROPY 32
#define KEY_INDEX 16   /* bytes of the hash that index it */

static bool name_valid(const char *name)
{
	size_t n = strlen(name);
	return n >= 1 && n <= LS_CLIENT_NAME_MAX &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

static ls_status name_check(const char *name, ls_err *err)
{
	if (name_valid(name))
		return LS_OK;
	return ls_fail(err, LS_INVALID, "bad_client_name", "name",
	               "a client name is 1 to %d letters, digits, '.', '_' or '-'",
	               LS_CLIENT_NAME_MAX);
}

static ls_status key_hash(ls_store *st, MDB_txn *txn, const char *key, uint8_t out[32],
                          ls_err *err)
{
	MDB_val v;
	int rc = ls_get(st, txn, DB_META, META_CLIENT_PEPPER, strlen(META_CLIENT_PEPPER), &v);
	if (rc || v.mv_size != 32)
		return ls_mdb_fail(err, rc ? rc : MDB_CORRUPTED, "read the API key pepper");
	crypto_generichash(out, 32, (const uint8_t *)key, strlen(key), v.mv_data, 32);
	return LS_OK;
}

static ls_status client_get(ls_store *st, MDB_txn *txn, const char *name, struct client_rec *out,
                            ls_err *err)
{
	MDB_val v;
	int rc = ls_get(st, txn, DB_CLIENTS, name, strlen(name), &v);
	if (rc == MDB_NOTFOUND)
		return ls_fail(err, LS_NOTFOUND, "no_such_client", "name", "no client is named %s", name);
	if (rc || v.mv_size != sizeof *out)
		return ls_mdb_fail(err, rc ? rc : MDB_CORRUPTED, "read a client");
	memcpy(out, v.mv_data, sizeof *out);
	return LS_OK;
}

static ls_status client_log(struct ls_txn *t, const char *type, const char *name, int64_t now)
{
	uint8_t h[32];
	char hex[65];
	crypto_hash_sha256(h, (const uint8_t *)name, strlen(name));
	ls_hex(h, 32, hex);
	/* the client's name is the operator's business: the log has its hash */
	json_t *payload = json_pack("{s:s}", "client_sha256", hex);
	ls_status s = ls_log_append(t, ls_log_epoch(t, now), type, payload, NULL);
	json_decref(payload);
	return s;
}

struct add_ctx {
	const char *name;
	int64_t now;
	char *key;
};

static ls_status add_write(struct ls_txn *t, void *vctx)
{
	struct add_ctx *c = vctx;
	struct client_rec rec = {.fmt = LS_FMT1, .created_at = c->now};
	MDB_val v;
	if (lt_get(t, DB_CLIENTS, c->name, strlen(c->name), &v) == LS_OK)
		return ls_fail(t->err, LS_CONFLICT, "client_exists", "name",
		               "a client named %s exists (revoked clients keep their name)", c->name);
	ls_status s = key_hash(t->st, t->txn, c->key, rec.key_hash, t->err);
	if (s == LS_OK)
		s = lt_put(t, DB_CLIENTS, c->name, strlen(c->name), &rec, sizeof rec, 0);
	if (s == LS_OK)
		s = lt_put(t, DB_CLIENT_KEYS, rec.key_hash, KEY_INDEX, c->name, strlen(c->name),
		           MDB_NOOVERWRITE);
	return s == LS_OK ? client_log(t, "CLIENT_ADDED", c->name, c->now) : s;
}

ls_status ls_client_add(ls_store *st, const char *name, int64_t now,
                        char key[LS_CLIENT_KEY_LEN + 1], ls_err *err)
{
	uint8_t entropy[KEY_ENTROPY];
	ls_status s = name_check(name, err);
	if (s != LS_OK)
		return s;
	randombytes_buf(entropy, sizeof entropy);
	memcpy(key, KEY_PREFIX, 3);
	sodium_bin2base64(key + 3, LS_CLIENT_KEY_LEN + 1 - 3, entropy, sizeof entropy,
	                  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(entropy, sizeof entropy);
	struct add_ctx c = {name, now, key};
	s = ls_write(st, add_write, &c, err);
	if (s != LS_OK)
		sodium_memzero(key, LS_CLIENT_KEY_LEN + 1);
	return s;
}

struct revoke_ctx {
	const char *name;
	int64_t now;
	bool changed;
};

static ls_status revoke_write(struct ls_txn *t, void *vctx)
{
	struct revoke_ctx *c = vctx;
	struct client_rec rec;
	ls_status s = client_get(t->st, t->txn, c->name, &rec, t->err);
	c->changed = s == LS_OK && !rec.revoked;
	if (!c->changed)
		return s;  /* revoked already: nothing to do */
	rec.revoked = 1;
	rec.revoked_at = c->now;
	s = lt_put(t, DB_CLIENTS, c->name, strlen(c->name), &rec, sizeof rec, 0);
	if (s == LS_OK)
		s = lt_del(t, DB_CLIENT_KEYS, rec.key_hash, KEY_INDEX);
	return s == LS_OK ? client_log(t, "CLIENT_REVOKED", c->name, c->now) : s;
}

ls_status ls_client_revoke(ls_store *st, const char *name, int64_t now, bool *changed,
                           ls_err *err)
{
	struct revoke_ctx c = {name, now, false};
	ls_status s = name_check(name, err);
	if (s == LS_OK)
		s = ls_write(st, revoke_write, &c, err);
	*changed = c.changed;
	return s;
}

ls_status ls_clients_list(ls_reader *rd, json_t **out, ls_err *err)
{
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	int rc = mdb_cursor_open(rd->txn, rd->st->dbi[DB_CLIENTS], &cur);
	*out = json_array();
	for (rc = rc ? rc : mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		struct client_rec rec;
		if (v.mv_size != sizeof rec || k.mv_size > LS_CLIENT_NAME_MAX) {
			rc = MDB_CORRUPTED;
			break;
		}
		memcpy(&rec, v.mv_data, sizeof rec);
		json_array_append_new(*out, json_pack("{s:s%, s:s, s:I, s:I}", "name", k.mv_data,
		                                      k.mv_size, "state",
		                                      rec.revoked ? "revoked" : "active", "created_at",
		                                      (json_int_t)rec.created_at, "requests",
		                                      (json_int_t)rec.requests));
	}
	if (cur)
		mdb_cursor_close(cur);
	if (rc == MDB_NOTFOUND)
		return LS_OK;
	json_decref(*out);
	*out = NULL;
	return ls_mdb_fail(err, rc, "list the clients");
}

/* "Bearer <key>" (the scheme in any case, RFC 9110 §11.1): the key. */
static const char *bearer_token(const char *authorization)
{
	if (authorization == NULL || strncasecmp(authorization, "Bearer ", 7) != 0)
		return NULL;
	const char *tok = authorization + 7;
	tok += strspn(tok, " ");
	size_t n = strlen(tok);
	if (n != LS_CLIENT_KEY_LEN || strncmp(tok, KEY_PREFIX, 3) != 0 ||
	    strspn(tok + 3, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") != n - 3)
		return NULL;
	return tok;
}

ls_status ls_client_auth(ls_reader *rd, const char *authorization, struct ls_client *out,
                         ls_err *err)
{
	const char *key = bearer_token(authorization);
	uint8_t hash[32];
	MDB_val v;
	struct client_rec rec;
	memset(out, 0, sizeof *out);
	if (authorization == NULL)
		return ls_fail(err, LS_UNAUTHORIZED, "missing_api_key", "Authorization",
		               "this endpoint needs Authorization: Bearer <API key>");
	if (key == NULL)
		return ls_fail(err, LS_UNAUTHORIZED, "bad_api_key", "Authorization",
		               "the Authorization header is not Bearer lg_<43 characters>");
	ls_status s = key_hash(rd->st, rd->txn, key, hash, err);
	if (s != LS_OK)
		return s;
	int rc = ls_get(rd->st, rd->txn, DB_CLIENT_KEYS, hash, KEY_INDEX, &v);
	if (rc == 0 && v.mv_size > 0 && v.mv_size <= LS_CLIENT_NAME_MAX) {
		memcpy(out->name, v.mv_data, v.mv_size);
		s = client_get(rd->st, rd->txn, out->name, &rec, err);
		/* the index holds half of the hash: all of it, in constant time */
		if (s == LS_OK && !rec.revoked && sodium_memcmp(rec.key_hash, hash, 32) == 0)
			return LS_OK;
		if (s != LS_OK && s != LS_NOTFOUND)
			return s;
	} else if (rc && rc != MDB_NOTFOUND) {
		return ls_mdb_fail(err, rc, "look up an API key");
	}
	memset(out, 0, sizeof *out);
	return ls_fail(err, LS_UNAUTHORIZED, "bad_api_key", "Authorization",
	               "unknown or revoked API key");
}

ls_status lt_client_count_request(struct ls_txn *t, const char *name, int64_t now)
{
	struct client_rec rec;
	ls_status s = client_get(t->st, t->txn, name, &rec, t->err);
	if (s != LS_OK)
		return s == LS_NOTFOUND ? ls_fail(t->err, LS_UNAUTHORIZED, "bad_api_key",
		                                  "Authorization", "unknown or revoked API key")
		                        : s;
	if (rec.revoked)  /* revoked since the key was checked */
		return ls_fail(t->err, LS_UNAUTHORIZED, "bad_api_key", "Authorization",
		               "unknown or revoked API key");
	unsigned limit = t->st->cfg.client_requests_per_hour;
	if (now - rec.window_start >= 3600 || now < rec.window_start) {
		rec.window_start = now;
		rec.window_count = 0;
	}
	if (rec.window_count >= limit) {
		ls_fail(t->err, LS_RATE_LIMITED, "client_rate_limited", NULL,
		        "this client may make %u requests an hour", limit);
		t->err->retry_after = (long)(rec.window_start + 3600 - now);
		return LS_RATE_LIMITED;
	}
	rec.window_count++;
	rec.requests++;
	return lt_put(t, DB_CLIENTS, name, strlen(name), &rec, sizeof rec, 0);
}
