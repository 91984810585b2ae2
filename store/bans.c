/*
 * bans.c — hotkeys the operator has banned (leadgate-admin ban): refused
 * with 403 banned on every signed route before their signature is even
 * verified, listed publicly by GET /v1/bans.  A ban and its lifting are
 * each one write transaction with a HOTKEY_BANNED or HOTKEY_UNBANNED
 * entry; a ban with an end lapses by itself (nothing is written then).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

struct ban_rec {
	uint8_t fmt, pad[7];
	int64_t since, until;  /* until 0: until lifted */
	char reason[LS_BAN_REASON_MAX + 1];
};

static bool rec_decode(const MDB_val *v, struct ban_rec *out)
{
	if (v->mv_size != sizeof *out)
		return false;
	memcpy(out, v->mv_data, sizeof *out);
	out->reason[LS_BAN_REASON_MAX] = '\0';
	return out->fmt == LS_FMT1;
}

static bool in_force(const struct ban_rec *b, int64_t now)
{
	return b->until == 0 || b->until > now;
}

static void ss58_of(const ls_store *st, const uint8_t hotkey[32], char out[LS_SS58_MAX])
{
	if (ls_ss58_encode(hotkey, st->cfg.ss58_prefix, out) != LS_OK)
		out[0] = '\0';
}

ls_status ls_ban_check(ls_reader *rd, const uint8_t hotkey[32], int64_t now, ls_err *err)
{
	MDB_val v;
	struct ban_rec b;
	char who[LS_SS58_MAX], until[48] = "until it is lifted";
	int rc = ls_get(rd->st, rd->txn, DB_BANS, hotkey, 32, &v);
	if (rc == MDB_NOTFOUND)
		return LS_OK;
	if (rc != 0 || !rec_decode(&v, &b))
		return ls_fail(err, LS_ERROR, "store_error", NULL, "the bans could not be read");
	if (!in_force(&b, now))
		return LS_OK;
	ss58_of(rd->st, hotkey, who);
	if (b.until)
		snprintf(until, sizeof until, "until %lld", (long long)b.until);
	return ls_fail(err, LS_FORBIDDEN, "banned", NULL, "hotkey %s is banned %s: %s", who, until,
	               b.reason[0] ? b.reason : "no reason given");
}

static ls_status reason_check(const char *reason, ls_err *err)
{
	size_t n = strlen(reason);
	if (n > LS_BAN_REASON_MAX || !ls_utf8_valid((const uint8_t *)reason, n))
		return ls_fail(err, LS_INVALID, "bad_reason", "reason",
		               "a reason is UTF-8 text of at most %d bytes", LS_BAN_REASON_MAX);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)reason[i] < 0x20 || reason[i] == 0x7f)
			return ls_fail(err, LS_INVALID, "bad_reason", "reason",
			               "a reason has no control characters");
	return LS_OK;
}

struct ban_ctx {
	const uint8_t *hotkey;
	struct ban_rec rec;
	bool lift, changed;
	int64_t now;
};

static ls_status ban_log(struct ls_txn *t, const struct ban_ctx *c)
{
	char who[LS_SS58_MAX];
	ss58_of(t->st, c->hotkey, who);
	json_t *p = c->lift ? json_pack("{s:s}", "hotkey", who)
	                    : json_pack("{s:s, s:o, s:s}", "hotkey", who, "until",
	                                c->rec.until ? json_integer(c->rec.until) : json_null(),
	                                "reason", c->rec.reason);
	if (p == NULL)
		return ls_fail(t->err, LS_ERROR, "oom", NULL, "out of memory");
	ls_status s = ls_log_append(t, ls_log_epoch(t, c->now),
	                            c->lift ? "HOTKEY_UNBANNED" : "HOTKEY_BANNED", p, NULL);
	json_decref(p);
	return s;
}

static ls_status ban_write(struct ls_txn *t, void *vctx)
{
	struct ban_ctx *c = vctx;
	struct ban_rec old;
	MDB_val v;
	ls_status s = lt_get(t, DB_BANS, c->hotkey, 32, &v);
	if (s != LS_OK && s != LS_NOTFOUND)
		return s;
	bool was = s == LS_OK && rec_decode(&v, &old) && in_force(&old, c->now);
	c->changed = !c->lift || was;
	if (!c->changed)
		return LS_OK;  /* not banned: nothing to lift */
	s = c->lift ? lt_del(t, DB_BANS, c->hotkey, 32)
	            : lt_put(t, DB_BANS, c->hotkey, 32, &c->rec, sizeof c->rec, 0);
	return s == LS_OK ? ban_log(t, c) : s;
}

ls_status ls_ban(ls_store *st, const uint8_t hotkey[32], int64_t until, const char *reason,
                 int64_t now, ls_err *err)
{
	struct ban_ctx c = {.hotkey = hotkey, .now = now,
	                    .rec = {.fmt = LS_FMT1, .since = now, .until = until}};
	if (until != 0 && until <= now)
		return ls_fail(err, LS_INVALID, "bad_until", "until",
		               "a ban's end (%lld) must be after now (%lld)", (long long)until,
		               (long long)now);
	ls_status s = reason_check(reason, err);
	if (s != LS_OK)
		return s;
	snprintf(c.rec.reason, sizeof c.rec.reason, "%s", reason);
	return ls_write(st, ban_write, &c, err);
}

ls_status ls_unban(ls_store *st, const uint8_t hotkey[32], int64_t now, bool *lifted,
                   ls_err *err)
{
	struct ban_ctx c = {.hotkey = hotkey, .now = now, .lift = true};
	ls_status s = ls_write(st, ban_write, &c, err);
	*lifted = c.changed;
	return s;
}

ls_status ls_bans_json(ls_reader *rd, int64_t now, char **body, size_t *len, ls_err *err)
{
	MDB_cursor *cur;
	MDB_val k, v;
	json_t *list = json_array();
	if (list == NULL || mdb_cursor_open(rd->txn, rd->st->dbi[DB_BANS], &cur) != 0) {
		json_decref(list);
		return ls_fail(err, LS_ERROR, "store_error", NULL, "the bans could not be read");
	}
	for (int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		struct ban_rec b;
		char who[LS_SS58_MAX];
		if (k.mv_size != 32 || !rec_decode(&v, &b) || !in_force(&b, now))
			continue;
		ss58_of(rd->st, k.mv_data, who);
		json_array_append_new(list, json_pack("{s:s, s:I, s:o, s:s}", "hotkey", who, "since",
		                                      (json_int_t)b.since, "until",
		                                      b.until ? json_integer(b.until) : json_null(),
		                                      "reason", b.reason));
	}
	mdb_cursor_close(cur);
	json_t *doc = json_pack("{s:o}", "bans", list);
	*body = doc ? json_dumps(doc, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
	json_decref(doc);
	if (*body == NULL)
		return ls_fail(err, LS_ERROR, "oom", NULL, "out of memory");
	*len = strlen(*body);
	return LS_OK;
}
