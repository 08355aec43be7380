/*
 * socket.c - UDP and raw ICMP sockets, and their receive and send frames.
 *
 * A socket lives in sock_pool and on sock_list while its file is open.
 * Received datagrams go to the first pending receive of the socket, else
 * into the socket's queue (pkt_pool, at most NET_SOCK_RXQ each; beyond that,
 * or with the pool empty, they are dropped and counted).
 *
 * Receive and send frames (struct sock_frame), states:
 *
 *   IDLE --start finds nothing to do at once--> WAITING (on s->readers, or
 *          on an ARP entry's waiters for a send)
 *   WAITING --datagram / ARP answer or failure (under net_lock)--> DONE (on
 *          net_done, result set)
 *   DONE --net_complete_deferred (without net_lock)--> completed
 *   WAITING --cancel hook (under net_lock)--> completed with the reason
 *   IDLE/WAITING --send handed to a card that reads the sender's pages
 *          (xmit_sg)--> TX --the card is done (tx_reclaim)--> DONE
 *          (a cancel in TX does nothing: the frame completes when the card
 *          lets go of the pages, which it always does)
 *
 * Only the side that moves a frame out of WAITING completes it, so each op
 * completes exactly once. Completions run outside net_lock because they may
 * drop the last reference to a socket's file (whose release takes it).
 * A multishot receive stays WAITING and posts one event per datagram into a
 * provided buffer; with no buffer free the datagram waits in the queue until
 * a later receive (recycle, submit again), and a full event ring ends it
 * with -EAGAIN (the datagram stays queued). An ICMP error for a connected
 * socket ends its oldest receive, one-shot or multishot, with the error (a
 * multishot one: its final event); with none pending the next receive or
 * send reports it (once), a multishot receive submitted then too.
 *
 * SOCK_STREAM sockets share the table; their connect, accept, send and
 * receive ops are tcpsock.c's (net_sock_create, bind, name, the push calls
 * and release hand them over).
 */
#include <arch/x86_64/mmu.h>
#include <async/pool.h>
#include <fs/vfs.h>
#include <kernel/panic.h>
#include <kernel/string.h>
#include <lib/fmt.h>
#include <uapi/errno.h>
#include "net_int.h"

#define NET_PKT_DATA (NET_REASM_BYTES + 60) /* a whole datagram, a raw one with its IP header */

struct net_pkt {
	struct list_node link;
	uint32_t src;
	uint16_t sport;
	uint16_t len;
	uint8_t data[NET_PKT_DATA];
};

ASYNC_POOL_DEFINE(sock_pool, "socket", struct net_sock, NET_SOCKS);
ASYNC_POOL_DEFINE(pkt_pool, "netpkt", struct net_pkt, NET_PKTS);

static struct list_node sock_list = {&sock_list, &sock_list};
static struct list_node net_done = {&net_done, &net_done};
static uint16_t next_ephemeral = NET_EPHEMERAL_LO;
static uint8_t net_txbuf[ETH_HDR + NETDEV_MTU]; /* [N] socket sends are built here */
static uint8_t net_fragbuf[NET_FRAG_MAX];	/* [N] a datagram sent in fragments, whole */
bool net_zero_copy_off; /* [I] netzerocopy=off on the command line: always copy */

enum sf_state { SF_IDLE, SF_WAITING, SF_TX, SF_DONE };

struct sock_frame {
	struct net_sock *s;	      /* [I] */
	struct async_buf *buf;	      /* [I] NULL for a multishot receive */
	uint64_t boff, len;	      /* [I] */
	struct tio_sockaddr_in *from; /* [I] receive: filled at completion, may be NULL */
	struct async_pbq *pbq;	      /* [I] multishot receive */
	uint32_t dst;		      /* [I] send: destination, network order */
	uint16_t dport;		      /* [I] send: host order */
	bool send, borrowed;	      /* [I] */
	bool nowait;		      /* [I] receive: -EAGAIN instead of waiting (MSG_DONTWAIT) */
	struct net_if *ifp;	      /* [N] send: the route's interface */
	struct async_op *op;	      /* [I] */
	uint32_t token;		      /* [N] valid in WAITING and DONE */
	struct list_node node;	      /* [N] on readers, an ARP entry's waiters, or net_done */
	enum sf_state state;	      /* [N] */
	int64_t result;		      /* [N] valid in DONE */
	struct netdev_txreq txreq;    /* [N] send in TX: the card reads the payload */
};
ASYNC_FRAME_STATE_CHECK(struct sock_frame);

/* ---- Sockets ---- */

struct net_sock *net_sock_new_locked(int type)
{
	struct net_sock *s = async_pool_zalloc(&sock_pool);

	if (!s)
		return NULL;
	s->type = type;
	list_init(&s->rxq);
	list_init(&s->readers);
	list_init(&s->tcpw);
	list_add_tail(&sock_list, &s->link);
	return s;
}

void net_sock_free_locked(struct net_sock *s)
{
	list_del(&s->link);
	async_pool_free(&sock_pool, s);
}

int net_sock_create(int type, int proto, struct net_sock **out)
{
	struct net_sock *s;
	unsigned long f;
	int err;

	if (type == SOCK_STREAM && proto != 0 && proto != IP_P_TCP)
		return -EPROTONOSUPPORT;
	if (type != SOCK_STREAM && !(type == SOCK_DGRAM && (proto == 0 || proto == IP_P_UDP)) &&
	    !(type == SOCK_RAW && proto == IPPROTO_ICMP))
		return type == SOCK_DGRAM || type == SOCK_RAW ? -EPROTONOSUPPORT : -EINVAL;
	f = spin_lock_irqsave(&net_lock);
	s = net_sock_new_locked(type);
	spin_unlock_irqrestore(&net_lock, f);
	if (!s)
		return -ENFILE;
	if (type == SOCK_STREAM && (err = tcpsock_open(s))) {
		net_sock_release(s);
		return err == -ENOMEM ? -ENFILE : err;
	}
	*out = s;
	return 0;
}

void net_sock_release(struct net_sock *s)
{
	unsigned long f = spin_lock_irqsave(&net_lock);
	struct list_node *n;

	/* Every pending op holds a reference to the file: none can be left. */
	if (!list_empty(&s->readers))
		panic("socket released with receives pending");
	if (s->type == SOCK_STREAM)
		tcpsock_release_locked(s);
	list_del(&s->link);
	while ((n = list_pop(&s->rxq)))
		async_pool_free(&pkt_pool, list_entry(n, struct net_pkt, link));
	spin_unlock_irqrestore(&net_lock, f);
	if (s->type == SOCK_STREAM) {
		net_wake_thread(); /* the close armed the engine's timers (FIN, TIME_WAIT) */
		net_complete_deferred();
	}
	async_pool_free(&sock_pool, s);
}

static bool port_used(uint16_t port)
{
	for (struct list_node *n = sock_list.next; n != &sock_list; n = n->next) {
		struct net_sock *o = list_entry(n, struct net_sock, link);

		if (o->type == SOCK_DGRAM && o->lport == port)
			return true;
	}
	return false;
}

static bool local_addr_ok(uint32_t addr)
{
	if (addr == 0)
		return true;
	for (unsigned i = 0; i < net_nifs; i++)
		if (net_ifs[i].addr == addr)
			return true;
	return false;
}

/* A free ephemeral port, or 0 when all are taken. */
static uint16_t ephemeral_port(void)
{
	for (unsigned i = 0; i < 65536 - NET_EPHEMERAL_LO; i++) {
		uint16_t p = next_ephemeral++;

		if (next_ephemeral == 0)
			next_ephemeral = NET_EPHEMERAL_LO;
		if (!port_used(p))
			return p;
	}
	return 0;
}

static uint16_t ntoh16(uint16_t v)
{
	return (uint16_t)(v >> 8 | v << 8);
}

int net_sock_bind(struct net_sock *s, const struct tio_sockaddr_in *a)
{
	uint16_t port = ntoh16(a->port);
	unsigned long f;
	int err = 0;

	if (s->type == SOCK_STREAM && a->family == AF_INET && local_addr_ok(a->addr))
		return tcpsock_bind(s, a);
	f = spin_lock_irqsave(&net_lock);
	if (a->family != AF_INET)
		err = -EAFNOSUPPORT;
	else if (s->lport)
		err = -EINVAL; /* bound already */
	else if (!local_addr_ok(a->addr))
		err = -EADDRNOTAVAIL;
	else if (s->type == SOCK_DGRAM && port && port_used(port))
		err = -EADDRINUSE;
	else if (s->type == SOCK_DGRAM && !port && !(port = ephemeral_port()))
		err = -EADDRINUSE;
	if (!err) {
		s->laddr = a->addr;
		s->lport = s->type == SOCK_DGRAM ? port : 0;
	}
	spin_unlock_irqrestore(&net_lock, f);
	return err;
}

int net_sock_connect(struct net_sock *s, const struct tio_sockaddr_in *a)
{
	unsigned long f;

	if (a->family != AF_INET)
		return -EAFNOSUPPORT;
	if (a->addr == 0 || (s->type == SOCK_DGRAM && a->port == 0))
		return -EINVAL;
	f = spin_lock_irqsave(&net_lock);
	s->raddr = a->addr;
	s->rport = ntoh16(a->port);
	spin_unlock_irqrestore(&net_lock, f);
	return 0;
}

void net_sock_name(struct net_sock *s, struct tio_sockaddr_in *a)
{
	unsigned long f = spin_lock_irqsave(&net_lock);

	memset(a, 0, sizeof(*a));
	a->family = AF_INET;
	a->addr = s->laddr;
	a->port = ntoh16(s->lport);
	if (s->type == SOCK_STREAM)
		tcpsock_name(s, a);
	spin_unlock_irqrestore(&net_lock, f);
}

/* ---- Completions outside net_lock ---- */

static void sf_finish(struct sock_frame *fr, int64_t result)
{
	fr->state = SF_DONE;
	fr->result = result;
	list_add_tail(&net_done, &fr->node);
}

void net_complete_deferred(void)
{
	net_tcp_complete_deferred();
	for (;;) {
		unsigned long f = spin_lock_irqsave(&net_lock);
		struct list_node *n = list_pop(&net_done);
		struct sock_frame *fr;
		struct async_op *op;
		uint32_t token;
		int64_t res;

		if (!n) {
			spin_unlock_irqrestore(&net_lock, f);
			return;
		}
		fr = list_entry(n, struct sock_frame, node);
		fr->state = SF_IDLE;
		op = fr->op;
		token = fr->token;
		res = fr->result;
		spin_unlock_irqrestore(&net_lock, f);
		async_op_complete(op, token, res);
	}
}

/* ---- Receiving ---- */

static void fill_from(struct tio_sockaddr_in *from, uint32_t src, uint16_t sport)
{
	if (!from)
		return;
	memset(from, 0, sizeof(*from));
	from->family = AF_INET;
	from->addr = src;
	from->port = ntoh16(sport);
}

/* One datagram, in up to two parts (a raw socket's IP header and payload). */
struct dgram {
	uint32_t src;
	uint16_t sport;
	const uint8_t *p1, *p2;
	size_t n1, n2;
};

static size_t dgram_copy(const struct dgram *d, struct async_buf *b, uint64_t boff, size_t cap)
{
	size_t a = d->n1 < cap ? d->n1 : cap;
	size_t c = d->n2 < cap - a ? d->n2 : cap - a;

	vfs_buf_copy_out(b, boff, d->p1, a);
	if (c)
		vfs_buf_copy_out(b, boff + a, d->p2, c);
	return a + c;
}

/* A multishot reader takes @d into a provided buffer: 0, -ENOBUFS none free, -EAGAIN ring full
 * (the reader is finished). */
static int deliver_multishot(struct sock_frame *fr, const struct dgram *d)
{
	struct async_buf *b;
	int id = async_pbq_take(fr->pbq, 0, &b);
	size_t n;

	if (id < 0)
		return -ENOBUFS;
	n = dgram_copy(d, b, 0, async_buf_len(b));
	async_buf_unborrow(b);
	if (async_op_post_more(fr->op, (int64_t)n, ASYNC_EV_BUF, (unsigned)id)) {
		async_pbq_recycle(fr->pbq, (unsigned)id);
		list_del(&fr->node);
		sf_finish(fr, -EAGAIN);
		return -EAGAIN;
	}
	return 0;
}

/* Gives @d to the oldest reader: true if one took it. */
static bool deliver_reader(struct net_sock *s, const struct dgram *d)
{
	struct sock_frame *fr;

	if (list_empty(&s->readers))
		return false;
	fr = list_entry(s->readers.next, struct sock_frame, node);
	if (fr->pbq)
		return deliver_multishot(fr, d) == 0;
	list_del(&fr->node);
	fill_from(fr->from, d->src, d->sport);
	sf_finish(fr, (int64_t)dgram_copy(d, fr->buf, fr->boff, fr->len));
	return true;
}

static void sock_drain(struct net_sock *s);

static void sock_deliver(struct net_sock *s, const struct dgram *d)
{
	struct net_pkt *pk;
	size_t a, c;

	s->rx++;
	if (list_empty(&s->rxq) && deliver_reader(s, d))
		return;
	if (s->rxq_len >= NET_SOCK_RXQ || !(pk = async_pool_alloc(&pkt_pool))) {
		s->drops++;
		sock_drain(s);
		return;
	}
	a = d->n1 < NET_PKT_DATA ? d->n1 : NET_PKT_DATA;
	c = d->n2 < NET_PKT_DATA - a ? d->n2 : NET_PKT_DATA - a;
	memcpy(pk->data, d->p1, a);
	memcpy(pk->data + a, d->p2, c);
	pk->len = (uint16_t)(a + c);
	pk->src = d->src;
	pk->sport = d->sport;
	list_add_tail(&s->rxq, &pk->link);
	s->rxq_len++;
	sock_drain(s); /* a multishot reader may have buffers again */
}

/* Hands queued datagrams to waiting readers, oldest first, while they take them. */
static void sock_drain(struct net_sock *s)
{
	while (!list_empty(&s->rxq) && !list_empty(&s->readers)) {
		struct net_pkt *pk = list_entry(s->rxq.next, struct net_pkt, link);
		struct dgram d = {
		    .src = pk->src, .sport = pk->sport, .p1 = pk->data, .n1 = pk->len};

		if (!deliver_reader(s, &d))
			return;
		list_del(&pk->link);
		s->rxq_len--;
		async_pool_free(&pkt_pool, pk);
	}
}

bool sock_deliver_udp(const struct ip_view *ip, const struct udp_view *u)
{
	struct dgram d = {.src = ip->src, .sport = u->sport, .p1 = u->payload, .n1 = u->len};

	for (struct list_node *n = sock_list.next; n != &sock_list; n = n->next) {
		struct net_sock *s = list_entry(n, struct net_sock, link);

		if (s->type != SOCK_DGRAM || s->lport != u->dport ||
		    (s->laddr && s->laddr != ip->dst) ||
		    (s->raddr && (s->raddr != ip->src || s->rport != u->sport)))
			continue;
		sock_deliver(s, &d);
		return true;
	}
	return false;
}

void sock_icmp_error(uint32_t laddr, uint16_t lport, uint32_t raddr, uint16_t rport, int err)
{
	for (struct list_node *n = sock_list.next; n != &sock_list; n = n->next) {
		struct net_sock *s = list_entry(n, struct net_sock, link);

		/* Only a connected socket hears of it, as on Linux without IP_RECVERR. */
		if (s->type != SOCK_DGRAM || s->lport != lport || s->raddr != raddr ||
		    s->rport != rport || (s->laddr && s->laddr != laddr))
			continue;
		/* The oldest receive ends with it, a multishot one too (its final event), as
		 * Linux's recvmsg returns sk_err before any queued datagram. */
		if (!list_empty(&s->readers)) {
			struct sock_frame *fr =
			    list_entry(s->readers.next, struct sock_frame, node);

			list_del(&fr->node);
			sf_finish(fr, err);
			return;
		}
		s->err = err;
		return;
	}
}

/* The socket's pending ICMP error, taken (reported once), or 0. Under net_lock. */
static int sock_take_err(struct net_sock *s)
{
	int err = s->err;

	s->err = 0;
	return err;
}

void sock_deliver_icmp(const struct ip_view *ip)
{
	struct dgram d = {
	    .src = ip->src, .p1 = ip->hdr, .n1 = ip->hdr_len, .p2 = ip->payload, .n2 = ip->len};

	for (struct list_node *n = sock_list.next; n != &sock_list; n = n->next) {
		struct net_sock *s = list_entry(n, struct net_sock, link);

		if (s->type == SOCK_RAW && (!s->raddr || s->raddr == ip->src))
			sock_deliver(s, &d);
	}
}

/* A queued datagram for a one-shot reader: its length, or -EAGAIN if none is queued. */
static int64_t recv_queued(struct sock_frame *fr)
{
	struct net_sock *s = fr->s;
	struct net_pkt *pk;
	struct dgram d;
	int64_t n;

	if (list_empty(&s->rxq))
		return -EAGAIN;
	pk = list_entry(list_pop(&s->rxq), struct net_pkt, link);
	s->rxq_len--;
	d = (struct dgram){.src = pk->src, .sport = pk->sport, .p1 = pk->data, .n1 = pk->len};
	fill_from(fr->from, pk->src, pk->sport);
	n = (int64_t)dgram_copy(&d, fr->buf, fr->boff, fr->len);
	async_pool_free(&pkt_pool, pk);
	return n;
}

static int64_t recv_start(struct async_op *op, void *state)
{
	struct sock_frame *fr = state;
	unsigned long f;
	int64_t n = -EAGAIN;

	if (fr->buf) {
		n = async_buf_borrow(fr->buf, ASYNC_BUF_WRITE);
		if (n)
			return n;
		fr->borrowed = true;
	}
	f = spin_lock_irqsave(&net_lock);
	if (!(n = sock_take_err(fr->s)))
		n = fr->pbq ? -EAGAIN : recv_queued(fr);
	if (n == -EAGAIN && !fr->nowait) {
		fr->op = op;
		fr->token = async_op_token(op);
		fr->state = SF_WAITING;
		list_add_tail(&fr->s->readers, &fr->node);
		sock_drain(fr->s); /* a multishot reader takes what is queued */
		n = ASYNC_PENDING;
	}
	spin_unlock_irqrestore(&net_lock, f);
	net_complete_deferred();
	if (n != ASYNC_PENDING && fr->borrowed)
		async_buf_unborrow(fr->buf);
	return n;
}

/* ---- Sending ---- */

/* One's-complement partial sum of @len bytes at @boff of a user buffer, read in place. */
static uint32_t sg_sum(struct async_buf *b, uint64_t boff, size_t len)
{
	const struct async_sg *sg;
	unsigned nsg = async_buf_sg(b, &sg);
	uint64_t s = 0, k = 0;

	for (unsigned i = 0; i < nsg && len; i++) {
		const uint8_t *p;
		size_t n;

		if (boff >= sg[i].len) {
			boff -= sg[i].len;
			continue;
		}
		p = phys_to_virt(sg[i].phys + boff);
		n = len < sg[i].len - boff ? len : sg[i].len - boff;
		for (size_t j = 0; j < n; j++, k++)
			s += (k & 1) ? p[j] : (uint32_t)p[j] << 8;
		len -= n;
		boff = 0;
	}
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint32_t)s;
}

static void send_tx_done(struct netdev_txreq *r)
{
	struct sock_frame *fr = container_of(r, struct sock_frame, txreq);

	fr->s->tx++;
	sf_finish(fr, (int64_t)fr->len);
}

/* Zero-copy send of a UDP datagram whose headers are built in net_txbuf: the card reads the
 * payload from the user's pages. ASYNC_PENDING (TX, done() follows) or -errno. */
static int64_t send_xmit_sg(struct sock_frame *fr, const uint8_t *mac)
{
	struct net_sock *s = fr->s;
	uint8_t *ip = net_txbuf + ETH_HDR, *udp = ip + IP_HDR;
	uint16_t ulen = (uint16_t)(UDP_HDR + fr->len), c;
	uint32_t src = fr->ifp->addr;
	int err;

	wire_put16(udp, s->lport);
	wire_put16(udp + 2, fr->dport);
	wire_put16(udp + 4, ulen);
	wire_put16(udp + 6, 0);
	c = wire_csum(udp, UDP_HDR,
		      wire_pseudo_sum(src, fr->dst, IP_P_UDP, ulen) +
			  sg_sum(fr->buf, fr->boff, fr->len));
	wire_put16(udp + 6, c ? c : 0xffff);
	wire_ip_build(ip, IP_P_UDP, src, fr->dst, ulen, ip_next_id(), NET_TTL);
	wire_eth_build(net_txbuf, mac, fr->ifp->dev->mac, ETH_P_IP);
	fr->txreq = (struct netdev_txreq){.hdr = net_txbuf,
					  .hlen = ETH_HDR + IP_HDR + UDP_HDR,
					  .off = fr->boff,
					  .len = fr->len,
					  .done = send_tx_done};
	fr->txreq.nsg = async_buf_sg(fr->buf, &fr->txreq.sg);
	err = fr->ifp->dev->ops->xmit_sg(fr->ifp->dev, &fr->txreq);
	if (err)
		return err == -EAGAIN ? -ENOBUFS : err;
	__atomic_add_fetch(&fr->ifp->dev->counters.tx_packets, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&fr->ifp->dev->counters.tx_zero_copy, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&fr->ifp->dev->counters.tx_bytes, ETH_HDR + IP_HDR + ulen,
			   __ATOMIC_RELAXED);
	fr->state = SF_TX;
	return ASYNC_PENDING;
}

/* The card can read this send's payload where it is: a UDP datagram in user pages. */
static bool send_zero_copy(const struct sock_frame *fr)
{
	return fr->s->type == SOCK_DGRAM && fr->len && fr->len <= NETDEV_MTU - IP_HDR - UDP_HDR &&
	       !async_buf_data(fr->buf) && fr->ifp->dev->ops->xmit_sg && !net_zero_copy_off;
}

/* A datagram larger than the MTU (send_prepare bounds it by NET_FRAG_MAX): built whole in
 * net_fragbuf, then sent in IPv4 fragments. Bytes sent, or -errno. */
static int64_t send_xmit_frags(struct sock_frame *fr, const uint8_t *mac, size_t hl)
{
	struct net_sock *s = fr->s;
	uint32_t src = fr->ifp->addr;
	int err;

	vfs_buf_copy_in(fr->buf, fr->boff, net_fragbuf + hl, fr->len);
	if (s->type == SOCK_DGRAM)
		wire_udp_build(net_fragbuf, src, fr->dst, s->lport, fr->dport, (uint16_t)fr->len);
	err = ip_output_frags(fr->ifp, mac, src, fr->dst,
			      s->type == SOCK_DGRAM ? IP_P_UDP : IP_P_ICMP, net_fragbuf,
			      hl + fr->len);
	if (err)
		return err == -EAGAIN ? -ENOBUFS : err;
	s->tx++;
	return (int64_t)fr->len;
}

/* Builds the datagram of @fr in net_txbuf and sends it to @mac: bytes sent, ASYNC_PENDING
 * (handed to the card without a copy: the frame is in TX), or -errno. */
static int64_t send_xmit(struct sock_frame *fr, const uint8_t *mac)
{
	struct net_sock *s = fr->s;
	uint32_t src = fr->ifp->addr;
	uint8_t *ip = net_txbuf + ETH_HDR;
	size_t hl = s->type == SOCK_DGRAM ? UDP_HDR : 0;
	int err;

	if (send_zero_copy(fr))
		return send_xmit_sg(fr, mac);
	if (hl + fr->len > NETDEV_MTU - IP_HDR)
		return send_xmit_frags(fr, mac, hl);
	vfs_buf_copy_in(fr->buf, fr->boff, ip + IP_HDR + hl, fr->len);
	if (s->type == SOCK_DGRAM)
		wire_udp_build(ip + IP_HDR, src, fr->dst, s->lport, fr->dport, (uint16_t)fr->len);
	wire_ip_build(ip, s->type == SOCK_DGRAM ? IP_P_UDP : IP_P_ICMP, src, fr->dst,
		      (uint16_t)(hl + fr->len), ip_next_id(), NET_TTL);
	err = eth_output_mac(fr->ifp, mac, net_txbuf, ETH_HDR + IP_HDR + hl + fr->len);
	if (err)
		return err == -EAGAIN ? -ENOBUFS : err;
	s->tx++;
	return (int64_t)fr->len;
}

void net_send_resolved(struct list_node *node, const uint8_t *mac)
{
	struct sock_frame *fr = list_entry(node, struct sock_frame, node);
	int64_t r = mac ? send_xmit(fr, mac) : -EHOSTUNREACH;

	if (r != ASYNC_PENDING)
		sf_finish(fr, r);
}

/* Checks and routes a send: 0, or -errno. Under net_lock. */
static int send_prepare(struct sock_frame *fr, uint32_t *nexthop)
{
	struct net_sock *s = fr->s;
	size_t max = NET_FRAG_MAX - (s->type == SOCK_DGRAM ? UDP_HDR : 0);
	int err;

	if (fr->len > max)
		return -EMSGSIZE;
	if ((err = sock_take_err(s)))
		return err;
	if (s->type == SOCK_RAW && fr->len < ICMP_HDR_LEN)
		return -EINVAL;
	if (!(fr->ifp = net_route(fr->dst, nexthop)))
		return -ENETUNREACH;
	if (s->type == SOCK_DGRAM && !s->lport && !(s->lport = ephemeral_port()))
		return -EADDRINUSE;
	return 0;
}

static int64_t send_start(struct async_op *op, void *state)
{
	struct sock_frame *fr = state;
	uint32_t nexthop;
	uint8_t mac[6];
	unsigned long f;
	int64_t r = async_buf_borrow(fr->buf, ASYNC_BUF_READ);

	if (r)
		return r;
	fr->borrowed = true;
	f = spin_lock_irqsave(&net_lock);
	fr->op = op;
	fr->token = async_op_token(op);
	r = send_prepare(fr, &nexthop);
	if (!r)
		r = arp_resolve(fr->ifp, nexthop, mac, &fr->node);
	if (r == 0)
		r = send_xmit(fr, mac);
	else if (r == 1)
		fr->state = SF_WAITING, r = ASYNC_PENDING;
	spin_unlock_irqrestore(&net_lock, f);
	net_complete_deferred(); /* the driver may have reclaimed other sends */
	if (r != ASYNC_PENDING)
		async_buf_unborrow(fr->buf);
	return r;
}

/* ---- The frame's other hooks ---- */

static int64_t sf_resume(struct async_op *op, void *state, int64_t result)
{
	struct sock_frame *fr = state;

	(void)op;
	if (fr->borrowed)
		async_buf_unborrow(fr->buf);
	return result;
}

static void sf_cancel(struct async_op *op, void *state)
{
	struct sock_frame *fr = state;
	unsigned long f = spin_lock_irqsave(&net_lock);
	bool mine = fr->state == SF_WAITING;

	if (mine) {
		if (fr->send)
			arp_unqueue(&fr->node);
		else
			list_del(&fr->node);
		fr->state = SF_IDLE;
	}
	spin_unlock_irqrestore(&net_lock, f);
	if (mine)
		async_op_complete(op, fr->token, async_op_cancel_reason(op));
}

static const char *sf_waiting_on(const void *state)
{
	const struct sock_frame *fr = state;

	return fr->send ? "arp resolution" : fr->pbq ? "datagrams (multishot)" : "a datagram";
}

static const struct async_layer recv_layer = {.name = "sockrecv",
					      .state_size = sizeof(struct sock_frame),
					      .start = recv_start,
					      .resume = sf_resume,
					      .cancel = sf_cancel,
					      .waiting_on = sf_waiting_on};

static const struct async_layer send_layer = {.name = "socksend",
					      .state_size = sizeof(struct sock_frame),
					      .start = send_start,
					      .resume = sf_resume,
					      .cancel = sf_cancel,
					      .waiting_on = sf_waiting_on};

static struct sock_frame *sf_push(struct async_op *op, const struct async_layer *l,
				  struct net_sock *s, int *err)
{
	struct sock_frame *fr = async_push(op, l);

	if (!fr) {
		*err = (int)async_op_push_error(op);
		return NULL;
	}
	fr->s = s;
	list_init(&fr->node);
	return fr;
}

int net_recv_push(struct async_op *op, struct net_sock *s, struct async_buf *buf, uint64_t boff,
		  uint64_t len, struct tio_sockaddr_in *from, bool nowait)
{
	int err;
	struct sock_frame *fr;

	if (s->type == SOCK_STREAM)
		return tcpsock_io_push(op, s, buf, boff, len, false, nowait);
	fr = sf_push(op, &recv_layer, s, &err);
	if (!fr)
		return err;
	fr->buf = buf;
	fr->boff = boff;
	fr->len = len;
	fr->from = from;
	fr->nowait = nowait;
	return 0;
}

int net_recv_multishot_push(struct async_op *op, struct net_sock *s, struct async_pbq *pbq)
{
	int err;
	struct sock_frame *fr;

	if (s->type == SOCK_STREAM)
		return tcpsock_recv_multishot_push(op, s, pbq);
	fr = sf_push(op, &recv_layer, s, &err);
	if (!fr)
		return err;
	fr->pbq = pbq;
	return 0;
}

int net_send_push(struct async_op *op, struct net_sock *s, struct async_buf *buf, uint64_t boff,
		  uint64_t len, const struct tio_sockaddr_in *to)
{
	unsigned long f;
	uint32_t dst;
	uint16_t dport;
	struct sock_frame *fr;
	int err;

	if (s->type == SOCK_STREAM)
		return to ? -EISCONN : tcpsock_io_push(op, s, buf, boff, len, true, false);
	f = spin_lock_irqsave(&net_lock);
	dst = to ? to->addr : s->raddr;
	dport = to ? ntoh16(to->port) : s->rport;
	spin_unlock_irqrestore(&net_lock, f);
	if (to && to->family != AF_INET)
		return -EAFNOSUPPORT;
	if (!dst)
		return -EDESTADDRREQ;
	if (s->type == SOCK_DGRAM && !dport)
		return -EINVAL;
	fr = sf_push(op, &send_layer, s, &err);
	if (!fr)
		return err;
	fr->send = true;
	fr->buf = buf;
	fr->boff = boff;
	fr->len = len;
	fr->dst = dst;
	fr->dport = dport;
	return 0;
}

static void ip_text(char *out, size_t cap, uint32_t a, uint16_t port)
{
	const uint8_t *b = (const uint8_t *)&a;

	fmt_snprintf(out, cap, "%u.%u.%u.%u:%u", b[0], b[1], b[2], b[3], port);
}

bool net_sock_line(unsigned i, char *buf, size_t cap)
{
	unsigned long f = spin_lock_irqsave(&net_lock);
	struct list_node *n = sock_list.next;
	char l[24], r[24];
	unsigned readers = 0;
	struct net_sock *s;

	for (; n != &sock_list && i; n = n->next)
		i--;
	if (n == &sock_list) {
		spin_unlock_irqrestore(&net_lock, f);
		return false;
	}
	s = list_entry(n, struct net_sock, link);
	if (s->type == SOCK_STREAM) {
		tcpsock_line(s, buf, cap);
		spin_unlock_irqrestore(&net_lock, f);
		return true;
	}
	for (struct list_node *j = s->readers.next; j != &s->readers; j = j->next)
		readers++;
	ip_text(l, sizeof(l), s->laddr, s->lport);
	ip_text(r, sizeof(r), s->raddr, s->rport);
	fmt_snprintf(buf, cap, "%-4s %-21s %-21s rxq %u recv-ops %u rx %lu tx %lu drop %lu",
		     s->type == SOCK_DGRAM ? "udp" : "icmp", l, r, s->rxq_len, readers, s->rx,
		     s->tx, s->drops);
	spin_unlock_irqrestore(&net_lock, f);
	return true;
}
