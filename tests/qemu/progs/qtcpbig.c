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

#define QTB_MAX (4UL << 20) /* the largest N */

static int failed;
static unsigned char data[QTB_MAX];

#define CHECK(name, c)                                                                             \
	do {                                                                                       \
		if (c) {                                                                           \
			printf("ok %s\n", name);                                                   \
		} else {                                                                           \
			printf("FAILED %s (line %d)\n", name, __LINE__);                           \
			failed++;                                                                  \
		}                                                                                  \
	} while (0)

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
		if (round == 0)
			printf("async send %zu -> %ld\n", n - done, r);
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

int main(int argc, char **argv)
{
	uint16_t port;
	unsigned long n;

	if (argc != 3 || inet_parse_port(argv[1], &port) < 0 ||
	    (n = strtoul(argv[2], NULL, 0)) == 0 || n > QTB_MAX) {
		fprintf(stderr, "usage: qtcpbig PORT N (N <= %lu)\n", QTB_MAX);
		return 2;
	}
	run(port, n);
	printf("qtcpbig: %d failed\n", failed);
	return failed != 0;
}
