/* tempdir.h — directories for the tests' stores, removed when the process
 * that made them exits (a forked child's exit leaves them alone), unless
 * it asked to keep them for a look.  A store reserves its whole map on
 * disk, so a suite that left them behind would fill /tmp run by run. */
#ifndef LEADGATE_TEMPDIR_H
#define LEADGATE_TEMPDIR_H
#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TEMPDIRS_MAX 32

struct tempdirs {
	char path[TEMPDIRS_MAX][256];
	size_t made;
	pid_t owner;
	bool keep;
};

static inline struct tempdirs *tempdirs_state(void)
{
	static struct tempdirs state;
	return &state;
}

/* NAME under the directory PARENT (a descriptor, or AT_FDCWD) and all it
 * holds; symbolic links are removed, never followed. */
static inline void tempdir_remove_at(int parent, const char *name)
{
	int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;
	if (fd >= 0 && dir == NULL)
		close(fd);
	while (dir && (e = readdir(dir)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (unlinkat(fd, e->d_name, 0) != 0)  /* a directory: empty it first */
			tempdir_remove_at(fd, e->d_name);
	}
	if (dir)
		closedir(dir);
	unlinkat(parent, name, AT_REMOVEDIR);
}

static inline void tempdirs_remove(void)
{
	struct tempdirs *s = tempdirs_state();
	if (getpid() != s->owner || s->keep)
		return;
	for (size_t i = 0; i < s->made; i++)
		tempdir_remove_at(AT_FDCWD, s->path[i]);
}

/* Keep them all (a failed test's stores); their paths to `out`. */
static inline void tempdirs_keep(FILE *out)
{
	struct tempdirs *s = tempdirs_state();
	s->keep = true;
	for (size_t i = 0; i < s->made; i++)
		fprintf(out, "# kept for a look: %s\n", s->path[i]);
}

/* A new directory PARENT/PREFIX-XXXXXX (PARENT: $TMPDIR, else /tmp, when
 * NULL or empty), removed at exit; NULL when it cannot be made. */
static inline const char *tempdir_make(const char *parent, const char *prefix)
{
	struct tempdirs *s = tempdirs_state();
	if (parent == NULL || *parent == '\0')
		parent = getenv("TMPDIR");
	if (parent == NULL || *parent == '\0')
		parent = "/tmp";
	if (s->made == TEMPDIRS_MAX)
		return NULL;
	char *path = s->path[s->made];
	snprintf(path, sizeof s->path[0], "%s/%s-XXXXXX", parent, prefix);
	if (mkdtemp(path) == NULL)
		return NULL;
	if (s->made++ == 0) {
		s->owner = getpid();
		atexit(tempdirs_remove);
	}
	return path;
}

#endif
