/* sim_cast.c — the cast leadgate-sim init wrote (DIR/sim.json, DIR/keys,
 * DIR/client.key) and what earlier ticks did (DIR/state.json), loaded by
 * leadgate-sim and by the benchmarks' drivers (bench/flood). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "sim.h"

void sim_path(const struct sim *s, char *out, size_t size, const char *name)
{
	snprintf(out, size, "%s/%s", s->dir, name);
}

static bool load_party(struct sim *s, json_t *entry, struct party *p)
{
	char path[LS_PATH_MAX + 64];
	ls_err err = {0};
	const char *name = json_string_value(json_object_get(entry, "name"));
	const char *b = json_string_value(json_object_get(entry, "behaviour"));
	if (name == NULL || strlen(name) >= sizeof p->name)
		return false;
	snprintf(p->name, sizeof p->name, "%s", name);
	p->validator = b != NULL;
	if (b && !sim_behaviour_parse(b, &p->behaviour))
		return false;
	snprintf(path, sizeof path, "%s/keys/%s", s->dir, name);
	if (ls_keyfile_load(path, &p->key, &err) != LS_OK) {
		fprintf(stderr, "leadgate-sim: %s\n", err.detail);
		return false;
	}
	return ls_ss58_encode(p->key.pk, s->ss58_prefix, p->ss58) == LS_OK;
}

/* DIR/client.key, when the operator made one: the client plays. */
static void load_client_key(struct sim *s)
{
	char path[LS_PATH_MAX + 32], key[LS_CLIENT_KEY_LEN + 2] = "";
	sim_path(s, path, sizeof path, "client.key");
	FILE *f = fopen(path, "r");
	if (f && fgets(key, sizeof key, f))
		key[strcspn(key, "\r\n")] = '\0';
	if (f)
		fclose(f);
	if (strlen(key) == LS_CLIENT_KEY_LEN)
		memcpy(s->client_key, key, sizeof s->client_key);
}

/* DIR/sim.json, the keys, DIR/client.key and DIR/state.json (what
 * earlier ticks did). */
bool sim_cast_load(struct sim *s)
{
	char path[LS_PATH_MAX + 32];
	sim_path(s, path, sizeof path, "sim.json");
	json_t *doc = json_load_file(path, 0, NULL), *list = json_object_get(doc, "participants");
	const char *terms = json_string_value(json_object_get(doc, "terms_version_hash"));
	json_int_t prefix = json_integer_value(json_object_get(doc, "ss58_prefix"));
	bool ok = json_is_array(list) && terms && strlen(terms) == 64 && prefix >= 0 && prefix < 16384;
	if (ok) {
		s->ss58_prefix = (unsigned)prefix;
		snprintf(s->terms_hash, sizeof s->terms_hash, "%s", terms);
		s->nparties = json_array_size(list);
		s->parties = calloc(s->nparties ? s->nparties : 1, sizeof *s->parties);
		ok = s->parties != NULL;
	}
	for (size_t i = 0; ok && i < s->nparties; i++)
		ok = load_party(s, json_array_get(list, i), &s->parties[i]);
	json_decref(doc);
	if (!ok) {
		fprintf(stderr, "leadgate-sim: %s is missing or damaged (run leadgate-sim init)\n", path);
		return false;
	}
	load_client_key(s);
	sim_path(s, path, sizeof path, "state.json");
	s->state = json_load_file(path, 0, NULL);
	if (!json_is_object(s->state)) {
		json_decref(s->state);
		s->state = json_object();
	}
	return true;
}

void sim_cast_free(struct sim *s)
{
	for (size_t i = 0; i < s->nparties; i++)
		sodium_memzero(&s->parties[i].key, sizeof s->parties[i].key);
	free(s->parties);
	s->parties = NULL;
	s->nparties = 0;
	json_decref(s->state);
	s->state = NULL;
}
