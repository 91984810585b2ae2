/* arweave-tool — store/arweave.c's output for tests/arweave.test, where
 * arweave-js (the reference client) checks it:
 *   arweave-tool chunks FILE
 *       {"size":N,"data_root":B64,"chunks":[{"start","end","data_path"}]}
 *   arweave-tool tx WALLET FILE ANCHOR_B64 REWARD
 *       the signed format-2 transaction as POST /tx takes it, data inline */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "leadstore.h"

static uint8_t *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	if (f && fseek(f, 0, SEEK_END) == 0) {
		long n = ftell(f);
		rewind(f);
		buf = malloc(n > 0 ? (size_t)n : 1);
		*len = buf && n >= 0 ? fread(buf, 1, (size_t)n, f) : 0;
	}
	if (f)
		fclose(f);
	return buf;
}

static int chunks(const uint8_t *data, size_t len)
{
	ls_arweave_chunks *c;
	ls_err err = {0};
	static uint8_t proof[LS_ARWEAVE_PROOF_MAX];
	char b64[LS_ARWEAVE_PROOF_MAX * 2];
	if (ls_arweave_chunks_build(data, len, &c, &err) != LS_OK)
		return fprintf(stderr, "arweave-tool: %s\n", err.detail), 1;
	ls_b64url(ls_arweave_data_root(c), 32, b64, sizeof b64);
	printf("{\"size\":%zu,\"data_root\":\"%s\",\"chunks\":[", len, b64);
	for (uint64_t i = 0; i < ls_arweave_chunk_count(c); i++) {
		uint64_t start, end;
		size_t n = ls_arweave_chunk_proof(c, i, proof, &start, &end);
		ls_b64url(proof, n, b64, sizeof b64);
		printf("%s{\"start\":%llu,\"end\":%llu,\"data_path\":\"%s\"}", i ? "," : "",
		       (unsigned long long)start, (unsigned long long)end, b64);
	}
	printf("]}\n");
	ls_arweave_chunks_free(c);
	return 0;
}

static int tx(const char *wallet, const uint8_t *data, size_t len, const char *anchor,
              const char *reward)
{
	ls_arweave_wallet *w;
	ls_arweave_chunks *c;
	ls_err err = {0};
	const struct ls_ans104_tag tags[] = {{"Bundle-Format", "binary", 13, 6},
	                                     {"App-Name", "leadgate", 8, 8}};
	struct ls_arweave_tx t = {.tags = tags, .tag_count = 2, .data_size = len};
	snprintf(t.reward, sizeof t.reward, "%s", reward);
	if (sodium_base642bin(t.anchor, sizeof t.anchor, anchor, strlen(anchor), NULL, &t.anchor_len,
	                      NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
		return fprintf(stderr, "arweave-tool: bad anchor\n"), 1;
	if (ls_arweave_wallet_load(wallet, &w, &err) != LS_OK ||
	    ls_arweave_chunks_build(data, len, &c, &err) != LS_OK)
		return fprintf(stderr, "arweave-tool: %s\n", err.detail), 1;
	memcpy(t.data_root, ls_arweave_data_root(c), 32);
	ls_arweave_chunks_free(c);
	if (ls_arweave_tx_sign(w, &t, &err) != LS_OK)
		return fprintf(stderr, "arweave-tool: %s\n", err.detail), 1;
	json_t *j = ls_arweave_tx_json(&t, data);
	char *text = json_dumps(j, JSON_COMPACT);
	printf("%s\n", text);
	free(text);
	json_decref(j);
	ls_arweave_wallet_free(w);
	return 0;
}

int main(int argc, char **argv)
{
	size_t len = 0;
	bool is_chunks = argc == 3 && strcmp(argv[1], "chunks") == 0;
	bool is_tx = argc == 6 && strcmp(argv[1], "tx") == 0;
	if (sodium_init() < 0 || !(is_chunks || is_tx))
		return fprintf(stderr, "usage: arweave-tool chunks FILE | tx WALLET FILE ANCHOR REWARD\n"), 2;
	const char *file = is_chunks ? argv[2] : argv[3];
	uint8_t *data = read_all(file, &len);
	if (data == NULL)
		return fprintf(stderr, "arweave-tool: cannot read %s\n", file), 1;
	int rc = is_chunks ? chunks(data, len) : tx(argv[2], data, len, argv[4], argv[5]);
	free(data);
	return rc;
}
