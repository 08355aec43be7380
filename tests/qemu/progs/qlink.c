/*
 * qlink - IPv4 fragmentation out and ICMP errors between two guests, for
 * tests/qemu/test_netlink.py (not a user command).
 *
 *   qlink recvbig PORT N...    on PORT, receives one datagram per N (in that
 *                              order) and checks it is N bytes of the pattern
 *                              (i * 7 + N) % 251: reassembled whole
 *   qlink sendbig ADDR PORT N...
 *                              sends one datagram of N bytes of that pattern
 *                              per N to ADDR:PORT (more than the MTU: it
 *                              leaves in IPv4 fragments), one second apart
 *   qlink refused ADDR PORT    a UDP socket connected to ADDR:PORT, where
 *                              nobody listens: a RECV op pending when the
 *                              peer's port unreachable comes back ends with
 *                              -ECONNREFUSED; with no receive pending the
 *                              next recvfrom reports it, once (then
 *                              -EAGAIN); a send after another refusal fails
 *                              -ECONNREFUSED too
 *   qlink refusedbig ADDR PORT the pending RECV of a socket connected to a
 *                              closed port ends -ECONNREFUSED when the
 *                              datagram sent is 4000 bytes (the peer answers
 *                              after reassembling it, quoting its first bytes)
 *   qlink unreach ADDR PORT    the same socket calls towards an address a
 *                              router answers with host unreachable:
 *                              the pending RECV ends -EHOSTUNREACH
 *
 * Each check prints "ok NAME" or "FAILED NAME (line N)"; the last line is
 * "qlink MODE: N failed".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tio/aio.h>
#include <tio/cmd.h>
#include <tio/inet.h>
#include <tio/start.h>
#include <tio/sys.h>
#include "qcheck.h"

#define BIG_MAX 8184 /* the largest UDP payload the kernel sends in fragments */

static char big[BIG_MAX + 1];

static int addr_of(const char *ip, const char *port, struct tio_sockaddr_in *a)
{
	memset(a, 0, sizeof(*a));
	a->family = AF_INET;
	a->port = inet_htons((uint16_t)atoi(port));
	return inet_parse(ip, &a->addr);
}

static void fill(size_t n)
{
	for (size_t i = 0; i < n; i++)
		big[i] = (char)((i * 7 + n) % 251);
}

static void recv_big(const char *port, int n, char **sizes)
{
	struct tio_sockaddr_in me;
	long s = sys_socket(AF_INET, SOCK_DGRAM, 0);
	static char in[BIG_MAX + 1];

	addr_of("0.0.0.0", port, &me);
	CHECK("recvbig_bind", sys_bind((int)s, &me, sizeof(me)) == 0);
	printf("receiving on %s\n", port);
	for (int k = 0; k < n; k++) {
		size_t want = (size_t)atoi(sizes[k]);
		long r = sys_recvfrom((int)s, in, sizeof(in), 0, NULL);

		fill(want);
		printf("got %ld bytes of %zu\n", r, want);
		CHECK("recvbig_whole", r == (long)want && !memcmp(in, big, want));
	}
	sys_close((int)s);
}

static void send_big(const char *ip, const char *port, int n, char **sizes)
{
	struct tio_sockaddr_in to;
	long s = sys_socket(AF_INET, SOCK_DGRAM, 0);

	CHECK("sendbig_addr", addr_of(ip, port, &to) == 0);
	for (int k = 0; k < n; k++) {
		size_t len = (size_t)atoi(sizes[k]);

		fill(len);
		CHECK("sendbig_sent", len <= BIG_MAX && sys_sendto((int)s, big, len, 0, &to,
								   sizeof(to)) == (long)len);
		sys_sleep_ns(1000000000ULL);
	}
	sys_close((int)s);
}

/* A connected socket's RECV op, pending while a @len-byte datagram goes to the peer: its
 * result. */
static long pending_recv_result(int s, size_t len)
{
	struct aio_waiter w;
	struct tio_sqe sqe;
	struct tio_event ev;
	char c;
	long res = 1;

	if (aio_waiter_create(&w, 2))
		return 1;
	aio_prep_rw(&sqe, TIO_OP_RECV, s, &c, 1, 0);
	CHECK("recv_submit", aio_submit(&w, 0, &sqe) == 0);
	CHECK("recv_pending", aio_wait(&w, &ev, 1, 100000000) == 0);
	fill(len);
	CHECK("send_to_peer", sys_sendto(s, big, len, 0, NULL, 0) == (long)len);
	if (aio_wait(&w, &ev, 1, 20000000000ULL) == 1)
		res = ev.result;
	else
		aio_cancel(&w, 0), aio_wait(&w, &ev, 1, 1000000000ULL);
	aio_waiter_destroy(&w);
	return res;
}

static void refused(const char *ip, const char *port)
{
	struct tio_sockaddr_in to;
	long s = sys_socket(AF_INET, SOCK_DGRAM, 0), r;
	char c;

	CHECK("refused_addr", addr_of(ip, port, &to) == 0);
	CHECK("refused_connect", sys_connect((int)s, &to, sizeof(to)) == 0);
	r = pending_recv_result((int)s, 1);
	printf("pending recv: %ld\n", r);
	CHECK("pending_recv_econnrefused", r == -ECONNREFUSED);
	CHECK("send_again", sys_sendto((int)s, "y", 1, 0, NULL, 0) == 1);
	sys_sleep_ns(2000000000ULL); /* the refusal arrives with no receive pending */
	r = sys_recvfrom((int)s, &c, 1, 0, NULL);
	printf("later recv: %ld\n", r);
	CHECK("later_recv_econnrefused", r == -ECONNREFUSED);
	CHECK("reported_once", sys_recvfrom((int)s, &c, 1, MSG_DONTWAIT, NULL) == -EAGAIN);
	CHECK("send_third", sys_sendto((int)s, "z", 1, 0, NULL, 0) == 1);
	sys_sleep_ns(2000000000ULL);
	r = sys_sendto((int)s, "w", 1, 0, NULL, 0);
	printf("later send: %ld\n", r);
	CHECK("later_send_econnrefused", r == -ECONNREFUSED);
	sys_close((int)s);
}

static void unreach(const char *ip, const char *port)
{
	struct tio_sockaddr_in to;
	long s = sys_socket(AF_INET, SOCK_DGRAM, 0), r;

	CHECK("unreach_addr", addr_of(ip, port, &to) == 0);
	CHECK("unreach_connect", sys_connect((int)s, &to, sizeof(to)) == 0);
	r = pending_recv_result((int)s, 1);
	printf("pending recv: %ld\n", r);
	CHECK("pending_recv_ehostunreach", r == -EHOSTUNREACH);
	sys_close((int)s);
}

static void refused_big(const char *ip, const char *port)
{
	struct tio_sockaddr_in to;
	long s = sys_socket(AF_INET, SOCK_DGRAM, 0), r;

	CHECK("refusedbig_addr", addr_of(ip, port, &to) == 0);
	CHECK("refusedbig_connect", sys_connect((int)s, &to, sizeof(to)) == 0);
	r = pending_recv_result((int)s, 4000);
	printf("pending recv: %ld\n", r);
	CHECK("fragmented_pending_recv_econnrefused", r == -ECONNREFUSED);
	sys_close((int)s);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	if (!strcmp(mode, "recvbig") && argc >= 4)
		recv_big(argv[2], argc - 3, argv + 3);
	else if (!strcmp(mode, "sendbig") && argc >= 5)
		send_big(argv[2], argv[3], argc - 4, argv + 4);
	else if (!strcmp(mode, "refused") && argc == 4)
		refused(argv[2], argv[3]);
	else if (!strcmp(mode, "refusedbig") && argc == 4)
		refused_big(argv[2], argv[3]);
	else if (!strcmp(mode, "unreach") && argc == 4)
		unreach(argv[2], argv[3]);
	else {
		fprintf(stderr, "usage: qlink recvbig PORT N... | sendbig ADDR PORT N... | "
				"refused ADDR PORT | refusedbig ADDR PORT | unreach ADDR PORT\n");
		return 2;
	}
	printf("qlink %s: %d failed\n", mode, failed);
	return failed != 0;
}
