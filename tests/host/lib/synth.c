/* synth.c - synthetic layers for host tests; see synth.h. */
#include "synth.h"

#include <pthread.h>
#include <unistd.h>

struct synth_state {
	struct async_op *op;
	int64_t result;
	uint32_t token; /* the op's pending period, read by start */
	enum synth_mode mode;
	bool listed;
	struct synth_state *next;
};

static pthread_mutex_t list_lock = PTHREAD_MUTEX_INITIALIZER;
static struct synth_state *list_head, *list_tail;
static unsigned list_count;
static unsigned long cancel_calls;

static int64_t synth_start(struct async_op *op, void *state);
static void synth_cancel(struct async_op *op, void *state);

static const char *synth_waiting_on(const void *state)
{
	const struct synth_state *s = state;

	return s->mode == SYNTH_RETURN || s->mode == SYNTH_SYNC ? "nothing" : "synthetic device";
}

static const struct async_layer synth_layer = {
    .name = "synth",
    .state_size = sizeof(struct synth_state),
    .start = synth_start,
    .cancel = synth_cancel,
    .waiting_on = synth_waiting_on,
};

static const struct async_layer synth_layer_nocancel = {
    .name = "synth-nocancel",
    .state_size = sizeof(struct synth_state),
    .start = synth_start,
    .waiting_on = synth_waiting_on,
};

int synth_push(struct async_op *op, enum synth_mode mode, int64_t result)
{
	struct synth_state *s =
	    async_push(op, mode == SYNTH_UNCANCELLABLE ? &synth_layer_nocancel : &synth_layer);

	if (!s)
		return (int)async_op_push_error(op);
	s->op = op;
	s->mode = mode;
	s->result = result;
	return 0;
}

static int64_t synth_start(struct async_op *op, void *state)
{
	struct synth_state *s = state;

	s->token = async_op_token(op);
	switch (s->mode) {
	case SYNTH_RETURN:
		return s->result;
	case SYNTH_SYNC:
		async_op_complete(op, s->token, s->result);
		return ASYNC_PENDING;
	default:
		pthread_mutex_lock(&list_lock);
		s->listed = true;
		s->next = NULL;
		if (list_tail)
			list_tail->next = s;
		else
			list_head = s;
		list_tail = s;
		list_count++;
		pthread_mutex_unlock(&list_lock);
		return ASYNC_PENDING;
	}
}

/* Takes @s off the list; list_lock held. */
static void __unlist(struct synth_state *s)
{
	struct synth_state *prev = NULL, *it;

	for (it = list_head; it != s; it = it->next)
		prev = it;
	if (prev)
		prev->next = s->next;
	else
		list_head = s->next;
	if (list_tail == s)
		list_tail = prev;
	s->listed = false;
	list_count--;
}

static void synth_cancel(struct async_op *op, void *state)
{
	struct synth_state *s = state;
	bool was;

	pthread_mutex_lock(&list_lock);
	cancel_calls++;
	was = s->listed;
	if (was)
		__unlist(s);
	pthread_mutex_unlock(&list_lock);
	if (was)
		async_op_complete(op, s->token, async_op_cancel_reason(op));
}

static bool complete_nth(unsigned n, int64_t override)
{
	struct synth_state *s;
	struct async_op *op;
	uint32_t token;
	int64_t r;

	pthread_mutex_lock(&list_lock);
	if (!list_count) {
		pthread_mutex_unlock(&list_lock);
		return false;
	}
	for (s = list_head, n %= list_count; n; n--)
		s = s->next;
	__unlist(s);
	op = s->op;
	token = s->token;
	r = override ? override : s->result;
	pthread_mutex_unlock(&list_lock);
	async_op_complete(op, token, r);
	return true;
}

bool synth_complete_next(int64_t override)
{
	return complete_nth(0, override);
}

bool synth_complete_pick(unsigned pick)
{
	return complete_nth(pick, 0);
}

unsigned synth_deferred_count(void)
{
	unsigned n;

	pthread_mutex_lock(&list_lock);
	n = list_count;
	pthread_mutex_unlock(&list_lock);
	return n;
}

unsigned long synth_cancel_calls(void)
{
	unsigned long n;

	pthread_mutex_lock(&list_lock);
	n = cancel_calls;
	pthread_mutex_unlock(&list_lock);
	return n;
}

/* ---- Fragmented read: re-arm the device frame nfrag times ---- */

struct loop_state {
	unsigned left;
	enum synth_mode mode;
	int64_t total;
};

static int64_t loop_arm(struct async_op *op, struct loop_state *l)
{
	int err = synth_push(op, l->mode, 512);

	return err ? err : ASYNC_CALL;
}

static int64_t loop_start(struct async_op *op, void *state)
{
	return loop_arm(op, state);
}

static int64_t loop_resume(struct async_op *op, void *state, int64_t r)
{
	struct loop_state *l = state;

	if (r < 0)
		return r;
	l->total += r;
	if (--l->left == 0)
		return l->total;
	return loop_arm(op, l);
}

static const struct async_layer loop_layer = {
    .name = "loop",
    .state_size = sizeof(struct loop_state),
    .start = loop_start,
    .resume = loop_resume,
};

int loop_push(struct async_op *op, unsigned nfrag, enum synth_mode mode)
{
	struct loop_state *l = async_push(op, &loop_layer);

	if (!l)
		return (int)async_op_push_error(op);
	l->left = nfrag;
	l->mode = mode;
	return 0;
}

/* ---- Deep stack: frames of ~200 bytes down to a device ---- */

struct deep_state {
	unsigned depth;
	enum synth_mode mode;
	char pad[192];
};
ASYNC_FRAME_STATE_CHECK(struct deep_state);

static int64_t deep_start(struct async_op *op, void *state)
{
	struct deep_state *d = state;
	int err;

	if (d->depth == 0)
		err = synth_push(op, d->mode, 1);
	else
		err = deep_push(op, d->depth - 1, d->mode);
	return err ? err : ASYNC_CALL;
}

static int64_t deep_resume(struct async_op *op, void *state, int64_t r)
{
	(void)op;
	(void)state;
	return r < 0 ? r : r + 1;
}

static const struct async_layer deep_layer = {
    .name = "deep",
    .state_size = sizeof(struct deep_state),
    .start = deep_start,
    .resume = deep_resume,
};

int deep_push(struct async_op *op, unsigned depth, enum synth_mode mode)
{
	struct deep_state *d = async_push(op, &deep_layer);

	if (!d)
		return (int)async_op_push_error(op);
	d->depth = depth;
	d->mode = mode;
	return 0;
}

static void add_in_use(struct async_pool *p, void *arg)
{
	struct async_pool_stats st;

	async_pool_stats(p, &st);
	*(unsigned *)arg += st.in_use;
}

unsigned pools_in_use_now(void)
{
	unsigned n = 0;

	async_pool_foreach(add_in_use, &n);
	return n;
}

unsigned pools_in_use(void)
{
	unsigned n = 0, tries;

	for (tries = 0; tries < 1000; tries++) {
		n = 0;
		async_pool_foreach(add_in_use, &n);
		if (n == 0)
			break;
		usleep(1000);
	}
	return n;
}

struct async_event wait_one(struct async_waiter *w)
{
	struct async_event ev = {.slot = UINT32_MAX};

	if (async_wait_event(w, &ev, 1, 2000000000ull) != 1)
		ev.slot = UINT32_MAX;
	return ev;
}

int submit_synth(struct async_waiter *w, unsigned slot, enum synth_mode mode, int64_t result)
{
	struct async_handle h;
	struct async_op *op;
	int err = async_waiter_arm(w, slot, &h);

	if (err)
		return err;
	op = async_op_alloc_for(&h, NULL); /* the lean path: the waiter's op cache */
	if (!op) {
		async_waiter_disarm(&h);
		return -ENOMEM;
	}
	synth_push(op, mode, result);
	err = async_op_submit(op, &h);
	if (err)
		async_waiter_disarm(&h);
	return err;
}

static __thread jmp_buf *panic_jmp;

static void panic_to_jmp(const char *msg)
{
	(void)msg;
	longjmp(*panic_jmp, 1);
}

bool panics(void (*fn)(void *arg), void *arg)
{
	jmp_buf jb;
	volatile bool hit = false;

	panic_jmp = &jb;
	host_set_panic_hook(panic_to_jmp);
	if (setjmp(jb) == 0)
		fn(arg);
	else
		hit = true;
	host_set_panic_hook(NULL);
	return hit;
}
