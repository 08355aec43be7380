/*
 * tcpaio - submitted CONNECT and ACCEPT, multishot ACCEPT and multishot RECV
 * into provided buffers on TCP, for tests/qemu/test_tcp_async.py (not a user
 * command). The host side of the test is the peer: its servers on
 * 127.0.0.1:PORT are reached as 10.0.2.2:PORT (slirp), and it reaches the
 * guest's listeners through `qemu/run --fwd`. Where the host must act, the
 * program prints "ready WHAT" and waits.
 *
 *   tcpaio connect PORT CLOSED
 *                     a submitted CONNECT to the host's server on PORT
 *                     completes with 0 and "hello" goes out on it; one to
 *                     CLOSED (nobody listens) with -ECONNREFUSED; one to an
 *                     on-link address nobody has (10.0.2.77) stays pending
 *                     and its cancel completes it once with -ECANCELED; a
 *                     multishot RECV on a socket never connected ends with
 *                     -ENOTCONN
 *   tcpaio accept PORT N
 *                     a submitted ACCEPT on PORT ("ready one") gives a
 *                     descriptor and the peer's address; a multishot ACCEPT
 *                     ("ready multi", submitted 1 s later, so connections
 *                     wait in the backlog) gives N descriptors, one event each
 *                     with TIO_EV_MORE; its cancel posts one final event;
 *                     a pending one-shot ACCEPT is cancelled once, a
 *                     multishot one with a deadline ends once with
 *                     -ETIMEDOUT. Every
 *                     accepted connection gets "conn I\n" and is closed
 *   tcpaio recv PORT NBUFS BUFSZ HOLDMS
 *                     accepts one connection ("ready data") and receives it
 *                     with a multishot RECV into NBUFS provided buffers of
 *                     BUFSZ bytes, holding the first buffer HOLDMS ms before
 *                     giving it back, until the end of the stream; prints
 *                     "recv BYTES sha256 HEX"; then a second connection
 *                     ("ready idle") that sends nothing: its multishot RECV
 *                     is cancelled once
 *   tcpaio serve PORT N
 *                     one multishot ACCEPT serves N connections ("ready
 *                     serve"): each gets "conn I\n" and is closed by the
 *                     guest first (so it stays in TIME-WAIT on the guest);
 *                     re-armed if a final event with a descriptor ends it
 *   tcpaio nofd PORT N
 *                     with one descriptor free, a multishot ACCEPT gets the
 *                     first of the host's N connections ("ready full") and
 *                     ends with -EMFILE at the second, which is not taken;
 *                     at the limit accept(2) and a submitted ACCEPT fail
 *                     with -EMFILE at once ("ready emfile": the host checks
 *                     its surplus connections are still open, then sends
 *                     "hello I\n" on each); each of the N connections is
 *                     then answered "echo hello I\n" and closed, the queued
 *                     ones by a multishot ACCEPT re-armed once descriptors
 *                     were closed. Then, with one descriptor free, a one-shot
 *                     ACCEPT whose peer address cannot be written holds it
 *                     (close of it is -EBADF, dup2 onto it -EBUSY), and
 *                     ("ready fault") ends with -EFAULT and closes its
 *                     connection
 *   tcpaio exit PORT  leaves ops pending and exits: a multishot ACCEPT, a
 *                     multishot RECV on the connection it delivered
 *                     ("ready exit": the host connects once), a CONNECT to
 *                     10.0.2.77 and a one-shot ACCEPT on a second listener
 *
 * Each check prints "ok NAME" or "FAILED NAME (line N)"; the last line is
 * "tcpaio MODE: N failed".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tio/aio.h>
#include <tio/cmd.h>
#include <tio/inet.h>
#include <tio/sha256.h>
#include <tio/sys.h>
#include "qcheck.h"

#define SEC	    1000000000ULL
#define EVENT_WAIT  (30 * SEC) /* generous: the machine is shared */
#define QUIET_AFTER (SEC / 2)  /* no second event for a slot within this */

static void ready(const char *what)
{
	printf("ready %s\n", what);
}

static struct tio_sockaddr_in addr_of(const char *ip, uint16_t port)
{
	struct tio_sockaddr_in a = {.family = AF_INET, .port = inet_htons(port)};

	inet_parse(ip, &a.addr);
	return a;
}

/* One event from @w within EVENT_WAIT: 0, or 1 if none came. */
static int one_event(struct aio_waiter *w, struct tio_event *ev)
{
	return aio_wait(w, ev, 1, EVENT_WAIT) == 1 ? 0 : 1;
}

/* A cancel of the op on @slot ends it with exactly one final -ECANCELED event. */
static int cancelled_once(struct aio_waiter *w, unsigned slot)
{
	struct tio_event ev;

	if (aio_cancel(w, slot) != 0 || one_event(w, &ev))
		return 0;
	if (ev.slot != slot || (ev.flags & TIO_EV_MORE) || ev.result != -ECANCELED) {
		printf("cancel: slot %u flags %u result %ld\n", ev.slot, ev.flags, (long)ev.result);
		return 0;
	}
	return aio_wait(w, &ev, 1, QUIET_AFTER) == 0;
}

/* No event on @w within @ns. */
static int quiet(struct aio_waiter *w, uint64_t ns)
{
	struct tio_event ev;

	return aio_wait(w, &ev, 1, ns) == 0;
}

/* A multishot ACCEPT that asks for the peer's address (one per event cannot be given): the
 * start error, which a waiter with rings delivers as the op's one final event. */
static long multishot_with_peer(struct aio_waiter *w, int s)
{
	struct tio_sockaddr_in p;
	struct tio_sqe sqe;
	struct tio_event ev;
	int err;

	aio_prep_accept(&sqe, s, &p, 1);
	err = aio_submit(w, 3, &sqe);
	if (err || !aio_waiter_has_ring(w))
		return err;
	if (one_event(w, &ev) || ev.slot != 3 || (ev.flags & TIO_EV_MORE) || !quiet(w, QUIET_AFTER))
		return 1;
	return (long)ev.result;
}

/* The kernel's socket table and TCP counters (`stats`), when a check failed. */
static void print_net(void)
{
	char *text;

	if (cmd_kinfo(TIO_KINFO_NET, &text) >= 0) {
		printf("%s", text);
		free(text);
	}
}

static int listener(uint16_t port, unsigned backlog)
{
	struct tio_sockaddr_in me = {.family = AF_INET, .port = inet_htons(port)};
	long s = sys_socket(AF_INET, SOCK_STREAM, 0);

	if (s < 0 || sys_bind((int)s, &me, sizeof(me)) || sys_listen((int)s, backlog))
		return -1;
	return (int)s;
}

static int send_line(int fd, const char *fmt, unsigned i)
{
	char line[32];
	int n = snprintf(line, sizeof(line), fmt, i);

	return sys_send(fd, line, (size_t)n, 0) == n;
}

/* A multishot RECV on a stream socket that never connected: its final event's result. */
static long unconnected_multishot_recv(struct aio_waiter *w)
{
	long s = sys_socket(AF_INET, SOCK_STREAM, 0);
	struct tio_event ev = {.result = 1};
	struct aio_pbq q;

	if (s < 0 || aio_pbq_create(&q, 2, 512, 1) < 0)
		return s < 0 ? s : -ENOMEM;
	if (aio_recv_multishot(w, 3, (int)s, &q) == 0 && one_event(w, &ev))
		ev.result = 1;
	aio_pbq_destroy(&q);
	sys_close((int)s);
	return ev.result;
}

static int connect_checks(uint16_t port, uint16_t closed)
{
	struct tio_sockaddr_in to = addr_of("10.0.2.2", port),
			       refused = addr_of("10.0.2.2", closed);
	struct tio_sockaddr_in nobody = addr_of("10.0.2.77", 80);
	long a = sys_socket(AF_INET, SOCK_STREAM, 0), b = sys_socket(AF_INET, SOCK_STREAM, 0);
	long c = sys_socket(AF_INET, SOCK_STREAM, 0);
	struct tio_event ev;
	struct aio_waiter w;

	CHECK("waiter", aio_waiter_create(&w, 4) == 0);
	CHECK("connect_submit", aio_connect(&w, 0, (int)a, &to) == 0);
	CHECK("connect_completes_0", one_event(&w, &ev) == 0 && ev.slot == 0 && ev.result == 0);
	CHECK("connected_send", send_line((int)a, "hello %u\n", 1));
	CHECK("refused_submit", aio_connect(&w, 1, (int)b, &refused) == 0);
	CHECK("refused_econnrefused",
	      one_event(&w, &ev) == 0 && ev.slot == 1 && ev.result == -ECONNREFUSED);
	CHECK("pending_submit", aio_connect(&w, 2, (int)c, &nobody) == 0);
	CHECK("pending_still_pending", quiet(&w, SEC));
	CHECK("pending_cancel_once", cancelled_once(&w, 2));
	CHECK("unconnected_recv_enotconn", unconnected_multishot_recv(&w) == -ENOTCONN);
	aio_waiter_destroy(&w);
	sys_close((int)a);
	sys_close((int)b);
	sys_close((int)c);
	return failed;
}

static void accept_one(struct aio_waiter *w, int s)
{
	struct tio_sockaddr_in peer = {0}, gw = addr_of("10.0.2.2", 0);
	struct tio_event ev;

	CHECK("accept_submit", aio_accept(w, 0, s, &peer) == 0);
	ready("one");
	CHECK("accept_event", one_event(w, &ev) == 0 && ev.slot == 0 && ev.result >= 0 &&
				  !(ev.flags & TIO_EV_MORE));
	CHECK("accept_peer_address", peer.family == AF_INET && peer.addr == gw.addr);
	if (ev.result >= 0) {
		CHECK("accepted_send", send_line((int)ev.result, "conn %u\n", 0));
		sys_close((int)ev.result);
	}
}

static void accept_multi(struct aio_waiter *w, int s, unsigned n)
{
	unsigned got = 0, more = 0, sent = 0;
	struct tio_event ev;

	ready("multi");
	sys_sleep_ns(SEC); /* connections wait in the backlog: the submit finds them queued */
	CHECK("multishot_submit", aio_accept_multishot(w, 1, s) == 0);
	/* Long waits: slirp's host-side listen queue is short, so under load a host
	 * connection may reach the guest only after the host's SYN-ACK backoff. */
	while (got < n && aio_wait(w, &ev, 1, 3 * EVENT_WAIT) == 1 && ev.slot == 1 &&
	       ev.result >= 0) {
		got++;
		more += (ev.flags & TIO_EV_MORE) != 0;
		sent += send_line((int)ev.result, "conn %u\n", got);
		sys_close((int)ev.result);
	}
	printf("multishot accept: %u connections, %u with MORE\n", got, more);
	CHECK("multishot_n_events", got == n && more == n && sent == n);
	if (got != n)
		print_net();
	CHECK("multishot_cancel_once", cancelled_once(w, 1));
}

/* A multishot ACCEPT with a deadline and no connection: its one final event's result. */
static long accept_deadline(struct aio_waiter *w, int s)
{
	struct tio_event ev;
	struct tio_sqe sqe;

	aio_prep_accept(&sqe, s, NULL, 1);
	sqe.timeout_ns = SEC / 5;
	if (aio_submit(w, 2, &sqe) || one_event(w, &ev) || ev.slot != 2 ||
	    (ev.flags & TIO_EV_MORE) || !quiet(w, QUIET_AFTER))
		return 1;
	return (long)ev.result;
}

static int accept_checks(uint16_t port, unsigned n)
{
	int s = listener(port, n);
	struct aio_waiter w;

	CHECK("listen", s >= 0);
	CHECK("waiter", aio_waiter_create(&w, 4) == 0);
	accept_one(&w, s);
	accept_multi(&w, s, n);
	CHECK("pending_accept_submit", aio_accept(&w, 2, s, NULL) == 0);
	CHECK("pending_accept_cancel_once", cancelled_once(&w, 2));
	CHECK("accept_deadline_etimedout_once", accept_deadline(&w, s) == -ETIMEDOUT);
	CHECK("multishot_with_peer_einval", multishot_with_peer(&w, s) == -EINVAL);
	aio_waiter_destroy(&w);
	sys_close(s);
	return failed;
}

/* Prints the receive queue and window of the established connection on local @port, from the
 * kernel's socket table (`stats`). */
static void print_window(uint16_t port)
{
	char want[32], *text, *line, *q, *w;
	long n = cmd_kinfo(TIO_KINFO_NET, &text);

	if (n < 0)
		return;
	snprintf(want, sizeof(want), ":%u 10.0.2.2:", port);
	line = strstr(text, want);
	q = line ? strstr(line, "recv-q ") : NULL;
	w = line ? strstr(line, "rcv-wnd ") : NULL;
	if (q && w)
		printf("held: recv-q %ld rcv-wnd %ld\n", strtol(q + 7, NULL, 10),
		       strtol(w + 8, NULL, 10));
	free(text);
}

/* Receives the whole stream of @fd with a multishot RECV: its length and hash. */
static long recv_stream(struct aio_waiter *w, struct aio_pbq *q, int fd, unsigned hold_ms,
			uint16_t port, char hex[2 * SHA256_LEN + 1])
{
	uint8_t digest[SHA256_LEN];
	struct sha256 h;
	struct tio_event ev;
	long total = 0, rearms = 0;
	int held = 1;

	sha256_init(&h);
	if (aio_recv_multishot(w, 0, fd, q) != 0)
		return -1;
	for (;;) {
		if (one_event(w, &ev))
			return -1;
		if (ev.result > 0 && (ev.flags & TIO_EV_BUF)) {
			sha256_update(&h, aio_pbq_buf(q, ev.buf), (size_t)ev.result);
			total += ev.result;
			if (held && hold_ms) { /* the host fills the window meanwhile */
				sys_sleep_ns((uint64_t)hold_ms * 1000000ULL);
				print_window(port);
			}
			held = 0;
			aio_pbq_recycle(q, ev.buf);
		}
		if (ev.flags & TIO_EV_MORE)
			continue;
		if (ev.result <= 0)
			break;
		rearms++; /* a final event with data: the event ring was full */
		if (aio_recv_multishot(w, 0, fd, q) != 0)
			return -1;
	}
	printf("multishot recv: final %ld, rearms %ld\n", (long)ev.result, rearms);
	if (ev.result < 0)
		return -1;
	sha256_final(&h, digest);
	sha256_hex(digest, hex);
	return total;
}

static int recv_checks(uint16_t port, unsigned nbufs, unsigned bufsz, unsigned hold_ms)
{
	char hex[2 * SHA256_LEN + 1] = "";
	int s = listener(port, 2);
	struct aio_waiter w;
	struct aio_pbq q;
	long c, total;

	CHECK("listen", s >= 0);
	CHECK("waiter", aio_waiter_create(&w, 2) == 0);
	CHECK("pbq", aio_pbq_create(&q, nbufs, bufsz, 1) == 0);
	ready("data");
	c = sys_accept(s, NULL);
	CHECK("accept", c >= 0);
	total = recv_stream(&w, &q, (int)c, hold_ms, port, hex);
	printf("recv %ld sha256 %s\n", total, hex);
	CHECK("recv_to_eof", total > 0);
	sys_close((int)c);
	ready("idle");
	c = sys_accept(s, NULL);
	CHECK("accept_idle", c >= 0);
	CHECK("idle_multishot_submit", aio_recv_multishot(&w, 1, (int)c, &q) == 0);
	CHECK("idle_still_pending", quiet(&w, SEC / 2));
	CHECK("idle_cancel_once", cancelled_once(&w, 1));
	sys_close((int)c);
	aio_waiter_destroy(&w);
	aio_pbq_destroy(&q);
	sys_close(s);
	return failed;
}

static int serve_checks(uint16_t port, unsigned n)
{
	int s = listener(port, 16);
	unsigned served = 0, rearms = 0;
	struct tio_event ev;
	struct aio_waiter w;

	CHECK("listen", s >= 0);
	CHECK("waiter", aio_waiter_create(&w, 1) == 0);
	CHECK("multishot_submit", aio_accept_multishot(&w, 0, s) == 0);
	ready("serve");
	while (served < n && one_event(&w, &ev) == 0 && ev.result >= 0) {
		served += send_line((int)ev.result, "conn %u\n", served + 1);
		sys_close((int)ev.result);
		if (!(ev.flags & TIO_EV_MORE) && aio_accept_multishot(&w, 0, s) == 0)
			rearms++;
	}
	printf("served %u of %u, rearms %u, last result %ld\n", served, n, rearms, (long)ev.result);
	CHECK("served_all", served == n);
	aio_waiter_destroy(&w);
	sys_close(s);
	return failed;
}

/* Takes every free descriptor of the process (opens /etc/motd until -EMFILE): how many. */
static int fill_fds(int *fds, int max)
{
	int n = 0;
	long fd;

	while (n < max && (fd = sys_open("/etc/motd", O_RDONLY, 0)) >= 0)
		fds[n++] = (int)fd;
	return n;
}

/* Reads one line (up to "\n") of at most @cap - 1 bytes from @fd into @buf: its length, or 0. */
static size_t recv_line(int fd, char *buf, size_t cap)
{
	size_t n = 0;
	long r;

	while (n + 1 < cap && (r = sys_recv(fd, buf + n, cap - 1 - n, 0)) > 0) {
		n += (size_t)r;
		if (buf[n - 1] == '\n')
			break;
	}
	buf[n] = 0;
	return n && buf[n - 1] == '\n' ? n : 0;
}

/* The host's "hello I\n" on accepted connection @c goes back as "echo hello I\n"; @c closed. */
static int echo_and_close(int c)
{
	char line[64], out[80];
	size_t n = recv_line(c, line, sizeof(line));
	int len = snprintf(out, sizeof(out), "echo %s", line);
	int ok = n > 0 && sys_send(c, out, (size_t)len, 0) == len;

	sys_close(c);
	return ok;
}

/* The first of @nconn connections fills the one free descriptor; the next ends the
 * multishot ACCEPT with -EMFILE and stays queued, as do the rest. */
static int nofd_limit(struct aio_waiter *w, int s, int *fds, int *n)
{
	struct tio_sqe sqe;
	struct tio_event ev;
	int c;

	*n = fill_fds(fds, 512);
	CHECK("descriptors_full", *n > 0 && sys_open("/etc/motd", O_RDONLY, 0) == -EMFILE);
	sys_close(fds[--*n]);
	CHECK("multishot_submit", aio_accept_multishot(w, 0, s) == 0);
	CHECK("multishot_started", aio_flush(w) == 0);
	ready("full");
	CHECK("multishot_first_installed",
	      one_event(w, &ev) == 0 && ev.slot == 0 && (ev.flags & TIO_EV_MORE) && ev.result >= 0);
	c = (int)ev.result;
	CHECK("multishot_final_emfile", one_event(w, &ev) == 0 && ev.slot == 0 &&
					    !(ev.flags & TIO_EV_MORE) && ev.result == -EMFILE);
	CHECK("multishot_quiet_after_emfile", quiet(w, QUIET_AFTER));
	CHECK("accept_sync_emfile_at_once", sys_accept(s, NULL) == -EMFILE);
	aio_prep_accept(&sqe, s, NULL, 0);
	CHECK("accept_submit_emfile_at_once", aio_submit_sync(w, 1, &sqe) == -EMFILE);
	ready("emfile");
	return c;
}

/* Descriptors closed, a multishot ACCEPT re-armed gets the @queued connections left. */
static void nofd_drain(struct aio_waiter *w, int s, int *fds, int *n, unsigned queued)
{
	struct tio_event ev;
	unsigned got = 0;

	for (unsigned i = 0; i<queued && * n> 0; i++)
		sys_close(fds[--*n]);
	CHECK("rearm_submit", aio_accept_multishot(w, 0, s) == 0);
	CHECK("rearm_started", aio_flush(w) == 0);
	while (got < queued && one_event(w, &ev) == 0 && ev.slot == 0 && ev.result >= 0 &&
	       (ev.flags & TIO_EV_MORE))
		got += (unsigned)echo_and_close((int)ev.result);
	CHECK("queued_connections_served", got == queued);
	CHECK("rearm_cancel_once", cancelled_once(w, 0));
}

static int nofd_checks(uint16_t port, unsigned nconn)
{
	static int fds[512]; /* more than the descriptors a process may hold */
	int s = listener(port, 8), n = 0, c;
	struct tio_event ev;
	struct aio_waiter w;

	CHECK("listen", s >= 0);
	CHECK("waiter", aio_waiter_create(&w, 2) == 0);
	CHECK("nconn", nconn >= 2 && nconn <= 8);
	c = nofd_limit(&w, s, fds, &n);
	CHECK("first_served", echo_and_close(c));
	nofd_drain(&w, s, fds, &n, nconn - 1);
	n += fill_fds(fds + n, 512 - n);
	sys_close(fds[--n]);
	CHECK("accept_bad_peer_submit", aio_accept(&w, 1, s, (void *)8) == 0);
	CHECK("accept_bad_peer_started", aio_flush(&w) == 0);
	/* The pending ACCEPT holds the one free descriptor: reserved, not open. */
	CHECK("reserved_descriptor_not_open",
	      sys_close(fds[n]) == -EBADF && sys_dup2(fds[0], fds[n]) == -EBUSY);
	ready("fault");
	CHECK("accept_efault", one_event(&w, &ev) == 0 && ev.slot == 1 && ev.result == -EFAULT);
	CHECK("descriptor_still_free", (fds[n] = (int)sys_open("/etc/motd", O_RDONLY, 0)) >= 0);
	while (n >= 0)
		sys_close(fds[n--]);
	aio_waiter_destroy(&w);
	sys_close(s);
	if (failed)
		print_net();
	return failed;
}

/* Exits with ops pending on sockets: the kernel must close every one. */
static int exit_checks(uint16_t port)
{
	struct tio_sockaddr_in nobody = addr_of("10.0.2.77", 80);
	int s = listener(port, 4), s2 = listener((uint16_t)(port + 1), 4);
	long c = sys_socket(AF_INET, SOCK_STREAM, 0);
	struct tio_event ev;
	struct aio_waiter w;
	struct aio_pbq q;

	CHECK("listen", s >= 0 && s2 >= 0);
	CHECK("waiter", aio_waiter_create(&w, 4) == 0);
	CHECK("pbq", aio_pbq_create(&q, 2, 1024, 1) == 0);
	CHECK("multishot_accept", aio_accept_multishot(&w, 0, s) == 0);
	CHECK("connect_pending", aio_connect(&w, 1, (int)c, &nobody) == 0);
	CHECK("accept_pending", aio_accept(&w, 2, s2, NULL) == 0);
	ready("exit");
	CHECK("accepted", one_event(&w, &ev) == 0 && ev.slot == 0 && ev.result >= 0);
	CHECK("recv_pending", aio_recv_multishot(&w, 3, (int)ev.result, &q) == 0);
	CHECK("recv_started", aio_flush(&w) == 0); /* pending in the kernel, not just queued */
	printf("tcpaio exit: %d failed\n", failed);
	sys_exit(failed != 0); /* nothing closed, nothing cancelled */
	return failed;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	if (!strcmp(mode, "connect") && argc == 4)
		connect_checks((uint16_t)atoi(argv[2]), (uint16_t)atoi(argv[3]));
	else if (!strcmp(mode, "accept") && argc == 4)
		accept_checks((uint16_t)atoi(argv[2]), (unsigned)atoi(argv[3]));
	else if (!strcmp(mode, "recv") && argc == 6)
		recv_checks((uint16_t)atoi(argv[2]), (unsigned)atoi(argv[3]),
			    (unsigned)atoi(argv[4]), (unsigned)atoi(argv[5]));
	else if (!strcmp(mode, "serve") && argc == 4)
		serve_checks((uint16_t)atoi(argv[2]), (unsigned)atoi(argv[3]));
	else if (!strcmp(mode, "nofd") && argc == 4)
		nofd_checks((uint16_t)atoi(argv[2]), (unsigned)atoi(argv[3]));
	else if (!strcmp(mode, "exit") && argc == 3)
		exit_checks((uint16_t)atoi(argv[2]));
	else {
		fprintf(stderr,
			"usage: tcpaio connect PORT CLOSED | accept PORT N | "
			"recv PORT NBUFS BUFSZ HOLDMS | serve PORT N | nofd PORT N | exit PORT\n");
		return 2;
	}
	printf("tcpaio %s: %d failed\n", mode, failed);
	return failed != 0;
}
