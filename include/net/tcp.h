/*
 * net/tcp.h - the TCP engine (RFC 9293, RFC 6298, RFC 5681/6582, RFC 7323
 * window scaling, RFC 2018 SACK (a simplified RFC 6675 sender), RFC 5961 RST/SYN
 * challenge ACKs). A self-contained module in net/tcp/: it knows nothing of
 * NICs, IP routing or file descriptors; the contract with the layers around it
 * is this header, both ways.
 *
 * Below (the IP layer):
 *   - the IP layer creates one engine instance, struct tcp_stack, with
 *     tcp_stack_init() and a struct tcp_lower: @output sends one segment (the
 *     engine has built the whole TCP header, checksum included; the IP layer
 *     adds the IPv4 header) as gather pieces, @now_ns is the monotonic clock;
 *   - for every received IPv4 datagram with protocol 6 it calls
 *     tcp_input(stack, src, dst, bytes, len) with the TCP header and payload
 *     (the IP header stripped). The engine verifies the checksum with the
 *     pseudo-header and drops what is malformed; it never trusts a length or an
 *     option of the segment;
 *   - timers: the engine keeps its deadlines itself. The stack calls
 *     tcp_tick(stack) when the clock reaches tcp_next_deadline(stack) (an
 *     async_port_timer armed at that deadline, or a periodic tick: both work,
 *     a late tick only delays). Any entry point may move the deadline earlier,
 *     so the stack re-reads tcp_next_deadline() after each call.
 *
 * Above (the socket layer): tcp_open/bind/listen/connect/accept/send/recv/
 * shutdown/close. None of them blocks: each does what is possible now and
 * returns a count, 0, or a negative errno (-EAGAIN: not now). Progress is
 * announced through the socket's notify callback (tcp_set_notify) with a mask
 * of TCP_EV_* bits that became true; the socket layer then retries its pending
 * op (recv, send, accept, connect), which completes it exactly once - a cancel
 * is simply the socket layer dropping its pending op, the engine holds no op.
 * Multishot accept and multishot receive into provided buffers: on TCP_EV_IN,
 * take a provided buffer, tcp_recv() into it, post the event, repeat until
 * -EAGAIN. With no provided buffer free the data stays in the connection's
 * receive ring and the advertised window shrinks: nothing is dropped, nothing
 * is allocated.
 *
 * Addresses and ports in this interface are in host byte order
 * (10.0.2.15 is 0x0a00020f). Segment bytes are network order, as on the wire.
 *
 * Concurrency: an engine instance is not thread-safe. Every tcp_* call on one
 * stack (tcp_input, tcp_tick and the socket calls) must be serialized by the
 * caller (the network stack's lock). Notify callbacks run from inside those
 * calls, at their end, with that serialization still held; a callback may call
 * any tcp_* function except tcp_input and tcp_tick (tcp_close included: the
 * socket is freed only after the callback returns).
 *
 * Memory: control blocks and the per-connection send and receive rings come
 * from static pools (tcp_sock, tcp_ring; sizes in net/tcp/tcp_param.h). A
 * listening socket owns no ring. Out-of-order data is kept in the receive ring
 * itself, at its sequence offset, with a bounded list of received ranges.
 */
#ifndef NET_TCP_H
#define NET_TCP_H

#include <async/port.h>

struct tcp_stack;
struct tcp_sock;
struct tcp_txref; /* a segment whose payload the lower still reads (output_ref) */

/* One gather piece of an outgoing segment. */
struct tcp_iov {
	const void *base;
	size_t len;
};

/* What the IP layer provides. */
struct tcp_lower {
	/*
	 * Send one TCP segment from @src to @dst: the pieces concatenated are the
	 * TCP header (options and checksum filled in) then the payload. The
	 * pieces are valid only during the call. Returns 0 or a negative errno
	 * (the engine counts the failure in tx_errors and relies on retransmission).
	 */
	int (*output)(void *ctx, uint32_t src, uint32_t dst, const struct tcp_iov *iov, unsigned n);
	uint64_t (*now_ns)(void *ctx); /* monotonic clock */
	/*
	 * Optional, for a lower that can send the payload where it is (a NIC
	 * reading the send ring through its descriptors): as @output, for a
	 * segment with payload, with @ref non-NULL when the lower may keep
	 * reading the payload pieces (iov[1..n-1], in the connection's send ring)
	 * after the call. It returns TCP_OUT_HELD if it does: the engine then
	 * keeps those ring bytes unchanged, even once acknowledged and even if
	 * the connection ends, until the lower calls tcp_txref_put(@ref). 0 means
	 * it is done with the pieces (copied), a negative errno as @output. The
	 * header piece iov[0] is valid only during the call either way.
	 */
	int (*output_ref)(void *ctx, uint32_t src, uint32_t dst, const struct tcp_iov *iov,
			  unsigned n, struct tcp_txref *ref);
	/*
	 * With output_ref: the segments given to it carry in their checksum field
	 * only the pseudo-header's sum (folded, not complemented), and the lower
	 * completes the checksum over the header and payload: a NIC's checksum
	 * offload (e1000 TXSM), or in software when it copies. The engine then
	 * never reads the payload to send it.
	 */
	bool csum_partial;
};

#define TCP_OUT_HELD 1 /* output_ref keeps reading the payload until tcp_txref_put */

/* The TCP checksum of the segment in @n pieces (its checksum field zero) with the IPv4
 * pseudo-header of @src, @dst (host order): for a lower that completes a csum_partial
 * segment in software. Pieces may have any length (odd ones included). */
uint16_t tcp_checksum(uint32_t src, uint32_t dst, const struct tcp_iov *iov, unsigned n);

/* Events passed to the notify callback: what became true. */
#define TCP_EV_IN      0x01 /* tcp_recv() has data or end of stream */
#define TCP_EV_OUT     0x02 /* tcp_send() has room */
#define TCP_EV_ACCEPT  0x04 /* tcp_accept() has a connection */
#define TCP_EV_CONNECT 0x08 /* tcp_connect() finished: established, or failed (TCP_EV_ERR) */
#define TCP_EV_ERR     0x10 /* tcp_error() has an error: reset, refused, timed out */
#define TCP_EV_HUP     0x20 /* the connection is closed both ways */

typedef void tcp_notify_fn(struct tcp_sock *s, void *arg, unsigned events);

/* Connection states, RFC 9293 section 3.3.2 (the values index tcp_state_name). */
enum tcp_state {
	TCP_CLOSED,
	TCP_LISTEN,
	TCP_SYN_SENT,
	TCP_SYN_RECEIVED,
	TCP_ESTABLISHED,
	TCP_FIN_WAIT_1,
	TCP_FIN_WAIT_2,
	TCP_CLOSE_WAIT,
	TCP_CLOSING,
	TCP_LAST_ACK,
	TCP_TIME_WAIT,
};

/* Per-connection counters and current values, for `ss -tan`-like output. */
struct tcp_conn_stats {
	enum tcp_state state;
	uint32_t laddr, raddr;
	uint16_t lport, rport;
	uint32_t recv_q, send_q;   /* bytes unread by the application / unacknowledged+unsent */
	uint32_t rcv_wnd, snd_wnd; /* our last advertised window / the peer's, unscaled */
	uint32_t cwnd, ssthresh, mss;
	uint64_t srtt_ns, rto_ns;
	uint64_t segs_in, segs_out, bytes_in, bytes_out;
	uint64_t retransmits, fast_retransmits, timeouts, dup_acks_in, ooo_segs, zero_win_probes;
	/* ICMP (tcp_icmp_unreach, tcp_icmp_frag_needed): the soft error recorded (negative errno,
	 * 0: none; reported only if the connection times out), soft errors received, the path MTU
	 * learnt (0: none, the interface's) and how often it lowered the MSS */
	int soft_error;
	uint32_t pmtu;
	uint64_t icmp_soft_errors, pmtu_updates;
};

/*
 * Per-stack configuration. @mtu bounds the MSS we announce (mtu - 40);
 * @iss_secret seeds the initial sequence numbers (RFC 6528 style: a clock plus
 * a per-stack secret); tests give two stacks fixed secrets for repeatability.
 */
struct tcp_config {
	uint32_t mtu;
	uint32_t iss_secret;
};

#ifndef TCP_PMTU_CACHE
#define TCP_PMTU_CACHE 8 /* destinations whose path MTU the stack remembers (RFC 1191) */
#endif

/* The engine instance. Callers embed it; its fields are private to net/tcp/. */
struct tcp_stack {
	const struct tcp_lower *lower; /* [I] */
	void *ctx;		       /* [I] passed to lower's functions */
	struct tcp_config cfg;	       /* [I] */
	struct tcp_sock *socks;	       /* every socket of this stack, listeners included */
	struct tcp_sock *notify_head;  /* sockets with events to deliver at the end of the call */
	uint32_t iss_counter;
	uint16_t next_ephemeral;
	bool in_flush;
	uint64_t bad_segs, rsts_sent, no_sock_segs, syn_drops, tx_errors; /* stack-wide counters */
	uint64_t tw_reclaimed; /* TIME-WAIT blocks a new connection took (tcp_sock pool empty) */
	uint64_t
	    icmp_ignored; /* ICMP errors quoting no connection or a sequence number not in flight */
	/* Path MTUs learnt (RFC 1191), by destination; a slot is free when expires <= now. */
	struct tcp_pmtu {
		uint32_t addr, mtu;
		uint64_t expires;
	} pmtu[TCP_PMTU_CACHE];
	unsigned in_output;    /* inside lower->output/output_ref: tcp_txref_put must not flush */
	uint64_t txref_short;  /* data segments offered without a ref (tcp_txref pool empty) */
};

void tcp_stack_init(struct tcp_stack *st, const struct tcp_lower *lower, void *ctx,
		    const struct tcp_config *cfg);
/* Aborts every connection (no RST sent) and frees every socket of @st. */
void tcp_stack_destroy(struct tcp_stack *st);

/* ---- Below ---- */
void tcp_input(struct tcp_stack *st, uint32_t src, uint32_t dst, const void *seg, size_t len);
void tcp_tick(struct tcp_stack *st);
/* The earliest timer deadline in ns (UINT64_MAX: none). */
uint64_t tcp_next_deadline(struct tcp_stack *st);
/*
 * ICMP errors about our segments (RFC 1122 4.2.3.9, RFC 5927, RFC 1191). The IP layer passes
 * the quoted segment's @src:@sport -> @dst:@dport and sequence number @seq. A quote that names
 * no connection, or a @seq outside what is in flight ([SND.UNA, SND.MAX): RFC 5927 4.1), is
 * ignored and counted (icmp_ignored).
 *
 * tcp_icmp_unreach: destination unreachable, @err the code's errno. As Linux (tcp_v4_err): a
 * connection in SYN-SENT ends with @err (the pending connect fails at once); in any other state
 * the error is soft (RFC 1122 4.2.3.9, RFC 5927 4.2): it is recorded (stats soft_error) and is
 * the connection's error only if it then times out (instead of -ETIMEDOUT); an ACK of new
 * data forgets it. An established connection is never aborted by an ICMP error.
 *
 * tcp_icmp_frag_needed: "fragmentation needed and DF set" with the next hop's @mtu (RFC 1191;
 * the IP layer estimates it when the router gave 0). Below TCP_PMTU_MIN it is raised to that
 * (RFC 5927 7.2). The destination's path MTU is cached (TCP_PMTU_CACHE entries, for
 * TCP_PMTU_TTL_NS) for new connections; a connection whose MSS is above mtu - 40 lowers it
 * and sends again from SND.UNA in segments of the new size, with its congestion window unchanged.
 */
void tcp_icmp_unreach(struct tcp_stack *st, uint32_t src, uint16_t sport, uint32_t dst,
		      uint16_t dport, uint32_t seq, int err);
void tcp_icmp_frag_needed(struct tcp_stack *st, uint32_t src, uint16_t sport, uint32_t dst,
			  uint16_t dport, uint32_t seq, uint32_t mtu);
/* The path MTU cached for @dst (at most the stack's mtu), or the stack's mtu. */
uint32_t tcp_pmtu_get(struct tcp_stack *st, uint32_t dst);

/*
 * The lower is done reading the payload of the segment it held (output_ref
 * returned TCP_OUT_HELD): the ring bytes may be reused. Callable from inside
 * output/output_ref (a driver reclaiming finished descriptors while queueing
 * the next) and from outside any engine call (then it runs the notify
 * callbacks it caused, as every entry point: a sender waiting for room).
 */
void tcp_txref_put(struct tcp_stack *st, struct tcp_txref *ref);

/* ---- Above ---- */
/* A new closed socket, or -ENOMEM (pool exhausted) via *out == NULL and the return. */
int tcp_open(struct tcp_stack *st, struct tcp_sock **out);
void tcp_set_notify(struct tcp_sock *s, tcp_notify_fn *fn, void *arg);
/* Port 0 picks an ephemeral port. -EADDRINUSE, -EINVAL (already bound). */
int tcp_bind(struct tcp_sock *s, uint32_t addr, uint16_t port);
/* At most @backlog connections (handshaking or waiting for accept); more SYNs are dropped. */
int tcp_listen(struct tcp_sock *s, unsigned backlog);
/* Starts the handshake from @laddr (the source the IP layer chose): -EINPROGRESS, or an error. */
int tcp_connect(struct tcp_sock *s, uint32_t laddr, uint32_t raddr, uint16_t rport);
/* An established connection from the listener's queue, or -EAGAIN. */
int tcp_accept(struct tcp_sock *listener, struct tcp_sock **out);
/* Bytes queued (> 0), -EAGAIN (ring full or not yet connected), -EPIPE, or the connection's error.
 */
long tcp_send(struct tcp_sock *s, const void *buf, size_t len);
/* Bytes read (> 0), 0 at end of stream, -EAGAIN, or the connection's error. */
long tcp_recv(struct tcp_sock *s, void *buf, size_t len);
/*
 * Zero-bounce variants for callers whose data is not one contiguous kernel
 * buffer (pinned user pages): the engine hands its ring's storage to the
 * caller's callback instead of copying from/to @buf. tcp_send_from queues
 * min(@len, room) bytes: @fill(arg, off, dst, n) must write the caller's
 * bytes [off, off + n) to @dst. tcp_recv_into takes min(@len, unread) bytes:
 * @drain(arg, off, src, n) gets bytes [off, off + n) of what is read. The
 * callback runs once or twice (twice when the ring wraps), in stream order,
 * pieces covering [0, result) exactly; it runs before the call returns, under
 * the caller's serialization, and must not call the engine. Results as
 * tcp_send / tcp_recv (which are these with memcpy).
 */
typedef void tcp_fill_fn(void *arg, size_t off, void *dst, size_t n);
typedef void tcp_drain_fn(void *arg, size_t off, const void *src, size_t n);
long tcp_send_from(struct tcp_sock *s, size_t len, tcp_fill_fn *fill, void *arg);
long tcp_recv_into(struct tcp_sock *s, size_t len, tcp_drain_fn *drain, void *arg);
/* SHUT_RD 0, SHUT_WR 1, SHUT_RDWR 2. */
int tcp_shutdown(struct tcp_sock *s, int how);
/*
 * The socket layer lets go of @s: graceful close (FIN after the queued data),
 * or RST when unread data is left (RFC 9293 3.6 / RFC 2525). The engine frees
 * the control block when the connection ends (after TIME_WAIT).
 */
void tcp_close(struct tcp_sock *s);
/* RST now and release (SO_LINGER 0). */
void tcp_abort(struct tcp_sock *s);

/*
 * Keep-alive (RFC 9293 3.8.4): off by default. With @idle_ns > 0, after that
 * long without a segment from the peer, send a probe every @intvl_ns; after
 * @count probes without an answer the connection fails with -ETIMEDOUT. RFC
 * 9293 asks for an idle time of at least two hours by default; the caller
 * picks the values (SO_KEEPALIVE, TCP_KEEPIDLE ...). @idle_ns 0 turns it off.
 */
void tcp_set_keepalive(struct tcp_sock *s, uint64_t idle_ns, uint64_t intvl_ns, unsigned count);

/* Readiness now, as TCP_EV_* bits (level, not edge). */
unsigned tcp_poll(const struct tcp_sock *s);
/* The pending error (negative errno) and clears it, or 0. */
int tcp_error(struct tcp_sock *s);
enum tcp_state tcp_get_state(const struct tcp_sock *s);
void tcp_get_stats(const struct tcp_sock *s, struct tcp_conn_stats *out);
const char *tcp_state_name(enum tcp_state st);

/* The stack-wide counters of @st (segments that reached no connection, RSTs sent ...). */
struct tcp_stack_stats {
	uint64_t bad_segs;     /* malformed: bad checksum, length or offset */
	uint64_t rsts_sent;    /* every RST the engine sent */
	uint64_t no_sock_segs; /* segments for no socket (answered with a RST unless one) */
	uint64_t syn_drops;    /* SYNs dropped: backlog full or no ring free */
	uint64_t tx_errors;    /* segments the IP layer refused to send */
	uint64_t tw_reclaimed; /* TIME-WAIT control blocks given to new connections */
	uint64_t icmp_ignored; /* ICMP errors quoting no connection or data not in flight */
};
void tcp_get_stack_stats(const struct tcp_stack *st, struct tcp_stack_stats *out);
/*
 * `ss -tan`-like table of every socket of @st into @buf (NUL-terminated,
 * truncated to @size). Returns the length it wanted (like snprintf).
 */
size_t tcp_format_stats(struct tcp_stack *st, char *buf, size_t size);

#endif
