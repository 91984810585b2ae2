/* fault.c — fault injection for tests, built only by ./configure
 * --enable-fault-injection (LS_FAULT_INJECTION).  The faults in force are
 * the lines of store_dir/faults, read at each injection point, so a test
 * turns them on and off while the workers run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

#ifdef LS_FAULT_INJECTION
bool ls_fault(const ls_store *st, const char *name, long *arg)
{
	char path[LS_PATH_MAX + 16], line[128];
	size_t n = strlen(name);
	bool on = false;
	snprintf(path, sizeof path, "%s/faults", st->cfg.store_dir);
	FILE *f = fopen(path, "re");
	if (f == NULL)
		return false;
	while (!on && fgets(line, sizeof line, f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (strncmp(line, name, n) != 0 || (line[n] != '\0' && line[n] != '='))
			continue;
		on = true;
		if (arg)
			*arg = line[n] == '=' ? strtol(line + n + 1, NULL, 10) : 0;
	}
	fclose(f);
	return on;
}
#endif
