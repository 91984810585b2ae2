/* clock.c — the chain clock, the epoch schedule and epoch windows
 * (SPEC §2), in one place. */
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

/* The anchor record: fmt ‖ block u64 ‖ time i64, then in LS_FMT2 the
 * chain's schedule: period u32 ‖ next_start u64 ‖ n u8 ‖ n × (epoch u64 ‖
 * start u64).  Stores before the chain schedule wrote LS_FMT1 alone. */
#define ANCHOR_HEAD 17
#define ANCHOR_SCHEDULE (ANCHOR_HEAD + 4 + 8 + 1)

size_t ls_anchor_pack(const struct ls_anchor *a, uint8_t out[LS_ANCHOR_REC_MAX])
{
	out[0] = a->period ? LS_FMT2 : LS_FMT1;
	memcpy(out + 1, &a->block, 8);
	memcpy(out + 9, &a->time, 8);
	if (!a->period)
		return ANCHOR_HEAD;
	memcpy(out + 17, &a->period, 4);
	memcpy(out + 21, &a->next_start, 8);
	out[29] = (uint8_t)a->nstarts;
	for (size_t i = 0; i < a->nstarts; i++) {
		memcpy(out + ANCHOR_SCHEDULE + 16 * i, &a->starts[i].epoch, 8);
		memcpy(out + ANCHOR_SCHEDULE + 16 * i + 8, &a->starts[i].block, 8);
	}
	return ANCHOR_SCHEDULE + 16 * a->nstarts;
}

ls_status ls_anchor_read(ls_store *st, MDB_txn *txn, struct ls_anchor *out)
{
	MDB_val v;
	const uint8_t *p;
	memset(out, 0, sizeof *out);
	int rc = ls_get(st, txn, DB_META, META_ANCHOR, strlen(META_ANCHOR), &v);
	if (rc == MDB_NOTFOUND)
		return LS_UNAVAILABLE;
	p = v.mv_data;
	if (rc || v.mv_size < ANCHOR_HEAD || (p[0] != LS_FMT1 && p[0] != LS_FMT2) ||
	    (p[0] == LS_FMT1 && v.mv_size != ANCHOR_HEAD))
		return LS_ERROR;
	memcpy(&out->block, p + 1, 8);
	memcpy(&out->time, p + 9, 8);
	if (p[0] == LS_FMT1)
		return LS_OK;
	if (v.mv_size < ANCHOR_SCHEDULE || p[29] > LS_EPOCH_STARTS_MAX ||
	    v.mv_size != ANCHOR_SCHEDULE + 16 * (size_t)p[29])
		return LS_ERROR;
	memcpy(&out->period, p + 17, 4);
	memcpy(&out->next_start, p + 21, 8);
	out->nstarts = p[29];
	if (out->period == 0 || out->nstarts == 0)
		return LS_ERROR;
	for (size_t i = 0; i < out->nstarts; i++) {
		memcpy(&out->starts[i].epoch, p + ANCHOR_SCHEDULE + 16 * i, 8);
		memcpy(&out->starts[i].block, p + ANCHOR_SCHEDULE + 16 * i + 8, 8);
	}
	return LS_OK;
}

/* Whether the anchor can run the clock: under epoch_source = chain only
 * once a sync recorded the chain's schedule. */
static ls_status anchor_usable(const struct ls_config *cfg, const struct ls_anchor *a,
                               ls_status read)
{
	if (read == LS_OK && cfg->epoch_source == LS_EPOCHS_CHAIN && (a->period == 0 || a->nstarts == 0))
		return LS_UNAVAILABLE;
	return read;
}

ls_status ls_anchor_get(ls_reader *rd, struct ls_anchor *out)
{
	return anchor_usable(&rd->st->cfg, out, ls_anchor_read(rd->st, rd->txn, out));
}

ls_status ls_clock_now(ls_store *st, MDB_txn *txn, int64_t now, struct ls_clock *out)
{
	struct ls_anchor a;
	ls_status s = anchor_usable(&st->cfg, &a, ls_anchor_read(st, txn, &a));
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
		               st->cfg.epoch_source == LS_EPOCHS_CHAIN
		               ? "the gateway has no chain schedule yet: leadgate-sync --rpc reads one"
		               : "the gateway has no chain anchor yet: leadgate-sync imports one");
	if (s != LS_OK)
		return ls_fail(err, s, "store_error", NULL, "the chain anchor could not be read");
	return LS_OK;
}

ls_status ls_schedule_read(ls_store *st, MDB_txn *txn, struct ls_schedule *out)
{
	struct ls_anchor a;
	ls_status s = anchor_usable(&st->cfg, &a, ls_anchor_read(st, txn, &a));
	if (s == LS_UNAVAILABLE && st->cfg.epoch_source == LS_EPOCHS_FIXED)
		s = LS_OK;  /* fixed epochs need no anchor */
	if (s == LS_OK)
		ls_schedule_of(&st->cfg, &a, out);
	return s;
}

void ls_schedule_of(const struct ls_config *cfg, const struct ls_anchor *a,
                    struct ls_schedule *out)
{
	memset(out, 0, sizeof *out);
	out->length = cfg->epoch_length;
	out->chain = cfg->epoch_source == LS_EPOCHS_CHAIN && a->period > 0 && a->nstarts > 0;
	if (!out->chain)
		return;
	out->period = a->period;
	out->next_start = a->next_start;
	out->n = a->nstarts;
	memcpy(out->starts, a->starts, a->nstarts * sizeof *a->starts);
}

/* The newest recorded start at or before epoch (index into starts), or
 * n when epoch is older than all of them. */
static size_t start_at_or_before(const struct ls_schedule *s, uint64_t epoch)
{
	size_t i = s->n;
	while (i > 0 && s->starts[i - 1].epoch > epoch)
		i--;
	return i == 0 ? s->n : i - 1;
}

uint64_t ls_epoch_start(const struct ls_schedule *s, uint64_t epoch)
{
	if (!s->chain)
		return epoch * s->length;
	const struct ls_epoch_start *newest = &s->starts[s->n - 1];
	if (epoch > newest->epoch)  /* predicted: the next start, then every period */
		return s->next_start + (epoch - newest->epoch - 1) * s->period;
	size_t i = start_at_or_before(s, epoch);
	if (i == s->n) {  /* older than every record: back by periods from the oldest */
		uint64_t back = (s->starts[0].epoch - epoch) * s->period;
		return s->starts[0].block > back ? s->starts[0].block - back : 0;
	}
	/* an epoch the syncs missed: by periods from the one before, before the next */
	uint64_t start = s->starts[i].block + (epoch - s->starts[i].epoch) * s->period;
	uint64_t limit = i + 1 < s->n ? s->starts[i + 1].block : s->next_start;
	return start < limit ? start : limit - 1;
}

uint64_t ls_epoch_at(const struct ls_schedule *s, uint64_t block)
{
	if (!s->chain)
		return block / s->length;
	const struct ls_epoch_start *newest = &s->starts[s->n - 1];
	if (block >= s->next_start)
		return newest->epoch + 1 + (block - s->next_start) / s->period;
	/* the newest epoch whose start is at or before block */
	uint64_t lo = block < s->starts[0].block ? 0 : s->starts[0].epoch, hi = newest->epoch;
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo + 1) / 2;
		if (ls_epoch_start(s, mid) <= block)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
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
	ls_schedule_of(cfg, anchor, &out->sched);
	out->epoch = ls_epoch_at(&out->sched, out->block);
	uint64_t start = ls_epoch_start(&out->sched, out->epoch);
	out->offset = (uint32_t)(out->block >= start ? out->block - start : 0);
	out->block_started = anchor->time + blocks * bs;
}

/* [from, from + span], cut short of `limit` (the next epoch's start);
 * empty (first after last) when limit is not after from. */
static struct ls_window window(uint64_t from, uint64_t span, uint64_t limit)
{
	if (limit <= from)
		return (struct ls_window){from + 1, from};
	uint64_t last = from + span;
	return (struct ls_window){from, last < limit ? last : limit - 1};
}

void ls_epoch_windows(const struct ls_config *cfg, const struct ls_schedule *s, uint64_t epoch,
                      struct ls_epoch_windows *out)
{
	uint64_t base = ls_epoch_start(s, epoch), next = ls_epoch_start(s, epoch + 1);
	uint64_t after = ls_epoch_start(s, epoch + 2);
	out->epoch = epoch;
	out->distribution = window(base, cfg->distribution_end, next);
	out->commit = window(base, cfg->commit_end, next);
	/* empty when the epoch is shorter than prefetch_start */
	out->prefetch = window(base + cfg->prefetch_start, next, next);
	out->reveal = window(next, cfg->reveal_end, after);
	out->close_block = out->reveal.last_block + 1;
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

static void start_record(struct ls_anchor *a, uint64_t epoch, uint64_t block)
{
	if (a->nstarts == LS_EPOCH_STARTS_MAX) {  /* the oldest goes */
		memmove(a->starts, a->starts + 1, (LS_EPOCH_STARTS_MAX - 1) * sizeof *a->starts);
		a->nstarts--;
	}
	a->starts[a->nstarts++] = (struct ls_epoch_start){epoch, block};
}

bool ls_anchor_advance(struct ls_anchor *a, uint64_t block, int64_t time,
                       const struct ls_chain_schedule *e)
{
	a->block = block;
	a->time = time;
	if (e == NULL)
		return true;
	struct ls_epoch_start *newest = a->nstarts ? &a->starts[a->nstarts - 1] : NULL;
	if (newest == NULL || (e->epoch_index > newest->epoch && e->epoch_start > newest->block))
		start_record(a, e->epoch_index, e->epoch_start);
	else if (e->epoch_index != newest->epoch)
		return false;  /* an older epoch, or one starting before the newest */
	newest = &a->starts[a->nstarts - 1];
	a->period = e->period;
	a->next_start = e->next_start > newest->block ? e->next_start : newest->block + e->period;
	return newest->block == e->epoch_start;
}

ls_status lt_schedule_freeze(struct ls_txn *t, uint64_t epoch)
{
	struct ls_anchor a;
	struct ls_schedule s;
	uint8_t rec[LS_ANCHOR_REC_MAX];
	if (t->st->cfg.epoch_source != LS_EPOCHS_CHAIN ||
	    anchor_usable(&t->st->cfg, &a, ls_anchor_read(t->st, t->txn, &a)) != LS_OK)
		return LS_OK;
	ls_schedule_of(&t->st->cfg, &a, &s);
	/* E's windows end at E+1's start, its reveal window at E+2's when
	 * E+1 is shorter than reveal_end */
	uint64_t last = epoch + 1;
	if (ls_epoch_start(&s, epoch + 2) <= ls_epoch_start(&s, epoch + 1) + t->st->cfg.reveal_end)
		last = epoch + 2;
	uint64_t newest = a.starts[a.nstarts - 1].epoch;
	if (last <= newest)
		return LS_OK;  /* recorded already */
	for (uint64_t e = epoch > newest ? epoch : newest + 1; e <= last; e++)
		start_record(&a, e, ls_epoch_start(&s, e));
	a.next_start = ls_epoch_start(&s, last + 1);
	return lt_put(t, DB_META, META_ANCHOR, strlen(META_ANCHOR), rec, ls_anchor_pack(&a, rec), 0);
}
