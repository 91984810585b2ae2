/*
 * presign — a pool of signed requests for wrk (bench/epoch-leads.lua):
 *   presign KEYFILE COUNT URL [SS58_PREFIX]
 * (ed25519 or sr25519, as the key file says) prints COUNT lines "Signature-Input<TAB>Signature" for GET URL, each
 * with a fresh nonce and created = now, so that the load generator never
 * signs on the request path and never replays a nonce.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sodium.h>
#include "leadstore.h"

int main(int argc, char **argv)
{
	struct ls_keypair kp;
	uint64_t count, prefix = 42;
	ls_err err = {0};
	if (argc < 4 || argc > 5 || !ls_parse_u64(argv[2], 100000000, &count) ||
	    (argc == 5 && !ls_parse_u64(argv[4], 16383, &prefix))) {
		fprintf(stderr, "usage: presign KEYFILE COUNT URL [SS58_PREFIX]\n");
		return EXIT_FAILURE;
	}
	if (sodium_init() < 0 || ls_keyfile_load(argv[1], &kp, &err) != LS_OK) {
		fprintf(stderr, "presign: %s\n", err.detail);
		return EXIT_FAILURE;
	}
	/* created: the store's clock when LEADGATE_CONF names the gateway's store */
	struct ls_config cfg;
	if (ls_config_load_if_present(&cfg, &err) != LS_OK) {
		fprintf(stderr, "presign: %s\n", err.detail);
		return EXIT_FAILURE;
	}
	struct ls_sign_request r = {.method = "GET", .url = argv[3], .created = ls_now(&cfg),
	                            .expires = -1};
	struct ls_signed_headers h;
	for (uint64_t i = 0; i < count; i++) {
		if (ls_request_sign(&r, &kp, (unsigned)prefix, &h, &err) != LS_OK) {
			fprintf(stderr, "presign: %s\n", err.detail);
			return EXIT_FAILURE;
		}
		printf("%s\t%s\n", h.signature_input, h.signature);
	}
	sodium_memzero(&kp, sizeof kp);
	return fflush(stdout) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
