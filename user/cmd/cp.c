/*
 * cp SRC DST - copy a file. DST may be an existing directory: the copy is
 * then DST/<basename of SRC>. The copy is created 0644 and truncated.
 */
#include <errno.h>
#include <stdio.h>
#include <tio/cmd.h>
#include <tio/start.h>
#include <tio/sys.h>

/* Copies @src to @dst, reporting errors as @cmd; 0 or 1. */
static int copy_file(const char *cmd, const char *src, const char *dst)
{
	long in, out, n;

	in = sys_open(src, O_RDONLY, 0);
	if (in < 0)
		return cmd_err(cmd, src, in);
	out = sys_open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (out < 0) {
		sys_close((int)in);
		return cmd_err(cmd, dst, out);
	}
	n = cmd_copy_fd((int)in, (int)out);
	sys_close((int)in);
	if (n >= 0)
		n = sys_close((int)out);
	else
		sys_close((int)out);
	return n < 0 ? cmd_err(cmd, dst, n) : 0;
}

int main(int argc, char **argv)
{
	char path[TIO_PATH_MAX];
	struct tio_stat st;
	const char *dst;

	if (argc != 3) {
		fprintf(stderr, "usage: cp SRC DST\n");
		return 1;
	}
	dst = argv[2];
	if (sys_stat(dst, &st) == 0 && (st.mode & S_IFMT) == S_IFDIR) {
		if (cmd_path_join(path, sizeof(path), dst, cmd_basename(argv[1])) < 0)
			return cmd_err("cp", dst, -ENAMETOOLONG);
		dst = path;
	}
	return copy_file("cp", argv[1], dst);
}
