/* auth.c — verifying a signed request end to end (SPEC §3); the replay
 * store it ends with is replay.c. */
#include <stdio.h>
#include <string.h>
#include "internal.h"

#define SIG_BASE_MAX 16384

/* Whether hotkey committed for the epoch whose reveal window may be open
 * now (the one before the clock's). */
static bool committed_for_reveal(ls_reader *rd, const uint8_t hotkey[32], int64_t now)
{
	struct ls_clock clk;
	uint8_t key[40];
	MDB_val v;
	if (ls_clock_now(rd->st, rd->txn, now, &clk) != LS_OK || clk.epoch == 0)
		return false;
	ls_be64(clk.epoch - 1, key);
	memcpy(key + 8, hotkey, 32);
	return ls_get(rd->st, rd->txn, DB_COMMITS, key, sizeof key, &v) == 0;
}

/* Every signed endpoint serves registered hotkeys only, so others are
 * refused here, before their nonces could fill the replay store.  The
 * reveal alone also serves a hotkey deregistered since it committed: its
 * reveal counts with its weight in the epoch's snapshot (SPEC §6). */
static ls_status require_registered(ls_reader *rd, struct ls_identity *id, bool reveal,
                                    int64_t now, ls_err *err)
{
	ls_status s = ls_neuron_get(rd, id->hotkey, &id->neuron);
	bool committed = s == LS_NOTFOUND && reveal && committed_for_reveal(rd, id->hotkey, now);
	id->registered = s == LS_OK;
	if (committed)
		return LS_OK;
	if (s == LS_NOTFOUND)
		return ls_fail(err, LS_FORBIDDEN, "not_registered", NULL,
		               "hotkey %s is not registered in the metagraph", id->ss58);
	return s == LS_OK ? LS_OK : ls_fail(err, LS_ERROR, "store_error", NULL,
	                                    "the metagraph could not be read");
}

static ls_status check_alg_and_time(const struct ls_config *cfg, const struct ls_sig_input *in,
                                    int64_t now, enum ls_key_alg *alg, ls_err *err)
{
	if (!ls_key_alg_from_name(in->alg, alg))
		return ls_fail(err, LS_UNAUTHORIZED, "unknown_alg", "Signature-Input",
		               "unknown alg \"%s\": use sr25519 or ed25519", in->alg);
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

/* The signature itself, over the request's signature base. */
static ls_status signature_check(const struct ls_http_request *req, const struct ls_sig_input *in,
                                 enum ls_key_alg alg, const uint8_t hotkey[32], ls_err *err)
{
	static char base[SIG_BASE_MAX];
	size_t len;
	ls_status s = LS_OK;
	if (req->body_len > 0)
		s = ls_content_digest_check(req->header(req->header_ctx, "content-digest"), req->body,
		                            req->body_len, err);
	if (s == LS_OK)
		s = ls_sig_base(in, req, base, sizeof base, &len, err);
	if (s != LS_OK)
		return s;
	/* the detail says why: a client that sent an ed25519 signature under
	 * alg="sr25519" learns it from "not marked" */
	const char *why = ls_signature_failure(alg, in->signature, (const uint8_t *)base, len, hotkey);
	if (why)
		return ls_fail(err, LS_UNAUTHORIZED, "bad_signature", "Signature",
		               "the %s signature does not verify for keyid %s: %s", in->alg, in->keyid,
		               why);
	return LS_OK;
}

static ls_status auth_verify(ls_store *st, const struct ls_http_request *req, int64_t now,
                             bool reveal, struct ls_identity *out, ls_err *err)
{
	struct ls_sig_input in;
	enum ls_key_alg alg = LS_KEY_ED25519;
	ls_reader *rd;
	const char *(*hdr)(void *, const char *) = req->header;
	memset(out, 0, sizeof *out);
	ls_status s = ls_sig_parse(hdr(req->header_ctx, "signature-input"),
	                           hdr(req->header_ctx, "signature"), &in, err);
	if (s == LS_OK)
		s = ls_sig_profile_check(&in, req->body_len > 0, st->cfg.require_authority, err);
	if (s == LS_OK)
		s = check_alg_and_time(&st->cfg, &in, now, &alg, err);
	if (s != LS_OK)
		return s;
	ls_err kerr;
	if (ls_ss58_decode(in.keyid, st->cfg.ss58_prefix, out->hotkey, &kerr) != LS_OK)
		return ls_fail(err, LS_UNAUTHORIZED, "bad_keyid", "Signature-Input",
		               "keyid is not an SS58 address: %s", kerr.detail);
	snprintf(out->ss58, sizeof out->ss58, "%s", in.keyid);
	if ((s = ls_reader_begin(st, &rd, err)) != LS_OK)
		return s;
	/* a banned hotkey is refused before any work is spent on its signature */
	s = ls_ban_check(rd, out->hotkey, now, err);
	if (s == LS_OK)
		s = signature_check(req, &in, alg, out->hotkey, err);
	if (s == LS_OK)
		s = require_registered(rd, out, reveal, now, err);
	ls_reader_end(rd);
	if (s == LS_OK)
		s = ls_replay_record(st, out->hotkey, in.nonce, in.created, now, err);
	return s;
}

ls_status ls_auth_verify(ls_store *st, const struct ls_http_request *req, int64_t now,
                         struct ls_identity *out, ls_err *err)
{
	return auth_verify(st, req, now, false, out, err);
}

ls_status ls_auth_verify_reveal(ls_store *st, const struct ls_http_request *req, int64_t now,
                                struct ls_identity *out, ls_err *err)
{
	return auth_verify(st, req, now, true, out, err);
}
