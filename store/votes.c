/* votes.c — commit-reveal voting on an epoch's leads (SPEC §5, §6):
 * commitments during E's commit window, reveals during E's reveal window,
 * each one write transaction with its log entry.  Bodies are validated
 * before the transaction; the transaction checks the rules that depend on
 * the store (windows, assignment, one submission per validator). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "internal.h"

/* ---- on-disk records ------------------------------------------------ */

static void vote_key(uint64_t epoch, const uint8_t hotkey[32], uint8_t key[40])
{
	ls_be64(epoch, key);
	memcpy(key + 8, hotkey, 32);
}

/* Record layout: fmt ‖ u32 n ‖ n items, items sorted by lead id. */
static uint8_t *record_new(uint32_t n, size_t item_size, size_t *len)
{
	*len = 5 + (size_t)n * item_size;
	uint8_t *rec = calloc(1, *len);
	if (rec) {
		rec[0] = LS_FMT1;
		memcpy(rec + 1, &n, 4);
	}
	return rec;
}

bool ls_vote_record_items(const MDB_val *v, size_t item_size, const uint8_t **items,
                          uint32_t *n)
{
	const uint8_t *p = v->mv_data;
	if (v->mv_size < 5 || p[0] != LS_FMT1)
		return false;
	memcpy(n, p + 1, 4);
	*items = p + 5;
	return v->mv_size == 5 + (size_t)*n * item_size;
}

/* SPEC §5: sha256(lead_id \n decision \n rep_score \n rejection_reason \n salt). */
void ls_vote_commitment(const char *lead_id, const char *decision, const char *rep_score,
                        const char *rejection_reason, const char *salt, uint8_t out[32])
{
	const char *parts[5] = {lead_id, decision, rep_score, rejection_reason, salt};
	crypto_hash_sha256_state h;
	crypto_hash_sha256_init(&h);
	for (int p = 0; p < 5; p++) {
		crypto_hash_sha256_update(&h, (const uint8_t *)parts[p], strlen(parts[p]));
		if (p < 4)
			crypto_hash_sha256_update(&h, (const uint8_t *)"\n", 1);
	}
	crypto_hash_sha256_final(&h, out);
}

/* ---- parsing bodies ------------------------------------------------- */

static int lead_cmp(const void *a, const void *b)
{
	return memcmp(a, b, 16);
}

static ls_status field_fail(ls_err *err, ls_status s, const char *code, const char *list,
                            size_t i, const char *member, const char *what)
{
	char field[64];
	snprintf(field, sizeof field, "%s[%zu].%s", list, i, member);
	return ls_fail(err, s, code, field, "%s %s", field, what);
}

static bool hex32(const char *s, uint8_t out[32])
{
	return strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64 && ls_unhex(s, out, 32) == LS_OK;
}

/* The array under name in a {name: [...]} body, at most max items. */
static ls_status body_list(json_t *body, const char *name, size_t max, json_t **list, ls_err *err)
{
	json_error_t je;
	if (json_unpack_ex(body, &je, JSON_STRICT, "{s:o}", name, list) != 0 || !json_is_array(*list))
		return ls_fail(err, LS_INVALID, "bad_body", name, "the body must be {\"%s\": [...]}",
		               name);
	if (json_array_size(*list) > max)
		return ls_fail(err, LS_INVALID, "too_many", name, "%s holds at most %zu items", name,
		               max);
	return LS_OK;
}

/* After sorting by lead id, two equal neighbours are one lead twice. */
static ls_status no_twice(uint8_t *items, size_t n, size_t size, const char *list, ls_err *err)
{
	qsort(items, n, size, lead_cmp);
	for (size_t i = 1; i < n; i++)
		if (memcmp(items + (i - 1) * size, items + i * size, 16) == 0)
			return ls_fail(err, LS_INVALID, "duplicate_lead", list,
			               "%s names one lead twice", list);
	return LS_OK;
}

/* commitments: [{lead_id, commitment, evidence_hash?}] -> sorted items of
 * lead[16] ‖ commitment[32] ‖ has_evidence ‖ evidence[32]. */
static ls_status commit_parse(json_t *body, size_t max, uint8_t **rec, size_t *len, ls_err *err)
{
	json_t *list, *item;
	size_t i;
	ls_status s = body_list(body, "commitments", max, &list, err);
	if (s != LS_OK)
		return s;
	*rec = record_new((uint32_t)json_array_size(list), COMMIT_ITEM, len);
	if (*rec == NULL)
		return ls_fail(err, LS_ERROR, "oom", NULL, "out of memory");
	json_array_foreach(list, i, item) {
		uint8_t *it = *rec + 5 + i * COMMIT_ITEM;
		const char *id, *commitment, *evidence = NULL;
		json_error_t je;
		if (json_unpack_ex(item, &je, JSON_STRICT, "{s:s, s:s, s?s}", "lead_id", &id,
		                   "commitment", &commitment, "evidence_hash", &evidence) != 0)
			return ls_fail(err, LS_INVALID, "bad_commitment", "commitments",
			               "commitments[%zu]: %s", i, je.text);
		if (ls_uuid_parse(id, it) != LS_OK)
			return field_fail(err, LS_INVALID, "bad_lead_id", "commitments", i, "lead_id",
			                  "is not a lead id");
		if (!hex32(commitment, it + 16))
			return field_fail(err, LS_INVALID, "bad_commitment", "commitments", i,
			                  "commitment", "must be 64 lowercase hex digits");
		it[48] = evidence != NULL;
		if (evidence && !hex32(evidence, it + 49))
			return field_fail(err, LS_INVALID, "bad_evidence_hash", "commitments", i,
			                  "evidence_hash", "must be 64 lowercase hex digits");
	}
	return no_twice(*rec + 5, json_array_size(list), COMMIT_ITEM, "commitments", err);
}

/* "0", "1", "0.x" .. with at most 4 decimals, within 0..1: the score in
 * units of 1e-4. */
static bool score_parse(const char *s, uint16_t *e4)
{
	size_t n = strlen(s);
	if ((s[0] != '0' && s[0] != '1') || (n > 1 && (s[1] != '.' || n < 3 || n > 6)))
		return false;
	unsigned v = (unsigned)(s[0] - '0') * 10000, scale = 1000;
	for (size_t i = 2; i < n; i++, scale /= 10) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v += (unsigned)(s[i] - '0') * scale;
	}
	if (v > 10000)
		return false;
	*e4 = (uint16_t)v;
	return true;
}

/* reveals: [{lead_id, decision, rep_score, rejection_reason, salt}] ->
 * sorted items of lead[16] ‖ decision ‖ score_e4 u16 ‖ reason[32] ‖
 * sha256 of the revealed values (to compare with the commitment). */
#define REVEAL_ITEM (REVEAL_STORED + 32)
static ls_status reveal_item(json_t *item, size_t i, uint8_t *it, ls_err *err)
{
	const char *id, *decision, *score, *reason, *salt;
	json_error_t je;
	uint16_t e4;
	if (json_unpack_ex(item, &je, JSON_STRICT, "{s:s, s:s, s:s, s:s, s:s}", "lead_id", &id,
	                   "decision", &decision, "rep_score", &score, "rejection_reason", &reason,
	                   "salt", &salt) != 0)
		return ls_fail(err, LS_INVALID, "bad_reveal", "reveals", "reveals[%zu]: %s", i, je.text);
	bool approve = strcmp(decision, "approve") == 0;
	size_t rl = strlen(reason), sl = strlen(salt);
	if (ls_uuid_parse(id, it) != LS_OK)
		return field_fail(err, LS_INVALID, "bad_lead_id", "reveals", i, "lead_id", "is not a lead id");
	if (!approve && strcmp(decision, "deny") != 0)
		return field_fail(err, LS_INVALID, "bad_decision", "reveals", i, "decision",
		                  "must be \"approve\" or \"deny\"");
	if (!score_parse(score, &e4))
		return field_fail(err, LS_INVALID, "bad_rep_score", "reveals", i, "rep_score",
		                  "must be a decimal string from 0 to 1 with at most 4 decimals");
	if (rl == 0 || rl > 31 || strspn(reason, "abcdefghijklmnopqrstuvwxyz0123456789_") != rl ||
	    approve != (strcmp(reason, "pass") == 0))
		return field_fail(err, LS_INVALID, "bad_rejection_reason", "reveals", i,
		                  "rejection_reason",
		                  "must be \"pass\" when approving, else a reason code ([a-z0-9_], 1-31)");
	if (sl < 32 || sl > 128 || sl % 2 || strspn(salt, "0123456789abcdefABCDEF") != sl)
		return field_fail(err, LS_INVALID, "bad_salt", "reveals", i, "salt",
		                  "must be 16 to 64 bytes in hex");
	it[16] = approve ? LS_VOTE_APPROVE : LS_VOTE_DENY;
	memcpy(it + 17, &e4, 2);
	memcpy(it + 19, reason, rl);
	ls_vote_commitment(id, decision, score, reason, salt, it + REVEAL_STORED);
	return LS_OK;
}

static ls_status reveal_parse(json_t *body, size_t max, uint8_t **items, size_t *n, ls_err *err)
{
	json_t *list, *item;
	size_t i;
	ls_status s = body_list(body, "reveals", max, &list, err);
	if (s != LS_OK)
		return s;
	*n = json_array_size(list);
	*items = calloc(*n ? *n : 1, REVEAL_ITEM);
	if (*items == NULL)
		return ls_fail(err, LS_ERROR, "oom", NULL, "out of memory");
	json_array_foreach(list, i, item) {
		s = reveal_item(item, i, *items + i * REVEAL_ITEM, err);
		if (s != LS_OK)
			return s;
	}
	return no_twice(*items, *n, REVEAL_ITEM, "reveals", err);
}

/* ---- the write transactions ----------------------------------------- */

struct vote_ctx {
	const struct ls_identity *v;
	uint64_t epoch;
	int64_t now;
	uint8_t *items;      /* commit: a whole record; reveal: parsed items */
	size_t len, n;
	char **response;
};

static ls_status log_vote(struct ls_txn *t, struct vote_ctx *c, const char *type, uint32_t n,
                          const void *rec, size_t len, char hash_hex[65])
{
	uint8_t h[32];
	crypto_hash_sha256(h, rec, len);
	ls_hex(h, 32, hash_hex);
	json_t *payload = json_pack("{s:s, s:I, s:I, s:s}", "validator", c->v->ss58, "epoch",
	                            (json_int_t)c->epoch, "leads", (json_int_t)n,
	                            strcmp(type, "COMMIT") == 0 ? "commit_hash" : "reveal_hash",
	                            hash_hex);
	ls_status s = ls_log_append(t, c->epoch, type, payload, NULL);
	json_decref(payload);
	return s;
}

/* Every lead of the commitment must be assigned to the epoch (the
 * stale-lead attack), and every assigned lead committed. */
static ls_status commit_covers_epoch(struct ls_txn *t, struct vote_ctx *c,
                                     const struct epoch_rec *ep)
{
	uint32_t n = 0;
	const uint8_t *items = NULL;
	MDB_val rv = {c->len, c->items}, v;
	uint8_t key[24];
	if (!ls_vote_record_items(&rv, COMMIT_ITEM, &items, &n))
		return LS_ERROR;
	for (uint32_t i = 0; i < n; i++) {
		ls_be64(c->epoch, key);
		memcpy(key + 8, items + (size_t)i * COMMIT_ITEM, 16);
		ls_status s = lt_get(t, DB_ASSIGNED, key, 24, &v);
		if (s == LS_NOTFOUND) {
			char id[37];
			ls_uuid_format(items + (size_t)i * COMMIT_ITEM, id);
			return ls_fail(t->err, LS_FORBIDDEN, "lead_not_assigned", "commitments",
			               "lead %s is not assigned to epoch %llu", id,
			               (unsigned long long)c->epoch);
		}
		if (s != LS_OK)
			return s;
	}
	if (n != ep->leads)
		return ls_fail(t->err, LS_INVALID, "incomplete_commit", "commitments",
		               "epoch %llu has %u leads: commit to each of them (got %u)",
		               (unsigned long long)c->epoch, ep->leads, n);
	return LS_OK;
}

/* The epoch's record (LS_NOTFOUND: never assigned), refused when it is
 * closed: a closed epoch stays closed whatever the clock says (SPEC §6),
 * and a later snapshot from a chain slower than block_seconds moves the
 * computed block back into windows that have been counted already. */
static ls_status open_epoch_read(struct ls_txn *t, uint64_t epoch, struct epoch_rec *ep)
{
	ls_status s = ls_epoch_read(t->st, t->txn, epoch, ep);
	if (s != LS_OK || ep->state == EPOCH_ASSIGNED)
		return s;
	return ls_fail(t->err, LS_CONFLICT, "epoch_closed", NULL,
	               "epoch %llu is closed: its votes have been counted", (unsigned long long)epoch);
}

static ls_status commit_write(struct ls_txn *t, void *vctx)
{
	struct vote_ctx *c = vctx;
	struct ls_clock clk;
	struct ls_epoch_windows w;
	struct epoch_rec ep;
	uint8_t key[40];
	MDB_val v;
	char hash[65];
	ls_status found = open_epoch_read(t, c->epoch, &ep);
	ls_status s = found == LS_NOTFOUND ? LS_OK : found;
	if (s == LS_OK)
		s = ls_clock_required(t->st, t->txn, c->now, &clk, t->err);
	if (s != LS_OK)
		return s;
	ls_epoch_windows(&t->st->cfg, &clk.sched, c->epoch, &w);
	if (c->epoch != clk.epoch)
		return ls_fail(t->err, LS_FORBIDDEN, "not_current_epoch", NULL,
		               "commitments are for the current epoch (%llu), not %llu",
		               (unsigned long long)clk.epoch, (unsigned long long)c->epoch);
	if (!ls_window_contains(&w.commit, clk.block))
		return ls_window_refuse(t->err, "commit_window_closed", "commit", c->epoch, &w.commit,
		                        clk.block);
	vote_key(c->epoch, c->v->hotkey, key);
	if ((s = lt_get(t, DB_COMMITS, key, 40, &v)) != LS_NOTFOUND)
		return s == LS_OK ? ls_fail(t->err, LS_CONFLICT, "already_committed", NULL,
		                            "%s already committed for epoch %llu", c->v->ss58,
		                            (unsigned long long)c->epoch)
		                  : s;
	if (found == LS_NOTFOUND)
		return ls_fail(t->err, LS_FORBIDDEN, "epoch_not_assigned", NULL,
		               "epoch %llu has no assigned leads", (unsigned long long)c->epoch);
	if ((s = commit_covers_epoch(t, c, &ep)) != LS_OK)
		return s;
	ep.commits++;
	if ((s = lt_put(t, DB_COMMITS, key, 40, c->items, c->len, 0)) ||
	    (s = lt_epoch_write(t, c->epoch, &ep)) ||
	    (s = log_vote(t, c, "COMMIT", ep.leads, c->items, c->len, hash)))
		return s;
	json_t *resp = json_pack("{s:I, s:s, s:I, s:s}", "epoch", (json_int_t)c->epoch, "validator",
	                         c->v->ss58, "committed", (json_int_t)ep.leads, "commit_hash", hash);
	free(*c->response);
	*c->response = resp ? json_dumps(resp, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(resp);
	return *c->response ? LS_OK : ls_fail(t->err, LS_ERROR, "oom", NULL, "out of memory");
}

ls_status ls_epoch_commit(ls_store *st, const struct ls_identity *v, uint64_t epoch,
                          json_t *body, int64_t now, char **response, ls_err *err)
{
	*response = NULL;
	ls_status s = ls_mode_require(st, LS_MODE_EPOCH, err);
	if (s == LS_OK)
		s = ls_require_validator(v, err);
	struct vote_ctx c = {.v = v, .epoch = epoch, .now = now, .response = response};
	if (s == LS_OK)
		s = commit_parse(body, st->cfg.leads_per_epoch, &c.items, &c.len, err);
	if (s == LS_OK)
		s = ls_write(st, commit_write, &c, err);
	free(c.items);
	return s;
}

/* The answer to a reveal, made from its stored record so that revealing
 * again answers exactly the same. */
static char *reveal_response(const struct vote_ctx *c, const MDB_val *rec, uint32_t n)
{
	uint8_t h[32];
	char hex[65];
	crypto_hash_sha256(h, rec->mv_data, rec->mv_size);
	ls_hex(h, 32, hex);
	json_t *resp = json_pack("{s:I, s:s, s:I, s:s}", "epoch", (json_int_t)c->epoch, "validator",
	                         c->v->ss58, "revealed", (json_int_t)n, "reveal_hash", hex);
	char *text = resp ? json_dumps(resp, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(resp);
	return text;
}

/* Each revealed value must hash to the commitment of the same lead, and
 * every committed lead must be revealed. */
static ls_status reveal_matches(struct ls_txn *t, struct vote_ctx *c, const MDB_val *commit)
{
	const uint8_t *citems;
	uint32_t cn;
	if (!ls_vote_record_items(commit, COMMIT_ITEM, &citems, &cn))
		return LS_ERROR;
	if (c->n != cn)
		return ls_fail(t->err, LS_INVALID, "incomplete_reveal", "reveals",
		               "reveal each of the %u committed leads (got %zu)", cn, c->n);
	for (size_t i = 0; i < c->n; i++) {
		const uint8_t *it = c->items + i * REVEAL_ITEM, *ci = citems + i * COMMIT_ITEM;
		char id[37];
		ls_uuid_format(it, id);
		if (memcmp(it, ci, 16) != 0)
			return ls_fail(t->err, LS_FORBIDDEN, "lead_not_committed", "reveals",
			               "lead %s was not in the commitment", id);
		if (sodium_memcmp(it + REVEAL_STORED, ci + 16, 32) != 0)
			return ls_fail(t->err, LS_UNPROCESSABLE, "commitment_mismatch", "reveals",
			               "the values revealed for lead %s do not hash to its commitment", id);
	}
	return LS_OK;
}

static ls_status reveal_store(struct ls_txn *t, struct vote_ctx *c, const uint8_t key[40],
                              struct epoch_rec *ep)
{
	size_t len;
	char hash[65];
	uint8_t *rec = record_new((uint32_t)c->n, REVEAL_STORED, &len);
	if (rec == NULL)
		return ls_fail(t->err, LS_ERROR, "oom", NULL, "out of memory");
	for (size_t i = 0; i < c->n; i++)
		memcpy(rec + 5 + i * REVEAL_STORED, c->items + i * REVEAL_ITEM, REVEAL_STORED);
	ep->reveals++;
	ls_status s = lt_epoch_write(t, c->epoch, ep);
	if (s == LS_OK)
		s = lt_put(t, DB_REVEALS, key, 40, rec, len, 0);
	if (s == LS_OK)
		s = lt_participant_add(t, c->v->hotkey, c->epoch, PART_VOTES, (uint32_t)c->n);
	if (s == LS_OK)
		s = log_vote(t, c, "REVEAL", (uint32_t)c->n, rec, len, hash);
	MDB_val v = {len, rec};
	free(*c->response);
	*c->response = s == LS_OK ? reveal_response(c, &v, (uint32_t)c->n) : NULL;
	free(rec);
	if (s == LS_OK && *c->response == NULL)
		s = ls_fail(t->err, LS_ERROR, "oom", NULL, "out of memory");
	return s;
}

static ls_status reveal_write(struct ls_txn *t, void *vctx)
{
	struct vote_ctx *c = vctx;
	struct ls_clock clk;
	struct ls_epoch_windows w;
	uint8_t key[40];
	MDB_val prev, commit;
	uint32_t n;
	const uint8_t *items;
	struct epoch_rec ep;
	vote_key(c->epoch, c->v->hotkey, key);
	ls_status found = open_epoch_read(t, c->epoch, &ep);
	ls_status s = found == LS_NOTFOUND ? LS_OK : found;
	if (s == LS_OK)
		s = lt_get(t, DB_REVEALS, key, 40, &prev);
	if (s == LS_OK) {  /* revealed before: the first reveal stands */
		if (!ls_vote_record_items(&prev, REVEAL_STORED, &items, &n))
			return LS_ERROR;
		free(*c->response);
		*c->response = reveal_response(c, &prev, n);
		return *c->response ? LS_OK : ls_fail(t->err, LS_ERROR, "oom", NULL, "out of memory");
	}
	if (s != LS_NOTFOUND || (s = ls_clock_required(t->st, t->txn, c->now, &clk, t->err)) != LS_OK)
		return s;
	ls_epoch_windows(&t->st->cfg, &clk.sched, c->epoch, &w);
	if (!ls_window_contains(&w.reveal, clk.block))
		return ls_window_refuse(t->err, "reveal_window_closed", "reveal", c->epoch, &w.reveal,
		                        clk.block);
	if ((s = lt_get(t, DB_COMMITS, key, 40, &commit)) == LS_NOTFOUND)
		return ls_fail(t->err, LS_FORBIDDEN, "not_committed", NULL,
		               "%s made no commitment for epoch %llu", c->v->ss58,
		               (unsigned long long)c->epoch);
	if (s != LS_OK || (s = reveal_matches(t, c, &commit)) != LS_OK)
		return s;
	if (found == LS_NOTFOUND)  /* a commitment without its epoch */
		return ls_fail(t->err, LS_ERROR, "store_error", NULL, "epoch %llu is missing",
		               (unsigned long long)c->epoch);
	return reveal_store(t, c, key, &ep);
}

ls_status ls_epoch_reveal(ls_store *st, const struct ls_identity *v, uint64_t epoch,
                          json_t *body, int64_t now, char **response, ls_err *err)
{
	*response = NULL;
	/* no permit required now: the commitment, which only a validator could
	 * make, is what entitles a reveal (one deregistered since still
	 * reveals, and counts with its snapshot weight) */
	ls_status s = ls_mode_require(st, LS_MODE_EPOCH, err);
	struct vote_ctx c = {.v = v, .epoch = epoch, .now = now, .response = response};
	if (s == LS_OK)
		s = reveal_parse(body, st->cfg.leads_per_epoch, &c.items, &c.n, err);
	if (s == LS_OK)
		s = ls_write(st, reveal_write, &c, err);
	free(c.items);
	if (s != LS_OK) {
		free(*response);
		*response = NULL;
	}
	return s;
}
