/*
 * leadgate-admin — the operator's tool (SPEC §11):
 *   init                     create or open the store, print its state
 *   keygen [--sr25519] FILE  write a new hotkey seed (mode 0600): ed25519,
 *                            or sr25519 (schnorrkel, the Bittensor default)
 *   keygen --gateway         write the gateway's ed25519 key to gateway_key
 *   address FILE             print the SS58 address of a key file
 *   sign --key FILE [opts] METHOD URL [BODYFILE]
 *                            print RFC 9421 headers for `curl -H @file`
 *   status                   store, clock, counts and the log chain
 *   backup DIR               consistent compacting copy of the store
 *   migrate                  bring an older store to this build's schema
 *   published E results|weights
 *                            print an epoch's signed body from the store
 *   verify-signed FILE ADDRESS
 *                            check a signed results or weights body
 *   verify-bundle [--signer ADDRESS] FILE [PREVIOUS]
 *                            check an ANS-104 bundle of the log strictly
 *   bundle-item EPOCH OUT    the data item carrying EPOCH's bundle, for
 *                            upload to a bundler (admin_bundle.c)
 *   verify-proof [--root HEX] FILE
 *                            check an entry's Merkle proof offline
 *   uploads | uploads retry EPOCH
 *                            the bundles' uploads to Arweave (admin_uploads.c)
 *   ban HOTKEY [--until T] [--reason R] | unban HOTKEY | bans
 *                            hotkeys refused on every signed route (admin_bans.c)
 *   challenges load FILE     add, update and retire challenges, all or nothing
 *   challenges list          every challenge and its state (admin_challenges.c)
 *   clients add NAME         a client API key, printed once
 *   clients list | clients revoke NAME
 *                            the clients and their keys (admin_clients.c)
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>
#include "admin.h"
#include "job.h"

static int usage(void)
{
	fprintf(stderr,
	        "usage: leadgate-admin init | status | metagraph | migrate | backup DIR | now [--block N]\n"
	        "       leadgate-admin keygen [--sr25519] FILE | keygen --gateway | address FILE\n"
	        "       leadgate-admin sign --key FILE [--created T] [--expires T] [--nonce N]\n"
	        "                           [--label L] METHOD URL [BODYFILE]\n"
	        "       leadgate-admin published EPOCH results|weights\n"
	        "       leadgate-admin verify-signed FILE ADDRESS\n"
	        "       leadgate-admin verify-bundle [--signer ADDRESS] FILE [PREVIOUS]\n"
	        "       leadgate-admin bundle-item EPOCH OUT\n"
	        "       leadgate-admin verify-proof [--root HEX] FILE\n"
	        "       leadgate-admin uploads | uploads retry EPOCH\n"
	        "       leadgate-admin ban HOTKEY [--until T] [--reason R] | unban HOTKEY | bans\n"
	        "       leadgate-admin challenges load FILE | challenges list\n"
	        "       leadgate-admin clients add NAME | clients list | clients revoke NAME\n");
	return EXIT_FAILURE;
}

/* Outside a store only the SS58 prefix and the clock matter: the
 * configuration if present. */
static void load_config(struct ls_config *cfg)
{
	ls_err err;
	if (ls_config_load_if_present(cfg, &err) != LS_OK) {
		fprintf(stderr, "leadgate-admin: %s\n", err.detail);
		exit(EXIT_FAILURE);
	}
}

/* A hotkey seed at path, or (path NULL) the gateway's key at the
 * configured gateway_key (always ed25519: ANS-104 signature type 2). */
static int cmd_keygen(const char *path, enum ls_key_alg alg)
{
	struct ls_config cfg;
	uint8_t pk[32];
	char addr[LS_SS58_MAX];
	ls_err err = {0};
	load_config(&cfg);
	if (path == NULL)
		path = cfg.gateway_key;
	if (sodium_init() < 0)
		return EXIT_FAILURE;
	if (ls_keyfile_create(path, alg, pk, &err) != LS_OK ||
	    ls_ss58_encode(pk, cfg.ss58_prefix, addr) != LS_OK) {
		fprintf(stderr, "leadgate-admin: keygen: %s\n", err.detail);
		return EXIT_FAILURE;
	}
	printf("%s\n", addr);
	return EXIT_SUCCESS;
}

static bool read_key(const char *path, struct ls_keypair *kp)
{
	ls_err err = {0};
	if (ls_keyfile_load(path, kp, &err) != LS_OK) {
		fprintf(stderr, "leadgate-admin: %s\n", err.detail);
		return false;
	}
	return true;
}

static int cmd_address(const char *path)
{
	struct ls_config cfg;
	struct ls_keypair kp;
	char addr[LS_SS58_MAX];
	load_config(&cfg);
	if (sodium_init() < 0 || !read_key(path, &kp))
		return EXIT_FAILURE;
	ls_status s = ls_ss58_encode(kp.pk, cfg.ss58_prefix, addr);
	sodium_memzero(&kp, sizeof kp);
	if (s != LS_OK)
		return EXIT_FAILURE;
	printf("%s\n", addr);
	return EXIT_SUCCESS;
}

struct sign_options {
	const char *key, *nonce, *label;
	int64_t created, expires;  /* created < 0: the store's now; expires < 0: none */
};

static bool parse_sign_options(int argc, char **argv, struct sign_options *o)
{
	static const struct option opts[] = {
		{"key", required_argument, NULL, 'k'},     {"created", required_argument, NULL, 'c'},
		{"expires", required_argument, NULL, 'e'}, {"nonce", required_argument, NULL, 'n'},
		{"label", required_argument, NULL, 'l'},   {NULL, 0, NULL, 0}};
	uint64_t v;
	int c;
	*o = (struct sign_options){.label = "sig1", .created = -1, .expires = -1};
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'k') o->key = optarg;
		else if (c == 'n') o->nonce = optarg;
		else if (c == 'l') o->label = optarg;
		else if ((c == 'c' || c == 'e') && ls_parse_u64(optarg, INT64_MAX, &v))
			*(c == 'c' ? &o->created : &o->expires) = (int64_t)v;
		else
			return false;
	}
	return o->key != NULL && argc - optind >= 2 && argc - optind <= 3;
}

/* Headers for `curl -H @file`, signed by the key file (SPEC §3). */
static int cmd_sign(int argc, char **argv)
{
	struct sign_options o;
	struct ls_config cfg;
	struct ls_signed_headers h;
	struct ls_keypair kp;
	uint8_t *body = NULL;
	size_t body_len = 0;
	ls_err err = {0};
	if (!parse_sign_options(argc, argv, &o))
		return usage();
	const char *method = argv[optind], *url = argv[optind + 1], *bodyfile = argv[optind + 2];
	load_config(&cfg);
	if (o.created < 0)
		o.created = ls_now(&cfg);
	if (sodium_init() < 0 || !read_key(o.key, &kp))
		return EXIT_FAILURE;
	if (bodyfile && (body = (uint8_t *)job_read_file(bodyfile, 1u << 30, &body_len)) == NULL) {
		fprintf(stderr, "leadgate-admin: sign: %s: %s\n", bodyfile, strerror(errno));
		sodium_memzero(&kp, sizeof kp);
		return EXIT_FAILURE;
	}
	struct ls_sign_request r = {.method = method, .url = url, .body = body,
	                            .body_len = body_len, .label = o.label, .nonce = o.nonce,
	                            .created = o.created, .expires = o.expires};
	ls_status s = ls_request_sign(&r, &kp, cfg.ss58_prefix, &h, &err);
	sodium_memzero(&kp, sizeof kp);
	free(body);
	if (s != LS_OK) {
		fprintf(stderr, "leadgate-admin: sign: %s\n", err.detail);
		return EXIT_FAILURE;
	}
	if (h.content_digest[0])
		printf("Content-Type: application/json\nContent-Digest: %s\n", h.content_digest);
	printf("Signature-Input: %s\nSignature: %s\n", h.signature_input, h.signature);
	return EXIT_SUCCESS;
}

static int cmd_init(void)
{
	struct job job;
	job_start(&job, "leadgate-admin", NULL, LS_OPEN_CREATE);
	printf("leadgate-admin: store %s ready (schema %u)\n", ls_store_config(job.st)->store_dir,
	       LS_SCHEMA_VERSION);
	job_finish(&job);
	return EXIT_SUCCESS;
}

static void print_clock(ls_store *st, ls_reader *rd)
{
	struct ls_anchor a;
	struct ls_clock c;
	if (ls_anchor_get(rd, &a) != LS_OK) {
		printf("anchored: no\n");
		return;
	}
	ls_clock_at(ls_store_config(st), &a, ls_now(ls_store_config(st)), &c);
	printf("anchored: yes\nnow: %lld\nblock: %llu\nepoch: %llu\noffset: %u\n", (long long)c.now,
	       (unsigned long long)c.block, (unsigned long long)c.epoch, c.offset);
}

/* The last read of the chain, one "chain_KEY: value" line per fact. */
static void print_chain(ls_reader *rd)
{
	char *text = ls_chain_facts(rd);
	json_t *facts = text ? json_loads(text, 0, NULL) : NULL, *v;
	const char *key;
	json_object_foreach(facts, key, v) {
		char *value = json_dumps(v, JSON_ENCODE_ANY);
		printf("chain_%s: %s\n", key, value ? value : "?");
		free(value);
	}
	json_decref(facts);
	free(text);
}

/* The current neurons, one JSON object per line by uid. */
static int cmd_metagraph(void)
{
	struct job job;
	ls_reader *rd;
	ls_err err = {0};
	struct ls_neuron *n = NULL;
	size_t count = 0;
	char ss58[LS_SS58_MAX];
	job_start(&job, "leadgate-admin", NULL, 0);
	ls_status s = ls_reader_begin(job.st, &rd, &err);
	if (s == LS_OK) {
		s = ls_neurons_list(rd, &n, &count);
		ls_reader_end(rd);
	}
	for (size_t i = 0; s == LS_OK && i < count; i++) {
		if (ls_ss58_encode(n[i].hotkey, ls_store_config(job.st)->ss58_prefix, ss58) != LS_OK)
			snprintf(ss58, sizeof ss58, "?");
		printf("{\"uid\":%u,\"hotkey\":\"%s\",\"stake_rao\":\"%llu\","
		       "\"validator_trust_u16\":%u,\"validator_permit\":%s,\"active\":%s}\n",
		       n[i].uid, ss58, (unsigned long long)n[i].stake_rao, n[i].validator_trust_u16,
		       n[i].validator_permit ? "true" : "false", n[i].active ? "true" : "false");
	}
	if (s != LS_OK)
		fprintf(stderr, "leadgate-admin: metagraph: %s\n",
		        err.detail[0] ? err.detail : "the store could not be read");
	free(n);
	job_finish(&job);
	return s == LS_OK ? EXIT_SUCCESS : EXIT_FAILURE;
}

static int cmd_status(void)
{
	struct job job;
	ls_reader *rd;
	struct ls_stats s;
	struct ls_log_head head;
	uint64_t count, bad;
	ls_err err = {0};
	char hex[65];
	job_start(&job, "leadgate-admin", NULL, 0);
	if (ls_reader_begin(job.st, &rd, &err) != LS_OK) {
		job_error(&job, &err);
		job_finish(&job);
		return EXIT_FAILURE;
	}
	if (ls_stats_get(rd, &s) != LS_OK || ls_log_head(rd, &head) != LS_OK)
		memset(&head, 0, sizeof head);
	ls_hex(head.hash, 32, hex);
	printf("store: %s\nschema: %u\nmap_size: %llu\n", ls_store_config(job.st)->store_dir,
	       LS_SCHEMA_VERSION, (unsigned long long)ls_map_size(job.st));
	print_clock(job.st, rd);
	printf("neurons: %llu\nleads: %llu\npending: %llu\nnonces: %llu\nlog_seq: %llu\n"
	       "log_head: %s\nlast_sync: %lld\n",
	       (unsigned long long)s.neurons, (unsigned long long)s.leads,
	       (unsigned long long)s.pending, (unsigned long long)s.nonces,
	       (unsigned long long)head.seq, hex, (long long)ls_last_sync(rd));
	print_chain(rd);
	printf("challenges_active_builds: %llu\n",
	       (unsigned long long)ls_challenges_active_builds(rd));
	ls_status vs = ls_log_verify(rd, &count, &bad, &err);
	if (vs == LS_OK)
		printf("log_chain: ok (%llu entries)\n", (unsigned long long)count);
	else
		printf("log_chain: BROKEN at seq %llu\n", (unsigned long long)bad);
	ls_reader_end(rd);
	job_finish(&job);
	return vs == LS_OK ? EXIT_SUCCESS : EXIT_FAILURE;
}

static int cmd_backup(const char *dir)
{
	struct job job;
	ls_err err = {0};
	if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
		fprintf(stderr, "leadgate-admin: backup: %s: %s\n", dir, strerror(errno));
		return EXIT_FAILURE;
	}
	job_start(&job, "leadgate-admin", NULL, 0);
	ls_status s = ls_backup(job.st, dir, &err);
	if (s != LS_OK)
		job_error(&job, &err);
	else
		printf("leadgate-admin: backup written to %s\n", dir);
	job_finish(&job);
	return s == LS_OK ? EXIT_SUCCESS : EXIT_FAILURE;
}

static int cmd_migrate(void)
{
	struct job job;
	/* a newer store exits with the reason; an older one is upgraded in
	 * one write transaction */
	job_start(&job, "leadgate-admin", NULL, LS_OPEN_MIGRATE);
	printf("leadgate-admin: the store is at schema %u\n", LS_SCHEMA_VERSION);
	job_finish(&job);
	return EXIT_SUCCESS;
}

static int cmd_published(const char *epoch_text, const char *what)
{
	struct job job;
	ls_reader *rd = NULL;
	struct ls_body b;
	uint64_t epoch;
	ls_err err = {0};
	if (!ls_parse_u64(epoch_text, UINT64_MAX, &epoch) ||
	    (strcmp(what, "results") != 0 && strcmp(what, "weights") != 0))
		return usage();
	job_start(&job, "leadgate-admin", NULL, LS_OPEN_READONLY);
	ls_status s = ls_reader_begin(job.st, &rd, &err);
	if (s == LS_OK && (s = ls_epoch_published(rd, epoch, what, &b, &err)) == LS_OK)
		fwrite(b.data, 1, b.len, stdout);
	if (s != LS_OK)
		job_error(&job, &err);
	ls_reader_end(rd);
	job_finish(&job);
	return s == LS_OK ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* The store's time (ls_now) in unix seconds, what every program of this
 * configuration takes as now; with a block number, the time at which that
 * block begins by the stored anchor (SPEC §2). */
static int cmd_now(const char *block_arg)
{
	struct ls_config cfg;
	uint64_t block;
	if (block_arg == NULL) {
		load_config(&cfg);
		printf("%lld\n", (long long)ls_now(&cfg));
		return EXIT_SUCCESS;
	}
	if (!ls_parse_u64(block_arg, UINT64_MAX >> 8, &block))
		return usage();
	struct job job;
	ls_reader *rd;
	struct ls_anchor a;
	struct ls_clock c;
	ls_err err = {0};
	job_start(&job, "leadgate-admin", NULL, 0);
	ls_status s = ls_reader_begin(job.st, &rd, &err);
	if (s == LS_OK) {
		s = ls_anchor_get(rd, &a);
		ls_reader_end(rd);
		if (s != LS_OK)
			ls_fail(&err, s, "clock_not_anchored", NULL, "the store has no chain anchor yet");
	}
	if (s == LS_OK) {
		ls_clock_at(ls_store_config(job.st), &a, ls_now(ls_store_config(job.st)), &c);
		printf("%lld\n", (long long)ls_block_time(ls_store_config(job.st), &c, block));
	} else {
		job_error(&job, &err);
	}
	job_finish(&job);
	return s == LS_OK ? EXIT_SUCCESS : EXIT_FAILURE;
}

static int cmd_verify_signed(const char *path, const char *address)
{
	struct ls_config cfg;
	uint8_t pk[32];
	size_t len;
	ls_err err = {0};
	load_config(&cfg);
	if (ls_ss58_decode(address, cfg.ss58_prefix, pk, &err) != LS_OK) {
		fprintf(stderr, "leadgate-admin: %s: %s\n", address, err.detail);
		return EXIT_FAILURE;
	}
	char *body = job_read_file(path, 64u << 20, &len);
	if (body == NULL) {
		fprintf(stderr, "leadgate-admin: %s: %s\n", path, strerror(errno));
		return EXIT_FAILURE;
	}
	bool ok = ls_signed_body_verify(body, len, pk);
	free(body);
	printf("leadgate-admin: %s: %s\n", path, ok ? "signature ok" : "signature INVALID");
	return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	const char *cmd = argv[1];
	if (strcmp(cmd, "init") == 0 && argc == 2)
		return cmd_init();
	if (strcmp(cmd, "status") == 0 && argc == 2)
		return cmd_status();
	if (strcmp(cmd, "metagraph") == 0 && argc == 2)
		return cmd_metagraph();
	if (strcmp(cmd, "now") == 0 && argc == 2)
		return cmd_now(NULL);
	if (strcmp(cmd, "now") == 0 && argc == 4 && strcmp(argv[2], "--block") == 0)
		return cmd_now(argv[3]);
	if (strcmp(cmd, "migrate") == 0 && argc == 2)
		return cmd_migrate();
	if (strcmp(cmd, "backup") == 0 && argc == 3)
		return cmd_backup(argv[2]);
	if (strcmp(cmd, "keygen") == 0 && argc == 3 && strcmp(argv[2], "--gateway") == 0)
		return cmd_keygen(NULL, LS_KEY_ED25519);
	if (strcmp(cmd, "keygen") == 0 && argc == 3 && argv[2][0] != '-')
		return cmd_keygen(argv[2], LS_KEY_ED25519);
	if (strcmp(cmd, "keygen") == 0 && argc == 4 && (strcmp(argv[2], "--gateway") == 0 ||
	                                                strcmp(argv[3], "--gateway") == 0)) {
		fprintf(stderr, "leadgate-admin: keygen: the gateway key is always ed25519 "
		                "(it signs the log and its ANS-104 items, signature type 2)\n");
		return EXIT_FAILURE;
	}
	if (strcmp(cmd, "keygen") == 0 && argc == 4 && strcmp(argv[2], "--sr25519") == 0 &&
	    argv[3][0] != '-')
		return cmd_keygen(argv[3], LS_KEY_SR25519);
	if (strcmp(cmd, "address") == 0 && argc == 3)
		return cmd_address(argv[2]);
	if (strcmp(cmd, "sign") == 0)
		return cmd_sign(argc - 1, argv + 1);
	if (strcmp(cmd, "published") == 0 && argc == 4)
		return cmd_published(argv[2], argv[3]);
	if (strcmp(cmd, "verify-signed") == 0 && argc == 4)
		return cmd_verify_signed(argv[2], argv[3]);
	if (strcmp(cmd, "verify-bundle") == 0 && argc >= 4 && strcmp(argv[2], "--signer") == 0 &&
	    (argc == 5 || argc == 6))
		return admin_verify_bundle(argv[3], argv[4], argc == 6 ? argv[5] : NULL);
	if (strcmp(cmd, "verify-bundle") == 0 && (argc == 3 || argc == 4) && argv[2][0] != '-')
		return admin_verify_bundle(NULL, argv[2], argc == 4 ? argv[3] : NULL);
	if (strcmp(cmd, "verify-proof") == 0 && argc == 3)
		return admin_verify_proof(NULL, argv[2]);
	if (strcmp(cmd, "verify-proof") == 0 && argc == 5 && strcmp(argv[2], "--root") == 0)
		return admin_verify_proof(argv[3], argv[4]);
	if (strcmp(cmd, "bundle-item") == 0 && argc == 4)
		return admin_bundle_item(argv[2], argv[3]);
	if (strcmp(cmd, "ban") == 0 || strcmp(cmd, "unban") == 0 || strcmp(cmd, "bans") == 0)
		return admin_bans(cmd, argc - 2, argv + 2);
	if (strcmp(cmd, "uploads") == 0)
		return admin_uploads(argc - 2, argv + 2);
	if (strcmp(cmd, "challenges") == 0)
		return admin_challenges(argc - 2, argv + 2);
	if (strcmp(cmd, "clients") == 0)
		return admin_clients(argc - 2, argv + 2);
	return usage();
}
