/* fuzz_files.c — the operator's files that leadgate-admin reads: a hotkey
 * or gateway key file (ls_keyfile_load: hex seed, "sr25519:" seed, or a
 * Bittensor JSON keyfile) and a challenges file (leadgate-admin challenges
 * load), into a real store.
 *
 * Input: one byte choosing the file kind, then the file.
 *
 * Checked: a key file that loads gives a key pair that signs and verifies;
 * a challenges file that loads can be loaded again (all or nothing, and
 * idempotent). */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "fuzz.h"

static struct fuzz_world world;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_store_open(&world, LS_MODE_EPOCH);
	return 0;
}

static void key_file(const uint8_t *data, size_t size)
{
	int fd = memfd_create("hotkey", MFD_CLOEXEC);
	FUZZ_CHECK(fd >= 0 && write(fd, data, size) == (ssize_t)size, "memfd");
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	struct ls_keypair kp;
	ls_err err = {0};
	if (ls_keyfile_load(path, &kp, &err) == LS_OK) {
		uint8_t sig[64];
		ls_keypair_sign(&kp, (const uint8_t *)"leadgate", 8, sig);
		FUZZ_CHECK(ls_signature_verify(kp.alg, sig, (const uint8_t *)"leadgate", 8, kp.pk),
		           "a loaded key whose signature does not verify");
	} else {
		FUZZ_CHECK(err.detail[0] != '\0', "a refusal without a reason");
	}
	close(fd);
}

static void challenges_file(const uint8_t *data, size_t size)
{
	struct ls_challenges_report r;
	ls_err err = {0};
	if (ls_challenges_load(world.st, (const char *)data, size, FUZZ_NOW, &r, &err) != LS_OK) {
		FUZZ_CHECK(err.detail[0] != '\0', "a refusal without a reason");
		return;
	}
	FUZZ_CHECK(ls_challenges_load(world.st, (const char *)data, size, FUZZ_NOW, &r, &err) ==
	                   LS_OK,
	           "a challenges file loaded once is refused the second time");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if (data[0] % 2 == 0)
		key_file(data + 1, size - 1);
	else
		challenges_file(data + 1, size - 1);
	return 0;
}
