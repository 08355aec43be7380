/*
 * fatconc - a test program for tests/qemu/test_fat_conc.py (not a user
 * command): many async READs of one file in flight at once.
 *
 *   fatconc FILE SIZE N CHUNK  reads the SIZE bytes of FILE in CHUNK-byte
 *                    async READs at their own offsets, N of them in flight
 *                    at once on one waiter (each completion submits the next
 *                    unread chunk), waits up to 60 s for each event, then
 *                    prints "fatconc N reads R sha <sha256 of the bytes>"
 *
 * A READ that fails, comes back short, or does not answer within the wait
 * prints "fatconc FAIL <what> <value>" (with how many reads were done) and
 * exits 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tio/aio.h>
#include <tio/sha256.h>
#include <tio/start.h>
#include <tio/sys.h>

#define MAX_INFLIGHT 32
#define WAIT_NS	     60000000000ULL /* generous: a loaded machine, TCG */

struct run {
	struct aio_waiter w;
	unsigned char *data;
	unsigned long size, chunk, next; /* next: offset of the next chunk to submit */
	unsigned long slot_off[MAX_INFLIGHT];
	unsigned done, inflight;
};

static int fail(const struct run *r, const char *what, long v)
{
	printf("fatconc FAIL %s %ld (reads done %u, in flight %u)\n", what, v, r->done,
	       r->inflight);
	return 1;
}

/* Submits the next chunk on @slot, if any is left: 0 or -errno. */
static int submit_next(struct run *r, int fd, unsigned slot)
{
	struct tio_sqe sqe;
	unsigned long len;
	int err;

	if (r->next >= r->size)
		return 0;
	len = r->size - r->next < r->chunk ? r->size - r->next : r->chunk;
	aio_prep_rw(&sqe, TIO_OP_READ, fd, r->data + r->next, len, r->next);
	err = aio_submit(&r->w, slot, &sqe);
	if (err)
		return err;
	r->slot_off[slot] = r->next;
	r->next += len;
	r->inflight++;
	return 0;
}

/* One event: checks it and refills its slot. 0 or 1 (failed). */
static int complete(struct run *r, int fd, const struct tio_event *ev)
{
	unsigned long off, want;
	int err;

	if (ev->slot >= MAX_INFLIGHT)
		return fail(r, "event slot", ev->slot);
	off = r->slot_off[ev->slot];
	want = r->size - off < r->chunk ? r->size - off : r->chunk;
	r->inflight--;
	if (ev->result != (int64_t)want)
		return fail(r, "read result", (long)ev->result);
	r->done++;
	err = submit_next(r, fd, ev->slot);
	return err ? fail(r, "submit", err) : 0;
}

static int conc(const char *path, unsigned long size, unsigned n, unsigned long chunk)
{
	static struct run r;
	struct tio_event ev[MAX_INFLIGHT];
	uint8_t digest[SHA256_LEN];
	char hex[2 * SHA256_LEN + 1];
	struct sha256 h;
	long fd;
	int err, k;

	if (!n || n > MAX_INFLIGHT || !chunk)
		return fail(&r, "arguments", n);
	r = (struct run){.size = size, .chunk = chunk, .data = malloc(size ? size : 1)};
	if (!r.data)
		return fail(&r, "malloc", (long)size);
	fd = sys_open(path, O_RDONLY, 0);
	if (fd < 0)
		return fail(&r, "open", fd);
	if ((err = aio_waiter_create(&r.w, MAX_INFLIGHT)) < 0)
		return fail(&r, "waiter", err);
	for (unsigned s = 0; s < n; s++)
		if ((err = submit_next(&r, (int)fd, s)))
			return fail(&r, "submit", err);
	while (r.inflight) {
		k = aio_wait(&r.w, ev, MAX_INFLIGHT, WAIT_NS);
		if (k <= 0)
			return fail(&r, k ? "wait" : "no event within 60 s", k);
		for (int i = 0; i < k; i++)
			if (complete(&r, (int)fd, &ev[i]))
				return 1;
	}
	sha256_init(&h);
	sha256_update(&h, r.data, size);
	sha256_final(&h, digest);
	sha256_hex(digest, hex);
	printf("fatconc %u reads %u sha %s\n", n, r.done, hex);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 5)
		return conc(argv[1], strtoul(argv[2], NULL, 10),
			    (unsigned)strtoul(argv[3], NULL, 10), strtoul(argv[4], NULL, 10));
	printf("usage: fatconc FILE SIZE N CHUNK\n");
	return 2;
}
