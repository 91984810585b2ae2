/* fuzz_world.c — the store and the in-memory FastCGI request that the
 * fuzz targets share (fuzz.h). */
#define _XOPEN_SOURCE 700
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>
#include "fuzz.h"
#include "../tempdir.h"

static void fail(const char *what, const ls_err *err)
{
	fprintf(stderr, "fuzz: cannot set up the store: %s: %s\n", what, err ? err->detail : "");
	exit(1);
}

/* Under FUZZ_STORE_DIR (tests/fuzz.test's, removed even after a crash),
 * else /dev/shm when there is one: the targets write, and fsync there is
 * free.  Removed at exit. */
static const char *make_temp_dir(void)
{
	const char *parent = NULL;  /* $TMPDIR or /tmp */
	if (access("/dev/shm", W_OK) == 0)
		parent = "/dev/shm";
	if (getenv("FUZZ_STORE_DIR") && *getenv("FUZZ_STORE_DIR"))
		parent = getenv("FUZZ_STORE_DIR");
	const char *path = tempdir_make(parent, "leadgate-fuzz");
	if (path == NULL)
		fail("mkdtemp", NULL);
	return path;
}

static void identity(struct ls_identity *id, uint8_t tag, bool validator)
{
	memset(id, 0, sizeof *id);
	memset(id->hotkey, tag, 32);
	if (ls_ss58_encode(id->hotkey, 42, id->ss58) != LS_OK)
		fail("ss58", NULL);
	id->registered = true;
	id->neuron.uid = tag;
	id->neuron.validator_permit = validator;
	id->neuron.validator_trust_u16 = validator ? 58982 : 0;  /* 0.9 */
	id->neuron.stake_rao = validator ? 5000000000000ull : 10000000000ull;
	id->neuron.active = true;
}

static void metagraph(struct fuzz_world *w)
{
	char snap[1024];
	struct ls_sync_report r;
	ls_err err = {0};
	int n = snprintf(snap, sizeof snap,
	                 "{\"block\":1000,\"block_time\":%d,\"neurons\":["
	                 "{\"uid\":%u,\"hotkey\":\"%s\",\"stake\":5000,\"validator_trust\":0.9,"
	                 "\"validator_permit\":true},"
	                 "{\"uid\":%u,\"hotkey\":\"%s\",\"stake\":10,\"validator_trust\":0,"
	                 "\"validator_permit\":false}]}",
	                 FUZZ_NOW - 12, w->validator.neuron.uid, w->validator.ss58,
	                 w->miner.neuron.uid, w->miner.ss58);
	if (ls_metagraph_import(w->st, snap, (size_t)n, FUZZ_NOW, &r, &err) != LS_OK)
		fail("metagraph", &err);
}

static void client_request(struct fuzz_world *w)
{
	char key[LS_CLIENT_KEY_LEN + 1], *answer = NULL;
	ls_err err = {0};
	snprintf(w->client.name, sizeof w->client.name, "fuzz");
	if (ls_client_add(w->st, "fuzz", FUZZ_NOW, key, &err) != LS_OK)
		fail("client", &err);
	json_t *body = json_pack("{s:i, s:s}", "num_leads", 5, "business_desc", "fuzzing");
	if (ls_request_create(w->st, &w->client, body, FUZZ_NOW, &answer, &err) != LS_OK)
		fail("request", &err);
	json_t *a = json_loads(answer, 0, NULL);
	snprintf(w->request_id, sizeof w->request_id, "%s",
	         json_string_value(json_object_get(a, "request_id")));
	json_decref(a);
	json_decref(body);
	free(answer);
}

static void challenge(struct fuzz_world *w)
{
	char text[512];
	struct ls_challenges_report r;
	ls_err err = {0};
	snprintf(w->challenge_id, sizeof w->challenge_id, "fuzz-1");
	int n = snprintf(text, sizeof text,
	                 "{\"challenges\":[{\"id\":\"%s\",\"title\":\"T\",\"tier\":1,"
	                 "\"difficulty\":\"easy\",\"multiplier\":2,\"opens_at\":%d,"
	                 "\"closes_at\":%d,\"document\":{}}]}",
	                 w->challenge_id, FUZZ_NOW - 100, FUZZ_NOW + 100000);
	if (ls_challenges_load(w->st, text, (size_t)n, FUZZ_NOW, &r, &err) != LS_OK)
		fail("challenge", &err);
}

void fuzz_store_open(struct fuzz_world *w, unsigned mode)
{
	struct ls_config cfg;
	ls_err err = {0};
	if (sodium_init() < 0)
		fail("sodium_init", NULL);
	ls_config_defaults(&cfg);
	snprintf(cfg.store_dir, sizeof cfg.store_dir, "%s", make_temp_dir());
	cfg.consensus_mode = mode;
	cfg.map_size = 1 << 20;
	if (ls_open(&w->st, &cfg, LS_OPEN_CREATE, &err) != LS_OK)
		fail("open", &err);
	identity(&w->validator, 0x11, true);
	identity(&w->miner, 0x22, false);
	metagraph(w);
	client_request(w);
	challenge(w);
}

/* ---- the in-memory FastCGI request ------------------------------------- */

static void in_fill(FCGX_Stream *s)
{
	s->isClosed = 1;  /* the body is all there is */
}

static void out_keep(struct fuzz_fcgi *f)
{
	size_t n = (size_t)(f->out.wrNext - f->out_chunk);
	if (f->out_len + n + 1 > f->out_cap) {
		size_t cap = (f->out_len + n + 1) * 2;
		char *grown = realloc(f->out_buf, cap);
		FUZZ_CHECK(grown != NULL, "out of memory");
		f->out_buf = grown, f->out_cap = cap;
	}
	memcpy(f->out_buf + f->out_len, f->out_chunk, n);
	f->out_len += n;
	f->out_buf[f->out_len] = '\0';
	f->out.wrNext = f->out_chunk;
}

static void out_empty(FCGX_Stream *s, int do_close)
{
	out_keep(s->data);
	if (do_close)
		s->isClosed = 1;
}

static void err_empty(FCGX_Stream *s, int do_close)
{
	s->wrNext = s->stopUnget;  /* stderr of a worker: dropped */
	if (do_close)
		s->isClosed = 1;
}

void fuzz_fcgi_init(struct fuzz_fcgi *f, const uint8_t *body, size_t body_len)
{
	static const uint8_t none[1];
	memset(f, 0, sizeof *f);
	if (body == NULL)
		body = none;
	f->in.rdNext = f->in.stopUnget = (unsigned char *)body;
	f->in.stop = f->in.wrNext = (unsigned char *)body + body_len;
	f->in.isReader = 1;
	f->in.fillBuffProc = in_fill;
	f->out.wrNext = f->out.stopUnget = f->out.rdNext = f->out_chunk;
	f->out.stop = f->out_chunk + sizeof f->out_chunk;
	f->out.emptyBuffProc = out_empty;
	f->out.data = f;
	f->err.wrNext = f->err.stopUnget = f->err.rdNext = f->err_chunk;
	f->err.stop = f->err_chunk + sizeof f->err_chunk;
	f->err.emptyBuffProc = err_empty;
	f->req.in = &f->in;
	f->req.out = &f->out;
	f->req.err = &f->err;
	f->req.envp = f->envp;
	f->req.ipcFd = -1;
}

bool fuzz_fcgi_env(struct fuzz_fcgi *f, const char *name_value)
{
	size_t i = 0;
	while (f->envp[i])
		i++;
	if (i + 1 >= sizeof f->envp / sizeof f->envp[0])
		return false;
	f->envp[i] = strdup(name_value);
	FUZZ_CHECK(f->envp[i] != NULL, "out of memory");
	return true;
}

const char *fuzz_fcgi_output(struct fuzz_fcgi *f, size_t *len)
{
	out_keep(f);
	*len = f->out_len;
	return f->out_buf ? f->out_buf : "";
}

void fuzz_fcgi_free(struct fuzz_fcgi *f)
{
	for (size_t i = 0; f->envp[i]; i++)
		free(f->envp[i]);
	free(f->out_buf);
}
