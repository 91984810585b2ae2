/* fuzz_chain.c — a subtensor node's answers as leadgate-sync --rpc imports
 * them (store/chain.c and its SCALE reader), into a real store.
 *
 * Input: flags u8 (bit 0: the selective call's answer, bits 1-5: which
 * storage values are present) ‖ block u64 LE ‖ netuid u16 LE ‖ metagraph
 * length u32 LE ‖ metagraph ‖ neurons length u32 LE ‖ neurons ‖ each
 * present storage value as length u8 ‖ bytes.  Lengths are clamped to
 * what is left.
 *
 * Checked: a refusal says why; an import that was accepted a second time
 * changes nothing (SPEC §10: jobs are idempotent); the schedule the
 * answers give keeps every epoch's blocks and windows in that epoch. */
#include <stdio.h>
#include <string.h>
#include "fuzz.h"

static struct fuzz_world world;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_store_open(&world, LS_MODE_EPOCH);
	return 0;
}

struct cursor {
	const uint8_t *p;
	size_t left;
};

static uint64_t take_uint(struct cursor *c, unsigned bytes)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < bytes && c->left > 0; i++, c->p++, c->left--)
		v |= (uint64_t)*c->p << (8 * i);
	return v;
}

static struct ls_bytes take_bytes(struct cursor *c, size_t n)
{
	struct ls_bytes b = {c->p, n < c->left ? n : c->left};
	c->p += b.len;
	c->left -= b.len;
	return b;
}

/* The chain's schedule as the answers give it, under epoch_source =
 * chain: epochs advance, and each block of an epoch is in it. */
static void schedule_invariants(const struct ls_chain_read *r)
{
	struct ls_chain_schedule e;
	struct ls_config cfg;
	struct ls_anchor a = {0};
	struct ls_schedule s;
	ls_err err;
	if (ls_chain_schedule_read(r, 360, &e, &err) != LS_OK)
		return;
	ls_config_defaults(&cfg);
	cfg.epoch_source = LS_EPOCHS_CHAIN;
	ls_anchor_advance(&a, r->block, FUZZ_NOW, &e);
	ls_schedule_of(&cfg, &a, &s);
	for (uint64_t epoch = e.epoch_index; epoch < e.epoch_index + 3; epoch++) {
		uint64_t start = ls_epoch_start(&s, epoch), next = ls_epoch_start(&s, epoch + 1);
		struct ls_epoch_windows w;
		FUZZ_CHECK(next > start, "an epoch that does not advance");
		FUZZ_CHECK(ls_epoch_at(&s, start) == epoch && ls_epoch_at(&s, next - 1) == epoch,
		           "ls_epoch_at disagrees with ls_epoch_start");
		ls_epoch_windows(&cfg, &s, epoch, &w);
		FUZZ_CHECK(w.distribution.first_block == start && w.distribution.last_block < next &&
		                   w.reveal.first_block == next && w.close_block > next,
		           "windows outside their epoch");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cursor c = {data, size};
	struct ls_chain_read r = {0};
	unsigned flags = (unsigned)take_uint(&c, 1);
	r.selective = flags & 1;
	r.block = take_uint(&c, 8);
	r.netuid = (uint16_t)take_uint(&c, 2);
	r.metagraph = take_bytes(&c, take_uint(&c, 4));
	r.neurons = take_bytes(&c, take_uint(&c, 4));
	for (unsigned i = 0; i < LS_CHAIN_ITEMS; i++)
		if (flags & (2u << i))
			r.storage[i] = take_bytes(&c, take_uint(&c, 1));
	schedule_invariants(&r);
	struct ls_sync_report rep;
	ls_err err = {0};
	if (ls_chain_import(world.st, &r, FUZZ_NOW, &rep, &err) != LS_OK) {
		FUZZ_CHECK(err.detail[0] != '\0', "a refusal without a reason");
		return 0;
	}
	FUZZ_CHECK(ls_chain_import(world.st, &r, FUZZ_NOW, &rep, &err) == LS_OK && !rep.changed,
	           "the same answers imported twice changed the store twice");
	return 0;
}
