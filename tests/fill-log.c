/* fill-log EPOCH N — append N entries to the transparency log of the store
 * named by LEADGATE_CONF, the last one closing epoch EPOCH, which is then
 * due for bundling as leadgate-close leaves an epoch: the long logs that
 * tests/bundle.test and bench/run.sh give to the real leadgate-bundle. */
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "log_fill.h"

int main(int argc, char **argv)
{
	struct ls_config cfg;
	ls_store *st;
	uint64_t epoch, n;
	ls_err err = {0};
	if (argc != 3 || !ls_parse_u64(argv[1], UINT64_MAX, &epoch) ||
	    !ls_parse_u64(argv[2], 100000000, &n) || n == 0) {
		fprintf(stderr, "usage: fill-log EPOCH N (N >= 1)\n");
		return EXIT_FAILURE;
	}
	ls_config_defaults(&cfg);
	if (sodium_init() < 0 || ls_config_load(&cfg, ls_config_path(), &err) != LS_OK ||
	    ls_open(&st, &cfg, 0, &err) != LS_OK || log_fill(st, epoch, n, &err) != LS_OK) {
		fprintf(stderr, "fill-log: %s\n", err.detail);
		return EXIT_FAILURE;
	}
	ls_close(st);
	return EXIT_SUCCESS;
}
