/* chain.c — what leadgate-sync --rpc reads from a subtensor node, decoded
 * and imported (SPEC §10): the subnet's metagraph from the runtime API,
 * validator trust from the neurons, the block's own time and the epoch
 * schedule from storage.  The transport is the job's; the bytes and the
 * rules are here.  Layouts follow subtensor's rpc_info/metagraph.rs and
 * neuron_info.rs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <xxhash.h>
#include "internal.h"
#include "scale.h"

/* The fields of SelectiveMetagraph in SelectiveMetagraphIndex order, in
 * scale.h's grammar; Metagraph is the first 72 without the options. */
/* Block numbers and epoch indexes above this are refused: the epoch
 * arithmetic stays far from overflow (the chain is at 2^23). */
#define CHAIN_NUMBER_MAX ((uint64_t)1 << 62)

#define SUBNET_IDENTITY "(V1V1V1V1V1V1V1V1)"
#define CHAIN_IDENTITY "(V1V1V1V1V1V1V1)"
#define AXON "(84g21111)"
enum {
	F_NETUID = 0, F_BLOCK = 7, F_TEMPO = 8, F_LAST_STEP = 9, F_HOTKEYS = 52, F_ACTIVE = 56,
	F_PERMIT = 57, F_TOTAL_STAKE = 69, F_METAGRAPH_FIELDS = 72, F_SELECTIVE_FIELDS = 74
};
static const char *const field_types[F_SELECTIVE_FIELDS] = {
	"s", "Vc", "Vc", "O" SUBNET_IDENTITY, "l", "A", "A",           /* netuid .. owner_coldkey */
	"l", "s", "l", "l",                                            /* block .. blocks_since_last_step */
	"l", "l", "l", "l", "l", "l", "l", "l", "l", "x", "g",         /* subnet_emission .. moving_price */
	"s", "s", "s", "s", "l", "l", "l", "s",                        /* rho .. max_validators */
	"s", "s", "l", "l", "b", "b", "s", "l", "l", "l", "l", "l",    /* num_uids .. adjustment_alpha */
	"s", "s", "s", "l", "b", "l", "b", "s", "s", "l",              /* .. bonds_moving_avg */
	"VA", "VA", "VO" CHAIN_IDENTITY, "V" AXON, "Vb", "Vb",         /* hotkeys .. validator_permit */
	"Vs", "Vl", "Vl", "Vs", "Vs", "Vs", "Vs", "Vs", "Vl", "Vl", "Vl", "Vl", /* .. total_stake */
	"V(Al)", "V(Al)", "Vs", "V(AVc)",                              /* dividends .. commitments */
};
/* The fields leadgate reads, asked of get_selective_mechagraph. */
static const uint16_t wanted_fields[] = {F_NETUID, F_BLOCK, F_TEMPO, F_LAST_STEP,
                                         F_HOTKEYS, F_ACTIVE, F_PERMIT, F_TOTAL_STAKE};

size_t ls_chain_call_args(uint16_t netuid, bool selective, uint8_t out[LS_CHAIN_ARGS_MAX])
{
	size_t n = 0, k = sizeof wanted_fields / sizeof wanted_fields[0];
	out[n++] = (uint8_t)netuid;
	out[n++] = (uint8_t)(netuid >> 8);
	if (!selective)
		return n;
	out[n++] = 0;                 /* the subnet's main mechanism */
	out[n++] = (uint8_t)(k << 2); /* compact vector length, below 64 */
	for (size_t i = 0; i < k; i++) {
		out[n++] = (uint8_t)wanted_fields[i];
		out[n++] = (uint8_t)(wanted_fields[i] >> 8);
	}
	return n;
}

static const struct {
	const char *pallet, *name;
	bool per_subnet;
} storage_items[LS_CHAIN_ITEMS] = {
	[LS_CHAIN_TIMESTAMP] = {"Timestamp", "Now", false},
	[LS_CHAIN_TEMPO] = {"SubtensorModule", "Tempo", true},
	[LS_CHAIN_LAST_EPOCH_BLOCK] = {"SubtensorModule", "LastEpochBlock", true},
	[LS_CHAIN_PENDING_EPOCH_AT] = {"SubtensorModule", "PendingEpochAt", true},
	[LS_CHAIN_EPOCH_INDEX] = {"SubtensorModule", "SubnetEpochIndex", true},
};

/* twox128: xxHash64 with seeds 0 and 1, each little-endian. */
static void twox128(const char *s, uint8_t out[16])
{
	for (unsigned seed = 0; seed < 2; seed++) {
		XXH64_hash_t h = XXH64(s, strlen(s), seed);
		for (unsigned i = 0; i < 8; i++)
			out[seed * 8 + i] = (uint8_t)(h >> (8 * i));
	}
}

size_t ls_chain_storage_key(enum ls_chain_item item, uint16_t netuid,
                            uint8_t key[LS_CHAIN_KEY_MAX])
{
	twox128(storage_items[item].pallet, key);
	twox128(storage_items[item].name, key + 16);
	if (!storage_items[item].per_subnet)
		return 32;
	key[32] = (uint8_t)netuid;  /* the Identity hasher: the key as it is */
	key[33] = (uint8_t)(netuid >> 8);
	return 34;
}

const char *ls_chain_item_name(enum ls_chain_item item)
{
	return storage_items[item].name;
}

/* What the metagraph answer gives: vectors stay in the answer's bytes. */
struct chain_metagraph {
	uint16_t netuid, tempo;
	uint64_t block, last_step;
	bool seen[F_SELECTIVE_FIELDS];
	size_t n;                       /* hotkeys */
	const uint8_t *hotkeys;         /* n × 32 */
	size_t n_active, n_permit, n_stake;
	const uint8_t *active, *permit; /* bytes 0 or 1 */
	uint64_t *stake;
};

/* A Vec<bool> in place: its count and bytes, each checked 0 or 1. */
static const uint8_t *bools_read(struct scale *s, size_t *n)
{
	*n = scale_count(s);
	const uint8_t *p = scale_take(s, *n);
	for (size_t i = 0; p && i < *n; i++)
		if (p[i] > 1)
			return scale_reject(s, "a boolean is neither 0 nor 1"), NULL;
	return p;
}

static void field_read(struct scale *s, unsigned f, struct chain_metagraph *m)
{
	switch (f) {
	case F_NETUID: m->netuid = (uint16_t)scale_compact(s, 16); break;
	case F_BLOCK: m->block = scale_compact(s, 64); break;
	case F_TEMPO: m->tempo = (uint16_t)scale_compact(s, 16); break;
	case F_LAST_STEP: m->last_step = scale_compact(s, 64); break;
	case F_HOTKEYS:
		m->n = scale_count(s);
		m->hotkeys = scale_take(s, m->n * 32);
		break;
	case F_ACTIVE: m->active = bools_read(s, &m->n_active); break;
	case F_PERMIT: m->permit = bools_read(s, &m->n_permit); break;
	case F_TOTAL_STAKE:
		m->n_stake = scale_count(s);
		free(m->stake);
		m->stake = calloc(m->n_stake ? m->n_stake : 1, sizeof *m->stake);
		for (size_t i = 0; m->stake && i < m->n_stake; i++)
			m->stake[i] = scale_compact(s, 64);
		if (m->stake == NULL)
			scale_reject(s, "out of memory");
		break;
	default: scale_skip(s, field_types[f]);
	}
	m->seen[f] = true;
}

static ls_status metagraph_decode(const struct ls_bytes *b, bool selective,
                                  struct chain_metagraph *m, ls_err *err)
{
	struct scale s;
	unsigned fields = selective ? F_SELECTIVE_FIELDS : F_METAGRAPH_FIELDS;
	scale_init(&s, b->data, b->len);
	if (!scale_some(&s) && !s.bad)
		return ls_fail(err, LS_NOTFOUND, "no_subnet", NULL,
		               "the node knows no such subnet (the metagraph answer is None)");
	for (unsigned f = 0; f < fields && !s.bad; f++)
		if (!selective || f == F_NETUID || scale_some(&s))
			field_read(&s, f, m);
	if (!scale_done(&s))
		return ls_fail(err, LS_INVALID, "bad_scale", "metagraph",
		               "the metagraph answer is malformed at byte %zu: %s", s.pos, s.why);
	static const unsigned needed[] = {F_BLOCK, F_TEMPO, F_HOTKEYS, F_ACTIVE, F_PERMIT,
	                                  F_TOTAL_STAKE};
	for (size_t i = 0; i < sizeof needed / sizeof needed[0]; i++)
		if (!m->seen[needed[i]])
			return ls_fail(err, LS_INVALID, "bad_scale", "metagraph",
			               "the metagraph answer lacks field %u", needed[i]);
	if (m->n_active != m->n || m->n_permit != m->n || m->n_stake != m->n)
		return ls_fail(err, LS_INVALID, "bad_scale", "metagraph",
		               "the metagraph has %zu hotkeys but %zu active flags, %zu permits and "
		               "%zu stakes", m->n, m->n_active, m->n_permit, m->n_stake);
	return LS_OK;
}

/* NeuronInfoLite from its uid to its validator_trust: the rest skipped. */
#define LITE_AFTER_UID "sb" AXON "(84g21)V(Al)slsss"
#define LITE_AFTER_TRUST "slbs"

static ls_status neurons_decode(const struct ls_bytes *b, const struct chain_metagraph *m,
                                struct ls_neuron *out, ls_err *err)
{
	struct scale s;
	scale_init(&s, b->data, b->len);
	size_t n = scale_count(&s), bad_uid = SIZE_MAX;
	uint8_t *seen = calloc(m->n ? m->n : 1, 1);
	if (seen == NULL)
		return ls_fail(err, LS_ERROR, "oom", NULL, "out of memory");
	for (size_t i = 0; i < n && !s.bad && bad_uid == SIZE_MAX; i++) {
		const uint8_t *hotkey = scale_take(&s, 32);
		scale_skip(&s, "A");
		uint64_t uid = scale_compact(&s, 16);
		scale_skip(&s, "(" LITE_AFTER_UID ")");
		uint16_t trust = (uint16_t)scale_compact(&s, 16);
		scale_skip(&s, "(" LITE_AFTER_TRUST ")");
		if (s.bad)
			break;
		if (uid >= m->n || seen[uid] || memcmp(hotkey, m->hotkeys + uid * 32, 32) != 0)
			bad_uid = (size_t)uid;
		else
			out[uid].validator_trust_u16 = trust;
		if (uid < m->n)
			seen[uid] = 1;
	}
	free(seen);
	if (!scale_done(&s))
		return ls_fail(err, LS_INVALID, "bad_scale", "neurons",
		               "the neurons answer is malformed at byte %zu: %s", s.pos, s.why);
	if (bad_uid != SIZE_MAX || n != m->n)
		return ls_fail(err, LS_INVALID, "bad_scale", "neurons",
		               "the neurons answer (%zu neurons) disagrees with the metagraph (%zu "
		               "hotkeys) at uid %zu", n, m->n, bad_uid == SIZE_MAX ? n : bad_uid);
	return LS_OK;
}

/* A storage value of exactly `bytes` bytes; false when absent. */
static ls_status storage_uint(const struct ls_chain_read *r, enum ls_chain_item item,
                              unsigned bytes, bool *present, uint64_t *v, ls_err *err)
{
	const struct ls_bytes *b = &r->storage[item];
	*present = b->data != NULL;
	*v = 0;
	if (!*present)
		return LS_OK;
	struct scale s;
	scale_init(&s, b->data, b->len);
	*v = scale_uint(&s, bytes);
	if (!scale_done(&s))
		return ls_fail(err, LS_INVALID, "bad_scale", ls_chain_item_name(item),
		               "storage %s holds %zu bytes, not %u", ls_chain_item_name(item), b->len,
		               bytes);
	return LS_OK;
}

ls_status ls_chain_schedule_read(const struct ls_chain_read *r, uint16_t metagraph_tempo,
                                 struct ls_chain_schedule *out, ls_err *err)
{
	bool has_tempo, has_last, has_pending, has_index;
	uint64_t tempo, last, pending, index;
	if (r->block >= CHAIN_NUMBER_MAX)
		return ls_fail(err, LS_INVALID, "bad_block", "block", "block %llu is out of bounds",
		               (unsigned long long)r->block);
	ls_status s = storage_uint(r, LS_CHAIN_TEMPO, 2, &has_tempo, &tempo, err);
	if (s == LS_OK)
		s = storage_uint(r, LS_CHAIN_LAST_EPOCH_BLOCK, 8, &has_last, &last, err);
	if (s == LS_OK)
		s = storage_uint(r, LS_CHAIN_PENDING_EPOCH_AT, 8, &has_pending, &pending, err);
	if (s == LS_OK)
		s = storage_uint(r, LS_CHAIN_EPOCH_INDEX, 8, &has_index, &index, err);
	if (s != LS_OK)
		return s;
	if (!has_tempo)  /* the default value is not stored: the metagraph says it */
		tempo = metagraph_tempo;
	if (tempo == 0)
		return ls_fail(err, LS_INVALID, "no_epochs", "Tempo",
		               "the subnet's tempo is 0: it runs no epochs");
	if (has_last && (last > r->block || index >= CHAIN_NUMBER_MAX))
		return ls_fail(err, LS_INVALID, "bad_schedule", "LastEpochBlock",
		               "LastEpochBlock %llu is after the block %llu, or SubnetEpochIndex %llu "
		               "is out of bounds", (unsigned long long)last,
		               (unsigned long long)r->block, (unsigned long long)index);
	if (!has_pending || pending <= last)  /* cleared once its epoch ran */
		pending = 0;
	ls_chain_schedule(r->block, r->netuid, (uint16_t)tempo, has_last ? &last : NULL, pending,
	                  index, out);
	return LS_OK;
}

/* subtensor's dynamic tempo: the epoch began at LastEpochBlock, the next
 * at min(LastEpochBlock + Tempo, PendingEpochAt when set), counted by
 * SubnetEpochIndex.  Without LastEpochBlock, the legacy grid: an epoch
 * runs where tempo - ((block + netuid + 1) % (tempo + 1)) is 0. */
void ls_chain_schedule(uint64_t block, uint16_t netuid, uint16_t tempo, const uint64_t *last,
                       uint64_t pending, uint64_t index, struct ls_chain_schedule *out)
{
	out->tempo = tempo;
	out->period = last ? tempo : (uint32_t)tempo + 1;
	out->dynamic = last != NULL;
	if (last) {
		out->epoch_index = index;
		out->epoch_start = *last;
		out->next_start = *last + tempo;
		if (pending > 0 && pending < out->next_start)
			out->next_start = pending;
		return;
	}
	uint64_t period = (uint64_t)tempo + 1, since = (block + netuid + 2) % period;
	out->next_start = block + (period - since);
	if (block < since) {  /* before the grid's first epoch */
		out->epoch_start = out->epoch_index = 0;
		return;
	}
	out->epoch_start = block - since;
	out->epoch_index = (out->epoch_start + netuid + 2) / period;
}

/* The neurons as leadgate keeps them, by uid. */
static ls_status neurons_build(const struct ls_chain_read *r, const struct chain_metagraph *m,
                               struct ls_snapshot *snap, ls_err *err)
{
	if (m->n > 65536)
		return ls_fail(err, LS_INVALID, "bad_scale", "hotkeys", "more than 65536 uids");
	snap->n = m->n;
	snap->neurons = calloc(m->n ? m->n : 1, sizeof *snap->neurons);
	if (snap->neurons == NULL)
		return ls_fail(err, LS_ERROR, "oom", NULL, "out of memory");
	for (size_t i = 0; i < m->n; i++) {
		struct ls_neuron *n = &snap->neurons[i];
		memcpy(n->hotkey, m->hotkeys + i * 32, 32);
		n->uid = (uint16_t)i;
		n->active = m->active[i];
		n->validator_permit = m->permit[i];
		if (m->stake[i] > LS_STAKE_RAO_MAX)
			return ls_fail(err, LS_INVALID, "bad_stake", "total_stake",
			               "uid %zu's stake %llu is above 10^18 rao", i,
			               (unsigned long long)m->stake[i]);
		n->stake_rao = m->stake[i];
	}
	ls_status s = neurons_decode(&r->neurons, m, snap->neurons, err);
	return s == LS_OK ? ls_snapshot_check(snap, err) : s;
}

static void read_hash(const struct ls_chain_read *r, uint8_t out[32])
{
	crypto_hash_sha256_state h;
	uint8_t head[2 + 8 + 4];
	memcpy(head, &r->netuid, 2);
	memcpy(head + 2, &r->block, 8);
	memcpy(head + 10, &r->spec_version, 4);
	crypto_hash_sha256_init(&h);
	crypto_hash_sha256_update(&h, (const uint8_t *)"leadgate chain read 1", 21);
	crypto_hash_sha256_update(&h, head, sizeof head);
	crypto_hash_sha256_update(&h, r->block_hash, 32);
	for (size_t i = 0; i < LS_CHAIN_ITEMS; i++) {
		uint8_t present = r->storage[i].data != NULL;
		crypto_hash_sha256_update(&h, &present, 1);
		if (present)
			crypto_hash_sha256_update(&h, r->storage[i].data, r->storage[i].len);
	}
	crypto_hash_sha256_update(&h, r->metagraph.data, r->metagraph.len);
	crypto_hash_sha256_update(&h, r->neurons.data, r->neurons.len);
	crypto_hash_sha256_final(&h, out);
}

static json_t *log_facts(const struct ls_chain_read *r, const struct ls_chain_schedule *e,
                         uint64_t time_ms)
{
	char hash[67] = "0x";
	ls_hex(r->block_hash, 32, hash + 2);
	return json_pack("{s:s, s:I, s:I, s:s, s:I, s:I, s:s, s:I, s:s, s:I, s:I, s:I}", "source",
	                 "rpc", "netuid", (json_int_t)r->netuid, "block", (json_int_t)r->block,
	                 "block_hash", hash, "spec_version",
	                 (json_int_t)r->spec_version, "block_time_ms", (json_int_t)time_ms,
	                 "metagraph_call", r->selective ? "get_selective_mechagraph" : "get_metagraph",
	                 "tempo", (json_int_t)e->tempo, "epoch_schedule",
	                 e->dynamic ? "dynamic" : "legacy", "epoch_index", (json_int_t)e->epoch_index,
	                 "epoch_start", (json_int_t)e->epoch_start, "next_epoch_start",
	                 (json_int_t)e->next_start);
}

/* Everything but the store: the answers decoded and checked together. */
static ls_status read_decode(const struct ls_chain_read *r, struct ls_snapshot *snap,
                             struct ls_chain_schedule *e, uint64_t *time_ms, ls_err *err)
{
	struct chain_metagraph m = {0};
	bool has_time;
	ls_status s = metagraph_decode(&r->metagraph, r->selective, &m, err);
	if (s == LS_OK && m.netuid != r->netuid)
		s = ls_fail(err, LS_INVALID, "bad_scale", "netuid",
		            "the node answered for subnet %u, not %u", m.netuid, r->netuid);
	if (s == LS_OK && m.block != r->block)
		s = ls_fail(err, LS_INVALID, "bad_scale", "block",
		            "the metagraph is of block %llu, not the finalized block %llu",
		            (unsigned long long)m.block, (unsigned long long)r->block);
	if (s == LS_OK)
		s = storage_uint(r, LS_CHAIN_TIMESTAMP, 8, &has_time, time_ms, err);
	if (s == LS_OK && (!has_time || *time_ms / 1000 == 0 || *time_ms / 1000 > INT64_MAX / 2))
		s = ls_fail(err, LS_INVALID, "no_block_time", "Timestamp.Now",
		            "the block has no usable time (Timestamp.Now)");
	if (s == LS_OK)
		s = ls_chain_schedule_read(r, m.tempo, e, err);
	if (s == LS_OK)
		s = neurons_build(r, &m, snap, err);
	free(m.stake);
	return s;
}

ls_status ls_chain_import(ls_store *st, const struct ls_chain_read *r, int64_t now,
                          struct ls_sync_report *report, ls_err *err)
{
	struct ls_snapshot snap = {0};
	struct ls_chain_schedule e;
	uint64_t time_ms = 0;
	memset(report, 0, sizeof *report);
	ls_status s = read_decode(r, &snap, &e, &time_ms, err);
	if (s == LS_OK) {
		snap.block = r->block;
		snap.block_time = (int64_t)(time_ms / 1000);
		snap.refuse_stale = true;
		snap.schedule = &e;
		read_hash(r, snap.hash);
		snap.log_extra = log_facts(r, &e, time_ms);
		s = snap.log_extra ? ls_snapshot_import(st, &snap, now, report, err)
		                   : ls_fail(err, LS_ERROR, "oom", NULL, "out of memory");
	}
	json_decref(snap.log_extra);
	free(snap.neurons);
	return s;
}
