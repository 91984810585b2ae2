/* metrics.c — GET /v1/metrics: the request meters every worker shares,
 * the store's counters, the epoch pipeline and the jobs in Prometheus text
 * format (exposition format 0.0.4), for the addresses in metrics_allow
 * only (403 for the rest). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "http.h"

static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void metric(FILE *f, const char *name, const char *type, const char *help, double value)
{
	family(f, name, type, help);
	fprintf(f, "%s %.17g\n", name, value);
}

/* One histogram's samples; cumulative[i] counts the observations up to
 * bounds[i]; labels ("" or 'k="v",') go before le. */
static void histogram_samples(FILE *f, const char *name, const char *labels, const double *bounds,
                              const uint64_t *cumulative, size_t n, uint64_t count, double sum)
{
	const char *comma = strrchr(labels, ',');
	int bare = comma ? (int)(comma - labels) : 0;  /* the labels without their comma */
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s_bucket{%sle=\"%g\"} %llu\n", name, labels, bounds[i],
		        (unsigned long long)cumulative[i]);
	fprintf(f, "%s_bucket{%sle=\"+Inf\"} %llu\n", name, labels, (unsigned long long)count);
	fprintf(f, bare ? "%s_sum{%.*s} %.17g\n" : "%s_sum%.*s %.17g\n", name, bare, labels, sum);
	fprintf(f, bare ? "%s_count{%.*s} %llu\n" : "%s_count%.*s %llu\n", name, bare, labels,
	        (unsigned long long)count);
}

static void histogram(FILE *f, const char *name, const char *help, const double *bounds,
                      const uint64_t *counts, size_t n, uint64_t count, double sum)
{
	family(f, name, "histogram", help);
	histogram_samples(f, name, "", bounds, counts, n, count, sum);
}

static void request_metrics(FILE *f, const struct ls_request_stats *s)
{
	static const double trust_bounds[LS_TRUST_BUCKETS] = {0.1, 0.2, 0.3, 0.4, 0.5,
	                                                      0.6, 0.7, 0.8, 0.9, 1};
	family(f, "leadgate_client_requests_total", "counter",
	       "Client lead requests made, completed and expired.");
	fprintf(f, "leadgate_client_requests_total{outcome=\"created\"} %llu\n"
	           "leadgate_client_requests_total{outcome=\"completed\"} %llu\n"
	           "leadgate_client_requests_total{outcome=\"expired\"} %llu\n",
	        (unsigned long long)s->created, (unsigned long long)s->completed,
	        (unsigned long long)s->expired);
	metric(f, "leadgate_client_requests_open", "gauge",
	       "Client requests not yet completed or expired.", (double)s->open);
	metric(f, "leadgate_client_request_rankings_total", "counter",
	       "Validator rankings that took part in completed requests.", (double)s->rankings);
	metric(f, "leadgate_client_request_validators_timed_out_total", "counter",
	       "Active validators that had not ranked when a request completed.",
	       (double)s->validators_timed_out);
	metric(f, "leadgate_client_request_leads_selected_total", "counter",
	       "Leads returned to clients by completed requests.", (double)s->leads_selected);
	histogram(f, "leadgate_client_request_response_seconds",
	          "Seconds from a request to each ranking that took part in it.", ls_response_bounds,
	          s->response, LS_RESPONSE_BUCKETS, s->rankings, s->response_sum);
	histogram(f, "leadgate_client_request_validator_trust",
	          "Validator trust of each ranking that took part in a completed request.",
	          trust_bounds, s->trust, LS_TRUST_BUCKETS, s->rankings, s->trust_sum);
	metric(f, "leadgate_clients", "gauge", "Clients with a working API key.", (double)s->clients);
}

static void store_metrics(FILE *f, const struct ls_stats *s, const struct ls_store_usage *u)
{
	metric(f, "leadgate_leads", "gauge", "Leads in the store.", (double)s->leads);
	metric(f, "leadgate_leads_pending", "gauge", "Leads waiting in the queue.", (double)s->pending);
	metric(f, "leadgate_neurons", "gauge", "Neurons in the metagraph.", (double)s->neurons);
	metric(f, "leadgate_log_entries", "gauge", "Entries in the transparency log.",
	       (double)s->log_entries);
	metric(f, "leadgate_replay_nonces", "gauge", "Nonces the replay store remembers.",
	       (double)s->nonces);
	metric(f, "leadgate_store_map_bytes", "gauge", "The LMDB map's size now.", (double)u->map_size);
	metric(f, "leadgate_store_used_bytes", "gauge", "Bytes of the map in use (up to the last page).",
	       (double)u->used);
	metric(f, "leadgate_store_map_max_bytes", "gauge",
	       "map_max: the map grows up to this, then writes get 507.", (double)u->map_max);
	metric(f, "leadgate_store_readers", "gauge", "LMDB reader slots held by processes now.",
	       (double)u->readers);
	metric(f, "leadgate_store_reader_slots_used", "gauge",
	       "The most LMDB reader slots ever taken at once.", (double)u->slots_used);
	metric(f, "leadgate_store_readers_max", "gauge",
	       "LMDB reader slots in all (max_readers); past them reads get 503.",
	       (double)u->max_readers);
}

static void epoch_metrics(FILE *f, const struct ls_epoch_state *e, int64_t last_sync,
                          int64_t now)
{
	metric(f, "leadgate_chain_anchored", "gauge", "1 once leadgate-sync has imported an anchor.",
	       e->anchored);
	metric(f, "leadgate_chain_block", "gauge", "The chain's block now, by the anchor and clock.",
	       (double)e->block);
	metric(f, "leadgate_epoch_current", "gauge", "The epoch the chain is in now.", (double)e->epoch);
	metric(f, "leadgate_epoch_last_assigned", "gauge", "The newest epoch with leads assigned.",
	       (double)e->last_assigned);
	metric(f, "leadgate_epoch_last_closed", "gauge", "The newest closed epoch.",
	       (double)e->last_closed);
	metric(f, "leadgate_epoch_last_bundled", "gauge", "The newest epoch bundled.",
	       (double)e->last_bundled);
	metric(f, "leadgate_last_sync_timestamp_seconds", "gauge",
	       "Unix time of the last metagraph import.", (double)last_sync);
	if (last_sync > 0)  /* absent before the first import */
		metric(f, "leadgate_last_sync_age_seconds", "gauge",
		       "Seconds since the last metagraph import.", (double)(now - last_sync));
}

/* Where the bundles stand on their way to Arweave (leadgate-upload). */
static void upload_metrics(FILE *f, ls_reader *rd, int64_t now)
{
	struct ls_upload_stats u;
	ls_err err = {0};
	if (ls_uploads_stats(rd, &u, &err) != LS_OK)
		return;  /* the rest of the page still says what it can */
	const uint64_t by_state[] = {u.waiting, u.posted, u.confirmed, u.refused};
	family(f, "leadgate_bundles", "gauge",
	       "Written bundles by upload state: waiting, posted (not yet confirmed), confirmed, "
	       "refused (until leadgate-admin uploads retry).");
	for (int i = 0; i < 4; i++)
		fprintf(f, "leadgate_bundles{upload=\"%s\"} %llu\n",
		        ls_upload_state_name((enum ls_upload_state)i), (unsigned long long)by_state[i]);
	metric(f, "leadgate_bundle_upload_failures", "gauge",
	       "Failed upload attempts not yet followed by a success, over all bundles.",
	       (double)u.failures);
	if (u.oldest_unconfirmed > 0)  /* absent while every bundle is confirmed */
		metric(f, "leadgate_bundle_oldest_unconfirmed_age_seconds", "gauge",
		       "Seconds since the oldest bundle not yet confirmed on Arweave was written.",
		       (double)(now - u.oldest_unconfirmed));
}

static void job_metrics(FILE *f, ls_store *st)
{
	double seconds[LS_JOBS];
	int64_t at[LS_JOBS];
	for (size_t i = 0; i < LS_JOBS; i++)
		at[i] = ls_job_last_run(st, ls_job_names[i], &seconds[i]);
	family(f, "leadgate_job_last_success_timestamp_seconds", "gauge",
	       "Unix time at which each job last ran to the end (0: never).");
	for (size_t i = 0; i < LS_JOBS; i++)
		fprintf(f, "leadgate_job_last_success_timestamp_seconds{job=\"%s\"} %lld\n",
		        ls_job_names[i], (long long)at[i]);
	family(f, "leadgate_job_last_duration_seconds", "gauge",
	       "How long each job's last complete run took (absent: not known).");
	for (size_t i = 0; i < LS_JOBS; i++)
		if (seconds[i] >= 0)
			fprintf(f, "leadgate_job_last_duration_seconds{job=\"%s\"} %.6f\n", ls_job_names[i],
			        seconds[i]);
}

/* 'method="GET",route="/v1/epoch/{}/leads",'; route="none" for no route */
static void route_labels(size_t slot, char *out, size_t size)
{
	if (slot == ROUTE_SLOT_NONE)
		snprintf(out, size, "method=\"\",route=\"none\",");
	else
		snprintf(out, size, "method=\"%s\",route=\"%s\",", route_at(slot)->method,
		         route_at(slot)->pattern);
}

static void route_latency(FILE *f, const char *labels, const struct ls_meter_route *r)
{
	uint64_t cumulative[LS_METER_BUCKETS], sum = 0;
	for (size_t b = 0; b < LS_METER_BUCKETS; b++)
		cumulative[b] = sum += r->bucket[b];
	/* a request counted between the reads of its bucket and of count */
	uint64_t count = r->count > sum ? r->count : sum;
	histogram_samples(f, "leadgate_http_request_duration_seconds", labels, ls_meter_bounds,
	                  cumulative, LS_METER_BUCKETS, count, (double)r->micros / 1e6);
}

static void request_meters(FILE *f, const struct ls_meters *m)
{
	size_t slots[LS_METER_ROUTES], n = 0;
	char labels[LS_METER_ROUTES][160];
	for (size_t i = 0; i < route_count(); i++)
		slots[n++] = i;
	slots[n++] = ROUTE_SLOT_NONE;
	for (size_t i = 0; i < n; i++)
		route_labels(slots[i], labels[i], sizeof labels[i]);
	family(f, "leadgate_http_requests_total", "counter",
	       "Requests answered, by route and status, by every worker of this store.");
	for (size_t i = 0; i < n; i++)
		for (size_t s = 0; s < LS_METER_STATUSES; s++) {
			uint64_t c = m->route[slots[i]].status[s];
			if (c && ls_meter_statuses[s])
				fprintf(f, "leadgate_http_requests_total{%sstatus=\"%d\"} %llu\n", labels[i],
				        ls_meter_statuses[s], (unsigned long long)c);
			else if (c)
				fprintf(f, "leadgate_http_requests_total{%sstatus=\"other\"} %llu\n", labels[i],
				        (unsigned long long)c);
		}
	family(f, "leadgate_http_request_duration_seconds", "histogram",
	       "Seconds from a request's arrival at the worker to its last byte written.");
	for (size_t i = 0; i < n; i++)
		if (m->route[slots[i]].count)
			route_latency(f, labels[i], &m->route[slots[i]]);
	family(f, "leadgate_signature_failures_total", "counter",
	       "Signed requests refused, by the problem's code (replays are counted apart).");
	double replays = 0;
	for (size_t i = 0; i < LS_METER_AUTH_REASONS; i++)
		if (strcmp(ls_meter_auth_reasons[i], "replayed_nonce") == 0)
			replays = (double)m->auth[i];
		else
			fprintf(f, "leadgate_signature_failures_total{reason=\"%s\"} %llu\n",
			        ls_meter_auth_reasons[i], (unsigned long long)m->auth[i]);
	metric(f, "leadgate_replay_rejections_total", "counter",
	       "Signed requests refused because their nonce was seen before.", replays);
}

void get_metrics(struct request *req, struct response *res)
{
	const struct ls_config *cfg = ls_store_config(req->st);
	struct ls_request_stats rs;
	struct ls_stats ss;
	struct ls_store_usage usage;
	struct ls_epoch_state es;
	struct ls_meters *meters = calloc(1, sizeof *meters);
	ls_err err = {0};
	if (!ls_addr_allowed(cfg->metrics_allow, http_env(req->io, "REMOTE_ADDR")))
		return free(meters), http_problem_status(res, LS_FORBIDDEN, "metrics_forbidden",
		                                         "this address is not in metrics_allow");
	if (meters == NULL)
		return http_problem_status(res, LS_ERROR, "oom", "out of memory");
	bool metered = ls_meters_read(req->st, meters);
	char *text = NULL;
	size_t len = 0;
	FILE *f = NULL;
	if (ls_reader_begin(req->st, &res->rd, &err) != LS_OK)
		http_problem(res, &err);
	else if (ls_request_stats_get(res->rd, &rs, &err) != LS_OK)
		http_problem(res, &err);
	else if (ls_stats_get(res->rd, &ss) != LS_OK)
		http_problem_status(res, LS_ERROR, "store_error", "the store could not be read");
	else if ((f = open_memstream(&text, &len)) == NULL)
		http_problem_status(res, LS_ERROR, "oom", "out of memory");
	if (f == NULL)
		return free(meters);
	ls_store_usage(req->st, &usage);
	ls_epoch_state_get(res->rd, req->now, &es);
	metric(f, "leadgate_metrics_shared", "gauge",
	       "1 when the request counters below are shared by all workers (store_dir/meters).",
	       metered);
	request_meters(f, meters);
	request_metrics(f, &rs);
	store_metrics(f, &ss, &usage);
	epoch_metrics(f, &es, ls_last_sync(res->rd), req->now);
	upload_metrics(f, res->rd, req->now);
	job_metrics(f, req->st);
	free(meters);
	if (fclose(f) != 0) {
		free(text);
		return http_problem_status(res, LS_ERROR, "oom", "out of memory");
	}
	http_private_json(res, 200, text);
	res->content_type = "text/plain; version=0.0.4; charset=utf-8";
	res->cache_control = "no-store";
}
