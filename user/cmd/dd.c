/*
 * dd if=FILE of=FILE bs=N count=N skip=N seek=N - block copy with the
 * coreutils summary on stderr (see tio/dd.h for operands and suffixes).
 *
 * Input blocks are read with one read each: a short read is a partial record
 * (the "+M" of "records in") and is written as it came, like coreutils
 * without conv=sync. skip uses lseek, falling back to reading when the input
 * cannot seek; seek uses lseek on the output. The output is not truncated
 * (conv=notrunc is the only behaviour, unlike coreutils).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <tio/cmd.h>
#include <tio/dd.h>
#include <tio/start.h>
#include <tio/sys.h>

#define DD_BS_MAX (64ULL << 20) /* largest block we allocate */

static long dd_skip(int fd, uint64_t blocks, uint64_t bs, char *buf)
{
	if (blocks == 0)
		return 0;
	if (sys_lseek(fd, (int64_t)(blocks * bs), SEEK_SET) >= 0)
		return 0;
	for (uint64_t i = 0; i < blocks; i++) {
		long n = sys_read(fd, buf, bs);

		if (n <= 0)
			return n;
	}
	return 0;
}

static long dd_copy(int in, int out, const struct dd_opts *o, char *buf, struct dd_stats *st)
{
	for (uint64_t i = 0; o->count == DD_NONE || i < o->count; i++) {
		long n = sys_read(in, buf, o->bs), r;

		if (n < 0)
			return n;
		if (n == 0)
			break;
		*((uint64_t)n == o->bs ? &st->in_full : &st->in_part) += 1;
		r = write_all(out, buf, (size_t)n);
		if (r < 0)
			return r;
		*((uint64_t)n == o->bs ? &st->out_full : &st->out_part) += 1;
		st->bytes += (uint64_t)n;
	}
	return 0;
}

static long dd_open(const char *path, int flags, int dflt)
{
	return path ? sys_open(path, flags, 0644) : dflt;
}

int main(int argc, char **argv)
{
	struct dd_opts o;
	struct dd_stats st = {0};
	const char *bad = "";
	char summary[512], *buf;
	long in, out, r, t0;
	int status = 1;

	if (dd_parse(argc, argv, &o, &bad) < 0) {
		fprintf(stderr, "dd: invalid operand '%s'\n", bad);
		return 1;
	}
	if (o.bs > DD_BS_MAX || !(buf = malloc(o.bs)))
		return cmd_err("dd", "bs", -ENOMEM);
	in = dd_open(o.ifile, O_RDONLY, stdin);
	if (in < 0) {
		cmd_err("dd", o.ifile, in);
		goto out_free;
	}
	out = dd_open(o.ofile, O_WRONLY | O_CREAT, stdout);
	if (out < 0) {
		cmd_err("dd", o.ofile, out);
		goto out_free;
	}
	r = dd_skip((int)in, o.skip, o.bs, buf);
	if (r == 0 && o.seek)
		r = sys_lseek((int)out, (int64_t)(o.seek * o.bs), SEEK_SET);
	if (r < 0) {
		cmd_err("dd", o.skip ? "skip/seek" : "seek", r);
		goto out_free;
	}
	t0 = sys_clock_ns();
	r = dd_copy((int)in, (int)out, &o, buf, &st);
	if (r < 0)
		cmd_err("dd", "copy", r);
	dd_summary(summary, sizeof(summary), &st, (uint64_t)(sys_clock_ns() - t0));
	fputs(summary, stderr);
	status = r < 0;
out_free:
	free(buf);
	return status;
}
