/*
 * tee [-a] [FILE...] - copy stdin to stdout and to every FILE (created or
 * truncated; -a appends). A FILE that cannot be opened or written is
 * reported and skipped; the others go on (exit status 1 at the end).
 */
#include <stdio.h>
#include <tio/cmd.h>
#include <tio/opt.h>
#include <tio/start.h>
#include <tio/sys.h>

#define TEE_FILES 16

int main(int argc, char **argv)
{
	static char buf[CMD_IO_BUF];
	struct opt o = OPT_INIT;
	long fds[TEE_FILES + 1] = {1};
	const char *names[TEE_FILES + 1] = {"standard output"};
	int c, flags = O_WRONLY | O_CREAT | O_TRUNC, status = 0, n = 1;
	long got;

	while ((c = opt_next(&o, argc, argv, "a")) != -1) {
		if (c == '?') {
			fprintf(stderr, "usage: tee [-a] [FILE...]\n");
			return 1;
		}
		flags = O_WRONLY | O_CREAT | O_APPEND;
	}
	if (argc - o.ind > TEE_FILES) {
		fprintf(stderr, "tee: at most %d files\n", TEE_FILES);
		return 1;
	}
	for (int i = o.ind; i < argc; i++) {
		fds[n] = sys_open(argv[i], flags, 0644);
		if (fds[n] < 0)
			status = cmd_err("tee", argv[i], fds[n]);
		else
			names[n++] = argv[i];
	}
	while ((got = sys_read(0, buf, sizeof(buf))) > 0)
		for (int i = 0; i < n; i++)
			if (fds[i] >= 0 && (c = write_all((int)fds[i], buf, (size_t)got)) < 0) {
				status = cmd_err("tee", names[i], c);
				fds[i] = -1; /* reported once; the other outputs go on */
			}
	if (got < 0)
		status = cmd_err("tee", "stdin", got);
	return status;
}
