/* job.h — what every job binary shares: configuration, opening the store
 * and taking the job's lock, with "prog: what: why" messages. */
#ifndef LEADGATE_JOB_H
#define LEADGATE_JOB_H

#include <time.h>
#include "leadstore.h"

struct job {
	const char *prog;
	ls_store *st;
	int lock_fd;
	struct timespec started;  /* CLOCK_MONOTONIC, when the lock was taken */
};

/* Load LEADGATE_CONF (or the default path) and open the store; with a
 * lock name, also take that job's lock.  Exits the process on failure
 * (EXIT_FAILURE); when another copy holds the lock, quietly with 0, or
 * with EXIT_FAILURE and a report when it has held it longer than
 * job_lock_stale. */
void job_start(struct job *job, const char *prog, const char *lock, unsigned open_flags);
void job_finish(struct job *job);
/* The job ran to the end: healthz shows when (its lock file keeps it). */
void job_succeeded(struct job *job);
/* Print "prog: detail" to stderr (details name their field). */
void job_error(const struct job *job, const ls_err *err);
/* The gateway's key (gateway_key, always ed25519); false after saying
 * why on stderr. */
bool job_gateway_key(const ls_store *st, const char *prog, struct ls_keypair *kp);
/* Read a whole file ("-" for stdin), at most max bytes; NULL on failure. */
char *job_read_file(const char *path, size_t max, size_t *len);

/* An HTTP answer's body as libcurl delivers it (CURLOPT_WRITEFUNCTION
 * job_body_collect, CURLOPT_WRITEDATA the body): kept NUL-terminated, at
 * most max bytes; past that, or out of memory, the callback refuses and
 * curl fails the transfer (CURLE_WRITE_ERROR).  free(data) after. */
struct job_body {
	char *data;
	size_t len, max;
};
size_t job_body_collect(char *p, size_t size, size_t n, void *body);

#endif
