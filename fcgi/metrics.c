/* metrics.c — GET /v1/metrics: the store's counters in Prometheus text
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

static void histogram(FILE *f, const char *name, const char *help, const double *bounds,
                      const uint64_t *counts, size_t n, uint64_t count, double sum)
{
	family(f, name, "histogram", help);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s_bucket{le=\"%g\"} %llu\n", name, bounds[i], (unsigned long long)counts[i]);
	fprintf(f, "%s_bucket{le=\"+Inf\"} %llu\n%s_sum %.17g\n%s_count %llu\n", name,
	        (unsigned long long)count, name, sum, name, (unsigned long long)count);
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

static void store_metrics(FILE *f, const struct ls_stats *s, uint64_t map_size)
{
	metric(f, "leadgate_leads", "gauge", "Leads in the store.", (double)s->leads);
	metric(f, "leadgate_leads_pending", "gauge", "Leads waiting in the queue.", (double)s->pending);
	metric(f, "leadgate_neurons", "gauge", "Neurons in the metagraph.", (double)s->neurons);
	metric(f, "leadgate_log_entries", "gauge", "Entries in the transparency log.",
	       (double)s->log_entries);
	metric(f, "leadgate_store_map_bytes", "gauge", "The LMDB map's size now.", (double)map_size);
}

void get_metrics(struct request *req, struct response *res)
{
	const struct ls_config *cfg = ls_store_config(req->st);
	struct ls_request_stats rs;
	struct ls_stats ss;
	ls_err err = {0};
	if (!ls_addr_allowed(cfg->metrics_allow, http_env(req->io, "REMOTE_ADDR")))
		return http_problem_status(res, LS_FORBIDDEN, "metrics_forbidden",
		                           "this address is not in metrics_allow");
	if (ls_reader_begin(req->st, &res->rd, &err) != LS_OK)
		return http_problem(res, &err);
	if (ls_request_stats_get(res->rd, &rs, &err) != LS_OK)
		return http_problem(res, &err);
	if (ls_stats_get(res->rd, &ss) != LS_OK)
		return http_problem_status(res, LS_ERROR, "store_error", "the store could not be read");
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (f == NULL)
		return http_problem_status(res, LS_ERROR, "oom", "out of memory");
	request_metrics(f, &rs);
	store_metrics(f, &ss, ls_map_size(req->st));
	if (fclose(f) != 0) {
		free(text);
		return http_problem_status(res, LS_ERROR, "oom", "out of memory");
	}
	http_private_json(res, 200, text);
	res->content_type = "text/plain; version=0.0.4; charset=utf-8";
	res->cache_control = "no-store";
}
