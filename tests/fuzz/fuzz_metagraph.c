/* fuzz_metagraph.c — the metagraph snapshot leadgate-sync imports, into a
 * real store.
 *
 * Checked: importing a snapshot that was accepted a second time changes
 * nothing (SPEC §10: jobs are idempotent). */
#include <stdio.h>
#include <string.h>
#include "fuzz.h"

static struct fuzz_world world;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_store_open(&world, LS_MODE_EPOCH);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ls_sync_report r;
	ls_err err = {0};
	if (ls_metagraph_import(world.st, (const char *)data, size, FUZZ_NOW, &r, &err) != LS_OK) {
		FUZZ_CHECK(err.detail[0] != '\0', "a refusal without a reason");
		return 0;
	}
	FUZZ_CHECK(ls_metagraph_import(world.st, (const char *)data, size, FUZZ_NOW, &r, &err) ==
	                   LS_OK && !r.changed,
	           "the same snapshot imported twice changed the store twice");
	return 0;
}
