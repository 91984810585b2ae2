/* The chain clock and epoch windows of SPEC §2, the store's time (ls_now
 * and the test clock of store_dir/faults), and UUIDv7 lead ids. */
#include <time.h>
#include "tap.h"
#include "leadstore.h"

/* Replace store_dir/faults with text, as a test script does (a new file
 * renamed into place, so that a reader sees the old or the new one). */
static void faults_write(const char *dir, const char *text)
{
	char path[300], tmp[310];
	snprintf(path, sizeof path, "%s/faults", dir);
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0 || rename(tmp, path) != 0)
		tap_bail("cannot write the faults file");
}

/* Whether t is the wall clock (read around it, so a second boundary
 * between the reads does not fail the check). */
static bool is_wall(int64_t before, int64_t t)
{
	return t >= before && t <= (int64_t)time(NULL);
}

#ifdef LS_FAULT_INJECTION
/* Whether, with faults holding text, now is the wall clock. */
static bool wall_with(const char *dir, const struct ls_config *cfg, const char *text)
{
	faults_write(dir, text);
	int64_t before = (int64_t)time(NULL);
	return is_wall(before, ls_now(cfg));
}
#endif

static void now_tests(void)
{
	struct ls_config cfg;
	ls_config_defaults(&cfg);
	const char *dir = tempdir_make(NULL, "leadgate-clock");
	if (dir == NULL)
		tap_bail("mkdtemp");
	snprintf(cfg.store_dir, sizeof cfg.store_dir, "%s", dir);
	int64_t before = (int64_t)time(NULL);
	ok(is_wall(before, ls_now(&cfg)), "without a faults file, now is the wall clock");
	faults_write(dir, "clock=1700000000\n");
	int64_t set = ls_now(&cfg);
#ifdef LS_FAULT_INJECTION
	ok(set == 1700000000, "clock=1700000000 in store_dir/faults: now is 1700000000 (%lld)",
	   (long long)set);
	faults_write(dir, "challenges_build_hold\nclock=1700000001\n");
	ok(ls_now(&cfg) == 1700000001, "moved one second on, among other faults: 1700000001");
	faults_write(dir, "clock_offset=-3600\n");
	before = (int64_t)time(NULL);
	int64_t back = ls_now(&cfg);
	ok(back >= before - 3600 && back <= (int64_t)time(NULL) - 3600,
	   "clock_offset=-3600: an hour behind the wall clock");
	faults_write(dir, "clock_offset=86400\nclock=1700000002\n");
	ok(ls_now(&cfg) == 1700000002, "clock= wins over clock_offset= whatever their order");
	ok(wall_with(dir, &cfg, "clock=17000x\n"),
	   "a clock line that is not a whole number is ignored: wall clock");
	ok(wall_with(dir, &cfg, "clockwork=5\nclock_offsets=5\n"),
	   "lines that only begin with clock are other faults: wall clock");
	ok(wall_with(dir, &cfg, "clock\n"), "a clock line without a value is ignored (not 1970): wall clock");
	ok(wall_with(dir, &cfg, "clock_offset=1099511627776\n"),
	   "an offset of 2^40 s is out of bounds and ignored: wall clock");
	/* 127 characters, then "clock=...": a reader of 128-byte pieces would
	 * take that tail for a line of its own */
	char text[300];
	memset(text, 'x', 127);
	snprintf(text + 127, sizeof text - 127, "clock=1700000009\nclock=1700000003\n");
	faults_write(dir, text);
	ok(ls_now(&cfg) == 1700000003, "a long line is read whole: the clock= inside it is no line of its own");
#else
	ok(is_wall(before, set), "a build without fault injection reads no faults file: wall clock");
#endif
}

static void clock_tests(void)
{
	struct ls_config cfg;
	struct ls_clock c;
	struct ls_epoch_windows w;
	ls_config_defaults(&cfg);
	struct ls_anchor a = {.block = 7200, .time = 1000000};

	ls_clock_at(&cfg, &a, 1000000, &c);
	ok(c.block == 7200 && c.epoch == 20 && c.offset == 0, "at the anchor: block 7200, epoch 20, offset 0");
	ls_clock_at(&cfg, &a, 1000000 + 11, &c);
	ok(c.block == 7200, "11 s later it is still the same block (12 s blocks)");
	ls_clock_at(&cfg, &a, 1000000 + 12 * 350 + 5, &c);
	ok(c.block == 7550 && c.offset == 350 && c.block_started == 1000000 + 12 * 350,
	   "350 blocks later: offset 350, and the block began 4200 s after the anchor");
	ls_clock_at(&cfg, &a, 1000000 - 1, &c);
	ok(c.block == 7199 && c.epoch == 19 && c.offset == 359,
	   "one second before the anchor is the previous block (floor division)");
	struct ls_anchor early = {.block = 3, .time = 1000000};
	ls_clock_at(&cfg, &early, 0, &c);
	ok(c.block == 0, "a clock far behind the anchor stops at block 0");

	ls_clock_at(&cfg, &a, 1000000, &c);
	ls_epoch_windows(&cfg, &c.sched, 20, &w);
	ok(w.distribution.first_block == 7200 && w.distribution.last_block == 7550,
	   "distribution window of epoch 20: blocks 7200..7550 (offsets 0-350)");
	ok(w.commit.first_block == 7200 && w.commit.last_block == 7555, "commit window: offsets 0-355");
	ok(w.prefetch.first_block == 7551 && w.prefetch.last_block == 7559, "prefetch window: offsets 351-359");
	ok(w.reveal.first_block == 7560 && w.reveal.last_block == 7619,
	   "reveal window: offsets 0-59 of epoch 21");
	ok(w.close_block == 7620, "epoch 20 may close from block 7620");
	ok(ls_window_contains(&w.distribution, 7550) && !ls_window_contains(&w.distribution, 7551),
	   "offset 350 is inside the distribution window, 351 is not");
	ok(ls_window_contains(&w.commit, 7555) && !ls_window_contains(&w.commit, 7556),
	   "offset 355 is inside the commit window, 356 is not");

	cfg.epoch_length = 20;
	cfg.distribution_end = 15;
	cfg.commit_end = 16;
	cfg.prefetch_start = 17;
	cfg.reveal_end = 4;
	ls_schedule_of(&cfg, &a, &c.sched);
	ls_epoch_windows(&cfg, &c.sched, 3, &w);
	ok(w.distribution.last_block == 75 && w.prefetch.first_block == 77 &&
	   w.reveal.first_block == 80 && w.reveal.last_block == 84 && w.close_block == 85,
	   "windows follow the configured lengths (demo clock: 20-block epochs)");
}

/* the clock at `block` (12 s blocks from the anchor's time) */
static void clock_block(const struct ls_config *cfg, const struct ls_anchor *a, uint64_t block,
                        struct ls_clock *c)
{
	ls_clock_at(cfg, a, a->time + ((int64_t)block - (int64_t)a->block) * 12, c);
}

/* Whether the clock says epoch and offset at each of blocks b-1, b, b+1. */
static int around(const struct ls_config *cfg, const struct ls_anchor *a, uint64_t b,
                  uint64_t before, uint64_t before_offset, uint64_t at)
{
	struct ls_clock c[3];
	for (int i = 0; i < 3; i++)
		clock_block(cfg, a, b - 1 + (uint64_t)i, &c[i]);
	int good = c[0].epoch == before && c[0].offset == before_offset && c[1].epoch == at &&
	           c[1].offset == 0 && c[2].epoch == at && c[2].offset == 1;
	if (!good)
		printf("#   around %llu: %llu+%u %llu+%u %llu+%u\n", (unsigned long long)b,
		       (unsigned long long)c[0].epoch, c[0].offset, (unsigned long long)c[1].epoch,
		       c[1].offset, (unsigned long long)c[2].epoch, c[2].offset);
	return good;
}

/* epoch_source = chain (SPEC §2 as the chain issue amends it): epochs where
 * the subnet's schedule puts them, both sides of every boundary. */
static void chain_schedule_tests(void)
{
	struct ls_config cfg;
	struct ls_clock c;
	struct ls_epoch_windows w;
	struct ls_anchor a = {0};
	ls_config_defaults(&cfg);
	cfg.epoch_source = LS_EPOCHS_CHAIN;
	struct ls_chain_schedule e = {true, 360, 360, 42, 6999995, 7000355};
	ls_anchor_advance(&a, 7000000, 1800000000, &e);
	ok(a.nstarts == 1 && a.period == 360 && a.next_start == 7000355,
	   "a sync records the epoch's index and start, and the predicted next start");
	ok(around(&cfg, &a, 6999995, 41, 359, 42) && around(&cfg, &a, 7000355, 42, 359, 43) &&
	           around(&cfg, &a, 7000715, 43, 359, 44),
	   "dynamic tempo: epoch 42 from LastEpochBlock 6999995, 43 at +tempo 7000355, 44 predicted at 7000715");
	clock_block(&cfg, &a, 7000000, &c);
	ls_epoch_windows(&cfg, &c.sched, 42, &w);
	ok(w.distribution.first_block == 6999995 && w.distribution.last_block == 6999995 + 350 &&
	           w.prefetch.first_block == 6999995 + 351 && w.prefetch.last_block == 7000354 &&
	           w.reveal.first_block == 7000355 && w.reveal.last_block == 7000355 + 59 &&
	           w.close_block == 7000355 + 60,
	   "epoch 42's windows are offsets from its start, its reveal from 43's");

	/* set_tempo 100 at block 7000100: the chain starts epoch 43 there */
	e = (struct ls_chain_schedule){true, 100, 100, 43, 7000100, 7000200};
	ls_anchor_advance(&a, 7000101, 1800001212, &e);
	clock_block(&cfg, &a, 7000101, &c);
	ls_epoch_windows(&cfg, &c.sched, 42, &w);
	ok(around(&cfg, &a, 7000100, 42, 104, 43) && around(&cfg, &a, 7000200, 43, 99, 44) &&
	           w.distribution.last_block == 7000099 &&
	           w.prefetch.first_block > w.prefetch.last_block && w.reveal.first_block == 7000100 &&
	           w.reveal.last_block == 7000159,
	   "a tempo change: 43 begins where the chain began it, 44 a new tempo later; 42's windows stop at 43's start (its prefetch window, past it, is empty)");

	/* PendingEpochAt 7000150: the next epoch sooner */
	e.next_start = 7000150;
	ls_anchor_advance(&a, 7000120, 1800001452, &e);
	ok(around(&cfg, &a, 7000150, 43, 49, 44) && around(&cfg, &a, 7000250, 44, 99, 45),
	   "a PendingEpochAt trigger: 44 at 7000150, before 43's start + tempo");

	e = (struct ls_chain_schedule){true, 100, 100, 43, 7000130, 7000230};
	ls_anchor_advance(&a, 7000131, 1800001584, &e);
	ok(a.nstarts == 2 && a.starts[1].block == 7000100,
	   "a start once recorded never changes (43 stays at 7000100)");

	struct ls_anchor legacy = {0};
	ls_chain_schedule(6852690, 1, 99, NULL, 0, 0, &e);
	ls_anchor_advance(&legacy, 6852690, 1762787544, &e);
	ok(around(&cfg, &legacy, 6852597, 68525, 99, 68526) &&
	           around(&cfg, &legacy, 6852697, 68526, 99, 68527) &&
	           around(&cfg, &legacy, 6852797, 68527, 99, 68528),
	   "the legacy grid (subnet 1, tempo 99): epochs run at 6852597, 6852697, 6852797");
	cfg.epoch_source = LS_EPOCHS_FIXED;
	clock_block(&cfg, &legacy, 6852690, &c);
	ok(c.epoch == 6852690 / 360 && c.offset == 6852690 % 360,
	   "epoch_source = fixed ignores the recorded schedule: block / epoch_length");
}

static void uuid_tests(void)
{
	uint8_t prev[16], id[16];
	char text[37];
	bool ordered = true, versioned = true;
	ls_uuid7(1700000000000, prev);
	for (int i = 0; i < 10000; i++) {
		ls_uuid7(1700000000000, id);  /* the same millisecond every time */
		ordered = ordered && memcmp(prev, id, 16) < 0;
		versioned = versioned && (id[6] >> 4) == 7 && (id[8] >> 6) == 2;
		memcpy(prev, id, 16);
	}
	ok(ordered, "10000 UUIDv7 ids made in one millisecond strictly increase");
	ok(versioned, "every id has version 7 and the RFC 9562 variant");
	ls_uuid7(1600000000000, id);
	ok(memcmp(prev, id, 16) < 0, "an id made after the clock stepped back still sorts after the last");
	ls_uuid7(1800000000000, id);
	ok(id[0] == 0x01 && id[1] == 0xa3, "the first 48 bits are the unix milliseconds, big-endian");
	uint8_t back[16];
	ls_uuid_format(id, text);
	ok(strlen(text) == 36 && text[14] == '7' && ls_uuid_parse(text, back) == LS_OK &&
	   memcmp(back, id, 16) == 0,
	   "format and parse round-trip (%s)", text);
	ok(ls_uuid_parse("01a20467-6e28-726b-9fbc-c4557db5c60", back) != LS_OK &&
	   ls_uuid_parse("01a204676e28-726b-9fbc-c4557db5c6011", back) != LS_OK &&
	   ls_uuid_parse("01a20467-6e28-726b-9fbc-c4557db5c6zz", back) != LS_OK,
	   "ids of the wrong length, dash layout or digits are refused");
}

int main(void)
{
	clock_tests();
	chain_schedule_tests();
	now_tests();
	uuid_tests();
	return tap_done();
}
