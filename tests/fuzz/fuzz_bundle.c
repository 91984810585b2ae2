/* fuzz_bundle.c — the ANS-104 reader of leadgate-admin verify-bundle:
 * the whole bundle checked strictly (ls_bundle_verify: layout, every
 * signature, tags, the log entries and their chain), and the input read as
 * one data item.
 *
 * Checked: a data item that parses writes back to exactly its bytes (the
 * reader accepts one encoding of each item, the one leadgate writes). */
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
	struct ls_bundle_summary sum;
	struct ls_ans104_item it = {0};
	ls_err err = {0};
	(void)ls_bundle_verify(data, size, &sum, &err);
	if (ls_ans104_item_parse(data, size, &it, &err) != LS_OK)
		return 0;
	(void)ls_ans104_item_verify(&it, &err);
	size_t head_len = ls_ans104_item_size(&it) - it.data_len;
	uint8_t *head = malloc(head_len + 1);
	FUZZ_CHECK(head != NULL, "out of memory");
	FUZZ_CHECK(ls_ans104_item_head(&it, head) == head_len, "head size");
	FUZZ_CHECK(head_len + it.data_len == size && memcmp(head, data, head_len) == 0 &&
	           it.data == data + head_len, "an item that does not write back to its bytes");
	free(head);
	return 0;
}
