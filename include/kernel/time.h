/*
 * kernel/time.h - the monotonic clock and one-shot kernel timers.
 *
 *   clock_now_ns()              nanoseconds since boot (TSC calibrated against the PIT)
 *   clock_ticks()               PIT interrupts since boot (about PARAM_HZ per second;
 *                               QEMU may drop some when the host is busy)
 *   ktimer_init(t, fn)          once, before first use; @t is embedded by its user
 *   ktimer_arm(t, deadline_ns)  (re)arm: fn(t) runs once, at or after the deadline
 *   ktimer_cancel(t)            true if it was pending and now will not run
 *
 * Callbacks run in IRQ context (the PIT tick), with interrupts masked and no
 * timer lock held: they may arm timers and wake threads, never sleep. A
 * callback may re-arm its own timer. The wheel is hierarchical (see
 * kernel/time/timer.c): arm and cancel are O(1) whatever the number of
 * pending timers.
 */
#ifndef KERNEL_TIME_H
#define KERNEL_TIME_H

#include <kernel/list.h>
#include <stdint.h>
#include <stdbool.h>

#define NSEC_PER_SEC  1000000000ULL
#define NSEC_PER_MSEC 1000000ULL
#define NSEC_PER_TICK (NSEC_PER_SEC / PARAM_HZ)

/*
 * States: IDLE --arm--> PENDING --expire--> RUNNING --fn returns--> IDLE
 *         PENDING --cancel--> IDLE.  fn may re-arm: RUNNING -> PENDING.
 */
struct ktimer {
	struct list_node node;	      /* [L] on a wheel slot iff pending */
	uint64_t deadline_ns;	      /* [L] */
	uint64_t expires;	      /* [L] tick at which the slot comes due */
	void (*fn)(struct ktimer *t); /* [I] after ktimer_init */
	bool pending;		      /* [L] */
};

void clock_init(void);
uint64_t clock_now_ns(void);
uint64_t clock_ticks(void);
uint64_t clock_tsc_hz(void);

void timer_init(void);
void ktimer_init(struct ktimer *t, void (*fn)(struct ktimer *t));
void ktimer_arm(struct ktimer *t, uint64_t deadline_ns);
bool ktimer_cancel(struct ktimer *t);
bool ktimer_pending(struct ktimer *t);
/* Called by the PIT handler: runs the timers due by the clock's current tick. */
void timer_tick(void);

/* Timers that fired since boot (tests, stats). */
uint64_t timer_fired_count(void);

/*
 * The wall clock (kernel/time/rtc.c): the CMOS RTC read once at boot plus the
 * monotonic clock since. rtc_decode() is the pure part: the RTC's register
 * bytes (BCD or binary, 12- or 24-hour, as status B says) -> seconds since
 * 1970-01-01 UTC; -EINVAL for values no clock can hold.
 */
struct rtc_raw {
	uint8_t sec, min, hour, mday, mon, year, century, status_b;
};

void rtc_init(void);
int rtc_decode(const struct rtc_raw *r, int64_t *epoch_s);
int64_t clock_realtime_ns(void);

#endif
