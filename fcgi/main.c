/*
 * main.c — leadgate.fcgi: serves FastCGI when started by a web server or
 * spawn-fcgi (fd 0 is a listening socket), and one plain CGI request
 * otherwise (SPEC §11).  The store is opened once per process.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcgiapp.h>
#include "http.h"

/* A CGI request that cannot be served still gets a problem+json answer. */
static int cgi_failure(const ls_err *err)
{
	printf("Status: 503 Service Unavailable\r\nContent-Type: application/problem+json\r\n"
	       "Cache-Control: no-store\r\n\r\n"
	       "{\"type\":\"urn:leadgate:problem:%s\",\"title\":\"Service Unavailable\","
	       "\"status\":503,\"detail\":\"the gateway is not configured\"}",
	       err->code[0] ? err->code : "unavailable");
	return EXIT_FAILURE;
}

static ls_status open_store(ls_store **st, ls_err *err)
{
	struct ls_config cfg;
	ls_config_defaults(&cfg);
	ls_status s = ls_config_load(&cfg, ls_config_path(), err);
	return s == LS_OK ? ls_open(st, &cfg, 0, err) : s;
}

/* leadgate.fcgi [POOL]: the pool's name as argument is LEADGATE_POOL, for
 * web servers that tell their classes of workers apart by command line
 * (mod_fcgid).  A CGI program's arguments are a query's words (RFC 3875
 * §4.4), never a pool. */
static bool pool_argument(int argc, char **argv)
{
	enum pool p;
	if (argc < 2)
		return true;
	if (pool_from_name(argv[1], &p))
		return setenv("LEADGATE_POOL", argv[1], 1) == 0;
	fprintf(stderr, "usage: leadgate.fcgi [validator|miner|client|public]\n");
	return false;
}

int main(int argc, char **argv)
{
	ls_store *st = NULL;
	ls_err err = {0};
	if (FCGX_Init() != 0) {
		fprintf(stderr, "leadgate.fcgi: FCGX_Init failed\n");
		return EXIT_FAILURE;
	}
	bool cgi = FCGX_IsCGI();
	if (!cgi && !pool_argument(argc, argv))
		return 2;
	if (open_store(&st, &err) != LS_OK) {
		fprintf(stderr, "leadgate.fcgi: %s\n", err.detail);
		return cgi ? cgi_failure(&err) : EXIT_FAILURE;
	}
	/* without meters the worker still serves; /v1/metrics says so */
	if (ls_meters_attach(st, route_layout_id(), &err) != LS_OK)
		fprintf(stderr, "leadgate.fcgi: request metrics are off: %s\n", err.detail);
	if (cgi) {
		struct http_io io = {NULL};
		http_serve(&io, st);
		fflush(stdout);
	} else {
		pool_settle(st);
		FCGX_Request request;
		FCGX_InitRequest(&request, 0, 0);
		struct http_io io = {&request};
		while (FCGX_Accept_r(&request) >= 0) {
			http_serve(&io, st);
			/* libfcgi closes by shutting down its side and reading until
			 * the web server closes too (up to 2 s), lest unread input
			 * turn the close into a reset that loses the answer.  With
			 * the request read to its end nothing more comes, and the
			 * worker takes the next connection at once. */
			if (FCGX_HasSeenEOF(request.in))
				FCGX_Detach(&request);
			FCGX_Finish_r(&request);
		}
	}
	ls_close(st);
	return EXIT_SUCCESS;
}
