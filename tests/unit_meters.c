/* The request meters (store/meters.c): counts by slot, status, latency
 * bucket and signature failure; exact totals when several processes count
 * at once through one file; another build's layout replaced without
 * disturbing a process still mapping the old file; a file of a wrong size
 * replaced; none of it when a process has not attached. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "tap.h"
#include "leadstore.h"

#define CHILDREN 4
#define PER_CHILD 20000

static char dir[256];

static ls_store *open_store(void)
{
	struct ls_config cfg;
	ls_store *st;
	ls_err err = {0};
	ls_config_defaults(&cfg);
	snprintf(cfg.store_dir, sizeof cfg.store_dir, "%s", dir);
	cfg.map_size = 1 << 20;  /* reserved on disk */
	if (ls_open(&st, &cfg, LS_OPEN_CREATE, &err) != LS_OK)
		tap_bail(err.detail);
	return st;
}

static ls_store *attached(uint64_t id)
{
	ls_store *st = open_store();
	ls_err err = {0};
	if (ls_meters_attach(st, id, &err) != LS_OK)
		tap_bail(err.detail);
	return st;
}

static unsigned status_index(int status)
{
	unsigned s = 0;
	while (s < LS_METER_STATUSES - 1 && ls_meter_statuses[s] != status)
		s++;
	return s;
}

static uint64_t reason(const struct ls_meters *m, const char *code)
{
	for (unsigned i = 0; i < LS_METER_AUTH_REASONS; i++)
		if (strcmp(ls_meter_auth_reasons[i], code) == 0)
			return m->auth[i];
	return UINT64_MAX;
}

static void counting_tests(uint64_t id)
{
	ls_store *st = attached(id);
	struct ls_meters m;
	ls_meters_request(st, 3, 200, 0.0003);   /* first bucket */
	ls_meters_request(st, 3, 200, 0.004);    /* the 0.005 bucket */
	ls_meters_request(st, 3, 304, 0.004);
	ls_meters_request(st, 3, 418, 7.0);      /* another status, past every bucket */
	ls_meters_request(st, LS_METER_ROUTES, 200, 0.1);  /* no such slot: ignored */
	ls_meters_auth_failure(st, "digest_mismatch");
	ls_meters_auth_failure(st, "replayed_nonce");
	ls_meters_auth_failure(st, "no_such_code");
	ok(ls_meters_read(st, &m), "an attached process reads its meters");
	const struct ls_meter_route *r = &m.route[3];
	ok(r->count == 4 && r->status[status_index(200)] == 2 && r->status[status_index(304)] == 1 &&
	       r->status[LS_METER_STATUSES - 1] == 1,
	   "by status: 2 x 200, 1 x 304, and 418 under \"other\" (count %llu)",
	   (unsigned long long)r->count);
	ok(r->bucket[0] == 1 && r->bucket[3] == 2 && r->bucket[0] + r->bucket[3] == 3,
	   "by latency: 0.3 ms in the first bucket, 4 ms in the 5 ms bucket, 7 s in none but the count");
	ok(r->micros == 300 + 4000 + 4000 + 7000000, "latency sum in microseconds (%llu)",
	   (unsigned long long)r->micros);
	uint64_t others = 0;
	for (unsigned i = 0; i < LS_METER_ROUTES; i++)
		if (i != 3)
			others += m.route[i].count;
	ok(others == 0, "a slot past the last is ignored, no other slot counted");
	ok(reason(&m, "digest_mismatch") == 1 && reason(&m, "replayed_nonce") == 1 &&
	       reason(&m, "other") == 1,
	   "signature failures by code, an unknown code under \"other\"");
	ls_close(st);
}

static void processes_tests(uint64_t id)
{
	pid_t kids[CHILDREN];
	for (int i = 0; i < CHILDREN; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			ls_store *st = attached(id);
			for (int k = 0; k < PER_CHILD; k++)
				ls_meters_request(st, 7, k % 2 ? 200 : 404, 0.001);
			ls_close(st);
			_exit(0);
		}
	}
	int failed = 0;
	for (int i = 0; i < CHILDREN; i++) {
		int wst;
		if (waitpid(kids[i], &wst, 0) != kids[i] || !WIFEXITED(wst) || WEXITSTATUS(wst) != 0)
			failed++;
	}
	ls_store *st = attached(id);
	struct ls_meters m;
	ls_meters_read(st, &m);
	ok(!failed && m.route[7].count == CHILDREN * PER_CHILD &&
	       m.route[7].status[status_index(200)] == CHILDREN * PER_CHILD / 2 &&
	       m.route[3].count == 4,
	   "%d processes counting %d requests each at once: %llu counted, none lost, the earlier "
	   "counts kept",
	   CHILDREN, PER_CHILD, (unsigned long long)m.route[7].count);
	ls_close(st);
}

static void layout_tests(uint64_t id)
{
	char path[300];
	struct stat before, after;
	struct ls_meters m;
	snprintf(path, sizeof path, "%s/meters", dir);
	ls_store *old = attached(id);
	stat(path, &before);
	uint64_t other = ls_meters_layout_add(id, "GET /v1/new/route");
	ls_store *now = attached(other);
	stat(path, &after);
	ls_meters_read(now, &m);
	ok(after.st_ino != before.st_ino && m.route[7].count == 0 && m.route[3].count == 0,
	   "another build's routes: the file is replaced and counts start at zero");
	ls_meters_request(old, 7, 200, 0.001);
	ls_meters_read(old, &m);
	ok(m.route[7].count == CHILDREN * PER_CHILD + 1,
	   "a process of the old build keeps counting into its own (unlinked) file");
	ls_close(old);
	ls_close(now);

	int fd = open(path, O_WRONLY | O_TRUNC);
	ok(fd >= 0 && write(fd, "short", 5) == 5, "a meters file of a wrong size");
	close(fd);
	ls_store *st = attached(other);
	stat(path, &after);
	ok(ls_meters_read(st, &m) && after.st_size > 5 && m.route[0].count == 0,
	   "is replaced by one of the right size (%lld bytes)", (long long)after.st_size);
	ls_close(st);

	st = open_store();
	ls_meters_request(st, 1, 200, 0.001);
	ls_meters_auth_failure(st, "bad_signature");
	ok(!ls_meters_read(st, &m) && m.route[1].count == 0,
	   "a process that has not attached counts nothing and reads nothing");
	ls_close(st);
}

int main(void)
{
	snprintf(dir, sizeof dir, "%s", tap_tempdir());
	uint64_t id = ls_meters_layout_add(ls_meters_layout_add(0, "GET"), "/v1/epoch/current");
	counting_tests(id);
	processes_tests(id);
	layout_tests(id);
	return tap_done();
}
