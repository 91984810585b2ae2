/* log.c — the transparency log (SPEC §7): append inside the caller's write
 * transaction, page through it, verify the whole chain. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "internal.h"

#define HEAD_LEN (1 + 8 + 32)

static void head_decode(const MDB_val *v, struct ls_log_head *out)
{
	memset(out, 0, sizeof *out);
	if (v->mv_size != HEAD_LEN)
		return;
	memcpy(&out->seq, (uint8_t *)v->mv_data + 1, 8);
	memcpy(out->hash, (uint8_t *)v->mv_data + 9, 32);
}

ls_status ls_log_head(ls_reader *rd, struct ls_log_head *out)
{
	MDB_val v;
	memset(out, 0, sizeof *out);
	int rc = ls_get(rd->st, rd->txn, DB_META, META_LOG_HEAD, strlen(META_LOG_HEAD), &v);
	if (rc == 0)
		head_decode(&v, out);
	return (rc == 0 || rc == MDB_NOTFOUND) ? LS_OK : LS_ERROR;
}

ls_status ls_log_hash_at(ls_reader *rd, uint64_t seq, uint8_t out[32])
{
	const uint8_t *hash;
	const char *json;
	size_t len;
	ls_status s = ls_log_entry_at(rd, seq, &hash, &json, &len);
	if (s == LS_OK)
		memcpy(out, hash, 32);
	return s;
}

void ls_log_entry_hash(const uint8_t prev[32], const char *entry, size_t len, uint8_t out[32])
{
	crypto_hash_sha256_state h;
	crypto_hash_sha256_init(&h);
	crypto_hash_sha256_update(&h, prev, 32);
	crypto_hash_sha256_update(&h, (const uint8_t *)entry, len);
	crypto_hash_sha256_final(&h, out);
}

ls_status ls_log_append(struct ls_txn *t, uint64_t epoch, const char *type, json_t *payload,
                        uint64_t *seq)
{
	MDB_val v;
	struct ls_log_head head = {0};
	ls_status s = lt_get(t, DB_META, META_LOG_HEAD, strlen(META_LOG_HEAD), &v);
	if (s == LS_OK)
		head_decode(&v, &head);
	else if (s != LS_NOTFOUND)
		return s;
	char prev_hex[65];
	ls_hex(head.hash, 32, prev_hex);
	json_t *entry = json_pack("{s:I, s:O, s:s, s:I, s:s}", "epoch", (json_int_t)epoch,
	                          "payload", payload, "prev", prev_hex, "seq",
	                          (json_int_t)(head.seq + 1), "type", type);
	char *canon = entry ? ls_json_canonical(entry) : NULL;
	json_decref(entry);
	if (canon == NULL)
		return ls_fail(t->err, LS_ERROR, "oom", NULL, "out of memory");
	size_t len = strlen(canon);
	uint8_t hash[32];
	ls_log_entry_hash(head.hash, canon, len, hash);

	uint8_t key[8], *rec = malloc(1 + 32 + len);
	if (rec == NULL) {
		free(canon);
		return ls_fail(t->err, LS_ERROR, "oom", NULL, "out of memory");
	}
	head.seq++;
	ls_be64(head.seq, key);
	rec[0] = LS_FMT1;
	memcpy(rec + 1, hash, 32);
	memcpy(rec + 33, canon, len);
	s = lt_put(t, DB_LOG, key, 8, rec, 1 + 32 + len, MDB_APPEND);
	free(rec);
	free(canon);
	uint8_t ref[9] = {LS_FMT1};
	memcpy(ref + 1, key, 8);
	if (s == LS_OK)
		s = lt_put(t, DB_LOG_HASHES, hash, 32, ref, sizeof ref, 0);
	if (s != LS_OK)
		return s;
	uint8_t hrec[HEAD_LEN] = {LS_FMT1};
	memcpy(hrec + 1, &head.seq, 8);
	memcpy(hrec + 9, hash, 32);
	if (seq)
		*seq = head.seq;
	return lt_put(t, DB_META, META_LOG_HEAD, strlen(META_LOG_HEAD), hrec, sizeof hrec, 0);
}

ls_status ls_log_page(ls_reader *rd, uint64_t after, unsigned limit, char **body,
                      size_t *len, ls_err *err)
{
	MDB_cursor *cur;
	uint8_t key[8];
	char hex[65];
	ls_be64(after + 1, key);
	MDB_val k = {8, key}, v;
	FILE *out = open_memstream(body, len);
	if (out == NULL)
		return ls_fail(err, LS_ERROR, "oom", NULL, "out of memory");
	if (mdb_cursor_open(rd->txn, rd->st->dbi[DB_LOG], &cur) != 0) {
		fclose(out);
		free(*body);
		return ls_fail(err, LS_ERROR, "store_error", NULL, "the log could not be read");
	}
	uint64_t last = after;
	unsigned n = 0;
	fputs("{\"entries\":[", out);
	/* after = UINT64_MAX has no successor: the page is empty */
	int first = after == UINT64_MAX ? MDB_NOTFOUND : mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	for (int rc = first; rc == 0 && n < limit;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT), n++) {
		const uint8_t *p = v.mv_data;
		if (k.mv_size != 8 || v.mv_size < 33)
			break;
		last = ls_from_be64(k.mv_data);
		ls_hex(p + 1, 32, hex);
		fprintf(out, "%s{\"seq\":%llu,\"hash\":\"%s\",\"entry\":", n ? "," : "",
		        (unsigned long long)last, hex);
		fwrite(p + 33, 1, v.mv_size - 33, out);
		fputc('}', out);
	}
	mdb_cursor_close(cur);
	fprintf(out, "],\"next_after\":%llu}", (unsigned long long)last);
	fclose(out);
	return LS_OK;
}

/* One entry against the chain so far. */
static bool entry_ok(const MDB_val *k, const MDB_val *v, uint64_t want_seq, uint8_t prev[32])
{
	const uint8_t *p = v->mv_data;
	if (k->mv_size != 8 || ls_from_be64(k->mv_data) != want_seq || v->mv_size < 33 ||
	    p[0] != LS_FMT1)
		return false;
	json_error_t je;
	json_t *e = json_loadb((const char *)p + 33, v->mv_size - 33, 0, &je);
	const char *prev_hex = NULL;
	json_int_t seq = -1;
	uint8_t claimed_prev[32], hash[32];
	bool ok = e && json_unpack(e, "{s:s, s:I}", "prev", &prev_hex, "seq", &seq) == 0 &&
	          (uint64_t)seq == want_seq && ls_unhex(prev_hex, claimed_prev, 32) == LS_OK &&
	          memcmp(claimed_prev, prev, 32) == 0;
	json_decref(e);
	ls_log_entry_hash(prev, (const char *)p + 33, v->mv_size - 33, hash);
	ok = ok && memcmp(hash, p + 1, 32) == 0;
	memcpy(prev, p + 1, 32);
	return ok;
}

ls_status ls_log_verify(ls_reader *rd, uint64_t *count, uint64_t *bad_seq, ls_err *err)
{
	MDB_cursor *cur;
	MDB_val k, v;
	uint8_t prev[32] = {0};
	uint64_t seq = 0;
	*count = 0;
	*bad_seq = 0;
	if (mdb_cursor_open(rd->txn, rd->st->dbi[DB_LOG], &cur) != 0)
		return ls_fail(err, LS_ERROR, "store_error", NULL, "the log could not be read");
	int rc;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (!entry_ok(&k, &v, ++seq, prev)) {
			*bad_seq = seq;
			break;
		}
	}
	mdb_cursor_close(cur);
	struct ls_log_head head;
	if (*bad_seq == 0 && (ls_log_head(rd, &head) != LS_OK || head.seq != seq ||
	                      memcmp(head.hash, prev, 32) != 0))
		*bad_seq = seq + 1;
	if (*bad_seq)
		return ls_fail(err, LS_ERROR, "chain_broken", NULL,
		               "the transparency log breaks at seq %llu", (unsigned long long)*bad_seq);
	*count = seq;
	return LS_OK;
}

int ls_log_hashes_backfill(MDB_txn *txn, MDB_dbi log, MDB_dbi hashes)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc = mdb_cursor_open(txn, log, &cur);
	for (rc = rc ? rc : mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		uint8_t ref[9] = {LS_FMT1};
		if (k.mv_size != 8 || v.mv_size < 33)
			continue;  /* ls_log_verify names it; the index skips it */
		memcpy(ref + 1, k.mv_data, 8);
		MDB_val hk = {32, (uint8_t *)v.mv_data + 1}, hv = {sizeof ref, ref};
		if ((rc = mdb_put(txn, hashes, &hk, &hv, 0)) != 0)
			break;
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

ls_status ls_log_seq_of(ls_reader *rd, const uint8_t hash[32], uint64_t *seq)
{
	MDB_val v;
	int rc = ls_get(rd->st, rd->txn, DB_LOG_HASHES, hash, 32, &v);
	if (rc == 0 && (v.mv_size != 9 || ((uint8_t *)v.mv_data)[0] != LS_FMT1))
		return LS_ERROR;
	if (rc == 0)
		*seq = ls_from_be64((uint8_t *)v.mv_data + 1);
	return rc == 0 ? LS_OK : ls_mdb_status(rc);
}

/* The entry at seq, borrowed from rd's map: hash, canonical JSON. */
ls_status ls_log_entry_at(ls_reader *rd, uint64_t seq, const uint8_t **hash, const char **json,
                          size_t *len)
{
	uint8_t key[8];
	MDB_val v;
	ls_be64(seq, key);
	int rc = ls_get(rd->st, rd->txn, DB_LOG, key, 8, &v);
	if (rc != 0)
		return ls_mdb_status(rc);
	if (v.mv_size < 34 || ((uint8_t *)v.mv_data)[0] != LS_FMT1)
		return LS_ERROR;
	*hash = (uint8_t *)v.mv_data + 1;
	*json = (const char *)v.mv_data + 33;
	*len = v.mv_size - 33;
	return LS_OK;
}

uint64_t ls_log_epoch(struct ls_txn *t, int64_t now)
{
	struct ls_clock c;
	return ls_clock_now(t->st, t->txn, now, &c) == LS_OK ? c.epoch : 0;
}
