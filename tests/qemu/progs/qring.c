/*
 * qring - the shared-ring protocol tests (tests/qemu/test_ring.py).
 *
 *   qring proto          every protocol check below, one line each ("ok NAME"
 *                        or "FAIL NAME: ..."), then "qring proto: N failed"
 *   qring pending        fills a ring with ops that never finish (pipe reads,
 *                        NOPs with a one-hour timeout) and with completions
 *                        the CQ cannot take, prints what it left, and exits
 *                        without closing anything
 *   qring writer N ID    (a producer for proto) writes N 16-byte records
 *                        "ID SEQ" to stdout
 *   qring victim         (for proto) 3000 NOPs through its own ring, every
 *                        event checked; "qring victim: ok" or a FAIL line
 *   qring inline         the checks of inline completion (NOPs, and reads and
 *                        writes of tmpfs into registered buffers, finish in
 *                        their SYS_ring_enter or SYS_submit without an op),
 *                        then 3000 NOPs and 200 such reads for the test to
 *                        count the async ops they did not submit;
 *                        "qring inline: N failed"
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tio/aio.h>
#include <tio/ring.h>
#include <tio/start.h>
#include <tio/sys.h>

#define MS	 1000000ULL
#define SEC	 (1000 * MS)
#define REC	 16 /* bytes of one writer record */
#define WRITERS	 4
#define RECORDS	 300
#define NOPSLOTS 4

static int failures;

#define FAIL(name, ...)                                                                            \
	do {                                                                                       \
		printf("FAIL %s: ", name);                                                         \
		printf(__VA_ARGS__);                                                               \
		printf("\n");                                                                      \
		failures++;                                                                        \
		return;                                                                            \
	} while (0)

static void ok(const char *name)
{
	printf("ok %s\n", name);
}

static struct tio_sqe *nop(struct aio_ring *r, unsigned slot, uint64_t timeout_ns)
{
	struct tio_sqe *s = aio_ring_sqe(r, slot);

	if (s) {
		s->opcode = TIO_OP_NOP;
		s->timeout_ns = timeout_ns;
	}
	return s;
}

static struct tio_sqe *read_op(struct aio_ring *r, unsigned slot, int fd, void *buf, size_t len)
{
	struct tio_sqe *s = aio_ring_sqe(r, slot);

	if (s) {
		s->opcode = TIO_OP_READ;
		s->fd = fd;
		s->addr = (uint64_t)(uintptr_t)buf;
		s->len = len;
		s->offset = TIO_OFFSET_CUR;
	}
	return s;
}

/* ---- setup errors ---- */

static void setup_errors(void)
{
	long mem = sys_mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE);
	long wfd = sys_waiter_create(4), e;
	struct aio_ring r;

	if (mem < 0 || wfd < 0)
		FAIL("setup_errors", "mmap %ld waiter %ld", mem, wfd);
	if ((e = sys_ring_setup((int)wfd, (void *)mem, 4096, 3, 4)) != -EINVAL)
		FAIL("setup_errors", "sq 3: %ld", e);
	if ((e = sys_ring_setup((int)wfd, (void *)mem, 4096, 64, 1024)) != -EINVAL)
		FAIL("setup_errors", "too big for the region: %ld", e);
	if ((e = sys_ring_setup((int)wfd, (void *)(mem + 8), 4096, 4, 4)) != -EINVAL)
		FAIL("setup_errors", "unaligned: %ld", e);
	if ((e = sys_ring_setup((int)wfd, (void *)0x1000, 4096, 4, 4)) != -EFAULT)
		FAIL("setup_errors", "unmapped: %ld", e);
	if ((e = sys_ring_setup(0, (void *)mem, 4096, 4, 4)) != -EBADF)
		FAIL("setup_errors", "not a waiter: %ld", e);
	if ((e = sys_ring_enter((int)wfd, 0, 0, 0)) != -EINVAL)
		FAIL("setup_errors", "enter without a ring: %ld", e);
	if ((e = sys_ring_setup((int)wfd, (void *)mem, 4096, 4, 4)) != 0)
		FAIL("setup_errors", "setup: %ld", e);
	if ((e = sys_ring_setup((int)wfd, (void *)(mem + 4096), 4096, 4, 4)) != -EBUSY)
		FAIL("setup_errors", "second ring: %ld", e);
	if ((e = sys_munmap((void *)mem, 4096)) != -EBUSY)
		FAIL("setup_errors", "munmap of a pinned ring: %ld", e);
	if ((e = sys_ring_enter((int)wfd, 0, 5, 0)) != -EINVAL)
		FAIL("setup_errors", "min_complete > cq_entries: %ld", e);
	sys_close((int)wfd);
	if ((e = sys_munmap((void *)mem, 4 * 4096)) != 0)
		FAIL("setup_errors", "munmap after close: %ld", e);
	if ((e = aio_ring_create(&r, 4, 4, 4)) != 0)
		FAIL("setup_errors", "aio_ring_create: %ld", e);
	aio_ring_destroy(&r);
	ok("setup_errors");
}

/* ---- wrap-around: a 4-entry SQ and an 8-entry CQ go round hundreds of times ---- */

static void wrap_around(void)
{
	struct aio_ring r;
	struct tio_event ev[8];
	unsigned total = 0;

	if (aio_ring_create(&r, 8, 4, 8))
		FAIL("wrap_around", "create");
	for (unsigned round = 0; round < 1000; round++) {
		unsigned k = 1 + round % 4, seen = 0, n;
		long e;

		for (unsigned i = 0; i < k; i++)
			if (!nop(&r, i, round % 5 == 0 ? MS : 0))
				FAIL("wrap_around", "SQ full at round %u", round);
		e = aio_ring_enter(&r, k, 10 * SEC);
		if (e != (long)k)
			FAIL("wrap_around", "round %u: enter %ld, want %u", round, e, k);
		n = aio_ring_peek(&r, ev, 8);
		if (n != k)
			FAIL("wrap_around", "round %u: %u events, want %u", round, n, k);
		for (unsigned i = 0; i < n; i++) {
			int64_t want = round % 5 == 0 ? -ETIMEDOUT : 0;

			if (ev[i].slot >= k || (seen & (1u << ev[i].slot)) ||
			    ev[i].result != want || ev[i].flags)
				FAIL("wrap_around", "round %u: event slot %u result %ld flags %u",
				     round, ev[i].slot, (long)ev[i].result, ev[i].flags);
			seen |= 1u << ev[i].slot;
		}
		total += k;
	}
	if (r.hdr->sq_head != total || r.hdr->cq_tail != total || r.hdr->cq_head != total ||
	    r.hdr->cq_overflow)
		FAIL("wrap_around", "indices sq_head %u cq_tail %u cq_head %u overflow %u, want %u",
		     r.hdr->sq_head, r.hdr->cq_tail, r.hdr->cq_head, r.hdr->cq_overflow, total);
	aio_ring_destroy(&r);
	ok("wrap_around");
}

/* ---- one slot used by every entry of a batch: each entry's event frees it for the next ---- */

static void one_slot_whole_batch(void)
{
	struct aio_ring r;
	struct tio_event ev[8];
	unsigned n;
	long e;

	if (aio_ring_create(&r, 1, 8, 8))
		FAIL("one_slot_whole_batch", "create");
	for (unsigned round = 0; round < 50; round++) {
		for (unsigned i = 0; i < 8; i++)
			if (!nop(&r, 0, 0))
				FAIL("one_slot_whole_batch", "SQ full at round %u", round);
		e = aio_ring_enter(&r, 8, 10 * SEC);
		if (e != 8)
			FAIL("one_slot_whole_batch", "round %u: enter %ld, want 8", round, e);
		n = aio_ring_peek(&r, ev, 8);
		if (n != 8)
			FAIL("one_slot_whole_batch", "round %u: %u events, want 8", round, n);
		for (unsigned i = 0; i < n; i++)
			if (ev[i].slot != 0 || ev[i].result != 0 || ev[i].flags)
				FAIL("one_slot_whole_batch", "round %u: event slot %u result %ld",
				     round, ev[i].slot, (long)ev[i].result);
	}
	if (r.hdr->sq_head != 400 || r.hdr->cq_tail != 400 || r.hdr->cq_overflow)
		FAIL("one_slot_whole_batch", "sq_head %u cq_tail %u overflow %u, want 400 400 0",
		     r.hdr->sq_head, r.hdr->cq_tail, r.hdr->cq_overflow);
	aio_ring_destroy(&r);
	ok("one_slot_whole_batch");
}

/* ---- a full CQ: events are held, never dropped; the overflow is reported ---- */

static void cq_full_overflow(void)
{
	unsigned count[16] = {0}, got = 0;
	struct tio_event ev[4];
	struct aio_ring r;
	long e;

	if (aio_ring_create(&r, 16, 16, 4))
		FAIL("cq_full_overflow", "create");
	for (unsigned i = 0; i < 16; i++)
		nop(&r, i, 0);
	if ((e = aio_ring_enter(&r, 0, 0)) != 16)
		FAIL("cq_full_overflow", "enter %ld", e);
	if (r.hdr->cq_tail - r.hdr->cq_head != 4 || !(r.hdr->flags & TIO_RING_F_CQ_OVERFLOW) ||
	    r.hdr->cq_overflow != 12)
		FAIL("cq_full_overflow", "after 16 NOPs: %u in the CQ, flags %#x, overflow %u",
		     r.hdr->cq_tail - r.hdr->cq_head, r.hdr->flags, r.hdr->cq_overflow);
	/* Slot 5's final event is held: the slot is not free, so this entry waits. */
	nop(&r, 5, 0);
	if ((e = aio_ring_enter(&r, 0, 0)) != -EBUSY || r.hdr->sq_head != 16)
		FAIL("cq_full_overflow", "resubmit of a held slot: %ld, sq_head %u", e,
		     r.hdr->sq_head);
	for (int spins = 0; got < 17 && spins < 100; spins++) {
		unsigned n = aio_ring_peek(&r, ev, 4);

		for (unsigned i = 0; i < n; i++) {
			if (ev[i].slot >= 16 || ev[i].result != 0)
				FAIL("cq_full_overflow", "event slot %u result %ld", ev[i].slot,
				     (long)ev[i].result);
			count[ev[i].slot]++;
		}
		got += n;
		e = sys_ring_enter(r.wfd, r.sq_tail - r.hdr->sq_head, 0, 0);
		if (e < 0 && e != -EBUSY)
			FAIL("cq_full_overflow", "enter while draining: %ld", e);
	}
	for (unsigned i = 0; i < 16; i++)
		if (count[i] != (i == 5 ? 2u : 1u))
			FAIL("cq_full_overflow", "slot %u: %u events", i, count[i]);
	/* 13 held: slot 5's second NOP completed while older events were still
	 * held, so it queued behind them (events keep their order). */
	if (got != 17 || (r.hdr->flags & TIO_RING_F_CQ_OVERFLOW) || r.hdr->cq_overflow != 13)
		FAIL("cq_full_overflow", "%u events, flags %#x, overflow %u", got, r.hdr->flags,
		     r.hdr->cq_overflow);
	aio_ring_destroy(&r);
	ok("cq_full_overflow");
}

/* ---- many producers: writer processes and the timer complete into one small CQ ---- */

static long spawn_writer(unsigned id, int wr)
{
	char n[16], i[16];
	const char *argv[] = {"qring", "writer", n, i, NULL};
	struct tio_spawn sp = {.path = "/bin/qring", .argv = argv, .fds = {-1, wr, -1}};

	snprintf(n, sizeof(n), "%u", RECORDS);
	snprintf(i, sizeof(i), "%u", id);
	return sys_spawn(&sp);
}

struct producer {
	int rd;
	unsigned next; /* next record expected */
	bool eof;
	char buf[4 * REC];
};

/* Checks the records of one read; returns false (after FAIL) on a bad one. */
static bool take_records(struct producer *w, unsigned id, const char *buf, long n)
{
	if (n % REC)
		return false;
	for (long off = 0; off < n; off += REC) {
		char want[REC + 1];

		snprintf(want, sizeof(want), "%u %013u", id, w->next);
		if (memcmp(buf + off, want, REC - 1) || buf[off + REC - 1] != '\n')
			return false;
		w->next++;
	}
	return true;
}

static void many_producers(void)
{
	struct producer w[WRITERS];
	long pid[WRITERS];
	unsigned live = WRITERS, nops = 0;
	struct tio_event ev[8];
	struct aio_ring r;
	int fds[2];

	if (aio_ring_create(&r, WRITERS + NOPSLOTS, 8, 4))
		FAIL("many_producers", "create");
	for (unsigned i = 0; i < WRITERS; i++) {
		if (sys_pipe(fds))
			FAIL("many_producers", "pipe");
		pid[i] = spawn_writer(i, fds[1]);
		sys_close(fds[1]);
		w[i] = (struct producer){.rd = fds[0]};
		read_op(&r, i, w[i].rd, w[i].buf, sizeof(w[i].buf));
	}
	for (unsigned i = 0; i < NOPSLOTS; i++)
		nop(&r, WRITERS + i, MS);
	while (live) {
		long n = aio_ring_enter(&r, 1, 20 * SEC);
		unsigned k;

		if (n < 0)
			FAIL("many_producers", "enter %ld", n);
		k = aio_ring_peek(&r, ev, 8);
		if (k == 0)
			FAIL("many_producers", "no event in 20 s (%u writers left)", live);
		for (unsigned j = 0; j < k; j++) {
			unsigned s = ev[j].slot;

			if (s >= WRITERS) {
				if (ev[j].result != -ETIMEDOUT)
					FAIL("many_producers", "NOP %u: %ld", s,
					     (long)ev[j].result);
				nops++;
				nop(&r, s, MS);
				continue;
			}
			if (ev[j].result == 0) {
				w[s].eof = true;
				live--;
				continue;
			}
			if (!take_records(&w[s], s, w[s].buf, ev[j].result))
				FAIL("many_producers",
				     "writer %u: bad data (%ld bytes) at record %u", s,
				     (long)ev[j].result, w[s].next);
			read_op(&r, s, w[s].rd, w[s].buf, sizeof(w[s].buf));
		}
	}
	for (unsigned i = 0; i < WRITERS; i++) {
		int st = -1;

		sys_waitpid((int)pid[i], &st, 0);
		if (w[i].next != RECORDS || st != 0)
			FAIL("many_producers", "writer %u: %u records, status %d", i, w[i].next,
			     st);
		sys_close(w[i].rd);
	}
	printf("many_producers: %u timer completions, %u events held\n", nops, r.hdr->cq_overflow);
	aio_ring_destroy(&r);
	ok("many_producers");
}

/* ---- a process scribbling over its ring while ops are in flight ---- */

static long spawn_victim(void)
{
	const char *argv[] = {"qring", "victim", NULL};
	struct tio_spawn sp = {.path = "/bin/qring", .argv = argv, .fds = {-1, -1, -1}};

	return sys_spawn(&sp);
}

static void scribble(void)
{
	static char buf[64];
	struct tio_event ev[8];
	struct tio_sqe *s;
	struct aio_ring r;
	unsigned seen = 0;
	long victim, e;
	int fds[2], st = -1;
	uint32_t save;

	victim = spawn_victim();
	if (aio_ring_create(&r, 8, 8, 8) || sys_pipe(fds) || victim < 0)
		FAIL("scribble", "setup (victim %ld)", victim);
	read_op(&r, 0, fds[0], buf, sizeof(buf));
	for (unsigned i = 1; i <= 3; i++)
		nop(&r, i, 30 * MS);
	if ((e = aio_ring_enter(&r, 0, 0)) != 4)
		FAIL("scribble", "enter %ld", e);
	/* The submitted entry is rewritten: the kernel copied it already. */
	memset(&r.sq[0], 0xff, sizeof(r.sq[0]));
	/* sq_tail far past sq_head. */
	save = r.hdr->sq_tail;
	r.hdr->sq_tail = save + 1000;
	if ((e = sys_ring_enter(r.wfd, 1000, 0, 0)) != -EINVAL || r.hdr->sq_head != save)
		FAIL("scribble", "sq_tail + 1000: %ld, sq_head %u", e, r.hdr->sq_head);
	r.hdr->sq_tail = save;
	/* cq_head ahead of cq_tail: the NOPs' timeouts find no room, they are held. */
	r.hdr->cq_head = r.hdr->cq_tail + 100;
	if ((e = sys_ring_enter(r.wfd, 0, 1, SEC)) != -EINVAL)
		FAIL("scribble", "wait with cq_head ahead: %ld", e);
	sys_sleep_ns(100 * MS);
	if (!(r.hdr->flags & TIO_RING_F_CQ_OVERFLOW) || r.hdr->cq_tail != 0)
		FAIL("scribble", "nonsense cq_head: flags %#x cq_tail %u", r.hdr->flags,
		     r.hdr->cq_tail);
	r.hdr->cq_head = 0;
	/* The kernel's own indices, scribbled: it keeps its copies. */
	r.hdr->sq_head = 12345;
	r.hdr->cq_tail = 999;
	s = nop(&r, 4, 0);
	if (s == NULL) /* aio_ring_sqe believed the scribbled sq_head */
		r.sq[r.sq_tail++ & 7] = (struct tio_ring_sqe){.slot = 4};
	/* A bad opcode on slot 5: its error is slot 5's completion. */
	r.sq[r.sq_tail++ & 7] = (struct tio_ring_sqe){.slot = 5, .sqe.opcode = 999};
	if ((e = aio_ring_enter(&r, 0, 0)) != 2 || r.hdr->sq_head != save + 2)
		FAIL("scribble", "enter after scribbling sq_head: %ld, sq_head %u", e,
		     r.hdr->sq_head);
	if (sys_write(fds[1], "hello", 5) != 5)
		FAIL("scribble", "write");
	for (int spins = 0; seen != 0x3f && spins < 50; spins++) {
		unsigned n = (unsigned)aio_ring_wait(&r, ev, 8, SEC);

		for (unsigned i = 0; i < n; i++) {
			int64_t want = ev[i].slot == 0	 ? 5
				       : ev[i].slot <= 3 ? -ETIMEDOUT
				       : ev[i].slot == 4 ? 0
							 : -EINVAL;

			if (ev[i].slot > 5 || (seen & (1u << ev[i].slot)) || ev[i].result != want)
				FAIL("scribble", "event slot %u result %ld", ev[i].slot,
				     (long)ev[i].result);
			seen |= 1u << ev[i].slot;
		}
	}
	if (seen != 0x3f || memcmp(buf, "hello", 5) || r.hdr->cq_tail != 6)
		FAIL("scribble", "events %#x, buf %.5s, cq_tail %u", seen, buf, r.hdr->cq_tail);
	sys_waitpid((int)victim, &st, 0);
	if (st != 0)
		FAIL("scribble", "the other process's ring: status %d", st);
	sys_close(fds[0]);
	sys_close(fds[1]);
	aio_ring_destroy(&r);
	ok("scribble");
}

/* ---- inline completion ---- */

/* Queues an entry that reads or writes @len bytes at @addr of registered buffer @idx. */
static struct tio_sqe *rw_fixed(struct aio_ring *r, unsigned slot, unsigned op, int fd,
				unsigned idx, uint64_t addr, uint32_t len, uint64_t off)
{
	struct tio_sqe *s = aio_ring_sqe(r, slot);

	if (s) {
		s->opcode = (uint8_t)op;
		s->flags = TIO_SQE_REGBUF;
		s->fd = fd;
		s->buf_index = idx;
		s->addr = addr;
		s->len = len;
		s->offset = off;
	}
	return s;
}

/* One entry already queued: submits it, waits for its event, returns its result. */
static int64_t one(struct aio_ring *r, unsigned slot)
{
	struct tio_event ev;
	long e = aio_ring_enter(r, 1, 10 * SEC);

	if (e != 1 || aio_ring_peek(r, &ev, 1) != 1)
		return -1000 - e;
	return ev.slot == slot ? ev.result : -2000;
}

/* A NOP whose slot is busy stays queued with the ones after it, as an op's would. */
static void inline_busy_slot(void)
{
	struct tio_event ev[4];
	struct aio_ring r;
	long e;

	if (aio_ring_create(&r, 4, 4, 4))
		FAIL("inline_busy_slot", "create");
	nop(&r, 0, 3600 * SEC); /* parked: slot 0 stays armed */
	if ((e = aio_ring_enter(&r, 0, 0)) != 1)
		FAIL("inline_busy_slot", "park: %ld", e);
	nop(&r, 1, 0);
	nop(&r, 0, 0);
	nop(&r, 2, 0);
	if ((e = aio_ring_enter(&r, 0, 0)) != 1 || aio_ring_peek(&r, ev, 4) != 1 || ev[0].slot != 1)
		FAIL("inline_busy_slot", "enter %ld, want 1 and slot 1's event", e);
	if ((e = aio_ring_enter(&r, 0, 0)) != -EBUSY || aio_ring_queued(&r) != 2)
		FAIL("inline_busy_slot", "enter on the busy slot: %ld, %u queued", e,
		     aio_ring_queued(&r));
	if ((e = sys_cancel(r.wfd, 0)) != 0 || (e = sys_ring_enter(r.wfd, 0, 1, 10 * SEC)) != 0 ||
	    aio_ring_peek(&r, ev, 4) != 1 || ev[0].slot != 0 || ev[0].result != -ECANCELED)
		FAIL("inline_busy_slot", "cancel of the parked NOP: %ld", e);
	if ((e = aio_ring_enter(&r, 2, 10 * SEC)) != 2 || aio_ring_peek(&r, ev, 4) != 2 ||
	    ev[0].slot != 0 || ev[1].slot != 2 || ev[0].result || ev[1].result)
		FAIL("inline_busy_slot", "the two queued NOPs: enter %ld", e);
	aio_ring_destroy(&r);
	ok("inline_busy_slot");
}

/* Reads and writes of a tmpfs file into a registered buffer: results, offsets, errors. */
static void inline_tmpfs_rw(void)
{
	static char buf[3 * 4096] __attribute__((aligned(4096)));
	int fd = (int)sys_open("/tmp/qring.dat", O_RDWR | O_CREAT | O_TRUNC, 0644);
	int wo = (int)sys_open("/tmp/qring.dat", O_WRONLY, 0);
	int idx = aio_buf_register(buf, sizeof(buf), TIO_BUF_READ | TIO_BUF_WRITE);
	struct aio_ring r;
	int64_t res;

	if (fd < 0 || wo < 0 || idx < 0 || aio_ring_create(&r, 4, 4, 4))
		FAIL("inline_tmpfs_rw", "setup: fd %d wo %d buffer %d", fd, wo, idx);
	for (unsigned i = 0; i < 8192; i++)
		buf[i] = (char)(i / 4096 + 'a');
	if ((res = (rw_fixed(&r, 1, TIO_OP_WRITE, fd, idx, 0, 8192, 0), one(&r, 1))) != 8192)
		FAIL("inline_tmpfs_rw", "write 8 KiB: %ld", (long)res);
	memset(buf, 0, sizeof(buf));
	if ((res = (rw_fixed(&r, 2, TIO_OP_READ, fd, idx, 4096, 4096, 4096), one(&r, 2))) != 4096 ||
	    buf[4096] != 'b' || buf[8191] != 'b' || buf[0])
		FAIL("inline_tmpfs_rw", "read at 4096: %ld, '%c'", (long)res, buf[4096]);
	/* From the file's offset (0: explicit offsets leave it alone), twice, then at EOF. */
	if ((res = (rw_fixed(&r, 0, TIO_OP_READ, fd, idx, 0, 4096, TIO_OFFSET_CUR), one(&r, 0))) !=
		4096 ||
	    buf[0] != 'a')
		FAIL("inline_tmpfs_rw", "first read at the file offset: %ld '%c'", (long)res,
		     buf[0]);
	if ((res = (rw_fixed(&r, 0, TIO_OP_READ, fd, idx, 0, 4096, TIO_OFFSET_CUR), one(&r, 0))) !=
		4096 ||
	    buf[0] != 'b')
		FAIL("inline_tmpfs_rw", "second read at the file offset: %ld '%c'", (long)res,
		     buf[0]);
	if ((res = (rw_fixed(&r, 0, TIO_OP_READ, fd, idx, 0, 4096, TIO_OFFSET_CUR), one(&r, 0))) !=
	    0)
		FAIL("inline_tmpfs_rw", "read at end of file: %ld", (long)res);
	if ((res = (rw_fixed(&r, 3, TIO_OP_READ, wo, idx, 0, 4096, 0), one(&r, 3))) != -EBADF)
		FAIL("inline_tmpfs_rw", "read of a write-only file: %ld", (long)res);
	if ((res = (rw_fixed(&r, 3, TIO_OP_READ, 99, idx, 0, 4096, 0), one(&r, 3))) != -EBADF)
		FAIL("inline_tmpfs_rw", "read of a closed fd: %ld", (long)res);
	if ((res = (rw_fixed(&r, 3, TIO_OP_READ, fd, idx, 8192, 8192, 0), one(&r, 3))) != -EINVAL)
		FAIL("inline_tmpfs_rw", "read past the buffer's end: %ld", (long)res);
	if ((res = (rw_fixed(&r, 3, TIO_OP_WRITE, fd, idx, 4096, 100, 12288), one(&r, 3))) != 100 ||
	    sys_lseek(fd, 0, 2) != 12388)
		FAIL("inline_tmpfs_rw", "write at 12288: %ld", (long)res);
	aio_ring_destroy(&r);
	aio_buf_unregister((unsigned)idx);
	sys_close(fd);
	sys_close(wo);
	ok("inline_tmpfs_rw");
}

/* A registered-buffer READ of a file that cannot answer at once (a pipe) is an op that waits. */
static void inline_fallback(void)
{
	static char buf[4096] __attribute__((aligned(4096)));
	int idx = aio_buf_register(buf, sizeof(buf), TIO_BUF_READ | TIO_BUF_WRITE);
	struct tio_event ev;
	struct aio_ring r;
	int fds[2];
	long e;

	if (idx < 0 || sys_pipe(fds) || aio_ring_create(&r, 4, 4, 4))
		FAIL("inline_fallback", "setup");
	rw_fixed(&r, 1, TIO_OP_READ, fds[0], idx, 100, 64, TIO_OFFSET_CUR);
	if ((e = aio_ring_enter(&r, 0, 0)) != 1 || aio_ring_peek(&r, &ev, 1) != 0)
		FAIL("inline_fallback", "enter %ld, or an event before the write", e);
	if (sys_write(fds[1], "hi", 2) != 2 || sys_ring_enter(r.wfd, 0, 1, 10 * SEC) != 0 ||
	    aio_ring_peek(&r, &ev, 1) != 1 || ev.slot != 1 || ev.result != 2 ||
	    memcmp(buf + 100, "hi", 2))
		FAIL("inline_fallback", "the read's event: slot %u result %ld", ev.slot,
		     (long)ev.result);
	aio_ring_destroy(&r);
	aio_buf_unregister((unsigned)idx);
	sys_close(fds[0]);
	sys_close(fds[1]);
	ok("inline_fallback");
}

/* Events of one batch reach the CQ in submission order, inline or not. */
static void inline_order(void)
{
	static char buf[4096] __attribute__((aligned(4096)));
	static char pbuf[16];
	int fd = (int)sys_open("/tmp/qring.dat", O_RDWR | O_CREAT | O_TRUNC, 0644);
	int idx = aio_buf_register(buf, sizeof(buf), TIO_BUF_READ | TIO_BUF_WRITE);
	struct tio_event ev[8];
	struct aio_ring r;
	int fds[2];
	long e;

	if (fd < 0 || idx < 0 || sys_pipe(fds) || aio_ring_create(&r, 8, 8, 8))
		FAIL("inline_order", "setup");
	read_op(&r, 0, fds[0], pbuf, sizeof(pbuf)); /* pends: an op */
	nop(&r, 1, 0);
	rw_fixed(&r, 2, TIO_OP_WRITE, fd, idx, 0, 10, 0);
	nop(&r, 3, 0);
	nop(&r, 4, 1); /* a 1 ns deadline: an op, its event comes later */
	nop(&r, 5, 0);
	if ((e = aio_ring_enter(&r, 4, 10 * SEC)) != 6 || aio_ring_peek(&r, ev, 4) != 4)
		FAIL("inline_order", "enter %ld", e);
	if (ev[0].slot != 1 || ev[1].slot != 2 || ev[1].result != 10 || ev[2].slot != 3 ||
	    (ev[3].slot != 4 && ev[3].slot != 5))
		FAIL("inline_order", "events %u %u %u %u", ev[0].slot, ev[1].slot, ev[2].slot,
		     ev[3].slot);
	if (sys_write(fds[1], "x", 1) != 1 || aio_ring_enter(&r, 2, 10 * SEC) != 0 ||
	    aio_ring_peek(&r, ev, 4) != 2)
		FAIL("inline_order", "the pipe read and the last NOP");
	aio_ring_destroy(&r);
	aio_buf_unregister((unsigned)idx);
	sys_close(fd);
	sys_close(fds[0]);
	sys_close(fds[1]);
	ok("inline_order");
}

/* SYS_submit completes a NOP inline too: same slot rules, the event waits in the waiter. */
static void inline_submit(void)
{
	struct tio_sqe parked = {.opcode = TIO_OP_NOP, .timeout_ns = 3600 * SEC};
	struct tio_sqe plain = {.opcode = TIO_OP_NOP};
	long wfd = sys_waiter_create(2), e;
	struct tio_event ev;

	if (wfd < 0 || sys_submit((int)wfd, 0, &parked) != 0)
		FAIL("inline_submit", "setup %ld", wfd);
	if ((e = sys_submit((int)wfd, 0, &plain)) != -EBUSY ||
	    (e = sys_submit((int)wfd, 2, &plain)) != -EINVAL)
		FAIL("inline_submit", "busy or missing slot: %ld", e);
	for (unsigned i = 0; i < 1000; i++)
		if ((e = sys_submit((int)wfd, 1, &plain)) != 0 ||
		    (e = sys_wait_event((int)wfd, &ev, 1, 10 * SEC)) != 1 || ev.slot != 1 ||
		    ev.result)
			FAIL("inline_submit", "NOP %u: %ld", i, e);
	sys_close((int)wfd); /* cancels the parked one */
	ok("inline_submit");
}

/* 2000 NOPs in batches of 8 and 200 tmpfs reads, every event checked (the test counts ops). */
static void inline_many(void)
{
	static char buf[4096] __attribute__((aligned(4096)));
	int fd = (int)sys_open("/tmp/qring.dat", O_RDWR | O_CREAT | O_TRUNC, 0644);
	int idx = aio_buf_register(buf, sizeof(buf), TIO_BUF_READ | TIO_BUF_WRITE);
	struct tio_event ev[8];
	struct aio_ring r;
	int64_t res;

	if (fd < 0 || idx < 0 || sys_write(fd, buf, sizeof(buf)) != sizeof(buf) ||
	    aio_ring_create(&r, 8, 8, 8))
		FAIL("inline_many", "setup");
	for (unsigned round = 0; round < 250; round++) {
		long e;

		for (unsigned i = 0; i < 8; i++)
			nop(&r, i, 0);
		if ((e = aio_ring_enter(&r, 8, 10 * SEC)) != 8 || aio_ring_peek(&r, ev, 8) != 8)
			FAIL("inline_many", "round %u: enter %ld", round, e);
	}
	for (unsigned i = 0; i < 200; i++)
		if ((res = (rw_fixed(&r, 0, TIO_OP_READ, fd, idx, 0, 4096, 0), one(&r, 0))) != 4096)
			FAIL("inline_many", "read %u: %ld", i, (long)res);
	aio_ring_destroy(&r);
	aio_buf_unregister((unsigned)idx);
	sys_close(fd);
	ok("inline_many");
}

static int cmd_victim(void)
{
	struct tio_event ev[4];
	struct aio_ring r;

	if (aio_ring_create(&r, 4, 4, 4))
		return printf("qring victim: FAIL create\n"), 1;
	for (unsigned i = 0; i < 3000; i++) {
		long n;

		nop(&r, i % 4, i % 50 == 0 ? MS : 0);
		n = aio_ring_enter(&r, 1, 10 * SEC);
		if (n != 1 || aio_ring_peek(&r, ev, 4) != 1 || ev[0].slot != i % 4 ||
		    ev[0].result != (i % 50 == 0 ? -ETIMEDOUT : 0))
			return printf("qring victim: FAIL at %u\n", i), 1;
	}
	aio_ring_destroy(&r);
	printf("qring victim: ok\n");
	return 0;
}

static int cmd_writer(unsigned n, unsigned id)
{
	for (unsigned i = 0; i < n; i++) {
		char rec[REC + 1];

		snprintf(rec, sizeof(rec), "%u %013u\n", id, i);
		if (sys_write(stdout, rec, REC) != REC)
			return 1;
		if (i % 7 == 0)
			sys_sleep_ns(100000); /* let the others in */
	}
	return 0;
}

/* ---- exit with a ring full of pending ops ---- */

static int cmd_pending(void)
{
	static char bufs[8][64];
	struct aio_ring r;
	int fds[2];
	long e;

	if (aio_ring_create(&r, 32, 32, 4) || sys_pipe(fds))
		return printf("qring pending: FAIL setup\n"), 1;
	for (unsigned i = 0; i < 8; i++)
		read_op(&r, i, fds[0], bufs[i], sizeof(bufs[i]));
	for (unsigned i = 8; i < 24; i++)
		nop(&r, i, 3600 * SEC);
	for (unsigned i = 24; i < 32; i++)
		nop(&r, i, 0);
	e = aio_ring_enter(&r, 0, 0);
	printf("qring pending: submitted %ld, in CQ %u, held %u, overflow flag %u\n", e,
	       r.hdr->cq_tail - r.hdr->cq_head, r.hdr->cq_overflow,
	       r.hdr->flags & TIO_RING_F_CQ_OVERFLOW);
	return 0; /* exit with everything open */
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "proto")) {
		setup_errors();
		wrap_around();
		one_slot_whole_batch();
		cq_full_overflow();
		many_producers();
		scribble();
		printf("qring proto: %d failed\n", failures);
		return failures != 0;
	}
	if (argc == 2 && !strcmp(argv[1], "inline")) {
		inline_busy_slot();
		inline_tmpfs_rw();
		inline_fallback();
		inline_order();
		inline_submit();
		inline_many();
		printf("qring inline: %d failed\n", failures);
		return failures != 0;
	}
	if (argc == 2 && !strcmp(argv[1], "pending"))
		return cmd_pending();
	if (argc == 2 && !strcmp(argv[1], "victim"))
		return cmd_victim();
	if (argc == 4 && !strcmp(argv[1], "writer"))
		return cmd_writer((unsigned)strtoul(argv[2], NULL, 0),
				  (unsigned)strtoul(argv[3], NULL, 0));
	fprintf(stderr, "usage: qring proto | inline | pending | writer N ID | victim\n");
	return 2;
}
