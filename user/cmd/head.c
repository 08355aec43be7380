/*
 * head [-n N] [-c N] [FILE...] - the first N lines (default 10) or bytes of
 * each FILE ("-" or none: stdin). With several files each is preceded by
 * "==> FILE <==" and separated by a blank line, as coreutils head does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <tio/cmd.h>
#include <tio/headtail.h>
#include <tio/lread.h>
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

int main(int argc, char **argv)
{
	static const struct headtail ht = {
	    .name = "head", .lines = head_lines, .bytes = head_bytes};

	return headtail_main(&ht, argc, argv);
}
