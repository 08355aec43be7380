/*
 * qtcpbig - TCP sends larger than one pinned chunk, for
 * tests/qemu/test_tcp_bulk.py (not a user command).
 *
 *   qtcpbig PORT N   connects to 10.0.2.2:PORT (the host's server, through
 *                    QEMU's user-mode network) and sends N bytes of the
 *                    pattern (i * 7 + i / 4096) % 251: first with ONE
 *                    send(2) of the whole buffer, which must queue a part
 *                    and return a short count (1..N), as Linux does, then
 *                    the rest in a loop alternating send(2) and the async
 *                    SEND op, each given everything still unsent (a SEND
 *                    op must also complete with a short count, never
 *                    -EMSGSIZE). Then shuts down its write side and waits
 *                    for the server's close.
 *
 * Prints "first send N -> R", "async send N -> R" (the first SEND op), and
 * "ok NAME" or "FAILED NAME (line N)" per check; the last line is
 * "qtcpbig: N failed".
 *
 * For tests/qemu/bench_net.py, a bare source and sink (no pipe, no console
 * in the data path):
 *
 *   qtcpbig src PORT N   connects to 10.0.2.2:PORT, sends N bytes of the
 *                        pattern in sends of up to 1 MiB, shuts down its
 *                        write side, waits for the server's close; prints
 *                        "qtcpbig src: sent N"
 *   qtcpbig sink PORT    connects to 10.0.2.2:PORT and receives (1 MiB
 *                        buffer) until end of stream; prints
 *                        "qtcpbig sink: got N" (the data is not checked:
 *                        test_tcp_bulk.py does that)
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

#define QTB_MAX (4UL << 20) /* the largest N */

static unsigned char data[QTB_MAX];

/* One async SEND of @len bytes at @buf on @w: its result. */
static long async_send(struct aio_waiter *w, int s, const void *buf, size_t len)
{
	struct tio_event ev;
	int r = aio_send(w, 0, s, buf, len);

	if (r < 0)
		return r;
	r = aio_wait(w, &ev, 1, TIO_WAIT_FOREVER);
	return r == 1 ? (long)ev.result : (r < 0 ? r : -EIO);
}

static int run(uint16_t port, size_t n)
{
	struct tio_sockaddr_in sa = {.family = AF_INET, .port = inet_htons(port)};
	struct aio_waiter w;
	size_t done;
	long s, r;
	char c;

	for (size_t i = 0; i < n; i++)
		data[i] = (unsigned char)((i * 7 + i / 4096) % 251);
	inet_parse("10.0.2.2", &sa.addr);
	s = sys_socket(AF_INET, SOCK_STREAM, 0);
	CHECK("socket", s >= 0);
	CHECK("connect", sys_connect((int)s, &sa, sizeof(sa)) == 0);
	CHECK("waiter", aio_waiter_create(&w, 1) == 0);
	r = sys_send((int)s, data, n, 0);
	printf("first send %zu -> %ld\n", n, r);
	CHECK("big_send_returns_short_count", r > 0 && (size_t)r <= n);
	done = r > 0 ? (size_t)r : 0;
	for (int round = 0; r > 0 && done < n; round++) {
		r = round & 1 ? sys_send((int)s, data + done, n - done, 0)
			      : async_send(&w, (int)s, data + done, n - done);
		if (round == 0) {
			printf("async send %zu -> %ld\n", n - done, r);
			CHECK("big_send_op_returns_short_count", r > 0 && (size_t)r < n - done);
		}
		if (r > 0)
			done += (size_t)r;
	}
	CHECK("all_sent", done == n);
	CHECK("shutdown", sys_shutdown((int)s, SHUT_WR) == 0);
	CHECK("peer_closes", sys_recv((int)s, &c, 1, 0) == 0);
	sys_close((int)s);
	aio_waiter_destroy(&w);
	return failed;
}

static long dial(uint16_t port)
{
	struct tio_sockaddr_in sa = {.family = AF_INET, .port = inet_htons(port)};
	long s, r;

	inet_parse("10.0.2.2", &sa.addr);
	s = sys_socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0)
		return s;
	r = sys_connect((int)s, &sa, sizeof(sa));
	if (r < 0) {
		sys_close((int)s);
		return r;
	}
	return s;
}

static int src(uint16_t port, size_t n)
{
	long s = dial(port), r = 0;
	size_t done = 0;
	char c;

	if (s < 0)
		return cmd_err("qtcpbig", "connect", s);
	for (size_t i = 0; i < QTB_MAX; i++)
		data[i] = (unsigned char)((i * 7 + i / 4096) % 251);
	while (done < n) {
		size_t off = done % QTB_MAX, want = n - done;

		want = want < QTB_MAX - off ? want : QTB_MAX - off;
		r = sys_send((int)s, data + off, want < (1 << 20) ? want : (1 << 20), 0);
		if (r <= 0)
			break;
		done += (size_t)r;
	}
	sys_shutdown((int)s, SHUT_WR);
	if (r > 0)
		r = sys_recv((int)s, &c, 1, 0);
	sys_close((int)s);
	printf("qtcpbig src: sent %zu\n", done);
	return r < 0 ? cmd_err("qtcpbig", "send", r) : 0;
}

static int sink(uint16_t port)
{
	long s = dial(port), r;
	uint64_t got = 0;

	if (s < 0)
		return cmd_err("qtcpbig", "connect", s);
	while ((r = sys_recv((int)s, data, 1 << 20, 0)) > 0)
		got += (uint64_t)r;
	sys_close((int)s);
	printf("qtcpbig sink: got %llu\n", (unsigned long long)got);
	return r < 0 ? cmd_err("qtcpbig", "recv", r) : 0;
}

int main(int argc, char **argv)
{
	uint16_t port;
	unsigned long n;

	if (argc == 4 && !strcmp(argv[1], "src") && inet_parse_port(argv[2], &port) == 0)
		return src(port, strtoul(argv[3], NULL, 0));
	if (argc == 3 && !strcmp(argv[1], "sink") && inet_parse_port(argv[2], &port) == 0)
		return sink(port);
	if (argc != 3 || inet_parse_port(argv[1], &port) < 0 ||
	    (n = strtoul(argv[2], NULL, 0)) == 0 || n > QTB_MAX) {
		fprintf(stderr, "usage: qtcpbig PORT N (N <= %lu)\n", QTB_MAX);
		return 2;
	}
	run(port, n);
	printf("qtcpbig: %d failed\n", failed);
	return failed != 0;
}
