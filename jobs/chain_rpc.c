/* chain_rpc.c — JSON-RPC 2.0 over HTTP POST with libcurl: the finalized
 * head, its header and runtime version, five storage values and three
 * runtime calls, all at that one block hash, so that every answer
 * describes the same chain state.  Answers are bounded in size and time;
 * what they mean is store/chain.c's business. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>
#include <jansson.h>
#include <sodium.h>
#include "chain_rpc.h"
#include "job.h"

#define ANSWER_MAX (64u << 20)  /* one HTTP answer; a 4096-uid metagraph is ~2 MiB */
#define CALL_SECONDS 60L

struct rpc {
	CURL *curl;
	const char *url;
	long id;
	char *why;
};

static bool post(struct rpc *r, const char *method, const char *body, struct job_body *b)
{
	struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
	long status = 0;
	curl_easy_reset(r->curl);
	curl_easy_setopt(r->curl, CURLOPT_URL, r->url);
	curl_easy_setopt(r->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(r->curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(r->curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(r->curl, CURLOPT_WRITEFUNCTION, job_body_collect);
	curl_easy_setopt(r->curl, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(r->curl, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(r->curl, CURLOPT_TIMEOUT, CALL_SECONDS);
	curl_easy_setopt(r->curl, CURLOPT_NOSIGNAL, 1L);
	CURLcode rc = curl_easy_perform(r->curl);
	curl_slist_free_all(headers);
	if (rc == CURLE_OK)
		curl_easy_getinfo(r->curl, CURLINFO_RESPONSE_CODE, &status);
	if (rc != CURLE_OK)
		snprintf(r->why, 512, "%s: %s: %s", r->url, method,
		         rc == CURLE_WRITE_ERROR ? "the answer is larger than 64 MiB"
		                                 : curl_easy_strerror(rc));
	else if (status != 200)
		snprintf(r->why, 512, "%s: %s: HTTP status %ld", r->url, method, status);
	return rc == CURLE_OK && status == 200;
}

/* The call's result (new reference; JSON null is a result too), or NULL
 * with why; *rpc_error tells a node's refusal from a failed exchange. */
static json_t *call(struct rpc *r, const char *method, json_t *params, bool *rpc_error)
{
	struct job_body b = {NULL, 0, ANSWER_MAX};
	json_t *req = json_pack("{s:s, s:I, s:s, s:o}", "jsonrpc", "2.0", "id", (json_int_t)++r->id,
	                        "method", method, "params", params);
	char *body = req ? json_dumps(req, JSON_COMPACT) : NULL;
	json_t *answer = NULL, *result = NULL;
	*rpc_error = false;
	if (body && post(r, method, body, &b)) {
		json_error_t je;
		answer = json_loadb(b.data ? b.data : "", b.len, 0, &je);
		json_t *error = json_object_get(answer, "error");
		json_t *id = json_object_get(answer, "id");
		if (!json_is_object(answer) || !json_is_integer(id) || json_integer_value(id) != r->id)
			snprintf(r->why, 512, "%s: %s: not a JSON-RPC answer to this call", r->url, method);
		else if (error) {
			*rpc_error = true;
			snprintf(r->why, 512, "%s: %s: JSON-RPC error %lld: %.300s", r->url, method,
			         (long long)json_integer_value(json_object_get(error, "code")),
			         json_string_value(json_object_get(error, "message"))
			                 ? json_string_value(json_object_get(error, "message")) : "");
		} else if ((result = json_object_get(answer, "result")) == NULL)
			snprintf(r->why, 512, "%s: %s: the answer has no result", r->url, method);
		else
			json_incref(result);
	} else if (body == NULL)
		snprintf(r->why, 512, "%s: out of memory", method);
	json_decref(answer);
	json_decref(req);
	free(body);
	free(b.data);
	return result;
}

/* "0x" and hex digits to bytes: NULL with why unless exactly that. */
static uint8_t *hex_bytes(struct rpc *r, const char *what, const json_t *v, size_t *len)
{
	const char *s = json_string_value(v);
	size_t n = s ? strlen(s) : 0;
	uint8_t *out = NULL;
	if (n >= 2 && s[0] == '0' && s[1] == 'x' && n % 2 == 0 && (out = malloc(n / 2 + 1)) &&
	    sodium_hex2bin(out, n / 2, s + 2, n - 2, NULL, len, NULL) == 0 && *len == n / 2 - 1)
		return out;
	free(out);
	snprintf(r->why, 512, "%s: %s: the answer is not 0x-prefixed hex", r->url, what);
	return NULL;
}

static json_t *at_block(const char *first, const char *second, const char *hash)
{
	return second ? json_pack("[s, s, s]", first, second, hash) : json_pack("[s, s]", first, hash);
}

static bool block_hash(struct rpc *r, struct ls_chain_read *cr, char hash[67])
{
	bool e;
	size_t len;
	json_t *v = call(r, "chain_getFinalizedHead", json_array(), &e);
	uint8_t *b = v ? hex_bytes(r, "chain_getFinalizedHead", v, &len) : NULL;
	bool ok = b && len == 32;
	if (b && !ok)
		snprintf(r->why, 512, "%s: chain_getFinalizedHead: not a 32-byte hash", r->url);
	if (ok) {
		memcpy(cr->block_hash, b, 32);
		snprintf(hash, 67, "%s", json_string_value(v));
	}
	free(b);
	json_decref(v);
	return ok;
}

/* The header's number and the runtime's spec version at hash. */
static bool header_and_runtime(struct rpc *r, struct ls_chain_read *cr, const char *hash)
{
	bool e;
	json_t *h = call(r, "chain_getHeader", json_pack("[s]", hash), &e);
	const char *num = json_string_value(json_object_get(h, "number"));
	bool ok = num && strncmp(num, "0x", 2) == 0 && strlen(num) > 2 && strlen(num) <= 18 &&
	          strspn(num + 2, "0123456789abcdefABCDEF") == strlen(num + 2);
	unsigned long long n = ok ? strtoull(num + 2, NULL, 16) : 0;
	if (h && !ok)
		snprintf(r->why, 512, "%s: chain_getHeader: no hex block number", r->url);
	cr->block = n;
	json_decref(h);
	if (!ok)
		return false;
	json_t *v = call(r, "state_getRuntimeVersion", json_pack("[s]", hash), &e);
	json_t *spec = json_object_get(v, "specVersion");
	ok = json_is_integer(spec) && json_integer_value(spec) >= 0 &&
	     json_integer_value(spec) <= UINT32_MAX;
	if (v && !ok)
		snprintf(r->why, 512, "%s: state_getRuntimeVersion: no specVersion", r->url);
	cr->spec_version = ok ? (uint32_t)json_integer_value(spec) : 0;
	json_decref(v);
	return ok;
}

static bool storage(struct rpc *r, struct chain_answers *a, const char *hash)
{
	bool e;
	for (int i = 0; i < LS_CHAIN_ITEMS; i++) {
		uint8_t key[LS_CHAIN_KEY_MAX];
		char hex[2 * LS_CHAIN_KEY_MAX + 3] = "0x";
		size_t klen = ls_chain_storage_key((enum ls_chain_item)i, a->read.netuid, key);
		sodium_bin2hex(hex + 2, sizeof hex - 2, key, klen);
		json_t *v = call(r, "state_getStorage", at_block(hex, NULL, hash), &e);
		if (v == NULL)
			return false;
		bool set = !json_is_null(v);  /* null: never set, the item's default */
		if (set) {
			a->owned[i] = hex_bytes(r, ls_chain_item_name((enum ls_chain_item)i), v,
			                        &a->read.storage[i].len);
			a->read.storage[i].data = a->owned[i];
		}
		json_decref(v);
		if (set && a->owned[i] == NULL)
			return false;
	}
	return true;
}

static bool runtime_call(struct rpc *r, const char *fn, bool selective, uint16_t netuid,
                         const char *hash, struct ls_bytes *out, uint8_t **owned, bool *rpc_error)
{
	uint8_t args[LS_CHAIN_ARGS_MAX];
	char hex[2 * LS_CHAIN_ARGS_MAX + 3] = "0x";
	sodium_bin2hex(hex + 2, sizeof hex - 2, args, ls_chain_call_args(netuid, selective, args));
	json_t *v = call(r, "state_call", at_block(fn, hex, hash), rpc_error);
	*owned = v ? hex_bytes(r, fn, v, &out->len) : NULL;
	out->data = *owned;
	json_decref(v);
	return *owned != NULL;
}

/* The metagraph: the selective call, or on runtimes without it the whole
 * metagraph; then the neurons for validator trust. */
static bool runtime_calls(struct rpc *r, struct chain_answers *a, const char *hash)
{
	struct ls_chain_read *cr = &a->read;
	bool refused;
	cr->selective = true;
	if (!runtime_call(r, LS_CHAIN_SELECTIVE_CALL, true, cr->netuid, hash, &cr->metagraph,
	                  &a->owned[LS_CHAIN_ITEMS], &refused)) {
		if (!refused)
			return false;
		cr->selective = false;
		if (!runtime_call(r, LS_CHAIN_METAGRAPH_CALL, false, cr->netuid, hash, &cr->metagraph,
		                  &a->owned[LS_CHAIN_ITEMS], &refused))
			return false;
	}
	return runtime_call(r, LS_CHAIN_NEURONS_CALL, false, cr->netuid, hash, &cr->neurons,
	                    &a->owned[LS_CHAIN_ITEMS + 1], &refused);
}

bool chain_rpc_read(const char *url, uint16_t netuid, struct chain_answers *out, char why[512])
{
	struct rpc r = {curl_easy_init(), url, 0, why};
	char hash[67];
	memset(out, 0, sizeof *out);
	out->read.netuid = netuid;
	snprintf(why, 512, "out of memory");
	bool ok = r.curl && block_hash(&r, &out->read, hash) &&
	          header_and_runtime(&r, &out->read, hash) && storage(&r, out, hash) &&
	          runtime_calls(&r, out, hash);
	if (r.curl)
		curl_easy_cleanup(r.curl);
	return ok;
}

void chain_answers_free(struct chain_answers *a)
{
	for (size_t i = 0; i < sizeof a->owned / sizeof a->owned[0]; i++)
		free(a->owned[i]);
	memset(a, 0, sizeof *a);
}
