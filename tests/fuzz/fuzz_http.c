/* fuzz_http.c — one whole request through the worker's request path
 * (http_serve): the CGI variables and headers (method, target, query,
 * If-None-Match, Content-Length, Authorization, Signature-Input,
 * Signature, Content-Digest) and the body all come from the input.
 *
 * Input: lines "NAME=value" (FastCGI parameters, e.g. REQUEST_URI=/v1/log
 * or HTTP_IF_NONE_MATCH="x"), an empty line, then the body.
 *
 * Checked for every input: one response, with a status line, and a
 * problem+json body for every 4xx and 5xx. */
#include <stdio.h>
#include <string.h>
#include "fuzz.h"
#include "http.h"

static struct fuzz_world world;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_store_open(&world, LS_MODE_EPOCH);
	return 0;
}

/* Split the input into parameters and body; false when it has too many. */
static bool parse_input(struct fuzz_fcgi *f, const uint8_t *data, size_t size, size_t *body_at)
{
	size_t i = 0;
	while (i < size) {
		const uint8_t *nl = memchr(data + i, '\n', size - i);
		size_t end = nl ? (size_t)(nl - data) : size;
		if (end == i) {  /* the empty line */
			i++;
			break;
		}
		char *line = strndup((const char *)data + i, end - i);
		FUZZ_CHECK(line != NULL, "out of memory");
		bool ok = strchr(line, '=') == NULL || fuzz_fcgi_env(f, line);
		free(line);
		if (!ok)
			return false;
		i = end + 1;
	}
	*body_at = i < size ? i : size;
	return true;
}

static void check_response(const char *out, size_t len)
{
	unsigned status = 0;
	FUZZ_CHECK(len > 0, "no response");
	FUZZ_CHECK(sscanf(out, "Status: %3u ", &status) == 1, "no status line");
	FUZZ_CHECK(status >= 200 && status <= 599, "status out of range");
	const char *end = strstr(out, "\r\n\r\n");
	FUZZ_CHECK(end != NULL, "headers not ended");
	if (status >= 400)
		FUZZ_CHECK(strstr(out, "Content-Type: application/problem+json") != NULL &&
		           (size_t)(strstr(out, "Content-Type: application/problem+json") - out) <
		                   (size_t)(end - out),
		           "an error without problem+json");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_fcgi f;
	size_t body_at = 0, len;
	fuzz_fcgi_init(&f, data, size);
	if (parse_input(&f, data, size, &body_at)) {
		f.in.rdNext = f.in.stopUnget = (unsigned char *)data + body_at;
		struct http_io io = {&f.req};
		http_serve(&io, world.st);
		const char *out = fuzz_fcgi_output(&f, &len);
		check_response(out, len);
	}
	fuzz_fcgi_free(&f);
	return 0;
}
