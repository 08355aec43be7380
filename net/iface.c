/*
 * iface.c - interfaces, the stack's thread, interrupts and routing.
 *
 * Receive path: a NIC's interrupt runs netdev_irq() (IRQ context), which
 * asks each card on the line whether it raised it (ops->irq_ack) and wakes
 * the stack's thread. The thread polls every card (ops->poll -> netdev_rx
 * -> eth_input under net_lock), then runs the timers (ARP retries and
 * expiry, reassembly expiry, DHCP) and TCP's, which wake it at their own
 * deadline (net_tcp_deadline). It also wakes every NET_TICK_NS, so a
 * lost interrupt delays a frame, never loses it.
 *
 * Routing: an interface's own subnet is on-link; everything else goes to
 * the first configured interface's gateway (the default route).
 */
#include <arch/x86_64/trap.h>
#include <kernel/boot.h>
#include <kernel/console.h>
#include <kernel/sched.h>
#include <kernel/string.h>
#include <kernel/time.h>
#include <kernel/waitq.h>
#include <lib/fmt.h>
#include <uapi/errno.h>
#include "net_int.h"

struct spinlock net_lock = SPINLOCK_INIT;
struct net_if net_ifs[NET_IF_MAX];
unsigned net_nifs;

static struct netdev *irq_devs[IRQ_COUNT]; /* [I] cards on each line */
static struct waitq net_wq;
static bool net_kick; /* [a] an interrupt arrived since the thread last looked */

uint64_t net_now(void)
{
	return clock_now_ns();
}

struct net_if *net_if_of(struct netdev *d)
{
	for (unsigned i = 0; i < net_nifs; i++)
		if (net_ifs[i].dev == d)
			return &net_ifs[i];
	return NULL;
}

struct net_if *net_route(uint32_t dst, uint32_t *nexthop)
{
	struct net_if *dflt = NULL;

	for (unsigned i = 0; i < net_nifs; i++) {
		struct net_if *ifp = &net_ifs[i];

		if (!ifp->addr)
			continue;
		if (((dst ^ ifp->addr) & ifp->netmask) == 0 || dst == IP_BROADCAST) {
			*nexthop = dst;
			return ifp;
		}
		if (!dflt && ifp->gateway)
			dflt = ifp;
	}
	if (dflt)
		*nexthop = dflt->gateway;
	return dflt;
}

static void netdev_irq(void *arg)
{
	bool ours = false;

	for (struct netdev *d = arg; d; d = d->irq_next)
		if (d->ops->irq_ack(d)) {
			__atomic_add_fetch(&d->counters.irqs, 1, __ATOMIC_RELAXED);
			ours = true;
		}
	if (ours) {
		__atomic_store_n(&net_kick, true, __ATOMIC_RELEASE);
		waitq_wake_all(&net_wq);
	}
}

int netdev_register(struct netdev *d)
{
	unsigned long f = spin_lock_irqsave(&net_lock);
	struct net_if *ifp;

	if (net_nifs == NET_IF_MAX) {
		spin_unlock_irqrestore(&net_lock, f);
		return -ENOSPC;
	}
	ifp = &net_ifs[net_nifs];
	memset(ifp, 0, sizeof(*ifp));
	ifp->dev = d;
	ifp->index = net_nifs;
	fmt_snprintf(d->name, sizeof(d->name), "eth%u", net_nifs);
	net_nifs++;
	spin_unlock_irqrestore(&net_lock, f);
	if (d->irq >= 0 && d->irq < IRQ_COUNT) {
		/* Cards sharing a line chain on the first one's handler. */
		arch_irq_mask((unsigned)d->irq);
		d->irq_next = irq_devs[d->irq];
		irq_devs[d->irq] = d;
		if (!d->irq_next && arch_irq_register((unsigned)d->irq, netdev_irq, d))
			return -EBUSY;
		arch_irq_unmask((unsigned)d->irq);
	}
	klog(LOG_INFO, "%s: %s, MAC %02x:%02x:%02x:%02x:%02x:%02x, irq %d\n", d->name, d->ops->kind,
	     d->mac[0], d->mac[1], d->mac[2], d->mac[3], d->mac[4], d->mac[5], d->irq);
	return 0;
}

struct netdev_txcur netdev_txcur(const struct netdev_txreq *r)
{
	return (struct netdev_txcur){.r = r, .off = r->off, .left = r->len};
}

bool netdev_txcur_next(struct netdev_txcur *c, uint64_t *phys, size_t *n)
{
	const struct async_sg *sg = c->r->sg;

	for (; c->i < c->r->nsg && c->left; c->i++) {
		if (c->off >= sg[c->i].len) {
			c->off -= sg[c->i].len;
			continue;
		}
		*phys = sg[c->i].phys + c->off;
		*n = c->left < sg[c->i].len - c->off ? c->left : sg[c->i].len - c->off;
		c->left -= *n;
		c->off = 0;
		c->i++;
		return true;
	}
	return false;
}

unsigned netdev_txreq_pieces(const struct netdev_txreq *r, unsigned max)
{
	struct netdev_txcur cur = netdev_txcur(r);
	uint64_t phys;
	size_t len;
	unsigned n = 0;

	while (n <= max && netdev_txcur_next(&cur, &phys, &len))
		n++;
	return cur.left ? max + 1 : n;
}

void netdev_rx(struct netdev *d, const void *frame, size_t len)
{
	struct net_if *ifp = net_if_of(d);
	unsigned long f;

	__atomic_add_fetch(&d->counters.rx_packets, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&d->counters.rx_bytes, len, __ATOMIC_RELAXED);
	if (!ifp)
		return;
	f = spin_lock_irqsave(&net_lock);
	eth_input(ifp, frame, len);
	spin_unlock_irqrestore(&net_lock, f);
	net_complete_deferred();
}

void net_wake_thread(void)
{
	__atomic_store_n(&net_kick, true, __ATOMIC_RELEASE);
	waitq_wake_all(&net_wq);
}

static bool net_wake_cond(void *arg)
{
	(void)arg;
	return __atomic_load_n(&net_kick, __ATOMIC_ACQUIRE);
}

static void net_timers(void)
{
	uint64_t now = net_now();
	unsigned long f = spin_lock_irqsave(&net_lock);

	arp_tick(now);
	ip_reasm_tick(now);
	for (unsigned i = 0; i < net_nifs; i++)
		dhcp_tick(&net_ifs[i], now);
	spin_unlock_irqrestore(&net_lock, f);
	net_complete_deferred();
}

/* Sends the cards finished reading from the senders' pages complete. */
static void net_tx_reclaim(void)
{
	unsigned long f = spin_lock_irqsave(&net_lock);

	for (unsigned i = 0; i < net_nifs; i++)
		if (net_ifs[i].dev->ops->tx_reclaim)
			net_ifs[i].dev->ops->tx_reclaim(net_ifs[i].dev);
	net_tcp_tx_done();
	spin_unlock_irqrestore(&net_lock, f);
	net_complete_deferred();
}

/* Runs TCP's timers if due; returns its next deadline (they have their own, finer than
 * NET_TICK_NS: delayed ACKs, retransmissions). */
static uint64_t net_tcp_timers(void)
{
	unsigned long f = spin_lock_irqsave(&net_lock);
	uint64_t due;

	net_tcp_tick(net_now());
	due = net_tcp_deadline();
	spin_unlock_irqrestore(&net_lock, f);
	net_complete_deferred();
	return due;
}

static void net_thread(void *arg)
{
	uint64_t next_tick = 0;

	(void)arg;
	for (;;) {
		__atomic_store_n(&net_kick, false, __ATOMIC_RELEASE);
		for (unsigned i = 0; i < net_nifs; i++)
			while (net_ifs[i].dev->ops->poll(net_ifs[i].dev, 32) == 32)
				;
		net_tx_reclaim();
		if (net_now() >= next_tick) {
			net_timers();
			next_tick = net_now() + NET_TICK_NS;
		}
		uint64_t tcp_due = net_tcp_timers();

		waitq_wait_event(&net_wq, net_wake_cond, NULL,
				 tcp_due < next_tick ? tcp_due : next_tick);
	}
}

static bool net_all_bound(void)
{
	unsigned long f = spin_lock_irqsave(&net_lock);
	bool all = true;

	for (unsigned i = 0; i < net_nifs; i++)
		all &= net_ifs[i].dhcp != DHCP_SELECTING && net_ifs[i].dhcp != DHCP_REQUESTING;
	spin_unlock_irqrestore(&net_lock, f);
	return all;
}

/* Boot waits a little for the leases, so init starts with its addresses (and the lease
 * messages come before the shell's prompt); DHCP goes on in the background after that. */
static void net_wait_leases(void)
{
	uint64_t deadline = net_now() + NET_BOOT_DHCP_NS;

	while (!net_all_bound() && net_now() < deadline)
		thread_sleep_ns(10 * 1000000ULL);
}

void net_init(void)
{
	struct thread *t;

	waitq_init(&net_wq);
	net_zero_copy_off =
	    kernel_cmdline_get("netzerocopy") && !strcmp(kernel_cmdline_get("netzerocopy"), "off");
	net_csum_offload_off = kernel_cmdline_get("netcsumoffload") &&
			       !strcmp(kernel_cmdline_get("netcsumoffload"), "off");
	e1000_probe();
	rtl8139_probe();
	if (!net_nifs) {
		klog(LOG_INFO, "net: no network card found\n");
		return;
	}
	net_tcp_init();
	if (thread_create("net", net_thread, NULL, 0, &t)) {
		klog(LOG_ERR, "net: cannot start the stack's thread\n");
		return;
	}
	if (kernel_cmdline_has("nodhcp"))
		return;
	for (unsigned i = 0; i < net_nifs; i++) {
		unsigned long f = spin_lock_irqsave(&net_lock);

		dhcp_start(&net_ifs[i]);
		spin_unlock_irqrestore(&net_lock, f);
	}
	net_wait_leases();
}

static void if_fill(const struct net_if *ifp, struct tio_ifreq *r)
{
	const struct netdev *d = ifp->dev;

	memset(r, 0, sizeof(*r));
	strlcpy(r->name, d->name, sizeof(r->name));
	memcpy(r->mac, d->mac, 6);
	r->flags = (uint16_t)ifp->flags;
	r->addr = ifp->addr;
	r->netmask = ifp->netmask;
	r->gateway = ifp->gateway;
	r->mtu = NETDEV_MTU;
	r->rx_packets = __atomic_load_n(&d->counters.rx_packets, __ATOMIC_RELAXED);
	r->tx_packets = __atomic_load_n(&d->counters.tx_packets, __ATOMIC_RELAXED);
	r->rx_bytes = __atomic_load_n(&d->counters.rx_bytes, __ATOMIC_RELAXED);
	r->tx_bytes = __atomic_load_n(&d->counters.tx_bytes, __ATOMIC_RELAXED);
}

int net_if_list(struct tio_ifreq *out, unsigned max)
{
	unsigned long f = spin_lock_irqsave(&net_lock);
	unsigned n = net_nifs < max ? net_nifs : max;

	for (unsigned i = 0; i < n; i++)
		if_fill(&net_ifs[i], &out[i]);
	spin_unlock_irqrestore(&net_lock, f);
	return (int)n;
}

/* A netmask must be contiguous ones from the top: 255.255.254.0 yes, 255.0.255.0 no. */
static bool netmask_ok(uint32_t mask_n)
{
	uint32_t m =
	    (mask_n & 0xff) << 24 | (mask_n & 0xff00) << 8 | (mask_n >> 8 & 0xff00) | mask_n >> 24;

	return (~m & (~m + 1)) == 0;
}

int net_if_set(const struct tio_ifreq *req)
{
	unsigned long f;
	int err = -ENODEV;

	if (!netmask_ok(req->netmask) || req->addr == 0 || req->addr == IP_BROADCAST)
		return -EINVAL;
	f = spin_lock_irqsave(&net_lock);
	for (unsigned i = 0; i < net_nifs; i++) {
		struct net_if *ifp = &net_ifs[i];

		if (strncmp(ifp->dev->name, req->name, sizeof(req->name)))
			continue;
		ifp->dhcp = DHCP_OFF;
		ifp->addr = req->addr;
		ifp->netmask = req->netmask;
		ifp->gateway = 0;
		ifp->flags = TIO_IFF_UP;
		err = 0;
	}
	spin_unlock_irqrestore(&net_lock, f);
	return err;
}

static const char *const dhcp_names[] = {
    [DHCP_OFF] = "off",	    [DHCP_SELECTING] = "selecting", [DHCP_REQUESTING] = "requesting",
    [DHCP_BOUND] = "bound", [DHCP_RENEWING] = "renewing",   [DHCP_REBINDING] = "rebinding",
};

bool net_if_line(unsigned i, char *buf, size_t cap)
{
	unsigned long f = spin_lock_irqsave(&net_lock);
	struct net_if *ifp = i < net_nifs ? &net_ifs[i] : NULL;
	const uint8_t *a, *m, *g;
	struct netdev *d;

	if (ifp) {
		d = ifp->dev;
		a = (const uint8_t *)&ifp->addr;
		m = (const uint8_t *)&ifp->netmask;
		g = (const uint8_t *)&ifp->gateway;
		fmt_snprintf(
		    buf, cap,
		    "%s %s link %s inet %u.%u.%u.%u mask %u.%u.%u.%u gw %u.%u.%u.%u dhcp %s "
		    "renewals %u rx %lu tx %lu rx-drop %lu tx-drop %lu irqs %lu rx-missed %lu "
		    "rx-wraps %lu tx-zero-copy %lu",
		    d->name, d->ops->kind, d->ops->link_up(d) ? "up" : "down", a[0], a[1], a[2],
		    a[3], m[0], m[1], m[2], m[3], g[0], g[1], g[2], g[3], dhcp_names[ifp->dhcp],
		    ifp->dhcp_renewals, d->counters.rx_packets, d->counters.tx_packets,
		    d->counters.rx_dropped, d->counters.tx_dropped, d->counters.irqs,
		    d->counters.rx_missed, d->counters.rx_ring_wraps, d->counters.tx_zero_copy);
	}
	spin_unlock_irqrestore(&net_lock, f);
	return ifp != NULL;
}
