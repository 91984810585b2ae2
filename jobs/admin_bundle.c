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

/* The configured store's view, when there is one: its config (for the
 * SS58 prefix and the gateway key) and the store itself. */
struct local {
	struct ls_config cfg;
	bool have_cfg;
	char why[300];          /* why there is no store to compare with */
};

static void local_load(struct local *l)
{
	ls_err err = {0};
	ls_config_defaults(&l->cfg);
	l->have_cfg = access(ls_config_path(), R_OK) == 0 &&
	              ls_config_load(&l->cfg, ls_config_path(), &err) == LS_OK;
	snprintf(l->why, sizeof l->why, "no configuration%s%s", err.detail[0] ? ": " : "", err.detail);
}

/* The hash of entry seq from the configured store. */
static bool store_hash(struct local *l, uint64_t seq, uint8_t hash[32])
{
	ls_store *st;
	ls_reader *rd;
	ls_err err = {0};
	if (!l->have_cfg)
		return false;
	if (ls_open(&st, &l->cfg, LS_OPEN_READONLY, &err) != LS_OK) {
		snprintf(l->why, sizeof l->why, "the store: %s", err.detail);
		return false;
	}
	ls_status s = ls_reader_begin(st, &rd, &err);
	if (s == LS_OK) {
		s = ls_log_hash_at(rd, seq, hash);
		ls_reader_end(rd);
	}
	ls_close(st);
	if (s != LS_OK)
		snprintf(l->why, sizeof l->why, "the store has no entry %llu", (unsigned long long)seq);
	return s == LS_OK;
}

/* The link of sum to the entry before it: 1 checked, 0 broken, -1 not
 * checked (said why). */
static int check_link(const char *path, const struct ls_bundle_summary *sum,
                      const char *previous, struct local *l)
{
	struct ls_bundle_summary prev;
	uint8_t hash[32];
	ls_err err = {0};
	uint64_t seq = sum->first_seq - 1;
	if (sum->first_seq == 1) {
		printf(PROG ": %s: starts the log (seq 1, zero Prev-Hash)\n", path);
		return 1;
	}
	if (previous) {
		if (!verify_file(previous, &prev))
			return 0;
		if (memcmp(prev.owner, sum->owner, 32) != 0) {
			printf(PROG ": %s: INVALID: %s is signed by another key\n", path, previous);
			return 0;
		}
		seq = prev.last_seq;
		memcpy(hash, prev.last_hash, 32);
	} else if (!store_hash(l, seq, hash)) {
		printf(PROG ": %s: link to entry %llu NOT CHECKED (%s): give the previous "
		       "epoch's bundle as PREVIOUS\n", path, (unsigned long long)seq, l->why);
		return -1;
	}
	if (ls_bundle_link(sum, seq, hash, &err) != LS_OK) {
		printf(PROG ": %s: INVALID: %s in %s\n", path, err.detail,
		       previous ? previous : "the store's log");
		return 0;
	}
	printf(PROG ": %s: continues the chain after entry %llu (%s)\n", path,
	       (unsigned long long)seq, previous ? previous : "the store's log");
	return 1;
}

/* The items' owner against the gateway's address (given, or from the
 * configured gateway key): 1 checked, 0 another key, -1 not checked. */
static int check_signer(const char *path, const struct ls_bundle_summary *sum,
                        const char *signer, struct local *l)
{
	uint8_t pk[32];
	char addr[LS_SS58_MAX];
	struct ls_keypair gw;
	ls_err err = {0};
	if (signer && ls_ss58_decode(signer, l->cfg.ss58_prefix, pk, &err) != LS_OK) {
		printf(PROG ": %s: --signer %s: %s\n", path, signer, err.detail);
		return 0;
	}
	if (!signer) {
		if (!l->have_cfg || ls_keyfile_load(l->cfg.gateway_key, &gw, &err) != LS_OK) {
			printf(PROG ": %s: signer NOT CHECKED (%s): give --signer ADDRESS, the gateway's "
			       "published address\n", path, l->have_cfg ? err.detail : l->why);
			return -1;
		}
		memcpy(pk, gw.pk, 32);
		sodium_memzero(&gw, sizeof gw);
	}
	if (ls_ss58_encode(sum->owner, l->cfg.ss58_prefix, addr) != LS_OK)
		addr[0] = '\0';
	if (memcmp(pk, sum->owner, 32) != 0) {
		printf(PROG ": %s: INVALID: signed by %s, not by the gateway (%s)\n", path, addr,
		       signer ? signer : "its configured key");
		return 0;
	}
	printf(PROG ": %s: signed by the gateway, %s\n", path, addr);
	return 1;
}

int admin_verify_bundle(const char *signer, const char *path, const char *previous)
{
	struct ls_bundle_summary sum;
	struct local l;
	char last[65];
	if (sodium_init() < 0 || !verify_file(path, &sum))
		return EXIT_FAILURE;
	local_load(&l);
	ls_hex(sum.last_hash, 32, last);
	printf(PROG ": %s: valid: the bundle of epoch %llu, %llu items, entries %llu..%llu of "
	       "epochs %llu..%llu; last entry hash %s\n",
	       path, (unsigned long long)sum.epoch, (unsigned long long)sum.count,
	       (unsigned long long)sum.first_seq, (unsigned long long)sum.last_seq,
	       (unsigned long long)sum.first_epoch, (unsigned long long)sum.last_epoch, last);
	int who = check_signer(path, &sum, signer, &l);
	int link = who ? check_link(path, &sum, previous, &l) : 0;
	if (who == 0 || link == 0)
		return EXIT_FAILURE;
	return who > 0 && link > 0 ? EXIT_SUCCESS : ADMIN_EXIT_UNCHECKED;
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
	char tmp[LS_PATH_MAX + 16];
	snprintf(tmp, sizeof tmp, "%s.tmp", out);
	ls_status s = ls_reader_begin(job.st, &rd, &err);
	if (s == LS_OK)
		s = ls_bundle_get(rd, epoch, &info, &err);
	if (s == LS_OK && (fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0)
		s = ls_fail(&err, LS_ERROR, "io_error", NULL, "%s: %s", tmp, strerror(errno));
	if (s == LS_OK)
		s = ls_bundle_carrier(rd, epoch, gw.sk, fd, &err);
	if (fd >= 0 && close(fd) != 0 && s == LS_OK)
		s = ls_fail(&err, LS_ERROR, "io_error", NULL, "%s: %s", tmp, strerror(errno));
	if (s == LS_OK && rename(tmp, out) != 0)
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
			unlink(tmp);
	}
	job_finish(&job);
	return s == LS_OK ? EXIT_SUCCESS : EXIT_FAILURE;
}

int admin_verify_proof(const char *root_hex, const char *path)
{
	struct ls_proof_summary sum;
	uint8_t pin[32];
	size_t len;
	ls_err err = {0};
	if (root_hex && ls_unhex(root_hex, pin, 32) != LS_OK) {
		fprintf(stderr, PROG ": verify-proof: --root takes 64 hex digits\n");
		return EXIT_FAILURE;
	}
	char *body = job_read_file(path, 16u << 20, &len);
	if (body == NULL) {
		fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
		return EXIT_FAILURE;
	}
	ls_status s = ls_proof_verify(body, len, root_hex ? pin : NULL, &sum, &err);
	free(body);
	if (s != LS_OK) {
		printf(PROG ": %s: INVALID: %s\n", path, err.detail);
		return EXIT_FAILURE;
	}
	char root[65];
	ls_hex(sum.root, 32, root);
	printf(PROG ": %s: valid: entry %llu (%s) is item %llu of %llu in the bundle of epoch %llu, "
	       "Merkle root %s, recorded by entry %llu\n", path, (unsigned long long)sum.seq,
	       sum.type, (unsigned long long)sum.leaf_index, (unsigned long long)sum.tree_size,
	       (unsigned long long)sum.epoch, root, (unsigned long long)sum.root_seq);
	return EXIT_SUCCESS;
}
