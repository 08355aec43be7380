/*
 * net/net.h - the IPv4 stack: interfaces, ARP, IPv4, ICMP, UDP, DHCP, and
 * sockets (UDP datagram and raw ICMP) whose receives and sends are async ops.
 *
 * Interface:
 *   net_init()                        probes the NICs, starts the stack's
 *                                     thread and DHCP on every interface
 *   net_if_list(out, max)             interfaces as struct tio_ifreq
 *   net_if_set(req)                   static address/netmask (stops DHCP)
 *   net_sock_create(type, proto, &s)  a socket: SOCK_DGRAM (UDP),
 *                                     SOCK_RAW + IPPROTO_ICMP, or SOCK_STREAM
 *                                     (TCP, net/tcpsock.c)
 *   net_sock_bind / connect / name    local and default remote addresses
 *   net_recv_push(op, s, buf, ...)    pushes a receive frame on @op: it
 *                                     completes with the datagram's length
 *   net_send_push(op, s, buf, ...)    pushes a send frame: it completes when
 *                                     the frame is on the wire (after ARP)
 *   net_sock_release(s)               the socket's file went away
 *
 * The synchronous calls (sendto, recvfrom) build the same ops and wait for
 * them (vfs_sync_io). Cancelling a pending receive or send completes it
 * exactly once with the cancel reason.
 *
 * TCP: the IP_P_TCP case of the IPv4 input (net/ipv4.c, ip_deliver) feeds the
 * engine (net/tcp) and its segments leave through net_ip_output() (glue in
 * net/tcpip.c); stream sockets sit on it in net/tcpsock.c.
 */
#ifndef NET_NET_H
#define NET_NET_H

#include <async/async.h>
#include <uapi/net.h>
#include <stdint.h>
#include <stdbool.h>

struct net_sock;

void net_init(void);
int net_if_list(struct tio_ifreq *out, unsigned max);
int net_if_set(const struct tio_ifreq *req);

int net_sock_create(int type, int proto, struct net_sock **out);
void net_sock_release(struct net_sock *s);
/* Addresses and ports in network order, as in struct tio_sockaddr_in. */
int net_sock_bind(struct net_sock *s, const struct tio_sockaddr_in *a);
int net_sock_connect(struct net_sock *s, const struct tio_sockaddr_in *a);
void net_sock_name(struct net_sock *s, struct tio_sockaddr_in *a);

/* @from (kernel memory, may be NULL) gets the sender when the op completes. @nowait: -EAGAIN
 * at once when nothing is queued. */
int net_recv_push(struct async_op *op, struct net_sock *s, struct async_buf *buf, uint64_t boff,
		  uint64_t len, struct tio_sockaddr_in *from, bool nowait);
/* A receive into provided buffers of @pbq (consumer 0), one event per datagram,
 * until cancelled or the event ring is full (-EAGAIN): multishot. On a stream
 * socket (tcpsock.c) one event per filled buffer, until the end of the stream
 * (0), an error or a cancel; a full ring ends it with the data in the final event. */
int net_recv_multishot_push(struct async_op *op, struct net_sock *s, struct async_pbq *pbq);
/* @to NULL: the connected remote (-EDESTADDRREQ if none). */
/* Stream sockets (net/tcpsock.c). connect and accept are async ops: the push
 * calls add their frame to @op (connect completes with 0 when established or
 * the error; accept with 0 and *out set to the new connected socket). */
bool net_sock_is_stream(const struct net_sock *s);
void net_sock_peer(struct net_sock *s, struct tio_sockaddr_in *a); /* connected peer */
int net_sock_listen(struct net_sock *s, unsigned backlog);
int net_sock_shutdown(struct net_sock *s, int how);
int net_connect_push(struct async_op *op, struct net_sock *s, const struct tio_sockaddr_in *a);
/* A one-shot accept takes a connection only if it can get a socket for it (else -ENFILE,
 * the connection stays queued); its caller reserves the descriptor before pushing. */
int net_accept_push(struct async_op *op, struct net_sock *s, struct net_sock **out);
/*
 * Multishot accept: one non-final event per connection (its descriptor), until a
 * cancel, an error, a full event ring (that connection's descriptor is then the
 * final event) or a connection that cannot be given a descriptor: @ops->reserve
 * runs before each connection is taken from the backlog, and when it fails
 * (-EMFILE, -ENFILE) the op ends with that error and the connection stays queued
 * for a later accept. The hooks run in thread context without the stack's lock.
 */
struct file;
struct net_accept_res {
	int fd;		   /* the reserved descriptor */
	struct file *file; /* the file the socket will hang on */
};
struct net_accept_ops {
	/* Holds what one connection needs: 0, or -EMFILE / -ENFILE. */
	int (*reserve)(void *arg, struct net_accept_res *r);
	/* Gives back a reservation that no connection took. */
	void (*unreserve)(void *arg, struct net_accept_res *r);
	/* Installs connected socket @ns in @r: the event's result (the descriptor). */
	int64_t (*install)(void *arg, struct net_accept_res *r, struct net_sock *ns);
};
int net_accept_multishot_push(struct async_op *op, struct net_sock *s,
			      const struct net_accept_ops *ops, void *arg);
/* A buffer was recycled or provided to @q: multishot stream receives waiting on it retry. */
void net_pbq_refilled(struct async_pbq *q);
int net_send_push(struct async_op *op, struct net_sock *s, struct async_buf *buf, uint64_t boff,
		  uint64_t len, const struct tio_sockaddr_in *to);

/* Line @i (0, 1, ...) of the socket table or of the interface list, for
 * kinfo (`stats`): false past the last one. Each call takes the stack's lock
 * once, so the caller may copy the line to user memory in between. */
bool net_sock_line(unsigned i, char *buf, size_t cap);
bool net_if_line(unsigned i, char *buf, size_t cap);
/* TCP's stack-wide counters, one line (net/tcpip.c). */
void net_tcp_line(char *buf, size_t cap);

#endif
