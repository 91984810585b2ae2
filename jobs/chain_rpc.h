/* chain_rpc.h — leadgate-sync --rpc's transport: a substrate node's
 * JSON-RPC over HTTP, read at one finalized block (SPEC §10). */
#ifndef LEADGATE_CHAIN_RPC_H
#define LEADGATE_CHAIN_RPC_H

#include "leadstore.h"

/* The answers, with the buffers they live in. */
struct chain_answers {
	struct ls_chain_read read;
	uint8_t *owned[LS_CHAIN_ITEMS + 2];
};

/* Read every answer for netuid from the node at url; false with why (an
 * unreachable node, an HTTP or JSON-RPC error, an answer that is not hex). */
bool chain_rpc_read(const char *url, uint16_t netuid, struct chain_answers *out,
                    char why[512]);
void chain_answers_free(struct chain_answers *a);

#endif
