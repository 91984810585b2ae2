/* unit_merkle — the bundle's Merkle tree (store/merkle.c) against the RFC
 * 6962 test vectors that transparency-dev/merkle publishes
 * (testonly/constants.go: LeafInputs, RootHashes and the inclusion proofs
 * of leaves 0 and 5 of 8), then every leaf's path in every tree size up
 * to 70, and the paths that must fail. */
#include <sodium.h>
#include "leadstore.h"
#include "tap.h"

static const char *const leaf_inputs[8] = {
	"", "00", "10", "2021", "3031", "40414243", "5051525354555657",
	"606162636465666768696a6b6c6d6e6f"};
static const char *const roots[9] = {
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
	"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
	"aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
	"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	"4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
	"76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
	"ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
	"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"};
static const struct {
	uint64_t index;
	const char *path[3];
} proofs8[] = {
	{0, {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
	     "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
	     "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
	{5, {"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
	     "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
	     "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}}};

static void hex(const uint8_t *b, char out[65]) { ls_hex(b, 32, out); }

static void vectors(uint8_t leaves[8][32])
{
	char h[65];
	uint8_t root[32], path[LS_MERKLE_PATH_MAX][32];
	for (int i = 0; i < 8; i++) {
		uint8_t in[16];
		size_t n = strlen(leaf_inputs[i]) / 2;
		if (ls_unhex(leaf_inputs[i], in, n) != LS_OK)
			tap_bail("leaf input");
		ls_merkle_leaf(in, n, leaves[i]);
	}
	for (int n = 0; n <= 8; n++) {
		ls_merkle_root((const uint8_t(*)[32])leaves, (uint64_t)n, root);
		hex(root, h);
		is_str(h, roots[n], "RFC 6962 root of the first %d reference leaves", n);
	}
	for (size_t p = 0; p < sizeof proofs8 / sizeof proofs8[0]; p++) {
		unsigned len = ls_merkle_path((const uint8_t(*)[32])leaves, 8, proofs8[p].index, path);
		int same = len == 3;
		for (unsigned i = 0; same && i < 3; i++) {
			hex(path[i], h);
			same = strcmp(h, proofs8[p].path[i]) == 0;
		}
		ok(same, "the inclusion path of leaf %llu of 8 is the published one",
		   (unsigned long long)proofs8[p].index);
		uint8_t want_root[32];
		if (ls_unhex(roots[8], want_root, 32) != LS_OK)
			tap_bail("root");
		ok(ls_merkle_verify(leaves[proofs8[p].index], proofs8[p].index, 8,
		                    (const uint8_t(*)[32])path, len, want_root),
		   "and it verifies against the published root (RFC 9162 §2.1.3.2)");
	}
}

/* Every leaf of every size up to max: its path verifies; the wrong index,
 * the wrong size, a changed leaf, a changed or shortened path do not. */
static void every_shape(unsigned max)
{
	uint8_t (*leaves)[32] = malloc(max * sizeof *leaves), root[32], other[32];
	uint8_t path[LS_MERKLE_PATH_MAX][32];
	unsigned good = 0, bad_accepted = 0, total = 0;
	for (unsigned i = 0; i < max; i++) {
		uint8_t in[2] = {(uint8_t)i, (uint8_t)(i * 7)};
		ls_merkle_leaf(in, 2, leaves[i]);
	}
	for (uint64_t n = 1; n <= max; n++) {
		ls_merkle_root((const uint8_t(*)[32])leaves, n, root);
		for (uint64_t i = 0; i < n; i++, total++) {
			unsigned len = ls_merkle_path((const uint8_t(*)[32])leaves, n, i, path);
			const uint8_t(*p)[32] = (const uint8_t(*)[32])path;
			good += ls_merkle_verify(leaves[i], i, n, p, len, root);
			bad_accepted += n > 1 && ls_merkle_verify(leaves[i], i ^ 1, n, p, len, root) &&
			                (i ^ 1) < n;
			/* a size of another shape (the root commits to the leaves; the
			 * size only shapes the walk, so sizes of the same shape agree) */
			bad_accepted += ls_merkle_verify(leaves[i], i, 2 * n + 1, p, len, root);
			bad_accepted += n > 1 && ls_merkle_verify(leaves[(i + 1) % n], i, n, p, len, root);
			if (len > 0) {
				memcpy(other, path[len - 1], 32);
				path[len - 1][0] ^= 1;
				bad_accepted += ls_merkle_verify(leaves[i], i, n, p, len, root);
				memcpy(path[len - 1], other, 32);
				bad_accepted += ls_merkle_verify(leaves[i], i, n, p, len - 1, root);
			}
		}
	}
	ok(good == total, "every leaf's path verifies in every tree of 1..%u leaves (%u paths)", max,
	   total);
	ok(bad_accepted == 0, "no wrong index, size of another shape, other leaf, flipped or shortened path "
	   "verifies (%u accepted)", bad_accepted);
	uint8_t one[32];
	ls_merkle_root((const uint8_t(*)[32])leaves, 1, one);
	ok(memcmp(one, leaves[0], 32) == 0 && ls_merkle_path((const uint8_t(*)[32])leaves, 1, 0, path) == 0 &&
	   ls_merkle_verify(leaves[0], 0, 1, NULL, 0, one) && !ls_merkle_verify(leaves[0], 1, 1, NULL, 0, one) &&
	   !ls_merkle_verify(leaves[0], 0, 0, NULL, 0, one),
	   "one leaf: the root is the leaf hash, the path is empty; index 1 of 1 and size 0 fail");
	free(leaves);
}

int main(void)
{
	uint8_t leaves[8][32];
	if (sodium_init() < 0)
		tap_bail("sodium_init");
	vectors(leaves);
	every_shape(70);
	return tap_done();
}
