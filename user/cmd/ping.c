/*
 * ping [-c N] [-s SIZE] ADDR - ICMP echo over a raw socket, one request per second,
 * iputils output (icmp_seq from 1; the summary with loss, elapsed time and
 * rtt min/avg/max/mdev). Each reply is awaited through the async API: a RECV on
 * one waiter slot with a deadline, so a lost packet costs one second, not a
 * hang. Default count 4 (a serial console has no Ctrl-C to stop it yet).
 * -s: data bytes per request (default 56, at most 8184: the kernel sends an
 * ICMP message of up to 8192 bytes, in IPv4 fragments above 1480).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <tio/aio.h>
#include <tio/cmd.h>
#include <tio/inet.h>
#include <tio/opt.h>
#include <tio/start.h>
#include <tio/sys.h>

#define PING_DATA    56		   /* payload bytes, as ping's default */
#define PING_MAX     8184	   /* payload bytes at most (-s) */
#define PING_WAIT_NS 1000000000ULL /* per reply */

struct ping_stats {
	unsigned sent, recv;
	uint64_t min_us, max_us, sum_us, sum2_us; /* sum2: of squares, for mdev */
	long start_ns;
};

/* Waits for the reply to @seq until the deadline; round trip in µs (its TTL and ICMP length in
 * *r) or -errno. */
static long await_reply(struct aio_waiter *w, int s, uint16_t id, uint16_t seq, uint64_t t0,
			struct icmp_reply *r)
{
	static uint8_t buf[60 + ICMP_HDR + PING_MAX];
	struct tio_sqe sqe;
	struct tio_event ev;

	for (;;) {
		long now = sys_clock_ns();
		uint64_t left =
		    t0 + PING_WAIT_NS > (uint64_t)now ? t0 + PING_WAIT_NS - (uint64_t)now : 0;
		int e;

		if (!left)
			return -ETIMEDOUT;
		aio_prep_rw(&sqe, TIO_OP_RECV, s, buf, sizeof(buf), 0);
		sqe.timeout_ns = left;
		e = aio_submit(w, 0, &sqe);
		if (e < 0)
			return e;
		/* The RECV carries the deadline: wait for its event, which always comes. */
		e = aio_wait(w, &ev, 1, TIO_WAIT_FOREVER);
		if (e < 0)
			return e;
		if (e == 0)
			continue;
		if (ev.result < 0)
			return ev.result;
		if (icmp_parse_reply(buf, (size_t)ev.result, r) == 0 && r->id == id &&
		    r->seq == seq)
			return (sys_clock_ns() - (long)t0) / 1000;
	}
}

static void ping_once(struct aio_waiter *w, int s, const struct tio_sockaddr_in *to,
		      const char *addr, uint16_t seq, size_t size, struct ping_stats *st)
{
	static uint8_t pkt[ICMP_HDR + PING_MAX];
	uint16_t id = (uint16_t)sys_getpid();
	long t0 = sys_clock_ns(), us, r;
	struct icmp_reply rep;

	icmp_echo_build(pkt, ICMP_HDR + size, id, seq);
	r = sys_sendto(s, pkt, ICMP_HDR + size, 0, to, sizeof(*to));
	if (r < 0) {
		cmd_err("ping", "sendto", r);
		return;
	}
	st->sent++;
	us = await_reply(w, s, id, seq, (uint64_t)t0, &rep);
	if (us < 0)
		return;
	st->recv++;
	st->sum_us += (uint64_t)us;
	st->sum2_us += (uint64_t)us * (uint64_t)us;
	if (st->recv == 1 || (uint64_t)us < st->min_us)
		st->min_us = (uint64_t)us;
	if ((uint64_t)us > st->max_us)
		st->max_us = (uint64_t)us;
	printf("%u bytes from %s: icmp_seq=%u ttl=%u time=%ld.%03ld ms\n", (unsigned)rep.icmp_len,
	       addr, seq, rep.ttl, us / 1000, us % 1000);
}

/* The next request goes one second after the previous one. */
static void ping_pace(long t0)
{
	long rest = t0 + 1000000000L - sys_clock_ns();

	if (rest > 0)
		sys_sleep_ns((uint64_t)rest);
}

static uint64_t isqrt(uint64_t v)
{
	uint64_t r = 0;

	for (uint64_t b = 1ULL << 62; b; b >>= 2) {
		if (v >= r + b) {
			v -= r + b;
			r = (r >> 1) + b;
		} else {
			r >>= 1;
		}
	}
	return r;
}

/* Microseconds as milliseconds with three decimals, like iputils. */
static void print_ms(uint64_t us, const char *after)
{
	printf("%llu.%03llu%s", (unsigned long long)(us / 1000), (unsigned long long)(us % 1000),
	       after);
}

static void summary(const char *addr, const struct ping_stats *st)
{
	unsigned loss = st->sent ? (st->sent - st->recv) * 100 / st->sent : 0;
	long ms = (sys_clock_ns() - st->start_ns) / 1000000;

	printf("\n--- %s ping statistics ---\n", addr);
	printf("%u packets transmitted, %u received, %u%% packet loss, time %ldms\n", st->sent,
	       st->recv, loss, ms);
	if (st->recv) {
		uint64_t avg = st->sum_us / st->recv, sq = st->sum2_us / st->recv;

		printf("rtt min/avg/max/mdev = ");
		print_ms(st->min_us, "/");
		print_ms(avg, "/");
		print_ms(st->max_us, "/");
		print_ms(isqrt(sq > avg * avg ? sq - avg * avg : 0), " ms\n");
	}
}

int main(int argc, char **argv)
{
	struct tio_sockaddr_in to = {.family = AF_INET};
	struct ping_stats st = {0};
	struct aio_waiter w;
	struct opt o = OPT_INIT;
	unsigned long count = 4, size = PING_DATA;
	char *end;
	long s;
	int c, e;

	while ((c = opt_next(&o, argc, argv, "c:s:")) != -1) {
		if (c == 'c' && (count = strtoul(o.arg, NULL, 10)) != 0)
			continue;
		if (c == 's' && (size = strtoul(o.arg, &end, 10)) <= PING_MAX && end != o.arg &&
		    !*end)
			continue;
		goto out_usage;
	}
	if (argc - o.ind != 1 || inet_parse(argv[o.ind], &to.addr) < 0)
		goto out_usage;
	s = sys_socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	if (s < 0)
		return cmd_err("ping", "raw ICMP sockets", s);
	e = aio_waiter_create(&w, 1);
	if (e < 0)
		return cmd_err("ping", "the async API", e);
	printf("PING %s (%s) %lu(%lu) bytes of data.\n", argv[o.ind], argv[o.ind], size,
	       size + ICMP_HDR + 20);
	st.start_ns = sys_clock_ns();
	for (unsigned long i = 0; i < count; i++) {
		long t0 = sys_clock_ns();

		ping_once(&w, (int)s, &to, argv[o.ind], (uint16_t)(i + 1), size, &st);
		if (i + 1 < count)
			ping_pace(t0);
	}
	summary(argv[o.ind], &st);
	return st.recv ? 0 : 1;

out_usage:
	fprintf(stderr, "usage: ping [-c COUNT] [-s SIZE] ADDR\n");
	return 1;
}
