/* tally.h — the consensus rules of SPEC §6 as plain computation over an
 * epoch's leads and revealed votes, with no store access: consensus.c
 * fills a tally from one read transaction and writes its outcome. */
#ifndef LEADSTORE_TALLY_H
#define LEADSTORE_TALLY_H

#include "internal.h"

#define TALLY_REQUEUE 3  /* a decision besides LS_VOTE_APPROVE and _DENY */

struct tally_lead {
	uint8_t id[16];
	struct lead_rec rec;
	/* exact sums over the reveals that count: Σ w, Σ w of approvals,
	 * Σ w × score_e4 (below 2^106 for 65536 validators) */
	ls_weight revealing, approving, score_sum;
	uint32_t reveals, eligible_support;
	int decision;
	uint16_t score_e4;
	char reason[32];
};

struct tally_validator {
	uint8_t hotkey[32];
	uint16_t uid;
	bool known, revealed, eligible;
	bool counts;                /* epoch mode: weight > 0 in the snapshot of the
	                             * epoch's start; first3: always */
	ls_weight weight;           /* stake_rao × validator_trust_u16 */
	uint32_t voted, agreed;     /* on decided leads */
	uint32_t pulls_expired;     /* first3: pulls left unvoted past pull_timeout */
	const uint8_t *items;       /* stored reveal items, borrowed */
	uint32_t n;
};

/* A miner's weight in the newest closed epoch before this one. */
struct tally_prev {
	uint8_t hotkey[32];
	uint32_t u16;
};

struct tally {
	uint64_t epoch, metagraph_block;
	uint64_t close_block;              /* the first block it could close at */
	const struct ls_config *cfg;
	struct tally_prev *prev;           /* the fallback of SPEC §6 (new) */
	size_t nprev;
	struct tally_lead *leads;          /* sorted by lead id */
	size_t nleads, cap_leads;
	struct tally_validator *validators; /* sorted by hotkey */
	size_t nvalidators, cap_validators;
};

void tally_init(struct tally *t, uint64_t epoch, const struct ls_config *cfg);
void tally_free(struct tally *t);
/* Append a zeroed entry (callers add in key order); NULL when out of
 * memory. */
struct tally_lead *tally_add_lead(struct tally *t);
struct tally_validator *tally_add_validator(struct tally *t);

/* Decide every lead, then each validator's agreement and eligibility,
 * then each lead's support by eligible validators. */
void tally_decide(struct tally *t);
/* Only the second part, for leads decided already (the first3 mode). */
void tally_judge(struct tally *t);

/* The first3 mode's decisions of t->epoch as a tally (queue.c): its
 * decided leads, and each voter as a validator whose items are its votes
 * (*votes new, the items point into it: free after the tally). */
ls_status first3_tally(ls_store *st, MDB_txn *txn, struct tally *t,
                       const struct ls_metagraph *mg, uint8_t **votes);

/* The signed results and weights bodies (new strings) and the WEIGHTS log
 * payload (new reference).  mg, the metagraph in force at close, gives
 * miners their uids: a miner no longer registered gets nothing. */
ls_status tally_bodies(const struct tally *t, const struct ls_metagraph *mg, const uint8_t sk[64],
                       char **results, size_t *results_len, char **weights,
                       size_t *weights_len, json_t **weights_log);

void tally_count(const struct tally *t, size_t *approved, size_t *denied, size_t *requeued);

/* What closing the epoch says of each hotkey in it (participants.c keeps
 * it): validators' agreement, eligibility and a missed reveal; miners'
 * decisions and weight.  *out is new. */
struct tally_participant {
	uint8_t hotkey[32];
	uint32_t judged, agreed;       /* validators */
	bool eligible, missed_reveal;
	uint32_t approved, denied;     /* miners */
	uint32_t weight_u16;
};
size_t tally_participants(const struct tally *t, const struct ls_metagraph *mg,
                          struct tally_participant **out);

/* participants.c: one epoch's statistics of a hotkey, closed; the
 * decisions added too when add_decisions (the epoch mode's, made at
 * close). */
ls_status lt_participant_close(struct ls_txn *t, uint64_t epoch, const struct tally_participant *p,
                               bool add_decisions);

/* Largest-remainder rounding of counts to integers summing to total
 * (ties to the lower index); all zero when the counts are. */
void tally_apportion(const uint64_t *counts, size_t n, uint32_t total, uint32_t *out);

#endif
