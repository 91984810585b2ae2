/* job.c — start-up and shutdown shared by the job binaries. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>
#include "job.h"

void job_error(const struct job *job, const ls_err *err)
{
	fprintf(stderr, "%s: %s\n", job->prog, err->detail);
}

/* A copy holding the lock longer than job_lock_stale may hang: say so
 * (cron mails it, systemd marks the run failed). */
static bool lock_stuck(const struct job *job, const char *lock, const struct ls_lock_holder *h,
                       int64_t now)
{
	unsigned limit = ls_store_config(job->st)->job_lock_stale;
	if (h->since <= 0 || h->since > now || now - h->since <= (int64_t)limit)
		return false;
	/* the line of a copy killed -9, read before the new holder rewrote it */
	if (h->pid <= 0 || (kill((pid_t)h->pid, 0) != 0 && errno == ESRCH))
		return false;
	char since[32] = "?";
	time_t t = (time_t)h->since;
	struct tm tm;
	if (gmtime_r(&t, &tm))
		strftime(since, sizeof since, "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(stderr,
	        "%s: the %s lock has been held by pid %ld since %s (%lld s), longer than "
	        "job_lock_stale (%u s): that copy may be stuck; this run did nothing\n",
	        job->prog, lock, h->pid, since, (long long)(now - h->since), limit);
	return true;
}

void job_start(struct job *job, const char *prog, const char *lock, unsigned open_flags)
{
	struct ls_config cfg;
	struct ls_lock_holder holder;
	ls_err err = {0};
	job->prog = prog;
	job->st = NULL;
	job->lock_fd = -1;
	ls_config_defaults(&cfg);
	if (ls_config_load(&cfg, ls_config_path(), &err) != LS_OK ||
	    ls_open(&job->st, &cfg, open_flags, &err) != LS_OK) {
		fprintf(stderr, "%s: %s\n", prog, err.detail);
		exit(EXIT_FAILURE);
	}
	int64_t now = ls_now(&cfg);
	if (lock && ls_job_lock(job->st, lock, now, &job->lock_fd, &holder, &err) != LS_OK) {
		bool stuck = err.status == LS_CONFLICT && lock_stuck(job, lock, &holder, now);
		if (err.status != LS_CONFLICT)
			fprintf(stderr, "%s: %s\n", prog, err.detail);
		ls_close(job->st);
		/* another copy is at work: that is what the lock is for */
		exit(err.status == LS_CONFLICT && !stuck ? EXIT_SUCCESS : EXIT_FAILURE);
	}
	clock_gettime(CLOCK_MONOTONIC, &job->started);
}

void job_succeeded(struct job *job)
{
	struct timespec end;
	clock_gettime(CLOCK_MONOTONIC, &end);
	double seconds = (double)(end.tv_sec - job->started.tv_sec) +
	                 (double)(end.tv_nsec - job->started.tv_nsec) / 1e9;
	ls_job_succeeded(job->lock_fd, ls_now(ls_store_config(job->st)), seconds);
}

void job_finish(struct job *job)
{
	ls_job_unlock(job->lock_fd);
	ls_close(job->st);
}

bool job_gateway_key(const ls_store *st, const char *prog, struct ls_keypair *kp)
{
	ls_err err = {0};
	const char *key = ls_store_config(st)->gateway_key;
	ls_status s = ls_keyfile_load(key, kp, &err);
	if (s == LS_OK && kp->alg != LS_KEY_ED25519)
		s = ls_fail(&err, LS_INVALID, "keyfile", NULL,
		            "%s is an sr25519 key; the gateway signs with ed25519", key);
	if (s != LS_OK) {
		sodium_memzero(kp, sizeof *kp);
		fprintf(stderr, "%s: the gateway key: %s (create it with leadgate-admin keygen --gateway)\n",
		        prog, err.detail);
	}
	return s == LS_OK;
}

char *job_read_file(const char *path, size_t max, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (f == NULL)
		return NULL;
	/* grown as it fills: max bounds the file, it is not what to allocate */
	size_t cap = 64 * 1024, n = 0;
	char *buf = malloc(cap + 1), *grown;
	bool failed = buf == NULL;
	while (!failed) {
		n += fread(buf + n, 1, cap - n, f);
		if (n < cap || n > max)  /* the end (or an error), or too big */
			break;
		if ((grown = realloc(buf, 2 * cap + 1)) == NULL)
			failed = true;
		else
			buf = grown, cap *= 2;
	}
	bool too_big = n > max;
	failed = failed || ferror(f);
	if (f != stdin)
		fclose(f);
	if (failed || too_big) {
		free(buf);
		errno = too_big ? EFBIG : EIO;
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

size_t job_body_collect(char *p, size_t size, size_t n, void *body)
{
	struct job_body *b = body;
	size_t add = size * n;
	if (add > b->max - b->len)
		return 0;
	char *grown = realloc(b->data, b->len + add + 1);
	if (grown == NULL)
		return 0;
	memcpy(grown + b->len, p, add);
	b->data = grown;
	b->len += add;
	b->data[b->len] = '\0';
	return add;
}
