/* http.h — the HTTP adapter's request and response, shared by the accept
 * loop (main.c), the common request path (http.c) and the handlers
 * (routes.c).  No decisions about leads or consensus live here. */
#ifndef LEADGATE_HTTP_H
#define LEADGATE_HTTP_H

#include <fcgiapp.h>
#include "leadstore.h"

/* Where a request comes from: a FastCGI request, or plain CGI (stdin,
 * stdout and the process environment). */
struct http_io {
	FCGX_Request *fcgi;  /* NULL in CGI mode */
};

struct request {
	struct http_io *io;
	ls_store *st;
	int64_t now;
	const char *method;
	char path[1024];
	const char *query;           /* NULL when the URI has none */
	char *query_buf;
	char param[80];              /* the {} segment of the route, if any */
	uint8_t *body;
	size_t body_len;
	struct ls_identity caller;   /* set on signed routes */
	struct ls_client client;     /* set on client (API key) routes */
	struct ls_http_request signed_req;
};

struct response {
	int status;
	const char *content_type;
	const char *cache_control;
	char etag[20];               /* without quotes; "" for none */
	const void *body;            /* borrowed from rd or owned */
	size_t len;
	char *owned;                 /* freed after sending */
	int fd;                      /* >= 0: len bytes of this file are the
	                              * body, sent in pieces; closed after */
	ls_reader *rd;               /* ended after sending */
	char extra[256];             /* more header lines, each ending "\r\n" */
};

const char *http_env(struct http_io *io, const char *name);
/* The value of a request header by lowercase name, or NULL. */
const char *http_header(void *io, const char *name);

/* Answer an RFC 9457 problem from a store error. */
void http_problem(struct response *res, const ls_err *err);
void http_problem_status(struct response *res, ls_status status, const char *code,
                         const char *detail);
/* A public JSON body: ETag from its bytes, Cache-Control public. */
void http_public_json(struct request *req, struct response *res, const void *body,
                      size_t len, const char *etag);
void http_private_json(struct response *res, int status, char *owned_body);
/* The same with a strong ETag from its bytes: a poll that has them gets a
 * 304. */
void http_private_tagged(struct response *res, char *owned_body);
/* A public answer that stays right only so long: a shorter max-age. */
void http_max_age(struct response *res, int64_t seconds);
/* A public binary body of len bytes read from fd as it is sent, with its
 * strong ETag. */
void http_public_file(struct request *req, struct response *res, int fd, size_t len,
                      const char *etag);
/* A private body sent from the store's map with its ETag (304 on
 * If-None-Match) and Cache-Control: private, no-store. */
void http_private_cached(struct response *res, const struct ls_body *b);

/* A worker of the pool LEADGATE_POOL names takes that pool's CPU priority
 * (nice_<class>), once at start. */
void pool_settle(ls_store *st);

/* records.c: the n pieces (at most FCGI_PARTS_MAX) as FastCGI STDOUT
 * records on r's connection, in one system call where the socket takes
 * them, their last bytes left to travel with the end of the stream; false
 * when it fails. */
#define FCGI_PARTS_MAX 4
struct iovec;
bool fcgi_send(FCGX_Request *r, const struct iovec *parts, size_t n);

/* backlog.c: connections waiting in the listening socket fd's queue, -1
 * when the kernel does not say (not a socket, not TCP or Unix). */
int listen_queue_length(int fd);

/* Serve one request on io, whatever the outcome. */
void http_serve(struct http_io *io, ls_store *st);

/* metrics.c: GET /v1/metrics, Prometheus text, for metrics_allow only */
void get_metrics(struct request *req, struct response *res);

/* routes.c */
/* PUBLIC: anyone; SIGNED: an RFC 9421 signature by a hotkey (caller);
 * CLIENT: a client's API key (client). */
/* AUTH_SIGNED_REVEAL: as AUTH_SIGNED, and a hotkey deregistered since it
 * committed passes too (ls_auth_verify_reveal). */
enum auth { AUTH_PUBLIC, AUTH_SIGNED, AUTH_CLIENT, AUTH_SIGNED_REVEAL };
/* The worker pool a route belongs to (docs/operating.md "Worker pools"): the shipped
 * web-server configs send each class to its own workers, so that a flood
 * of one class cannot queue the others. */
enum pool { POOL_PUBLIC, POOL_VALIDATOR, POOL_MINER, POOL_CLIENT, POOL_COUNT };
const char *pool_name(enum pool p);
/* The pool of that name; false when none is. */
bool pool_from_name(const char *name, enum pool *out);
typedef void (*handler_fn)(struct request *req, struct response *res);
struct route {
	const char *method;
	const char *pattern;  /* "{}" stands for one path segment */
	enum auth auth;
	enum pool pool;
	handler_fn handler;
};
/* The route for method and path; NULL with *allow set to the methods that
 * path does take ("" when no route has that path). */
const struct route *route_find(const char *method, const char *path, char *param,
                               size_t param_size, char *allow, size_t allow_size);
/* Routes by number, for the request meters: slot i is route i, and
 * requests that match no route count in ROUTE_SLOT_NONE. */
#define ROUTE_SLOT_NONE (LS_METER_ROUTES - 1)
size_t route_count(void);
const struct route *route_at(size_t i);
unsigned route_slot(const struct route *r);
/* The slots' labels, for ls_meters_attach */
uint64_t route_layout_id(void);

#endif
