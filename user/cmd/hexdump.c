/*
 * hexdump -C [FILE...] - canonical hex+ASCII dump of the files in sequence
 * (or stdin), exactly as util-linux prints it. Only the -C format exists.
 */
#include <stdio.h>
#include <string.h>
#include <tio/cmd.h>
#include <tio/hexdump.h>
#include <tio/start.h>
#include <tio/sys.h>

static char buf[8192];

static int emit_stdout(void *ctx, const char *line, size_t len)
{
	(void)ctx;
	return write_all(stdout, line, len);
}

static int dump_fd(struct hexdump *h, int fd, const char *name)
{
	long n;
	int r = 0;

	while (r == 0 && (n = sys_read(fd, buf, sizeof(buf))) > 0)
		r = hexdump_feed(h, buf, (size_t)n);
	if (r < 0)
		return cmd_err("hexdump", "write", r);
	return n < 0 ? cmd_err("hexdump", name, n) : 0;
}

int main(int argc, char **argv)
{
	struct hexdump h;
	int status = 0;

	if (argc < 2 || strcmp(argv[1], "-C")) {
		fprintf(stderr, "usage: hexdump -C [FILE...]\n");
		return 1;
	}
	hexdump_init(&h, emit_stdout, NULL);
	if (argc == 2)
		status = dump_fd(&h, stdin, "stdin");
	for (int i = 2; i < argc; i++) {
		long fd = sys_open(argv[i], O_RDONLY, 0);

		if (fd < 0) {
			status |= cmd_err("hexdump", argv[i], fd);
			continue;
		}
		status |= dump_fd(&h, (int)fd, argv[i]);
		sys_close((int)fd);
	}
	if (hexdump_finish(&h) < 0)
		status = 1;
	return status;
}
