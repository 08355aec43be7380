/*
 * tcpsim.h - two TCP engine instances joined by a simulated link, in one
 * process, on a simulated clock: the host tests of net/tcp/.
 *
 *   struct sim *sim = sim_new(seed);          stack 0 is 10.0.0.1, stack 1 is 10.0.0.2
 *   sim->drop_pm = 20;  (per mille)           impairments, from a deterministic PRNG
 *   sim_run(sim, cond, arg, limit_ns)          runs until cond() or the clock reaches limit
 *
 * Every segment either stack sends is logged (sim->log, parsed header fields
 * and the first bytes) before the impairments apply; a test filter may drop
 * it. Segments arrive after delay_ns (+ up to jitter_ns for the reordered
 * ones); the clock jumps to the next arrival or timer deadline, so a
 * simulated hour costs nothing. A test can also play the peer by hand: use
 * one stack, sim_inject() crafted segments and read what it sent in the log.
 */
#ifndef TCPSIM_H
#define TCPSIM_H

#include <net/tcp.h>

#define SIM_ADDR(i)   (0x0a000001u + (uint32_t)(i))
#define SIM_LOG_MAX   8192
#define SIM_QUEUE_MAX 4096
#define SIM_PKT_MAX   1600

struct sim_seg {
	uint64_t at; /* send time */
	int from;
	uint16_t sport, dport;
	uint32_t seq, ack, len;
	uint8_t flags;
	uint16_t wnd;
	uint16_t hlen;
	uint8_t hdr[60];
	bool dropped;
};

struct sim_pkt {
	uint64_t at;
	int to;
	uint32_t src, dst;
	uint32_t len;
	uint8_t data[SIM_PKT_MAX];
};

/* A data segment whose payload a holding lower still "reads" (sim_hold_payloads). */
struct sim_held {
	struct tcp_txref *ref;
	uint32_t seq, len;	 /* the payload's sequence range */
	const uint8_t *piece[2]; /* where the payload is, in the send ring */
	size_t plen[2];
	uint8_t sent[SIM_PKT_MAX]; /* the payload as it was sent */
};

#define SIM_HELD_MAX 128

struct sim {
	uint64_t now;
	struct tcp_stack st[2];
	int idx[2];
	uint64_t rng;
	unsigned drop_pm, dup_pm, reorder_pm; /* per mille */
	uint64_t delay_ns, jitter_ns;
	bool blackhole[2];   /* drop everything sent by stack i */
	bool fail_output[2]; /* output() of stack i returns -EIO (after logging) */
	/* returns false to drop the segment; @s is its log entry */
	bool (*filter)(struct sim *sim, const struct sim_seg *s, void *arg);
	void *filter_arg;
	struct sim_seg log[SIM_LOG_MAX];
	unsigned nlog; /* total ever; entries wrap */
	struct sim_pkt *q;
	unsigned nq, qhead; /* a ring ordered by arrival time: q[(qhead + k) % SIM_QUEUE_MAX] */
	unsigned long sent, dropped, duplicated, reordered;
	/* sim_hold_payloads: segments held, oldest first, per stack */
	struct sim_held held[2][SIM_HELD_MAX];
	unsigned nheld[2];
	unsigned long bad_seeds; /* csum_partial segments whose field was not the pseudo sum */
};

struct sim *sim_new(uint64_t seed);
void sim_free(struct sim *sim);
uint64_t sim_rand(struct sim *sim);
/* Hands a crafted segment to stack @to as if from @src to @dst (checksum filled in by the caller,
 * or sim_csum). */
void sim_inject(struct sim *sim, int to, uint32_t src, uint32_t dst, const void *seg, size_t len);
/* Builds a segment with a correct checksum; returns its length. */
size_t sim_build(uint8_t *out, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
		 uint32_t seq, uint32_t ack, uint8_t flags, uint16_t wnd, const uint8_t *opts,
		 unsigned optlen, const void *data, size_t len);
/* An independent RFC 1071 checksum over pseudo-header + segment (0 when valid). */
uint16_t sim_csum(uint32_t src, uint32_t dst, const uint8_t *seg, size_t len);
/* One step: advance to the next arrival or deadline (at most @limit). false if none before @limit.
 */
bool sim_step(struct sim *sim, uint64_t limit);
/* Runs until @cond (checked after each step) or @limit; returns cond's last value. */
bool sim_run(struct sim *sim, bool (*cond)(struct sim *, void *), void *arg, uint64_t limit);
/* Runs until the clock reaches @t exactly. */
void sim_run_to(struct sim *sim, uint64_t t);
const struct sim_seg *sim_log_at(const struct sim *sim, unsigned i);
/*
 * Stack @i's lower becomes one that holds the payload of every data segment
 * it sends (tcp_lower.output_ref returning TCP_OUT_HELD), as a NIC reading the
 * send ring through its descriptors does, until sim_release(): the segment
 * is delivered at once as usual, but the engine must keep its ring bytes.
 */
void sim_hold_payloads(struct sim *sim, int i);
/* The same with tcp_lower.csum_partial: the sim checks each data segment's seed (the
 * pseudo-header sum, else bad_seeds++) and completes the checksum, as an offloading card. */
void sim_hold_payloads_csum_partial(struct sim *sim, int i);
/* Gives the @k-th oldest held segment of stack @i back (tcp_txref_put); false if the ring bytes
 * it covers changed while held. */
bool sim_release(struct sim *sim, int i, unsigned k);
/* True if every segment stack @i holds still covers the bytes it was sent with. */
bool sim_held_intact(const struct sim *sim, int i);

/* A listener on stack 1 and a connection to it from stack 0 (tcp_sim, tcp_copy). */
struct sim_pair {
	struct tcp_sock *lis, *cli, *srv;
};
/* sim_run condition: accepts on the listener; true once srv exists and cli is ESTABLISHED. */
bool sim_pair_accepted(struct sim *sim, void *arg);
/* Listens on @port of stack 1 (backlog 8) and connects from stack 0 within 120 simulated
 * seconds: 0, the failing call's error, or -ETIMEDOUT when the pair is not ESTABLISHED. */
int sim_connect_pair(struct sim *sim, struct sim_pair *p, uint16_t port);

#define SIM_S  1000000000ULL
#define SIM_MS 1000000ULL

#endif
