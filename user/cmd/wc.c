/*
 * wc [-l] [-w] [-c] [FILE...] - newline, word and byte counts, in coreutils'
 * order and column layout (tio/textutil.h wc_width): without options all
 * three; a "total" line for several files. "-" or no FILE is stdin.
 */
#include <stdio.h>
#include <string.h>
#include <tio/cmd.h>
#include <tio/lread.h>
#include <tio/opt.h>
#include <tio/start.h>
#include <tio/sys.h>
#include <tio/textutil.h>

struct wc_opts {
	int l, w, c, width;
};

static void print_counts(const struct wc_opts *o, const struct wc_counts *c, const char *name)
{
	const char *sep = "";

	if (o->l) {
		printf("%*llu", o->width, (unsigned long long)c->lines);
		sep = " ";
	}
	if (o->w) {
		printf("%s%*llu", sep, o->width, (unsigned long long)c->words);
		sep = " ";
	}
	if (o->c)
		printf("%s%*llu", sep, o->width, (unsigned long long)c->bytes);
	printf("%s%s\n", name ? " " : "", name ? name : "");
}

static int count_fd(long fd, struct wc_counts *c)
{
	static char buf[CMD_IO_BUF];
	long n;

	while ((n = sys_read((int)fd, buf, sizeof(buf))) > 0)
		wc_count(c, buf, (size_t)n);
	return (int)n;
}

/* Column width from the inputs' types and sizes, before reading them. */
static int width_of(int ncounts, int nfiles, char **files)
{
	uint64_t total = 0;
	int regular = 1;

	for (int i = 0; i < nfiles; i++) {
		struct tio_stat st;
		long r = files ? sys_stat(files[i], &st) : sys_fstat(0, &st);

		if (files && !strcmp(files[i], "-"))
			r = sys_fstat(0, &st);
		if (r < 0)
			continue;
		if ((st.mode & S_IFMT) != S_IFREG)
			regular = 0;
		else
			total += st.size;
	}
	return wc_width(ncounts, nfiles, regular, total);
}

int main(int argc, char **argv)
{
	struct wc_opts o = {0};
	struct wc_counts total = {0};
	struct opt op = OPT_INIT;
	int c, status = 0, nfiles;

	while ((c = opt_next(&op, argc, argv, "lwc")) != -1) {
		if (c == '?') {
			fprintf(stderr, "usage: wc [-lwc] [FILE...]\n");
			return 1;
		}
		o.l |= c == 'l';
		o.w |= c == 'w';
		o.c |= c == 'c';
	}
	if (!o.l && !o.w && !o.c)
		o.l = o.w = o.c = 1;
	nfiles = argc - op.ind;
	o.width = width_of(o.l + o.w + o.c, nfiles ? nfiles : 1, nfiles ? argv + op.ind : NULL);
	for (int i = 0; i < (nfiles ? nfiles : 1); i++) {
		const char *name = nfiles ? argv[op.ind + i] : NULL;
		struct wc_counts one = {0};
		long fd = lread_open(name ? name : "-");
		int r;

		if (fd < 0) {
			status |= cmd_err("wc", name, fd);
			continue;
		}
		r = count_fd(fd, &one);
		lread_close(fd);
		if (r < 0)
			status |= cmd_err("wc", name ? name : "-", r);
		print_counts(&o, &one, name);
		total.lines += one.lines;
		total.words += one.words;
		total.bytes += one.bytes;
	}
	if (nfiles > 1)
		print_counts(&o, &total, "total");
	return status;
}
