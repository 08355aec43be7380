/*
 * ringlim.c - the per-process op limit through the rings' charge batch
 * (kernel/limits.h "charge batch", tests/qemu/test_ring_limits.py).
 *
 * One SYS_ring_enter charges its ops through a batch that reuses the unit
 * of each op that finishes inside the call for the next one. Checked here:
 * a batch of NOPs that finish at once mixed with NOPs that park (an hour's
 * timeout) parks exactly LIMIT_PROC_OPS of them over two calls (after FILL
 * parked ones, as the SQ holds fewer entries than the limit), the rest
 * complete with -EAGAIN; cancelling the parked ones gives every unit back (the next batch
 * parks LIMIT_PROC_OPS again), several rounds in a row, so a unit the batch
 * kept or lost would show as one op too few or too many. Prints one
 * "ok <round>" per round and "ringlim: done", or "ringlim: <what>" on error.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <tio/aio.h>
#include <tio/ring.h>
#include <tio/sys.h>

#define LIMIT_OPS 384 /* LIMIT_PROC_OPS (include/kernel/limits.h) */
#define ROOM	  48  /* units the checked calls find: the rest are held by FILL parked ops */
#define FILL	  (LIMIT_OPS - ROOM) /* parked first, in calls of FILL_CALL (the SQ holds 256) */
#define FILL_CALL (FILL / 2)
#define SCEN	  64			  /* slots of the checked calls: 0..SCEN-1; FILL's after */
#define ENTRIES	  512			  /* waiter slots and CQ entries */
#define SQ	  256			  /* TIO_RING_SQ_MAX */
#define QUICK	  12			  /* NOPs that finish inside the call: slots 0.. */
#define PARK_A	  (ROOM - 13)		  /* parking NOPs in the first call: slots QUICK.. */
#define PARK_B	  (SCEN - QUICK - PARK_A) /* in the second call, 4 past the limit */
#define HOUR_NS	  3600000000000ULL
#define ROUNDS	  4

static struct aio_ring ring;

static int fail(const char *what, long v)
{
	printf("ringlim: %s (%ld)\n", what, v);
	return 1;
}

static void queue_nop(unsigned slot, bool park)
{
	struct tio_sqe *sqe = aio_ring_sqe(&ring, slot);

	sqe->opcode = TIO_OP_NOP;
	sqe->timeout_ns = park ? HOUR_NS : 0;
}

/*
 * First call: three parking NOPs, then a quick one, and so on, the last
 * entry quick: the batch ends holding the quick one's unit as credit, which
 * its end must give back. Second call: PARK_B parking NOPs, 4 more than the
 * limit leaves room for.
 */
static void queue_first(void)
{
	unsigned quick = 0, park = 0;

	while (quick < QUICK) {
		if (park < PARK_A && ((park + quick) % 4 != 3 || quick == QUICK - 1))
			queue_nop(QUICK + park++, true);
		else
			queue_nop(quick++, false);
	}
}

/* Collects @n events; counts results 0, -EAGAIN and -ECANCELED. */
static int collect(unsigned n, unsigned *zero, unsigned *again, unsigned *cancelled)
{
	struct tio_event ev[ENTRIES];
	unsigned got = 0;

	while (got < n) {
		long r = aio_ring_wait(&ring, ev, n - got, 5000000000ULL);

		if (r <= 0)
			return fail("events missing", r);
		for (long i = 0; i < r; i++) {
			*zero += ev[i].result == 0;
			*again += ev[i].result == -EAGAIN;
			*cancelled += ev[i].result == -ECANCELED;
		}
		got += (unsigned)r;
	}
	return 0;
}

/* Parks FILL NOPs in slots SCEN.. so that the checked calls find ROOM units left. */
static int fill(void)
{
	for (unsigned done = 0; done < FILL; done += FILL_CALL) {
		long r;

		for (unsigned i = 0; i < FILL_CALL; i++)
			queue_nop(SCEN + done + i, true);
		r = aio_ring_enter(&ring, 0, 0);
		if (r != FILL_CALL)
			return fail("filling ring_enter consumed", r);
	}
	return aio_ring_ready(&ring) ? fail("a filling NOP ended", aio_ring_ready(&ring)) : 0;
}

static int one_round(int round)
{
	unsigned zero = 0, again = 0, cancelled = 0;
	long r;

	if (fill())
		return 1;
	queue_first();
	r = aio_ring_enter(&ring, 0, 0);
	if (r != QUICK + PARK_A)
		return fail("first ring_enter consumed", r);
	if (collect(QUICK, &zero, &again, &cancelled) || zero != QUICK)
		return fail("quick NOPs did not all complete with 0", (long)zero);
	for (unsigned i = 0; i < PARK_B; i++)
		queue_nop(QUICK + PARK_A + i, true);
	r = aio_ring_enter(&ring, 0, 0);
	if (r != PARK_B)
		return fail("second ring_enter consumed", r);
	if (collect(PARK_B - (ROOM - PARK_A), &zero, &again, &cancelled))
		return 1;
	if (again != PARK_B - (ROOM - PARK_A))
		return fail("parking NOPs refused with -EAGAIN, expected 4", (long)again);
	if (aio_ring_ready(&ring) != 0)
		return fail("events left over: an op too few parked", aio_ring_ready(&ring));
	for (unsigned s = QUICK; s < SCEN + FILL; s++)
		sys_cancel(ring.wfd, s);
	if (collect(LIMIT_OPS, &zero, &again, &cancelled))
		return 1;
	if (cancelled != LIMIT_OPS)
		return fail("parked ops not all cancelled", (long)cancelled);
	printf("ok %d\n", round);
	return 0;
}

int main(void)
{
	long err = aio_ring_create(&ring, ENTRIES, SQ, ENTRIES);

	if (err < 0)
		return fail("ring create", err);
	for (int i = 0; i < ROUNDS; i++)
		if (one_round(i))
			return 1;
	printf("ringlim: done\n");
	return 0;
}
