/*
 * blkrmw - concurrent partial-sector writes to block devices, for
 * tests/qemu/test_blk_rmw.py (regression: read-modify-writes of the same
 * sector overwrote each other, losing all but the last update).
 *
 *   blkrmw [-t MS] DEV:SECTOR...
 *       Each DEV:SECTOR names the same run of RMW_SECTORS sectors, as numbered
 *       on that device (a partition and its disk can both be given). The
 *       table below of small writes at distinct byte offsets of that run is
 *       dealt round-robin to the devices, and every write is submitted
 *       async before any is waited for, so all are in flight together:
 *       1-byte writes into the first sector and 100-byte writes straddling
 *       each boundary between the following sectors (neighbours share a
 *       sector). Then the run is read back through the first device and
 *       compared with the bytes read before, patched with every write.
 *       Prints "write I result R" per failed write, "mismatch at byte B:
 *       got X want Y" per differing byte (at most 16), then "blkrmw: N
 *       writes, M bytes differ".
 *   -t MS gives every write a deadline of MS milliseconds (sqe.timeout_ns), so
 *       some are cancelled: queued on the disk's RMW mutex, reading, or
 *       writing back, or between the two sectors of a straddling write (a
 *       short result). Bytes a write did not report written may have landed
 *       or not, so they may read either way; the reported ones must have
 *       landed. "blkrmw: D done, F failed or short" is printed.
 * Exit status 0 when every write completed whole and the read-back matched,
 * 1 otherwise, 2 on usage errors.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tio/aio.h>
#include <tio/start.h>
#include <tio/sys.h>

#define RMW_SECTORS 8
#define RMW_BYTES   (RMW_SECTORS * 512)
#define RMW_ONES    12 /* 1-byte writes into sector 0 */
#define RMW_LONG    6  /* 100-byte writes across boundaries 1|2 .. 6|7 */
#define RMW_EDGES   6  /* 1-byte writes at byte 256 of sectors 1..6 */
#define RMW_WRITES  (RMW_ONES + RMW_LONG + RMW_EDGES)
#define RMW_DEVS    4

struct rmw_write {
	unsigned off, len; /* in the run */
	unsigned char data[100];
};

static struct rmw_write writes[RMW_WRITES];
static int64_t results[RMW_WRITES];
static uint64_t deadline_ns;
static unsigned char before[RMW_BYTES], after[RMW_BYTES];

/* The same table on every run: the host test computes the same offsets and bytes. */
static void rmw_table(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < RMW_ONES; i++, n++) {
		writes[n].off = 7 + 31 * i;
		writes[n].len = 1;
		writes[n].data[0] = (unsigned char)(0xa0 + i);
	}
	for (unsigned k = 0; k < RMW_LONG; k++, n++) {
		writes[n].off = (k + 2) * 512 - 50;
		writes[n].len = 100;
		for (unsigned j = 0; j < 100; j++)
			writes[n].data[j] = (unsigned char)(k * 37 + j + 1);
	}
	for (unsigned k = 0; k < RMW_EDGES; k++, n++) {
		writes[n].off = (k + 1) * 512 + 256;
		writes[n].len = 1;
		writes[n].data[0] = (unsigned char)(0x50 + k);
	}
}

static int rmw_read(int fd, uint64_t off, unsigned char *buf)
{
	long n = sys_pread(fd, buf, RMW_BYTES, off);

	if (n != RMW_BYTES) {
		printf("blkrmw: read back: %ld\n", n);
		return 1;
	}
	return 0;
}

static int rmw_submit_all(struct aio_waiter *w, int *fds, uint64_t *base, int ndev)
{
	struct tio_sqe sqe;

	for (unsigned i = 0; i < RMW_WRITES; i++) {
		int d = (int)(i % (unsigned)ndev);
		int err;

		aio_prep_rw(&sqe, TIO_OP_WRITE, fds[d], writes[i].data, writes[i].len,
			    base[d] + writes[i].off);
		sqe.timeout_ns = deadline_ns;
		err = aio_submit(w, i, &sqe);
		if (err) {
			printf("blkrmw: submit %u: %s\n", i, strerror(-err));
			return 1;
		}
	}
	return 0;
}

static int rmw_wait_all(struct aio_waiter *w)
{
	struct tio_event ev;
	unsigned failed = 0;
	int bad = 0;

	for (unsigned i = 0; i < RMW_WRITES; i++) {
		if (aio_wait(w, &ev, 1, TIO_WAIT_FOREVER) != 1) {
			printf("blkrmw: wait failed\n");
			return 1;
		}
		results[ev.slot] = ev.result;
		if (ev.result == (int64_t)writes[ev.slot].len)
			continue;
		failed++;
		/* A deadline may stop a straddling write between its two sectors: short. */
		if (!deadline_ns ||
		    (ev.result != -ETIMEDOUT && ev.result != -ECANCELED &&
		     (ev.result <= 0 || ev.result > (int64_t)writes[ev.slot].len))) {
			printf("write %u result %ld\n", ev.slot, (long)ev.result);
			bad = 1;
		}
	}
	if (deadline_ns)
		printf("blkrmw: %u done, %u failed or short\n", RMW_WRITES - failed, failed);
	return bad;
}

/* Byte @b may hold data a failed or short write did not report: it may have reached the disk. */
static bool rmw_may_have_landed(unsigned b)
{
	for (unsigned i = 0; i < RMW_WRITES; i++)
		if (results[i] != (int64_t)writes[i].len && b - writes[i].off < writes[i].len &&
		    after[b] == writes[i].data[b - writes[i].off])
			return true;
	return false;
}

static int rmw_compare(void)
{
	unsigned differ = 0;

	for (unsigned i = 0; i < RMW_WRITES; i++)
		if (results[i] > 0) /* the bytes reported written (all, or a short head) */
			memcpy(before + writes[i].off, writes[i].data, (size_t)results[i]);
	for (unsigned b = 0; b < RMW_BYTES; b++) {
		if (before[b] == after[b] || rmw_may_have_landed(b))
			continue;
		if (++differ <= 16)
			printf("mismatch at byte %u: got %02x want %02x\n", b, after[b], before[b]);
	}
	printf("blkrmw: %u writes, %u bytes differ\n", RMW_WRITES, differ);
	return differ != 0;
}

int main(int argc, char **argv)
{
	int fds[RMW_DEVS], ndev, bad;
	uint64_t base[RMW_DEVS];
	struct aio_waiter w;
	char path[64];

	if (argc > 2 && !strcmp(argv[1], "-t")) {
		deadline_ns = strtoull(argv[2], NULL, 10) * 1000000ULL;
		argc -= 2;
		argv += 2;
	}
	ndev = argc - 1;
	if (ndev < 1 || ndev > RMW_DEVS) {
		printf("usage: blkrmw [-t MS] DEV:SECTOR...\n");
		return 2;
	}
	for (int d = 0; d < ndev; d++) {
		char *colon = strchr(argv[d + 1], ':');
		long fd;

		if (!colon) {
			printf("usage: blkrmw DEV:SECTOR...\n");
			return 2;
		}
		*colon = '\0';
		base[d] = strtoull(colon + 1, NULL, 10) * 512;
		snprintf(path, sizeof(path), "/dev/%s", argv[d + 1]);
		fd = sys_open(path, O_RDWR, 0);
		if (fd < 0) {
			printf("blkrmw: %s: %s\n", path, strerror((int)-fd));
			return 1;
		}
		fds[d] = (int)fd;
	}
	rmw_table();
	if (rmw_read(fds[0], base[0], before) || aio_waiter_create(&w, RMW_WRITES) < 0)
		return 1;
	bad = rmw_submit_all(&w, fds, base, ndev);
	if (bad)
		return 1;
	bad = rmw_wait_all(&w);
	if (rmw_read(fds[0], base[0], after))
		return 1;
	return rmw_compare() || bad;
}
