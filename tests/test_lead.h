/* test_lead.h — what the C unit tests make up: a schema-valid lead and a
 * caller's identity. */
#ifndef LEADGATE_TEST_LEAD_H
#define LEADGATE_TEST_LEAD_H
#include <stdio.h>
#include <string.h>
#include <jansson.h>
#include "leadstore.h"
#include "tap.h"

/* A lead unique by i, attested by the miner whose SS58 address is
 * wallet.  New object. */
static inline json_t *test_lead(int i, const char *wallet)
{
	char email[64], li[96], site[64];
	snprintf(email, sizeof email, "person%d@firm%d.example.com", i, i);
	snprintf(site, sizeof site, "https://www.firm%d.example.com", i);
	snprintf(li, sizeof li, "https://www.linkedin.com/in/person-%d", i);
	return json_pack(
		"{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s,"
		" s:s, s:s, s:s, s:b, s:b, s:b, s:s}",
		"business", "Firm", "full_name", "Pat Lee", "first", "Pat", "last", "Lee", "email", email,
		"role", "CTO", "website", site, "industry", "Software", "sub_industry", "SaaS", "country",
		"Germany", "city", "Berlin", "linkedin", li, "company_linkedin",
		"https://linkedin.com/company/firm", "source_url", "https://example.com/about",
		"description", "Makes software.", "employee_count", "11-50", "hq_country", "Germany",
		"wallet_ss58", wallet, "terms_version_hash",
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "lawful_collection", 1,
		"no_restricted_sources", 1, "license_granted", 1, "source_type", "company_website");
}

/* A registered, active caller whose hotkey is 32 bytes of tag. */
static inline void test_identity(struct ls_identity *id, uint8_t tag, bool validator, double trust)
{
	memset(id, 0, sizeof *id);
	memset(id->hotkey, tag, 32);
	if (ls_ss58_encode(id->hotkey, 42, id->ss58) != LS_OK)
		tap_bail("ss58");
	id->registered = true;
	id->neuron.validator_permit = validator;
	id->neuron.validator_trust_u16 = (uint16_t)(trust * 65535.0 + 0.5);
	id->neuron.active = true;
}

#endif
