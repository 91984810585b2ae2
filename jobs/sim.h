/* sim.h — leadgate-sim (SPEC §11): miners and validators with real hotkeys
 * (ed25519 or sr25519) playing against a running gateway over HTTP, each
 * request signed with RFC 9421 through the store's signer.  sim.c holds the command line,
 * the participants and what each does at each point of an epoch;
 * sim_http.c sends and reports; sim_leads.c makes leads and judges them;
 * sim_challenges.c and sim_requests.c play challenges and client requests. */
#ifndef LEADGATE_SIM_H
#define LEADGATE_SIM_H

#include <curl/curl.h>
#include "leadstore.h"

/* How a validator behaves (docs/development.md "The simulator"). */
enum behaviour {
	HONEST,    /* judges every lead, commits and reveals in time */
	LAZY,      /* approves everything with score 1, commits and reveals */
	LATE,      /* judges, but commits only after the commit window */
	STALE,     /* slips a lead of an earlier epoch into its commit */
	MISMATCH,  /* commits honestly, reveals a vote that does not match */
	SILENT,    /* fetches the leads and never votes */
	BEHAVIOUR_COUNT
};
const char *behaviour_name(enum behaviour b);
/* The behaviour of that name; false when none is. */
bool sim_behaviour_parse(const char *text, enum behaviour *out);

struct party {
	char name[24];          /* "validator-3", "miner-1": its key file's name */
	bool validator;
	enum behaviour behaviour;
	struct ls_keypair key;  /* ed25519 or sr25519, as its key file says */
	char ss58[LS_SS58_MAX];
};

/* What the gateway answered to one request. */
struct answer {
	long status;            /* 0 when no answer came */
	char problem[48];       /* the RFC 9457 type's code, "" on success */
	long retry_after;       /* its Retry-After in seconds, -1 when none */
	double seconds;         /* from sending to the whole answer */
	json_t *json;           /* the body when it is JSON, else NULL */
};

struct sim {
	char dir[LS_PATH_MAX];
	const char *url;        /* the gateway, without a trailing slash */
	unsigned ss58_prefix;
	char terms_hash[65];
	unsigned leads_per_miner;
	struct party *parties;
	size_t nparties;
	json_t *state;          /* DIR/state.json, kept between runs */
	CURL *curl;
	uint64_t epoch;         /* the chain's epoch at this tick */
	unsigned requests, unexpected;
	unsigned patience;      /* how often to ask again when told to come back */
	const char *source;     /* the local address to send from (curl's "host!ADDR"), or NULL */
	json_t *outcomes;       /* "who action status" -> count, for the summary */
	char client_key[LS_CLIENT_KEY_LEN + 1]; /* DIR/client.key, "" when none */
	struct ls_config cfg;   /* LEADGATE_CONF when readable: the store's clock */
	/* called with every answer when set (bench/flood counts them; --timings
	 * writes them down) */
	void (*observe)(struct sim *s, const char *role, const char *action, const struct answer *a);
	void *observer;
};

/* sim_cast.c */
/* DIR/name into out */
void sim_path(const struct sim *s, char *out, size_t size, const char *name);
/* DIR/sim.json, the keys, DIR/client.key and DIR/state.json into s (with
 * s->dir set); false after saying why on stderr. */
bool sim_cast_load(struct sim *s);
/* What sim_cast_load took, the keys wiped. */
void sim_cast_free(struct sim *s);

/* sim_play.c: everything due at the gateway's current block, once; returns
 * how many closed epochs' results it reported. */
unsigned sim_tick(struct sim *s, uint64_t *block_seconds);
/* The object under state.parties[name][key], created when missing
 * (borrowed from s->state). */
json_t *sim_state_at(struct sim *s, const char *name, const char *key);

/* sim_challenges.c: miners submit to the open challenges, validators
 * score what they have not scored yet. */
void sim_challenges_tick(struct sim *s);

/* sim_requests.c: the client keeps a lead request open and polls it;
 * validators rank the open requests once each.  remember_approved keeps
 * the approved lead ids of a closed epoch's results for the rankings. */
void sim_requests_tick(struct sim *s);
void sim_remember_approved(struct sim *s, json_t *results);

/* sim_http.c */
/* The gateway's configuration when this machine has it (LEADGATE_CONF or
 * the default path): the simulator then signs with the store's clock
 * (ls_now), as the gateway's own programs do; elsewhere with the wall
 * clock.  False after saying why on stderr. */
bool sim_config_load(struct sim *s);
bool sim_http_init(struct sim *s);
void sim_http_free(struct sim *s);
/* Send METHOD path (with a JSON body when body is not NULL), signed by who
 * unless who is NULL, and print one line (quiet: only when unexpected).
 * An answer whose status is not in expect (0-terminated) counts as
 * unexpected.  a->json is new. */
void sim_call(struct sim *s, const struct party *who, const char *action, bool quiet,
              const char *method, const char *path, json_t *body, const long *expect,
              struct answer *a);
/* The same as the client, with its API key (Authorization: Bearer). */
void sim_client_call(struct sim *s, const char *action, const char *method, const char *path,
                     json_t *body, const long *expect, struct answer *a);
void answer_free(struct answer *a);
void sim_summary(const struct sim *s);

/* sim_leads.c */
/* A realistic, schema-valid lead of miner; about a quarter have a flaw a
 * careful validator catches (a junior role, a lead-list source, a one-line
 * description).  New object. */
json_t *lead_new(const struct sim *s, const struct party *miner);
/* An honest validator's verdict on a lead: decision "approve"/"deny", a
 * score with at most 4 decimals, and "pass" or a rejection reason. */
void lead_judge(json_t *lead, const char **decision, char score[8], const char **reason);

#endif
