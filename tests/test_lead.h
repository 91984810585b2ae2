/* test_lead.h — a schema-valid lead for the C unit tests, unique by i,
 * attested by the miner whose SS58 address is wallet.  New object. */
#ifndef LEADGATE_TEST_LEAD_H
#define LEADGATE_TEST_LEAD_H
#include <stdio.h>
#include <jansson.h>

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

#endif
