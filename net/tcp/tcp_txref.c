/*
 * tcp_txref.c - zero-copy transmit: segments whose payload the lower layer
 * (a NIC's descriptors pointing into the send ring) reads after
 * lower->output_ref returned, and the rule that keeps those bytes intact.
 *
 * Interface:
 *   tcp_txref_new(s, seq)  a record for a data segment of @s at @seq, or NULL
 *                          (pool empty: the segment is offered without one,
 *                          so the lower copies it)
 *   tcp_txref_hold(ref)    the lower kept it: on the ring's held list
 *   tcp_txref_drop(ref)    the lower did not keep it: back to the pool
 *   tcp_txref_put(st, ref) the lower is done (public, net/tcp.h)
 *   tcp_tx_pinned(s)       acknowledged bytes still held: not free for new data
 *   tcp_ring_put(r)        the socket lets go of a ring (freed now or by the
 *                          last tcp_txref_put)
 *
 * Why a list per ring and not a count: an ACK can arrive before the card has
 * read a segment (the card completes descriptors in its own time), and the
 * held segments of one ring are not in sequence order (a retransmission of old
 * data follows new data), so the room for new data is bounded by the lowest
 * held sequence number below tx_seq. The list is short: at most the NIC's
 * descriptors in flight.
 */
#include "tcp_int.h"

ASYNC_POOL_DEFINE(tcp_txref_pool, "tcp_txref", struct tcp_txref, TCP_TXREFS_MAX);

struct tcp_txref *tcp_txref_new(struct tcp_sock *s, uint32_t seq)
{
	struct tcp_txref *ref = async_pool_alloc(&tcp_txref_pool);

	if (!ref) {
		s->st->txref_short++;
		return NULL;
	}
	ref->next = NULL;
	ref->ring = s->tx;
	ref->seq = seq;
	return ref;
}

void tcp_txref_hold(struct tcp_txref *ref)
{
	ref->next = ref->ring->held;
	ref->ring->held = ref;
}

void tcp_txref_drop(struct tcp_txref *ref)
{
	async_pool_free(&tcp_txref_pool, ref);
}

uint32_t tcp_tx_pinned(const struct tcp_sock *s)
{
	uint32_t pin = 0;

	for (const struct tcp_txref *r = s->tx ? s->tx->held : NULL; r; r = r->next)
		if (SEQ_LT(r->seq, s->tx_seq) && s->tx_seq - r->seq > pin)
			pin = s->tx_seq - r->seq;
	return pin;
}

void tcp_ring_put(struct tcp_ring *r)
{
	r->owner = NULL;
	if (!r->held)
		tcp_ring_free(r);
}

void tcp_txref_put(struct tcp_stack *st, struct tcp_txref *ref)
{
	struct tcp_ring *ring = ref->ring;
	struct tcp_sock *s = ring->owner;
	struct tcp_txref **pp;
	bool pinned = s && SEQ_LT(ref->seq, s->tx_seq);

	for (pp = &ring->held; *pp && *pp != ref; pp = &(*pp)->next)
		;
	if (!*pp)
		async_port_panic("tcp_txref_put: a segment that is not held");
	*pp = ref->next;
	async_pool_free(&tcp_txref_pool, ref);
	if (!s) {
		if (!ring->held)
			tcp_ring_free(ring);
		return;
	}
	if (pinned) /* room came back: a sender waiting for it retries */
		tcp_post(s, TCP_EV_OUT);
	if (!st->in_output)
		tcp_flush(st);
}
