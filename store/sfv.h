/* sfv.h — the subset of RFC 8941 structured fields that RFC 9421 and
 * RFC 9530 headers use: dictionaries whose members are inner lists of
 * strings or byte sequences, with parameters.  Internal to store/. */
#ifndef LEADSTORE_SFV_H
#define LEADSTORE_SFV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "leadstore.h"

#define SFV_MAX_MEMBERS 8
#define SFV_MAX_ITEMS LS_SIG_MAX_COMPONENTS
#define SFV_MAX_BYTES 128  /* decoded byte sequences */

struct sfv_member {
	char key[64];
	bool is_inner_list;
	/* inner list of strings */
	size_t nitems;
	char items[SFV_MAX_ITEMS][64];
	bool item_has_params;
	/* byte sequence */
	uint8_t bytes[SFV_MAX_BYTES];
	size_t nbytes;
	/* the member's parameters */
	size_t nparams;
	struct ls_sig_param params[LS_SIG_MAX_PARAMS];
};

struct sfv_dict {
	size_t nmembers;
	struct sfv_member members[SFV_MAX_MEMBERS];
};

/* Parse a whole header value as a dictionary; false with a reason. */
bool sfv_parse_dict(const char *s, struct sfv_dict *out, const char **why);

#endif
