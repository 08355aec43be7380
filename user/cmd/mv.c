/*
 * mv SRC DST - rename; DST may be an existing directory (DST/<basename>).
 * Across filesystems (-EXDEV) the file is copied and the source removed.
 */
#include <errno.h>
#include <stdio.h>
#include <tio/cmd.h>
#include <tio/start.h>
#include <tio/sys.h>

static int copy_then_unlink(const char *src, const char *dst)
{
	long in, out, n;

	in = sys_open(src, O_RDONLY, 0);
	if (in < 0)
		return cmd_err("mv", src, in);
	out = sys_open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (out < 0) {
		sys_close((int)in);
		return cmd_err("mv", dst, out);
	}
	n = cmd_copy_fd((int)in, (int)out);
	sys_close((int)in);
	if (sys_close((int)out) < 0 && n >= 0)
		n = -EIO;
	if (n < 0)
		return cmd_err("mv", dst, n);
	n = sys_unlink(src);
	return n < 0 ? cmd_err("mv", src, n) : 0;
}

int main(int argc, char **argv)
{
	char path[TIO_PATH_MAX];
	struct tio_stat st;
	const char *dst;
	long r;

	if (argc != 3) {
		fprintf(stderr, "usage: mv SRC DST\n");
		return 1;
	}
	dst = argv[2];
	if (sys_stat(dst, &st) == 0 && (st.mode & S_IFMT) == S_IFDIR) {
		if (cmd_path_join(path, sizeof(path), dst, cmd_basename(argv[1])) < 0)
			return cmd_err("mv", dst, -ENAMETOOLONG);
		dst = path;
	}
	r = sys_rename(argv[1], dst);
	if (r == -EXDEV)
		return copy_then_unlink(argv[1], dst);
	return r < 0 ? cmd_err("mv", argv[1], r) : 0;
}
