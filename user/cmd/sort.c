/*
 * sort [-r] [-n] [-u] [FILE...] - sort lines, as coreutils sort in the C
 * locale: by bytes, or with -n by the leading number (tio/textutil.h
 * num_cmp; equal numbers then compare as bytes, as coreutils' last-resort
 * comparison does), -r reversed, -u keeps the first of each run of equal
 * lines (equal numbers with -n). A last line without a newline gets one.
 * All input is held in memory (a process may map up to 32 MiB).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tio/cmd.h>
#include <tio/lread.h>
#include <tio/opt.h>
#include <tio/start.h>
#include <tio/sys.h>
#include <tio/textutil.h>

struct sort_opts {
	int r, n, u;
};

struct lines {
	char **v;
	size_t n, cap;
};

static const struct sort_opts *g_opts; /* for the comparison, as qsort has no context */

static int key_cmp(const char *a, const char *b)
{
	return g_opts->n ? num_cmp(a, b) : 0;
}

static int line_cmp(const char *a, const char *b)
{
	int r = key_cmp(a, b);

	if (!r && !(g_opts->u && g_opts->n))
		r = strcmp(a, b);
	return g_opts->r ? -r : r;
}

/* A stable merge sort of @v through @tmp. */
static void merge_sort(char **v, char **tmp, size_t n)
{
	size_t h = n / 2, i = 0, j = h, k = 0;

	if (n < 2)
		return;
	merge_sort(v, tmp, h);
	merge_sort(v + h, tmp, n - h);
	while (i < h && j < n)
		tmp[k++] = line_cmp(v[j], v[i]) < 0 ? v[j++] : v[i++];
	while (i < h)
		tmp[k++] = v[i++];
	while (j < n)
		tmp[k++] = v[j++];
	memcpy(v, tmp, n * sizeof(*v));
}

static int add_line(struct lines *ls, const char *s, size_t len)
{
	if (ls->n == ls->cap) {
		size_t cap = ls->cap ? ls->cap * 2 : 256;
		char **v = realloc(ls->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		ls->v = v;
		ls->cap = cap;
	}
	ls->v[ls->n] = malloc(len + 1);
	if (!ls->v[ls->n])
		return -ENOMEM;
	memcpy(ls->v[ls->n], s, len);
	ls->v[ls->n++][len] = '\0';
	return 0;
}

static int read_lines(int fd, struct lines *ls)
{
	struct lread r = LREAD_INIT(fd);
	char *line;
	long len;
	int err = 0;

	while (!err && (len = lread_line(&r, &line)) > 0)
		err = add_line(ls, line, (size_t)len - (line[len - 1] == '\n'));
	lread_free(&r);
	return err ? err : (int)len;
}

int main(int argc, char **argv)
{
	struct sort_opts o = {0};
	struct lines ls = {0};
	struct opt op = OPT_INIT;
	char **tmp;
	int c, nfiles;

	while ((c = opt_next(&op, argc, argv, "rnu")) != -1) {
		if (c == '?') {
			fprintf(stderr, "usage: sort [-rnu] [FILE...]\n");
			return 2;
		}
		o.r |= c == 'r';
		o.n |= c == 'n';
		o.u |= c == 'u';
	}
	g_opts = &o;
	nfiles = argc - op.ind;
	for (int i = 0; i < (nfiles ? nfiles : 1); i++) {
		const char *name = nfiles ? argv[op.ind + i] : "-";
		long fd = lread_open(name);
		int r = fd < 0 ? (int)fd : read_lines((int)fd, &ls);

		lread_close(fd);
		if (r < 0)
			return cmd_err("sort", name, r) + 1; /* coreutils: 2 on trouble */
	}
	tmp = malloc((ls.n ? ls.n : 1) * sizeof(*tmp));
	if (!tmp)
		return cmd_err("sort", "lines", -ENOMEM) + 1;
	merge_sort(ls.v, tmp, ls.n);
	for (size_t i = 0; i < ls.n; i++) {
		if (o.u && i &&
		    !(o.n ? num_cmp(ls.v[i - 1], ls.v[i]) : strcmp(ls.v[i - 1], ls.v[i])))
			continue;
		printf("%s\n", ls.v[i]);
	}
	return 0;
}
