/* fuzz.h — what the libFuzzer targets share (./configure --enable-fuzzing).
 * Each target is a real caller of the code it fuzzes: the parsers as the
 * gateway calls them, against a real store in a temporary directory. */
#ifndef LEADGATE_FUZZ_H
#define LEADGATE_FUZZ_H
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <fcgiapp.h>
#include "leadstore.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* The fixed "now" of the stores: inside epoch 1 of the snapshot's clock. */
#define FUZZ_NOW 1800000000

/* A finding: print what broke and abort, so that libFuzzer saves the input. */
#define FUZZ_CHECK(cond, what)                                                                \
	do {                                                                                  \
		if (!(cond)) {                                                                \
			fprintf(stderr, "fuzz: %s (%s:%d)\n", what, __FILE__, __LINE__);      \
			abort();                                                              \
		}                                                                             \
	} while (0)

/* The identities of the fuzz store's metagraph: a validator, a miner and
 * a client's name.  Set by fuzz_store_open. */
struct fuzz_world {
	ls_store *st;
	struct ls_identity validator, miner;
	struct ls_client client;
	char request_id[37];   /* an open client request */
	char challenge_id[16]; /* an open challenge */
};
/* A store in a new temporary directory (removed at exit) in consensus
 * mode `mode`, with a metagraph, a client, one of its requests and an open
 * challenge.  Exits on failure: the target cannot run without it. */
void fuzz_store_open(struct fuzz_world *w, unsigned mode);

/* An in-memory FastCGI request: env holds "NAME=value" strings, the body
 * is read from in, and what is written to out is kept in out_buf. */
struct fuzz_fcgi {
	FCGX_Request req;
	FCGX_Stream in, out, err;
	char *envp[40];
	unsigned char out_chunk[4096], err_chunk[512];
	char *out_buf;
	size_t out_len, out_cap;
};
void fuzz_fcgi_init(struct fuzz_fcgi *f, const uint8_t *body, size_t body_len);
/* Add "NAME=value"; false when the environment is full. */
bool fuzz_fcgi_env(struct fuzz_fcgi *f, const char *name_value);
/* Everything written to out so far (flushed), NUL-terminated. */
const char *fuzz_fcgi_output(struct fuzz_fcgi *f, size_t *len);
void fuzz_fcgi_free(struct fuzz_fcgi *f);

#endif
