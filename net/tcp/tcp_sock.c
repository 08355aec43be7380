/*
 * tcp_sock.c - the engine's upper face: sockets from static pools, the calls
 * the socket layer makes (open, bind, listen, connect, accept, send, recv,
 * shutdown, close), deferred notification and the `ss`-like statistics.
 *
 * Lifetime: a socket is held by the socket layer (TCP_F_USER) from tcp_open
 * or tcp_accept until tcp_close/tcp_abort, and by the engine while its
 * connection lives (not TCP_F_DEAD). It is freed when neither holds it, and
 * only in tcp_flush() at the end of an entry point, after the callbacks ran:
 * no code path ever touches a freed socket, and a callback may close any
 * socket. A child of a listener belongs to the engine until accepted.
 *
 * Notification: state changes post TCP_EV_* bits to the socket (tcp_post);
 * tcp_flush() delivers them when the engine is about to return to its caller.
 */
#include "tcp_int.h"

ASYNC_POOL_DEFINE(tcp_sock_pool, "tcp_sock", struct tcp_sock, TCP_SOCKS_MAX);
ASYNC_POOL_DEFINE(tcp_ring_pool, "tcp_ring", struct tcp_ring, TCP_RINGS_MAX);

#define TCP_EV_REAP 0x80000000u /* internal: check whether the socket can be freed */
#define TCP_F_BOUND 0x10000u	/* tcp_bind() gave this socket its port */

static const char *const state_names[] = {
    [TCP_CLOSED] = "CLOSED",	     [TCP_LISTEN] = "LISTEN",
    [TCP_SYN_SENT] = "SYN-SENT",     [TCP_SYN_RECEIVED] = "SYN-RECV",
    [TCP_ESTABLISHED] = "ESTAB",     [TCP_FIN_WAIT_1] = "FIN-WAIT-1",
    [TCP_FIN_WAIT_2] = "FIN-WAIT-2", [TCP_CLOSE_WAIT] = "CLOSE-WAIT",
    [TCP_CLOSING] = "CLOSING",	     [TCP_LAST_ACK] = "LAST-ACK",
    [TCP_TIME_WAIT] = "TIME-WAIT",
};

const char *tcp_state_name(enum tcp_state st)
{
	return (unsigned)st <= TCP_TIME_WAIT ? state_names[st] : "?";
}

void tcp_stack_init(struct tcp_stack *st, const struct tcp_lower *lower, void *ctx,
		    const struct tcp_config *cfg)
{
	memset(st, 0, sizeof(*st));
	st->lower = lower;
	st->ctx = ctx;
	st->cfg = *cfg;
	if (!st->cfg.mtu)
		st->cfg.mtu = 1500;
	st->next_ephemeral =
	    (uint16_t)(TCP_EPHEMERAL_LO + cfg->iss_secret % (TCP_EPHEMERAL_HI - TCP_EPHEMERAL_LO));
}

static void sock_free(struct tcp_sock *s)
{
	struct tcp_sock **pp;

	for (pp = &s->st->socks; *pp; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	if (s->tx)
		tcp_ring_put(s->tx);
	if (s->rx)
		tcp_ring_put(s->rx);
	async_pool_free(&tcp_sock_pool, s);
}

void tcp_stack_destroy(struct tcp_stack *st)
{
	while (st->socks)
		sock_free(st->socks);
	st->notify_head = NULL;
}

void tcp_post(struct tcp_sock *s, unsigned ev)
{
	if (!s->nev) {
		s->nnext = s->st->notify_head;
		s->st->notify_head = s;
	}
	s->nev |= ev;
}

/* Delivers posted events and frees sockets nobody holds; see the head of this file. */
void tcp_flush(struct tcp_stack *st)
{
	struct tcp_sock *s;
	unsigned ev;

	if (st->in_flush)
		return;
	st->in_flush = true;
	while ((s = st->notify_head)) {
		st->notify_head = s->nnext;
		ev = s->nev & ~TCP_EV_REAP;
		s->nev = 0;
		if (ev && s->notify && (s->flags & TCP_F_USER))
			s->notify(s, s->notify_arg, ev);
		if ((s->flags & TCP_F_DEAD) && !(s->flags & TCP_F_USER) && !s->nev)
			sock_free(s);
	}
	st->in_flush = false;
}

/*
 * The control-block pool is empty: the oldest TIME-WAIT block nobody holds
 * (closed by the application, not waiting to be notified) gives its place.
 * TIME-WAIT guards a connection's old duplicates; a new connection's ISS
 * comes from the clock, past the old one's (RFC 6191), and Linux drops
 * TIME-WAIT state the same way when its buckets run out. Without this, a
 * server that closes first refuses everyone once 256 connections ended in
 * the last 60 s. False if there is none.
 */
static bool reclaim_time_wait(struct tcp_stack *st)
{
	struct tcp_sock *s, *old = NULL;

	for (s = st->socks; s; s = s->next)
		if (s->state == TCP_TIME_WAIT && !(s->flags & TCP_F_USER) && !s->nev &&
		    (!old || s->t_2msl < old->t_2msl))
			old = s;
	if (!old)
		return false;
	st->tw_reclaimed++;
	sock_free(old);
	return true;
}

struct tcp_sock *tcp_sock_new(struct tcp_stack *st)
{
	struct tcp_sock *s = async_pool_zalloc(&tcp_sock_pool);

	if (!s && reclaim_time_wait(st))
		s = async_pool_zalloc(&tcp_sock_pool);

	if (!s)
		return NULL;
	s->st = st;
	s->next = st->socks;
	st->socks = s;
	s->rto = TCP_RTO_INIT_NS;
	s->mss = TCP_DEFAULT_MSS;
	while ((TCP_RING_SIZE >> s->rcv_wscale) > 65535)
		s->rcv_wscale++;
	return s;
}

/*
 * TIME-WAIT keeps only the control block: the send ring is empty (our FIN is
 * acknowledged) and nothing more can arrive; the receive ring goes too unless
 * the application has not read all of it yet.
 */
void tcp_rings_trim(struct tcp_sock *s)
{
	if (s->tx && !s->tx_len) {
		tcp_ring_put(s->tx);
		s->tx = NULL;
	}
	if (s->rx && !s->rx_len) {
		tcp_ring_put(s->rx);
		s->rx = NULL;
	}
}

/* Back to the pool: the socket let go of it and the lower holds none of its bytes. */
void tcp_ring_free(struct tcp_ring *r)
{
	async_pool_free(&tcp_ring_pool, r);
}

bool tcp_rings_alloc(struct tcp_sock *s)
{
	s->tx = async_pool_alloc(&tcp_ring_pool);
	s->rx = async_pool_alloc(&tcp_ring_pool);
	if (s->tx && s->rx) {
		s->tx->held = s->rx->held = NULL;
		s->tx->owner = s->rx->owner = s;
		return true;
	}
	if (s->tx)
		async_pool_free(&tcp_ring_pool, s->tx);
	if (s->rx)
		async_pool_free(&tcp_ring_pool, s->rx);
	s->tx = s->rx = NULL;
	return false;
}

/* RFC 6528: a 4 us clock plus a keyed mix of the connection's identity. */
uint32_t tcp_new_iss(struct tcp_stack *st, const struct tcp_sock *s)
{
	uint32_t h = st->cfg.iss_secret ^ 0x9e3779b9u;

	h = (h ^ s->laddr) * 0x85ebca6bu;
	h = (h ^ s->raddr) * 0xc2b2ae35u;
	h = (h ^ ((uint32_t)s->lport << 16 | s->rport)) * 0x27d4eb2fu;
	h ^= h >> 15;
	st->iss_counter += 64000;
	return h + (uint32_t)(tcp_now(st) / 4000) + st->iss_counter;
}

void tcp_set_state(struct tcp_sock *s, enum tcp_state state)
{
	s->state = state;
	s->stats.state = state;
}

static void unlink_child(struct tcp_sock *s)
{
	struct tcp_sock *l = s->parent, **pp;

	if (!l)
		return;
	for (pp = &l->acc_head; *pp; pp = &(*pp)->acc_next)
		if (*pp == s) {
			*pp = s->acc_next;
			break;
		}
	l->acc_tail = NULL;
	for (pp = &l->acc_head; *pp; pp = &(*pp)->acc_next)
		l->acc_tail = *pp;
	l->nchildren--;
	s->parent = NULL;
}

/* The connection ends now (reset, timeout, or the last state). @err 0: a clean end. */
void tcp_drop(struct tcp_sock *s, int err)
{
	if (s->flags & TCP_F_DEAD)
		return;
	if (err)
		s->error = err;
	unlink_child(s);
	tcp_set_state(s, TCP_CLOSED);
	s->t_rexmt = s->t_delack = s->t_persist = s->t_2msl = s->t_fw2 = s->t_ka = 0;
	s->flags |= TCP_F_DEAD;
	tcp_post(s, TCP_EV_IN | TCP_EV_OUT | TCP_EV_HUP | (err ? TCP_EV_ERR : 0) |
			(s->nev & TCP_EV_CONNECT) | TCP_EV_REAP);
}

void tcp_child_established(struct tcp_sock *s)
{
	struct tcp_sock *l = s->parent;

	if (!l)
		return;
	if (l->acc_tail)
		l->acc_tail->acc_next = s;
	else
		l->acc_head = s;
	l->acc_tail = s;
	s->acc_next = NULL;
	tcp_post(l, TCP_EV_ACCEPT);
}

int tcp_open(struct tcp_stack *st, struct tcp_sock **out)
{
	struct tcp_sock *s = tcp_sock_new(st);

	*out = s;
	if (!s)
		return -ENOMEM;
	s->flags |= TCP_F_USER;
	return 0;
}

void tcp_set_notify(struct tcp_sock *s, tcp_notify_fn *fn, void *arg)
{
	s->notify = fn;
	s->notify_arg = arg;
}

static bool port_in_use(struct tcp_stack *st, uint32_t addr, uint16_t port)
{
	const struct tcp_sock *o;

	for (o = st->socks; o; o = o->next)
		if ((o->flags & TCP_F_BOUND) && !(o->flags & TCP_F_DEAD) && o->lport == port &&
		    (o->laddr == addr || !o->laddr || !addr))
			return true;
	return false;
}

int tcp_bind(struct tcp_sock *s, uint32_t addr, uint16_t port)
{
	struct tcp_stack *st = s->st;
	unsigned tries;

	if ((s->flags & TCP_F_BOUND) || s->state != TCP_CLOSED || (s->flags & TCP_F_DEAD))
		return -EINVAL;
	for (tries = 0; !port && tries <= TCP_EPHEMERAL_HI - TCP_EPHEMERAL_LO; tries++) {
		uint16_t p = st->next_ephemeral;

		st->next_ephemeral = p == TCP_EPHEMERAL_HI ? TCP_EPHEMERAL_LO : (uint16_t)(p + 1);
		if (!port_in_use(st, addr, p))
			port = p;
	}
	if (!port || port_in_use(st, addr, port))
		return -EADDRINUSE;
	s->laddr = addr;
	s->lport = port;
	s->flags |= TCP_F_BOUND;
	return 0;
}

int tcp_listen(struct tcp_sock *s, unsigned backlog)
{
	if (s->state == TCP_LISTEN) {
		s->backlog = backlog ? backlog : 1;
		return 0;
	}
	if (s->state != TCP_CLOSED || (s->flags & TCP_F_DEAD) || !(s->flags & TCP_F_BOUND))
		return -EINVAL;
	s->backlog = backlog ? backlog : 1;
	tcp_set_state(s, TCP_LISTEN);
	return 0;
}

int tcp_connect(struct tcp_sock *s, uint32_t laddr, uint32_t raddr, uint16_t rport)
{
	int err;

	if (s->state == TCP_SYN_SENT)
		return -EALREADY;
	if (s->state != TCP_CLOSED || (s->flags & TCP_F_DEAD))
		return s->state == TCP_LISTEN ? -EINVAL : -EISCONN;
	if (!raddr || !rport)
		return -EINVAL;
	if (!(s->flags & TCP_F_BOUND) && (err = tcp_bind(s, laddr, 0)) < 0)
		return err;
	if (!tcp_rings_alloc(s))
		return -ENOMEM;
	s->laddr = laddr;
	s->raddr = raddr;
	s->rport = rport;
	s->iss = tcp_new_iss(s->st, s);
	s->snd_una = s->iss;
	s->snd_nxt = s->snd_max = s->iss + 1;
	s->tx_seq = s->iss + 1;
	tcp_set_state(s, TCP_SYN_SENT);
	s->flags |= TCP_F_TIMING; /* the handshake gives the first RTT sample */
	s->rtt_seq = s->iss;
	s->rtt_start = tcp_now(s->st);
	tcp_send_seg(s, s->iss, TCP_SYN, 0);
	tcp_arm_rexmt(s);
	tcp_flush(s->st);
	return -EINPROGRESS;
}

int tcp_accept(struct tcp_sock *l, struct tcp_sock **out)
{
	struct tcp_sock *c = l->acc_head;

	*out = NULL;
	if (l->state != TCP_LISTEN)
		return -EINVAL;
	if (!c)
		return -EAGAIN;
	unlink_child(c);
	c->flags |= TCP_F_USER;
	*out = c;
	return 0;
}

/*
 * The one or two contiguous pieces of @len bytes at @idx of a ring (two when
 * they wrap past its end), handed to @fn in stream order with the offset of
 * each piece in the caller's data.
 */
static void ring_pieces(uint8_t *ring, uint32_t idx, uint32_t len,
			void (*fn)(void *arg, size_t off, uint8_t *p, size_t n), void *arg)
{
	uint32_t first = TCP_RING_SIZE - idx;

	if (len <= first) {
		fn(arg, 0, ring + idx, len);
		return;
	}
	fn(arg, 0, ring + idx, first);
	fn(arg, first, ring, len - first);
}

/* Adapters: the application's callbacks see their own const-correct types. */
struct fill_ctx {
	tcp_fill_fn *fill;
	void *arg;
};

static void fill_piece(void *arg, size_t off, uint8_t *p, size_t n)
{
	struct fill_ctx *c = arg;

	c->fill(c->arg, off, p, n);
}

struct drain_ctx {
	tcp_drain_fn *drain;
	void *arg;
};

static void drain_piece(void *arg, size_t off, uint8_t *p, size_t n)
{
	struct drain_ctx *c = arg;

	c->drain(c->arg, off, p, n);
}

long tcp_send_from(struct tcp_sock *s, size_t len, tcp_fill_fn *fill, void *arg)
{
	struct fill_ctx c = {fill, arg};
	uint32_t room, n;

	if (s->error)
		return s->error;
	if (s->state == TCP_SYN_SENT || s->state == TCP_SYN_RECEIVED)
		return -EAGAIN;
	if (s->state == TCP_CLOSED || s->state == TCP_LISTEN)
		return -ENOTCONN;
	if ((s->flags & TCP_F_FIN_Q) || (s->state != TCP_ESTABLISHED && s->state != TCP_CLOSE_WAIT))
		return -EPIPE;
	room = TCP_RING_SIZE - s->tx_len - tcp_tx_pinned(s); /* held bytes stay (tcp_int.h) */
	n = len < room ? (uint32_t)len : room;
	if (!n)
		return len ? -EAGAIN : 0;
	ring_pieces(s->tx->data, (s->tx_head + s->tx_len) % TCP_RING_SIZE, n, fill_piece, &c);
	s->tx_len += n;
	tcp_output(s);
	tcp_flush(s->st);
	return n;
}

static void fill_memcpy(void *arg, size_t off, void *dst, size_t n)
{
	memcpy(dst, (const uint8_t *)arg + off, n);
}

long tcp_send(struct tcp_sock *s, const void *buf, size_t len)
{
	return tcp_send_from(s, len, fill_memcpy, (void *)buf);
}

/* After the application read: announce a window that grew enough (RFC 9293 3.8.6.2.2). */
static void window_update(struct tcp_sock *s)
{
	uint32_t edge = s->rcv_nxt + tcp_rcv_window(s);
	uint32_t step = s->mss < TCP_RING_SIZE / 2 ? s->mss : TCP_RING_SIZE / 2;

	if (s->state >= TCP_ESTABLISHED && s->state <= TCP_FIN_WAIT_2 &&
	    SEQ_GEQ(edge, s->rcv_adv + step))
		tcp_ack_now(s);
}

long tcp_recv_into(struct tcp_sock *s, size_t len, tcp_drain_fn *drain, void *arg)
{
	struct drain_ctx c = {drain, arg};
	uint32_t n;
	int err;

	if (s->state == TCP_LISTEN)
		return -ENOTCONN;
	if (!s->rx_len) {
		if ((s->flags & (TCP_F_FIN_RCVD | TCP_F_SHUT_RD)))
			return 0;
		if (s->error) {
			err = s->error;
			s->error = 0;
			return err;
		}
		return s->state == TCP_CLOSED && (s->flags & TCP_F_DEAD) ? 0
		       : s->state == TCP_CLOSED				 ? -ENOTCONN
									 : -EAGAIN;
	}
	n = len < s->rx_len ? (uint32_t)len : s->rx_len;
	ring_pieces(s->rx->data, s->rx_head, n, drain_piece, &c);
	s->rx_head = (s->rx_head + n) % TCP_RING_SIZE;
	s->rx_len -= n;
	window_update(s);
	tcp_flush(s->st);
	return n;
}

static void drain_memcpy(void *arg, size_t off, const void *src, size_t n)
{
	memcpy((uint8_t *)arg + off, src, n);
}

long tcp_recv(struct tcp_sock *s, void *buf, size_t len)
{
	return tcp_recv_into(s, len, drain_memcpy, buf);
}

int tcp_shutdown(struct tcp_sock *s, int how)
{
	if (how < 0 || how > 2)
		return -EINVAL;
	if (s->state == TCP_CLOSED || s->state == TCP_LISTEN)
		return -ENOTCONN;
	if (how != 1) { /* unread and out-of-order data is dropped; what comes later too */
		s->flags |= TCP_F_SHUT_RD;
		s->rx_head = (s->rx_head + s->rx_len) % TCP_RING_SIZE;
		s->rx_len = 0;
		s->nooo = 0;
	}
	if (how == 0 || (s->flags & TCP_F_FIN_Q))
		return 0;
	if (s->state == TCP_SYN_SENT) {
		tcp_drop(s, 0);
		tcp_flush(s->st);
		return 0;
	}
	s->flags |= TCP_F_FIN_Q;
	s->snd_fin_seq = s->tx_seq + s->tx_len;
	/* in SYN-RECEIVED the FIN waits for ESTABLISHED (RFC 9293 3.10.4), see established() */
	if (s->state == TCP_ESTABLISHED)
		tcp_set_state(s, TCP_FIN_WAIT_1);
	else if (s->state == TCP_CLOSE_WAIT)
		tcp_set_state(s, TCP_LAST_ACK);
	tcp_output(s);
	tcp_flush(s->st);
	return 0;
}

static void send_rst(struct tcp_sock *s)
{
	if (s->state >= TCP_SYN_RECEIVED && s->state != TCP_TIME_WAIT)
		tcp_send_seg(s, s->snd_nxt, TCP_RST | TCP_ACK, 0);
}

static void close_listener(struct tcp_sock *l)
{
	struct tcp_sock *c;

	for (c = l->st->socks; c; c = c->next)
		if (c->parent == l) {
			send_rst(c);
			tcp_drop(c, -ECONNABORTED);
		}
	tcp_drop(l, 0);
}

void tcp_close(struct tcp_sock *s)
{
	s->flags &= ~TCP_F_USER;
	s->notify = NULL;
	if (s->state == TCP_LISTEN) {
		close_listener(s);
	} else if (s->state == TCP_SYN_SENT || s->state == TCP_CLOSED) {
		tcp_drop(s, 0);
	} else if (s->rx_len && !(s->flags & TCP_F_SHUT_RD)) {
		send_rst(s); /* unread data: abort (RFC 9293 3.6, RFC 2525 2.17) */
		tcp_drop(s, -ECONNRESET);
	} else {
		tcp_shutdown(s, 1);
		if (s->state == TCP_FIN_WAIT_2)
			s->t_fw2 = tcp_now(s->st) + TCP_FIN_WAIT2_NS;
	}
	tcp_post(s, TCP_EV_REAP);
	tcp_flush(s->st);
}

void tcp_abort(struct tcp_sock *s)
{
	if (s->state == TCP_LISTEN) {
		tcp_close(s);
		return;
	}
	send_rst(s);
	tcp_drop(s, -ECONNRESET);
	tcp_close(s);
}

void tcp_set_keepalive(struct tcp_sock *s, uint64_t idle_ns, uint64_t intvl_ns, unsigned count)
{
	s->ka_idle = idle_ns;
	s->ka_intvl = intvl_ns ? intvl_ns : 1;
	s->ka_count = count;
	tcp_ka_restart(s);
}

unsigned tcp_poll(const struct tcp_sock *s)
{
	unsigned ev = 0;

	if (s->rx_len || (s->flags & (TCP_F_FIN_RCVD | TCP_F_SHUT_RD | TCP_F_DEAD)) || s->error)
		ev |= TCP_EV_IN;
	if ((s->state == TCP_ESTABLISHED || s->state == TCP_CLOSE_WAIT) &&
	    !(s->flags & TCP_F_FIN_Q) && s->tx_len + tcp_tx_pinned(s) < TCP_RING_SIZE)
		ev |= TCP_EV_OUT;
	if (s->acc_head)
		ev |= TCP_EV_ACCEPT;
	if (s->error)
		ev |= TCP_EV_ERR;
	if (s->flags & TCP_F_DEAD)
		ev |= TCP_EV_HUP | TCP_EV_OUT;
	return ev;
}

int tcp_error(struct tcp_sock *s)
{
	int err = s->error;

	s->error = 0;
	return err;
}

enum tcp_state tcp_get_state(const struct tcp_sock *s)
{
	return s->state;
}

void tcp_get_stats(const struct tcp_sock *s, struct tcp_conn_stats *out)
{
	*out = s->stats;
	out->state = s->state;
	out->laddr = s->laddr;
	out->raddr = s->raddr;
	out->lport = s->lport;
	out->rport = s->rport;
	out->recv_q = s->state == TCP_LISTEN ? s->nchildren : s->rx_len;
	out->send_q = s->state == TCP_LISTEN ? s->backlog : s->tx_len;
	out->snd_wnd = s->snd_wnd;
	out->cwnd = s->cwnd;
	out->ssthresh = s->ssthresh;
	out->mss = s->mss;
	out->soft_error = s->soft_error;
	out->srtt_ns = s->srtt;
	out->rto_ns = s->rto;
}

static bool ooo_ok(const struct tcp_sock *s)
{
	uint32_t edge = s->rcv_nxt + (TCP_RING_SIZE - s->rx_len);
	unsigned i;

	for (i = 0; i < s->nooo; i++)
		if (!SEQ_GT(s->ooo[i].start, s->rcv_nxt) ||
		    !SEQ_LT(s->ooo[i].start, s->ooo[i].end) || SEQ_GT(s->ooo[i].end, edge))
			return false;
	return s->nooo <= TCP_OOO_MAX;
}

const char *tcp_check(const struct tcp_sock *s)
{
	if (s->state == TCP_LISTEN)
		return s->nchildren <= s->backlog ? NULL : "more children than the backlog";
	if (s->state == TCP_CLOSED)
		return NULL;
	if (!SEQ_LEQ(s->snd_una, s->snd_nxt) || !SEQ_LEQ(s->snd_nxt, s->snd_max))
		return "snd_una <= snd_nxt <= snd_max";
	if (s->tx_len > TCP_RING_SIZE || s->rx_len > TCP_RING_SIZE)
		return "ring overfilled";
	if (s->state >= TCP_ESTABLISHED && s->tx_seq != s->snd_una &&
	    !((s->flags & TCP_F_FIN_Q) && s->snd_una == s->snd_fin_seq + 1 && !s->tx_len))
		return "send ring does not start at snd_una";
	if (SEQ_GT(s->snd_max, s->tx_seq + s->tx_len + 1))
		return "sent beyond the send ring";
	if (s->tx && s->tx_len + tcp_tx_pinned(s) > TCP_RING_SIZE)
		return "send ring overwrote bytes the lower still reads";
	return ooo_ok(s) ? NULL : "out-of-order range outside the window";
}
