/*
 * ls [-l] [-a] [PATH...] - list directories (sorted by name, one per line)
 * or name the files given. -l gives busybox-style long lines (tio/lsfmt.h)
 * with times from the wall clock (SYS_clock_real: recent files show the
 * hour, older ones the year); -a includes names starting with '.', "." and
 * ".." among them (added here when the filesystem does not list them).
 * Several PATHs print "PATH:" headers.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tio/cmd.h>
#include <tio/lsfmt.h>
#include <tio/opt.h>
#include <tio/start.h>
#include <tio/sys.h>

struct ls_opts {
	int lng;	/* -l */
	int all;	/* -a */
	int64_t now_ns; /* wall clock, for "recent" in -l */
};

struct ls_names {
	char **v;
	size_t n, cap;
};

static int names_add(struct ls_names *ns, const char *name)
{
	if (ns->n == ns->cap) {
		size_t cap = ns->cap ? ns->cap * 2 : 64;
		char **v = realloc(ns->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		ns->v = v;
		ns->cap = cap;
	}
	ns->v[ns->n] = strdup(name);
	return ns->v[ns->n++] ? 0 : -ENOMEM;
}

static void names_sort(struct ls_names *ns)
{
	for (size_t i = 1; i < ns->n; i++) {
		char *x = ns->v[i];
		size_t j = i;

		for (; j > 0 && strcmp(ns->v[j - 1], x) > 0; j--)
			ns->v[j] = ns->v[j - 1];
		ns->v[j] = x;
	}
}

static void names_free(struct ls_names *ns)
{
	for (size_t i = 0; i < ns->n; i++)
		free(ns->v[i]);
	free(ns->v);
}

static int print_entry(const struct ls_opts *o, const char *path, const char *name)
{
	char line[LSFMT_LINE_MAX];
	struct tio_stat st;
	long r;

	if (!o->lng) {
		printf("%s\n", name);
		return 0;
	}
	r = sys_stat(path, &st);
	if (r < 0)
		return cmd_err("ls", path, r);
	lsfmt_line(line, sizeof(line), name, &st, o->now_ns);
	fputs(line, stdout);
	return 0;
}

static int read_names(int fd, const struct ls_opts *o, struct ls_names *ns)
{
	static char buf[4096];
	long n;

	while ((n = sys_getdents(fd, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < n;) {
			const struct tio_dirent *d = (const void *)(buf + off);

			if (d->reclen == 0)
				return -EIO; /* a malformed record would loop forever */
			off += d->reclen;
			if (d->name[0] == '.' && !o->all)
				continue;
			if (!strcmp(d->name, ".") || !strcmp(d->name, ".."))
				continue; /* added by list_dir, listed or not */
			if (names_add(ns, d->name) < 0)
				return -ENOMEM;
		}
	}
	return (int)n;
}

static int list_dir(const struct ls_opts *o, const char *dir)
{
	struct ls_names ns = {0};
	char path[TIO_PATH_MAX];
	long fd = sys_open(dir, O_RDONLY | O_DIRECTORY, 0);
	int status = 0, r;

	if (fd < 0)
		return cmd_err("ls", dir, fd);
	r = o->all ? names_add(&ns, ".") : 0;
	if (!r)
		r = o->all ? names_add(&ns, "..") : 0;
	if (!r)
		r = read_names((int)fd, o, &ns);
	sys_close((int)fd);
	if (r < 0)
		status = cmd_err("ls", dir, r);
	names_sort(&ns);
	for (size_t i = 0; i < ns.n; i++) {
		if (cmd_path_join(path, sizeof(path), dir, ns.v[i]) < 0)
			status |= cmd_err("ls", ns.v[i], -ENAMETOOLONG);
		else
			status |= print_entry(o, path, ns.v[i]);
	}
	names_free(&ns);
	return status;
}

static int list_path(const struct ls_opts *o, const char *path)
{
	struct tio_stat st;
	long r = sys_stat(path, &st);

	if (r < 0)
		return cmd_err("ls", path, r);
	if ((st.mode & S_IFMT) == S_IFDIR)
		return list_dir(o, path);
	return print_entry(o, path, path);
}

int main(int argc, char **argv)
{
	struct ls_opts o = {0};
	struct opt op = OPT_INIT;
	int c, status = 0;

	while ((c = opt_next(&op, argc, argv, "la1")) != -1) {
		if (c == 'l')
			o.lng = 1;
		else if (c == 'a')
			o.all = 1;
		else if (c != '1') {
			fprintf(stderr, "usage: ls [-la] [PATH...]\n");
			return 1;
		}
	}
	o.now_ns = sys_clock_real();
	if (op.ind == argc)
		return list_path(&o, ".");
	for (int i = op.ind; i < argc; i++) {
		if (argc - op.ind > 1)
			printf("%s%s:\n", i > op.ind ? "\n" : "", argv[i]);
		status |= list_path(&o, argv[i]);
	}
	return status;
}
