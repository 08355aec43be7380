/*
 * qpipe - a test program for the pipe tests (tests/qemu/test_pipes.py).
 *
 *   qpipe gen N SEED   writes N bytes of SEED's pseudo-random stream to
 *                      stdout in 32 KiB writes (larger than the pipe), the
 *                      same stream test_pipes.py computes on the host; on a
 *                      failed write prints "qpipe gen: write: <error>" to
 *                      stderr and exits 1
 *   qpipe head N       copies the first N bytes of stdin to stdout in 509-byte
 *                      reads and exits (a reader that closes early)
 *   qpipe hold N SECS  creates pipes until N exist or the kernel refuses one,
 *                      prints "held K: <error>" (or "held K"), keeps them
 *                      SECS seconds, exits (the pipe pool is then exhausted)
 *   qpipe ttyread      reads one line from stdin (the console, cooked) and
 *                      prints "ttyread: <line>" (run as `qpipe ttyread & wait`:
 *                      a console reader that is not the foreground job)
 *   qpipe async        the pipe through the async API: reads that pend,
 *                      time out, are cancelled and completed by a write;
 *                      writes that pend on a full pipe; PIPE_BUF atomicity;
 *                      EOF and -EPIPE when an end closes. One line per
 *                      check ("ok NAME" or "FAIL NAME: ..."), then
 *                      "qpipe async: N failed"; exit 1 if any failed
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tio/start.h>
#include <tio/sys.h>

#define PIPE_CAP  16384 /* PARAM_PIPE_BYTES of the kernel */
#define GEN_CHUNK 32768
#define MS	  1000000ULL

static unsigned char big[PIPE_CAP];
static int failures;

/* ---- gen / head ---- */

static unsigned char gen_next(uint32_t *s)
{
	*s = *s * 1103515245u + 12345u;
	return (unsigned char)(*s >> 16);
}

static int cmd_gen(unsigned long n, uint32_t seed)
{
	static unsigned char chunk[GEN_CHUNK];

	while (n) {
		size_t len = n < sizeof(chunk) ? n : sizeof(chunk);
		long w;

		for (size_t i = 0; i < len; i++)
			chunk[i] = gen_next(&seed);
		w = sys_write(stdout, chunk, len);
		if (w < 0) {
			fprintf(stderr, "qpipe gen: write: %s\n", strerror((int)w));
			return 1;
		}
		n -= (unsigned long)w;
	}
	return 0;
}

static int cmd_head(unsigned long n)
{
	char buf[509]; /* odd-sized reads: the pipe's ring wraps at every offset */

	while (n) {
		long r = sys_read(stdin, buf, n < sizeof(buf) ? n : sizeof(buf));

		if (r <= 0)
			return r < 0;
		sys_write(stdout, buf, (size_t)r);
		n -= (unsigned long)r;
	}
	return 0;
}

static int cmd_hold(int n, unsigned long secs)
{
	long err = 0;
	int k, fds[2];

	/* Only the read ends stay open: a pipe lives while one end does, and
	 * 32 descriptors would not hold both ends of 16 pipes. */
	for (k = 0; k < n && (err = sys_pipe(fds)) == 0; k++)
		sys_close(fds[1]);
	if (err)
		printf("held %d: %s\n", k, strerror((int)err));
	else
		printf("held %d\n", k);
	sys_sleep_ns(secs * 1000000000ULL);
	return 0;
}

static int cmd_ttyread(void)
{
	char buf[128];
	long n = sys_read(stdin, buf, sizeof(buf) - 1);

	if (n < 0)
		return printf("ttyread: %s\n", strerror((int)n)), 1;
	buf[n] = '\0';
	printf("ttyread: %s", buf);
	return 0;
}

/* ---- async checks ---- */

static void check(const char *name, long got, long want)
{
	if (got == want) {
		printf("ok %s\n", name);
		return;
	}
	printf("FAIL %s: got %ld want %ld\n", name, got, want);
	failures++;
}

static long submit_io(int w, unsigned slot, unsigned op, int fd, void *buf, size_t len,
		      uint64_t timeout_ns)
{
	struct tio_sqe sqe = {.opcode = op,
			      .fd = fd,
			      .addr = (uint64_t)(uintptr_t)buf,
			      .len = len,
			      .offset = TIO_OFFSET_CUR,
			      .timeout_ns = timeout_ns};

	return sys_submit(w, slot, &sqe);
}

/* The result of the next event, or a distinct value when none comes in @timeout_ns. */
static long wait_one(int w, uint64_t timeout_ns)
{
	struct tio_event ev;
	long n = sys_wait_event(w, &ev, 1, timeout_ns);

	return n == 1 ? (long)ev.result : n == 0 ? -1000 : n;
}

static long pipe_size(int fd)
{
	struct tio_stat st;
	long r = sys_fstat(fd, &st);

	return r < 0 ? r : (long)st.size;
}

static void async_reads(int w)
{
	int fds[2];
	char buf[16] = {0};

	check("pipe", sys_pipe(fds), 0);
	submit_io(w, 0, TIO_OP_READ, fds[0], buf, sizeof(buf), 50 * MS);
	check("read_times_out", wait_one(w, TIO_WAIT_FOREVER), -ETIMEDOUT);
	submit_io(w, 0, TIO_OP_READ, fds[0], buf, sizeof(buf), 0);
	check("read_pends_on_empty_pipe", wait_one(w, 20 * MS), -1000);
	check("cancel", sys_cancel(w, 0), 0);
	check("read_cancelled", wait_one(w, TIO_WAIT_FOREVER), -ECANCELED);
	submit_io(w, 0, TIO_OP_READ, fds[0], buf, sizeof(buf), 0);
	check("read_pends_until_write", wait_one(w, 20 * MS), -1000);
	check("write_to_reader", sys_write(fds[1], "hello", 5), 5);
	check("read_completed_by_write", wait_one(w, TIO_WAIT_FOREVER), 5);
	check("read_data", memcmp(buf, "hello", 5), 0);
	submit_io(w, 0, TIO_OP_READ, fds[0], buf, sizeof(buf), 0);
	check("close_last_writer", sys_close(fds[1]), 0);
	check("read_eof_after_last_writer", wait_one(w, TIO_WAIT_FOREVER), 0);
	check("read_eof_again", sys_read(fds[0], buf, sizeof(buf)), 0);
	sys_close(fds[0]);
}

static void async_writes(int w)
{
	static char small[TIO_PIPE_BUF];
	int fds[2];

	check("pipe", sys_pipe(fds), 0);
	check("fill", sys_write(fds[1], big, PIPE_CAP), PIPE_CAP);
	submit_io(w, 1, TIO_OP_WRITE, fds[1], small, 100, 50 * MS);
	check("write_times_out_when_full", wait_one(w, TIO_WAIT_FOREVER), -ETIMEDOUT);
	check("timed_out_write_left_nothing", pipe_size(fds[0]), PIPE_CAP);
	submit_io(w, 1, TIO_OP_WRITE, fds[1], small, 100, 0);
	check("write_pends_when_full", wait_one(w, 20 * MS), -1000);
	check("drain", sys_read(fds[0], big, 4096), 4096);
	check("write_completed_by_read", wait_one(w, TIO_WAIT_FOREVER), 100);
	/* PIPE_BUF: with 3996 bytes of room a 4096-byte write waits, nothing goes in;
	 * 100 more bytes read make room for all of it. */
	submit_io(w, 1, TIO_OP_WRITE, fds[1], small, sizeof(small), 0);
	check("atomic_write_pends", wait_one(w, 20 * MS), -1000);
	check("atomic_write_nothing_in", pipe_size(fds[0]), PIPE_CAP - 4096 + 100);
	check("drain_100", sys_read(fds[0], big, 100), 100);
	check("atomic_write_whole", wait_one(w, TIO_WAIT_FOREVER), TIO_PIPE_BUF);
	check("full_after_atomic", pipe_size(fds[0]), PIPE_CAP);
	submit_io(w, 1, TIO_OP_WRITE, fds[1], small, 10, 0);
	check("write_pends_again", wait_one(w, 20 * MS), -1000);
	check("close_last_reader", sys_close(fds[0]), 0);
	check("pending_write_epipe", wait_one(w, TIO_WAIT_FOREVER), -EPIPE);
	check("later_write_epipe", sys_write(fds[1], small, 1), -EPIPE);
	sys_close(fds[1]);
}

static void pipe_misc(void)
{
	volatile uintptr_t bad = 8; /* through a variable, so the compiler lets it pass */
	struct tio_stat st;
	int fds[2];

	check("pipe", sys_pipe(fds), 0);
	check("lseek_espipe", sys_lseek(fds[0], 0, SEEK_SET), -ESPIPE);
	check("fstat", sys_fstat(fds[1], &st), 0);
	check("fstat_fifo", (long)(st.mode & S_IFMT), S_IFIFO);
	check("write_on_read_end", sys_write(fds[0], "x", 1), -EBADF);
	check("read_on_write_end", sys_read(fds[1], big, 1), -EBADF);
	check("pipe_bad_pointer", sys_pipe((int *)bad), -EFAULT);
	sys_close(fds[0]);
	sys_close(fds[1]);
}

static int cmd_async(void)
{
	long w = sys_waiter_create(4);

	if (w < 0) {
		printf("FAIL waiter_create: %ld\n", w);
		return 1;
	}
	async_reads((int)w);
	async_writes((int)w);
	pipe_misc();
	sys_close((int)w);
	printf("qpipe async: %d failed\n", failures);
	return failures != 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "gen"))
		return cmd_gen(strtoul(argv[2], NULL, 0), (uint32_t)strtoul(argv[3], NULL, 0));
	if (argc == 3 && !strcmp(argv[1], "head"))
		return cmd_head(strtoul(argv[2], NULL, 0));
	if (argc == 4 && !strcmp(argv[1], "hold"))
		return cmd_hold(atoi(argv[2]), strtoul(argv[3], NULL, 0));
	if (argc == 2 && !strcmp(argv[1], "ttyread"))
		return cmd_ttyread();
	if (argc == 2 && !strcmp(argv[1], "async"))
		return cmd_async();
	fprintf(stderr, "usage: qpipe gen N SEED | head N | hold N SECS | async\n");
	return 2;
}
