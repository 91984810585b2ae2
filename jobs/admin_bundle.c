/* admin_bundle.c — leadgate-admin verify-bundle and bundle-item: check a
 * bundle as anyone who downloaded it would, and export the data item that
 * carries it to an Arweave bundler. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>
#include "admin.h"
#include "job.h"

#define PROG "leadgate-admin"

struct mapped {
	const uint8_t *buf;
	size_t len;
};

/* The whole file, mapped read-only (an empty file maps to nothing). */
static bool map_file(const char *path, struct mapped *m)
{
	struct stat sb;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	m->buf = NULL;
	m->len = 0;
	if (fd < 0 || fstat(fd, &sb) != 0) {
		fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return false;
	}
	m->len = (size_t)sb.st_size;
	if (m->len > 0) {
		void *p = mmap(NULL, m->len, PROT_READ, MAP_PRIVATE, fd, 0);
		if (p == MAP_FAILED) {
			fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
			close(fd);
			return false;
		}
		m->buf = p;
	}
	close(fd);
	return true;
}

static void unmap_file(struct mapped *m)
{
	if (m->buf)
		munmap((void *)m->buf, m->len);
}

/* Verify the bundle at path into sum; false after printing why. */
static bool verify_file(const char *path, struct ls_bundle_summary *sum)
{
	struct mapped m;
	ls_err err = {0};
	if (!map_file(path, &m))
		return false;
	ls_status s = ls_bundle_verify(m.buf ? m.buf : (const uint8_t *)"", m.len, sum, &err);
	unmap_file(&m);
	if (s != LS_OK)
		printf(PROG ": %s: INVALID: %s\n", path, err.detail);
	return s == LS_OK;
}

/* The hash of entry seq from the configured store, when there is one. */
static bool store_hash(uint64_t seq, uint8_t hash[32], char *why, size_t why_len)
{
	struct ls_config cfg;
	ls_store *st;
	ls_reader *rd;
	ls_err err = {0};
	ls_config_defaults(&cfg);
	if (access(ls_config_path(), R_OK) != 0 || ls_config_load(&cfg, ls_config_path(), &err) != LS_OK ||
	    ls_open(&st, &cfg, LS_OPEN_READONLY, &err) != LS_OK) {
		snprintf(why, why_len, "no store to compare with%s%s", err.detail[0] ? ": " : "",
		         err.detail);
		return false;
	}
	ls_status s = ls_reader_begin(st, &rd, &err);
	if (s == LS_OK) {
		s = ls_log_hash_at(rd, seq, hash);
		ls_reader_end(rd);
	}
	ls_close(st);
	if (s != LS_OK)
		snprintf(why, why_len, "the store has no entry %llu", (unsigned long long)seq);
	return s == LS_OK;
}

/* The link of sum to the entry before it; false when it is broken. */
static bool check_link(const char *path, const struct ls_bundle_summary *sum,
                       const char *previous)
{
	struct ls_bundle_summary prev;
	uint8_t hash[32];
	char why[300];
	ls_err err = {0};
	uint64_t seq = sum->first_seq - 1;
	if (sum->count == 0 || sum->first_seq == 1) {
		printf(PROG ": %s: %s\n", path, sum->count ? "starts the log (seq 1, zero Prev-Hash)"
		                                           : "holds no entries: nothing to link");
		return true;
	}
	if (previous) {
		if (!verify_file(previous, &prev))
			return false;
		seq = prev.last_seq;
		memcpy(hash, prev.last_hash, 32);
	} else if (!store_hash(seq, hash, why, sizeof why)) {
		printf(PROG ": %s: link to entry %llu NOT CHECKED (%s): give the previous "
		       "epoch's bundle as PREVIOUS\n", path, (unsigned long long)seq, why);
		return true;
	}
	if (ls_bundle_link(sum, seq, hash, &err) != LS_OK) {
		printf(PROG ": %s: INVALID: %s%s%s\n", path, err.detail, previous ? " in " : "",
		       previous ? previous : " in the store's log");
		return false;
	}
	printf(PROG ": %s: continues the chain after entry %llu (%s)\n", path,
	       (unsigned long long)seq, previous ? previous : "the store's log");
	return true;
}

int admin_verify_bundle(const char *path, const char *previous)
{
	struct ls_bundle_summary sum;
	char owner[65], last[65];
	if (sodium_init() < 0 || !verify_file(path, &sum))
		return EXIT_FAILURE;
	ls_hex(sum.owner, 32, owner);
	ls_hex(sum.last_hash, 32, last);
	if (sum.count)
		printf(PROG ": %s: valid: %llu items, entries %llu..%llu of epochs %llu..%llu, "
		       "signed by ed25519 key %s; last entry hash %s\n",
		       path, (unsigned long long)sum.count, (unsigned long long)sum.first_seq,
		       (unsigned long long)sum.last_seq, (unsigned long long)sum.first_epoch,
		       (unsigned long long)sum.last_epoch, owner, last);
	else
		printf(PROG ": %s: valid: an empty bundle\n", path);
	return check_link(path, &sum, previous) ? EXIT_SUCCESS : EXIT_FAILURE;
}

int admin_bundle_item(const char *epoch_text, const char *out)
{
	struct job job;
	struct ls_keypair gw;
	struct ls_bundle_info info;
	ls_reader *rd = NULL;
	uint64_t epoch;
	ls_err err = {0};
	if (!ls_parse_u64(epoch_text, UINT64_MAX, &epoch)) {
		fprintf(stderr, PROG ": bundle-item: %s is not an epoch number\n", epoch_text);
		return EXIT_FAILURE;
	}
	job_start(&job, PROG, NULL, LS_OPEN_READONLY);
	if (!job_gateway_key(job.st, job.prog, &gw)) {
		job_finish(&job);
		return EXIT_FAILURE;
	}
	int fd = -1;
	ls_status s = ls_reader_begin(job.st, &rd, &err);
	if (s == LS_OK)
		s = ls_bundle_get(rd, epoch, &info, &err);
	if (s == LS_OK && (fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0)
		s = ls_fail(&err, LS_ERROR, "io_error", NULL, "%s: %s", out, strerror(errno));
	if (s == LS_OK)
		s = ls_bundle_carrier(rd, epoch, gw.sk, fd, &err);
	if (fd >= 0 && close(fd) != 0 && s == LS_OK)
		s = ls_fail(&err, LS_ERROR, "io_error", NULL, "%s: %s", out, strerror(errno));
	sodium_memzero(&gw, sizeof gw);
	ls_reader_end(rd);
	if (s == LS_OK) {
		char id[64];
		sodium_bin2base64(id, sizeof id, info.id, 32, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
		printf(PROG ": %s: data item %s carries epoch %llu's bundle\n", out, id,
		       (unsigned long long)epoch);
	} else {
		job_error(&job, &err);
		if (fd >= 0)
			unlink(out);
	}
	job_finish(&job);
	return s == LS_OK ? EXIT_SUCCESS : EXIT_FAILURE;
}
