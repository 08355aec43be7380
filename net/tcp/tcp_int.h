/*
 * tcp_int.h - private to net/tcp/: the control block, segment parsing and
 * building, and the functions the engine's files share.
 *
 * Files:
 *   tcp_seg.c    wire format: header and options parse/build, checksum, output
 *   tcp_in.c     tcp_input: demultiplexing and the state machine (RFC 9293 3.10.7)
 *   tcp_out.c    the sender: segmentation, congestion control, timers, tcp_tick
 *   tcp_sock.c   the socket-side calls, pools, notification, stats
 *   tcp_icmp.c   ICMP errors about our segments, path-MTU discovery
 */
#ifndef NET_TCP_INT_H
#define NET_TCP_INT_H

#include <async/pool.h>
#include <net/tcp.h>

#include "tcp_param.h"

/* errno values the minimal port may lack (Linux values). */
#ifndef EPIPE
#define EPIPE 32
#endif
#ifndef EOPNOTSUPP
#define EOPNOTSUPP 95
#endif
#ifndef EADDRINUSE
#define EADDRINUSE 98
#endif
#ifndef ECONNABORTED
#define ECONNABORTED 103
#endif
#ifndef ECONNRESET
#define ECONNRESET 104
#endif
#ifndef EISCONN
#define EISCONN 106
#endif
#ifndef ENOTCONN
#define ENOTCONN 107
#endif
#ifndef ECONNREFUSED
#define ECONNREFUSED 111
#endif
#ifndef EALREADY
#define EALREADY 114
#endif
#ifndef EINPROGRESS
#define EINPROGRESS 115
#endif

/* Sequence-space comparisons (RFC 9293 3.4), modulo 2^32. */
#define SEQ_LT(a, b)  ((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define SEQ_LEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)
#define SEQ_GT(a, b)  SEQ_LT(b, a)
#define SEQ_GEQ(a, b) SEQ_LEQ(b, a)

/* Header flags (RFC 9293 3.1). */
#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_URG 0x20

#define TCP_HDR_MIN 20
#define TCP_HDR_MAX 60

/* Option kinds (RFC 9293 3.2, RFC 7323, RFC 2018). */
#define TCPOPT_EOL	 0
#define TCPOPT_NOP	 1
#define TCPOPT_MSS	 2
#define TCPOPT_WSCALE	 3
#define TCPOPT_SACK_PERM 4
#define TCPOPT_SACK	 5
#define TCPOPT_TS	 8

/* A parsed, checksum-verified segment. Pointers point into the caller's bytes. */
struct tcp_seg {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint32_t wnd; /* raw 16-bit field */
	const uint8_t *data;
	uint32_t len; /* payload bytes */
	/* options */
	bool has_mss, has_wscale, sack_perm, has_ts;
	uint16_t mss;
	uint8_t wscale;
	unsigned nsack;
	uint32_t sack[4][2];
};

/*
 * A fixed-size ring of bytes; one per direction of a connection.
 * Zero-copy transmit (a send ring only): @held lists the segments whose
 * payload the lower layer (a NIC's descriptors) still reads from @data.
 * Invariant: bytes of a held segment are not overwritten until its
 * tcp_txref_put(), also once they are acknowledged: tcp_send_from's room is
 * TCP_RING_SIZE - tx_len - tcp_tx_pinned() (the acknowledged bytes a held
 * segment still covers), and a ring its socket lets go of while @held is not
 * empty is freed by the last tcp_txref_put() (@owner NULL meanwhile).
 */
struct tcp_ring {
	uint8_t data[TCP_RING_SIZE];
	struct tcp_txref *held; /* segments the lower still reads, newest first */
	struct tcp_sock *owner; /* the socket whose send ring this is; NULL: let go of */
};

/* A data segment the lower layer holds (tcp_lower.output_ref returned TCP_OUT_HELD). */
struct tcp_txref {
	struct tcp_txref *next; /* on ring->held */
	struct tcp_ring *ring;
	uint32_t seq; /* the payload's first sequence number */
};

/* A received range beyond rcv_nxt, kept in the receive ring (the out-of-order queue). */
struct tcp_range {
	uint32_t start, end; /* [start, end) in sequence space */
};

#define TCP_F_USER     0x01   /* the socket layer holds the socket (until tcp_close) */
#define TCP_F_SACK     0x02   /* SACK permitted both ways */
#define TCP_F_WSCALE   0x04   /* window scaling agreed */
#define TCP_F_FIN_Q    0x08   /* the application shut down writing: FIN at snd_fin_seq */
#define TCP_F_FIN_RCVD 0x10   /* the peer's FIN was received in order (rcv_nxt counts it) */
#define TCP_F_SHUT_RD  0x20   /* the application shut down reading: data is discarded */
#define TCP_F_RECOVERY 0x40   /* in fast recovery (RFC 6582) */
#define TCP_F_TIMING   0x80   /* rtt_seq is being timed */
#define TCP_F_ACK_NOW  0x100  /* send an ACK at the end of this call */
#define TCP_F_DEAD     0x200  /* CLOSED and unlinked from the stack: freed at flush if !USER */
#define TCP_F_SYN_RTO  0x400  /* the SYN was retransmitted: RTO back to 3 s (RFC 6298 5.7) */
#define TCP_F_PERSIST  0x800  /* zero-window probing */
#define TCP_F_OOO_FIN  0x1000 /* a FIN at rcv_fin_seq arrived out of order */

/*
 * The control block. One per socket. All fields belong to the stack's
 * serialization (see net/tcp.h); [I] fixed after creation, [L] for a listener.
 * Send ring: tx holds tx_len bytes starting at sequence tx_seq (snd_una once
 * the SYN is acknowledged, iss+1 before), at ring index tx_head; bytes below
 * snd_nxt have been sent, the rest wait. Receive ring: rx holds rx_len
 * in-order unread bytes at ring index rx_head; out-of-order bytes at sequence
 * q sit at index rx_head + rx_len + (q - rcv_nxt), and ooo[] says which are
 * valid. Invariants: SEQ_LEQ(snd_una, snd_nxt) and SEQ_LEQ(snd_nxt, snd_max);
 * rx_len + (right edge of ooo - rcv_nxt) <= TCP_RING_SIZE.
 */
struct tcp_sock {
	struct tcp_stack *st;	   /* [I] */
	struct tcp_sock *next;	   /* in st->socks */
	struct tcp_sock *nnext;	   /* in st->notify_head, valid iff nev != 0 */
	struct tcp_sock *parent;   /* the listener of a child not yet accepted, else NULL */
	struct tcp_sock *acc_next; /* [L] in the parent's accept queue */
	unsigned nev;		   /* events to deliver */
	tcp_notify_fn *notify;
	void *notify_arg;
	unsigned flags;
	enum tcp_state state;
	int error;	/* pending error, negative errno */
	int soft_error; /* an ICMP error since the last new ACK: the error if we time out */

	uint32_t laddr, raddr;
	uint16_t lport, rport;

	/* listener */
	struct tcp_sock *acc_head, *acc_tail; /* [L] established children, FIFO */
	unsigned backlog, nchildren;	      /* [L] limit; children handshaking or queued */

	/* send sequence space (RFC 9293 3.3.1) */
	uint32_t iss, snd_una, snd_nxt, snd_max, snd_wl1, snd_wl2, snd_fin_seq;
	uint32_t snd_wnd, max_snd_wnd; /* scaled to bytes */
	uint8_t snd_wscale, rcv_wscale;
	uint16_t mss; /* send MSS */
	struct tcp_ring *tx;
	uint32_t tx_seq, tx_head, tx_len; /* the ring holds [tx_seq, tx_seq + tx_len) */

	/* receive sequence space */
	uint32_t irs, rcv_nxt, rcv_adv, rcv_fin_seq; /* rcv_adv: right edge last advertised */
	struct tcp_ring *rx;
	uint32_t rx_head, rx_len;
	struct tcp_range ooo[TCP_OOO_MAX];
	unsigned nooo;
	unsigned acks_owed; /* full segments received since our last ACK */

	/* congestion control (RFC 5681, RFC 6582) */
	uint32_t cwnd, ssthresh, recover, dupacks;
	/*
	 * SACK scoreboard (RFC 2018, used as in RFC 6675 4): ranges above snd_una
	 * the peer holds, disjoint; rexmit_hi: retransmitted up to here in this
	 * recovery. Cleared on a timeout (the receiver may renege).
	 */
	struct tcp_range sacked[TCP_OOO_MAX];
	unsigned nsacked;
	uint32_t rexmit_hi;

	/* round-trip time (RFC 6298), nanoseconds */
	uint64_t srtt, rttvar, rto, rtt_start;
	uint32_t rtt_seq;
	unsigned retries; /* consecutive timeouts */

	/* timers: absolute deadlines in ns, 0 = stopped (t_fw2: an orphan's FIN-WAIT-2) */
	uint64_t t_rexmt, t_delack, t_persist, t_2msl, t_fw2, t_ka;
	/* keep-alive (RFC 9293 3.8.4), off while ka_idle is 0 */
	uint64_t ka_idle, ka_intvl;
	unsigned ka_count, ka_sent;
	unsigned persist_shift;

	struct tcp_conn_stats stats;
};

/* tcp_seg.c */
int tcp_parse(const void *bytes, size_t len, struct tcp_seg *seg);
uint16_t tcp_pseudo_sum(uint32_t src, uint32_t dst, const struct tcp_iov *iov, unsigned n);
void tcp_send_seg(struct tcp_sock *s, uint32_t seq, uint8_t flags, uint32_t len);
void tcp_send_rst_reply(struct tcp_stack *st, uint32_t src, uint32_t dst,
			const struct tcp_seg *seg);
uint32_t tcp_rcv_window(const struct tcp_sock *s);

/* tcp_out.c */
/* The error a connection that timed out ends with: its soft error, else -ETIMEDOUT. */
int tcp_timeout_error(const struct tcp_sock *s);
void tcp_ka_restart(struct tcp_sock *s);
void tcp_sack_update(struct tcp_sock *s, const struct tcp_seg *seg);
void tcp_output(struct tcp_sock *s);
void tcp_ack_now(struct tcp_sock *s);
void tcp_rtt_sample(struct tcp_sock *s, uint64_t rtt);
void tcp_arm_rexmt(struct tcp_sock *s);
void tcp_on_ack(struct tcp_sock *s, const struct tcp_seg *seg, uint32_t acked, bool dup);
void tcp_enter_time_wait(struct tcp_sock *s);
void tcp_init_cc(struct tcp_sock *s);
uint64_t tcp_now(const struct tcp_stack *st);

/* tcp_sock.c */
/* Debug check of the control block's invariants (above); NULL or what is broken. */
const char *tcp_check(const struct tcp_sock *s);
void tcp_post(struct tcp_sock *s, unsigned ev);
void tcp_flush(struct tcp_stack *st);
void tcp_set_state(struct tcp_sock *s, enum tcp_state state);
void tcp_drop(struct tcp_sock *s, int err);
struct tcp_sock *tcp_sock_new(struct tcp_stack *st);
bool tcp_rings_alloc(struct tcp_sock *s);
void tcp_rings_trim(struct tcp_sock *s);
uint32_t tcp_new_iss(struct tcp_stack *st, const struct tcp_sock *s);
void tcp_child_established(struct tcp_sock *s);
void tcp_ring_free(struct tcp_ring *r);

/* tcp_txref.c */
struct tcp_txref *tcp_txref_new(struct tcp_sock *s, uint32_t seq);
void tcp_txref_hold(struct tcp_txref *ref);
void tcp_txref_drop(struct tcp_txref *ref);
uint32_t tcp_tx_pinned(const struct tcp_sock *s);
void tcp_ring_put(struct tcp_ring *r);

#endif
