/*
 * cmd.c - shared helpers of the commands (tio/cmd.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tio/cmd.h>
#include <tio/sys.h>

static int cmd_report(const char *cmd, const char *what, long err, int unavailable)
{
	if (unavailable)
		fprintf(stderr, "%s: %s is not available in this kernel yet (%s)\n", cmd, what,
			strerror((int)err));
	else
		fprintf(stderr, "%s: %s: %s\n", cmd, what, strerror((int)err));
	return 1;
}

int cmd_err(const char *cmd, const char *what, long err)
{
	return cmd_report(cmd, what, err, err == -ENOSYS);
}

int cmd_err_dev(const char *cmd, const char *what, long err)
{
	return cmd_report(cmd, what, err, err == -ENOSYS || err == -ENODEV);
}

long cmd_copy_fd(int in, int out)
{
	static char buf[CMD_IO_BUF];
	long total = 0, n;
	int r;

	while ((n = sys_read(in, buf, sizeof(buf))) > 0) {
		r = write_all(out, buf, (size_t)n);
		if (r < 0)
			return r;
		total += n;
	}
	return n < 0 ? n : total;
}

const char *cmd_basename(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

int cmd_path_join(char *out, size_t cap, const char *dir, const char *name)
{
	size_t dl = strlen(dir);
	int n = snprintf(out, cap, "%s%s%s", dir, dl && dir[dl - 1] == '/' ? "" : "/", name);

	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

long cmd_kinfo(int what, char **text)
{
	size_t cap = 4096;

	for (;;) {
		char *buf = malloc(cap + 1);
		long n;

		if (!buf)
			return -ENOMEM;
		n = sys_kinfo(what, buf, cap);
		if (n < 0 || (size_t)n < cap) {
			if (n < 0) {
				free(buf);
				return n;
			}
			buf[n] = '\0';
			*text = buf;
			return n;
		}
		free(buf); /* report filled the buffer: it may be cut, ask again with more room */
		cap *= 4;
		if (cap > (1u << 22))
			return -E2BIG;
	}
}
