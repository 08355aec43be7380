/*
 * async_int.h - private to kernel/async/: the op structure and the helpers
 * the core files share. Nothing outside kernel/async/ includes this.
 *
 * Lock legend: [I] immutable once the op is submitted, [L] under op->lock,
 * [a] atomic, [O] owned by whoever holds op->busy (the running trampoline,
 * or the thread preparing the op).
 */
#ifndef ASYNC_INT_H
#define ASYNC_INT_H

#include <async/async.h>

/* Op lifecycle; the diagram and transitions are at the head of op.c. */
enum async_op_state {
	OP_FREE,
	OP_PREPARING,
	OP_SUBMITTED,
	OP_PENDING,
	OP_COMPLETING,
	OP_COMPLETED,
};

/* A spill chunk: the continuation of an op's stack in its heap. */
struct async_spill {
	struct async_spill *prev; /* [O] chunk below, NULL above the inline stack */
	uint32_t used;		  /* [O] bytes of frames in data[] */
	uint32_t pad;
	unsigned char data[];
};
#define ASYNC_SPILL_DATA (ASYNC_SPILL_CHUNK - sizeof(struct async_spill))
#define ASYNC_FRAME_HDR	 ((sizeof(struct async_frame) + 15) & ~(size_t)15)

_Static_assert(ASYNC_FRAME_HDR + ASYNC_FRAME_STATE_MAX <= ASYNC_SPILL_CHUNK - 16,
	       "a spill chunk must hold the largest frame");
_Static_assert(ASYNC_FRAME_HDR + ASYNC_FRAME_STATE_MAX <= ASYNC_STACK_BYTES,
	       "the inline stack must hold the largest frame");

/*
 * Two parts. The shared header (lock up to heap) is never cleared by a
 * memset: an op parked in a waiter's op cache is reused without going back
 * to the pool, so the introspection walk (which visits every op the pool
 * has handed out, under the pool lock) may lock and read it while it is
 * freed into the cache or initialised again. The walk therefore reads
 * state, busy, cancel_reason, submit_ns and heap with atomic loads, and the
 * paths that write them without op->lock (op_init, op_start, op_finish, the
 * recycle) use atomic stores; everything else is cleared at each allocation,
 * but the deadline timer, which op_start initialises before it arms it.
 */
struct async_op {
	async_spinlock_t lock; /* initialised once per pool allocation, kept across cache reuse */
	/*
	 * [L] token of the current pending period (async_op_token): a completion
	 * naming another one is stale. Bumped when a completion is accepted, and
	 * kept across free and reuse, so a completion from the op's previous life
	 * does not match either. Written under the lock, read atomically.
	 */
	uint32_t period;
	uint8_t state;		 /* [L][a] enum async_op_state; op_state() / op_set_state() */
	bool busy;		 /* [L] someone owns the frames ([O] fields) */
	int cancel_reason;	 /* [L] 0 or -ECANCELED / -ETIMEDOUT, first wins */
	uint64_t submit_ns;	 /* [O][a] set at submit, read by introspection */
	struct async_heap *heap; /* [I] where frames spill */
	/* ---- cleared at each allocation (op_init) ---- */
	int refs;		     /* [a] in-flight ref + timer ref + borrowers */
	bool have_result;	     /* [L] a completion waits for the owner to take it */
	bool cancel_delivered;	     /* [L] the pending frame's cancel hook was called */
	bool timer_armed;	     /* [O] the deadline timer holds a reference */
	bool bound;		     /* [O] allocated for its slot (async_op_alloc_for) */
	int64_t result;		     /* [L] valid iff have_result */
	int64_t push_err;	     /* [O] why the last async_push() failed */
	struct async_frame *top;     /* [O] top frame, NULL when the stack is empty */
	struct async_spill *spill;   /* [O] top spill chunk, NULL while frames fit inline */
	struct async_spill *reserve; /* [O] pre-taken chunks (async_op_reserve) */
	unsigned reserved;	     /* [O] chunks async_op_reserve took: kept for the op's life */
	unsigned held;		     /* [O] chunks the op holds: its spill chain + its reserve */
	uint32_t inline_used;	     /* [O] bytes of stack[] in use */
	uint32_t nframes;	     /* [O] */
	struct async_handle handle;  /* [I] where the final event goes, if !done */
	void (*done)(struct async_op *op, int64_t res, void *arg); /* [I] */
	void *done_arg;						   /* [I] */
	uint64_t deadline_ns;					   /* [I] 0: none */
	bool run_resume;	     /* [O] deferred step: resume the top frame with run_value */
	int64_t run_value;	     /* [O] deferred step: its value (see op_run in op.c) */
	struct async_op *run_next;   /* [O] link on a context's run list, valid iff deferred */
	struct async_op *cache_next; /* [W] link in a waiter's op cache, valid iff cached */
	uint16_t final_flags;	     /* [O] ASYNC_EV_BUF when the final event names a buffer */
	uint16_t final_buf;	     /* [O] that buffer's id, valid iff final_flags */
	void (*finish_fn)(void *arg, unsigned val); /* [I] async_op_on_finish, or NULL */
	void *finish_arg;			    /* [I] */
	unsigned finish_val;			    /* [I] */
	struct async_post_batch *post_batch; /* [O] where a final event made inside the submit
						waits (async_op_alloc_armed_batch); cleared when the
						op parks or is deferred to an outer trampoline */
	/* ---- end of the cleared part ---- */
	struct async_port_timer timer; /* [O] valid iff timer_armed: op_start initialises it */
	unsigned char stack[ASYNC_STACK_BYTES] __attribute__((aligned(16)));
};

/* The op's lifecycle state: atomic, as it is written without the lock by the owner. */
static inline unsigned op_state(const struct async_op *op)
{
	return __atomic_load_n(&op->state, __ATOMIC_ACQUIRE);
}

static inline void op_set_state(struct async_op *op, unsigned state)
{
	__atomic_store_n(&op->state, (uint8_t)state, __ATOMIC_RELEASE);
}

/*
 * Zeroes the @n bytes at @p (both 8-byte aligned) with plain stores. For the
 * short clears of every op (its header, each frame's state): a port's memset
 * may be a `rep stos`, which under QEMU's TCG costs one pass through the
 * translated loop per step (Tessera's own lib/string.c no longer is one).
 */
static inline void async_zero_words(void *p, size_t n)
{
	uint64_t *w = p;

	for (size_t i = 0; i < n / 8; i++)
		w[i] = 0;
}

static inline void *async_frame_state(struct async_frame *f)
{
	return (unsigned char *)f + ASYNC_FRAME_HDR;
}

/* stack.c */
struct async_frame *__async_frame_alloc(struct async_op *op, size_t size);
void __async_pop(struct async_op *op);
void __async_stack_release(struct async_op *op);
void *__async_heap_take(struct async_heap *h);
void __async_heap_give(struct async_heap *h, void *chunk);

/* waiter.c: binds the op to its armed slot so the slot can cancel it. */
int __async_waiter_attach(const struct async_handle *h, struct async_op *op);
size_t __async_slot_bytes(void);
/*
 * waiter.c, the per-waiter op cache (async_op_alloc_for, op_finish).
 * __async_waiter_cached_op: in one waiter-lock section, checks that @h is
 * armed with no op bound, takes an op from the waiter's cache, runs
 * @init(op, @arg) on it and binds it to the slot. NULL with *err == 0 when
 * the cache is empty (the caller takes one from the pool and attaches it),
 * NULL with *err < 0 when @h cannot take an op (-ENOENT stale, -EBUSY bound).
 * __async_waiter_post_final: the op's final post; in the same lock section
 * the op goes into the waiter's cache if the caller's reference is the last.
 * True if it did: the caller must not touch the op again.
 */
struct async_op *__async_waiter_cached_op(const struct async_handle *h,
					  void (*init)(void *op, void *arg), void *arg, int *err);
/* async_waiter_arm and __async_waiter_cached_op in one section. *err: the
 * arm's error (not armed), or 0 (armed; NULL: the cache is empty), or
 * -ENOMEM (armed, an injected fault refused the cached op). */
struct async_op *__async_waiter_arm_cached(struct async_waiter *w, unsigned slot,
					   struct async_handle *h,
					   void (*init)(void *op, void *arg), void *arg, int *err);
/* As __async_waiter_arm_cached, after posting @b's held op (if any) in the
 * same section; *held_kept: the held op went into the cache (do not touch it). */
struct async_op *__async_waiter_post_arm_cached(struct async_post_batch *b, bool *held_kept,
						struct async_waiter *w, unsigned slot,
						struct async_handle *h,
						void (*init)(void *op, void *arg), void *arg,
						int *err);
bool __async_waiter_post_final(struct async_op *op, int64_t result);
/* Unbinds @op from the slot of @h (an op allocated for it, discarded unsubmitted). */
void __async_waiter_detach(const struct async_handle *h, struct async_op *op);
/* Gives every cached op of every waiter back to the op pool (it ran out). */
unsigned __async_waiter_cache_reclaim(void);
/*
 * The ops that completed to a slot (their final event posted) and those
 * submitted to one (completed + in flight), over every waiter, destroyed ones
 * included: async_op_stats adds them to the counts of ops with a done callback.
 */
void __async_waiter_op_counts(unsigned long *submitted, unsigned long *completed);

/* op.c, for waiter.c */
extern struct async_pool async_op_pool;

/* op.c */
extern unsigned long async_stat_spilled_frames;
void __async_op_check(const struct async_op *op);

/* Atomic helpers (compiler builtins: available freestanding). */
#define async_atomic_inc(p)  __atomic_add_fetch((p), 1, __ATOMIC_ACQ_REL)
#define async_atomic_dec(p)  __atomic_sub_fetch((p), 1, __ATOMIC_ACQ_REL)
#define async_atomic_load(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)

#endif
