/*
 * worker.c - a bounded pool of threads that run blocking steps (a metadata
 * lookup, a synchronous driver) as a frame of an async op.
 *
 * Interface: async_workers_init() from thread context (again if it failed);
 * then from a layer step `return async_work(op, fn, arg);` and the layer
 * resumes with fn's return value. Back-pressure: a full queue (ASYNC_WORK_QUEUE steps) fails the
 * step with -EAGAIN at once; nothing waits for room (the submitter may be in
 * IRQ context). While no worker thread runs (before async_workers_init, or
 * when every thread start failed) the step fails at once with -ENODEV.
 *
 * Start-up: async_workers_init starts threads until ASYNC_WORKERS run. If the
 * port cannot start one, it returns that error and the core stays as it is:
 * the threads already started keep serving the queue, none is counted that
 * did not start, and the next call starts only the missing ones. A call while
 * another is starting threads returns -EBUSY.
 *
 * Work item states (a work frame, under wq.lock):
 *   work_start: QUEUED (in the ring) -> a worker takes it: RUNNING -> fn
 *     returns: async_op_complete(op, token, result)
 *   cancel hook: QUEUED -> its ring entry becomes a hole, complete -ECANCELED;
 *     RUNNING -> nothing: a blocking step cannot be interrupted, the op
 *     completes when it returns (the cancel still reaches the frames below).
 *
 * Ordering: the ring is under wq.lock; a worker reads the frame only after
 * taking it off the ring under that lock, and the op stays pending in the
 * frame until the worker completes it, so the frame cannot move meanwhile.
 */
#include "async_int.h"

struct work_item {
	int64_t (*fn)(void *arg); /* [I] */
	void *arg;		  /* [I] */
	struct async_op *op;	  /* [I] */
	unsigned slot;		  /* [L] ring index, valid iff queued */
	uint32_t token;		  /* [I] the op's pending period, set before queueing */
	bool queued;		  /* [L] */
};
ASYNC_FRAME_STATE_CHECK(struct work_item);

static struct {
	async_spinlock_t lock;
	struct async_port_cond cond;
	bool cond_ready;  /* [L] cond initialised (by the first init) */
	bool starting;	  /* [L] an init is starting threads */
	unsigned threads; /* [L] worker threads started; steps queue iff > 0 */
	struct work_item *ring[ASYNC_WORK_QUEUE]; /* [L] NULL: a cancelled item's hole */
	unsigned head, count;			  /* [L] count includes holes */
	unsigned running;			  /* [L] */
	unsigned long done, rejected, cancelled;  /* [L] */
} wq = {.lock = ASYNC_SPINLOCK_INIT};

static int64_t work_start(struct async_op *op, void *state);
static void work_cancel(struct async_op *op, void *state);

static const char *work_waiting_on(const void *state)
{
	const struct work_item *w = state;

	return __atomic_load_n(&w->queued, __ATOMIC_RELAXED) ? "worker queue" : "worker thread";
}

static const struct async_layer work_layer = {
    .name = "worker",
    .state_size = sizeof(struct work_item),
    .start = work_start,
    .cancel = work_cancel,
    .waiting_on = work_waiting_on,
};

/* The next item, sleeping until there is one; NULL never. Caller holds the lock. */
static struct work_item *__work_take(unsigned long *flags)
{
	struct work_item *w = NULL;

	while (!w) {
		while (wq.count == 0)
			async_port_cond_wait(&wq.cond, &wq.lock, flags, UINT64_MAX);
		w = wq.ring[wq.head];
		wq.head = (wq.head + 1) % ASYNC_WORK_QUEUE;
		wq.count--;
	}
	__atomic_store_n(&w->queued, false, __ATOMIC_RELAXED);
	wq.running++;
	return w;
}

static void worker_main(void *arg)
{
	unsigned long flags;
	struct work_item *w;
	int64_t r;

	(void)arg;
	for (;;) {
		flags = async_spin_lock_irqsave(&wq.lock);
		w = __work_take(&flags);
		async_spin_unlock_irqrestore(&wq.lock, flags);
		r = w->fn(w->arg);
		flags = async_spin_lock_irqsave(&wq.lock);
		wq.running--;
		wq.done++;
		async_spin_unlock_irqrestore(&wq.lock, flags);
		async_op_complete(w->op, w->token, r);
	}
}

int async_workers_init(void)
{
	unsigned long flags = async_spin_lock_irqsave(&wq.lock);
	int err = 0;

	if (wq.starting) {
		async_spin_unlock_irqrestore(&wq.lock, flags);
		return -EBUSY;
	}
	if (!wq.cond_ready) {
		async_port_cond_init(&wq.cond);
		wq.cond_ready = true;
	}
	wq.starting = true;
	/* A thread is counted only once it exists: a failed start leaves nothing behind. */
	while (wq.threads < ASYNC_WORKERS && !err) {
		async_spin_unlock_irqrestore(&wq.lock, flags);
		err = async_port_thread_start("async-worker", worker_main, NULL);
		flags = async_spin_lock_irqsave(&wq.lock);
		if (!err)
			wq.threads++;
	}
	wq.starting = false;
	async_spin_unlock_irqrestore(&wq.lock, flags);
	return err;
}

int64_t async_work(struct async_op *op, int64_t (*fn)(void *arg), void *arg)
{
	struct work_item *w = async_push(op, &work_layer);

	if (!w)
		return async_op_push_error(op);
	w->fn = fn;
	w->arg = arg;
	w->op = op;
	return ASYNC_CALL;
}

static int64_t work_start(struct async_op *op, void *state)
{
	struct work_item *w = state;
	unsigned long flags = async_spin_lock_irqsave(&wq.lock);

	w->token = async_op_token(op);
	if (wq.threads == 0) {
		async_spin_unlock_irqrestore(&wq.lock, flags);
		return -ENODEV;
	}
	if (wq.count == ASYNC_WORK_QUEUE) {
		wq.rejected++;
		async_spin_unlock_irqrestore(&wq.lock, flags);
		return -EAGAIN;
	}
	w->slot = (wq.head + wq.count) % ASYNC_WORK_QUEUE;
	__atomic_store_n(&w->queued, true, __ATOMIC_RELAXED);
	wq.ring[w->slot] = w;
	wq.count++;
	async_port_cond_broadcast(&wq.cond);
	async_spin_unlock_irqrestore(&wq.lock, flags);
	return ASYNC_PENDING;
}

static void work_cancel(struct async_op *op, void *state)
{
	struct work_item *w = state;
	unsigned long flags = async_spin_lock_irqsave(&wq.lock);
	bool was_queued = w->queued;

	if (was_queued) {
		wq.ring[w->slot] = NULL;
		__atomic_store_n(&w->queued, false, __ATOMIC_RELAXED);
		wq.cancelled++;
	}
	async_spin_unlock_irqrestore(&wq.lock, flags);
	if (was_queued)
		async_op_complete(op, w->token, async_op_cancel_reason(op));
}

void async_work_stats(struct async_work_stats *out)
{
	unsigned long flags = async_spin_lock_irqsave(&wq.lock);

	out->queued = wq.count;
	out->running = wq.running;
	out->done = wq.done;
	out->rejected = wq.rejected;
	out->cancelled = wq.cancelled;
	async_spin_unlock_irqrestore(&wq.lock, flags);
}
