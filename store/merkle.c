/*
 * merkle.c — the Merkle tree over a bundle's log entries (SPEC §7).
 *
 * The tree is RFC 9162's (§2.1, the same as RFC 6962's), so that any
 * Certificate Transparency library checks our proofs: leaves are hashed as
 * SHA-256(0x00 ‖ data) and nodes as SHA-256(0x01 ‖ left ‖ right), which
 * keeps a leaf from passing for a node; a tree of n > 1 leaves splits at
 * the largest power of two below n, so an odd node moves up unpaired
 * instead of being hashed with a copy of itself (no two leaf lists share
 * a root).  A bundle's leaves are its entries' 32-byte log hashes.
 */
#include <string.h>
#include <sodium.h>
#include "internal.h"

void ls_merkle_leaf(const uint8_t *data, size_t len, uint8_t out[32])
{
	static const uint8_t prefix = 0x00;
	crypto_hash_sha256_state h;
	crypto_hash_sha256_init(&h);
	crypto_hash_sha256_update(&h, &prefix, 1);
	crypto_hash_sha256_update(&h, data, len);
	crypto_hash_sha256_final(&h, out);
}

void ls_merkle_node(const uint8_t left[32], const uint8_t right[32], uint8_t out[32])
{
	static const uint8_t prefix = 0x01;
	crypto_hash_sha256_state h;
	crypto_hash_sha256_init(&h);
	crypto_hash_sha256_update(&h, &prefix, 1);
	crypto_hash_sha256_update(&h, left, 32);
	crypto_hash_sha256_update(&h, right, 32);
	crypto_hash_sha256_final(&h, out);
}

/* The largest power of two below n (n > 1). */
static uint64_t split_of(uint64_t n)
{
	uint64_t k = 1;
	while (k < n - k)
		k <<= 1;
	return k;
}

void ls_merkle_root(const uint8_t (*leaves)[32], uint64_t n, uint8_t out[32])
{
	if (n == 0) {
		crypto_hash_sha256(out, NULL, 0);
		return;
	}
	if (n == 1) {
		memcpy(out, leaves[0], 32);
		return;
	}
	uint8_t left[32], right[32];
	uint64_t k = split_of(n);
	ls_merkle_root(leaves, k, left);
	ls_merkle_root(leaves + k, n - k, right);
	ls_merkle_node(left, right, out);
}

unsigned ls_merkle_path(const uint8_t (*leaves)[32], uint64_t n, uint64_t index,
                        uint8_t path[LS_MERKLE_PATH_MAX][32])
{
	if (n <= 1 || index >= n)
		return 0;
	uint64_t k = split_of(n);
	unsigned len;
	if (index < k) {
		len = ls_merkle_path(leaves, k, index, path);
		ls_merkle_root(leaves + k, n - k, path[len]);
	} else {
		len = ls_merkle_path(leaves + k, n - k, index - k, path);
		ls_merkle_root(leaves, k, path[len]);
	}
	return len + 1;
}

bool ls_merkle_verify(const uint8_t leaf[32], uint64_t index, uint64_t n,
                      const uint8_t (*path)[32], unsigned len, const uint8_t root[32])
{
	uint8_t r[32];
	uint64_t fn = index, sn = n - 1;
	if (n == 0 || index >= n)
		return false;
	memcpy(r, leaf, 32);
	for (unsigned i = 0; i < len; i++) {
		if (sn == 0)
			return false;
		if ((fn & 1) || fn == sn) {
			ls_merkle_node(path[i], r, r);
			while (!(fn & 1) && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			ls_merkle_node(r, path[i], r);
		}
		fn >>= 1;
		sn >>= 1;
	}
	return sn == 0 && sodium_memcmp(r, root, 32) == 0;
}
