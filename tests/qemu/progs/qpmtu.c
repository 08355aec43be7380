/*
 * qpmtu - the kernel's own big replies, and ICMP errors on multishot UDP
 * receives, between two guests, for tests/qemu/test_netpmtu.py (not a user
 * command).
 *
 *   qpmtu ping ADDR SIZE      one ICMP echo request of SIZE bytes (ICMP
 *                             header included; more than the MTU: it leaves
 *                             in fragments) to ADDR on a raw socket; the
 *                             reply must come back whole (SIZE bytes, the
 *                             request's pattern, a valid checksum)
 *   qpmtu udpms ADDR PORT     a UDP socket connected to ADDR:PORT, where
 *                             nobody listens: a multishot RECV pending when
 *                             the port unreachable comes back ends with it
 *                             (one final event, no TIO_EV_MORE,
 *                             -ECONNREFUSED); with no receive pending, the
 *                             next multishot RECV ends at once with the
 *                             error, reported once (a recvfrom then gives
 *                             -EAGAIN)
 *
 * Each check prints "ok NAME" or "FAILED NAME (line N)"; the last line is
 * "qpmtu MODE: N failed".
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

#define PING_MAX 8000 /* ICMP bytes: the reply must fit a reassembled datagram (8192) */
#define SEC	 1000000000ULL

static uint8_t req[PING_MAX], rep[PING_MAX + 60];

static int addr_of(const char *ip, const char *port, struct tio_sockaddr_in *a)
{
	memset(a, 0, sizeof(*a));
	a->family = AF_INET;
	a->port = inet_htons((uint16_t)atoi(port));
	return inet_parse(ip, &a->addr);
}

/* Receives on raw socket @s until the reply to (@id, 1) or 10 s: its ICMP length, or -errno. */
static long await_reply(int s, uint16_t id, const uint8_t **icmp)
{
	struct aio_waiter w;
	struct tio_sqe sqe;
	struct tio_event ev;
	struct icmp_reply r;
	long res = -ETIMEDOUT;

	if (aio_waiter_create(&w, 1))
		return -ENOMEM;
	for (int tries = 0; tries < 10; tries++) {
		aio_prep_rw(&sqe, TIO_OP_RECV, s, rep, sizeof(rep), 0);
		sqe.timeout_ns = 10 * SEC;
		if (aio_submit(&w, 0, &sqe) < 0 || aio_wait(&w, &ev, 1, TIO_WAIT_FOREVER) != 1)
			break;
		if (ev.result < 0) {
			res = ev.result;
			break;
		}
		if (icmp_parse_reply(rep, (size_t)ev.result, &r) == 0 && r.id == id && r.seq == 1) {
			*icmp = rep + ((size_t)ev.result - r.icmp_len);
			res = (long)r.icmp_len;
			break;
		}
	}
	aio_waiter_destroy(&w);
	return res;
}

static void ping_big(const char *ip, const char *size)
{
	struct tio_sockaddr_in to;
	size_t n = (size_t)atoi(size);
	uint16_t id = (uint16_t)sys_getpid();
	long s = sys_socket(AF_INET, SOCK_RAW, IPPROTO_ICMP), got;
	const uint8_t *icmp = NULL;

	CHECK("ping_addr", addr_of(ip, "0", &to) == 0);
	CHECK("ping_size", n >= 8 && n <= PING_MAX);
	CHECK("ping_socket", s >= 0);
	icmp_echo_build(req, n, id, 1);
	CHECK("ping_sent", sys_sendto((int)s, req, n, 0, &to, sizeof(to)) == (long)n);
	got = await_reply((int)s, id, &icmp);
	printf("reply: %ld bytes of %zu\n", got, n);
	CHECK("ping_reply_whole", got == (long)n && icmp && !memcmp(icmp + 8, req + 8, n - 8));
	sys_close((int)s);
}

/* The next event within @ns: 1, or 0 if none came. */
static int next_event(struct aio_waiter *w, struct tio_event *ev, uint64_t ns)
{
	return aio_wait(w, ev, 1, ns) == 1;
}

static void udp_multishot(const char *ip, const char *port)
{
	struct tio_sockaddr_in to;
	struct aio_waiter w;
	struct aio_pbq q;
	struct tio_event ev;
	long s = sys_socket(AF_INET, SOCK_DGRAM, 0);
	char c;

	CHECK("udpms_addr", addr_of(ip, port, &to) == 0);
	CHECK("udpms_connect", sys_connect((int)s, &to, sizeof(to)) == 0);
	CHECK("udpms_waiter", aio_waiter_create(&w, 2) == 0);
	CHECK("udpms_pbq", aio_pbq_create(&q, 2, 512, 1) == 0);
	CHECK("udpms_submit", aio_recv_multishot(&w, 0, (int)s, &q) == 0);
	CHECK("udpms_pending", !next_event(&w, &ev, SEC / 10));
	CHECK("udpms_send", sys_sendto((int)s, "x", 1, 0, NULL, 0) == 1);
	CHECK("udpms_ended", next_event(&w, &ev, 20 * SEC));
	printf("pending multishot: result %ld flags %#x\n", (long)ev.result, (unsigned)ev.flags);
	CHECK("pending_multishot_final_econnrefused",
	      ev.result == -ECONNREFUSED && !(ev.flags & TIO_EV_MORE));

	CHECK("udpms_send_again", sys_sendto((int)s, "y", 1, 0, NULL, 0) == 1);
	sys_sleep_ns(2 * SEC); /* the refusal arrives with no receive pending */
	CHECK("udpms_submit_after", aio_recv_multishot(&w, 0, (int)s, &q) == 0);
	CHECK("udpms_ended_after", next_event(&w, &ev, 5 * SEC));
	printf("later multishot: result %ld flags %#x\n", (long)ev.result, (unsigned)ev.flags);
	CHECK("later_multishot_final_econnrefused",
	      ev.result == -ECONNREFUSED && !(ev.flags & TIO_EV_MORE));
	CHECK("reported_once", sys_recvfrom((int)s, &c, 1, MSG_DONTWAIT, NULL) == -EAGAIN);
	aio_waiter_destroy(&w);
	aio_pbq_destroy(&q);
	sys_close((int)s);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	if (!strcmp(mode, "ping") && argc == 4)
		ping_big(argv[2], argv[3]);
	else if (!strcmp(mode, "udpms") && argc == 4)
		udp_multishot(argv[2], argv[3]);
	else {
		fprintf(stderr, "usage: qpmtu ping ADDR SIZE | udpms ADDR PORT\n");
		return 2;
	}
	printf("qpmtu %s: %d failed\n", mode, failed);
	return failed != 0;
}
