/*
 * qnet - UDP and raw ICMP sockets end to end, for tests/qemu/test_net.py
 * (not a user command). The peer is the host-side UDP server of the test,
 * reached at 10.0.2.2:PORT through QEMU's user-mode network (slirp hands it
 * to 127.0.0.1:PORT on the host). The server answers "echo ..." with the
 * same bytes and "burst N" with N datagrams "burst i of N".
 *
 *   qnet echo PORT N [ADDR]
 *                          N datagrams of growing sizes (5..1399 bytes) with
 *                          sendto to ADDR (default 10.0.2.2), each echoed
 *                          back and checked with recvfrom (content, length
 *                          and sender address)
 *   qnet serve PORT N      a UDP echo server on PORT for N datagrams (the
 *                          peer of another guest's "qnet echo")
 *   qnet async PORT        RECV as an async op: a deadline ends it with
 *                          -ETIMEDOUT, a cancel with -ECANCELED, each exactly
 *                          once; a multishot RECV into provided buffers gets
 *                          a burst of 6 datagrams as 6 events, then its
 *                          cancel posts one final event
 *   qnet errors            bad arguments get errors: stream sockets are
 *                          -EPROTONOSUPPORT, a send too big -EMSGSIZE, ...
 *   qnet arp               sends to an on-link address nobody has: the send
 *                          waits for ARP and fails -EHOSTUNREACH after the
 *                          retries; a SEND op waiting for ARP is cancelled
 *                          exactly once
 *   qnet big PORT N        asks the peer for an N-byte datagram ("big N"),
 *                          which arrives in IPv4 fragments: it is reassembled
 *                          whole (N bytes, pattern i % 251)
 *
 * Each check prints "ok NAME" or "FAILED NAME (line N)"; the last line is
 * "qnet MODE: N failed".
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

static struct tio_sockaddr_in peer(uint16_t port)
{
	struct tio_sockaddr_in a = {.family = AF_INET, .port = inet_htons(port)};

	inet_parse("10.0.2.2", &a.addr);
	return a;
}

static int echo(uint16_t port, unsigned n, const char *addr)
{
	static char out[1500], in[1500];
	struct tio_sockaddr_in to = peer(port), from;

	if (addr && inet_parse(addr, &to.addr) < 0)
		return ++failed;
	long s = sys_socket(AF_INET, SOCK_DGRAM, 0);
	unsigned good = 0, from_ok = 0;

	CHECK("udp_socket", s >= 0);
	for (unsigned i = 0; i < n; i++) {
		size_t len = 5 + (i * 97) % 1395;
		long r;

		memcpy(out, "echo ", 5);
		for (size_t j = 5; j < len; j++)
			out[j] = (char)('a' + (i + j) % 26);
		if (sys_sendto((int)s, out, len, 0, &to, sizeof(to)) != (long)len)
			continue;
		memset(&from, 0, sizeof(from));
		r = sys_recvfrom((int)s, in, sizeof(in), 0, &from);
		good += r == (long)len && !memcmp(in, out, len);
		from_ok += from.addr == to.addr && from.port == to.port;
	}
	printf("echoed %u of %u\n", good, n);
	CHECK("udp_echo_all_intact", good == n);
	CHECK("udp_recvfrom_sender", from_ok == n);
	sys_close((int)s);
	return failed;
}

static int serve(uint16_t port, unsigned n)
{
	static char buf[1500];
	struct tio_sockaddr_in me = {.family = AF_INET, .port = inet_htons(port)}, from;
	long s = sys_socket(AF_INET, SOCK_DGRAM, 0), r;
	unsigned back = 0;

	CHECK("serve_bind", sys_bind((int)s, &me, sizeof(me)) == 0);
	printf("serving on %u\n", port);
	for (unsigned i = 0; i < n; i++) {
		r = sys_recvfrom((int)s, buf, sizeof(buf), 0, &from);
		if (r >= 0 && sys_sendto((int)s, buf, (size_t)r, 0, &from, sizeof(from)) == r)
			back++;
	}
	CHECK("serve_echoed_all", back == n);
	sys_close((int)s);
	return failed;
}

/* One event from @w within 10 s: its result, or 1 if none came. */
static long one_event(struct aio_waiter *w, struct tio_event *ev)
{
	int n = aio_wait(w, ev, 1, 10000000000ULL);

	return n == 1 ? 0 : 1;
}

static void async_single(struct aio_waiter *w, int s)
{
	static char buf[256];
	struct tio_sqe sqe;
	struct tio_event ev;

	aio_prep_rw(&sqe, TIO_OP_RECV, s, buf, sizeof(buf), 0);
	sqe.timeout_ns = 200000000; /* nothing is sent: it times out */
	CHECK("recv_submit", aio_submit(w, 0, &sqe) == 0);
	CHECK("recv_deadline_etimedout", one_event(w, &ev) == 0 && ev.result == -ETIMEDOUT);
	CHECK("recv_deadline_once", aio_wait(w, &ev, 1, 300000000) == 0);
	aio_prep_rw(&sqe, TIO_OP_RECV, s, buf, sizeof(buf), 0);
	CHECK("recv_submit_again", aio_submit(w, 0, &sqe) == 0);
	CHECK("recv_cancel", aio_cancel(w, 0) == 0);
	CHECK("recv_cancel_ecanceled", one_event(w, &ev) == 0 && ev.result == -ECANCELED);
	CHECK("recv_cancel_once", aio_wait(w, &ev, 1, 300000000) == 0);
}

/* The kernel's socket table (`stats`) shows @s bound, with its multishot receive pending. */
static int socket_listed(int s)
{
	struct tio_sockaddr_in name;
	char want[64], *text;
	long n = cmd_kinfo(TIO_KINFO_NET, &text);
	int found;

	if (n < 0 || sys_getsockname(s, &name))
		return 0;
	snprintf(want, sizeof(want), "udp  0.0.0.0:%u ", inet_htons(name.port));
	found = strstr(text, want) && strstr(strstr(text, want), "recv-ops 1 ");
	if (!found)
		printf("kinfo net:\n%s", text);
	free(text);
	return found;
}

static void async_multishot(struct aio_waiter *w, int s, uint16_t port)
{
	struct tio_sockaddr_in to = peer(port);
	unsigned seen = 0, right = 0, more = 0;
	struct aio_pbq q;
	struct tio_event ev;
	char want[64];

	CHECK("pbq_create", aio_pbq_create(&q, 8, 512, 1) == 0);
	CHECK("multishot_submit", aio_recv_multishot(w, 1, s, &q) == 0);
	CHECK("multishot_flush", aio_flush(w) == 0); /* queued until now: started for kinfo */
	CHECK("kinfo_lists_socket", socket_listed(s));
	CHECK("burst_request", sys_sendto(s, "burst 6", 7, 0, &to, sizeof(to)) == 7);
	while (seen < 6 && one_event(w, &ev) == 0) {
		int len = snprintf(want, sizeof(want), "burst %u of 6", seen);

		seen++;
		more += ev.slot == 1 && ev.flags == (TIO_EV_MORE | TIO_EV_BUF);
		right += ev.result == len && !memcmp(aio_pbq_buf(&q, ev.buf), want, (size_t)len);
		aio_pbq_recycle(&q, ev.buf);
	}
	printf("multishot: %u events, %u with MORE|BUF, %u in order and intact\n", seen, more,
	       right);
	CHECK("multishot_six_events", seen == 6 && more == 6);
	CHECK("multishot_data_intact", right == 6);
	CHECK("multishot_cancel", aio_cancel(w, 1) == 0);
	CHECK("multishot_final_ecanceled",
	      one_event(w, &ev) == 0 && ev.slot == 1 && ev.flags == 0 && ev.result == -ECANCELED);
	CHECK("multishot_final_once", aio_wait(w, &ev, 1, 300000000) == 0);
	aio_pbq_destroy(&q);
}

static int async_checks(uint16_t port)
{
	long s = sys_socket(AF_INET, SOCK_DGRAM, 0);
	struct tio_sockaddr_in any = {.family = AF_INET}, name;
	struct aio_waiter w;

	CHECK("socket", s >= 0);
	CHECK("bind_ephemeral", sys_bind((int)s, &any, sizeof(any)) == 0);
	CHECK("getsockname_port", sys_getsockname((int)s, &name) == 0 && name.port != 0);
	CHECK("waiter", aio_waiter_create(&w, 4) == 0);
	async_single(&w, (int)s);
	async_multishot(&w, (int)s, port);
	aio_waiter_destroy(&w);
	sys_close((int)s);
	return failed;
}

static int error_checks(void)
{
	static char big[9000]; /* above NET_FRAG_MAX: too big even in fragments */
	struct tio_sockaddr_in to = peer(9), bad = to;
	long s = sys_socket(AF_INET, SOCK_DGRAM, 0), r = sys_socket(AF_INET, SOCK_RAW, 1);
	char c;

	bad.family = 99;
	CHECK("stream_udp_eprotonosupport",
	      sys_socket(AF_INET, SOCK_STREAM, 17) == -EPROTONOSUPPORT);
	CHECK("family_eafnosupport", sys_socket(99, SOCK_DGRAM, 0) == -EAFNOSUPPORT);
	CHECK("raw_udp_eprotonosupport", sys_socket(AF_INET, SOCK_RAW, 17) == -EPROTONOSUPPORT);
	CHECK("raw_icmp_socket", r >= 0);
	CHECK("send_emsgsize",
	      sys_sendto((int)s, big, sizeof(big), 0, &to, sizeof(to)) == -EMSGSIZE);
	CHECK("send_no_dest", sys_sendto((int)s, "x", 1, 0, NULL, 0) == -EDESTADDRREQ);
	CHECK("send_bad_family", sys_sendto((int)s, "x", 1, 0, &bad, sizeof(bad)) == -EAFNOSUPPORT);
	CHECK("send_short_addr", sys_sendto((int)s, "x", 1, 0, &to, 4) == -EINVAL);
	CHECK("send_bad_pointer", sys_sendto((int)s, (void *)8, 1, 0, &to, sizeof(to)) == -EFAULT);
	CHECK("recv_dontwait", sys_recvfrom((int)s, &c, 1, MSG_DONTWAIT, NULL) == -EAGAIN);
	CHECK("recv_bad_flags", sys_recvfrom((int)s, &c, 1, 0x1000, NULL) == -EINVAL);
	CHECK("notsock", sys_sendto(1, "x", 1, 0, &to, sizeof(to)) == -ENOTSOCK);
	CHECK("listen_eopnotsupp", sys_listen((int)s, 1) == -EOPNOTSUPP);
	CHECK("raw_short_icmp", sys_sendto((int)r, "x", 1, 0, &to, sizeof(to)) == -EINVAL);
	sys_close((int)s);
	sys_close((int)r);
	return failed;
}

static int arp_checks(void)
{
	struct tio_sockaddr_in nobody = peer(9);
	long s = sys_socket(AF_INET, SOCK_DGRAM, 0);
	struct aio_waiter w;
	struct tio_event ev;
	struct tio_sqe sqe;

	inet_parse("10.0.2.99", &nobody.addr);
	CHECK("arp_unresolved_ehostunreach",
	      sys_sendto((int)s, "x", 1, 0, &nobody, sizeof(nobody)) == -EHOSTUNREACH);
	inet_parse("10.0.2.98", &nobody.addr);
	CHECK("connect", sys_connect((int)s, &nobody, sizeof(nobody)) == 0);
	CHECK("waiter", aio_waiter_create(&w, 2) == 0);
	aio_prep_rw(&sqe, TIO_OP_SEND, (int)s, "y", 1, 0);
	CHECK("send_submit", aio_submit(&w, 0, &sqe) == 0);
	CHECK("send_pending_on_arp", aio_wait(&w, &ev, 1, 200000000) == 0);
	CHECK("send_cancel", aio_cancel(&w, 0) == 0);
	CHECK("send_cancel_ecanceled", one_event(&w, &ev) == 0 && ev.result == -ECANCELED);
	CHECK("send_cancel_once", aio_wait(&w, &ev, 1, 4000000000ULL) == 0);
	aio_waiter_destroy(&w);
	sys_close((int)s);
	return failed;
}

static int big(uint16_t port, unsigned n)
{
	static char in[9000];
	struct tio_sockaddr_in to = peer(port);
	long s = sys_socket(AF_INET, SOCK_DGRAM, 0), r;
	char req[32];
	unsigned bad = 0;
	int len = snprintf(req, sizeof(req), "big %u", n);

	CHECK("big_request", sys_sendto((int)s, req, (size_t)len, 0, &to, sizeof(to)) == len);
	r = sys_recvfrom((int)s, in, sizeof(in), 0, NULL);
	for (long i = 0; i < r; i++)
		bad += (unsigned char)in[i] != i % 251;
	printf("reassembled %ld bytes, %u wrong\n", r, bad);
	CHECK("big_reassembled_whole", r == (long)n && bad == 0);
	sys_close((int)s);
	return failed;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	if (!strcmp(mode, "echo") && (argc == 4 || argc == 5))
		echo((uint16_t)atoi(argv[2]), (unsigned)atoi(argv[3]), argc == 5 ? argv[4] : NULL);
	else if (!strcmp(mode, "serve") && argc == 4)
		serve((uint16_t)atoi(argv[2]), (unsigned)atoi(argv[3]));
	else if (!strcmp(mode, "async") && argc == 3)
		async_checks((uint16_t)atoi(argv[2]));
	else if (!strcmp(mode, "errors"))
		error_checks();
	else if (!strcmp(mode, "arp"))
		arp_checks();
	else if (!strcmp(mode, "big") && argc == 4)
		big((uint16_t)atoi(argv[2]), (unsigned)atoi(argv[3]));
	else {
		fprintf(stderr, "usage: qnet echo PORT N [ADDR] | serve PORT N | async PORT | "
				"errors | arp | big PORT N\n");
		return 2;
	}
	printf("qnet %s: %d failed\n", mode, failed);
	return failed != 0;
}
