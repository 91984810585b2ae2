/* fuzz_config.c — the configuration file parser (leadgate.conf), read
 * from a file as every program reads it.
 *
 * Checked: a file that loads gives a configuration that passes its own
 * checks (map_max >= map_size, request_expiry >= request_timeout). */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("leadgate.conf", MFD_CLOEXEC);
	FUZZ_CHECK(fd >= 0, "memfd_create");
	FUZZ_CHECK(write(fd, data, size) == (ssize_t)size, "write");
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	struct ls_config cfg;
	ls_err err = {0};
	ls_config_defaults(&cfg);
	if (ls_config_load(&cfg, path, &err) == LS_OK) {
		FUZZ_CHECK(cfg.map_max >= cfg.map_size, "map_max below map_size");
		FUZZ_CHECK(cfg.request_expiry >= cfg.request_timeout, "expiry before timeout");
	} else {
		FUZZ_CHECK(err.detail[0] != '\0', "a refusal without a reason");
	}
	close(fd);
	return 0;
}
