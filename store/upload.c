/*
 * upload.c — where each written bundle stands on its way to Arweave, and
 * every step of it recorded (SPEC §7, §10).
 *
 *   WAITING --posted--> POSTED --confirmed--> CONFIRMED
 *      |  ^                |
 *      |  '---dropped------'   (the gateway forgot the transaction)
 *      '--refused--> REFUSED --leadgate-admin uploads retry--> WAITING
 *
 * A failure (no answer, a 5xx, a 429) leaves the state as it is, counts
 * one more failure and sets when to try again: a minute, doubled per
 * failure, at most an hour.  A refusal (a 4xx that trying again will not
 * change: a bad transaction, no balance, too large) stops the bundle until
 * the operator acts.  Each step is one write transaction with its log
 * entry: BUNDLE_POSTED, BUNDLE_CONFIRMED, BUNDLE_UPLOAD_FAILED,
 * BUNDLE_UPLOAD_REFUSED, BUNDLE_UPLOAD_RETRY.  The network is the job's
 * (jobs/upload.c); this file holds the rules.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "internal.h"

#define BACKOFF_FIRST 60
#define BACKOFF_MAX 3600

static const char *const state_names[] = {"waiting", "posted", "confirmed", "refused"};
static const char *const mode_names[] = {"none", "gateway", "bundler"};

const char *ls_upload_state_name(enum ls_upload_state s)
{
	return (unsigned)s < 4 ? state_names[s] : "unknown";
}

const char *ls_upload_mode_name(enum ls_upload_mode m)
{
	return (unsigned)m < 3 ? mode_names[m] : "unknown";
}

int64_t ls_upload_backoff(uint32_t failures)
{
	int64_t wait = BACKOFF_FIRST;
	for (uint32_t i = 1; i < failures && wait < BACKOFF_MAX; i++)
		wait *= 2;
	return wait < BACKOFF_MAX ? wait : BACKOFF_MAX;
}

/* ---- one step ----------------------------------------------------------- */

struct step {
	uint64_t epoch;
	unsigned from;              /* the states it applies to, as bits */
	const struct ls_upload_step *in;
	int64_t now;
	bool done;
};

/* The far end's words, kept printable (they are shown and logged). */
static void note_set(struct ls_bundle_info *b, const char *why)
{
	snprintf(b->note, sizeof b->note, "%s", why ? why : "");
	for (char *p = b->note; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			*p = ' ';
}

/* The record after the step; the entry's payload gets what it adds. */
static void apply(struct ls_bundle_info *b, const struct ls_upload_step *in, int64_t now)
{
	switch (in->kind) {
	case LS_STEP_POSTED:
		b->upload = LS_UPLOAD_POSTED;
		b->mode = in->mode;
		memcpy(b->arweave_id, in->arweave_id, 32);
		b->posted_at = now;
		b->failures = 0;
		b->retry_at = 0;
		note_set(b, NULL);
		break;
	case LS_STEP_CONFIRMED:
		b->upload = LS_UPLOAD_CONFIRMED;
		b->confirmed_at = now;
		b->confirmations = in->confirmations;
		b->failures = 0;
		b->retry_at = 0;
		note_set(b, NULL);
		break;
	case LS_STEP_FAILED:
		b->failures++;
		b->retry_at = now + ls_upload_backoff(b->failures);
		note_set(b, in->why);
		break;
	case LS_STEP_DROPPED:
		b->upload = LS_UPLOAD_WAITING;
		b->failures++;
		b->retry_at = now;
		note_set(b, in->why);
		break;
	case LS_STEP_REFUSED:
		b->upload = LS_UPLOAD_REFUSED;
		b->failures++;
		b->retry_at = 0;
		note_set(b, in->why);
		break;
	case LS_STEP_RETRY:
		b->upload = LS_UPLOAD_WAITING;
		b->failures = 0;
		b->retry_at = 0;
		note_set(b, "retry asked by the operator");
		break;
	}
}

static const unsigned step_from[] = {
	[LS_STEP_POSTED] = 1u << LS_UPLOAD_WAITING,
	[LS_STEP_CONFIRMED] = 1u << LS_UPLOAD_POSTED,
	[LS_STEP_FAILED] = 1u << LS_UPLOAD_WAITING | 1u << LS_UPLOAD_POSTED,
	[LS_STEP_DROPPED] = 1u << LS_UPLOAD_POSTED,
	[LS_STEP_REFUSED] = 1u << LS_UPLOAD_WAITING | 1u << LS_UPLOAD_POSTED,
	[LS_STEP_RETRY] = 1u << LS_UPLOAD_REFUSED | 1u << LS_UPLOAD_WAITING,
};
static const char *const step_types[] = {
	[LS_STEP_POSTED] = "BUNDLE_POSTED", [LS_STEP_CONFIRMED] = "BUNDLE_CONFIRMED",
	[LS_STEP_FAILED] = "BUNDLE_UPLOAD_FAILED", [LS_STEP_DROPPED] = "BUNDLE_UPLOAD_FAILED",
	[LS_STEP_REFUSED] = "BUNDLE_UPLOAD_REFUSED", [LS_STEP_RETRY] = "BUNDLE_UPLOAD_RETRY",
};

static json_t *step_payload(const struct ls_bundle_info *b, const struct ls_upload_step *in)
{
	char bundle_id[LS_ARWEAVE_ID_B64], arweave_id[LS_ARWEAVE_ID_B64];
	ls_b64url(b->id, 32, bundle_id, sizeof bundle_id);
	ls_b64url(b->arweave_id, 32, arweave_id, sizeof arweave_id);
	json_t *p = in->facts ? json_deep_copy(in->facts) : json_object();
	if (p == NULL)
		return NULL;
	json_object_set_new(p, "bundle_id", json_string(bundle_id));
	json_object_set_new(p, "state", json_string(ls_upload_state_name(b->upload)));
	if (b->mode != LS_ARWEAVE_NONE) {
		json_object_set_new(p, "mode", json_string(ls_upload_mode_name(b->mode)));
		json_object_set_new(p, "arweave_id", json_string(arweave_id));
	}
	if (in->kind == LS_STEP_FAILED || in->kind == LS_STEP_DROPPED || in->kind == LS_STEP_REFUSED) {
		json_object_set_new(p, "failures", json_integer(b->failures));
		json_object_set_new(p, "reason", json_string(b->note));
	}
	if (in->kind == LS_STEP_FAILED)
		json_object_set_new(p, "retry_at", json_integer(b->retry_at));
	return p;
}

static ls_status step_write(struct ls_txn *t, void *vctx)
{
	struct step *c = vctx;
	struct ls_bundle_info b;
	c->done = false;
	ls_status s = lt_bundle_upload_get(t, c->epoch, &b);
	if (s == LS_NOTFOUND)
		return ls_fail(t->err, LS_NOTFOUND, "no_bundle", NULL,
		               "epoch %llu has no written bundle", (unsigned long long)c->epoch);
	if (s != LS_OK)
		return s;
	if (!(c->from & (1u << b.upload)))
		return LS_OK;  /* another run moved it on meanwhile: nothing to do */
	if (c->in->kind == LS_STEP_CONFIRMED && memcmp(b.arweave_id, c->in->arweave_id, 32) != 0)
		return LS_OK;  /* a confirmation of what is no longer this bundle's upload */
	apply(&b, c->in, c->now);
	json_t *payload = step_payload(&b, c->in);
	if (payload == NULL)
		return ls_fail(t->err, LS_ERROR, "oom", NULL, "out of memory");
	s = lt_bundle_upload_put(t, &b);
	if (s == LS_OK)
		s = ls_log_append(t, c->epoch, step_types[c->in->kind], payload, NULL);
	json_decref(payload);
	c->done = s == LS_OK;
	return s;
}

ls_status ls_upload_record(ls_store *st, uint64_t epoch, const struct ls_upload_step *in,
                           int64_t now, bool *done, ls_err *err)
{
	struct step c = {.epoch = epoch, .from = step_from[in->kind], .in = in, .now = now};
	ls_status s = ls_write(st, step_write, &c, err);
	if (done)
		*done = c.done;
	return s;
}

/* ---- reading ------------------------------------------------------------ */

ls_status ls_uploads_list(ls_reader *rd, ls_upload_fn each, void *ctx, ls_err *err)
{
	MDB_cursor *cur;
	MDB_val k, v;
	ls_status s = LS_OK;
	if (mdb_cursor_open(rd->txn, rd->st->dbi[DB_BUNDLES], &cur) != 0)
		return ls_fail(err, LS_ERROR, "store_error", NULL, "the bundles could not be read");
	int rc;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && s == LS_OK;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		struct ls_bundle_info b;
		ls_err ignored = {0};
		if (k.mv_size != 8 || ls_bundle_get(rd, ls_from_be64(k.mv_data), &b, &ignored) != LS_OK)
			continue;  /* due, not written yet */
		s = each(ctx, &b);
	}
	mdb_cursor_close(cur);
	return s;
}

static ls_status count_one(void *ctx, const struct ls_bundle_info *b)
{
	struct ls_upload_stats *u = ctx;
	u->failures += b->failures;
	switch (b->upload) {
	case LS_UPLOAD_CONFIRMED:
		u->confirmed++;
		return LS_OK;
	case LS_UPLOAD_POSTED:
		u->posted++;
		break;
	case LS_UPLOAD_REFUSED:
		u->refused++;
		break;
	case LS_UPLOAD_WAITING:
		u->waiting++;
		break;
	}
	if (u->oldest_unconfirmed == 0 || b->written_at < u->oldest_unconfirmed)
		u->oldest_unconfirmed = b->written_at;
	return LS_OK;
}

ls_status ls_uploads_stats(ls_reader *rd, struct ls_upload_stats *out, ls_err *err)
{
	memset(out, 0, sizeof *out);
	return ls_uploads_list(rd, count_one, out, err);
}
