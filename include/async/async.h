/*
 * async/async.h - the async I/O core: waiters, operations with a frame stack,
 * spill heaps, joins, buffers, the async mutex, workers, cancellation and
 * introspection. docs/async.md explains the model; this header is the contract.
 *
 * Interface in one breath:
 *   async_waiter_create(n, &w)        a waiter with n slots
 *   async_waiter_arm(w, slot, &h)     a handle (waiter, slot, generation) for one op
 *   op = async_op_alloc(heap)         an op with an empty inline stack
 *   st = async_push(op, &layer)       a frame of @layer on top; fill *st
 *   async_op_submit(op, &h)           run the frames; the op completes exactly once
 *   async_wait_event(w, ev, max, t)   collect (slot, result) events
 * A layer is an ops table (start/resume/cancel/waiting_on). A driver's start
 * reads t = async_op_token(op), returns ASYNC_PENDING and later calls
 * async_op_complete(op, t, result) from any context; the result unwinds the
 * stack through each frame's resume.
 *
 * Do not: keep an op pointer after its completion (it is freed), release a
 * borrowed buffer while a device holds it (panic: kernel bug), block in a
 * layer's start/resume/cancel (they may run in IRQ context).
 *
 * Lock legend for the visible structs: [I] immutable after init, [L] under the
 * struct's lock, [a] atomic, [O] owned by the frame that holds it.
 */
#ifndef ASYNC_ASYNC_H
#define ASYNC_ASYNC_H

#include <async/config.h>
#include <async/pool.h>

struct async_op;
struct async_waiter;

/* ===================================================================== */
/* Waiters and events                                                     */
/* ===================================================================== */

#define ASYNC_EV_MORE 0x1 /* multishot: more events follow for this slot */
#define ASYNC_EV_BUF  0x2 /* @buf names the provided buffer holding the data */

#define ASYNC_WAIT_FOREVER UINT64_MAX

struct async_event {
	uint32_t slot;
	uint16_t flags; /* ASYNC_EV_* */
	uint16_t buf;	/* provided-buffer id, valid iff ASYNC_EV_BUF */
	int64_t result; /* >= 0 success (bytes...), < 0 negative errno */
};

/* Names one armed slot. A handle whose generation is stale completes nothing. */
struct async_handle {
	struct async_waiter *waiter;
	uint32_t slot;
	uint32_t gen;
	uint32_t epoch; /* the waiter's incarnation, so a destroyed waiter is detected */
};

struct async_waiter_stats {
	unsigned nslots, armed, queued, ring_cap;
	unsigned long posted, stale_posts, overflows, waits, timeouts;
};

/* Slots and the event ring come from static slot blocks: -ENOMEM when they run out. */
int async_waiter_create(unsigned nslots, struct async_waiter **out);
/* -EBUSY while any slot is armed: cancel and drain first. No thread may be waiting on it. */
int async_waiter_destroy(struct async_waiter *w);
/* Free -> armed, new generation, one ring entry reserved for the final event.
 * -EINVAL bad slot, -EBUSY slot in use, -EAGAIN the ring is full (uncollected
 * multishot events plus the other armed slots' reservations): collect events. */
int async_waiter_arm(struct async_waiter *w, unsigned slot, struct async_handle *h);
/* Armed -> free, for a handle whose op was never submitted. */
void async_waiter_disarm(const struct async_handle *h);
/*
 * Posts (slot, result). Without ASYNC_EV_MORE it is the slot's final event.
 * Returns 0, -ENOENT for a stale handle (nothing posted), or -EAGAIN for a
 * multishot event when the ring has no room beyond the final events it keeps
 * reserved (the producer keeps its data and retries). Any context.
 */
int async_waiter_post(const struct async_handle *h, int64_t result, unsigned flags, unsigned buf);
/*
 * Posts the final events of @n operations that finished in their start and
 * so never needed an op (a NOP, a read of memory): for each, in order, arms
 * ev->slot and posts ev->result as its final event, exactly as
 * async_waiter_arm and async_waiter_post would (same slot rules and ring
 * reservation), all in one lock section; flags and buf as given, never
 * ASYNC_EV_MORE. Stops at the first event whose slot cannot be armed, with
 * async_waiter_arm's error in *err. Returns how many were posted. Only
 * for work with no effect left to undo: the caller must be able to do it
 * again if its event was not posted. Any context.
 */
unsigned async_waiter_post_now(struct async_waiter *w, const struct async_event *ev, unsigned n,
			       int *err);
/*
 * Waits up to @timeout_ns (0: poll, ASYNC_WAIT_FOREVER) for events and copies
 * up to @max of them into @ev. Returns the count, 0 on timeout. Cost does not
 * depend on the number of armed slots. Thread context only.
 */
int async_wait_event(struct async_waiter *w, struct async_event *ev, unsigned max,
		     uint64_t timeout_ns);
/* Cancels the op armed on @slot, if any (-ENOENT if none). */
int async_waiter_cancel(struct async_waiter *w, unsigned slot);
void async_waiter_stats(struct async_waiter *w, struct async_waiter_stats *out);

/*
 * Sinks: a waiter can deliver its events straight into a consumer's queue
 * (the shared completion ring of kernel/syscall/sys_ring.c) instead of its own
 * ring. A post offers the event to @push first; a final event accepted there
 * frees its slot at once (nothing has to collect it). An event the sink
 * refuses (its queue is full) is held in the waiter's own ring, in order,
 * and later posts are held behind it until async_waiter_flush moves them on:
 * no event is dropped, and the held ones are bounded by the ring's
 * reservations (one per armed slot). @held is told the number held after
 * every change (@new_event: a post had to be held). @push and @held run
 * under the waiter's lock, in any context: they must not block or call back
 * into the waiter. @release runs once, without the lock, when the waiter is
 * destroyed.
 */
struct async_sink {
	bool (*push)(struct async_sink *s, const struct async_event *ev);
	void (*held)(struct async_sink *s, unsigned held, bool new_event);
	void (*release)(struct async_sink *s);
};
/* Attaches @s; -EBUSY if the waiter has a sink, an armed slot or an event. */
int async_waiter_set_sink(struct async_waiter *w, struct async_sink *s);
/* The sink attached to @w, or NULL. Lock-free: only while @w cannot be destroyed. */
struct async_sink *async_waiter_sink(struct async_waiter *w);
/* Offers the held events to the sink, oldest first; returns how many remain held
 * and, if @sunk is not NULL, async_waiter_sunk() as of the same moment. */
unsigned async_waiter_flush(struct async_waiter *w, unsigned long *sunk);
/* Events the sink has accepted since the waiter was created (wraps). */
unsigned long async_waiter_sunk(struct async_waiter *w);
/* Sleeps until async_waiter_sunk() reaches @target (1) or @timeout_ns passes (0). Threads only. */
int async_waiter_wait_sunk(struct async_waiter *w, unsigned long target, uint64_t timeout_ns);

/* ===================================================================== */
/* Layers, frames and operations                                          */
/* ===================================================================== */

/* Step results besides a plain int64 result (which pops the frame and goes up). */
#define ASYNC_PENDING INT64_MIN	      /* handed off: async_op_complete() follows */
#define ASYNC_CALL    (INT64_MIN + 1) /* pushed a lower frame: run its start */

struct async_layer {
	const char *name;
	size_t state_size; /* bytes of frame state, <= ASYNC_FRAME_STATE_MAX */
	/* First step of a freshly pushed frame. */
	int64_t (*start)(struct async_op *op, void *state);
	/* The frame above returned @result (or the device completed this frame).
	 * NULL: pop and pass @result down. May re-arm (ASYNC_CALL / ASYNC_PENDING). */
	int64_t (*resume)(struct async_op *op, void *state, int64_t result);
	/* Optional. Asked to stop the pending work of this frame: it completes
	 * the op (maybe synchronously) with -ECANCELED or its real result. */
	void (*cancel)(struct async_op *op, void *state);
	/* Optional. A short static string: what this frame waits on. */
	const char *(*waiting_on)(const void *state);
};

/* Put next to each layer definition: the frame state must fit. */
#define ASYNC_FRAME_STATE_CHECK(type)                                                              \
	_Static_assert(sizeof(type) <= ASYNC_FRAME_STATE_MAX, #type " too big for a frame")

/* Frame header as stored on the stack. [O] by the op's running trampoline. */
struct async_frame {
	const struct async_layer *layer;
	struct async_frame *prev; /* frame below, NULL at the bottom */
	uint64_t start_ns;
	uint32_t size;	/* header + state, rounded */
	uint32_t flags; /* ASYNC_FRAME_* */
};
#define ASYNC_FRAME_SPILLED 0x1 /* lives in a spill chunk, not in the inline stack */

/*
 * Spill heap: a caller-provided byte range carved into ASYNC_SPILL_CHUNK
 * chunks, holding frames that do not fit an op's inline stack. One per
 * process (embedded in it); async_kernel_heap() for kernel-internal ops.
 */
struct async_heap {
	const char *name;	/* [I] */
	unsigned char *base;	/* [I] first chunk */
	unsigned nchunks;	/* [I] */
	async_spinlock_t lock;	/* protects the [L] fields */
	void *free_list;	/* [L] chunks linked through their first word */
	unsigned in_use;	/* [L] chunks handed out */
	unsigned high_water;	/* [L] */
	unsigned long spills;	/* [L] chunks ever taken */
	unsigned long failures; /* [L] takes that found the heap empty */
};

int async_heap_init(struct async_heap *h, const char *name, void *mem, size_t len);
struct async_heap *async_kernel_heap(void);
/* Snapshot of the counters (copied under the lock). */
void async_heap_stats(struct async_heap *h, struct async_heap *out);

/* An op with an empty stack, or NULL when the op pool is exhausted. */
struct async_op *async_op_alloc(struct async_heap *heap);
/*
 * The lean path: an op for the armed slot of @h, bound to it at once (so
 * async_waiter_cancel reaches it while it is prepared: it starts cancelled),
 * taken from the waiter's op cache when it has one, in a single waiter-lock
 * section, else from the pool. Submit it with async_op_submit(op, h) (the
 * same @h; submit_fn refuses it with -EINVAL); async_op_discard unbinds it.
 * Ops whose final event a waiter receives go back into its cache
 * (ASYNC_WAITER_OP_CACHE at most) when their last reference goes with it.
 * NULL when no op is left, or @h is stale or already has an op.
 */
struct async_op *async_op_alloc_for(const struct async_handle *h, struct async_heap *heap);
/*
 * async_waiter_arm(w, slot, h) and async_op_alloc_for(h, heap) in one
 * waiter-lock section when the cache has an op. Returns the arm's result;
 * once armed (0), *op is the bound op, or NULL when no op was available (the
 * slot stays armed: disarm it, or post the error through it).
 */
int async_op_alloc_armed(struct async_waiter *w, unsigned slot, struct async_heap *heap,
			 struct async_handle *h, struct async_op **op);
/*
 * A post batch (the lean op's one waiter-lock section per op): one thread
 * submitting ops of one waiter in a row (SYS_ring_enter) lets an op that
 * finishes inside its own async_op_submit hold its final event here instead
 * of posting it in a lock section of its own; async_op_alloc_armed_batch
 * posts it in the section that arms the next slot, async_post_batch_end
 * when the run ends. Owned by that thread, on its stack; at most one op is
 * held at a time, and only between its submit's return and the next call
 * of either function, so events reach the waiter in submission order.
 *
 *   struct async_post_batch b = {0};
 *   while (...) {
 *           err = async_op_alloc_armed_batch(&b, w, slot, heap, &h, &op);
 *           ... async_op_submit(op, &h) ...
 *   }
 *   async_post_batch_end(&b);
 *
 * An op that pends (or is run later, by an outer trampoline) forgets the
 * batch and posts its final event itself, from wherever it completes.
 */
struct async_post_batch {
	struct async_op *op; /* finished inside its submit, final event not posted yet, or NULL */
	int64_t result;	     /* its final result, valid iff op */
};
/* async_post_batch_end(b), then async_op_alloc_armed(w, ...), in one waiter-lock section;
 * the op it returns holds its final event in @b if it finishes inside its submit. */
int async_op_alloc_armed_batch(struct async_post_batch *b, struct async_waiter *w, unsigned slot,
			       struct async_heap *heap, struct async_handle *h,
			       struct async_op **op);
/* Posts the held final event, if any. */
void async_post_batch_end(struct async_post_batch *b);
/*
 * Pushes a frame of @layer and returns its zeroed state, or NULL when no
 * room is left (inline stack full and spill heap exhausted: -ENOMEM) or the
 * op is cancelled (-ECANCELED); async_op_push_error() says which.
 */
void *async_push(struct async_op *op, const struct async_layer *layer);
int64_t async_op_push_error(const struct async_op *op);
/* Reserves spill room for @bytes more of frames now, so later pushes cannot fail. The room
 * stays the op's until it is freed: chunks its pops empty go back to its reserve. */
int async_op_reserve(struct async_op *op, size_t bytes);
/* The op fails with -ETIMEDOUT unless it completes before @deadline_ns. */
void async_op_set_deadline(struct async_op *op, uint64_t deadline_ns);
/* Runs @fn(@arg, @val) once when the op finishes, however it ends (its bottom frame returned),
 * before its result is posted or its done callback runs, in the context that finishes it; never
 * for a discarded op. PREPARING only; one per op. What a bottom frame whose only job is its resume
 * did, without the frame's push, pop and resume (the syscall layer's charge: sys_async.c). */
void async_op_on_finish(struct async_op *op, void (*fn)(void *arg, unsigned val), void *arg,
			unsigned val);
/* Frees an op that was never submitted. */
void async_op_discard(struct async_op *op);
/*
 * Starts the op; from here on it completes exactly once by posting its final
 * result to @h. Returns a negative errno, and frees the op, only if a push
 * before submit failed (the handle is left armed: disarm it).
 */
int async_op_submit(struct async_op *op, const struct async_handle *h);
/* As above, but completion calls @done (any context) instead of posting. */
int async_op_submit_fn(struct async_op *op,
		       void (*done)(struct async_op *op, int64_t res, void *arg), void *arg);
/*
 * The token of the op's current pending period. A step that returns
 * ASYNC_PENDING reads it before it hands the op to a device or queue (which
 * may complete it at once) and keeps it with the request; its cancel hook
 * completes with the same token. Any context.
 */
uint32_t async_op_token(const struct async_op *op);
/*
 * The pending frame's work finished with @result; @token names the pending
 * period (async_op_token). Any context; once per ASYNC_PENDING. A completion
 * whose token is not the current period's (a double or late completion) is
 * counted (stale_completions), warned about once and dropped.
 */
void async_op_complete(struct async_op *op, uint32_t token, int64_t result);
/* A multishot op posts a non-final event (see async_waiter_post for -EAGAIN). */
int async_op_post_more(struct async_op *op, int64_t result, unsigned flags, unsigned buf);
/* The op's final event will carry provided buffer @buf (ASYNC_EV_BUF): a multishot receive whose
 * last data could not be posted as a non-final event (full ring) ends with it. Owner only (a
 * frame's resume). A done-callback op ignores it. */
void async_op_final_buf(struct async_op *op, unsigned buf);
/* Requests cancellation with @reason (-ECANCELED, -ETIMEDOUT); first reason wins. A cancel
 * before the op starts is kept: the op starts cancelled (pushes refuse, the pending frame's
 * cancel hook runs). */
void async_op_cancel(struct async_op *op, int reason);
/* 0, or the reason the op was cancelled: layers stop re-arming when set. */
int async_op_cancel_reason(const struct async_op *op);
/* References: hold one to call async_op_cancel() on an op you did not submit. */
void async_op_get(struct async_op *op);
void async_op_put(struct async_op *op);

/*
 * Core-wide counters: submitted/completed ops; sync_completions, completions
 * that arrived while the op's owner was still running it; spilled_frames;
 * rearms, resumes that started more work below instead of passing a result
 * up (each further fragment of a fragmented read); cancels; timeouts, deadlines
 * that fired (also one that fired as its op was completing: the completion
 * wins);
 * deferred, starts and completions raised inside a running trampoline and
 * handed to it instead of nesting (a mutex hand-off, a join's fan-in);
 * stale_completions, completions dropped for naming another pending period.
 */
struct async_op_stats {
	unsigned long submitted, completed, sync_completions, spilled_frames, rearms, cancels,
	    timeouts;
	unsigned long deferred, stale_completions;
};
/*
 * The counts since boot. submitted and completed of ops bound to a waiter
 * slot are read from the waiters (their posts and the slots holding submitted
 * ops), so a call walks every waiter's slots: for stats, not for a hot path.
 */
void async_op_stats(struct async_op_stats *out);
/* Kernel memory one in-flight op costs: its pool object (inline stack included),
 * its waiter slot and its reserved ring entry. Spilled frames come on top. */
size_t async_op_bytes(void);

/* ===================================================================== */
/* Introspection: what is each op waiting on                              */
/* ===================================================================== */

struct async_op_info {
	const void *op;
	const char *state; /* lifecycle state name */
	uint64_t age_ns;   /* since it first parked (0 while it has not: no clock before) */
	int cancel_reason;
	unsigned nframes;
	const struct async_heap *heap; /* the op's spill heap: whose op it is (a process's) */
};
struct async_frame_info {
	const char *layer;
	const char *waiting_on; /* NULL if the layer does not say */
	uint64_t age_ns;	/* since the op first parked with this frame on its stack */
	unsigned depth;		/* 0 = top (the frame the op waits in) */
	bool spilled;
};
/*
 * Calls @op_fn for every live op, then @frame_fn for each of its frames, top
 * first. The callbacks run under the core's locks with interrupts masked: they
 * must not block or call into the core, and should copy or format into memory
 * (as the kernel's kinfo does) rather than write to a slow device.
 */
void async_introspect(void (*op_fn)(const struct async_op_info *oi, void *arg),
		      void (*frame_fn)(const struct async_frame_info *fi, void *arg), void *arg);
/* Same, printed with @print (e.g. the kernel's printf) one line per op and frame. */
void async_introspect_print(void (*print)(const char *fmt, ...));

/* ===================================================================== */
/* Joins: one parent op waits for child ops under a policy                */
/* ===================================================================== */

enum async_join_policy {
	ASYNC_JOIN_ALL,	   /* every child succeeds: result = sum of results */
	ASYNC_JOIN_FIRST,  /* first success wins: result = its result */
	ASYNC_JOIN_QUORUM, /* @quorum successes: result = first success's result */
};
#define ASYNC_JOIN_CANCEL_ON_ERROR 0x1 /* a failing child cancels the others */

struct async_join_spec {
	enum async_join_policy policy;
	unsigned quorum;
	unsigned flags;
	unsigned nchildren; /* 1..ASYNC_JOIN_MAX */
	/* Pushes child @i's frames; 0 or a negative errno. Called inside async_join(). */
	int (*setup)(struct async_op *child, unsigned i, void *arg);
	void *arg;
	int64_t *results; /* optional, nchildren entries, filled before the parent resumes */
};

/*
 * From a layer's start or resume: `return async_join(op, &spec);`. Pushes a
 * join frame, allocates and sets up the children (each its own op and stack)
 * and returns ASYNC_CALL, or a negative errno with nothing left behind. The
 * parent resumes once the policy is decided AND every child has completed, so
 * no child still touches the parent's buffers. When the policy is decided
 * early (first success, quorum, an error with CANCEL_ON_ERROR) the remaining
 * children are cancelled. Cancelling the parent cancels every child.
 */
int64_t async_join(struct async_op *parent, const struct async_join_spec *spec);

/* ===================================================================== */
/* Buffers                                                                */
/* ===================================================================== */

/* ASYNC_BUF_READ / ASYNC_BUF_WRITE and struct async_sg: see async/port.h. */

enum async_buf_kind { ASYNC_BUF_BORROWED, ASYNC_BUF_USER, ASYNC_BUF_OWNED };

struct async_buf;

struct async_buf *async_buf_borrowed(void *data, size_t len, unsigned access);
/* Pins [uaddr, uaddr+len) of @as through the port; -EFAULT, -ENOMEM, -ENODEV in *err. */
struct async_buf *async_buf_user(struct async_port_as *as, uintptr_t uaddr, size_t len,
				 unsigned access, int *err);
struct async_buf *async_buf_owned(size_t len);
/*
 * Borrows @buf for a device request needing @access: 0, -EFAULT when the
 * buffer does not allow it, -EBADF when it is being released.
 */
int async_buf_borrow(struct async_buf *buf, unsigned access);
/* The device no longer touches @buf. Any context. */
void async_buf_unborrow(struct async_buf *buf);
/*
 * The owner is done with @buf. Borrowed kind: panics if still borrowed (a
 * kernel bug: the memory is going away under a device). User and owned: the
 * unpin / free waits for the last unborrow.
 */
void async_buf_release(struct async_buf *buf);
/*
 * A holder other than the owner and the devices (a provided-buffer queue)
 * keeps the descriptor, and its memory or pins, until it puts it: 0, or
 * -EBADF when the owner already released it. Any context.
 */
int async_buf_get(struct async_buf *buf);
void async_buf_put(struct async_buf *buf);
bool async_buf_is_borrowed(const struct async_buf *buf);
size_t async_buf_len(const struct async_buf *buf);
unsigned async_buf_kind(const struct async_buf *buf);
/* Kernel mapping (borrowed/owned), NULL for user buffers: use the SG list. */
void *async_buf_data(const struct async_buf *buf);
unsigned async_buf_sg(const struct async_buf *buf, const struct async_sg **sg);

/* Registered buffers: pinned once per process, then named by index. */
struct async_regbuf_table;
struct async_regbuf_table *async_regbuf_create(struct async_port_as *as);
/* Returns the index, or -ENOSPC, -EFAULT, -ENOMEM. */
int async_regbuf_register(struct async_regbuf_table *t, uintptr_t uaddr, size_t len,
			  unsigned access);
int async_regbuf_unregister(struct async_regbuf_table *t, unsigned idx);
/* Borrows buffer @idx for @access: the buffer, or NULL with -EBADF/-EFAULT in *err. */
struct async_buf *async_regbuf_get(struct async_regbuf_table *t, unsigned idx, unsigned access,
				   int *err);
/* Unregisters everything (process exit); buffers still borrowed unpin later. */
void async_regbuf_destroy(struct async_regbuf_table *t);

/* Provided-buffer queues: a receive takes a buffer when data arrives. */
struct async_pbq;
struct async_pbq *async_pbq_create(unsigned nconsumers, unsigned credits_each);
/*
 * Gives buffer @id to the queue, which holds a reference (async_buf_get) until
 * the buffer leaves it: the owner may release its own at any time, and the
 * queue then drops the buffer instead of handing it out. -EEXIST if @id is
 * already queued or taken (give a taken one back with async_pbq_recycle),
 * -EINVAL bad id, -EBADF @buf already released.
 */
int async_pbq_provide(struct async_pbq *q, unsigned id, struct async_buf *buf);
/* Takes the oldest queued buffer for @consumer: its id (for the event's @buf), or
 * -EAGAIN when empty or out of credit. The buffer comes borrowed for
 * ASYNC_BUF_WRITE: unborrow it once the device has written the data. Queued
 * buffers that were released or cannot be written leave the queue on the way. */
int async_pbq_take(struct async_pbq *q, unsigned consumer, struct async_buf **buf);
/* The user is done with taken buffer @id: it is queued again and its
 * consumer's credit comes back. -EINVAL if @id is not taken. */
int async_pbq_recycle(struct async_pbq *q, unsigned id);
/* Drops the queue's reference on every buffer it holds (queued or taken). */
void async_pbq_destroy(struct async_pbq *q);
unsigned async_pbq_available(struct async_pbq *q);

/* ===================================================================== */
/* Async mutex                                                            */
/* ===================================================================== */

/* FIFO, hand-off on unlock, no busy waiting. [L] fields under @lock. */
struct async_mutex {
	async_spinlock_t lock;
	bool held;		  /* [L] */
	struct async_frame *head; /* [L] first waiting frame */
	struct async_frame *tail; /* [L] */
	unsigned long contended;  /* [L] acquisitions that had to wait */
};
void async_mutex_init(struct async_mutex *m);
/* From a layer step: `return async_mutex_lock(m, op);` resumes the layer with 0 once held. */
int64_t async_mutex_lock(struct async_mutex *m, struct async_op *op);
bool async_mutex_trylock(struct async_mutex *m);
/* Hands the mutex to the first waiter, if any. Any context. */
void async_mutex_unlock(struct async_mutex *m);

/* ===================================================================== */
/* Workers: blocking steps (e.g. metadata lookup) run as a frame of an op */
/* ===================================================================== */

/* Starts ASYNC_WORKERS threads once. */
int async_workers_init(void);
/*
 * From a layer step: `return async_work(op, fn, arg);`. @fn runs in a worker
 * thread and may block; its return value resumes the layer. Back-pressure:
 * when ASYNC_WORK_QUEUE steps are queued the step fails with -EAGAIN at once.
 */
int64_t async_work(struct async_op *op, int64_t (*fn)(void *arg), void *arg);
struct async_work_stats {
	unsigned queued, running;
	unsigned long done, rejected, cancelled;
};
void async_work_stats(struct async_work_stats *out);

#endif
