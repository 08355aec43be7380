/*
 * tcp_input - libFuzzer target over the TCP engine's input path: segment
 * parsing, options, and the state machine behind them.
 *
 * One engine (stack 1 of tests/host/lib/tcpsim.c, its output only logged) has
 * a listener on port 80, an established connection from the peer 10.0.0.1:5555
 * and an active open to 10.0.0.1:5556 in SYN-SENT. The input is a list of
 * records, each starting with a kind byte:
 *   0  raw segment: len (2 bytes), bytes; the checksum is fixed up when bit 7
 *      of the kind byte is set, so the parser's deeper paths are reached
 *   1  structured segment to one of the sockets: which, flags, seq and ack as
 *      offsets from the connection's own numbers (so they land in or near the
 *      window), window, options (length + bytes; SACK blocks, kind 5 first, as
 *      offsets from snd_una), payload length
 *   2  time passes: 1..256 x 10 ms, then the timers run
 *   3  the application: send, recv, shutdown, close, accept, abort, or an ICMP
 *      error (destination unreachable, fragmentation needed) quoting a
 *      sequence number near its snd_una
 * After every record: every socket's invariants hold (tcp_check), every
 * segment the engine sent parses and has a correct checksum (tcpsim aborts
 * otherwise), and at the end every control block and ring is freed.
 */
#include "tcpsim.h"

#include "../../../net/tcp/tcp_int.h"

#include <stdio.h>
#include <stdlib.h>

#define PEER SIM_ADDR(0)
#define US   SIM_ADDR(1)

struct fz {
	struct sim *sim;
	struct tcp_sock *lis, *conn, *cli;
	uint32_t peer_nxt; /* the peer's sequence number on conn */
};

static void fail(const char *what)
{
	fprintf(stderr, "tcp_input fuzz: %s\n", what);
	abort();
}

static void inject(struct fz *f, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
		   uint8_t flags, uint16_t wnd, const uint8_t *opts, unsigned optlen,
		   const uint8_t *data, size_t len)
{
	uint8_t seg[1600];
	size_t n =
	    sim_build(seg, PEER, US, sport, dport, seq, ack, flags, wnd, opts, optlen, data, len);

	sim_inject(f->sim, 1, PEER, US, seg, n);
}

static void setup(struct fz *f)
{
	static const uint8_t opts[] = {2, 4, 0x05, 0xb4, 1, 3, 3, 7, 1, 1, 4, 2};
	const struct sim_seg *g;

	memset(f, 0, sizeof(*f));
	f->sim = sim_new(1);
	f->sim->blackhole[1] = true;
	if (tcp_open(&f->sim->st[1], &f->lis) || tcp_bind(f->lis, 0, 80) || tcp_listen(f->lis, 2))
		fail("listener");
	inject(f, 5555, 80, 1000, 0, 0x02, 65535, opts, sizeof(opts), NULL, 0);
	g = sim_log_at(f->sim, f->sim->nlog - 1);
	inject(f, 5555, 80, 1001, g->seq + 1, 0x10, 512, NULL, 0, NULL, 0);
	if (tcp_accept(f->lis, &f->conn))
		fail("accept");
	f->peer_nxt = 1001;
	if (tcp_open(&f->sim->st[1], &f->cli) || tcp_bind(f->cli, US, 4000) ||
	    tcp_connect(f->cli, US, PEER, 5556) != -EINPROGRESS)
		fail("connect");
}

static uint32_t rd(const uint8_t **p, size_t *n, unsigned bytes)
{
	uint32_t v = 0;

	while (bytes-- && *n) {
		v = v << 8 | **p;
		(*p)++, (*n)--;
	}
	return v;
}

static void structured(struct fz *f, const uint8_t **p, size_t *n)
{
	static const uint8_t zeros[1460];
	uint8_t which = (uint8_t)rd(p, n, 1), flags = (uint8_t)rd(p, n, 1), opts[40];
	int16_t dseq = (int16_t)rd(p, n, 2), dack = (int16_t)rd(p, n, 2);
	uint16_t wnd = (uint16_t)rd(p, n, 2);
	unsigned optlen = rd(p, n, 1) % 41, i;
	size_t len;
	struct tcp_sock *s = which % 3 == 0 ? f->conn : which % 3 == 1 ? f->cli : f->lis;
	uint16_t sport = which % 3 == 1 ? 5556 : (uint16_t)(5555 + (which >> 4));
	uint16_t dport = which % 3 == 1 ? 4000 : 80;

	for (i = 0; i < optlen; i++)
		opts[i] = (uint8_t)rd(p, n, 1);
	len = rd(p, n, 2) % sizeof(zeros);
	if (!s) /* the application closed it: aim at where it was */
		s = f->lis;
	if (optlen >= 10 && opts[0] == 5) /* SACK blocks as offsets from snd_una */
		for (i = 2; i + 4 <= optlen; i += 4) {
			uint32_t v =
			    s->snd_una + ((uint32_t)opts[i] << 24 | (uint32_t)opts[i + 1] << 16 |
					  (uint32_t)opts[i + 2] << 8 | opts[i + 3]);

			opts[i] = (uint8_t)(v >> 24), opts[i + 1] = (uint8_t)(v >> 16);
			opts[i + 2] = (uint8_t)(v >> 8), opts[i + 3] = (uint8_t)v;
		}
	inject(f, sport, dport, s->rcv_nxt + (uint32_t)(int32_t)dseq,
	       s->snd_una + (uint32_t)(int32_t)dack, flags, wnd, opts, optlen, zeros, len);
}

static void app(struct fz *f, const uint8_t **p, size_t *n)
{
	static uint8_t buf[70000];
	uint8_t op = (uint8_t)rd(p, n, 1);
	struct tcp_sock **s = op & 0x10 ? &f->cli : &f->conn, *a;
	size_t len = (size_t)rd(p, n, 2) * 2;

	if (!*s && (op & 7) != 4)
		return;
	switch (op & 7) {
	case 0:
		tcp_send(*s, buf, len);
		break;
	case 1:
		tcp_recv(*s, buf, len);
		break;
	case 2:
		tcp_shutdown(*s, (int)(len % 3));
		break;
	case 3:
		tcp_close(*s);
		*s = NULL;
		break;
	case 4:
		if (f->lis && !tcp_accept(f->lis, &a))
			tcp_close(a);
		break;
	case 5:
		tcp_abort(*s);
		*s = NULL;
		break;
	case 6: /* an ICMP error quoting a sequence number near snd_una, the MTU from @len */
		if (op & 0x20)
			tcp_icmp_frag_needed(
			    (*s)->st, (*s)->laddr, (*s)->lport, (*s)->raddr, (*s)->rport,
			    (*s)->snd_una + (uint32_t)(len % 5000) - 8, (uint32_t)len);
		else
			tcp_icmp_unreach((*s)->st, (*s)->laddr, (*s)->lport, (*s)->raddr,
					 (*s)->rport, (*s)->snd_una + (uint32_t)(len % 5000) - 8,
					 op & 0x40 ? -113 : -111);
		break;
	default:
		tcp_poll(*s);
		tcp_error(*s);
		break;
	}
}

static void check_all(struct fz *f)
{
	const struct tcp_sock *s;
	const char *why;
	char table[4096];

	for (s = f->sim->st[1].socks; s; s = s->next)
		if ((why = tcp_check(s))) {
			fprintf(stderr,
				"state %s iss %u una %u nxt %u max %u tx_seq %u tx_len %u fin %u "
				"flags %x\n",
				tcp_state_name(s->state), s->iss, s->snd_una, s->snd_nxt,
				s->snd_max, s->tx_seq, s->tx_len, s->snd_fin_seq, s->flags);
			fprintf(stderr, "rcv_nxt %u rx_len %u nooo %u first [%u,%u) fin_seq %u\n",
				s->rcv_nxt, s->rx_len, s->nooo, s->ooo[0].start, s->ooo[0].end,
				s->rcv_fin_seq);
			fail(why);
		}
	tcp_format_stats(&f->sim->st[1], table, sizeof(table));
}

static void count_in_use(struct async_pool *pool, void *arg)
{
	struct async_pool_stats st;

	async_pool_stats(pool, &st);
	if (!strncmp(st.name, "tcp_", 4))
		*(unsigned *)arg += st.in_use;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f;
	unsigned in_use = 0;
	uint8_t kind;
	size_t len;

	setup(&f);
	while (size) {
		kind = (uint8_t)rd(&data, &size, 1);
		switch (kind & 3) {
		case 0: {
			uint8_t seg[2000];

			len = rd(&data, &size, 2) % sizeof(seg);
			len = len < size ? len : size;
			memcpy(seg, data, len);
			data += len, size -= len;
			if ((kind & 0x80) && len >= 18) {
				uint16_t c;

				seg[16] = seg[17] = 0;
				c = sim_csum(PEER, US, seg, len);
				seg[16] = (uint8_t)(c >> 8), seg[17] = (uint8_t)c;
			}
			sim_inject(f.sim, 1, PEER, US, seg, len);
			break;
		}
		case 1:
			structured(&f, &data, &size);
			break;
		case 2:
			sim_run_to(f.sim, f.sim->now + (1 + rd(&data, &size, 1)) * 10 * SIM_MS);
			break;
		default:
			app(&f, &data, &size);
			break;
		}
		check_all(&f);
	}
	sim_run_to(f.sim, f.sim->now + 3600 * SIM_S);
	check_all(&f);
	sim_free(f.sim);
	async_pool_foreach(count_in_use, &in_use);
	if (in_use)
		fail("a control block or ring was not freed");
	return 0;
}
