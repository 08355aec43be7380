/*
 * async_port_impl.h (event loop) - the types of a single-threaded user-space
 * port of the async core: no threads, one "interrupt" (SIGALRM from a POSIX
 * timer), locks that mask it. port.c explains the model; README.md is the tour.
 *
 * Besides what async/port.h asks for, this header declares the event loop the
 * program drives (evloop_*).
 */
#ifndef ASYNC_PORT_IMPL_H
#define ASYNC_PORT_IMPL_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define ASYNC_PORT_ASSERTS 1

/*
 * One CPU: masking the interrupt is the whole lock. @held only catches a lock
 * taken twice, which would deadlock a real spinlock.
 */
typedef struct {
	bool held;
} async_spinlock_t;
#define ASYNC_SPINLOCK_INIT                                                                        \
	{                                                                                          \
		false                                                                              \
	}

/* Nobody sleeps on another thread: a broadcast only bumps the count cond_wait watches. */
struct async_port_cond {
	unsigned long broadcasts;
};

/* A one-shot timer on the loop's list (masked against the interrupt). */
struct async_port_timer {
	void (*fn)(struct async_port_timer *t);
	uint64_t deadline_ns;
	bool pending;
	struct async_port_timer *next;
};

/* ---- The event loop ---- */
enum evloop_mode {
	EVLOOP_SIGNAL, /* a periodic SIGALRM is the interrupt; cond_wait sleeps in sigsuspend */
	EVLOOP_POLL,   /* no signal: cond_wait and the program call evloop_pump() */
};
/* Starts the loop: in EVLOOP_SIGNAL mode a periodic timer every @tick_ns. 0 or -errno. */
int evloop_start(enum evloop_mode mode, uint64_t tick_ns);
void evloop_stop(void);
/*
 * The device's interrupt handler: called on every tick (or pump) with the
 * interrupt masked and no lock held; returns how many requests it completed.
 */
void evloop_set_device(unsigned (*irq)(void));
/* Poll mode: runs due timers and the device once; returns how many things ran. */
unsigned evloop_pump(void);
/* Port timers armed now. */
unsigned evloop_timers_pending(void);
/* async_spin_lock_irqsave calls so far: lock round trips, for docs/porting.md. */
unsigned long evloop_lock_calls(void);

#endif
