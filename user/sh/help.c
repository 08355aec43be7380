/*
 * help.c - the `help` built-in: the shell's built-ins, then every program
 * in /bin, each with its one-line summary from the table in tio/help.h:
 * first the table's programs that are installed (in name order), then any
 * other file in /bin with "(no summary)", so nothing installed is hidden.
 */
#include <stdio.h>
#include <string.h>
#include <tio/help.h>
#include <tio/sys.h>
#include "sh.h"

#define HELP_BIN "/bin"

static void help_line(int out, const char *name, const char *summary)
{
	dprintf(out, "  %-10s %s\n", name, summary);
}

/* Table programs present in /bin, in table (name) order. */
static void help_known(int out)
{
	const struct help_entry *e;
	char path[TIO_PATH_MAX];
	struct tio_stat st;

	for (unsigned i = 0; (e = help_entry(i)); i++) {
		snprintf(path, sizeof(path), "%s/%s", HELP_BIN, e->name);
		if (!e->builtin && sys_stat(path, &st) == 0)
			help_line(out, e->name, e->summary);
	}
}

/* Programs in /bin the table does not know, in directory order. */
static int help_unknown(int out)
{
	static char buf[4096];
	long fd = sys_open(HELP_BIN, O_RDONLY | O_DIRECTORY, 0), n;

	if (fd < 0) {
		fprintf(stderr, "sh: help: %s: %s\n", HELP_BIN, strerror((int)fd));
		return 1;
	}
	while ((n = sys_getdents((int)fd, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < n;) {
			const struct tio_dirent *d = (const void *)(buf + off);

			if (d->reclen == 0)
				break; /* a malformed record would loop forever */
			off += d->reclen;
			if (d->name[0] != '.' && !help_find(d->name))
				help_line(out, d->name, "(no summary)");
		}
	}
	sys_close((int)fd);
	return n < 0 ? 1 : 0;
}

int sh_builtin_help(int out)
{
	const struct help_entry *e;

	dprintf(out, "Built-ins:\n");
	for (unsigned i = 0; (e = help_entry(i)); i++)
		if (e->builtin)
			help_line(out, e->name, e->summary);
	dprintf(out, "Programs in %s:\n", HELP_BIN);
	help_known(out);
	return help_unknown(out);
}
