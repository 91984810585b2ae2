/*
 * leadgate-sim — miners and validators playing against a running gateway
 * (SPEC §11, docs/development.md "The simulator"):
 *   leadgate-sim init DIR [--miners N] [--validators B,B,...] [--block N]
 *                         [--ss58-prefix P] [--terms-hash HEX] [--keys ALG]
 *       hotkeys in DIR/keys, the cast in DIR/sim.json, and DIR/snapshot.json
 *       (the metagraph with the chain at --block now) for leadgate-sync
 *   leadgate-sim tick DIR URL [--leads N] [--timings FILE]
 *       everything that is due at the gateway's current block, once
 *   leadgate-sim run DIR URL [--leads N] [--epochs K] [--interval S] [--timings FILE]
 *       tick every S seconds (default half a block) until K epochs closed
 *   --timings appends a line per request to FILE: role, action, status and
 *   seconds taken
 * Every request is printed with the gateway's answer; the exit status is 1
 * when an answer was not what the participant's behaviour expects.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>
#include "sim.h"

static volatile sig_atomic_t stopping;

static int usage(void)
{
	fprintf(stderr,
	        "usage: leadgate-sim init DIR [--miners N] [--validators B,B,...] [--block N]\n"
	        "                           [--ss58-prefix P] [--terms-hash HEX]\n"
	        "                           [--keys ed25519|sr25519|mixed]\n"
	        "       leadgate-sim tick DIR URL [--leads N] [--timings FILE]\n"
	        "       leadgate-sim run DIR URL [--leads N] [--epochs K] [--interval S]\n"
	        "                              [--timings FILE]\n"
	        "behaviours: honest lazy late stale mismatch silent\n");
	return 2;
}

/* ---- the cast: DIR/sim.json and DIR/keys ------------------------------- */

/* A neuron of the snapshot: the earlier a validator is listed, the more
 * stake and trust it has (trust 0.95, 0.90, ... never below 0.05). */
static json_t *neuron_json(const struct party *p, size_t uid, size_t nvalidators)
{
	double stake = 10.0, trust = 0.0;
	if (p->validator) {
		stake = 1000.0 * (double)(nvalidators - uid);
		trust = 0.95 - 0.05 * (double)uid;
		trust = trust < 0.05 ? 0.05 : trust;
	}
	return json_pack("{s:I, s:s, s:f, s:f, s:b}", "uid", (json_int_t)uid, "hotkey", p->ss58,
	                 "stake", stake, "validator_trust", trust, "validator_permit", p->validator);
}

static bool party_create(struct sim *s, struct party *p, enum ls_key_alg alg)
{
	char path[LS_PATH_MAX + 64];
	uint8_t pk[32];
	ls_err err = {0};
	snprintf(path, sizeof path, "%s/keys/%s", s->dir, p->name);
	if (ls_keyfile_create(path, alg, pk, &err) != LS_OK ||
	    ls_ss58_encode(pk, s->ss58_prefix, p->ss58) != LS_OK) {
		fprintf(stderr, "leadgate-sim: %s\n", err.detail);
		return false;
	}
	return true;
}

static bool write_json(const struct sim *s, const char *name, json_t *v)
{
	char path[LS_PATH_MAX + 32], tmp[LS_PATH_MAX + 40];
	sim_path(s, path, sizeof path, name);
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	if (json_dump_file(v, tmp, JSON_INDENT(1) | JSON_SORT_KEYS) != 0 || rename(tmp, path) != 0) {
		fprintf(stderr, "leadgate-sim: cannot write %s: %s\n", path, strerror(errno));
		return false;
	}
	return true;
}

struct init_options {
	unsigned miners;
	const char *validators;
	uint64_t block;
	const char *keys;  /* "ed25519", "sr25519" or "mixed" (alternating) */
};

/* The n-th participant's key algorithm. */
static enum ls_key_alg party_alg(const struct init_options *o, size_t n)
{
	enum ls_key_alg alg = LS_KEY_ED25519;
	if (strcmp(o->keys, "mixed") == 0)
		return n % 2 ? LS_KEY_ED25519 : LS_KEY_SR25519;
	(void)ls_key_alg_from_name(o->keys, &alg);  /* checked on the command line */
	return alg;
}

static bool init_cast(struct sim *s, const struct init_options *o, json_t *cast, json_t *neurons)
{
	char list[512];
	size_t nv = 0, i = 0;
	snprintf(list, sizeof list, "%s", o->validators);
	for (char *save = NULL, *b = strtok_r(list, ",", &save); b; b = strtok_r(NULL, ",", &save))
		nv++;
	snprintf(list, sizeof list, "%s", o->validators);
	for (char *save = NULL, *b = strtok_r(list, ",", &save); b; b = strtok_r(NULL, ",", &save), i++) {
		struct party p = {.validator = true};
		if (!sim_behaviour_parse(b, &p.behaviour)) {
			fprintf(stderr, "leadgate-sim: unknown behaviour '%s'\n", b);
			return false;
		}
		snprintf(p.name, sizeof p.name, "validator-%zu", i + 1);
		if (!party_create(s, &p, party_alg(o, i)))
			return false;
		json_array_append_new(cast, json_pack("{s:s, s:s}", "name", p.name, "behaviour", b));
		json_array_append_new(neurons, neuron_json(&p, i, nv));
	}
	for (unsigned m = 0; m < o->miners; m++) {
		struct party p = {.validator = false};
		snprintf(p.name, sizeof p.name, "miner-%u", m + 1);
		if (!party_create(s, &p, party_alg(o, nv + m)))
			return false;
		json_array_append_new(cast, json_pack("{s:s}", "name", p.name));
		json_array_append_new(neurons, neuron_json(&p, nv + m, nv));
	}
	return true;
}

static int cmd_init(struct sim *s, const struct init_options *o)
{
	char keys[LS_PATH_MAX + 8], cast_path[LS_PATH_MAX + 16];
	sim_path(s, cast_path, sizeof cast_path, "sim.json");
	sim_path(s, keys, sizeof keys, "keys");
	if (access(cast_path, F_OK) == 0) {
		fprintf(stderr, "leadgate-sim: %s exists: its hotkeys are kept, choose another DIR\n",
		        cast_path);
		return 2;
	}
	if ((mkdir(s->dir, 0750) != 0 && errno != EEXIST) || (mkdir(keys, 0700) != 0 && errno != EEXIST)) {
		fprintf(stderr, "leadgate-sim: cannot create %s: %s\n", keys, strerror(errno));
		return 2;
	}
	json_t *cast = json_array(), *neurons = json_array();
	bool ok = init_cast(s, o, cast, neurons);
	size_t n = json_array_size(cast);
	json_t *doc = json_pack("{s:I, s:s, s:o}", "ss58_prefix", (json_int_t)s->ss58_prefix,
	                        "terms_version_hash", s->terms_hash, "participants", cast);
	json_t *snap = json_pack("{s:I, s:I, s:o}", "block", (json_int_t)o->block, "block_time",
	                         (json_int_t)ls_now(&s->cfg), "neurons", neurons);
	ok = ok && write_json(s, "snapshot.json", snap) && write_json(s, "sim.json", doc);
	json_decref(doc);
	json_decref(snap);
	if (ok)
		printf("leadgate-sim: %zu participants in %s; import %s/snapshot.json with leadgate-sync\n",
		       n, s->dir, s->dir);
	return ok ? 0 : 2;
}

static bool save_state(const struct sim *s)
{
	return write_json(s, "state.json", s->state);
}

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

/* Sleep up to seconds, waking early when asked to stop. */
static void pause_for(double seconds)
{
	struct timespec t = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};
	while (!stopping && nanosleep(&t, &t) != 0 && errno == EINTR)
		;
}

struct run_options {
	unsigned epochs;     /* stop after this many closed epochs; 0: never */
	double interval;     /* seconds between ticks; 0: half a block */
};

static int cmd_run(struct sim *s, const struct run_options *o, bool once)
{
	unsigned closed = 0;
	uint64_t block_seconds = 12;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	do {
		closed += sim_tick(s, &block_seconds);
		if (!save_state(s))
			return 2;
		if (once || (o->epochs && closed >= o->epochs))
			break;
		pause_for(o->interval > 0 ? o->interval : (double)block_seconds / 2);
	} while (!stopping);
	if (!once)
		sim_summary(s);
	return s->unexpected ? 1 : 0;
}

/* --timings: "role action status seconds", one line per request */
static void timing_write(struct sim *s, const char *role, const char *action, const struct answer *a)
{
	fprintf(s->observer, "%s\t%s\t%ld\t%.6f\n", role, action, a->status, a->seconds);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"miners", required_argument, NULL, 'm'}, {"validators", required_argument, NULL, 'v'},
		{"block", required_argument, NULL, 'b'}, {"ss58-prefix", required_argument, NULL, 'p'},
		{"terms-hash", required_argument, NULL, 't'}, {"leads", required_argument, NULL, 'l'},
		{"epochs", required_argument, NULL, 'e'}, {"interval", required_argument, NULL, 'i'},
		{"keys", required_argument, NULL, 'k'}, {"timings", required_argument, NULL, 'T'},
		{NULL, 0, NULL, 0}};
	/* told busy or rate-limited, a validator comes back as told, ten times */
	struct sim s = {.ss58_prefix = 42, .leads_per_miner = 2, .patience = 10};
	struct init_options io = {.miners = 3, .validators = "honest,honest,lazy,late,stale,mismatch,silent",
	                         .keys = "ed25519"};
	struct run_options ro = {0};
	enum ls_key_alg alg;
	uint64_t v;
	int c, rc;
	const char *timings = NULL;
	snprintf(s.terms_hash, sizeof s.terms_hash, "%s",
	         "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'v') io.validators = optarg;
		else if (c == 'm' && ls_parse_u64(optarg, 1000, &v)) io.miners = (unsigned)v;
		else if (c == 'b' && ls_parse_u64(optarg, UINT64_MAX >> 1, &v)) io.block = v;
		else if (c == 'p' && ls_parse_u64(optarg, 16383, &v)) s.ss58_prefix = (unsigned)v;
		else if (c == 't' && strlen(optarg) == 64 && strspn(optarg, "0123456789abcdef") == 64)
			snprintf(s.terms_hash, sizeof s.terms_hash, "%s", optarg);
		else if (c == 'l' && ls_parse_u64(optarg, 100, &v) && v > 0) s.leads_per_miner = (unsigned)v;
		else if (c == 'e' && ls_parse_u64(optarg, 1000000, &v)) ro.epochs = (unsigned)v;
		else if (c == 'i' && ls_parse_u64(optarg, 3600, &v)) ro.interval = (double)v;
		else if (c == 'k' && (ls_key_alg_from_name(optarg, &alg) || strcmp(optarg, "mixed") == 0))
			io.keys = optarg;
		else if (c == 'T') timings = optarg;
		else return usage();
	}
	int left = argc - optind;
	const char *cmd = left > 0 ? argv[optind] : "";
	bool init = strcmp(cmd, "init") == 0;
	if (!(init && left == 2) && !((strcmp(cmd, "tick") == 0 || strcmp(cmd, "run") == 0) && left == 3))
		return usage();
	if (sodium_init() < 0 || strlen(argv[optind + 1]) >= sizeof s.dir || !sim_config_load(&s))
		return 2;
	snprintf(s.dir, sizeof s.dir, "%s", argv[optind + 1]);
	if (init)
		return cmd_init(&s, &io);
	s.url = argv[optind + 2];
	if (timings && (s.observer = fopen(timings, "ae")) == NULL) {
		fprintf(stderr, "leadgate-sim: %s: %s\n", timings, strerror(errno));
		return 2;
	}
	s.observe = timings ? timing_write : NULL;
	if (!sim_cast_load(&s) || !sim_http_init(&s))
		return 2;
	rc = cmd_run(&s, &ro, strcmp(cmd, "tick") == 0);
	if (s.observer && fclose(s.observer) != 0) {
		fprintf(stderr, "leadgate-sim: %s: %s\n", timings, strerror(errno));
		rc = rc ? rc : 2;
	}
	sim_cast_free(&s);
	sim_http_free(&s);
	return rc;
}
