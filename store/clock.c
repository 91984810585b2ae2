/* clock.c — the chain clock and epoch windows (SPEC §2), in one place. */
#include <string.h>
#include <time.h>
#include "internal.h"

int64_t ls_now(const struct ls_config *cfg)
{
	int64_t wall = (int64_t)time(NULL);
#ifdef LS_FAULT_INJECTION
	return ls_fault_clock(cfg->store_dir, wall);
#else
	(void)cfg;
	return wall;
#endif
}

ls_status ls_anchor_read(ls_store *st, MDB_txn *txn, struct ls_anchor *out)
{
	MDB_val v;
	int rc = ls_get(st, txn, DB_META, META_ANCHOR, strlen(META_ANCHOR), &v);
	if (rc == MDB_NOTFOUND)
		return LS_UNAVAILABLE;
	if (rc || v.mv_size != 17 || ((uint8_t *)v.mv_data)[0] != LS_FMT1)
		return LS_ERROR;
	memcpy(&out->block, (uint8_t *)v.mv_data + 1, 8);
	memcpy(&out->time, (uint8_t *)v.mv_data + 9, 8);
	return LS_OK;
}

ls_status ls_anchor_get(ls_reader *rd, struct ls_anchor *out)
{
	return ls_anchor_read(rd->st, rd->txn, out);
}

ls_status ls_clock_now(ls_store *st, MDB_txn *txn, int64_t now, struct ls_clock *out)
{
	struct ls_anchor a;
	ls_status s = ls_anchor_read(st, txn, &a);
	if (s == LS_OK)
		ls_clock_at(&st->cfg, &a, now, out);
	return s;
}

ls_status ls_clock_required(ls_store *st, MDB_txn *txn, int64_t now, struct ls_clock *out,
                            ls_err *err)
{
	ls_status s = ls_clock_now(st, txn, now, out);
	if (s == LS_UNAVAILABLE)
		return ls_fail(err, s, "clock_not_anchored", NULL,
		               "the gateway has no chain anchor yet: leadgate-sync imports one");
	if (s != LS_OK)
		return ls_fail(err, s, "store_error", NULL, "the chain anchor could not be read");
	return LS_OK;
}

void ls_clock_at(const struct ls_config *cfg, const struct ls_anchor *anchor,
                 int64_t now, struct ls_clock *out)
{
	int64_t bs = cfg->block_seconds;
	int64_t elapsed = now - anchor->time;
	/* floor division, so that a clock behind the anchor counts back */
	int64_t blocks = elapsed >= 0 ? elapsed / bs : -((-elapsed + bs - 1) / bs);
	int64_t block = (int64_t)anchor->block + blocks;
	if (block < 0) {
		block = 0;
		blocks = -(int64_t)anchor->block;
	}
	out->now = now;
	out->block = (uint64_t)block;
	out->epoch = out->block / cfg->epoch_length;
	out->offset = (uint32_t)(out->block % cfg->epoch_length);
	out->block_started = anchor->time + blocks * bs;
}

void ls_epoch_windows(const struct ls_config *cfg, uint64_t epoch,
                      struct ls_epoch_windows *out)
{
	uint64_t base = epoch * cfg->epoch_length, next = base + cfg->epoch_length;
	out->epoch = epoch;
	out->distribution = (struct ls_window){base, base + cfg->distribution_end};
	out->commit = (struct ls_window){base, base + cfg->commit_end};
	out->prefetch = (struct ls_window){base + cfg->prefetch_start, next - 1};
	out->reveal = (struct ls_window){next, next + cfg->reveal_end};
	out->close_block = next + cfg->reveal_end + 1;
}

bool ls_window_contains(const struct ls_window *w, uint64_t block)
{
	return block >= w->first_block && block <= w->last_block;
}

int64_t ls_block_time(const struct ls_config *cfg, const struct ls_clock *c,
                      uint64_t block)
{
	return c->block_started + ((int64_t)block - (int64_t)c->block) * cfg->block_seconds;
}
