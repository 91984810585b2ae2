/* sim_leads.c — leads as the subnet's miners make them, and the judgement
 * of a careful validator.  Names, companies and places come from small
 * tables; every lead passes the gateway's schema (docs/protocol.md "Lead schema"),
 * and about one in four carries a flaw that lead_judge() catches. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <sodium.h>
#include "sim.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *const first_names[] = {
	"Ava", "Liam", "Noah", "Emma", "Sofia", "Mateo", "Priya", "Wei", "Yuki", "Omar",
	"Lena", "Jonas", "Chloe", "Arjun", "Fatima", "Lucas", "Grace", "Tomas"};
static const char *const last_names[] = {
	"Garcia", "Chen", "Mueller", "Kowalski", "Okafor", "Tanaka", "Rossi", "Novak",
	"Haddad", "Silva", "Nguyen", "Schmidt", "Dubois", "Larsen", "Patel", "Brennan"};
static const char *const stems[] = {
	"Northwind", "Bluepeak", "Ironbridge", "Cedarline", "Brightwave", "Kestrel",
	"Lumen", "Harborview", "Quarry", "Atlas", "Meridian", "Tidewater"};
static const struct { const char *suffix, *industry, *sub_industry, *offer; } trades[] = {
	{"Logistics", "Transportation", "Freight Forwarding", "Freight forwarding and customs brokerage"},
	{"Analytics", "Software", "Data Analytics", "Dashboards and forecasting for retail chains"},
	{"Robotics", "Manufacturing", "Industrial Automation", "Robot cells for small and mid-sized factories"},
	{"Health", "Healthcare", "Outpatient Clinics", "A network of outpatient physiotherapy clinics"},
	{"Foods", "Consumer Goods", "Packaged Foods", "Private-label snacks for regional grocers"},
	{"Energy", "Energy", "Commercial Solar", "Rooftop solar installations for warehouses"},
	{"Software", "Software", "SaaS", "Scheduling software for field-service teams"},
	{"Labs", "Biotechnology", "Contract Research", "Assay development for early-stage drug programs"}};
static const struct { const char *country, *state, *city; } places[] = {
	{"United States", "CA", "San Jose"}, {"United States", "TX", "Austin"},
	{"United States", "NY", "New York"}, {"Germany", NULL, "Berlin"},
	{"United Kingdom", NULL, "Manchester"}, {"Netherlands", NULL, "Rotterdam"},
	{"Canada", NULL, "Toronto"}, {"India", NULL, "Bengaluru"},
	{"Brazil", NULL, "Sao Paulo"}, {"Japan", NULL, "Osaka"}};
static const char *const senior_roles[] = {
	"Chief Executive Officer", "CTO", "VP of Sales", "Head of Operations",
	"Director of Procurement", "Founder", "Chief Revenue Officer", "Head of Growth"};
static const char *const junior_roles[] = {"Intern", "Sales Associate", "Student Assistant"};
static const char *const sizes[] = {"11-50", "51-200", "201-500", "501-1,000", "1,001-5,000"};

/* The words that mark a decision maker, for the judge. */
static const char *const senior_words[] = {"chief", "cto", "ceo", "vp", "head", "director",
                                           "founder", "president", "owner", "partner"};
#define LEAD_LIST_HOST "leadlists-directory.example.com"

static uint32_t pick(uint32_t n) { return randombytes_uniform(n); }

static void lowercase_alnum(const char *in, char *out, size_t size)
{
	size_t j = 0;
	for (; *in && j + 1 < size; in++)
		if (isalnum((unsigned char)*in))
			out[j++] = (char)tolower((unsigned char)*in);
	out[j] = '\0';
}

json_t *lead_new(const struct sim *s, const struct party *miner)
{
	const char *first = first_names[pick(COUNT(first_names))];
	const char *last = last_names[pick(COUNT(last_names))];
	const char *stem = stems[pick(COUNT(stems))];
	uint32_t t = pick(COUNT(trades)), p = pick(COUNT(places)), flaw = pick(12);
	char business[64], domain[96], f[32], l[32], tag[9], email[160], web[128], src[192],
	     li[160], cli[160], full[64], desc[160], phone[24];
	uint8_t r[4];
	randombytes_buf(r, sizeof r);
	ls_hex(r, sizeof r, tag);
	snprintf(business, sizeof business, "%s %s", stem, trades[t].suffix);
	lowercase_alnum(business, domain, 40);
	snprintf(domain + strlen(domain), sizeof domain - strlen(domain), "-%s.com", tag);  /* all 32 bits: emails practically never repeat */
	lowercase_alnum(first, f, sizeof f);
	lowercase_alnum(last, l, sizeof l);
	snprintf(full, sizeof full, "%s %s", first, last);
	snprintf(email, sizeof email, "%s.%s@%s", f, l, domain);
	snprintf(web, sizeof web, "https://www.%s", domain);
	snprintf(li, sizeof li, "https://www.linkedin.com/in/%s-%s-%s", f, l, tag);
	snprintf(cli, sizeof cli, "https://www.linkedin.com/company/%.*s", (int)strcspn(domain, "."),
	         domain);
	/* flaws: 0 junior role, 1 a lead-list source, 2 a one-line description */
	snprintf(src, sizeof src, flaw == 1 ? "https://" LEAD_LIST_HOST "/companies/%s" : "%s/about",
	         flaw == 1 ? domain : web);
	snprintf(desc, sizeof desc, "%s.", flaw == 2 ? "Company" : trades[t].offer);
	snprintf(phone, sizeof phone, "+1 555 %03u %04u", pick(1000), pick(10000));
	json_t *lead = json_pack(
		"{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s,"
		" s:s, s:s, s:s, s:b, s:b, s:b, s:s, s:s}",
		"business", business, "full_name", full, "first", first, "last", last, "email", email,
		"role", flaw == 0 ? junior_roles[pick(COUNT(junior_roles))] : senior_roles[pick(COUNT(senior_roles))],
		"website", web, "industry", trades[t].industry, "sub_industry", trades[t].sub_industry,
		"country", places[p].country, "city", places[p].city, "linkedin", li,
		"company_linkedin", cli, "source_url", src, "description", desc, "employee_count",
		sizes[pick(COUNT(sizes))], "hq_country", places[p].country, "wallet_ss58", miner->ss58,
		"terms_version_hash", s->terms_hash, "lawful_collection", 1, "no_restricted_sources", 1,
		"license_granted", 1, "source_type", flaw == 1 ? "lead_list" : "company_website", "phone",
		phone);
	if (places[p].state) {
		json_object_set_new(lead, "state", json_string(places[p].state));
		json_object_set_new(lead, "hq_state", json_string(places[p].state));
	}
	return lead;
}

static bool senior(const char *role)
{
	char lower[256];
	snprintf(lower, sizeof lower, "%s", role ? role : "");
	for (char *c = lower; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	for (size_t i = 0; i < COUNT(senior_words); i++) {
		const char *w = strstr(lower, senior_words[i]);
		size_t n = strlen(senior_words[i]);
		/* whole words only: "vp" in "vp of sales", not in "mvp" */
		if (w && (w == lower || !isalpha((unsigned char)w[-1])) && !isalpha((unsigned char)w[n]))
			return true;
	}
	return false;
}

/* The source is the company's own site (or a subdomain of it). */
static bool first_party_source(const char *website, const char *source)
{
	const char *w = website ? strstr(website, "://") : NULL, *src = source ? strstr(source, "://") : NULL;
	if (w == NULL || src == NULL)
		return false;
	w += 3;
	src += 3;
	if (strncmp(w, "www.", 4) == 0)
		w += 4;
	size_t wl = strcspn(w, "/"), sl = strcspn(src, "/");
	return sl >= wl && strncmp(src + sl - wl, w, wl) == 0 && (sl == wl || src[sl - wl - 1] == '.');
}

void lead_judge(json_t *lead, const char **decision, char score[8], const char **reason)
{
	const char *role = json_string_value(json_object_get(lead, "role"));
	const char *desc = json_string_value(json_object_get(lead, "description"));
	bool is_senior = senior(role);
	bool own_source = first_party_source(json_string_value(json_object_get(lead, "website")),
	                                     json_string_value(json_object_get(lead, "source_url")));
	bool substantial = desc && strlen(desc) >= 30;
	unsigned e4 = (is_senior ? 5000u : 0u) + (own_source ? 3000u : 0u) + (substantial ? 2000u : 0u);
	*decision = e4 >= 10000 ? "approve" : "deny";
	*reason = e4 >= 10000 ? "pass" : !is_senior ? "junior_role"
	        : !own_source ? "unverified_source" : "thin_description";
	if (e4 == 10000)
		snprintf(score, 8, "1");
	else
		snprintf(score, 8, "0.%04u", e4);
}
