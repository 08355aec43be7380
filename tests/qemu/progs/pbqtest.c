/*
 * pbqtest - provided-buffer queues end to end, for tests/qemu/test_pbq.py
 * (not a user command). A multishot READ with TIO_SQE_PBQ is the consumer:
 * it takes a buffer per chunk and names it in each TIO_EV_BUF event.
 *
 *   pbqtest recycle   take, recycle (SYS_pbq_recycle), take again: the same
 *                     buffer comes back with the right data; the ABI's errors
 *   pbqtest ring      a waiter's event ring filled by multishot events: the
 *                     read ends with -EAGAIN, arming another slot is -EAGAIN
 *                     until the events are collected, no final event is lost
 *
 * Each prints "pbq <name> ok" or "pbq <name> FAILED: <check> (line N)".
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <tio/aio.h>
#include <tio/start.h>
#include <tio/sys.h>

#define FILE_LEN 1000
#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c)) {                                                                        \
			printf("pbq %s FAILED: %s (line %d)\n", name, #c, __LINE__);               \
			return 1;                                                                  \
		}                                                                                  \
	} while (0)

static const char *name = "?";
static char data[FILE_LEN];

/* /tmp/pbq with a known pattern; an open descriptor or -errno. */
static long make_file(void)
{
	long fd = sys_open("/tmp/pbq", O_RDWR | O_CREAT | O_TRUNC, 0644);

	for (unsigned i = 0; i < FILE_LEN; i++)
		data[i] = (char)(i * 7 % 251);
	if (fd >= 0 && sys_write((int)fd, data, FILE_LEN) != FILE_LEN)
		return -EIO;
	return fd;
}

/* Submits a provided-buffer read of [off, off + len) of @fd on @slot. */
static int read_pbq(struct aio_waiter *w, unsigned slot, int fd, struct aio_pbq *q, uint64_t off,
		    uint64_t len)
{
	struct tio_sqe sqe;

	aio_prep_read_pbq(&sqe, fd, q->fd, off, len);
	return aio_submit(w, slot, &sqe);
}

/* Event @e is a chunk of @len bytes at @off in buffer @id, on @slot. */
static int chunk_ok(struct aio_pbq *q, const struct tio_event *e, unsigned slot, unsigned id,
		    uint64_t off, long len)
{
	return e->slot == slot && e->flags == (TIO_EV_MORE | TIO_EV_BUF) && e->buf == id &&
	       e->result == len && !memcmp(aio_pbq_buf(q, id), data + off, (size_t)len);
}

static int recycle(void)
{
	struct aio_waiter w;
	struct aio_pbq q;
	struct tio_event ev[8];
	struct tio_sqe sqe;
	long fd = make_file();

	name = "recycle";
	CHECK(fd >= 0 && aio_waiter_create(&w, 4) == 0 && aio_pbq_create(&q, 2, 256, 1) == 0);
	/* Two buffers for 1000 bytes: two chunks, then the queue is dry. */
	CHECK(read_pbq(&w, 0, (int)fd, &q, 0, FILE_LEN) == 0);
	CHECK(aio_wait(&w, ev, 8, 1000000000) == 3);
	CHECK(chunk_ok(&q, &ev[0], 0, 0, 0, 256) && chunk_ok(&q, &ev[1], 0, 1, 256, 256));
	CHECK(ev[2].slot == 0 && ev[2].flags == 0 && ev[2].result == -ENOBUFS);
	/* Giving back is recycle's job: provide says the id is there already. */
	CHECK(sys_pbq_provide(q.fd, 0, aio_pbq_buf(&q, 0), 256) == -EEXIST);
	CHECK(aio_pbq_recycle(&q, 0) == 0);
	CHECK(sys_pbq_recycle(q.fd, 0) == -EINVAL); /* queued, not taken */
	CHECK(sys_pbq_recycle(q.fd, 64) == -EINVAL && sys_pbq_recycle(w.fd, 1) == -EBADF);
	/* Take again: the recycled buffer, with the next part of the file. */
	CHECK(read_pbq(&w, 1, (int)fd, &q, 512, FILE_LEN - 512) == 0);
	CHECK(aio_wait(&w, ev, 8, 1000000000) == 2);
	CHECK(chunk_ok(&q, &ev[0], 1, 0, 512, 256));
	CHECK(ev[1].slot == 1 && ev[1].flags == 0 && ev[1].result == -ENOBUFS);
	/* Both back: the end of the file in buffer 1, then end of file (0). */
	CHECK(aio_pbq_recycle(&q, 1) == 0 && aio_pbq_recycle(&q, 0) == 0);
	CHECK(read_pbq(&w, 2, (int)fd, &q, 768, 4096) == 0);
	CHECK(aio_wait(&w, ev, 8, 1000000000) == 2);
	CHECK(chunk_ok(&q, &ev[0], 2, 1, 768, FILE_LEN - 768));
	CHECK(ev[1].slot == 2 && ev[1].flags == 0 && ev[1].result == 0);
	/* The ABI's refusals: SYS_submit's own answer, so synchronous submits. */
	aio_prep_read_pbq(&sqe, (int)fd, q.fd, 0, 16);
	sqe.flags = TIO_SQE_PBQ; /* single-shot: no event could name the buffer */
	CHECK(aio_submit_sync(&w, 3, &sqe) == -EINVAL);
	aio_prep_read_pbq(&sqe, (int)fd, q.fd, TIO_OFFSET_CUR, 16);
	CHECK(aio_submit_sync(&w, 3, &sqe) == -EINVAL);
	aio_prep_read_pbq(&sqe, (int)fd, w.fd, 0, 16);
	CHECK(aio_submit_sync(&w, 3, &sqe) == -EBADF);
	CHECK(aio_pbq_destroy(&q) == 0 && aio_waiter_destroy(&w) == 0 && sys_close((int)fd) == 0);
	printf("pbq recycle ok\n");
	return 0;
}

/* Rounds of 4 chunks + a final event that fit a 64-entry ring without collecting. */
#define ROUNDS 12

static int ring(void)
{
	struct aio_waiter w;
	struct aio_pbq q;
	struct tio_event ev[64];
	long fd = make_file();
	unsigned r, i, finals = 0;

	name = "ring";
	/* The waiter's own event space, not shared rings (whose CQ holds the events instead). */
	CHECK(fd >= 0 && aio_waiter_create_sys(&w, 16) == 0 && aio_pbq_create(&q, 4, 16, 1) == 0);
	for (r = 0; r < ROUNDS; r++) {
		CHECK(read_pbq(&w, r, (int)fd, &q, 0, 64) == 0); /* 4 chunks, final 0 */
		for (i = 0; i < 4; i++)
			CHECK(aio_pbq_recycle(&q, i) == 0); /* without collecting the events */
	}
	/* 60 events wait: 3 more chunks fit beside slot 12's reserved final entry. */
	CHECK(read_pbq(&w, ROUNDS, (int)fd, &q, 0, 64) == 0);
	CHECK(read_pbq(&w, ROUNDS + 1, (int)fd, &q, 0, 64) == -EAGAIN); /* no entry to reserve */
	CHECK(aio_wait(&w, ev, 64, 1000000000) == 64);
	for (i = 0; i < 64; i++) {
		r = i / 5;
		if (r == ROUNDS && i % 5 == 3) {
			CHECK(ev[i].slot == r && ev[i].flags == 0 && ev[i].result == -EAGAIN);
			finals++;
		} else if (r == ROUNDS) {
			CHECK(ev[i].slot == r && ev[i].flags == (TIO_EV_MORE | TIO_EV_BUF));
			CHECK(ev[i].buf == i % 5 && ev[i].result == 16);
		} else if (i % 5 == 4) {
			CHECK(ev[i].slot == r && ev[i].flags == 0 && ev[i].result == 0);
			finals++;
		} else {
			CHECK(ev[i].slot == r && ev[i].buf == i % 5 && ev[i].result == 16);
		}
	}
	CHECK(finals == ROUNDS + 1);
	/* The dropped chunk's buffer went back to the queue by itself. */
	CHECK(sys_pbq_recycle(q.fd, 3) == -EINVAL);
	for (i = 0; i < 3; i++)
		CHECK(aio_pbq_recycle(&q, i) == 0);
	CHECK(read_pbq(&w, ROUNDS + 1, (int)fd, &q, 0, 16) == 0);
	CHECK(aio_wait(&w, ev, 64, 1000000000) == 2 && chunk_ok(&q, &ev[0], ROUNDS + 1, 3, 0, 16));
	CHECK(ev[1].flags == 0 && ev[1].result == 0);
	CHECK(aio_pbq_destroy(&q) == 0 && aio_waiter_destroy(&w) == 0 && sys_close((int)fd) == 0);
	printf("pbq ring ok\n");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "recycle"))
		return recycle();
	if (argc == 2 && !strcmp(argv[1], "ring"))
		return ring();
	printf("usage: pbqtest recycle|ring\n");
	return 2;
}
