/* fuzz_ss58.c — SS58 decoding (every keyid, hotkey and wallet_ss58).
 *
 * Checked: an address that decodes encodes back to itself, and any 32
 * bytes encode to an address that decodes back to them. */
#include <stdio.h>
#include <string.h>
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned prefixes[] = {42, 0, 2, 64, 16383};
	char addr[256], again[LS_SS58_MAX];
	uint8_t pk[32], back[32];
	ls_err err = {0};
	size_t n = size < sizeof addr - 1 ? size : sizeof addr - 1;
	memcpy(addr, data, n);
	addr[n] = '\0';
	for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
		if (ls_ss58_decode(addr, prefixes[i], pk, &err) != LS_OK)
			continue;
		FUZZ_CHECK(ls_ss58_encode(pk, prefixes[i], again) == LS_OK, "re-encoding failed");
		FUZZ_CHECK(strcmp(again, addr) == 0, "an address that is not its key's encoding");
	}
	if (size >= 32) {
		unsigned prefix = size > 32 ? prefixes[data[32] % 5] : 42;
		FUZZ_CHECK(ls_ss58_encode(data, prefix, again) == LS_OK, "encoding failed");
		FUZZ_CHECK(ls_ss58_decode(again, prefix, back, &err) == LS_OK &&
		           memcmp(back, data, 32) == 0, "a key that does not come back");
	}
	return 0;
}
