/* mkdir [-p] DIR... - create directories; -p creates parents and accepts existing ones. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <tio/cmd.h>
#include <tio/opt.h>
#include <tio/start.h>
#include <tio/sys.h>

static long mkdir_parents(const char *dir)
{
	char path[TIO_PATH_MAX];
	long r = 0;

	if (strlen(dir) >= sizeof(path))
		return -ENAMETOOLONG;
	strcpy(path, dir);
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		r = sys_mkdir(path, 0755);
		*p = '/';
		if (r < 0 && r != -EEXIST)
			return r;
	}
	r = sys_mkdir(path, 0755);
	return r == -EEXIST ? 0 : r;
}

int main(int argc, char **argv)
{
	struct opt o = OPT_INIT;
	int c, parents = 0, status = 0;

	while ((c = opt_next(&o, argc, argv, "p")) != -1) {
		if (c != 'p') {
			fprintf(stderr, "usage: mkdir [-p] DIR...\n");
			return 1;
		}
		parents = 1;
	}
	if (o.ind == argc) {
		fprintf(stderr, "usage: mkdir [-p] DIR...\n");
		return 1;
	}
	for (int i = o.ind; i < argc; i++) {
		long r = parents ? mkdir_parents(argv[i]) : sys_mkdir(argv[i], 0755);

		if (r < 0)
			status |= cmd_err("mkdir", argv[i], r);
	}
	return status;
}
