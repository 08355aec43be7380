/*
 * dd if=FILE of=FILE bs=N count=N skip=N seek=N - block copy with the
 * coreutils summary on stderr (see tio/dd.h for operands and suffixes).
 *
 * Input blocks are read with one read each: a short read is a partial record
 * (the "+M" of "records in") and is written as it came, like coreutils
 * without conv=sync. skip uses lseek, falling back to reading when the input
 * cannot seek; seek uses lseek on the output. The output is not truncated
 * (conv=notrunc is the only behaviour, unlike coreutils).
 *
 * When both files are regular files, bs and the output offset are whole
 * sectors and the waiter gets shared rings (tio/aio.h), the copy goes
 * through the rings: rounds of up to DD_AIO_DEPTH reads at explicit offsets
 * queued together, then their writes, each round a couple of system calls
 * instead of two per block. A short read ends the rounds: the rest is copied
 * by the plain loop from just after it, so records come out as with one read
 * at a time. Devices, and blocks that are not whole sectors, keep the plain
 * loop: writes in flight together must never share a sector (two
 * partial-sector writes to a disk at once lost one of them in the block
 * tests).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tio/aio.h>
#include <tio/cmd.h>
#include <tio/dd.h>
#include <tio/start.h>
#include <tio/sys.h>

#define DD_BS_MAX      (64ULL << 20)  /* largest block we allocate */
#define DD_AIO_DEPTH   8	      /* blocks in flight through the rings, at most */
#define DD_AIO_BYTES   (256ULL << 10) /* their bytes, at most: pinned while they run */
#define DD_AIO_TIMEOUT TIO_WAIT_FOREVER
#define DD_AIO_ALIGN   512 /* bs and the output offset, for the rings' path */

/* The rings' copy: reads on slots [0, depth), their writes on [depth, 2 * depth). */
struct dd_aio {
	struct aio_waiter w;
	int in, out;
	uint64_t bs;
	unsigned depth;
	char *buf;	     /* depth blocks */
	uint64_t ipos, opos; /* offsets of the next read and write */
	long res[2 * DD_AIO_DEPTH];
};

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

/* Waits for the events of slots [first, first + n) into a->res. */
static long dd_aio_collect(struct dd_aio *a, unsigned first, unsigned n)
{
	struct tio_event ev[2 * DD_AIO_DEPTH];
	unsigned got = 0;

	while (got < n) {
		int k = aio_wait(&a->w, ev, 2 * DD_AIO_DEPTH, DD_AIO_TIMEOUT);

		if (k < 0)
			return k;
		for (int i = 0; i < k; i++)
			if (ev[i].slot >= first && ev[i].slot < first + n) {
				a->res[ev[i].slot] = (long)ev[i].result;
				got++;
			}
	}
	return 0;
}

/* Writes blocks [0, n) (a->res[i] bytes each) at a->opos; a short write is finished by pwrite. */
static long dd_aio_write(struct dd_aio *a, unsigned n, struct dd_stats *st)
{
	struct tio_sqe sqe;
	uint64_t off = a->opos;
	long r;

	for (unsigned i = 0; i < n; i++) {
		aio_prep_rw(&sqe, TIO_OP_WRITE, a->out, a->buf + i * a->bs, (size_t)a->res[i], off);
		r = aio_queue(&a->w, a->depth + i, &sqe);
		if (r < 0)
			return r;
		off += (uint64_t)a->res[i];
	}
	r = dd_aio_collect(a, a->depth, n);
	for (unsigned i = 0; i < n && r == 0; i++) {
		long want = a->res[i], done = a->res[a->depth + i];

		while (done >= 0 && done < want) {
			long w = sys_pwrite(a->out, a->buf + i * a->bs + done,
					    (size_t)(want - done), a->opos + (uint64_t)done);

			done = w <= 0 ? (w < 0 ? w : -EIO) : done + w;
		}
		if (done < 0)
			return done;
		*((uint64_t)want == a->bs ? &st->out_full : &st->out_part) += 1;
		st->bytes += (uint64_t)want;
		a->opos += (uint64_t)want;
	}
	return r;
}

/*
 * One round: up to @want blocks read, then written. Returns the blocks copied, 0 at the end
 * of the input, or -errno; sets *@stop after a short read (the plain loop goes on from there).
 */
static long dd_aio_round(struct dd_aio *a, uint64_t want, struct dd_stats *st, int *stop)
{
	unsigned n = want < a->depth ? (unsigned)want : a->depth, m;
	struct tio_sqe sqe;
	long r;

	for (unsigned i = 0; i < n; i++) {
		aio_prep_rw(&sqe, TIO_OP_READ, a->in, a->buf + i * a->bs, a->bs,
			    a->ipos + i * a->bs);
		r = aio_queue(&a->w, i, &sqe);
		if (r < 0)
			return r;
	}
	r = dd_aio_collect(a, 0, n);
	if (r < 0)
		return r;
	for (m = 0; m < n && a->res[m] > 0; m++) {
		*((uint64_t)a->res[m] == a->bs ? &st->in_full : &st->in_part) += 1;
		a->ipos += (uint64_t)a->res[m];
		if ((uint64_t)a->res[m] < a->bs) {
			*stop = 1;
			m++;
			break;
		}
	}
	if (m < n && a->res[m] < 0 && !*stop)
		return a->res[m]; /* the first failed read, after the blocks before it */
	r = dd_aio_write(a, m, st);
	return r < 0 ? r : (long)m;
}

/* A regular file? (See the head of the file for why devices keep the plain loop.) */
static int dd_regular(int fd)
{
	struct tio_stat st;

	return sys_fstat(fd, &st) == 0 && (st.mode & S_IFMT) == S_IFREG;
}

static int dd_aio_open(struct dd_aio *a, int in, int out, uint64_t bs)
{
	int64_t ipos, opos;

	if (!dd_regular(in) || !dd_regular(out) || bs * 2 > DD_AIO_BYTES || bs % DD_AIO_ALIGN)
		return -ESPIPE;
	ipos = sys_lseek(in, 0, SEEK_CUR);
	opos = sys_lseek(out, 0, SEEK_CUR);
	if (ipos < 0 || opos < 0 || opos % DD_AIO_ALIGN)
		return -ESPIPE;
	a->depth = DD_AIO_BYTES / bs < DD_AIO_DEPTH ? (unsigned)(DD_AIO_BYTES / bs) : DD_AIO_DEPTH;
	a->buf = malloc(a->depth * bs);
	if (!a->buf)
		return -ENOMEM;
	if (aio_waiter_create(&a->w, 2 * a->depth) == 0) {
		if (aio_waiter_has_ring(&a->w)) {
			a->in = in;
			a->out = out;
			a->bs = bs;
			a->ipos = (uint64_t)ipos;
			a->opos = (uint64_t)opos;
			return 0;
		}
		aio_waiter_destroy(&a->w);
	}
	free(a->buf);
	return -ENOSYS;
}

/*
 * Copies through the rings while it can. Returns the blocks it copied (*@done), and whether the
 * plain loop must finish the job (1: a short read, or no rings) or not (0), or -errno.
 */
static long dd_copy_aio(int in, int out, const struct dd_opts *o, struct dd_stats *st,
			uint64_t *done)
{
	struct dd_aio a;
	long r;
	int stop = 0;

	*done = 0;
	if (dd_aio_open(&a, in, out, o->bs))
		return 1;
	do {
		r = dd_aio_round(&a, o->count == DD_NONE ? a.depth : o->count - *done, st, &stop);
		if (r > 0)
			*done += (uint64_t)r;
	} while (r > 0 && !stop && (o->count == DD_NONE || *done < o->count));
	aio_waiter_destroy(&a.w);
	free(a.buf);
	/* Leave both offsets where a read and write at a time would have. */
	sys_lseek(in, (int64_t)a.ipos, SEEK_SET);
	sys_lseek(out, (int64_t)a.opos, SEEK_SET);
	return r < 0 ? r : stop;
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
	uint64_t done;
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
	r = dd_copy_aio((int)in, (int)out, &o, &st, &done);
	if (r == 1) {
		if (o.count != DD_NONE)
			o.count -= done;
		r = dd_copy((int)in, (int)out, &o, buf, &st);
	}
	if (r < 0)
		cmd_err("dd", "copy", r);
	dd_summary(summary, sizeof(summary), &st, (uint64_t)(sys_clock_ns() - t0));
	fputs(summary, stderr);
	status = r < 0;
out_free:
	free(buf);
	return status;
}
