/*
 * proof.c — look a log entry up by its hash and prove it is in its bundle
 * (SPEC §7).
 *
 * A proof is self-contained JSON: the entry's canonical bytes (its hash is
 * sha256(prev ‖ those bytes), and prev is inside them), its place among
 * the bundle's entries, the RFC 9162 path from its leaf to the bundle's
 * Merkle root (merkle.c), and the entry that recorded that root in the
 * log (BUNDLE_WRITTEN, or BUNDLE_ROOT for bundles written before schema 9),
 * itself checkable by its own hash.  Paths are computed on request from
 * the bundle's entry hashes, one cursor range in the log.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>
#include "internal.h"

static ls_status bad_hash(ls_err *err)
{
	return ls_fail(err, LS_INVALID, "bad_hash", "hash",
	               "an entry hash is 64 hex digits (the \"hash\" of GET /v1/log)");
}

/* The entry whose hash is hash_hex: its seq. */
static ls_status find_entry(ls_reader *rd, const char *hash_hex, uint8_t hash[32], uint64_t *seq,
                            ls_err *err)
{
	if (ls_unhex(hash_hex, hash, 32) != LS_OK)
		return bad_hash(err);
	ls_status s = ls_log_seq_of(rd, hash, seq);
	if (s == LS_NOTFOUND)
		return ls_fail(err, LS_NOTFOUND, "no_entry", NULL, "no log entry has hash %.64s",
		               hash_hex);
	if (s != LS_OK)
		return ls_fail(err, LS_ERROR, "store_error", NULL, "the log index could not be read");
	return LS_OK;
}

/* {"seq":N,"hash":"..","entry":{..}} of entry seq, into out; left open
 * for more members unless close. */
static ls_status entry_object(ls_reader *rd, uint64_t seq, bool close, FILE *out, ls_err *err)
{
	const uint8_t *hash;
	const char *json;
	size_t len;
	char hex[65];
	if (ls_log_entry_at(rd, seq, &hash, &json, &len) != LS_OK)
		return ls_fail(err, LS_ERROR, "log_gap", NULL, "log entry %llu is missing or malformed",
		               (unsigned long long)seq);
	ls_hex(hash, 32, hex);
	fprintf(out, "{\"seq\":%llu,\"hash\":\"%s\",\"entry\":", (unsigned long long)seq, hex);
	fwrite(json, 1, len, out);
	if (close)
		fputc('}', out);
	return LS_OK;
}

static void b64url(const uint8_t id[32], char out[64])
{
	sodium_bin2base64(out, 64, id, 32, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/* The body, finished: the stream closed, *body freed on failure. */
static ls_status body_end(FILE *out, char **body, ls_status s)
{
	fclose(out);
	if (s != LS_OK) {
		free(*body);
		*body = NULL;
	}
	return s;
}

ls_status ls_log_entry_json(ls_reader *rd, const char *hash_hex, char **body, size_t *len,
                            ls_err *err)
{
	uint8_t hash[32];
	uint64_t seq;
	struct ls_bundle_info b;
	ls_err ignored = {0};
	ls_status s = find_entry(rd, hash_hex, hash, &seq, err);
	if (s != LS_OK)
		return s;
	FILE *out = open_memstream(body, len);
	if (out == NULL)
		return ls_fail(err, LS_ERROR, "oom", NULL, "out of memory");
	s = entry_object(rd, seq, false, out, err);
	if (s == LS_OK && ls_bundle_holding(rd, seq, &b, &ignored) == LS_OK && b.root_seq) {
		char id[64], hex[65];
		b64url(b.id, id);
		ls_hex(hash, 32, hex);
		fprintf(out, ",\"bundle\":{\"epoch\":%llu,\"id\":\"%s\",\"href\":\"/v1/log/bundles/%llu\"},"
		        "\"proof\":\"/v1/log/entries/%s/proof\"}", (unsigned long long)b.epoch, id,
		        (unsigned long long)b.epoch, hex);
	} else if (s == LS_OK) {
		fputs(",\"bundle\":null,\"proof\":null}", out);
	}
	return body_end(out, body, s);
}

/* The leaf hashes of the bundle's entries, from the log. */
static ls_status bundle_leaves(ls_reader *rd, const struct ls_bundle_info *b,
                               uint8_t (**leaves)[32], ls_err *err)
{
	MDB_cursor *cur;
	uint8_t key[8];
	MDB_val k = {8, key}, v;
	uint64_t n = b->count, i = 0;
	if (n == 0 || b->last_seq - b->first_seq + 1 != n)
		return ls_fail(err, LS_ERROR, "store_error", NULL, "the bundle record is inconsistent");
	*leaves = malloc(n * sizeof **leaves);
	if (*leaves == NULL)
		return ls_fail(err, LS_ERROR, "oom", NULL, "out of memory");
	if (mdb_cursor_open(rd->txn, rd->st->dbi[DB_LOG], &cur) != 0)
		return ls_fail(err, LS_ERROR, "store_error", NULL, "the log could not be read");
	ls_be64(b->first_seq, key);
	for (int rc = mdb_cursor_get(cur, &k, &v, MDB_SET_KEY); rc == 0 && i < n;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT), i++) {
		if (k.mv_size != 8 || ls_from_be64(k.mv_data) != b->first_seq + i || v.mv_size < 33)
			break;
		ls_merkle_leaf((uint8_t *)v.mv_data + 1, 32, (*leaves)[i]);
	}
	mdb_cursor_close(cur);
	if (i != n)
		return ls_fail(err, LS_ERROR, "log_gap", NULL, "log entry %llu is missing",
		               (unsigned long long)(b->first_seq + i));
	return LS_OK;
}

/* The id of data item index in the bundle file: its header pair (ANS-104:
 * 32 bytes of count, then 32 of size and 32 of id per item). */
static bool item_id(ls_reader *rd, const struct ls_bundle_info *b, uint64_t index,
                    uint8_t id[32])
{
	char path[LS_PATH_MAX + 64];
	ls_bundle_path(rd->st, b->epoch, path);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = pread(fd, id, 32, (off_t)(32 + 64 * index + 32));
	close(fd);
	return n == 32;
}

static void proof_members(ls_reader *rd, const struct ls_bundle_info *b, uint64_t index,
                          const uint8_t (*path)[32], unsigned path_len, FILE *out)
{
	char id[64], hex[65];
	uint8_t item[32];
	b64url(b->id, id);
	fprintf(out, ",\"bundle\":{\"epoch\":%llu,\"id\":\"%s\",\"first_seq\":%llu,\"last_seq\":%llu,"
	        "\"items\":%llu,\"href\":\"/v1/log/bundles/%llu\",\"arweave_id\":",
	        (unsigned long long)b->epoch, id, (unsigned long long)b->first_seq,
	        (unsigned long long)b->last_seq, (unsigned long long)b->count,
	        (unsigned long long)b->epoch);
	b64url(b->arweave_id, id);
	fprintf(out, b->mode != LS_ARWEAVE_NONE ? "\"%s\"" : "null", id);
	if (item_id(rd, b, index, item)) {
		b64url(item, id);
		fprintf(out, ",\"item_id\":\"%s\"}", id);
	} else {
		fputs(",\"item_id\":null}", out);
	}
	ls_hex(b->root, 32, hex);
	fprintf(out, ",\"tree\":\"%s\",\"leaf_index\":%llu,\"tree_size\":%llu,\"merkle_root\":\"%s\","
	        "\"path\":[", LS_MERKLE_TREE, (unsigned long long)index,
	        (unsigned long long)b->count, hex);
	for (unsigned i = 0; i < path_len; i++) {
		ls_hex(path[i], 32, hex);
		fprintf(out, "%s\"%s\"", i ? "," : "", hex);
	}
	fputs("],\"root_entry\":", out);
}

ls_status ls_log_proof_json(ls_reader *rd, const char *hash_hex, char **body, size_t *len,
                            ls_err *err)
{
	uint8_t hash[32], root[32], path[LS_MERKLE_PATH_MAX][32], (*leaves)[32] = NULL;
	uint64_t seq;
	struct ls_bundle_info b;
	ls_status s = find_entry(rd, hash_hex, hash, &seq, err);
	if (s == LS_OK)
		s = ls_bundle_holding(rd, seq, &b, err);
	if (s == LS_OK && b.root_seq == 0)
		s = ls_fail(err, LS_NOTFOUND, "not_bundled", NULL,
		            "the Merkle root of epoch %llu's bundle is not recorded yet: "
		            "leadgate-bundle records it", (unsigned long long)b.epoch);
	if (s == LS_OK)
		s = bundle_leaves(rd, &b, &leaves, err);
	if (s != LS_OK) {
		free(leaves);
		return s;
	}
	uint64_t index = seq - b.first_seq;
	ls_merkle_root((const uint8_t(*)[32])leaves, b.count, root);
	unsigned path_len = ls_merkle_path((const uint8_t(*)[32])leaves, b.count, index, path);
	free(leaves);
	if (memcmp(root, b.root, 32) != 0) {
		fprintf(stderr, "leadgate: epoch %llu: the log's entries no longer give the bundle's "
		        "recorded Merkle root\n", (unsigned long long)b.epoch);
		return ls_fail(err, LS_ERROR, "log_broken", NULL, "the proof could not be made");
	}
	FILE *out = open_memstream(body, len);
	if (out == NULL)
		return ls_fail(err, LS_ERROR, "oom", NULL, "out of memory");
	s = entry_object(rd, seq, false, out, err);
	if (s == LS_OK) {
		proof_members(rd, &b, index, (const uint8_t(*)[32])path, path_len, out);
		s = entry_object(rd, b.root_seq, true, out, err);
		fputc('}', out);
	}
	return body_end(out, body, s);
}

/* ---- checking a proof offline ------------------------------------------ */

#define BAD_PROOF(err, ...) ls_fail(err, LS_INVALID, "bad_proof", NULL, __VA_ARGS__)

/* {"seq","hash","entry"}: the hash recomputed from the entry's own bytes
 * (sha256(prev ‖ canonical entry)); *entry borrowed from obj. */
static ls_status check_entry(json_t *obj, const char *what, uint64_t *seq, uint8_t hash[32],
                             json_t **entry, ls_err *err)
{
	const char *hash_hex, *prev_hex;
	json_int_t js, es;
	uint8_t prev[32], computed[32];
	if (json_unpack(obj, "{s:I, s:s, s:o}", "seq", &js, "hash", &hash_hex, "entry", entry) != 0 ||
	    js < 1 || ls_unhex(hash_hex, hash, 32) != LS_OK)
		return BAD_PROOF(err, "%s: seq, hash and entry are missing or malformed", what);
	if (json_unpack(*entry, "{s:s, s:I}", "prev", &prev_hex, "seq", &es) != 0 || es != js ||
	    ls_unhex(prev_hex, prev, 32) != LS_OK)
		return BAD_PROOF(err, "%s: the entry's prev and seq are not the proof's", what);
	char *canon = ls_json_canonical(*entry);
	if (canon == NULL)
		return ls_fail(err, LS_ERROR, "oom", NULL, "out of memory");
	ls_log_entry_hash(prev, canon, strlen(canon), computed);
	free(canon);
	if (memcmp(computed, hash, 32) != 0)
		return BAD_PROOF(err, "%s: entry %lld does not hash to %.16s…: it was changed", what,
		                 (long long)js, hash_hex);
	*seq = (uint64_t)js;
	return LS_OK;
}

/* The root entry records root for the bundle first..last. */
static ls_status check_root_entry(json_t *entry, uint64_t first, uint64_t last,
                                  const uint8_t root[32], ls_err *err)
{
	const char *type, *root_hex, *tree;
	json_int_t f, l;
	uint8_t recorded[32];
	if (json_unpack(entry, "{s:s, s:{s:s, s:s, s:I, s:I}}", "type", &type, "payload",
	                "merkle_root", &root_hex, "merkle_tree", &tree, "first_seq", &f, "last_seq",
	                &l) != 0 ||
	    (strcmp(type, "BUNDLE_WRITTEN") != 0 && strcmp(type, "BUNDLE_ROOT") != 0))
		return BAD_PROOF(err, "the root entry is not a BUNDLE_WRITTEN or BUNDLE_ROOT entry");
	if (strcmp(tree, LS_MERKLE_TREE) != 0)
		return BAD_PROOF(err, "the root entry's tree is %s, not %s", tree, LS_MERKLE_TREE);
	if (f < 1 || l < f || (uint64_t)f != first || (uint64_t)l != last)
		return BAD_PROOF(err, "the root entry is for entries %lld..%lld, not the bundle's",
		                 (long long)f, (long long)l);
	if (ls_unhex(root_hex, recorded, 32) != LS_OK || memcmp(recorded, root, 32) != 0)
		return BAD_PROOF(err, "the root entry records another Merkle root");
	return LS_OK;
}

/* The path's hex strings, at most LS_MERKLE_PATH_MAX. */
static ls_status read_path(json_t *arr, uint8_t path[LS_MERKLE_PATH_MAX][32], unsigned *len,
                           ls_err *err)
{
	size_t i;
	json_t *h;
	if (!json_is_array(arr) || json_array_size(arr) > LS_MERKLE_PATH_MAX)
		return BAD_PROOF(err, "path is not a list of at most %d hashes", LS_MERKLE_PATH_MAX);
	json_array_foreach(arr, i, h) {
		if (!json_is_string(h) || ls_unhex(json_string_value(h), path[i], 32) != LS_OK)
			return BAD_PROOF(err, "path[%zu] is not 64 hex digits", i);
	}
	*len = (unsigned)json_array_size(arr);
	return LS_OK;
}

static ls_status check_proof(json_t *p, const uint8_t *root_pin, struct ls_proof_summary *out,
                             ls_err *err)
{
	json_t *entry, *root_entry, *path_json, *root_obj;
	json_int_t first, last, index, size, epoch;
	const char *root_hex, *tree, *type;
	uint8_t hash[32], root[32], leaf[32], root_hash[32], path[LS_MERKLE_PATH_MAX][32];
	unsigned path_len = 0;
	ls_status s = check_entry(p, "the entry", &out->seq, hash, &entry, err);
	if (s != LS_OK)
		return s;
	if (json_unpack(p, "{s:{s:I, s:I, s:I}, s:s, s:I, s:I, s:s, s:o, s:o}", "bundle", "epoch",
	                &epoch, "first_seq", &first, "last_seq", &last, "tree", &tree, "leaf_index",
	                &index, "tree_size", &size, "merkle_root", &root_hex, "path", &path_json,
	                "root_entry", &root_obj) != 0 ||
	    ls_unhex(root_hex, root, 32) != LS_OK || epoch < 0)
		return BAD_PROOF(err, "bundle, tree, leaf_index, tree_size, merkle_root, path or "
		                 "root_entry is missing or malformed");
	if (strcmp(tree, LS_MERKLE_TREE) != 0)
		return BAD_PROOF(err, "tree %s is not %s", tree, LS_MERKLE_TREE);
	if (first < 1 || last < first || (uint64_t)(last - first + 1) != (uint64_t)size ||
	    (uint64_t)index != out->seq - (uint64_t)first || out->seq > (uint64_t)last)
		return BAD_PROOF(err, "leaf_index and tree_size do not place seq %llu in entries "
		                 "%lld..%lld", (unsigned long long)out->seq, (long long)first,
		                 (long long)last);
	if ((s = read_path(path_json, path, &path_len, err)) != LS_OK)
		return s;
	ls_merkle_leaf(hash, 32, leaf);
	if (!ls_merkle_verify(leaf, (uint64_t)index, (uint64_t)size, (const uint8_t(*)[32])path,
	                      path_len, root))
		return BAD_PROOF(err, "the path does not lead from the entry to the Merkle root");
	if (root_pin && memcmp(root_pin, root, 32) != 0)
		return BAD_PROOF(err, "the Merkle root is not the one given with --root");
	if ((s = check_entry(root_obj, "the root entry", &out->root_seq, root_hash, &root_entry,
	                     err)) != LS_OK ||
	    (s = check_root_entry(root_entry, (uint64_t)first, (uint64_t)last, root, err)) != LS_OK)
		return s;
	if (out->root_seq <= (uint64_t)last)
		return BAD_PROOF(err, "the root entry comes before the bundle's last entry");
	if (json_unpack(entry, "{s:s}", "type", &type) == 0)
		snprintf(out->type, sizeof out->type, "%s", type);
	out->epoch = (uint64_t)epoch;
	out->leaf_index = (uint64_t)index;
	out->tree_size = (uint64_t)size;
	memcpy(out->root, root, 32);
	return LS_OK;
}

ls_status ls_proof_verify(const char *body, size_t len, const uint8_t *root_pin,
                          struct ls_proof_summary *out, ls_err *err)
{
	json_error_t je;
	memset(out, 0, sizeof *out);
	json_t *p = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
	if (p == NULL)
		return BAD_PROOF(err, "not JSON: %s (line %d)", je.text, je.line);
	ls_status s = check_proof(p, root_pin, out, err);
	json_decref(p);
	return s;
}
