/* auth.c — verifying a signed request end to end (SPEC §3) and the replay
 * store of (keyid, nonce) pairs. */
#include <stdio.h>
#include <string.h>
#include <sodium.h>
#include "internal.h"

#define SIG_BASE_MAX 16384

struct replay_ctx {
	uint8_t key[32];
	int64_t expiry;
	const uint8_t *hotkey;
	struct ls_identity *id;
};

/* One write: look the signer up in the metagraph, refuse a pair seen
 * before, remember this one.  Every signed endpoint serves registered
 * hotkeys only, so others are refused here, before their nonces could
 * fill the replay store. */
static ls_status replay_record(struct ls_txn *t, void *vctx)
{
	struct replay_ctx *c = vctx;
	MDB_val v;
	c->id->registered = false;
	if (lt_get(t, DB_NEURONS, c->hotkey, 32, &v) == LS_OK) {
		ls_neuron_decode(&v, c->hotkey, &c->id->neuron);
		c->id->registered = true;
	}
	if (!c->id->registered)
		return ls_fail(t->err, LS_FORBIDDEN, "not_registered", NULL,
		               "hotkey %s is not registered in the metagraph", c->id->ss58);
	ls_status s = lt_get(t, DB_NONCES, c->key, sizeof c->key, &v);
	if (s == LS_OK)
		return ls_fail(t->err, LS_UNAUTHORIZED, "replayed_nonce", "Signature-Input",
		               "this nonce was already used by this key");
	if (s != LS_NOTFOUND)
		return s;
	uint8_t rec[9] = {LS_FMT1};
	memcpy(rec + 1, &c->expiry, 8);
	return lt_put(t, DB_NONCES, c->key, sizeof c->key, rec, sizeof rec, 0);
}

static ls_status check_alg_and_time(const struct ls_config *cfg, const struct ls_sig_input *in,
                                    int64_t now, ls_err *err)
{
	if (strcmp(in->alg, "sr25519") == 0)
		return ls_fail(err, LS_UNAUTHORIZED, "unsupported_alg", "Signature-Input",
		               "sr25519 signatures are not accepted by this gateway yet; sign with ed25519");
	if (strcmp(in->alg, "ed25519") != 0)
		return ls_fail(err, LS_UNAUTHORIZED, "unknown_alg", "Signature-Input",
		               "unknown alg \"%s\": use ed25519", in->alg);
	int64_t skew = cfg->clock_skew;
	if (in->created > now + skew || in->created < now - skew)
		return ls_fail(err, LS_UNAUTHORIZED, "stale_signature", "Signature-Input",
		               "created is %lld s away from the gateway's clock (at most %lld allowed)",
		               (long long)(in->created - now), (long long)skew);
	if (in->has_expires && in->expires < now)
		return ls_fail(err, LS_UNAUTHORIZED, "expired_signature", "Signature-Input",
		               "the signature expired at %lld", (long long)in->expires);
	return LS_OK;
}

ls_status ls_auth_verify(ls_store *st, const struct ls_http_request *req, int64_t now,
                         struct ls_identity *out, ls_err *err)
{
	static char base[SIG_BASE_MAX];
	struct ls_sig_input in;
	const char *(*hdr)(void *, const char *) = req->header;
	memset(out, 0, sizeof *out);
	ls_status s = ls_sig_parse(hdr(req->header_ctx, "signature-input"),
	                           hdr(req->header_ctx, "signature"), &in, err);
	if (s == LS_OK)
		s = ls_sig_profile_check(&in, req->body_len > 0, err);
	if (s == LS_OK)
		s = check_alg_and_time(&st->cfg, &in, now, err);
	if (s != LS_OK)
		return s;
	ls_err kerr;
	if (ls_ss58_decode(in.keyid, st->cfg.ss58_prefix, out->hotkey, &kerr) != LS_OK)
		return ls_fail(err, LS_UNAUTHORIZED, "bad_keyid", "Signature-Input",
		               "keyid is not an SS58 address: %s", kerr.detail);
	snprintf(out->ss58, sizeof out->ss58, "%s", in.keyid);
	if (req->body_len > 0) {
		s = ls_content_digest_check(hdr(req->header_ctx, "content-digest"), req->body,
		                            req->body_len, err);
		if (s != LS_OK)
			return s;
	}
	size_t len;
	s = ls_sig_base(&in, req, base, sizeof base, &len, err);
	if (s != LS_OK)
		return s;
	if (crypto_sign_verify_detached(in.signature, (const uint8_t *)base, len, out->hotkey) != 0)
		return ls_fail(err, LS_UNAUTHORIZED, "bad_signature", "Signature",
		               "the signature does not verify for keyid %s", in.keyid);

	struct replay_ctx rc = {.expiry = in.created + st->cfg.clock_skew,
	                        .hotkey = out->hotkey, .id = out};
	crypto_hash_sha256_state h;
	crypto_hash_sha256_init(&h);
	crypto_hash_sha256_update(&h, out->hotkey, 32);
	crypto_hash_sha256_update(&h, (const uint8_t *)in.nonce, strlen(in.nonce));
	crypto_hash_sha256_final(&h, rc.key);
	return ls_write(st, replay_record, &rc, err);
}

struct prune_ctx {
	int64_t now;
	uint64_t removed;
};

static ls_status prune_nonces(struct ls_txn *t, void *vctx)
{
	struct prune_ctx *c = vctx;
	MDB_cursor *cur;
	MDB_val k, v;
	c->removed = 0;
	int rc = mdb_cursor_open(t->txn, t->st->dbi[DB_NONCES], &cur);
	if (rc)
		return lt_fail_mdb(t, rc, "open a cursor");
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		int64_t expiry;
		if (v.mv_size != 9)
			continue;
		memcpy(&expiry, (uint8_t *)v.mv_data + 1, 8);
		if (expiry >= c->now)
			continue;
		rc = mdb_cursor_del(cur, 0);
		if (rc)
			break;
		c->removed++;
	}
	mdb_cursor_close(cur);
	return (rc && rc != MDB_NOTFOUND) ? lt_fail_mdb(t, rc, "prune nonces") : LS_OK;
}

ls_status ls_nonces_prune(ls_store *st, int64_t now, uint64_t *removed, ls_err *err)
{
	struct prune_ctx c = {.now = now};
	ls_status s = ls_write(st, prune_nonces, &c, err);
	*removed = c.removed;
	return s;
}
