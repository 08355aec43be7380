/*
 * df [-h] [DIR...] - filesystem usage in 1K blocks, busybox layout:
 *   Filesystem           1K-blocks      Used Available Use% Mounted on
 * -h: sizes in coreutils' human form (tio/textutil.h: "1.5M", "12G"), under
 * busybox's -h header ("Size" for "1K-blocks").
 * Without DIR: every mount in the kernel's mount table (or "/" when the
 * kernel has no mount table report yet).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tio/cmd.h>
#include <tio/opt.h>
#include <tio/start.h>
#include <tio/sys.h>
#include <tio/textutil.h>

static int human; /* -h */

static int df_one(const char *dir)
{
	struct tio_statfs fs;
	long r = sys_statfs(dir, &fs);
	uint64_t total, avail, used;
	unsigned pct;

	if (r < 0)
		return cmd_err("df", dir, r);
	total = fs.blocks * fs.bsize / 1024;
	avail = fs.bfree * fs.bsize / 1024;
	used = total - avail;
	pct = total ? (unsigned)((used * 100 + total - 1) / total) : 0;
	if (human) {
		char t[HUMAN_SIZE_MAX], u[HUMAN_SIZE_MAX], a[HUMAN_SIZE_MAX];

		human_size(t, total * 1024);
		human_size(u, used * 1024);
		human_size(a, avail * 1024);
		printf("%-20.32s %9s %9s %9s %3u%% %s\n", fs.source, t, u, a, pct, dir);
		return 0;
	}
	printf("%-20.32s %9llu %9llu %9llu %3u%% %s\n", fs.source, (unsigned long long)total,
	       (unsigned long long)used, (unsigned long long)avail, pct, dir);
	return 0;
}

static int df_all(void)
{
	char *text, *line, *next;
	long n = cmd_kinfo(TIO_KINFO_MOUNTS, &text);
	int status = 0;

	if (n < 0)
		return df_one("/");
	for (line = text; *line; line = next) {
		char *w[4];

		next = strchr(line, '\n');
		next = next ? next + 1 : line + strlen(line);
		if (cmd_split(line, w, 4) >= 2)
			status |= df_one(w[1]);
	}
	free(text);
	return status;
}

int main(int argc, char **argv)
{
	struct opt o = OPT_INIT;
	int c, status = 0;

	while ((c = opt_next(&o, argc, argv, "h")) != -1) {
		if (c == '?') {
			fprintf(stderr, "usage: df [-h] [DIR...]\n");
			return 1;
		}
		human = 1;
	}
	printf("Filesystem           %-15sUsed Available Use%% Mounted on\n",
	       human ? "     Size" : "1K-blocks");
	if (o.ind == argc)
		return df_all();
	for (int i = o.ind; i < argc; i++)
		status |= df_one(argv[i]);
	return status;
}
