/* fault.c — fault injection for tests, built only by ./configure
 * --enable-fault-injection (LS_FAULT_INJECTION).  The faults in force are
 * the lines of store_dir/faults, "name" or "name=N", read at each
 * injection point, so a test turns them on and off while the workers run
 * (it replaces the file whole, so a reader sees the old or the new one).
 * The first line of a name counts. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "internal.h"

#ifdef LS_FAULT_INJECTION
struct fault {
	const char *name;
	bool found, has_value;
	long long value;
};

/* The value after "name=": a whole number, else a report on stderr (the
 * test wrote it wrong) and the line does not count. */
static bool fault_value(const char *path, const char *line, const char *text, long long *out)
{
	char *end;
	errno = 0;
	*out = strtoll(text, &end, 10);
	if (errno == 0 && end != text && *end == '\0' && text[0] != ' ' && text[0] != '+')
		return true;
	fprintf(stderr, "leadgate: %s: '%s' is not name=<whole number>: ignored\n", path, line);
	return false;
}

/* Look the faults up in store_dir/faults, in one reading of the file. */
static void faults_read(const char *store_dir, struct fault *faults, size_t n)
{
	char path[LS_PATH_MAX + 16], *line = NULL;
	size_t cap = 0;
	snprintf(path, sizeof path, "%s/faults", store_dir);
	FILE *f = fopen(path, "re");
	if (f == NULL)
		return;
	while (getline(&line, &cap, f) > 0) {
		line[strcspn(line, "\r\n")] = '\0';
		for (size_t i = 0; i < n; i++) {
			size_t len = strlen(faults[i].name);
			char after = line[len];
			if (faults[i].found || strncmp(line, faults[i].name, len) != 0 ||
			    (after != '\0' && after != '='))
				continue;
			faults[i].has_value = after == '=';
			faults[i].found = !faults[i].has_value ||
			                  fault_value(path, line, line + len + 1, &faults[i].value);
		}
	}
	free(line);
	fclose(f);
}

bool ls_fault(const ls_store *st, const char *name, long *arg)
{
	struct fault ft = {.name = name};
	faults_read(st->cfg.store_dir, &ft, 1);
	if (ft.found && arg)
		*arg = (long)ft.value;
	return ft.found;
}

/* A time or an offset a test may set: within ±2^40 s (35 000 years), so
 * that wall + offset cannot overflow. */
#define CLOCK_BOUND (1LL << 40)

int64_t ls_fault_clock(const char *store_dir, int64_t wall)
{
	struct fault ft[2] = {{.name = "clock"}, {.name = "clock_offset"}};
	faults_read(store_dir, ft, 2);
	for (int i = 0; i < 2; i++)
		if (ft[i].found && (!ft[i].has_value || ft[i].value <= -CLOCK_BOUND ||
		                    ft[i].value >= CLOCK_BOUND)) {
			fprintf(stderr, "leadgate: %s/faults: %s needs a value within ±2^40: ignored\n",
			        store_dir, ft[i].name);
			ft[i].found = false;
		}
	if (ft[0].found)
		return (int64_t)ft[0].value;
	return ft[1].found ? wall + (int64_t)ft[1].value : wall;
}
#endif

void ls_fault_hold(ls_store *st, const char *name)
{
	/* a test kills the job while it waits here: a step cut off midway */
	if (!ls_fault(st, name, NULL))
		return;
	fprintf(stderr, "leadgate: holding at %s (fault injection)\n", name);
	for (int i = 0; i < 1200 && ls_fault(st, name, NULL); i++)
		usleep(50 * 1000);
}
