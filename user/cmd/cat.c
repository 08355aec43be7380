/*
 * cat [FILE...] - concatenate files to stdout; no FILE or "-" reads stdin.
 * Continues past a failing file and exits 1 if any failed.
 */
#include <stdio.h>
#include <string.h>
#include <tio/cmd.h>
#include <tio/start.h>
#include <tio/sys.h>

static int cat_one(const char *path)
{
	long fd = strcmp(path, "-") ? sys_open(path, O_RDONLY, 0) : stdin;
	long n;

	if (fd < 0)
		return cmd_err("cat", path, fd);
	n = cmd_copy_fd((int)fd, stdout);
	if (fd != stdin)
		sys_close((int)fd);
	return n < 0 ? cmd_err("cat", path, n) : 0;
}

int main(int argc, char **argv)
{
	int status = 0;

	if (argc < 2)
		return cat_one("-");
	for (int i = 1; i < argc; i++)
		status |= cat_one(argv[i]);
	return status;
}
