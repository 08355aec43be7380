/*
 * async_stress - submitters, completers, cancellers and an introspector racing
 * on shared waiters: thousands of ops of every kind (deferred, synchronous,
 * fragmented loops, joins, deadlines, the async mutex, worker steps, multishot
 * ops fed by a producer thread while slots are armed around them).
 *
 * Checks: every submitted op posts exactly one final event to its own slot
 * with a plausible result; afterwards every pool is back to zero.
 * Usage: async_stress [seconds]   (default 8). Built with TSan and ASan+UBSan.
 *
 * A lost event must be a failure that says what was lost, never a hang until
 * the runner's timeout: every submission keeps a trace ring of its recent
 * transitions (armed, built as kind K, submitted, cancel requested, event),
 * the submitters stop waiting DRAIN_NS after the submitting ends, and a
 * watchdog fires WATCHDOG_NS after that in case a thread is stuck in the core.
 * Either prints, for each slot whose final event never came, its trace and
 * what introspection says of its op (state, frames, what each waits on), and
 * fails (lost_event / watchdog).
 */
#include "synth.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define SUBMITTERS  2
#define SLOTS	    48
#define TRACE_LEN   16		   /* transitions kept per slot */
#define DRAIN_NS    20000000000ULL /* after the submitting ends: every event must be in */
#define WATCHDOG_NS 40000000000ULL /* after the submitting ends: a stuck thread is a failure */

static int stop_submitting, stop_all; /* [a] */
#define STOPPED(flag) __atomic_load_n(&(flag), __ATOMIC_ACQUIRE)
static struct async_waiter *waiters[SUBMITTERS];
static struct async_mutex big_lock;
static unsigned long failures, total_ops, total_cancels;
static pthread_mutex_t fail_lock = PTHREAD_MUTEX_INITIALIZER;

static void fail(const char *what, long a, long b)
{
	pthread_mutex_lock(&fail_lock);
	if (failures++ < 10)
		printf("TEST FAIL stress/%s: %s:%d: %ld %ld\n", what, __FILE__, __LINE__, a, b);
	pthread_mutex_unlock(&fail_lock);
}

/* ---- per-op trace: the history printed when an event is lost ---- */

struct trace_ent {
	uint64_t ns;
	const char *what;
	long a, b;
};

/* One per (submitter, slot): the current and the previous submissions on it. */
struct op_trace {
	pthread_mutex_t lock;
	unsigned n;			 /* [lock] entries ever written */
	struct trace_ent ent[TRACE_LEN]; /* [lock] ring, ent[n % TRACE_LEN] next */
	const void *op;			 /* [lock] the current submission's op (an id) */
	bool outstanding;		 /* [lock] its final event has not come */
};
static struct op_trace traces[SUBMITTERS][SLOTS];
static uint64_t t0_ns;

static void trace(unsigned sub, unsigned slot, const char *what, long a, long b)
{
	struct op_trace *t = &traces[sub][slot];

	pthread_mutex_lock(&t->lock);
	t->ent[t->n++ % TRACE_LEN] = (struct trace_ent){async_port_now_ns(), what, a, b};
	pthread_mutex_unlock(&t->lock);
}

static void trace_outstanding(unsigned sub, unsigned slot, const void *op, bool outstanding)
{
	struct op_trace *t = &traces[sub][slot];

	pthread_mutex_lock(&t->lock);
	if (op)
		t->op = op;
	t->outstanding = outstanding;
	pthread_mutex_unlock(&t->lock);
}

struct missing {
	const void *op;
	unsigned found;
};

static void find_op(const struct async_op_info *oi, void *arg)
{
	struct missing *m = arg;

	m->found = oi->op == m->op;
	if (m->found)
		printf("#   live op %p: %s, age %llu us, cancel %d, %u frames\n", oi->op, oi->state,
		       (unsigned long long)(oi->age_ns / 1000), oi->cancel_reason, oi->nframes);
}

static void find_frame(const struct async_frame_info *fi, void *arg)
{
	struct missing *m = arg;

	if (m->found)
		printf("#     #%u %s: %s\n", fi->depth, fi->layer,
		       fi->waiting_on ? fi->waiting_on : "-");
}

/* Prints every slot of @sub still waiting for its final event; returns how many. */
static unsigned report_missing(unsigned sub, const char *test)
{
	unsigned slot, i, lost = 0;
	struct async_waiter_stats ws;

	async_waiter_stats(waiters[sub], &ws);
	printf("# waiter %u: %u slots armed, %u events queued, %lu posted, %lu stale posts\n", sub,
	       ws.armed, ws.queued, ws.posted, ws.stale_posts);
	for (slot = 0; slot < SLOTS; slot++) {
		struct op_trace *t = &traces[sub][slot];
		struct missing m = {0};

		pthread_mutex_lock(&t->lock);
		if (t->outstanding) {
			lost++;
			m.op = t->op;
			printf("TEST FAIL stress/%s: %s:%d: waiter %u slot %u: no final event "
			       "collected (op %p); its last transitions:\n",
			       test, __FILE__, __LINE__, sub, slot, t->op);
			for (i = t->n > TRACE_LEN ? t->n - TRACE_LEN : 0; i < t->n; i++) {
				const struct trace_ent *e = &t->ent[i % TRACE_LEN];

				printf("#   %10.3f ms %s %ld %ld\n", (double)(e->ns - t0_ns) / 1e6,
				       e->what, e->a, e->b);
			}
		}
		pthread_mutex_unlock(&t->lock);
		if (m.op) {
			async_introspect(find_op, find_frame, &m);
			printf(
			    "#   (no live op %p above: it posted, or was freed without posting)\n",
			    m.op);
		}
	}
	return lost;
}

/* ---- op kinds ---- */

static int kid_setup(struct async_op *child, unsigned i, void *arg)
{
	(void)i;
	(void)arg;
	return synth_push(child, SYNTH_DEFERRED, 1);
}

static int64_t join_start(struct async_op *op, void *state)
{
	struct async_join_spec spec = {
	    .policy = ASYNC_JOIN_ALL, .nchildren = 3, .setup = kid_setup};

	(void)state;
	return async_join(op, &spec);
}
static const struct async_layer join3_layer = {.name = "join3", .start = join_start};

/* First success wins: the other two are cancelled while they may be completing. */
static int64_t first_start(struct async_op *op, void *state)
{
	struct async_join_spec spec = {
	    .policy = ASYNC_JOIN_FIRST, .nchildren = 3, .setup = kid_setup};

	(void)state;
	return async_join(op, &spec);
}
static const struct async_layer first3_layer = {.name = "first3", .start = first_start};

struct crit_state {
	int64_t val;
	bool locked;
};

static int64_t crit_start(struct async_op *op, void *state)
{
	(void)state;
	return async_mutex_lock(&big_lock, op);
}

static int64_t crit_resume(struct async_op *op, void *state, int64_t r)
{
	struct crit_state *s = state;
	int err;

	if (!s->locked) {
		if (r < 0)
			return r;
		s->locked = true;
		err = synth_push(op, SYNTH_DEFERRED, s->val);
		if (!err)
			return ASYNC_CALL;
		r = err;
	}
	async_mutex_unlock(&big_lock);
	return r;
}
static const struct async_layer crit_layer = {
    .name = "crit",
    .state_size = sizeof(struct crit_state),
    .start = crit_start,
    .resume = crit_resume,
};

static int64_t slow_lookup(void *arg)
{
	return (int64_t)(uintptr_t)arg;
}

struct lookup_state {
	uintptr_t key;
};

static int64_t lookup_start(struct async_op *op, void *state)
{
	return async_work(op, slow_lookup, (void *)((struct lookup_state *)state)->key);
}
static const struct async_layer lookup_layer = {
    .name = "lookup",
    .state_size = sizeof(struct lookup_state),
    .start = lookup_start,
};

/*
 * Multishot: the op pends; the producer thread posts 1..8 events with
 * ASYNC_EV_MORE to it (racing the submitters that arm slots, which the ring's
 * final-event reservations must keep apart) and then completes it with its
 * slot number. A cancel or a deadline ends it early.
 */
#define MULTI_MAX (SUBMITTERS * SLOTS)
static pthread_mutex_t multi_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	struct async_op *op; /* [multi_lock] pending multishot op, NULL: none */
	uint32_t tok;	     /* [multi_lock] its pending period's token */
	unsigned left;	     /* [multi_lock] events still to post before the final one */
	int64_t final;	     /* [multi_lock] its final result */
} multi[MULTI_MAX];

struct multi_state {
	unsigned idx; /* submitter * SLOTS + slot */
	unsigned events;
	int64_t final;
};

static int64_t multi_start(struct async_op *op, void *state)
{
	struct multi_state *m = state;

	pthread_mutex_lock(&multi_lock);
	multi[m->idx].op = op;
	multi[m->idx].tok = async_op_token(op);
	multi[m->idx].left = m->events;
	multi[m->idx].final = m->final;
	pthread_mutex_unlock(&multi_lock);
	return ASYNC_PENDING;
}

static void multi_cancel(struct async_op *op, void *state)
{
	struct multi_state *m = state;
	uint32_t tok = 0;
	bool was;

	pthread_mutex_lock(&multi_lock);
	was = multi[m->idx].op == op;
	if (was)
		tok = multi[m->idx].tok;
	if (was)
		multi[m->idx].op = NULL;
	pthread_mutex_unlock(&multi_lock);
	if (was)
		async_op_complete(op, tok, async_op_cancel_reason(op));
}
static const struct async_layer multi_layer = {
    .name = "multi",
    .state_size = sizeof(struct multi_state),
    .start = multi_start,
    .cancel = multi_cancel,
};

static unsigned long more_posted, more_refused; /* [multi_lock] */

/* One event for multishot op @idx, if there is one; its final one after the last. */
static void multi_produce(unsigned idx)
{
	struct async_op *done = NULL;
	int64_t final = 0;
	uint32_t tok = 0;
	int r;

	pthread_mutex_lock(&multi_lock);
	if (multi[idx].op && multi[idx].left) {
		r = async_op_post_more(multi[idx].op, multi[idx].left, 0, 0);
		if (r == 0) {
			more_posted++;
			multi[idx].left--;
		} else if (r == -EAGAIN) {
			more_refused++; /* the ring is full: keep the data, try later */
		} else {
			fail("post_more", idx, r);
		}
	} else if (multi[idx].op) {
		done = multi[idx].op;
		final = multi[idx].final;
		tok = multi[idx].tok;
		multi[idx].op = NULL;
	}
	pthread_mutex_unlock(&multi_lock);
	if (done)
		async_op_complete(done, tok, final);
}

enum {
	K_DEFERRED,
	K_SYNC,
	K_LOOP,
	K_JOIN,
	K_FIRST,
	K_DEADLINE,
	K_MUTEX,
	K_WORKER,
	K_MULTI,
	K_KINDS
};

static int build(struct async_op *op, int kind, unsigned idx, unsigned slot, int64_t *expect)
{
	*expect = slot;
	switch (kind) {
	case K_MULTI: {
		struct multi_state *m = async_push(op, &multi_layer);

		if (m)
			*m = (struct multi_state){idx, 1 + slot % 8, slot};
		return m ? 0 : -ENOMEM;
	}
	case K_DEFERRED:
		return synth_push(op, SYNTH_DEFERRED, slot);
	case K_SYNC:
		return synth_push(op, SYNTH_SYNC, slot);
	case K_LOOP:
		*expect = 3 * 512;
		return loop_push(op, 3, SYNTH_DEFERRED);
	case K_JOIN:
		*expect = 3;
		return async_push(op, &join3_layer) ? 0 : -ENOMEM;
	case K_FIRST:
		*expect = 1;
		return async_push(op, &first3_layer) ? 0 : -ENOMEM;
	case K_DEADLINE:
		async_op_set_deadline(op, async_port_now_ns() + 200000);
		return synth_push(op, SYNTH_DEFERRED, slot);
	case K_MUTEX: {
		struct crit_state *s = async_push(op, &crit_layer);

		if (s)
			s->val = slot;
		return s ? 0 : -ENOMEM;
	}
	default: {
		struct lookup_state *s = async_push(op, &lookup_layer);

		if (s)
			s->key = slot;
		return s ? 0 : -ENOMEM;
	}
	}
}

/* ---- threads ---- */

struct submitter {
	unsigned id;
	unsigned seed;
	bool outstanding[SLOTS];
	int64_t expect[SLOTS];
	unsigned long submitted, completed, more;
	bool lost; /* gave up waiting for events: their slots stay armed */
};
static unsigned submitters_done; /* [a] */

static void submit_one(struct submitter *s, unsigned slot)
{
	struct async_waiter *w = waiters[s->id];
	struct async_handle h;
	struct async_op *op;

	int kind = rand_r(&s->seed) % K_KINDS, err;
	unsigned how;

	/* Three ways to get an op: armed and bound in one call (the rings' path),
	 * bound to the armed slot afterwards, or from the pool. */
	op = NULL;
	how = rand_r(&s->seed) % 3;
	err =
	    how == 0 ? async_op_alloc_armed(w, slot, NULL, &h, &op) : async_waiter_arm(w, slot, &h);
	if (err == -EAGAIN)
		return; /* multishot events fill the ring: collect them first */
	if (err)
		return fail("arm", slot, err);
	trace(s->id, slot, "armed, generation", h.gen, 0);
	if (how == 1)
		op = async_op_alloc_for(&h, NULL);
	else if (how == 2)
		op = async_op_alloc(NULL);
	if (!op) {
		async_waiter_disarm(&h);
		return;
	}
	if (build(op, kind, s->id * SLOTS + slot, slot, &s->expect[slot])) {
		async_op_discard(op);
		async_waiter_disarm(&h);
		return;
	}
	trace(s->id, slot, "built: kind, expected result", kind, (long)s->expect[slot]);
	/* Before submit: a synchronous op posts (and may be freed) inside it. */
	trace_outstanding(s->id, slot, op, true);
	if (async_op_submit(op, &h)) {
		trace_outstanding(s->id, slot, NULL, false);
		async_waiter_disarm(&h);
		return;
	}
	trace(s->id, slot, "submitted", 0, 0);
	s->outstanding[slot] = true;
	s->submitted++;
}

static void check_event(struct submitter *s, const struct async_event *ev)
{
	if (ev->slot >= SLOTS || !s->outstanding[ev->slot])
		return fail("event_for_idle_slot", ev->slot, ev->result);
	if (ev->flags & ASYNC_EV_MORE) {
		trace(s->id, ev->slot, "multishot event: result", (long)ev->result, 0);
		s->more++;
		return;
	}
	trace(s->id, ev->slot, "final event: result, flags", (long)ev->result, ev->flags);
	trace_outstanding(s->id, ev->slot, NULL, false);
	if (ev->result != s->expect[ev->slot] && ev->result != -ECANCELED &&
	    ev->result != -ETIMEDOUT && ev->result != -EAGAIN)
		fail("unexpected_result", ev->slot, ev->result);
	s->outstanding[ev->slot] = false;
	s->completed++;
}

static unsigned outstanding(const struct submitter *s)
{
	unsigned i, n = 0;

	for (i = 0; i < SLOTS; i++)
		n += s->outstanding[i];
	return n;
}

static void *submitter_main(void *arg)
{
	struct submitter *s = arg;
	struct async_event ev[16];
	uint64_t drain_end = 0;
	unsigned i;
	int n;

	while (!STOPPED(stop_submitting) || outstanding(s)) {
		for (i = 0; i < SLOTS && !STOPPED(stop_submitting); i++)
			if (!s->outstanding[i] && rand_r(&s->seed) % 2)
				submit_one(s, i);
		n = async_wait_event(waiters[s->id], ev, 16, 2000000);
		for (i = 0; i < (unsigned)n; i++)
			check_event(s, &ev[i]);
		if (STOPPED(stop_submitting) && !drain_end)
			drain_end = async_port_now_ns() + DRAIN_NS;
		if (drain_end && async_port_now_ns() > drain_end) {
			/* Bounded: an event that has not come by now is lost. */
			pthread_mutex_lock(&fail_lock);
			failures += report_missing(s->id, "lost_event");
			pthread_mutex_unlock(&fail_lock);
			s->lost = true;
			break;
		}
	}
	__atomic_add_fetch(&submitters_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void *completer_main(void *arg)
{
	unsigned seed = (unsigned)(uintptr_t)arg;

	while (!STOPPED(stop_all)) {
		if (!synth_complete_pick((unsigned)rand_r(&seed)))
			usleep(50);
	}
	return NULL;
}

static void *producer_main(void *arg)
{
	unsigned seed = (unsigned)(uintptr_t)arg;

	while (!STOPPED(stop_all)) {
		multi_produce((unsigned)rand_r(&seed) % MULTI_MAX);
		if (rand_r(&seed) % 8 == 0)
			usleep(20);
	}
	return NULL;
}

static void *canceller_main(void *arg)
{
	unsigned seed = (unsigned)(uintptr_t)arg;

	while (!STOPPED(stop_all)) {
		unsigned sub = (unsigned)rand_r(&seed) % SUBMITTERS,
			 slot = (unsigned)rand_r(&seed) % SLOTS;

		if (async_waiter_cancel(waiters[sub], slot) == 0) {
			trace(sub, slot, "cancel requested", 0, 0);
			__atomic_add_fetch(&total_cancels, 1, __ATOMIC_RELAXED);
		}
		usleep(200);
	}
	return NULL;
}

static void ignore_op(const struct async_op_info *oi, void *arg)
{
	(void)oi;
	(*(unsigned long *)arg)++;
}

static void ignore_frame(const struct async_frame_info *fi, void *arg)
{
	(void)fi;
	(*(unsigned long *)arg)++;
}

static void *introspector_main(void *arg)
{
	struct async_op_stats st;
	unsigned long seen = 0;

	(void)arg;
	while (!STOPPED(stop_all)) {
		async_introspect(ignore_op, ignore_frame, &seen);
		async_op_stats(&st); /* walks every waiter's slots while ops come and go */
		usleep(5000);
	}
	return NULL;
}

/*
 * Waits for the submitters to finish draining, at most WATCHDOG_NS: a thread
 * stuck in the core would otherwise hang the program until the runner kills
 * it, saying nothing. Then it reports what is missing and exits.
 */
static void watchdog(const char *name)
{
	uint64_t end = async_port_now_ns() + WATCHDOG_NS;
	unsigned i, lost = 0;

	while (__atomic_load_n(&submitters_done, __ATOMIC_ACQUIRE) < SUBMITTERS) {
		if (async_port_now_ns() > end) {
			for (i = 0; i < SUBMITTERS; i++)
				lost += report_missing(i, "watchdog");
			if (!lost)
				printf("TEST FAIL stress/watchdog: %s:%d: a submitter is stuck, "
				       "no event missing\n",
				       __FILE__, __LINE__);
			printf("%s: 0 passed, 1 failed\n", name);
			fflush(stdout);
			_exit(1);
		}
		usleep(10000);
	}
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 8;
	const char *name = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	static struct submitter subs[SUBMITTERS];
	pthread_t sub_th[SUBMITTERS], other[5];
	unsigned long more_collected = 0;
	struct async_op_stats st;
	int i, passed = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	t0_ns = async_port_now_ns();
	for (i = 0; i < SUBMITTERS * SLOTS; i++)
		pthread_mutex_init(&traces[i / SLOTS][i % SLOTS].lock, NULL);
	async_mutex_init(&big_lock);
	if (async_workers_init())
		return 1;
	for (i = 0; i < SUBMITTERS; i++) {
		if (async_waiter_create(SLOTS, &waiters[i]))
			return 1;
		subs[i].id = (unsigned)i;
		subs[i].seed = (unsigned)i * 7919u + 1;
		pthread_create(&sub_th[i], NULL, submitter_main, &subs[i]);
	}
	pthread_create(&other[0], NULL, completer_main, (void *)1);
	pthread_create(&other[1], NULL, completer_main, (void *)2);
	pthread_create(&other[2], NULL, canceller_main, (void *)3);
	pthread_create(&other[3], NULL, introspector_main, NULL);
	pthread_create(&other[4], NULL, producer_main, (void *)4);
	usleep((useconds_t)(seconds * 1e6));
	__atomic_store_n(&stop_submitting, 1, __ATOMIC_RELEASE);
	watchdog(name);
	for (i = 0; i < SUBMITTERS; i++) {
		pthread_join(sub_th[i], NULL);
		total_ops += subs[i].submitted;
		if (subs[i].submitted != subs[i].completed)
			fail("exactly_once", (long)subs[i].submitted, (long)subs[i].completed);
	}
	__atomic_store_n(&stop_all, 1, __ATOMIC_RELEASE);
	for (i = 0; i < 5; i++)
		pthread_join(other[i], NULL);
	/* Every multishot event posted was collected once (the threads are joined). */
	for (i = 0; i < SUBMITTERS; i++)
		more_collected += subs[i].more;
	if (more_collected != more_posted)
		fail("multishot_exactly_once", (long)more_posted, (long)more_collected);
	for (i = 0; i < SUBMITTERS; i++)
		if (async_waiter_destroy(waiters[i]))
			fail("waiter_destroy", i, 0);
	/* Counted from the waiters (destroyed now) and the done callbacks: all in. */
	async_op_stats(&st);
	if (st.submitted != st.completed || st.completed < total_ops)
		fail("op_stats", (long)st.submitted, (long)st.completed);
	if (failures == 0) {
		printf("# %s: %lu ops, %lu cancels, %lu multishot events (%lu refused: ring "
		       "full)\n",
		       name, total_ops, total_cancels, more_posted, more_refused);
		printf("TEST PASS %s/exactly_once\n", name);
		passed++;
	}
	if (pools_in_use() == 0 && synth_deferred_count() == 0) {
		printf("TEST PASS %s/pools_drained\n", name);
		passed++;
	} else {
		printf("TEST FAIL %s/pools_drained: %s:%d: %u objects still in use\n", name,
		       __FILE__, __LINE__, pools_in_use());
	}
	if (total_ops < 1000) {
		printf("TEST FAIL %s/enough_ops: %s:%d: only %lu ops\n", name, __FILE__, __LINE__,
		       total_ops);
	} else {
		printf("TEST PASS %s/enough_ops\n", name);
		passed++;
	}
	printf("%s: %d passed, %d failed\n", name, passed, 3 - passed);
	return passed == 3 ? 0 : 1;
}
