/* The chain's encodings as leadgate-sync --rpc reads them: SCALE compact
 * integers against parity-scale-codec's documented examples and its
 * refusals of non-canonical forms; storage keys against the well-known
 * Timestamp.Now key and a key recorded from mainnet by the bittensor SDK's
 * tests; the runtime call arguments; and subtensor's epoch schedule, both
 * sides of each boundary. */
#include "tap.h"
#include "leadstore.h"
#include "scale.h"

static size_t unhex(const char *hex, uint8_t *out)
{
	size_t n = strlen(hex) / 2;
	if (ls_unhex(hex, out, n) != LS_OK)
		tap_bail("bad hex in a vector");
	return n;
}

/* compact(HEX) as a `bits`-wide type: its value, or -1 when refused. */
static long double compact_of(const char *hex, unsigned bits)
{
	uint8_t b[32];
	struct scale s;
	scale_init(&s, b, unhex(hex, b));
	uint64_t v = scale_compact(&s, bits);
	return scale_done(&s) ? (long double)v : -1;
}

static void compacts(void)
{
	static const struct {
		const char *hex;
		uint64_t value;
	} good[] = {
		{"00", 0}, {"04", 1}, {"a8", 42}, {"fc", 63}, {"0101", 64}, {"1501", 69},
		{"fdff", 16383}, {"02000100", 16384}, {"feff0300", 65535},
		{"feffffff", 1073741823}, {"0300000040", 1073741824},
		{"070000000001", 4294967296}, {"0b00407a10f35a", 100000000000000},
		{"13000064a7b3b6e00d", 1000000000000000000}, {"13ffffffffffffffff", UINT64_MAX},
	};
	size_t right = 0;
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		right += compact_of(good[i].hex, 64) == (long double)good[i].value;
	ok(right == sizeof good / sizeof good[0],
	   "compact integers decode as parity-scale-codec encodes them (%zu of %zu, 0 to 2^64-1)",
	   right, sizeof good / sizeof good[0]);
	static const char *const longer[] = {"0100", "fd00", "02000000", "feff0000", "0300000000",
	                                     "03ffffff3f", "0b000000000100", "070000000000"};
	size_t refused = 0;
	for (size_t i = 0; i < sizeof longer / sizeof longer[0]; i++)
		refused += compact_of(longer[i], 64) < 0;
	ok(refused == sizeof longer / sizeof longer[0],
	   "a compact integer not in its shortest form is refused (%zu of %zu)", refused,
	   sizeof longer / sizeof longer[0]);
	ok(compact_of("feff0300", 16) == 65535 && compact_of("02000400", 16) < 0 &&
	           compact_of("0300000100", 16) < 0 && compact_of("0104", 8) < 0 &&
	           compact_of("fd03", 8) == 255 && compact_of("1700000000000000000001", 64) < 0,
	   "a compact integer too large for its type (u8, u16, u64) is refused");
	ok(compact_of("", 64) < 0 && compact_of("01", 64) < 0 && compact_of("020000", 64) < 0 &&
	           compact_of("13ffffffff", 64) < 0,
	   "a compact integer cut short is refused");
}

static int skip_ok(const char *hex, const char *type)
{
	uint8_t b[256];
	struct scale s;
	scale_init(&s, b, unhex(hex, b));
	const char *rest = scale_skip(&s, type);
	return *rest == '\0' && scale_done(&s);
}

static void types(void)
{
	ok(skip_ok("01", "b") && !skip_ok("02", "b") && skip_ok("00", "Ob") &&
	           skip_ok("0101", "Ob") && !skip_ok("02", "Ob") && !skip_ok("0102", "Ob"),
	   "booleans and options take only 0 and 1");
	ok(skip_ok("08" "1111111111111111111111111111111111111111111111111111111111111111" "04"
	           "2222222222222222222222222222222222222222222222222222222222222222" "feff0300",
	           "V(Al)") &&
	           !skip_ok("0c" "1111111111111111111111111111111111111111111111111111111111111111" "04",
	                    "V(Al)"),
	   "a vector of (AccountId, compact) tuples is read whole, and refused when it claims more than is there");
	ok(skip_ok("00", "Vs") && skip_ok("0c00040101", "Vs") && !skip_ok("0c0004", "Vs") &&
	           !skip_ok("fdff", "Vs") && skip_ok("000000", "(VsVsVs)"),
	   "empty vectors (trust, rank, pruning score on current runtimes) read as empty");
	ok(skip_ok("0c" "0501" "c101" "fc", "Vc") && skip_ok("0100", "OO(V1)") && skip_ok("00", "OO(V1)"),
	   "Vec<Compact<u8>> names with characters of 64 and more, and nested options");
	ok(!skip_ok("0400", "b"), "bytes left over after a value are refused");
}

static void hex_of(const uint8_t *b, size_t n, char *out)
{
	ls_hex(b, n, out);
}

static void keys_and_args(void)
{
	uint8_t key[LS_CHAIN_KEY_MAX], args[LS_CHAIN_ARGS_MAX];
	char hex[2 * (LS_CHAIN_KEY_MAX + LS_CHAIN_ARGS_MAX) + 1];
	size_t n = ls_chain_storage_key(LS_CHAIN_TIMESTAMP, 1, key);
	hex_of(key, n, hex);
	is_str(hex, "f0c365c3cf59d671eb72da0e7a4113c49f1f0515f462cdcf84e0f1d6045dfcbb",
	       "Timestamp.Now's storage key is substrate's well-known one");
	n = ls_chain_storage_key(LS_CHAIN_TEMPO, 23, key);
	hex_of(key, n, hex);
	/* bittensor's tests/helpers/integration_websocket_data.py, entry "tempo" */
	is_str(hex, "658faa385070e074c85bf6b568cf05557641384bb339f3758acddfd7053d33171700",
	       "SubtensorModule.Tempo[23]'s key is the one the bittensor SDK read from mainnet");
	n = ls_chain_storage_key(LS_CHAIN_LAST_EPOCH_BLOCK, 1, key);
	hex_of(key, 16, hex);
	ok(n == 34 && strcmp(hex, "658faa385070e074c85bf6b568cf0555") == 0 && key[32] == 1 &&
	           key[33] == 0,
	   "per-subnet keys are twox128(SubtensorModule) ‖ twox128(item) ‖ netuid u16 LE");
	n = ls_chain_call_args(1, false, args);
	hex_of(args, n, hex);
	is_str(hex, "0100", "get_neurons_lite's argument for subnet 1 is the recorded one (0100)");
	n = ls_chain_call_args(1, true, args);
	hex_of(args, n, hex);
	is_str(hex, "0100002000000700080009003400380039004500",
	       "get_selective_mechagraph asks subnet 1, mechanism 0, fields 0 7 8 9 52 56 57 69");
}

struct at {
	uint64_t block, start, next, index;
};

static int schedule_is(const struct ls_chain_schedule *e, const struct at *w)
{
	int good = e->epoch_start == w->start && e->next_start == w->next && e->epoch_index == w->index;
	if (!good)
		printf("#   at %llu: start %llu next %llu index %llu\n", (unsigned long long)w->block,
		       (unsigned long long)e->epoch_start, (unsigned long long)e->next_start,
		       (unsigned long long)e->epoch_index);
	return good;
}

static void schedules(void)
{
	struct ls_chain_schedule e;
	/* subnet 1, tempo 99: epochs run where (block + 2) % 100 == 99, as the
	 * capture's metagraph says (last_step 6852597) */
	static const struct at legacy[] = {
		{6852596, 6852497, 6852597, 68525}, {6852597, 6852597, 6852697, 68526},
		{6852598, 6852597, 6852697, 68526}, {6852696, 6852597, 6852697, 68526},
		{6852697, 6852697, 6852797, 68527}, {5, 0, 97, 0}};
	int good = 1;
	for (size_t i = 0; i < sizeof legacy / sizeof legacy[0]; i++) {
		ls_chain_schedule(legacy[i].block, 1, 99, NULL, 0, 0, &e);
		good &= schedule_is(&e, &legacy[i]) && !e.dynamic;
	}
	ok(good, "the legacy grid (no LastEpochBlock): the block before, at and after each epoch run");
	uint64_t last = 7000000;
	ls_chain_schedule(7000100, 7, 360, &last, 0, 42, &e);
	good = e.dynamic && e.epoch_start == 7000000 && e.next_start == 7000360 && e.epoch_index == 42;
	ls_chain_schedule(7000100, 7, 360, &last, 7000200, 42, &e);
	good &= e.next_start == 7000200;
	ls_chain_schedule(7000100, 7, 360, &last, 7000400, 42, &e);
	good &= e.next_start == 7000360;
	ok(good, "dynamic tempo: the next epoch at LastEpochBlock + Tempo, or at PendingEpochAt when that is sooner");
	last = 7000150;  /* set_tempo restarts the schedule at the block it ran */
	ls_chain_schedule(7000151, 7, 500, &last, 0, 43, &e);
	ok(e.epoch_start == 7000150 && e.next_start == 7000650 && e.tempo == 500,
	   "a tempo change: the next start follows the new tempo from the new LastEpochBlock");
}

int main(void)
{
	compacts();
	types();
	keys_and_args();
	schedules();
	return tap_done();
}
