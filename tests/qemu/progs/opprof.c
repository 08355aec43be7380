/*
 * opprof.c - the guest half of the per-op instruction profile
 * (tests/qemu/opprof.py, docs/benchmarks.md "Per-op instruction profile").
 *
 * Runs the three ring calls the benchmarks time (a 32-NOP batch, one NOP, one
 * 4 KiB tmpfs READ into a registered buffer), first WARM times each so the
 * waiter's op cache and every lazily built structure are in their steady
 * state, then once more with a marker in the timeout argument
 * (OPPROF_MARK + kind). The profiler's breakpoint on syscall_entry fires
 * only on a marked SYS_ring_enter and single-steps it to sysret. The marker
 * is a huge timeout: every op here completes inside its submit, so no call
 * ever sleeps on it. Prints "opprof: done" or "opprof: <step>: <error>".
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <tio/aio.h>
#include <tio/ring.h>
#include <tio/sys.h>

#define BATCH	    32
#define WARM	    8
#define FILE_BYTES  (64 * 1024)
#define PROF_FILE   "/tmp/opprof.dat"
#define OPPROF_MARK 0x0e55ca1100000000ULL /* tests/qemu/opprof.py: MARK */

enum { KIND_BATCH32 = 1, KIND_NOP = 2, KIND_READ4K = 3 };

static struct aio_ring ring;
static char *buf;
static int regbuf = -1, fd = -1;

static int fail(const char *step, long err)
{
	printf("opprof: %s: %s\n", step, strerror((int)-err));
	return 1;
}

/* Queues @n entries of @kind on slots 0..n-1 and enters once with @timeout. */
static long enter(unsigned kind, unsigned n, uint64_t timeout)
{
	struct tio_event ev[BATCH];

	for (unsigned s = 0; s < n; s++) {
		struct tio_sqe *sqe = aio_ring_sqe(&ring, s);

		if (!sqe)
			return -ENOSPC;
		if (kind == KIND_READ4K)
			aio_prep_rw_fixed(sqe, TIO_OP_READ, fd, (unsigned)regbuf, 0, 4096, 4096);
		else
			sqe->opcode = TIO_OP_NOP;
	}
	long r = aio_ring_enter(&ring, n, timeout);
	if (r != (long)n)
		return r < 0 ? r : -EIO;
	if (aio_ring_peek(&ring, ev, n) != n)
		return -EIO;
	for (unsigned i = 0; i < n; i++)
		if (ev[i].result != (kind == KIND_READ4K ? 4096 : 0))
			return ev[i].result < 0 ? ev[i].result : -EIO;
	return 0;
}

static int setup(void)
{
	long addr = sys_mmap(NULL, FILE_BYTES, PROT_READ | PROT_WRITE);
	long n;

	if (addr < 0)
		return fail("mmap", addr);
	buf = (char *)addr;
	memset(buf, 0x5a, FILE_BYTES);
	fd = (int)sys_open(PROF_FILE, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return fail("open " PROF_FILE, fd);
	n = sys_write(fd, buf, FILE_BYTES);
	if (n != FILE_BYTES)
		return fail("write " PROF_FILE, n < 0 ? n : -EIO);
	regbuf = aio_buf_register(buf, 4096, TIO_BUF_READ | TIO_BUF_WRITE);
	if (regbuf < 0)
		return fail("buf_register", regbuf);
	n = aio_ring_create(&ring, BATCH, BATCH, BATCH);
	return n < 0 ? fail("ring create", n) : 0;
}

int main(void)
{
	static const struct {
		const char *name;
		unsigned kind, n;
	} calls[] = {
	    {"batch32", KIND_BATCH32, BATCH}, {"nop", KIND_NOP, 1}, {"read4k", KIND_READ4K, 1}};
	long err;

	if (setup())
		return 1;
	for (unsigned c = 0; c < sizeof(calls) / sizeof(calls[0]); c++) {
		for (int i = 0; i < WARM; i++)
			if ((err = enter(calls[c].kind, calls[c].n, TIO_WAIT_FOREVER)))
				return fail(calls[c].name, err);
		if ((err = enter(calls[c].kind, calls[c].n, OPPROF_MARK + calls[c].kind)))
			return fail(calls[c].name, err);
	}
	sys_close(fd);
	sys_unlink(PROF_FILE);
	printf("opprof: done\n");
	return 0;
}
