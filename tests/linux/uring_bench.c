/*
 * uring_bench - the guest ring benchmarks of tests/qemu/progs/qbench.c, done
 * with Linux's io_uring through raw system calls (no liburing), for the
 * side-by-side run of `make bench-linux` (tests/linux/bench_linux.py). It is
 * a separate program, not qbench built for Linux: it measures the same four
 * things the same way (iterations, REPS interleaved runs, median) and prints
 * them under the same BENCH names:
 *
 *   guest_syscall_ns               getpid()
 *   guest_ring_nop_roundtrip_ns    one NOP: io_uring_enter(submit 1, wait 1), CQE read from memory
 *   guest_ring_batch32_ops_per_s   32 NOPs queued, one io_uring_enter(submit 32, wait 32)
 *   guest_ring_read4k_tmpfs_ns     a 4 KiB IORING_OP_READ_FIXED from a tmpfs file, submit+wait
 *
 * Built static with the host's gcc; runs as /init's child in an initramfs.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/io_uring.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define REPS	    11
#define SYS_ITERS   20000
#define NOP_ITERS   4000
#define BATCH	    32
#define BATCH_ITERS 200
#define FILE_BYTES  (512 * 1024)

struct ring {
	int fd;
	unsigned *sq_head, *sq_tail, *sq_mask, *sq_array;
	unsigned *cq_head, *cq_tail, *cq_mask;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
};

static struct ring R;
static int file_fd;
static char *buf;

static uint64_t now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void die(const char *what)
{
	printf("uring_bench: %s failed\n", what);
	exit(1);
}

static void ring_init(unsigned entries)
{
	struct io_uring_params p;
	char *sq, *cq;

	memset(&p, 0, sizeof(p));
	R.fd = (int)syscall(__NR_io_uring_setup, entries, &p);
	if (R.fd < 0)
		die("io_uring_setup");
	sq = mmap(NULL, p.sq_off.array + p.sq_entries * sizeof(unsigned), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_POPULATE, R.fd, IORING_OFF_SQ_RING);
	cq = mmap(NULL, p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe),
		  PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, R.fd, IORING_OFF_CQ_RING);
	R.sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_POPULATE, R.fd, IORING_OFF_SQES);
	if (sq == MAP_FAILED || cq == MAP_FAILED || R.sqes == MAP_FAILED)
		die("mmap ring");
	R.sq_head = (unsigned *)(sq + p.sq_off.head);
	R.sq_tail = (unsigned *)(sq + p.sq_off.tail);
	R.sq_mask = (unsigned *)(sq + p.sq_off.ring_mask);
	R.sq_array = (unsigned *)(sq + p.sq_off.array);
	R.cq_head = (unsigned *)(cq + p.cq_off.head);
	R.cq_tail = (unsigned *)(cq + p.cq_off.tail);
	R.cq_mask = (unsigned *)(cq + p.cq_off.ring_mask);
	R.cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
}

static struct io_uring_sqe *sqe_get(void)
{
	unsigned tail = *R.sq_tail, i = tail & *R.sq_mask;
	struct io_uring_sqe *s = &R.sqes[i];

	memset(s, 0, sizeof(*s));
	R.sq_array[i] = i;
	__atomic_store_n(R.sq_tail, tail + 1, __ATOMIC_RELEASE);
	return s;
}

static void enter(unsigned submit, unsigned wait)
{
	if (syscall(__NR_io_uring_enter, R.fd, submit, wait, IORING_ENTER_GETEVENTS, NULL, 0) !=
	    (long)submit)
		die("io_uring_enter");
}

static void reap(unsigned n, int expect)
{
	unsigned head = *R.cq_head;

	if (__atomic_load_n(R.cq_tail, __ATOMIC_ACQUIRE) - head < n)
		die("missing completions");
	for (unsigned i = 0; i < n; i++)
		if (R.cqes[(head + i) & *R.cq_mask].res != expect)
			die("completion result");
	__atomic_store_n(R.cq_head, head + n, __ATOMIC_RELEASE);
}

static uint64_t b_syscall(void)
{
	uint64_t t0 = now();

	for (int i = 0; i < SYS_ITERS; i++)
		syscall(__NR_getpid);
	return (now() - t0) / SYS_ITERS;
}

static uint64_t b_nop(void)
{
	uint64_t t0 = now();

	for (int i = 0; i < NOP_ITERS; i++) {
		sqe_get()->opcode = IORING_OP_NOP;
		enter(1, 1);
		reap(1, 0);
	}
	return (now() - t0) / NOP_ITERS;
}

static uint64_t b_batch(void)
{
	uint64_t t0 = now(), ns;

	for (int i = 0; i < BATCH_ITERS; i++) {
		for (int j = 0; j < BATCH; j++)
			sqe_get()->opcode = IORING_OP_NOP;
		enter(BATCH, BATCH);
		reap(BATCH, 0);
	}
	ns = now() - t0;
	return (uint64_t)BATCH * BATCH_ITERS * 1000000000ull / (ns ? ns : 1);
}

static uint64_t b_read4k(void)
{
	uint64_t t0 = now();

	for (int i = 0; i < NOP_ITERS; i++) {
		struct io_uring_sqe *s = sqe_get();

		s->opcode = IORING_OP_READ_FIXED;
		s->fd = file_fd;
		s->addr = (uint64_t)(uintptr_t)buf;
		s->len = 4096;
		s->off = (uint64_t)(i % (FILE_BYTES / 4096)) * 4096;
		s->buf_index = 0;
		enter(1, 1);
		reap(1, 4096);
	}
	return (now() - t0) / NOP_ITERS;
}

static void setup_file(void)
{
	struct iovec iov;
	int fd = open("/tmp/uring_bench.dat", O_RDWR | O_CREAT | O_TRUNC, 0644);

	buf = mmap(NULL, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (fd < 0 || buf == MAP_FAILED)
		die("open /tmp/uring_bench.dat");
	memset(buf, 'x', 65536);
	for (int i = 0; i < FILE_BYTES / 65536; i++)
		if (write(fd, buf, 65536) != 65536)
			die("write");
	file_fd = fd;
	iov.iov_base = buf;
	iov.iov_len = 65536;
	if (syscall(__NR_io_uring_register, R.fd, IORING_REGISTER_BUFFERS, &iov, 1) != 0)
		die("io_uring_register");
}

static int cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int main(void)
{
	static const char *names[] = {"guest_syscall_ns", "guest_ring_nop_roundtrip_ns",
				      "guest_ring_batch32_ops_per_s", "guest_ring_read4k_tmpfs_ns"};
	static const char *units[] = {"ns", "ns", "ops/s", "ns"};
	uint64_t (*fn[])(void) = {b_syscall, b_nop, b_batch, b_read4k};
	uint64_t v[4][REPS];

	ring_init(64);
	setup_file();
	for (int r = 0; r < REPS; r++)
		for (int i = 0; i < 4; i++)
			v[i][r] = fn[i]();
	for (int i = 0; i < 4; i++) {
		qsort(v[i], REPS, sizeof(v[i][0]), cmp);
		printf("BENCH %s %llu %s\n", names[i], (unsigned long long)v[i][REPS / 2],
		       units[i]);
	}
	printf("uring_bench: done\n");
	return 0;
}
