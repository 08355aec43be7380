/*
 * net_int.h - shared by the files of net/ only.
 *
 * One lock, net_lock, guards the whole stack's state: interfaces'
 * configuration, the ARP cache, the socket table and every socket's queues,
 * and the drivers' transmit rings (ops->xmit runs under it). Frames are
 * received by the stack's thread (iface.c), which takes net_lock per frame;
 * syscalls take it to send and to queue receives. Everything under it is
 * short and never sleeps; it masks interrupts, so async completions made
 * under it run their callbacks with interrupts masked, which they allow.
 *
 * Lock legend: [I] immutable after init, [N] under net_lock.
 */
#ifndef NET_NET_INT_H
#define NET_NET_INT_H

#include <kernel/list.h>
#include <kernel/spinlock.h>
#include <net/net.h>
#include <net/netdev.h>
#include "wire.h"

#define NET_IF_MAX	 4			 /* interfaces (NICs) */
#define NET_ARP_ENTRIES	 16			 /* ARP cache */
#define NET_ARP_TTL_NS	 (60ULL * 1000000000ULL) /* a resolved entry lives this long */
#define NET_ARP_RETRY_NS (1000000000ULL)	 /* resend an unanswered request */
#define NET_ARP_TRIES	 3			 /* requests before the waiting sends fail */
#define NET_ARP_WAITERS	 8			 /* sends waiting on one unresolved address */
#define NET_SOCKS	 1024			 /* sockets, all processes (descriptors bound them) */
#define NET_PKTS	 32			 /* queued received datagrams, all sockets */
#define NET_SOCK_RXQ	 16   /* queued datagrams of one socket; more are dropped */
#define NET_REASM_SLOTS	 4    /* datagrams being reassembled at once */
#define NET_REASM_BYTES	 8192 /* largest reassembled datagram */
#define NET_REASM_TTL_NS (5ULL * 1000000000ULL)
#define NET_TTL		 64
#define NET_EPHEMERAL_LO 49152
#define NET_BOOT_DHCP_NS (3ULL * 1000000000ULL) /* boot waits this long at most for leases */
#define NET_TICK_NS	 (100ULL * 1000000ULL)	/* the thread's timer period */

#define NET_ARP_HELD	  16		  /* kernel-made frames held for ARP, all addresses */
#define NET_ARP_HELD_PER  8		  /* of them, for one unresolved address */
#define NET_FRAG_MAX	  NET_REASM_BYTES /* largest datagram sent in fragments (UDP/ICMP part) */
#define NET_ICMP_ERR_RATE 50		  /* ICMP errors sent per second, at most */
#define NET_TCP_TXS	  64 /* TCP segments cards read from send rings at once (zero copy) */

extern struct spinlock net_lock;
extern bool net_zero_copy_off;	  /* [I] the command line's netzerocopy=off */
extern bool net_csum_offload_off; /* [I] the command line's netcsumoffload=off (tcpip.c) */

enum dhcp_state {
	DHCP_OFF,
	DHCP_SELECTING,
	DHCP_REQUESTING,
	DHCP_BOUND,
	DHCP_RENEWING,
	DHCP_REBINDING,
};

/* One interface per NIC. */
struct net_if {
	struct netdev *dev;			    /* [I] */
	unsigned index;				    /* [I] */
	uint32_t addr, netmask, gateway;	    /* [N] network order; 0: unconfigured */
	unsigned flags;				    /* [N] TIO_IFF_* */
	enum dhcp_state dhcp;			    /* [N] */
	uint32_t dhcp_xid, dhcp_server, dhcp_offer; /* [N] */
	uint64_t dhcp_next_ns;			    /* [N] next transmission or renewal */
	unsigned dhcp_renewals;			    /* [N] */
	/* [N] BOUND/RENEWING/REBINDING: absolute times of T1 <= T2 <= the lease's end */
	uint64_t dhcp_t1_at, dhcp_t2_at, dhcp_end_at;
};

/* A socket. [N] unless noted. */
struct net_sock {
	int type;	       /* [I] SOCK_DGRAM, SOCK_RAW (ICMP) or SOCK_STREAM (tcpsock.c) */
	struct list_node link; /* on sock_list */
	uint32_t laddr, raddr; /* network order; 0: any / not connected */
	uint16_t lport, rport; /* host order */
	struct list_node rxq;  /* struct net_pkt, oldest first */
	unsigned rxq_len;
	struct list_node readers; /* WAITING receive frames, oldest first */
	unsigned long rx, tx, drops;
	struct tcp_sock *tcp;  /* [N] SOCK_STREAM: the engine's socket */
	struct list_node tcpw; /* [N] SOCK_STREAM: waiting struct tcp_frame, oldest first */
	int err; /* [N] SOCK_DGRAM: an ICMP error for the connected peer (-errno), reported once by
		  * the next receive or send, as Linux's sk_err; 0: none */
};

extern struct net_if net_ifs[NET_IF_MAX];
extern unsigned net_nifs; /* [N] */

/* iface.c */
struct net_if *net_if_of(struct netdev *d);
/* The interface and next hop for @dst: the on-link interface, else the default route. */
struct net_if *net_route(uint32_t dst, uint32_t *nexthop);
uint64_t net_now(void);

/* eth.c: Ethernet and ARP. Under net_lock. */
void eth_input(struct net_if *ifp, const uint8_t *frame, size_t len);
/* Sends @frame (Ethernet header space included, filled here) to @nexthop: 0 sent, or held
 * until ARP resolves it (sent then, dropped if it fails); -ENOBUFS with the queue full. */
int eth_output_ip(struct net_if *ifp, uint32_t nexthop, uint8_t *frame, size_t len);
int eth_output_bcast(struct net_if *ifp, uint8_t *frame, size_t len);
int eth_output_mac(struct net_if *ifp, const uint8_t *mac, uint8_t *frame, size_t len);
/* Resolves @nexthop for a pending op: 0 resolved (*mac filled), 1 queued on @node (done(node,
 * err) runs under net_lock later), or -ENOBUFS. */
int arp_resolve(struct net_if *ifp, uint32_t nexthop, uint8_t *mac, struct list_node *node);
/* Removes a queued waiter: true if it was still queued. */
bool arp_unqueue(struct list_node *node);
void arp_tick(uint64_t now);
/* Called under net_lock for each waiter of an entry that resolved (mac) or failed (NULL). */
void net_send_resolved(struct list_node *node, const uint8_t *mac);

/* ipv4.c */
void ip_input(struct net_if *ifp, const uint8_t *pkt, size_t len);
/* Builds the IP header at frame+ETH_HDR over @plen payload bytes already at frame+ETH_HDR+IP_HDR
 * and sends it: 0 (sent, or held for ARP), -ENOBUFS (ARP queue full), -ENETUNREACH. Above the
 * MTU it leaves in fragments (up to NET_FRAG_MAX; -EMSGSIZE beyond, and for TCP, sent with DF). */
int net_ip_output(uint32_t src, uint32_t dst, uint8_t proto, uint8_t *frame, size_t plen);
void ip_reasm_tick(uint64_t now);
uint16_t ip_next_id(void);
/* Sets DF in the built IPv4 header @h, checksum updated (TCP: path-MTU discovery). */
void ip_set_df(uint8_t *h);
/* Sends the @len-byte datagram body @l4 (UDP or ICMP, headers built) to @mac in IPv4 fragments
 * of at most NETDEV_MTU bytes: 0 or the first error. */
int ip_output_frags(struct net_if *ifp, const uint8_t *mac, uint32_t src, uint32_t dst,
		    uint8_t proto, const uint8_t *l4, size_t len);

/* socket.c: delivery from the input path, and the completions it leaves for after net_lock
 * (net_complete_deferred: call it, without net_lock, after any section that may deliver). */
void net_complete_deferred(void);
/* False when no socket is bound to the datagram's port (ipv4.c answers port unreachable). */
bool sock_deliver_udp(const struct ip_view *ip, const struct udp_view *u);
/* An ICMP destination unreachable about our UDP datagram laddr:lport -> raddr:rport: the
 * connected socket's oldest one-shot receive ends with @err, else the next call reports it. */
void sock_icmp_error(uint32_t laddr, uint16_t lport, uint32_t raddr, uint16_t rport, int err);
void sock_deliver_icmp(const struct ip_view *ip);

/* tcpip.c: the TCP engine's instance, under net_lock (net_tcp_init takes it). */
void net_tcp_init(void);
void net_tcp_input(const struct ip_view *ip);
/* An ICMP destination unreachable quoting our TCP segment (addresses in network order). */
void net_tcp_icmp_unreach(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport, uint32_t seq,
			  int err);
/* "Fragmentation needed" quoting our TCP segment, with the next hop's @mtu (RFC 1191). */
void net_tcp_icmp_frag_needed(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
			      uint32_t seq, uint32_t mtu);
/* Runs the engine's timers when @now has reached net_tcp_deadline(). */
void net_tcp_tick(uint64_t now);
uint64_t net_tcp_deadline(void);       /* UINT64_MAX: none */
struct tcp_stack *net_tcp_stack(void); /* the engine instance, [N] */
/* After the drivers' tx_reclaim, under net_lock: segments cards finished go back to the engine. */
void net_tcp_tx_done(void);

/* iface.c: wakes the stack's thread (it re-reads the TCP deadline). */
void net_wake_thread(void);

/* tcpsock.c: stream sockets on the engine. */
void net_tcp_complete_deferred(void);
int tcpsock_open(struct net_sock *s);
void tcpsock_release_locked(struct net_sock *s);
int tcpsock_bind(struct net_sock *s, const struct tio_sockaddr_in *a);
void tcpsock_name(struct net_sock *s, struct tio_sockaddr_in *a); /* under net_lock */
int tcpsock_io_push(struct async_op *op, struct net_sock *s, struct async_buf *buf, uint64_t boff,
		    uint64_t len, bool send, bool nowait);
void tcpsock_line(struct net_sock *s, char *buf, size_t cap); /* under net_lock */
int tcpsock_recv_multishot_push(struct async_op *op, struct net_sock *s, struct async_pbq *pbq);
/* socket.c: a new socket of @type on the table, under net_lock (NULL: pool empty). */
struct net_sock *net_sock_new_locked(int type);
/* Under net_lock: gives back a socket of net_sock_new_locked that was never used. */
void net_sock_free_locked(struct net_sock *s);

/* dhcp.c */
void dhcp_start(struct net_if *ifp);
void dhcp_input(struct net_if *ifp, const struct udp_view *u);
void dhcp_tick(struct net_if *ifp, uint64_t now);

#endif
