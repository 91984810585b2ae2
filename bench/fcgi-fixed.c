/*
 * fcgi-fixed — the baseline of SPEC §12: the least an fcgi2 responder can
 * do.  It reads one file into memory at start and answers every request
 * with it, with the same headers leadgate sends (status, Cache-Control,
 * ETag, Content-Type, Content-Length).  No parsing, no store, no crypto.
 *   LEADGATE_BENCH_BODY=FILE fcgi-fixed     (fd 0 is the FastCGI socket)
 */
#include <stdio.h>
#include <stdlib.h>
#include <fcgiapp.h>

int main(void)
{
	const char *path = getenv("LEADGATE_BENCH_BODY");
	FILE *f = path ? fopen(path, "rb") : NULL;
	if (f == NULL) {
		fprintf(stderr, "fcgi-fixed: set LEADGATE_BENCH_BODY to a readable file\n");
		return EXIT_FAILURE;
	}
	static char body[1 << 22];
	size_t len = fread(body, 1, sizeof body, f);
	fclose(f);
	char head[256];
	int hl = snprintf(head, sizeof head,
	                  "Status: 200 OK\r\nCache-Control: private, no-store\r\nETag: \"0123456789abcdef\"\r\n"
	                  "Content-Type: application/json; charset=utf-8\r\nContent-Length: %zu\r\n"
	                  "X-Content-Type-Options: nosniff\r\n\r\n", len);
	FCGX_Request req;
	if (FCGX_Init() != 0 || FCGX_InitRequest(&req, 0, 0) != 0)
		return EXIT_FAILURE;
	while (FCGX_Accept_r(&req) >= 0) {
		FCGX_PutStr(head, hl, req.out);
		FCGX_PutStr(body, (int)len, req.out);
		FCGX_Finish_r(&req);
	}
	return EXIT_SUCCESS;
}
