/* rmdir DIR... - remove empty directories. */
#include <stdio.h>
#include <tio/cmd.h>
#include <tio/start.h>
#include <tio/sys.h>

int main(int argc, char **argv)
{
	int status = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: rmdir DIR...\n");
		return 1;
	}
	for (int i = 1; i < argc; i++) {
		long r = sys_rmdir(argv[i]);

		if (r < 0)
			status |= cmd_err("rmdir", argv[i], r);
	}
	return status;
}
