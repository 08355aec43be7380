/*
 * tail [-n N] [-c N] [FILE...] - the last N lines (default 10) or bytes of
 * each FILE ("-" or none: stdin), with coreutils' "==> FILE <==" headers for
 * several files. The input is read to its end and only the last N lines (or
 * bytes) are kept in memory. No -f.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tio/cmd.h>
#include <tio/headtail.h>
#include <tio/lread.h>
#include <tio/start.h>
#include <tio/sys.h>

/* A ring of the last @n lines, each a heap copy. */
static int tail_lines(int fd, unsigned long long n)
{
	struct lread r = LREAD_INIT(fd);
	char **ring = n ? calloc(n, sizeof(*ring)) : NULL;
	size_t *lens = n ? calloc(n, sizeof(*lens)) : NULL;
	unsigned long long seen = 0;
	char *line;
	long len;
	int err = 0;

	if (n && (!ring || !lens)) {
		err = -ENOMEM;
		goto out_free;
	}
	while ((len = lread_line(&r, &line)) > 0) {
		if (!n)
			continue;
		free(ring[seen % n]);
		ring[seen % n] = malloc((size_t)len);
		if (!ring[seen % n]) {
			err = -ENOMEM;
			goto out_free;
		}
		memcpy(ring[seen % n], line, (size_t)len);
		lens[seen++ % n] = (size_t)len;
	}
	err = (int)len;
	for (unsigned long long i = seen > n ? seen - n : 0; !err && i < seen; i++)
		write_all(1, ring[i % n], lens[i % n]);
out_free:
	for (unsigned long long i = 0; ring && i < n; i++)
		free(ring[i]);
	free(ring);
	free(lens);
	lread_free(&r);
	return err;
}

/* The last @n bytes: a circular buffer of that size. */
static int tail_bytes(int fd, unsigned long long n)
{
	static char buf[CMD_IO_BUF];
	char *keep = n ? malloc(n) : NULL;
	unsigned long long total = 0;
	long got;

	if (n && !keep)
		return -ENOMEM;
	while ((got = sys_read(fd, buf, sizeof(buf))) > 0)
		for (long i = 0; i < got && n; i++)
			keep[total++ % n] = buf[i];
	if (got == 0 && n && total <= n)
		write_all(1, keep, (size_t)total);
	else if (got == 0 && n) { /* oldest byte at total % n */
		write_all(1, keep + total % n, (size_t)(n - total % n));
		write_all(1, keep, (size_t)(total % n));
	}
	free(keep);
	return (int)got;
}

int main(int argc, char **argv)
{
	static const struct headtail ht = {
	    .name = "tail", .lines = tail_lines, .bytes = tail_bytes};

	return headtail_main(&ht, argc, argv);
}
