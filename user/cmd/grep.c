/*
 * grep [-vcniF] PATTERN [FILE...] - print the lines that match PATTERN, a
 * basic regular expression (tio/bre.h) or, with -F, a fixed string. -v
 * selects the lines that do not match, -c prints only a count, -n prefixes
 * line numbers, -i ignores case. With several files each line (or count) is
 * prefixed by "FILE:". Exit status: 0 a line was selected, 1 none, 2 error.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <tio/bre.h>
#include <tio/cmd.h>
#include <tio/lread.h>
#include <tio/opt.h>
#include <tio/start.h>
#include <tio/sys.h>

struct grep_opts {
	int v, c, n, i, F, names;
	const char *pat;
};

static int same_char(char a, char b, int icase)
{
	return icase ? tolower((unsigned char)a) == tolower((unsigned char)b) : a == b;
}

static int fixed_match(const char *pat, const char *s, size_t len, int icase)
{
	size_t m = strlen(pat);

	for (size_t i = 0; i + m <= len; i++) {
		size_t j = 0;

		while (j < m && same_char(s[i + j], pat[j], icase))
			j++;
		if (j == m)
			return 1;
	}
	return 0;
}

static int selected(const struct grep_opts *o, const char *line, size_t len)
{
	int m = o->F ? fixed_match(o->pat, line, len, o->i) : bre_match(o->pat, line, len, o->i);

	return m != o->v;
}

/* Lines selected in one input, or -errno. */
static long grep_fd(const struct grep_opts *o, int fd, const char *name)
{
	struct lread r = LREAD_INIT(fd);
	unsigned long long lineno = 0;
	long count = 0, len;
	char *line;

	while ((len = lread_line(&r, &line)) > 0) {
		size_t body = (size_t)len - (line[len - 1] == '\n');

		lineno++;
		if (!selected(o, line, body))
			continue;
		count++;
		if (o->c)
			continue;
		if (o->names)
			printf("%s:", name);
		if (o->n)
			printf("%llu:", lineno);
		write_all(1, line, body);
		write_all(1, "\n", 1);
	}
	lread_free(&r);
	if (len < 0)
		return len;
	if (o->c)
		printf("%s%s%ld\n", o->names ? name : "", o->names ? ":" : "", count);
	return count;
}

int main(int argc, char **argv)
{
	struct grep_opts o = {0};
	struct opt op = OPT_INIT;
	int c, found = 0, err = 0, nfiles;

	while ((c = opt_next(&op, argc, argv, "vcniF")) != -1) {
		if (c == '?' || c == 0)
			goto out_usage;
		o.v |= c == 'v';
		o.c |= c == 'c';
		o.n |= c == 'n';
		o.i |= c == 'i';
		o.F |= c == 'F';
	}
	if (op.ind >= argc)
		goto out_usage;
	o.pat = argv[op.ind++];
	c = o.F ? 0 : bre_check(o.pat);
	if (c == -EOPNOTSUPP) {
		fprintf(stderr,
			"grep: '%s': groups, intervals and back-references are not supported\n",
			o.pat);
		return 2;
	}
	if (c < 0) {
		fprintf(stderr, "grep: invalid regular expression '%s'\n", o.pat);
		return 2;
	}
	nfiles = argc - op.ind;
	o.names = nfiles > 1;
	for (int i = 0; i < (nfiles ? nfiles : 1); i++) {
		const char *name = nfiles ? argv[op.ind + i] : "-";
		long fd = lread_open(name), n;

		if (fd < 0) {
			cmd_err("grep", name, fd);
			err = 1;
			continue;
		}
		n = grep_fd(&o, (int)fd, strcmp(name, "-") ? name : "(standard input)");
		lread_close(fd);
		if (n < 0) {
			cmd_err("grep", name, n);
			err = 1;
		}
		found |= n > 0;
	}
	return err ? 2 : found ? 0 : 1;
out_usage:
	fprintf(stderr, "usage: grep [-vcniF] PATTERN [FILE...]\n");
	return 2;
}
