/* SS58 addresses against the published vectors (tests/vectors/signatures.json,
 * made with @polkadot/util-crypto) and the ways an address can be wrong. */
#include "tap.h"
#include "leadstore.h"
#include <sodium.h>

static json_t *load_vectors(void)
{
	json_t *v = json_load_file(tap_vector_path("signatures.json"), 0, NULL);
	if (v == NULL)
		tap_bail("cannot read signatures.json (set LEADGATE_VECTORS)");
	return v;
}

static void check_kind(json_t *vectors, const char *kind)
{
	json_t *list = json_object_get(vectors, kind), *item;
	size_t i, encoded = 0, decoded = 0;
	json_array_foreach(list, i, item) {
		uint8_t pk[32], back[32];
		char addr[LS_SS58_MAX];
		const char *want = json_string_value(json_object_get(item, "ss58"));
		if (ls_unhex(json_string_value(json_object_get(item, "public_key")), pk, 32) != LS_OK)
			tap_bail("bad vector");
		if (ls_ss58_encode(pk, 42, addr) == LS_OK && strcmp(addr, want) == 0)
			encoded++;
		if (ls_ss58_decode(want, 42, back, NULL) == LS_OK && memcmp(back, pk, 32) == 0)
			decoded++;
	}
	ok(encoded == json_array_size(list) && encoded > 0,
	   "all %zu %s public keys encode to their published SS58 address", encoded, kind);
	ok(decoded == json_array_size(list),
	   "all %zu %s SS58 addresses decode back to their public key", decoded, kind);
}

int main(void)
{
	json_t *vectors = load_vectors();
	check_kind(vectors, "ed25519");
	check_kind(vectors, "sr25519");

	const char *good = "5Gw54ghuAHodDGAS91DUxqvKa6PeT9bhDdns3ztBupY8pSyn";
	uint8_t pk[32];
	ls_err err = {0};
	char addr[LS_SS58_MAX];

	snprintf(addr, sizeof addr, "%s", good);
	addr[strlen(addr) - 1] = addr[strlen(addr) - 1] == 'n' ? 'm' : 'n';
	ok(ls_ss58_decode(addr, 42, pk, &err) == LS_INVALID && strcmp(err.code, "ss58_checksum") == 0,
	   "an address with its last character changed fails the checksum (%s)", err.code);

	snprintf(addr, sizeof addr, "%.*s", (int)strlen(good) - 3, good);
	ok(ls_ss58_decode(addr, 42, pk, &err) == LS_INVALID && strcmp(err.code, "ss58_length") == 0,
	   "a truncated address is refused for its length (%s)", err.code);

	ok(ls_ss58_decode(good, 0, pk, &err) == LS_INVALID && strcmp(err.code, "ss58_prefix") == 0,
	   "a prefix-42 address is refused where prefix 0 (Polkadot) is configured (%s)", err.code);

	uint8_t key[32];
	memset(key, 7, sizeof key);
	ok(ls_ss58_encode(key, 2048, addr) == LS_OK && ls_ss58_decode(addr, 2048, pk, NULL) == LS_OK &&
	   memcmp(pk, key, 32) == 0 && ls_ss58_decode(addr, 42, pk, &err) != LS_OK,
	   "two-byte prefixes (2048) round-trip and are not taken for prefix 42");

	ok(ls_ss58_decode("5Gw54ghuAHodDGAS91DUxqvKa6PeT9bhDdns3ztBupY8pSy0", 42, pk, &err) == LS_INVALID &&
	   strcmp(err.code, "ss58_encoding") == 0,
	   "a character outside base58 ('0') is refused");
	ok(ls_ss58_decode("", 42, pk, &err) == LS_INVALID, "the empty string is refused");
	json_decref(vectors);
	return tap_done();
}
