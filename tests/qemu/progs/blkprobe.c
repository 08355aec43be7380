/*
 * blkprobe - block device checks the shell cannot express, for
 * tests/qemu/test_block.py.
 *
 *   blkprobe deadline DEV OFFSET:MS...
 *       async 4 KiB reads of /dev/DEV, all submitted at once (slot i for the
 *       i-th pair), each at OFFSET with a deadline of MS milliseconds
 *       (sqe.timeout_ns); prints "slot I result R after T ms" per completion,
 *       in completion order, with the event's result (bytes or -errno).
 * Exit status 0 when the read completed either way, 1 when a call failed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tio/aio.h>
#include <tio/start.h>
#include <tio/sys.h>

#define MAXREQ 8

static char buf[MAXREQ][4096] __attribute__((aligned(4096)));

static int deadline(const char *dev, int n, char **pairs)
{
	struct aio_waiter w;
	struct tio_sqe sqe;
	struct tio_event ev;
	char path[64];
	long fd, t0;
	int err;

	snprintf(path, sizeof(path), "/dev/%s", dev);
	fd = sys_open(path, O_RDONLY, 0);
	if (fd < 0 || (err = aio_waiter_create(&w, MAXREQ)) < 0) {
		printf("blkprobe: %s: %s\n", path, strerror((int)-(fd < 0 ? fd : err)));
		return 1;
	}
	t0 = sys_clock_ns();
	for (int i = 0; i < n; i++) {
		char *ms;
		uint64_t off = strtoull(pairs[i], &ms, 10);

		aio_prep_rw(&sqe, TIO_OP_READ, (int)fd, buf[i], sizeof(buf[i]), off);
		sqe.timeout_ns = strtoull(ms + 1, NULL, 10) * 1000000ULL;
		err = aio_submit(&w, (unsigned)i, &sqe);
		if (err) {
			printf("blkprobe: submit: %s\n", strerror(-err));
			return 1;
		}
	}
	for (int i = 0; i < n; i++) {
		if (aio_wait(&w, &ev, 1, TIO_WAIT_FOREVER) != 1) {
			printf("blkprobe: wait failed\n");
			return 1;
		}
		printf("slot %u result %ld after %ld ms\n", ev.slot, (long)ev.result,
		       (sys_clock_ns() - t0) / 1000000);
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && argc - 3 <= MAXREQ && !strcmp(argv[1], "deadline"))
		return deadline(argv[2], argc - 3, argv + 3);
	printf("usage: blkprobe deadline DEV OFFSET:MS...\n");
	return 2;
}
