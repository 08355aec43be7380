/*
 * synth.h - synthetic layers for host tests of the async core: a fake device
 * that completes in a chosen way, a fragmented-read loop and a deep stack.
 *
 *   synth_push(op, mode, result)   the device frame
 *     SYNTH_RETURN    start returns @result at once (no pending)
 *     SYNTH_SYNC      start calls async_op_complete() itself, then pends
 *     SYNTH_DEFERRED  the op waits on a list until synth_complete_next()
 *                     (any thread, like an IRQ); cancellable while listed
 *     SYNTH_UNCANCELLABLE  like DEFERRED but without a cancel hook
 *   loop_push(op, nfrag)           re-arms a SYNTH_SYNC/DEFERRED read nfrag times
 *   deep_push(op, depth, mode)     depth frames of ~200 bytes, then a device
 */
#ifndef SYNTH_H
#define SYNTH_H

#include <async/async.h>

enum synth_mode { SYNTH_RETURN, SYNTH_SYNC, SYNTH_DEFERRED, SYNTH_UNCANCELLABLE };

int synth_push(struct async_op *op, enum synth_mode mode, int64_t result);
/* Completes the oldest deferred op with its result (or @override if != 0). Returns false if none.
 */
bool synth_complete_next(int64_t override);
/* Completes a random deferred op (by @pick % count); false if none. */
bool synth_complete_pick(unsigned pick);
unsigned synth_deferred_count(void);
/* Number of times the device frame's cancel hook ran. */
unsigned long synth_cancel_calls(void);

int loop_push(struct async_op *op, unsigned nfrag, enum synth_mode mode);
int deep_push(struct async_op *op, unsigned depth, enum synth_mode mode);

/* Pool in-use total of every pool (0 when everything was freed); waits up to 1 s for
 * ops to be freed, as an op is freed just after its event is posted. */
unsigned pools_in_use(void);
/* The same, now, without waiting (single-threaded callers). */
unsigned pools_in_use_now(void);

/* Test helpers. */
#include <setjmp.h>
/* Waits up to 2 s for one event; returns it (slot UINT32_MAX on timeout). */
struct async_event wait_one(struct async_waiter *w);
/* Arms @slot, pushes a device frame, submits; returns submit's result. */
int submit_synth(struct async_waiter *w, unsigned slot, enum synth_mode mode, int64_t result);
/* Runs @fn; true if it called async_port_panic (caught through the panic hook). */
bool panics(void (*fn)(void *arg), void *arg);
#endif
