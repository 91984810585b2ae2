/*
 * leadgate-upload — post each written bundle to Arweave and confirm it
 * (SPEC §7, §10), oldest epoch first; cron: every 5 minutes.
 *
 * gateway mode: a format-2 layer-1 transaction signed with the operator's
 * wallet (store/arweave.c), its data inline when it is one chunk, else
 * posted chunk by chunk; confirmed once GET /tx/{id}/status counts
 * arweave_confirmations.  The signed transaction is journaled next to the
 * bundle (bundle-E.ans104.arweave.json, synced) before it is posted, with the
 * chunks posted so far: a run killed between posting and recording finds
 * the transaction by its id and never signs (pays for) a second one.
 *
 * bundler mode: the data item that carries the bundle (leadgate-admin
 * bundle-item's bytes, signed by the gateway key) posted to bundler_url
 * (POST /v1/tx, application/octet-stream), its receipt logged as returned;
 * confirmed once GET /v1/tx/{id}/status says FINALIZED.  Its id is fixed
 * by the bundle, so a post repeated after a kill is the same item, which
 * bundlers take once.
 *
 * The rules and every recorded step are store/upload.c's; this file is the
 * network.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <curl/curl.h>
#include <sodium.h>
#include "job.h"

#define PROG "leadgate-upload"
#define ANSWER_MAX (1u << 20)
#define RECEIPT_MAX 8192
#define DROP_AFTER 1800   /* a posted transaction unknown this long is gone */

struct http {
	CURL *curl;
	long status;
	struct job_body body;
	char why[512];
};

/* One request: GET when post is NULL, else POST of post_len bytes;
 * false with why when no HTTP answer came back. */
static bool http_do(struct http *h, const char *url, const char *type, const void *post,
                    size_t post_len)
{
	struct curl_slist *headers = NULL;
	free(h->body.data);
	h->body = (struct job_body){NULL, 0, ANSWER_MAX};
	h->status = 0;
	curl_easy_reset(h->curl);
	curl_easy_setopt(h->curl, CURLOPT_URL, url);
	curl_easy_setopt(h->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, job_body_collect);
	curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, &h->body);
	curl_easy_setopt(h->curl, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(h->curl, CURLOPT_TIMEOUT, 300L);
	curl_easy_setopt(h->curl, CURLOPT_NOSIGNAL, 1L);
	if (post) {
		char ct[96];
		snprintf(ct, sizeof ct, "Content-Type: %s", type);
		headers = curl_slist_append(headers, ct);
		curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, headers);
		curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, post);
		curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)post_len);
	}
	CURLcode rc = curl_easy_perform(h->curl);
	curl_slist_free_all(headers);
	if (rc == CURLE_OK)
		curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &h->status);
	else
		snprintf(h->why, sizeof h->why, "%s: %s", url, curl_easy_strerror(rc));
	return rc == CURLE_OK;
}

/* A refusal that trying again will not change, told from a failure. */
static bool refusal(long status)
{
	return status >= 400 && status < 500 && status != 404 && status != 408 && status != 429;
}

/* The answer as the far end said it, on one line (JSON answers come
 * pretty-printed), cut to fit. */
static void answer_words(const struct http *h, const char *what, char *out, size_t size)
{
	const char *p = h->body.data ? h->body.data : "";
	int n = snprintf(out, size, "%s: HTTP %ld: ", what, h->status);
	size_t at = n > 0 && (size_t)n < size ? (size_t)n : size - 1;
	bool space = true;
	for (; *p && at + 1 < size; p++) {
		bool blank = *p == ' ' || *p == '\t' || *p == '\r' || *p == '\n';
		if (!(blank && space))
			out[at++] = blank ? ' ' : *p;
		space = blank;
	}
	while (at > 0 && out[at - 1] == ' ')
		at--;
	out[at] = '\0';
}

struct run {
	struct job job;
	const struct ls_config *cfg;
	enum ls_upload_mode mode;
	ls_arweave_wallet *wallet;
	struct ls_keypair gw;
	struct http http;
	int64_t now;
	unsigned failed, refused;  /* this run's setbacks: exit 1 when any */
};

static void record(struct run *r, uint64_t epoch, const struct ls_upload_step *step)
{
	ls_err err = {0};
	bool done;
	if (ls_upload_record(r->job.st, epoch, step, r->now, &done, &err) != LS_OK) {
		job_error(&r->job, &err);
		r->failed++;  /* the step is not recorded: the run did not succeed */
	}
}

/* A failure (tried again after a backoff) or a refusal (held). */
static void setback(struct run *r, uint64_t epoch, enum ls_upload_step_kind kind, const char *why)
{
	struct ls_upload_step step = {.kind = kind, .why = why};
	fprintf(stderr, PROG ": epoch %llu: %s%s\n", (unsigned long long)epoch, why,
	        kind == LS_STEP_REFUSED ? " (held until leadgate-admin uploads retry)" : "");
	record(r, epoch, &step);
	if (kind == LS_STEP_REFUSED)
		r->refused++;
	else
		r->failed++;
}

/* What an answer that is not a success means for the bundle. */
static void answer_setback(struct run *r, uint64_t epoch, const char *what)
{
	char why[LS_UPLOAD_NOTE_MAX + 1];
	answer_words(&r->http, what, why, sizeof why);
	setback(r, epoch, refusal(r->http.status) ? LS_STEP_REFUSED : LS_STEP_FAILED, why);
}

static void url_of(const char *base, const char *path, char *out, size_t size)
{
	size_t n = strlen(base);
	while (n > 0 && base[n - 1] == '/')
		n--;
	snprintf(out, size, "%.*s%s", (int)n, base, path);
}

/* ---- the bundle's bytes ------------------------------------------------- */

struct mapped {
	uint8_t *buf;
	size_t len;
};

/* The bundle file mapped, and checked against the SHA-256 recorded when
 * it was written: a file changed since is never posted. */
static bool bundle_map(struct run *r, const struct ls_bundle_info *b, struct mapped *m,
                       char *why, size_t why_size)
{
	ls_reader *rd;
	struct ls_bundle_info info;
	ls_err err = {0};
	int fd = -1;
	m->buf = NULL;
	ls_status s = ls_reader_begin(r->job.st, &rd, &err);
	if (s == LS_OK) {
		s = ls_bundle_open(rd, b->epoch, &info, &fd, &err);
		ls_reader_end(rd);
	}
	if (s != LS_OK) {
		snprintf(why, why_size, "%.200s", err.detail);
		return false;
	}
	m->len = info.size;
	m->buf = mmap(NULL, m->len, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (m->buf == MAP_FAILED) {
		m->buf = NULL;
		snprintf(why, why_size, "cannot map the bundle file: %s", strerror(errno));
		return false;
	}
	uint8_t sha[32];
	crypto_hash_sha256(sha, m->buf, m->len);
	if (memcmp(sha, b->sha256, 32) == 0)
		return true;
	snprintf(why, why_size, "the bundle file of epoch %llu is not the one written (its "
	         "SHA-256 changed): restore it before uploading", (unsigned long long)b->epoch);
	munmap(m->buf, m->len);
	m->buf = NULL;
	return false;
}

static void bundle_unmap(struct mapped *m)
{
	if (m->buf)
		munmap(m->buf, m->len);
}

/* ---- gateway mode: the journal --------------------------------------- */

/* bundle-E.ans104.arweave.json: the signed transaction, and how far its
 * posting got, written whole (temp file, fsync, rename). */
static void journal_path(const struct run *r, uint64_t epoch, char out[LS_PATH_MAX + 96])
{
	char path[LS_PATH_MAX + 64];
	ls_bundle_path(r->job.st, epoch, path);
	snprintf(out, LS_PATH_MAX + 96, "%s.arweave.json", path);
}

static bool journal_write(const struct run *r, uint64_t epoch, json_t *journal)
{
	char path[LS_PATH_MAX + 96], tmp[LS_PATH_MAX + 112];
	journal_path(r, epoch, path);
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	char *text = json_dumps(journal, JSON_COMPACT);
	int fd = text ? open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644) : -1;
	size_t len = text ? strlen(text) : 0;
	bool ok = fd >= 0 && write(fd, text, len) == (ssize_t)len && fsync(fd) == 0;
	if (fd >= 0)
		ok = close(fd) == 0 && ok;
	ok = ok && rename(tmp, path) == 0;
	if (!ok)
		fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
	free(text);
	return ok;
}

static json_t *journal_read(const struct run *r, uint64_t epoch)
{
	char path[LS_PATH_MAX + 96];
	journal_path(r, epoch, path);
	return json_load_file(path, JSON_REJECT_DUPLICATES, NULL);
}

static void journal_remove(const struct run *r, uint64_t epoch)
{
	char path[LS_PATH_MAX + 96];
	journal_path(r, epoch, path);
	unlink(path);
}

/* ---- gateway mode ----------------------------------------------------- */

/* GET path as text (the anchor, the price): false after recording why. */
static bool get_text(struct run *r, const char *path, char *out, size_t size, uint64_t epoch)
{
	char url[LS_URL_MAX + 64];
	url_of(r->cfg->arweave_url, path, url, sizeof url);
	if (!http_do(&r->http, url, NULL, NULL, 0)) {
		setback(r, epoch, LS_STEP_FAILED, r->http.why);
		return false;
	}
	if (r->http.status != 200 || r->http.body.len >= size) {
		answer_setback(r, epoch, url);
		return false;
	}
	memcpy(out, r->http.body.data ? r->http.body.data : "", r->http.body.len + 1);
	return true;
}

static const struct ls_ans104_tag *bundle_tags(const char *epoch, struct ls_ans104_tag out[4])
{
	out[0] = (struct ls_ans104_tag){"Bundle-Format", "binary", 13, 6};
	out[1] = (struct ls_ans104_tag){"Bundle-Version", "2.0.0", 14, 5};
	out[2] = (struct ls_ans104_tag){"App-Name", "leadgate", 8, 8};
	out[3] = (struct ls_ans104_tag){"Epoch", epoch, 5, strlen(epoch)};
	return out;
}

/* A new transaction for the bundle, signed, as its journal: {"tx": the
 * body of POST /tx without its data, "chunks_posted": 0}. */
static json_t *gateway_sign(struct run *r, const struct ls_bundle_info *b,
                            const ls_arweave_chunks *c)
{
	char anchor[128], price[40], path[48], epoch[24];
	struct ls_ans104_tag tags[4];
	struct ls_arweave_tx tx = {.tag_count = 4, .data_size = b->size};
	uint64_t reward;
	ls_err err = {0};
	snprintf(epoch, sizeof epoch, "%llu", (unsigned long long)b->epoch);
	snprintf(path, sizeof path, "/price/%llu", (unsigned long long)b->size);
	if (!get_text(r, "/tx_anchor", anchor, sizeof anchor, b->epoch) ||
	    !get_text(r, path, price, sizeof price, b->epoch))
		return NULL;
	if (!ls_parse_u64(price, UINT64_MAX, &reward) ||
	    sodium_base642bin(tx.anchor, sizeof tx.anchor, anchor, strlen(anchor), NULL,
	                      &tx.anchor_len, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0) {
		setback(r, b->epoch, LS_STEP_FAILED, "the gateway's price or anchor is malformed");
		return NULL;
	}
	tx.tags = bundle_tags(epoch, tags);
	snprintf(tx.reward, sizeof tx.reward, "%llu", (unsigned long long)reward);
	memcpy(tx.data_root, ls_arweave_data_root(c), 32);
	if (ls_arweave_tx_sign(r->wallet, &tx, &err) != LS_OK) {
		job_error(&r->job, &err);
		return NULL;
	}
	return json_pack("{s:o, s:i}", "tx", ls_arweave_tx_json(&tx, NULL), "chunks_posted", 0);
}

/* The transaction's status at the gateway: 1 known (mined or pending), 0
 * unknown (404), -1 no answer (why recorded); *st the parsed JSON when
 * mined (new reference). */
static int tx_status(struct run *r, const char *id, uint64_t epoch, json_t **st)
{
	char url[LS_URL_MAX + 96];
	char path[96];
	snprintf(path, sizeof path, "/tx/%s/status", id);
	url_of(r->cfg->arweave_url, path, url, sizeof url);
	*st = NULL;
	if (!http_do(&r->http, url, NULL, NULL, 0)) {
		setback(r, epoch, LS_STEP_FAILED, r->http.why);
		return -1;
	}
	if (r->http.status == 404)
		return 0;
	if (r->http.status == 202 || (r->http.status == 200 && r->http.body.data &&
	                              strncmp(r->http.body.data, "Pending", 7) == 0))
		return 1;
	if (r->http.status == 200 &&
	    (*st = json_loadb(r->http.body.data, r->http.body.len, 0, NULL)) != NULL)
		return 1;
	answer_setback(r, epoch, url);
	return -1;
}

/* POST the journaled transaction, its data inline when it is one chunk. */
static bool post_tx(struct run *r, const struct ls_bundle_info *b, json_t *journal,
                    const struct mapped *m, uint64_t chunks)
{
	char url[LS_URL_MAX + 16];
	json_t *tx = json_deep_copy(json_object_get(journal, "tx"));
	if (tx && chunks <= 1) {
		size_t cap = sodium_base64_ENCODED_LEN(m->len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
		char *data = malloc(cap);
		if (data)
			ls_b64url(m->buf, m->len, data, cap);
		json_object_set_new(tx, "data", data ? json_string(data) : NULL);
		free(data);
	}
	char *body = tx ? json_dumps(tx, JSON_COMPACT) : NULL;
	json_decref(tx);
	if (body == NULL) {
		setback(r, b->epoch, LS_STEP_FAILED, "out of memory for the transaction");
		return false;
	}
	url_of(r->cfg->arweave_url, "/tx", url, sizeof url);
	bool sent = http_do(&r->http, url, "application/json", body, strlen(body));
	free(body);
	if (!sent) {
		setback(r, b->epoch, LS_STEP_FAILED, r->http.why);
		return false;
	}
	if (r->http.status == 200 || r->http.status == 202 || r->http.status == 208)
		return true;
	answer_setback(r, b->epoch, url);
	if (refusal(r->http.status))
		journal_remove(r, b->epoch);  /* never accepted: a retry signs anew */
	return false;
}

/* POST /chunk for each chunk not yet posted, the journal kept current. */
static bool post_chunks(struct run *r, const struct ls_bundle_info *b, json_t *journal,
                        const struct mapped *m, const ls_arweave_chunks *c)
{
	static uint8_t proof[LS_ARWEAVE_PROOF_MAX];
	char url[LS_URL_MAX + 16], root[LS_ARWEAVE_ID_B64], size[24], offset[24];
	uint64_t n = ls_arweave_chunk_count(c);
	json_int_t done = json_integer_value(json_object_get(journal, "chunks_posted"));
	url_of(r->cfg->arweave_url, "/chunk", url, sizeof url);
	ls_b64url(ls_arweave_data_root(c), 32, root, sizeof root);
	snprintf(size, sizeof size, "%llu", (unsigned long long)m->len);
	for (uint64_t i = done > 0 ? (uint64_t)done : 0; n > 1 && i < n; i++) {
		uint64_t start, end;
		size_t plen = ls_arweave_chunk_proof(c, i, proof, &start, &end);
		snprintf(offset, sizeof offset, "%llu", (unsigned long long)(end - 1));
		size_t cap = sodium_base64_ENCODED_LEN(end - start, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
		char *data = malloc(cap), path[LS_ARWEAVE_PROOF_MAX * 2];
		if (data)
			ls_b64url(m->buf + start, end - start, data, cap);
		ls_b64url(proof, plen, path, sizeof path);
		json_t *chunk = data ? json_pack("{s:s, s:s, s:s, s:s, s:s}", "data_root", root,
		                                 "data_size", size, "data_path", path, "offset",
		                                 offset, "chunk", data)
		                     : NULL;
		char *body = chunk ? json_dumps(chunk, JSON_COMPACT) : NULL;
		bool built = body != NULL;
		free(data);
		json_decref(chunk);
		bool sent = built && http_do(&r->http, url, "application/json", body, strlen(body));
		free(body);
		if (!sent) {
			setback(r, b->epoch, LS_STEP_FAILED, built ? r->http.why : "out of memory");
			return false;
		}
		if (r->http.status != 200) {
			answer_setback(r, b->epoch, url);
			return false;
		}
		json_object_set_new(journal, "chunks_posted", json_integer((json_int_t)(i + 1)));
		if (!journal_write(r, b->epoch, journal))
			return false;
		ls_fault_hold(r->job.st, "upload_hold_chunk");
	}
	return true;
}

static void gateway_posted(struct run *r, const struct ls_bundle_info *b, json_t *journal,
                           uint64_t chunks)
{
	json_t *tx = json_object_get(journal, "tx");
	const char *id = json_string_value(json_object_get(tx, "id"));
	struct ls_upload_step step = {.kind = LS_STEP_POSTED, .mode = LS_ARWEAVE_GATEWAY};
	size_t n = 0;
	if (id == NULL || sodium_base642bin(step.arweave_id, 32, id, strlen(id), NULL, &n, NULL,
	                                    sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 || n != 32) {
		setback(r, b->epoch, LS_STEP_FAILED, "the journal's transaction id is malformed");
		journal_remove(r, b->epoch);
		return;
	}
	step.facts = json_pack("{s:s, s:s, s:O, s:O, s:O, s:I}", "url", r->cfg->arweave_url,
	                       "owner", ls_arweave_address(r->wallet), "reward",
	                       json_object_get(tx, "reward"), "data_size",
	                       json_object_get(tx, "data_size"), "data_root",
	                       json_object_get(tx, "data_root"), "chunks", (json_int_t)chunks);
	ls_fault_hold(r->job.st, "upload_hold_posted");
	record(r, b->epoch, &step);
	json_decref(step.facts);
	journal_remove(r, b->epoch);
	printf(PROG ": epoch %llu: posted as transaction %s (%llu bytes, %llu chunk(s))\n",
	       (unsigned long long)b->epoch, id, (unsigned long long)b->size,
	       (unsigned long long)chunks);
}

/* A journal from an earlier run: is its transaction the gateway's? */
static bool journal_resume(struct run *r, const struct ls_bundle_info *b, json_t *journal,
                           bool *known)
{
	json_t *st;
	const char *id = json_string_value(json_object_get(json_object_get(journal, "tx"), "id"));
	if (id == NULL)
		return false;
	int k = tx_status(r, id, b->epoch, &st);
	json_decref(st);
	*known = k == 1;
	return k >= 0;
}

static void gateway_upload(struct run *r, const struct ls_bundle_info *b)
{
	struct mapped m;
	ls_arweave_chunks *c = NULL;
	char why[LS_UPLOAD_NOTE_MAX + 1];
	ls_err err = {0};
	if (!bundle_map(r, b, &m, why, sizeof why)) {
		setback(r, b->epoch, LS_STEP_REFUSED, why);
		return;
	}
	if (ls_arweave_chunks_build(m.buf, m.len, &c, &err) != LS_OK) {
		job_error(&r->job, &err);
		bundle_unmap(&m);
		return;
	}
	json_t *journal = journal_read(r, b->epoch);
	bool known = false, ok = true;
	if (journal)
		ok = journal_resume(r, b, journal, &known);
	else if ((journal = gateway_sign(r, b, c)) != NULL)
		ok = journal_write(r, b->epoch, journal);
	else
		ok = false;
	if (ok && !known) {
		ls_fault_hold(r->job.st, "upload_hold_signed");
		ok = post_tx(r, b, journal, &m, ls_arweave_chunk_count(c));
	}
	if (ok && (ok = json_object_set_new(journal, "tx_posted", json_true()) == 0))
		ok = journal_write(r, b->epoch, journal);
	if (ok) {
		ls_fault_hold(r->job.st, "upload_hold_tx");
		ok = post_chunks(r, b, journal, &m, c);
	}
	if (ok)
		gateway_posted(r, b, journal, ls_arweave_chunk_count(c));
	json_decref(journal);
	ls_arweave_chunks_free(c);
	bundle_unmap(&m);
}

static void gateway_confirm(struct run *r, const struct ls_bundle_info *b)
{
	char id[LS_ARWEAVE_ID_B64];
	json_t *st;
	json_int_t confirmations = 0, height = 0;
	const char *block = NULL;
	ls_b64url(b->arweave_id, 32, id, sizeof id);
	int k = tx_status(r, id, b->epoch, &st);
	if (k == 0 && r->now - b->posted_at > DROP_AFTER) {
		char why[LS_UPLOAD_NOTE_MAX + 1];
		snprintf(why, sizeof why, "the gateway no longer knows transaction %s: it is posted "
		         "anew", id);
		setback(r, b->epoch, LS_STEP_DROPPED, why);
	}
	if (st && json_unpack(st, "{s:I, s:s, s:I}", "block_height", &height, "block_indep_hash",
	                      &block, "number_of_confirmations", &confirmations) == 0 &&
	    confirmations >= (json_int_t)r->cfg->arweave_confirmations) {
		struct ls_upload_step step = {.kind = LS_STEP_CONFIRMED,
		                              .confirmations = (uint64_t)confirmations};
		memcpy(step.arweave_id, b->arweave_id, 32);
		step.facts = json_pack("{s:I, s:s}", "block_height", height, "block_indep_hash", block);
		record(r, b->epoch, &step);
		json_decref(step.facts);
		printf(PROG ": epoch %llu: transaction %s confirmed (%lld confirmations, block %lld)\n",
		       (unsigned long long)b->epoch, id, (long long)confirmations, (long long)height);
	}
	json_decref(st);
}

/* ---- bundler mode ------------------------------------------------------- */

/* The carrier data item's bytes (leadgate-admin bundle-item's), in an
 * unlinked temp file, mapped. */
static bool carrier_map(struct run *r, const struct ls_bundle_info *b, struct mapped *m,
                        char *why, size_t why_size)
{
	ls_reader *rd;
	ls_err err = {0};
	FILE *f = tmpfile();
	struct mapped file;
	m->buf = NULL;
	if (f == NULL) {
		snprintf(why, why_size, "no temp file for the data item: %s", strerror(errno));
		return false;
	}
	bool ok = bundle_map(r, b, &file, why, why_size);  /* the SHA-256 check first */
	bundle_unmap(&file);
	ls_status s = ok ? ls_reader_begin(r->job.st, &rd, &err) : LS_ERROR;
	if (ok && s == LS_OK) {
		s = ls_bundle_carrier(rd, b->epoch, r->gw.sk, fileno(f), &err);
		ls_reader_end(rd);
	}
	if (ok && s != LS_OK)
		snprintf(why, why_size, "%.200s", err.detail);
	off_t len = ok && s == LS_OK ? lseek(fileno(f), 0, SEEK_END) : 0;
	if (len > 0) {
		m->len = (size_t)len;
		m->buf = mmap(NULL, m->len, PROT_READ, MAP_PRIVATE, fileno(f), 0);
		if (m->buf == MAP_FAILED) {
			m->buf = NULL;
			snprintf(why, why_size, "cannot map the data item: %s", strerror(errno));
		}
	}
	fclose(f);
	return m->buf != NULL;
}

/* The answer as JSON when it is (a receipt), else as its text. */
static json_t *answer_json(const struct http *h)
{
	json_t *j = h->body.len <= RECEIPT_MAX
	                ? json_loadb(h->body.data ? h->body.data : "", h->body.len, 0, NULL)
	                : NULL;
	if (j == NULL)
		j = json_stringn_nocheck(h->body.data ? h->body.data : "",
		                         h->body.len < 512 ? h->body.len : 512);
	return j;
}

static void bundler_upload(struct run *r, const struct ls_bundle_info *b)
{
	struct mapped m;
	char why[LS_UPLOAD_NOTE_MAX + 1], url[LS_URL_MAX + 16], id[LS_ARWEAVE_ID_B64];
	if (!carrier_map(r, b, &m, why, sizeof why)) {
		setback(r, b->epoch, LS_STEP_REFUSED, why);
		return;
	}
	url_of(r->cfg->bundler_url, "/v1/tx", url, sizeof url);
	bool sent = http_do(&r->http, url, "application/octet-stream", m.buf, m.len);
	bundle_unmap(&m);
	if (!sent) {
		setback(r, b->epoch, LS_STEP_FAILED, r->http.why);
		return;
	}
	if (r->http.status != 200 && r->http.status != 201 && r->http.status != 202) {
		answer_setback(r, b->epoch, url);
		return;
	}
	struct ls_upload_step step = {.kind = LS_STEP_POSTED, .mode = LS_ARWEAVE_BUNDLER};
	memcpy(step.arweave_id, b->id, 32);  /* the carrier item's id: the bundle's */
	json_t *receipt = answer_json(&r->http);
	step.facts = json_pack("{s:s, s:o}", "url", r->cfg->bundler_url, "receipt",
	                       receipt ? receipt : json_null());
	ls_fault_hold(r->job.st, "upload_hold_posted");
	record(r, b->epoch, &step);
	json_decref(step.facts);
	ls_b64url(b->id, 32, id, sizeof id);
	printf(PROG ": epoch %llu: posted to the bundler as data item %s (%llu bytes)\n",
	       (unsigned long long)b->epoch, id, (unsigned long long)m.len);
}

static void bundler_confirm(struct run *r, const struct ls_bundle_info *b)
{
	char url[LS_URL_MAX + 96], path[96], id[LS_ARWEAVE_ID_B64];
	const char *status = NULL;
	ls_b64url(b->arweave_id, 32, id, sizeof id);
	snprintf(path, sizeof path, "/v1/tx/%s/status", id);
	url_of(r->cfg->bundler_url, path, url, sizeof url);
	if (!http_do(&r->http, url, NULL, NULL, 0)) {
		setback(r, b->epoch, LS_STEP_FAILED, r->http.why);
		return;
	}
	if (r->http.status == 404)
		return;  /* not seen yet */
	json_t *st = r->http.status == 200 ? answer_json(&r->http) : NULL;
	if (st == NULL) {
		answer_setback(r, b->epoch, url);
		return;
	}
	if (json_unpack(st, "{s:s}", "status", &status) == 0 && strcmp(status, "FAILED") == 0) {
		char why[LS_UPLOAD_NOTE_MAX + 1];
		snprintf(why, sizeof why, "the bundler says data item %s FAILED: it is posted anew", id);
		setback(r, b->epoch, LS_STEP_DROPPED, why);
	} else if (status && strcmp(status, "FINALIZED") == 0) {
		struct ls_upload_step step = {.kind = LS_STEP_CONFIRMED};
		memcpy(step.arweave_id, b->arweave_id, 32);
		step.facts = json_pack("{s:O}", "status", st);
		record(r, b->epoch, &step);
		json_decref(step.facts);
		printf(PROG ": epoch %llu: data item %s finalized by the bundler\n",
		       (unsigned long long)b->epoch, id);
	}
	json_decref(st);
}

/* ---- the run ---------------------------------------------------------------- */

struct todo {
	struct ls_bundle_info *list;
	size_t n;
	int64_t now;
};

/* Waiting or posted, and not waiting out a backoff. */
static ls_status collect(void *ctx, const struct ls_bundle_info *b)
{
	struct todo *t = ctx;
	if ((b->upload != LS_UPLOAD_WAITING && b->upload != LS_UPLOAD_POSTED) || b->retry_at > t->now)
		return LS_OK;
	struct ls_bundle_info *grown = realloc(t->list, (t->n + 1) * sizeof *grown);
	if (grown == NULL)
		return LS_ERROR;
	t->list = grown;
	t->list[t->n++] = *b;
	return LS_OK;
}

static bool todo_list(struct run *r, struct todo *t)
{
	ls_reader *rd;
	ls_err err = {0};
	*t = (struct todo){.now = r->now};
	ls_status s = ls_reader_begin(r->job.st, &rd, &err);
	if (s == LS_OK) {
		s = ls_uploads_list(rd, collect, t, &err);
		ls_reader_end(rd);
	}
	if (s != LS_OK && err.detail[0] == '\0')
		snprintf(err.detail, sizeof err.detail, "out of memory");
	if (s != LS_OK)
		job_error(&r->job, &err);
	return s == LS_OK;
}

/* The mode and its credentials: false (quietly) when uploads are not
 * configured, false after saying why when they are but cannot work. */
static bool setup(struct run *r, bool *configured)
{
	ls_err err = {0};
	*configured = r->cfg->arweave_mode != LS_ARWEAVE_NONE || r->cfg->arweave_wallet[0];
	r->mode = r->cfg->arweave_mode != LS_ARWEAVE_NONE ? r->cfg->arweave_mode
	                                                 : LS_ARWEAVE_GATEWAY;
	if (!*configured)
		return false;
	if (r->mode == LS_ARWEAVE_BUNDLER)
		return job_gateway_key(r->job.st, PROG, &r->gw);
	if (r->cfg->arweave_wallet[0] == '\0') {
		fprintf(stderr, PROG ": arweave_mode = gateway needs arweave_wallet, the JWK file "
		        "of the wallet that pays\n");
		return false;
	}
	if (ls_arweave_wallet_load(r->cfg->arweave_wallet, &r->wallet, &err) != LS_OK) {
		job_error(&r->job, &err);
		return false;
	}
	return true;
}

int main(int argc, char **argv)
{
	struct run r = {0};
	struct todo t = {0};
	bool configured;
	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: leadgate-upload\n");
		return EXIT_FAILURE;
	}
	job_start(&r.job, PROG, "upload", 0);
	r.cfg = ls_store_config(r.job.st);
	r.now = ls_now(r.cfg);
	bool ready = setup(&r, &configured);
	r.http.curl = ready ? curl_easy_init() : NULL;
	bool ok = ready && r.http.curl && todo_list(&r, &t);
	for (size_t i = 0; ok && i < t.n; i++) {
		const struct ls_bundle_info *b = &t.list[i];
		if (b->upload == LS_UPLOAD_WAITING)
			(r.mode == LS_ARWEAVE_GATEWAY ? gateway_upload : bundler_upload)(&r, b);
		else if (b->mode == LS_ARWEAVE_GATEWAY)
			gateway_confirm(&r, b);
		else
			bundler_confirm(&r, b);
	}
	free(t.list);
	free(r.http.body.data);
	if (r.http.curl)
		curl_easy_cleanup(r.http.curl);
	ls_arweave_wallet_free(r.wallet);
	sodium_memzero(&r.gw, sizeof r.gw);
	bool fine = configured ? ok && r.failed == 0 && r.refused == 0 : true;
	if (fine)
		job_succeeded(&r.job);
	job_finish(&r.job);
	return fine ? EXIT_SUCCESS : EXIT_FAILURE;
}
