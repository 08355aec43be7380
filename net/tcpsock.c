/*
 * tcpsock.c - stream sockets (SOCK_STREAM) on the TCP engine (net/tcp,
 * include/net/tcp.h): connect, accept, send and receive as async ops.
 *
 * A stream socket is a struct net_sock (socket.c's table) whose @tcp is an
 * engine socket; its notify callback is tcp_notify with the net_sock as
 * argument. Waiting ops are struct tcp_frame on the socket's @tcpw list,
 * oldest first. States, as socket.c's frames:
 *
 *   IDLE --start cannot finish at once--> WAITING (on s->tcpw)
 *   WAITING --the engine's notify callback: the op can finish now (data,
 *          room, a connection, established, an error or reset)--> DONE (on
 *          tcp_done, result set)
 *   DONE --net_tcp_complete_deferred (without net_lock)--> completed
 *   WAITING --cancel hook (under net_lock)--> completed with the reason
 *
 * Multishot ops stay WAITING between their events. A multishot receive
 * (@pbq) posts from wherever it runs (start, notify, net_pbq_refilled, all
 * under net_lock) and is also on tcp_pbq_readers while WAITING. A multishot
 * accept (@deliver) must install descriptors without net_lock, so:
 *
 *   WAITING --notify or start: connections queued (tf_kick)--> KICKED (on
 *          tcp_done)
 *   KICKED --net_tcp_complete_deferred--> DELIVERING (on no list; owned by
 *          tf_deliver_accepts) --none left--> WAITING, or --cancel reason,
 *          error, no descriptor, full event ring--> completed
 *   KICKED --cancel hook--> completed with the reason
 *   DELIVERING --cancel hook--> unchanged (the deliverer sees the reason)
 *
 * Only the side that moves a frame out of WAITING completes it, so each op
 * completes exactly once. Every engine call runs under net_lock (the engine
 * is not thread-safe); the notify callback runs inside them, so it only moves
 * frames to tcp_done, and the callers run net_complete_deferred after
 * dropping the lock. A call that moves the engine's next deadline earlier
 * wakes the stack's thread, which sleeps until that deadline.
 *
 * Data is copied straight between the op's buffer (kernel memory or the
 * pinned user pages of its scatter-gather list) and the engine's rings, under
 * net_lock, by the engine's tcp_send_from / tcp_recv_into callbacks: one
 * engine call per attempt, no bounce buffer. A send completes once it queued
 * at least one byte and the send ring is full or the buffer is all queued (a
 * short count, as on Linux with a non-blocking socket; the callers loop). A
 * receive completes with what the receive ring holds, up to the buffer's
 * length, 0 at the end of the stream.
 */
#include <async/pool.h>
#include <fs/vfs.h>
#include <kernel/panic.h>
#include <kernel/string.h>
#include <lib/fmt.h>
#include <net/tcp.h>
#include <uapi/errno.h>
#include "net_int.h"

enum tf_kind { TF_RECV, TF_SEND, TF_CONNECT, TF_ACCEPT };
/* KICKED and DELIVERING are a multishot accept's: see "Multishot accept" below. */
enum tf_state { TF_IDLE, TF_WAITING, TF_DONE, TF_KICKED, TF_DELIVERING };

/* One connect, accept, send or receive op on a stream socket. */
struct tcp_frame {
	struct net_sock *s;    /* [I] */
	enum tf_kind kind;     /* [I] */
	struct async_buf *buf; /* [I] send/receive */
	uint64_t boff, len;    /* [I] */
	bool nowait, borrowed; /* [I] */
	uint32_t raddr;	       /* [I] connect: host order */
	uint16_t rport;	       /* [I] connect: host order */
	struct net_sock **out; /* [I] accept: the new socket goes here */
	struct async_op *op;   /* [I] */
	uint32_t token;	       /* [N] valid in WAITING and DONE */
	struct list_node node; /* [N] on s->tcpw or tcp_done */
	enum tf_state state;   /* [N] */
	int64_t result;	       /* [N] valid in DONE */
	/* Multishot (a receive into provided buffers, or an accept). */
	struct async_pbq *pbq;		      /* [I] receive: the queue, NULL for a one-shot op */
	const struct net_accept_ops *deliver; /* [I] accept: NULL for a one-shot op */
	void *deliver_arg;		      /* [I] */
	struct list_node mnode;		      /* [N] receive: on tcp_pbq_readers while WAITING */
	int final_buf;		   /* [N] receive: buffer id the final event carries, or -1 */
	struct net_sock *accepted; /* [O] multishot accept: the connection being delivered */
};
ASYNC_FRAME_STATE_CHECK(struct tcp_frame);

static struct list_node tcp_done = {&tcp_done, &tcp_done}; /* [N] DONE and KICKED frames */

/* [N] WAITING multishot receives, retried when their queue gets a buffer back */
static struct list_node tcp_pbq_readers = {&tcp_pbq_readers, &tcp_pbq_readers};

static uint32_t ntoh32(uint32_t v)
{
	return __builtin_bswap32(v);
}

static uint16_t ntoh16(uint16_t v)
{
	return (uint16_t)(v >> 8 | v << 8);
}

/* ---- Progress, under net_lock ---- */

/* The engine's copy callbacks: @off is relative to the op's data at fr->boff. */
static void tf_drain(void *arg, size_t off, const void *src, size_t n)
{
	struct tcp_frame *fr = arg;

	vfs_buf_copy_out(fr->buf, fr->boff + off, src, n);
}

static void tf_fill(void *arg, size_t off, void *dst, size_t n)
{
	struct tcp_frame *fr = arg;

	vfs_buf_copy_in(fr->buf, fr->boff + off, dst, n);
}

static int64_t try_recv(struct tcp_frame *fr)
{
	long n = tcp_recv_into(fr->s->tcp, fr->len, tf_drain, fr);

	if (n > 0)
		fr->s->rx += (uint64_t)n;
	return n;
}

/* Queues what fits in the send ring: a short count when it fills (callers loop). */
static int64_t try_send(struct tcp_frame *fr)
{
	long n;

	if (!fr->len)
		return 0;
	n = tcp_send_from(fr->s->tcp, fr->len, tf_fill, fr);
	if (n > 0)
		fr->s->tx += (uint64_t)n;
	return n;
}

static int64_t try_connect(struct tcp_frame *fr)
{
	struct tcp_sock *t = fr->s->tcp;
	int err = tcp_error(t);

	if (err)
		return err;
	switch (tcp_get_state(t)) {
	case TCP_SYN_SENT:
	case TCP_SYN_RECEIVED:
		return -EAGAIN;
	case TCP_CLOSED:
		return -ECONNREFUSED; /* failed, its error already taken */
	default:
		return 0;
	}
}

static void tcp_notify(struct tcp_sock *t, void *arg, unsigned events);

/* Under net_lock: the listener has a connection for tcp_accept, or an error to give. */
static bool accept_ready(struct tcp_frame *fr)
{
	return tcp_get_state(fr->s->tcp) != TCP_LISTEN || (tcp_poll(fr->s->tcp) & TCP_EV_ACCEPT);
}

/* The socket comes first: a connection is taken only when it has one (else -ENFILE, and the
 * connection stays queued for a later accept: never a reset for want of a socket). */
static int64_t try_accept(struct tcp_frame *fr)
{
	struct tcp_sock *c;
	struct net_sock *ns;
	int err;

	if (!accept_ready(fr))
		return -EAGAIN;
	ns = net_sock_new_locked(SOCK_STREAM);
	if (!ns)
		return -ENFILE;
	err = tcp_accept(fr->s->tcp, &c);
	if (err) {
		net_sock_free_locked(ns);
		return err;
	}
	ns->tcp = c;
	tcp_set_notify(c, tcp_notify, ns);
	*fr->out = ns;
	return 0;
}

/*
 * A multishot receive: fills provided buffers while the receive ring has
 * data. -EAGAIN keeps it waiting (no data, or no buffer free: the data stays
 * in the ring and the advertised window shrinks), else its final result: 0 at
 * the end of the stream, the connection's error (-ENOTCONN on a socket that
 * is not connected), or the length of the data in final_buf (the event ring
 * was full: the final event carries that buffer, since the bytes cannot go
 * back to the ring).
 */
static int64_t try_recv_multi(struct tcp_frame *fr)
{
	for (;;) {
		struct async_buf *b;
		int64_t n;
		int id;
		enum tcp_state st = tcp_get_state(fr->s->tcp);

		if (!(tcp_poll(fr->s->tcp) & (TCP_EV_IN | TCP_EV_ERR | TCP_EV_HUP)))
			return st == TCP_LISTEN || st == TCP_CLOSED ? -ENOTCONN : -EAGAIN;
		id = async_pbq_take(fr->pbq, 0, &b);
		if (id < 0)
			return -EAGAIN; /* a recycle or provide retries (net_pbq_refilled) */
		fr->buf = b;
		fr->boff = 0;
		fr->len = async_buf_len(b);
		n = try_recv(fr);
		fr->buf = NULL;
		async_buf_unborrow(b);
		if (n <= 0) {
			async_pbq_recycle(fr->pbq, (unsigned)id);
			return n;
		}
		if (async_op_post_more(fr->op, n, ASYNC_EV_BUF, (unsigned)id) == 0)
			continue;
		fr->final_buf = id;
		return n;
	}
}

/* What @fr can do now: its result, or -EAGAIN to keep waiting. */
static int64_t tf_try(struct tcp_frame *fr)
{
	switch (fr->kind) {
	case TF_RECV:
		return fr->pbq ? try_recv_multi(fr) : try_recv(fr);
	case TF_SEND:
		return try_send(fr);
	case TF_CONNECT:
		return try_connect(fr);
	default:
		return try_accept(fr);
	}
}

/* Takes a WAITING or KICKED frame off its lists. */
static void tf_unwait(struct tcp_frame *fr)
{
	list_del(&fr->node);
	list_del(&fr->mnode);
}

/* A multishot accept has connections to deliver: to tcp_done, delivered without net_lock. */
static void tf_kick(struct tcp_frame *fr)
{
	list_del(&fr->node);
	fr->state = TF_KICKED;
	list_add_tail(&tcp_done, &fr->node);
}

static void tf_finish(struct tcp_frame *fr, int64_t result)
{
	fr->state = TF_DONE;
	fr->result = result;
	list_add_tail(&tcp_done, &fr->node);
}

/* The engine's callback (under net_lock, inside a tcp_* call): retries the waiting ops. */
static void tcp_notify(struct tcp_sock *t, void *arg, unsigned events)
{
	struct net_sock *s = arg;
	struct list_node *n = s->tcpw.next;

	(void)t;
	(void)events; /* every waiting op checks its own condition */
	while (n != &s->tcpw) {
		struct tcp_frame *fr = list_entry(n, struct tcp_frame, node);
		int64_t r;

		n = n->next;
		if (fr->deliver) {
			if (tcp_poll(fr->s->tcp) & TCP_EV_ACCEPT)
				tf_kick(fr);
			continue;
		}
		r = tf_try(fr);
		if (r == -EAGAIN)
			continue;
		tf_unwait(fr);
		tf_finish(fr, r);
	}
}

/*
 * Multishot accept. The frame waits on the socket like any other; when the
 * listener has connections the notify callback moves it to tcp_done as
 * KICKED, and net_tcp_complete_deferred (without net_lock) delivers them
 * here, DELIVERING. Each turn: the listener is looked at under net_lock
 * (nothing queued: back to WAITING), a descriptor is reserved without it
 * (@deliver->reserve), the connection is taken under net_lock, and installed
 * in the reservation without it, its descriptor posted as a non-final event.
 * A connection is taken only once its descriptor is held, so the descriptor
 * limit never resets one: a failed reservation ends the op with -EMFILE or
 * -ENFILE and the connection stays queued. The cancel hook completes a
 * WAITING or KICKED frame; it leaves a DELIVERING one alone, and the loop
 * sees the reason (set before the hook runs) at its next turn under
 * net_lock, so the op completes exactly once. The op ends on a cancel, an
 * error of the listener or of the reservation, or a full event ring: that
 * connection's descriptor is then the final event.
 */

/* Takes net_lock, for a DELIVERING frame: 0 if a connection waits (or the listener has an
 * error to give), the cancel reason, or -EAGAIN with the frame back to WAITING. */
static int64_t tf_accept_look(struct tcp_frame *fr)
{
	unsigned long f = spin_lock_irqsave(&net_lock);
	int64_t r = async_op_cancel_reason(fr->op);

	if (!r && !accept_ready(fr)) {
		fr->state = TF_WAITING;
		list_add_tail(&fr->s->tcpw, &fr->node);
		r = -EAGAIN;
	}
	spin_unlock_irqrestore(&net_lock, f);
	return r;
}

/* Takes the connection for a DELIVERING frame (into fr->accepted): 0, -EAGAIN if another
 * accept took it first, the cancel reason or the listener's error. */
static int64_t tf_accept_take(struct tcp_frame *fr)
{
	unsigned long f = spin_lock_irqsave(&net_lock);
	int64_t r = async_op_cancel_reason(fr->op);

	if (!r)
		r = try_accept(fr);
	spin_unlock_irqrestore(&net_lock, f);
	return r;
}

/* One connection for a DELIVERING frame. false: the frame is WAITING again (no longer
 * ours); else *r is its descriptor, -EAGAIN (look again) or the op's final error. */
static bool tf_accept_one(struct tcp_frame *fr, int64_t *r)
{
	const struct net_accept_ops *ops = fr->deliver;
	struct net_accept_res res;

	*r = tf_accept_look(fr);
	if (*r == -EAGAIN)
		return false;
	if (!*r)
		*r = ops->reserve(fr->deliver_arg, &res);
	if (*r)
		return true;
	*r = tf_accept_take(fr);
	if (*r)
		ops->unreserve(fr->deliver_arg, &res);
	else
		*r = ops->install(fr->deliver_arg, &res, fr->accepted);
	return true;
}

static void tf_deliver_accepts(struct tcp_frame *fr)
{
	unsigned long f;
	int64_t r;

	while (tf_accept_one(fr, &r)) {
		if (r == -EAGAIN)
			continue; /* another accept took the connection: look again */
		if (r >= 0 && async_op_post_more(fr->op, r, 0, 0) == 0)
			continue;
		f = spin_lock_irqsave(&net_lock);
		fr->state = TF_IDLE;
		spin_unlock_irqrestore(&net_lock, f);
		async_op_complete(fr->op, fr->token, r);
		return;
	}
}

void net_tcp_complete_deferred(void)
{
	for (;;) {
		unsigned long f = spin_lock_irqsave(&net_lock);
		struct list_node *n = list_pop(&tcp_done);
		struct tcp_frame *fr;
		struct async_op *op;
		uint32_t token;
		int64_t res;

		if (!n) {
			spin_unlock_irqrestore(&net_lock, f);
			return;
		}
		fr = list_entry(n, struct tcp_frame, node);
		if (fr->state == TF_KICKED) {
			fr->state = TF_DELIVERING;
			spin_unlock_irqrestore(&net_lock, f);
			tf_deliver_accepts(fr);
			continue;
		}
		fr->state = TF_IDLE;
		op = fr->op;
		token = fr->token;
		res = fr->result;
		spin_unlock_irqrestore(&net_lock, f);
		async_op_complete(op, token, res);
	}
}

/* Ends a section of engine calls: drops net_lock, wakes the stack's thread if the engine's
 * deadline moved before @before, runs the completions the calls left. */
static void tcp_unlock(unsigned long f, uint64_t before)
{
	uint64_t after = net_tcp_deadline();

	spin_unlock_irqrestore(&net_lock, f);
	if (after < before)
		net_wake_thread();
	net_complete_deferred();
}

/* ---- Socket calls ---- */

int tcpsock_open(struct net_sock *s)
{
	unsigned long f = spin_lock_irqsave(&net_lock);
	int err = tcp_open(net_tcp_stack(), &s->tcp);

	if (!err)
		tcp_set_notify(s->tcp, tcp_notify, s);
	spin_unlock_irqrestore(&net_lock, f);
	return err;
}

/* Under net_lock: @s's file went away (no op can be pending: each holds the file). */
void tcpsock_release_locked(struct net_sock *s)
{
	if (!list_empty(&s->tcpw))
		panic("stream socket released with ops pending");
	if (s->tcp) {
		tcp_set_notify(s->tcp, NULL, NULL);
		tcp_close(s->tcp); /* the engine frees it when the connection ends */
		s->tcp = NULL;
	}
}

int tcpsock_bind(struct net_sock *s, const struct tio_sockaddr_in *a)
{
	unsigned long f = spin_lock_irqsave(&net_lock);
	int err = tcp_bind(s->tcp, ntoh32(a->addr), ntoh16(a->port));

	spin_unlock_irqrestore(&net_lock, f);
	return err;
}

int net_sock_listen(struct net_sock *s, unsigned backlog)
{
	unsigned long f;
	int err;

	if (s->type != SOCK_STREAM)
		return -EOPNOTSUPP;
	f = spin_lock_irqsave(&net_lock);
	err = tcp_listen(s->tcp, backlog ? backlog : 1);
	spin_unlock_irqrestore(&net_lock, f);
	return err;
}

int net_sock_shutdown(struct net_sock *s, int how)
{
	uint64_t before;
	unsigned long f;
	int err;

	if (how < 0 || how > SHUT_RDWR)
		return -EINVAL;
	if (s->type != SOCK_STREAM)
		return -ENOTCONN; /* datagram sockets have no connection */
	f = spin_lock_irqsave(&net_lock);
	before = net_tcp_deadline();
	err = tcp_shutdown(s->tcp, how);
	tcp_unlock(f, before);
	return err;
}

void tcpsock_name(struct net_sock *s, struct tio_sockaddr_in *a)
{
	struct tcp_conn_stats st;

	tcp_get_stats(s->tcp, &st);
	a->addr = ntoh32(st.laddr);
	a->port = ntoh16(st.lport);
}

void net_sock_peer(struct net_sock *s, struct tio_sockaddr_in *a)
{
	unsigned long f = spin_lock_irqsave(&net_lock);
	struct tcp_conn_stats st = {0};

	if (s->tcp)
		tcp_get_stats(s->tcp, &st);
	spin_unlock_irqrestore(&net_lock, f);
	memset(a, 0, sizeof(*a));
	a->family = AF_INET;
	a->addr = ntoh32(st.raddr);
	a->port = ntoh16(st.rport);
}

/* ---- The frame's hooks ---- */

static int64_t tf_start(struct async_op *op, void *state)
{
	struct tcp_frame *fr = state;
	uint64_t before;
	unsigned long f;
	int64_t r;

	if (fr->buf) {
		r = async_buf_borrow(fr->buf,
				     fr->kind == TF_SEND ? ASYNC_BUF_READ : ASYNC_BUF_WRITE);
		if (r)
			return r;
		fr->borrowed = true;
	}
	f = spin_lock_irqsave(&net_lock);
	before = net_tcp_deadline();
	fr->op = op;
	fr->token = async_op_token(op);
	if (fr->kind == TF_CONNECT) {
		uint32_t nexthop;
		struct net_if *ifp = net_route(ntoh32(fr->raddr), &nexthop);

		r = ifp ? tcp_connect(fr->s->tcp, ntoh32(ifp->addr), fr->raddr, fr->rport)
			: -ENETUNREACH;
		if (r == -EINPROGRESS)
			r = try_connect(fr);
	} else if (fr->deliver) {
		r = tcp_get_state(fr->s->tcp) == TCP_LISTEN ? -EAGAIN : -EINVAL;
	} else {
		r = tf_try(fr);
	}
	if (r == -EAGAIN && !fr->nowait) {
		fr->state = TF_WAITING;
		list_add_tail(&fr->s->tcpw, &fr->node);
		if (fr->pbq)
			list_add_tail(&tcp_pbq_readers, &fr->mnode);
		if (fr->deliver && (tcp_poll(fr->s->tcp) & TCP_EV_ACCEPT))
			tf_kick(fr);
		r = ASYNC_PENDING;
	}
	tcp_unlock(f, before);
	if (r != ASYNC_PENDING && fr->borrowed)
		async_buf_unborrow(fr->buf);
	return r;
}

static int64_t tf_resume(struct async_op *op, void *state, int64_t result)
{
	struct tcp_frame *fr = state;

	if (fr->borrowed)
		async_buf_unborrow(fr->buf);
	if (fr->final_buf >= 0)
		async_op_final_buf(op, (unsigned)fr->final_buf);
	return result;
}

static void tf_cancel(struct async_op *op, void *state)
{
	struct tcp_frame *fr = state;
	unsigned long f = spin_lock_irqsave(&net_lock);
	bool mine = fr->state == TF_WAITING || fr->state == TF_KICKED;

	if (mine) {
		tf_unwait(fr);
		fr->state = TF_IDLE;
	}
	spin_unlock_irqrestore(&net_lock, f);
	if (mine)
		async_op_complete(op, fr->token, async_op_cancel_reason(op));
}

static const char *tf_waiting_on(const void *state)
{
	static const char *const what[] = {"tcp data", "tcp send room", "tcp handshake",
					   "a tcp connection"};
	const struct tcp_frame *fr = state;

	if (fr->pbq)
		return "tcp data (multishot)";
	if (fr->deliver)
		return "tcp connections (multishot)";
	return what[fr->kind];
}

static const struct async_layer tcp_layer = {.name = "tcpsock",
					     .state_size = sizeof(struct tcp_frame),
					     .start = tf_start,
					     .resume = tf_resume,
					     .cancel = tf_cancel,
					     .waiting_on = tf_waiting_on};

static struct tcp_frame *tf_push(struct async_op *op, struct net_sock *s, enum tf_kind kind,
				 int *err)
{
	struct tcp_frame *fr;

	if (s->type != SOCK_STREAM) {
		*err = -EOPNOTSUPP;
		return NULL;
	}
	fr = async_push(op, &tcp_layer);
	if (!fr) {
		*err = (int)async_op_push_error(op);
		return NULL;
	}
	fr->s = s;
	fr->kind = kind;
	fr->final_buf = -1;
	list_init(&fr->node);
	list_init(&fr->mnode);
	return fr;
}

int tcpsock_io_push(struct async_op *op, struct net_sock *s, struct async_buf *buf, uint64_t boff,
		    uint64_t len, bool send, bool nowait)
{
	int err;
	struct tcp_frame *fr = tf_push(op, s, send ? TF_SEND : TF_RECV, &err);

	if (!fr)
		return err;
	fr->buf = buf;
	fr->boff = boff;
	fr->len = len;
	fr->nowait = nowait;
	return 0;
}

int net_connect_push(struct async_op *op, struct net_sock *s, const struct tio_sockaddr_in *a)
{
	int err;
	struct tcp_frame *fr;

	if (a->family != AF_INET)
		return -EAFNOSUPPORT;
	if (!a->addr || !a->port)
		return -EINVAL;
	fr = tf_push(op, s, TF_CONNECT, &err);
	if (!fr)
		return err;
	fr->raddr = ntoh32(a->addr);
	fr->rport = ntoh16(a->port);
	return 0;
}

int net_accept_push(struct async_op *op, struct net_sock *s, struct net_sock **out)
{
	int err;
	struct tcp_frame *fr = tf_push(op, s, TF_ACCEPT, &err);

	if (!fr)
		return err;
	*out = NULL;
	fr->out = out;
	return 0;
}

int net_accept_multishot_push(struct async_op *op, struct net_sock *s,
			      const struct net_accept_ops *deliver, void *arg)
{
	int err;
	struct tcp_frame *fr = tf_push(op, s, TF_ACCEPT, &err);

	if (!fr)
		return err;
	fr->out = &fr->accepted;
	fr->deliver = deliver;
	fr->deliver_arg = arg;
	return 0;
}

int tcpsock_recv_multishot_push(struct async_op *op, struct net_sock *s, struct async_pbq *pbq)
{
	int err;
	struct tcp_frame *fr = tf_push(op, s, TF_RECV, &err);

	if (!fr)
		return err;
	fr->pbq = pbq;
	return 0;
}

/*
 * A buffer went back to @q (SYS_pbq_recycle, SYS_pbq_provide): the multishot
 * receives waiting on it retry. They leave the socket's list while they run,
 * so the notify callback of their own tcp_recv cannot reach them.
 */
void net_pbq_refilled(struct async_pbq *q)
{
	struct list_node todo = {&todo, &todo};
	unsigned long f = spin_lock_irqsave(&net_lock);
	uint64_t before = net_tcp_deadline();
	struct list_node *n = tcp_pbq_readers.next;

	while (n != &tcp_pbq_readers) {
		struct tcp_frame *fr = list_entry(n, struct tcp_frame, mnode);

		n = n->next;
		if (fr->pbq != q)
			continue;
		tf_unwait(fr);
		list_add_tail(&todo, &fr->mnode);
	}
	while ((n = list_pop(&todo))) {
		struct tcp_frame *fr = list_entry(n, struct tcp_frame, mnode);
		int64_t r = try_recv_multi(fr);

		if (r == -EAGAIN) {
			list_add_tail(&fr->s->tcpw, &fr->node);
			list_add_tail(&tcp_pbq_readers, &fr->mnode);
		} else {
			tf_finish(fr, r);
		}
	}
	tcp_unlock(f, before);
}

bool net_sock_is_stream(const struct net_sock *s)
{
	return s->type == SOCK_STREAM;
}

/* Appends what ICMP taught the connection: the path MTU learnt, the soft error kept. */
static void tcpsock_line_icmp(const struct tcp_conn_stats *st, char *buf, size_t cap)
{
	size_t n = strlen(buf);

	if (st->pmtu && n < cap)
		n += (size_t)fmt_snprintf(buf + n, cap - n, " mss %u pmtu %u", st->mss, st->pmtu);
	if (st->soft_error && n < cap)
		fmt_snprintf(buf + n, cap - n, " soft-err %d", st->soft_error);
}

/* One line of the socket table for @s (under net_lock). */
void tcpsock_line(struct net_sock *s, char *buf, size_t cap)
{
	struct tcp_conn_stats st;
	uint32_t l, r;
	const uint8_t *lb = (const uint8_t *)&l, *rb = (const uint8_t *)&r;

	tcp_get_stats(s->tcp, &st);
	l = ntoh32(st.laddr);
	r = ntoh32(st.raddr);
	fmt_snprintf(buf, cap,
		     "tcp  %u.%u.%u.%u:%u %u.%u.%u.%u:%u %s recv-q %u send-q %u rcv-wnd %u "
		     "snd-wnd %u rx %lu tx %lu",
		     lb[0], lb[1], lb[2], lb[3], st.lport, rb[0], rb[1], rb[2], rb[3], st.rport,
		     tcp_state_name(st.state), st.recv_q, st.send_q, st.rcv_wnd, st.snd_wnd, s->rx,
		     s->tx);
	tcpsock_line_icmp(&st, buf, cap);
}
