/* fault.c — fault injection for tests, built only by ./configure
 * --enable-fault-injection (LS_FAULT_INJECTION).  The faults in force are
 * the lines of store_dir/faults, read at each injection point, so a test
 * turns them on and off while the workers run. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

#ifdef LS_FAULT_INJECTION
/* Whether the faults file of store_dir has a line "name" or "name=N";
 * *arg = N (0 for a bare name).  A value that is not a whole number is
 * reported on stderr (the test wrote it wrong) and the line ignored. */
static bool fault_line(const char *store_dir, const char *name, long long *arg)
{
	char path[LS_PATH_MAX + 16], line[128];
	size_t n = strlen(name);
	bool on = false;
	snprintf(path, sizeof path, "%s/faults", store_dir);
	FILE *f = fopen(path, "re");
	if (f == NULL)
		return false;
	while (!on && fgets(line, sizeof line, f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (strncmp(line, name, n) != 0 || (line[n] != '\0' && line[n] != '='))
			continue;
		char *end = line + n;
		long long v = 0;
		if (line[n] == '=') {
			errno = 0;
			v = strtoll(line + n + 1, &end, 10);
			if (errno || end == line + n + 1 || *end != '\0') {
				fprintf(stderr, "leadgate: %s: '%s' is not %s=<whole number>: ignored\n",
				        path, line, name);
				continue;
			}
		}
		on = true;
		if (arg)
			*arg = v;
	}
	fclose(f);
	return on;
}

bool ls_fault(const ls_store *st, const char *name, long *arg)
{
	long long v = 0;
	bool on = fault_line(st->cfg.store_dir, name, &v);
	if (on && arg)
		*arg = (long)v;
	return on;
}

int64_t ls_fault_clock(const char *store_dir, int64_t wall)
{
	long long v;
	if (fault_line(store_dir, "clock", &v))
		return (int64_t)v;
	if (fault_line(store_dir, "clock_offset", &v))
		return wall + (int64_t)v;
	return wall;
}
#endif
