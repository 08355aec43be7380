/*
 * head [-n N] [-c N] [FILE...] - the first N lines (default 10) or bytes of
 * each FILE ("-" or none: stdin). With several files each is preceded by
 * "==> FILE <==" and separated by a blank line, as coreutils head does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <tio/cmd.h>
#include <tio/lread.h>
#include <tio/opt.h>
#include <tio/start.h>
#include <tio/sys.h>

static int head_lines(int fd, unsigned long long n)
{
	struct lread r = LREAD_INIT(fd);
	char *line;
	long len = 0;

	for (; n && (len = lread_line(&r, &line)) > 0; n--)
		write_all(1, line, (size_t)len);
	lread_free(&r);
	return len < 0 ? (int)len : 0;
}

static int head_bytes(int fd, unsigned long long n)
{
	static char buf[CMD_IO_BUF];

	while (n) {
		long got = sys_read(fd, buf, n < sizeof(buf) ? n : sizeof(buf));

		if (got <= 0)
			return (int)got;
		write_all(1, buf, (size_t)got);
		n -= (unsigned long long)got;
	}
	return 0;
}

static int parse_count(const char *s, unsigned long long *n)
{
	char *end;

	*n = strtoull(s, &end, 10);
	if (end == s || *end) {
		fprintf(stderr, "head: invalid number '%s'\n", s);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct opt o = OPT_INIT;
	unsigned long long n = 10;
	int c, bytes = 0, status = 0, nfiles;
	char *dash[] = {"-"};
	char **files;

	while ((c = opt_next(&o, argc, argv, "n:c:")) != -1) {
		if (c == '?' || parse_count(o.arg, &n)) {
			fprintf(stderr, "usage: head [-n N] [-c N] [FILE...]\n");
			return 1;
		}
		bytes = c == 'c';
	}
	nfiles = argc - o.ind;
	files = nfiles ? argv + o.ind : dash;
	if (!nfiles)
		nfiles = 1;
	for (int i = 0; i < nfiles; i++) {
		long fd = lread_open(files[i]);
		int r;

		if (fd < 0) {
			status |= cmd_err("head", files[i], fd);
			continue;
		}
		if (nfiles > 1)
			printf("%s==> %s <==\n", i ? "\n" : "",
			       files[i][0] == '-' && !files[i][1] ? "standard input" : files[i]);
		r = bytes ? head_bytes((int)fd, n) : head_lines((int)fd, n);
		if (r < 0)
			status |= cmd_err("head", files[i], r);
		lread_close(fd);
	}
	return status;
}
