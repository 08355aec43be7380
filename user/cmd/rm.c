/* rm [-f] FILE... - remove files (not directories: use rmdir). -f: no error for missing files. */
#include <errno.h>
#include <stdio.h>
#include <tio/cmd.h>
#include <tio/opt.h>
#include <tio/start.h>
#include <tio/sys.h>

int main(int argc, char **argv)
{
	struct opt o = OPT_INIT;
	int c, force = 0, status = 0;

	while ((c = opt_next(&o, argc, argv, "f")) != -1) {
		if (c != 'f') {
			fprintf(stderr, "usage: rm [-f] FILE...\n");
			return 1;
		}
		force = 1;
	}
	if (o.ind == argc && !force) {
		fprintf(stderr, "usage: rm [-f] FILE...\n");
		return 1;
	}
	for (int i = o.ind; i < argc; i++) {
		long r = sys_unlink(argv[i]);

		if (r < 0 && !(force && r == -ENOENT))
			status |= cmd_err("rm", argv[i], r);
	}
	return status;
}
