/* log_fill.h — a long transparency log for the bundle tests and the bundle
 * benchmark: entries shaped like the ones leadgate writes (hashes, ids,
 * the same canonical JSON), appended through the store's own
 * ls_log_append, then epoch `epoch` closed by a WEIGHTS entry and due for
 * bundling as leadgate-close leaves it.  Needs internal.h. */
#ifndef LEADGATE_LOG_FILL_H
#define LEADGATE_LOG_FILL_H

#include <stdio.h>
#include "internal.h"

struct log_fill {
	uint64_t epoch, from, to;  /* entries from..to-1 of this batch */
	uint64_t total;            /* the last one is the epoch's WEIGHTS */
};

static ls_status log_fill_batch(struct ls_txn *t, void *vctx)
{
	struct log_fill *f = vctx;
	uint64_t seq = 0;
	for (uint64_t i = f->from; i < f->to; i++) {
		uint8_t h[32];
		char hex[65], id[37];
		uint8_t uuid[16] = {0};
		ls_status s;
		crypto_hash_sha256(h, (const uint8_t *)&i, sizeof i);
		ls_hex(h, 32, hex);
		memcpy(uuid, h, 16);
		uuid[6] = 0x70 | (uuid[6] & 0x0f);
		uuid[8] = 0x80 | (uuid[8] & 0x3f);
		ls_uuid_format(uuid, id);
		bool last = i + 1 == f->total;
		json_t *payload = last ? json_pack("{s:{s:I}}", "weights", hex, (json_int_t)i)
		                       : json_pack("{s:s, s:s, s:I}", "lead_id", id, "content_hash", hex,
		                                   "n", (json_int_t)i);
		s = ls_log_append(t, f->epoch, last ? "WEIGHTS" : i % 3 ? "LEAD_SUBMITTED" : "REVEAL",
		                  payload, &seq);
		json_decref(payload);
		if (s != LS_OK)
			return s;
	}
	return f->to == f->total ? lt_bundle_due(t, f->epoch, seq) : LS_OK;
}

/* n entries (n >= 1) ending epoch's stretch of the log. */
static inline ls_status log_fill(ls_store *st, uint64_t epoch, uint64_t n, ls_err *err)
{
	struct log_fill f = {.epoch = epoch, .total = n};
	for (f.from = 0; f.from < n; f.from = f.to) {
		f.to = f.from + 20000 < n ? f.from + 20000 : n;
		ls_status s = ls_write(st, log_fill_batch, &f, err);
		if (s != LS_OK)
			return s;
	}
	return LS_OK;
}

#endif
