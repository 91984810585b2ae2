/* tap.h — a small TAP producer for the C unit tests: each check prints one
 * line saying what was promised; the plan comes last. */
#ifndef LEADGATE_TAP_H
#define LEADGATE_TAP_H
#undef NDEBUG
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tempdir.h"

static int tap_count, tap_failures;

__attribute__((format(printf, 4, 5))) static int tap_ok(int cond, const char *file, int line,
                                                         const char *fmt, ...)
{
	va_list ap;
	printf("%s %d - ", cond ? "ok" : "not ok", ++tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond) {
		tap_failures++;
		printf("#   failed at %s:%d\n", file, line);
	}
	return cond;
}

#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define is_str(got, want, ...)                                                          \
	do {                                                                                \
		const char *g_ = (got), *w_ = (want);                                           \
		if (!ok(g_ && strcmp(g_, w_) == 0, __VA_ARGS__))                                \
			printf("#   got:  '%s'\n#   want: '%s'\n", g_ ? g_ : "(null)", w_);        \
	} while (0)

/* Exit 99 (a hard error, not a failed check) when set-up fails. */
static inline _Noreturn void tap_bail(const char *why)
{
	printf("Bail out! %s\n", why);
	tempdirs_keep(stdout);
	exit(99);
}

static inline int tap_done(void)
{
	printf("1..%d\n", tap_count);
	if (tap_failures)
		tempdirs_keep(stdout);
	return tap_failures ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* The path of a published test vector file: LEADGATE_VECTORS (set by
 * make check) or tests/vectors, then `file`. */
static inline const char *tap_vector_path(const char *file)
{
	static char path[512];
	const char *dir = getenv("LEADGATE_VECTORS");
	snprintf(path, sizeof path, "%s/%s", dir ? dir : "tests/vectors", file);
	return path;
}

/* A fresh temporary directory for a test's store, removed at exit when
 * every check passed. */
static inline const char *tap_tempdir(void)
{
	const char *path = tempdir_make(NULL, "leadgate-test");
	if (path == NULL)
		tap_bail("cannot make a temporary directory");
	return path;
}

#endif
