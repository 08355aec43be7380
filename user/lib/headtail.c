/*
 * headtail.c - the command line and file loop of head and tail
 * (tio/headtail.h); what each keeps of a file is its own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <tio/cmd.h>
#include <tio/headtail.h>
#include <tio/lread.h>
#include <tio/opt.h>

static int parse_count(const char *name, const char *s, unsigned long long *n)
{
	char *end;

	*n = strtoull(s, &end, 10);
	if (end == s || *end) {
		fprintf(stderr, "%s: invalid number '%s'\n", name, s);
		return -1;
	}
	return 0;
}

/* One file: its header when there are several, then @ht's lines or bytes. */
static int headtail_file(const struct headtail *ht, const char *path, int first, int several,
			 int bytes, unsigned long long n)
{
	long fd = lread_open(path);
	int r;

	if (fd < 0)
		return cmd_err(ht->name, path, fd);
	if (several)
		printf("%s==> %s <==\n", first ? "" : "\n",
		       path[0] == '-' && !path[1] ? "standard input" : path);
	r = bytes ? ht->bytes((int)fd, n) : ht->lines((int)fd, n);
	lread_close(fd);
	return r < 0 ? cmd_err(ht->name, path, r) : 0;
}

int headtail_main(const struct headtail *ht, int argc, char **argv)
{
	struct opt o = OPT_INIT;
	unsigned long long n = 10;
	int c, bytes = 0, status = 0, nfiles;
	char *dash[] = {"-"};
	char **files;

	while ((c = opt_next(&o, argc, argv, "n:c:")) != -1) {
		if (c == '?' || parse_count(ht->name, o.arg, &n)) {
			fprintf(stderr, "usage: %s [-n N] [-c N] [FILE...]\n", ht->name);
			return 1;
		}
		bytes = c == 'c';
	}
	nfiles = argc - o.ind;
	files = nfiles ? argv + o.ind : dash;
	if (!nfiles)
		nfiles = 1;
	for (int i = 0; i < nfiles; i++)
		status |= headtail_file(ht, files[i], i == 0, nfiles > 1, bytes, n);
	return status;
}
