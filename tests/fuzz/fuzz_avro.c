/* fuzz_avro.c — the Avro decoder of ANS-104 tags (SPEC §7), as the
 * bundle reader calls it.
 *
 * Checked: tags that decode, encoded as leadgate writes them (one block),
 * decode again to the same tags. */
#include <stdio.h>
#include <string.h>
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	return 0;
}

static bool same(const char *a, size_t alen, const char *b, size_t blen)
{
	return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ls_ans104_tag tags[128], again[128];
	size_t count = 0, count2 = 0;
	ls_err err = {0};
	if (ls_avro_tags_decode(data, size, tags, 128, &count, &err) != LS_OK)
		return 0;
	size_t len = ls_avro_tags_encode(tags, count, NULL);
	uint8_t *bytes = malloc(len + 1);
	FUZZ_CHECK(bytes != NULL, "out of memory");
	FUZZ_CHECK(ls_avro_tags_encode(tags, count, bytes) == len, "encoded size");
	FUZZ_CHECK(ls_avro_tags_decode(bytes, len, again, 128, &count2, &err) == LS_OK &&
	           count2 == count, "our own encoding does not decode");
	for (size_t i = 0; i < count; i++)
		FUZZ_CHECK(same(tags[i].name, tags[i].name_len, again[i].name, again[i].name_len) &&
		           same(tags[i].value, tags[i].value_len, again[i].value, again[i].value_len),
		           "a tag that does not come back");
	free(bytes);
	return 0;
}
