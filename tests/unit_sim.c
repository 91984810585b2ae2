/* leadgate-sim's leads and judge (jobs/sim_leads.c): every generated lead
 * passes the gateway's lead schema with distinct dedup keys, about a
 * quarter carry a flaw, and the honest judge approves exactly the sound
 * ones and names each flaw. */
#include <string.h>
#include <sodium.h>
#include "tap.h"
#include "sim.h"

#define LEADS 500

static json_t *sound_lead(void)
{
	return json_pack("{s:s, s:s, s:s, s:s}", "role", "VP of Sales", "website",
	                 "https://www.kestrelrobotics-1a2b.com", "source_url",
	                 "https://careers.kestrelrobotics-1a2b.com/team", "description",
	                 "Robot cells for small and mid-sized factories.");
}

/* One field changed from the sound lead, and the verdict it must earn. */
static const struct {
	const char *field, *value, *decision, *score, *reason, *what;
} verdicts[] = {
	{NULL, NULL, "approve", "1", "pass",
	 "a decision maker, a first-party source on a subdomain, a real description"},
	{"role", "Intern", "deny", "0.5000", "junior_role", "an intern"},
	{"role", "MVP Program Lead", "deny", "0.5000", "junior_role",
	 "\"mvp\" is not \"vp\": whole words only"},
	{"source_url", "https://leadlists-directory.example.com/c/kestrel", "deny", "0.7000",
	 "unverified_source", "a lead-list source"},
	{"source_url", "https://notkestrelrobotics-1a2b.com/", "deny", "0.7000", "unverified_source",
	 "a look-alike domain is not the company's own"},
	{"description", "Company.", "deny", "0.8000", "thin_description", "a one-word description"},
};

static void judge_tests(void)
{
	for (size_t i = 0; i < sizeof verdicts / sizeof verdicts[0]; i++) {
		json_t *lead = sound_lead();
		const char *d, *r;
		char score[8];
		if (verdicts[i].field)
			json_object_set_new(lead, verdicts[i].field, json_string(verdicts[i].value));
		lead_judge(lead, &d, score, &r);
		ok(strcmp(d, verdicts[i].decision) == 0 && strcmp(score, verdicts[i].score) == 0 &&
		   strcmp(r, verdicts[i].reason) == 0, "%s: %s %s %s (got %s %s %s)", verdicts[i].what,
		   verdicts[i].decision, verdicts[i].score, verdicts[i].reason, d, score, r);
		json_decref(lead);
	}
}

int main(void)
{
	struct ls_config cfg;
	struct sim s = {.ss58_prefix = 42};
	struct party miner = {.name = "miner-1"};
	uint8_t pk[32];
	if (sodium_init() < 0)
		tap_bail("sodium");
	ls_config_defaults(&cfg);
	snprintf(s.terms_hash, sizeof s.terms_hash, "%s", cfg.terms_version_hash);
	crypto_sign_keypair(pk, miner.key.sk);
	if (ls_ss58_encode(pk, 42, miner.ss58) != LS_OK)
		tap_bail("ss58");

	judge_tests();
	static struct ls_lead_keys keys[LEADS];
	size_t valid = 0, denied = 0, distinct = 0;
	ls_err first = {0};
	for (size_t i = 0; i < LEADS; i++) {
		json_t *lead = lead_new(&s, &miner), *norm = NULL;
		ls_err err = {0};
		if (ls_lead_validate(&cfg, lead, miner.ss58, "", &norm, &keys[i], &err) == LS_OK)
			valid++;
		else if (first.status == LS_OK)
			first = err;
		const char *d, *r;
		char score[8];
		lead_judge(lead, &d, score, &r);
		denied += strcmp(d, "deny") == 0;
		json_decref(norm);
		json_decref(lead);
	}
	ok(valid == LEADS, "all %d generated leads pass the gateway's lead schema%s%s", LEADS,
	   valid == LEADS ? "" : ": ", first.detail);
	for (size_t i = 0; i < LEADS; i++) {
		bool unique = true;
		for (size_t j = 0; j < i && unique; j++)
			unique = memcmp(keys[i].email, keys[j].email, 32) != 0 &&
			         memcmp(keys[i].linkedin, keys[j].linkedin, 32) != 0;
		distinct += unique;
	}
	ok(distinct == LEADS, "their email and LinkedIn dedup keys are all distinct (%zu of %d)",
	   distinct, LEADS);
	/* a flaw in 3 leads of 12: 25%, far inside 10..40% for 500 draws */
	ok(denied >= LEADS / 10 && denied <= LEADS * 4 / 10,
	   "the honest judge denies the flawed quarter: %zu of %d", denied, LEADS);
	return tap_done();
}
