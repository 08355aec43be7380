/* tcpsim.c - the simulated link of tcpsim.h. */
#include "tcpsim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint64_t sim_rand(struct sim *sim)
{
	/* splitmix64: deterministic, seedable, good enough for impairments */
	uint64_t z = (sim->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

uint16_t sim_csum(uint32_t src, uint32_t dst, const uint8_t *seg, size_t len)
{
	uint64_t sum = 0;
	size_t i;

	sum += (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + 6 + len;
	for (i = 0; i + 1 < len; i += 2)
		sum += rd16(seg + i);
	if (len & 1)
		sum += (uint32_t)seg[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

size_t sim_build(uint8_t *out, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
		 uint32_t seq, uint32_t ack, uint8_t flags, uint16_t wnd, const uint8_t *opts,
		 unsigned optlen, const void *data, size_t len)
{
	unsigned hlen = 20 + ((optlen + 3) & ~3u);
	uint16_t c;

	memset(out, 0, hlen);
	out[0] = sport >> 8, out[1] = (uint8_t)sport;
	out[2] = dport >> 8, out[3] = (uint8_t)dport;
	out[4] = seq >> 24, out[5] = seq >> 16, out[6] = seq >> 8, out[7] = (uint8_t)seq;
	out[8] = ack >> 24, out[9] = ack >> 16, out[10] = ack >> 8, out[11] = (uint8_t)ack;
	out[12] = (uint8_t)((hlen / 4) << 4);
	out[13] = flags;
	out[14] = wnd >> 8, out[15] = (uint8_t)wnd;
	if (optlen)
		memcpy(out + 20, opts, optlen);
	if (len)
		memcpy(out + hlen, data, len);
	c = sim_csum(src, dst, out, hlen + len);
	out[16] = c >> 8, out[17] = (uint8_t)c;
	return hlen + len;
}

#define QAT(sim, k) (&(sim)->q[((sim)->qhead + (k)) % SIM_QUEUE_MAX])

static void enqueue(struct sim *sim, int to, uint32_t src, uint32_t dst, const uint8_t *b,
		    uint32_t len, uint64_t at)
{
	unsigned i;
	struct sim_pkt *p;

	if (sim->nq == SIM_QUEUE_MAX || len > SIM_PKT_MAX) {
		sim->dropped++; /* a full link queue drops, as a router would */
		return;
	}
	/* from the tail: nearly every packet goes last, a reordered one a few places back */
	for (i = sim->nq; i > 0 && QAT(sim, i - 1)->at > at; i--)
		*QAT(sim, i) = *QAT(sim, i - 1);
	p = QAT(sim, i);
	p->at = at, p->to = to, p->src = src, p->dst = dst, p->len = len;
	memcpy(p->data, b, len);
	sim->nq++;
}

static struct sim_seg *log_seg(struct sim *sim, int from, const uint8_t *b, uint32_t len)
{
	struct sim_seg *s = &sim->log[sim->nlog++ % SIM_LOG_MAX];
	unsigned hlen = (unsigned)(b[12] >> 4) * 4;

	memset(s, 0, sizeof(*s));
	s->at = sim->now, s->from = from;
	s->sport = rd16(b), s->dport = rd16(b + 2);
	s->seq = rd32(b + 4), s->ack = rd32(b + 8);
	s->flags = b[13], s->wnd = rd16(b + 14);
	s->hlen = (uint16_t)hlen;
	s->len = len - hlen;
	memcpy(s->hdr, b, hlen <= 60 ? hlen : 60);
	return s;
}

static int sim_output(void *ctx, uint32_t src, uint32_t dst, const struct tcp_iov *iov, unsigned n)
{
	int *idx = ctx, from = *idx;
	struct sim *sim = (struct sim *)((char *)(idx - from) - offsetof(struct sim, idx));
	uint8_t buf[SIM_PKT_MAX];
	uint32_t len = 0;
	struct sim_seg *s;
	uint64_t at;
	unsigned i;

	for (i = 0; i < n; i++) {
		if (len + iov[i].len > sizeof(buf))
			abort(); /* the engine built a segment larger than any MTU */
		memcpy(buf + len, iov[i].base, iov[i].len);
		len += (uint32_t)iov[i].len;
	}
	if (sim_csum(src, dst, buf, len) != 0)
		abort(); /* the engine's checksum disagrees with RFC 1071 */
	s = log_seg(sim, from, buf, len);
	sim->sent++;
	if (sim->fail_output[from]) {
		s->dropped = true;
		return -EIO;
	}
	if (sim->blackhole[from] || (sim->filter && !sim->filter(sim, s, sim->filter_arg)) ||
	    sim_rand(sim) % 1000 < sim->drop_pm) {
		s->dropped = true;
		sim->dropped++;
		return 0;
	}
	at = sim->now + sim->delay_ns;
	if (sim->jitter_ns && sim_rand(sim) % 1000 < sim->reorder_pm) {
		at += sim_rand(sim) % sim->jitter_ns;
		sim->reordered++;
	}
	enqueue(sim, !from, src, dst, buf, len, at);
	if (sim_rand(sim) % 1000 < sim->dup_pm) {
		enqueue(sim, !from, src, dst, buf, len, at + sim->delay_ns / 2);
		sim->duplicated++;
	}
	return 0;
}

static uint64_t sim_now(void *ctx)
{
	int *idx = ctx, from = *idx;
	struct sim *sim = (struct sim *)((char *)(idx - from) - offsetof(struct sim, idx));

	return sim->now;
}

static const struct tcp_lower sim_lower = {.output = sim_output, .now_ns = sim_now};

/*
 * A csum_partial segment: its checksum field must hold the pseudo-header's folded sum
 * (else sim->bad_seeds counts it); the sim completes the checksum, as a card would, in
 * a copy of the header at @hdr, which replaces iov[0].
 */
static void sim_finish_csum(struct sim *sim, uint32_t src, uint32_t dst, struct tcp_iov *iov,
			    unsigned n, uint8_t *hdr)
{
	uint8_t buf[SIM_PKT_MAX];
	uint32_t len = 0, seed;
	uint16_t c;

	for (unsigned i = 0; i < n; i++) {
		if (len + iov[i].len > sizeof(buf))
			abort();
		memcpy(buf + len, iov[i].base, iov[i].len);
		len += (uint32_t)iov[i].len;
	}
	seed = (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + 6 + len;
	while (seed >> 16)
		seed = (seed & 0xffff) + (seed >> 16);
	if (rd16(buf + 16) != seed)
		sim->bad_seeds++;
	buf[16] = buf[17] = 0;
	c = sim_csum(src, dst, buf, len);
	memcpy(hdr, iov[0].base, iov[0].len);
	hdr[16] = (uint8_t)(c >> 8);
	hdr[17] = (uint8_t)c;
	iov[0].base = hdr;
}

static int sim_output_ref(void *ctx, uint32_t src, uint32_t dst, const struct tcp_iov *iov_in,
			  unsigned n, struct tcp_txref *ref)
{
	int *idx = ctx, from = *idx;
	struct sim *sim = (struct sim *)((char *)(idx - from) - offsetof(struct sim, idx));
	struct tcp_iov iov[3];
	uint8_t hdr[60];
	int err;
	struct sim_held *h;
	size_t len = 0;

	if (n > 3 || iov_in[0].len > sizeof(hdr))
		abort();
	memcpy(iov, iov_in, n * sizeof(*iov));
	if (sim->st[from].lower->csum_partial)
		sim_finish_csum(sim, src, dst, iov, n, hdr);
	err = sim_output(ctx, src, dst, iov, n);

	if (err || !ref || sim->nheld[from] == SIM_HELD_MAX || n > 3)
		return err;
	h = &sim->held[from][sim->nheld[from]++];
	h->ref = ref;
	h->seq = ((uint32_t)((const uint8_t *)iov[0].base)[4] << 24) |
		 ((uint32_t)((const uint8_t *)iov[0].base)[5] << 16) |
		 ((uint32_t)((const uint8_t *)iov[0].base)[6] << 8) |
		 ((const uint8_t *)iov[0].base)[7];
	for (unsigned i = 1; i < n; i++) {
		h->piece[i - 1] = iov[i].base;
		h->plen[i - 1] = iov[i].len;
		memcpy(h->sent + len, iov[i].base, iov[i].len);
		len += iov[i].len;
	}
	if (n < 3)
		h->plen[1] = 0;
	h->len = (uint32_t)len;
	return TCP_OUT_HELD;
}

static const struct tcp_lower sim_hold_lower = {
    .output = sim_output, .now_ns = sim_now, .output_ref = sim_output_ref};
static const struct tcp_lower sim_hold_csum_lower = {
    .output = sim_output, .now_ns = sim_now, .output_ref = sim_output_ref, .csum_partial = true};

void sim_hold_payloads(struct sim *sim, int i)
{
	sim->st[i].lower = &sim_hold_lower;
}

void sim_hold_payloads_csum_partial(struct sim *sim, int i)
{
	sim->st[i].lower = &sim_hold_csum_lower;
}

static bool held_intact(const struct sim_held *h)
{
	return !memcmp(h->piece[0], h->sent, h->plen[0]) &&
	       (!h->plen[1] || !memcmp(h->piece[1], h->sent + h->plen[0], h->plen[1]));
}

bool sim_held_intact(const struct sim *sim, int i)
{
	for (unsigned k = 0; k < sim->nheld[i]; k++)
		if (!held_intact(&sim->held[i][k]))
			return false;
	return true;
}

bool sim_release(struct sim *sim, int i, unsigned k)
{
	struct sim_held *h = &sim->held[i][k];
	bool ok = held_intact(h);

	tcp_txref_put(&sim->st[i], h->ref);
	memmove(h, h + 1, (sim->nheld[i] - k - 1) * sizeof(*h));
	sim->nheld[i]--;
	return ok;
}

struct sim *sim_new(uint64_t seed)
{
	struct sim *sim = calloc(1, sizeof(*sim));
	int i;

	sim->q = calloc(SIM_QUEUE_MAX, sizeof(*sim->q));
	sim->rng = seed;
	sim->now = 1000 * SIM_S; /* not zero: a zero deadline means "stopped" */
	sim->delay_ns = 1 * SIM_MS;
	for (i = 0; i < 2; i++) {
		struct tcp_config cfg = {.mtu = 1500,
					 .iss_secret = (uint32_t)(seed * 31 + (uint64_t)i)};

		sim->idx[i] = i;
		tcp_stack_init(&sim->st[i], &sim_lower, &sim->idx[i], &cfg);
	}
	return sim;
}

void sim_free(struct sim *sim)
{
	tcp_stack_destroy(&sim->st[0]);
	tcp_stack_destroy(&sim->st[1]);
	free(sim->q);
	free(sim);
}

void sim_inject(struct sim *sim, int to, uint32_t src, uint32_t dst, const void *seg, size_t len)
{
	tcp_input(&sim->st[to], src, dst, seg, len);
}

bool sim_step(struct sim *sim, uint64_t limit)
{
	uint64_t t = UINT64_MAX, d;
	int i;

	if (sim->nq)
		t = QAT(sim, 0)->at;
	for (i = 0; i < 2; i++)
		if ((d = tcp_next_deadline(&sim->st[i])) < t)
			t = d;
	static uint64_t last_t, same;

	if (t > limit)
		return false;
	if (t > sim->now)
		sim->now = t;
	same = t == last_t ? same + 1 : 0;
	last_t = t;
	if (same > 1000000) {
		fprintf(stderr, "tcpsim: the clock is stuck at %llu (a timer that never clears)\n",
			(unsigned long long)t);
		abort();
	}
	while (sim->nq && QAT(sim, 0)->at <= sim->now) {
		static struct sim_pkt p;

		p = *QAT(sim, 0);
		sim->qhead = (sim->qhead + 1) % SIM_QUEUE_MAX;
		sim->nq--;
		tcp_input(&sim->st[p.to], p.src, p.dst, p.data, p.len);
	}
	for (i = 0; i < 2; i++)
		if (tcp_next_deadline(&sim->st[i]) <= sim->now)
			tcp_tick(&sim->st[i]);
	return true;
}

bool sim_run(struct sim *sim, bool (*cond)(struct sim *, void *), void *arg, uint64_t limit)
{
	while (!cond(sim, arg))
		if (!sim_step(sim, limit))
			return cond(sim, arg);
	return true;
}

void sim_run_to(struct sim *sim, uint64_t t)
{
	while (sim_step(sim, t))
		;
	if (sim->now < t)
		sim->now = t;
}

const struct sim_seg *sim_log_at(const struct sim *sim, unsigned i)
{
	return &sim->log[i % SIM_LOG_MAX];
}

bool sim_pair_accepted(struct sim *sim, void *arg)
{
	struct sim_pair *p = arg;

	(void)sim;
	if (!p->srv)
		tcp_accept(p->lis, &p->srv);
	return p->srv && tcp_get_state(p->cli) == TCP_ESTABLISHED;
}

int sim_connect_pair(struct sim *sim, struct sim_pair *p, uint16_t port)
{
	int err;

	memset(p, 0, sizeof(*p));
	if ((err = tcp_open(&sim->st[1], &p->lis)) || (err = tcp_bind(p->lis, 0, port)) ||
	    (err = tcp_listen(p->lis, 8)) || (err = tcp_open(&sim->st[0], &p->cli)))
		return err;
	err = tcp_connect(p->cli, SIM_ADDR(0), SIM_ADDR(1), port);
	if (err != -EINPROGRESS)
		return err ? err : -EPROTO;
	if (!sim_run(sim, sim_pair_accepted, p, sim->now + 120 * SIM_S) ||
	    tcp_get_state(p->srv) != TCP_ESTABLISHED)
		return -ETIMEDOUT;
	return 0;
}
