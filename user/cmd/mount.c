/*
 * mount [-t TYPE] [-r] DEV DIR - mount a filesystem (default type vfat).
 * mount                        - list mounts, "DEV on DIR type TYPE (rw)",
 *                                from the kernel's mount table report.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tio/cmd.h>
#include <tio/opt.h>
#include <tio/start.h>
#include <tio/sys.h>

/* Each report line is "<source> <dir> <fstype> <rw|ro>". */
static int list_mounts(void)
{
	char *text, *line, *next;
	long n = cmd_kinfo(TIO_KINFO_MOUNTS, &text);

	if (n < 0)
		return cmd_err("mount", "the mount table", n);
	for (line = text; *line; line = next) {
		char *w[4];

		next = strchr(line, '\n');
		next = next ? next + 1 : line + strlen(line);
		if (cmd_split(line, w, 4) == 4)
			printf("%s on %s type %s (%s)\n", w[0], w[1], w[2], w[3]);
	}
	free(text);
	return 0;
}

int main(int argc, char **argv)
{
	struct opt o = OPT_INIT;
	const char *type = "vfat";
	int c, flags = 0;
	long r;

	while ((c = opt_next(&o, argc, argv, "t:r")) != -1) {
		if (c == 't')
			type = o.arg;
		else if (c == 'r')
			flags |= TIO_MNT_RDONLY;
		else
			goto out_usage;
	}
	if (o.ind == argc)
		return list_mounts();
	if (argc - o.ind != 2)
		goto out_usage;
	r = sys_mount(argv[o.ind], argv[o.ind + 1], type, flags);
	if (r < 0) {
		char what[TIO_PATH_MAX + 32];

		if (r == -ENODEV) { /* the kernel knows no filesystem of that type */
			snprintf(what, sizeof(what), "the %s filesystem", type);
			return cmd_err_dev("mount", what, r);
		}
		snprintf(what, sizeof(what), "mounting %s on %s", argv[o.ind], argv[o.ind + 1]);
		return cmd_err("mount", what, r);
	}
	return 0;

out_usage:
	fprintf(stderr, "usage: mount [-t TYPE] [-r] DEV DIR\n");
	return 1;
}
