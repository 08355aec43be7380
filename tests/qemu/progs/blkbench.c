/*
 * blkbench - in-guest block device benchmarks through the async syscalls,
 * run by tests/qemu/bench_block.py (`make bench`).
 *
 *   blkbench DEV SECONDS   on /dev/DEV (opened read-only):
 *     BENCH blk_<DEV>_rand4k_qd1_iops    4 KiB reads at random 4 KiB-aligned
 *                                        offsets, one in flight
 *     BENCH blk_<DEV>_rand4k_qd32_iops   the same with 32 in flight (one waiter,
 *                                        32 slots, one process)
 *     BENCH blk_<DEV>_seq60k_qd8_MiBps   sequential 60 KiB reads (the largest
 *                                        user range one op pins), 8 in flight,
 *                                        DMA straight into the user pages
 *
 * Each runs for about SECONDS/3 of guest time (SYS_clock_ns); the device is
 * read from the start again when a sequential pass reaches its end. A failed
 * call prints "blkbench: <what>: <error>" and exits 1. Not a test: nothing
 * here judges a number.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tio/aio.h>
#include <tio/start.h>
#include <tio/sys.h>

#define MAXQ	   32
#define SEQ_CHUNK  (60 * 1024)
#define RAND_BLOCK 4096

static char bufs[MAXQ][SEQ_CHUNK] __attribute__((aligned(4096)));
static struct aio_waiter w;
static uint64_t dev_blocks, dev_size, rng = 88172645463325252ULL;

static int fail(const char *what, long err)
{
	printf("blkbench: %s: %s\n", what, strerror((int)-err));
	return 1;
}

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Keeps @depth reads in flight for @ns; each completion submits the next. Ops done or -errno. */
static long run(int fd, unsigned depth, size_t len, bool random, uint64_t ns)
{
	uint64_t start = (uint64_t)sys_clock_ns(), seq = 0, done = 0;
	struct tio_event ev[MAXQ];
	unsigned free_slots[MAXQ], nfree = 0, inflight = 0;
	bool stop = false;

	for (unsigned s = 0; s < depth; s++)
		free_slots[nfree++] = s;
	for (;;) {
		while (!stop && nfree) {
			uint64_t off = random ? next_rand() % dev_blocks * RAND_BLOCK : seq;
			unsigned s = free_slots[--nfree];
			int err;

			if (!random)
				seq = seq + len + len > dev_size ? 0 : seq + len;
			err = aio_read(&w, s, fd, bufs[s], len, off);
			if (err)
				return err;
			inflight++;
		}
		if (!inflight)
			return (long)done;
		int n = aio_wait(&w, ev, MAXQ, TIO_WAIT_FOREVER);

		if (n < 0)
			return n;
		for (int i = 0; i < n; i++) {
			if (ev[i].result != (int64_t)len)
				return ev[i].result < 0 ? ev[i].result : -EIO;
			free_slots[nfree++] = ev[i].slot;
			inflight--;
			done++;
		}
		stop = (uint64_t)sys_clock_ns() - start >= ns;
	}
}

static int bench(int fd, const char *dev, const char *name, unsigned depth, size_t len, bool random,
		 uint64_t ns)
{
	uint64_t t0 = (uint64_t)sys_clock_ns(), t;
	long n = run(fd, depth, len, random, ns);

	if (n < 0)
		return fail(name, n);
	t = (uint64_t)sys_clock_ns() - t0;
	if (random)
		printf("BENCH blk_%s_%s %lu ops/s\n", dev, name,
		       (unsigned long)((uint64_t)n * 1000000000ULL / t));
	else
		printf("BENCH blk_%s_%s %lu MiB/s\n", dev, name,
		       (unsigned long)((uint64_t)n * len * 1000000000ULL / t / (1024 * 1024)));
	return 0;
}

int main(int argc, char **argv)
{
	char path[64];
	struct tio_stat st;
	uint64_t ns;
	long fd;
	int err;

	if (argc != 3) {
		printf("usage: blkbench DEV SECONDS\n");
		return 2;
	}
	ns = strtoul(argv[2], NULL, 10) * 1000000000ULL / 3;
	snprintf(path, sizeof(path), "/dev/%s", argv[1]);
	fd = sys_open(path, O_RDONLY, 0);
	if (fd < 0)
		return fail(path, fd);
	err = (int)sys_fstat((int)fd, &st);
	if (err < 0)
		return fail("fstat", err);
	dev_size = st.size;
	dev_blocks = dev_size / RAND_BLOCK;
	if (dev_blocks < 2 * MAXQ)
		return fail("device too small", -EINVAL);
	err = aio_waiter_create(&w, MAXQ);
	if (err < 0)
		return fail("waiter", err);
	return bench((int)fd, argv[1], "rand4k_qd1_iops", 1, RAND_BLOCK, true, ns) ||
	       bench((int)fd, argv[1], "rand4k_qd32_iops", 32, RAND_BLOCK, true, ns) ||
	       bench((int)fd, argv[1], "seq60k_qd8_MiBps", 8, SEQ_CHUNK, false, ns);
}
