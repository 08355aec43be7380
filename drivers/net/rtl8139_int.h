/*
 * rtl8139_int.h - private to drivers/net/rtl8139*.c: the card's registers,
 * the per-card state of both modes and the entry of each mode.
 *
 * rtl8139.c probes PCI, resets the card, reads the MAC and picks the mode:
 * C+ (rtl8139_cp.c, descriptor rings) on a chip that has it (PCI revision
 * 0x20 or later, as Linux's 8139cp decides), else, or with `rtl8139=classic`
 * on the command line, the classic mode (rtl8139.c: one receive ring the
 * card copies frames into, four transmit slots). Each mode is an ops table;
 * both share irq_ack and link_up.
 */
#ifndef DRIVERS_NET_RTL8139_INT_H
#define DRIVERS_NET_RTL8139_INT_H

#include <net/netdev.h>
#include <stdbool.h>
#include <stdint.h>

/* 32 KiB measured slower host->guest than 8 KiB (35 vs 56 MiB/s, median of 6). */
#define RTL_CLASSIC_RXRING 8192
/* WRAP mode: a frame may run past the ring's end. */
#define RTL_CLASSIC_RXBUF (RTL_CLASSIC_RXRING + 16 + 1536)
#define RTL_CLASSIC_TXBUF 2048
#define RTL_CP_RX	  128 /* receive descriptors (QEMU's C+ model drops when none is free) */
#define RTL_CP_TX	  64  /* transmit descriptors: QEMU's model wraps at 64 whatever EOR says */
#define RTL_CP_BUF	  2048 /* per descriptor; a frame plus its 4-byte CRC fits */

enum {
	REG_IDR0 = 0x00,
	REG_TSD0 = 0x10,  /* classic: transmit status of slot 0..3 */
	REG_TSAD0 = 0x20, /* classic: slot addresses; C+: 0x20/0x24 the transmit ring's */
	REG_RBSTART = 0x30,
	REG_CR = 0x37,
	REG_CAPR = 0x38,
	REG_IMR = 0x3c,
	REG_ISR = 0x3e,
	REG_TCR = 0x40,
	REG_RCR = 0x44,
	REG_MPC = 0x4c, /* missed packet counter, 24 bits; a write clears it */
	REG_CONFIG1 = 0x52,
	REG_MSR = 0x58,
	REG_TPPOLL = 0xd9, /* C+: write NPQ to make the card read the transmit ring */
	REG_CPCR = 0xe0,   /* C+ command register */
	REG_RDSAR = 0xe4,  /* C+: the receive ring's address, 64 bits */
};

#define CR_BUFE	    0x01
#define CR_TE	    0x04
#define CR_RE	    0x08
#define CR_RST	    0x10
#define RCR_APM_AB  0x0a /* our MAC, broadcast */
#define RCR_WRAP    0x80
#define ISR_ROK	    0x0001
#define ISR_RER	    0x0002
#define ISR_TOK	    0x0004
#define ISR_TER	    0x0008
#define ISR_RXOVW   0x0010 /* classic: ring overflow; C+: no receive descriptor free */
#define ISR_LINKCHG 0x0020
#define ISR_FOVW    0x0040
#define MSR_LINKB   0x04
#define TPPOLL_NPQ  0x40
#define CPCR_TXEN   0x0001
#define CPCR_RXEN   0x0002

/* A C+ descriptor (receive and transmit share the layout), little-endian. */
struct rtl_cp_desc {
	uint32_t opts1; /* OWN, EOR, FS, LS, status, buffer size / frame length */
	uint32_t opts2; /* VLAN tag: unused */
	uint64_t addr;	/* the buffer's physical address */
};

/*
 * C+ mode state. The card owns a descriptor while OWN is set in opts1.
 * Receive: every descriptor is the card's except those between the card's
 * position and rx_next that poll() has not handed back yet. Transmit:
 * descriptors in [tx_clean, tx_tail) were given to the card (OWN set, or
 * cleared by the card and not reclaimed yet); one always stays free.
 */
struct rtl_cp {
	struct rtl_cp_desc rx_ring[RTL_CP_RX] __attribute__((aligned(256)));
	struct rtl_cp_desc tx_ring[RTL_CP_TX] __attribute__((aligned(256)));
	uint8_t rx_buf[RTL_CP_RX][RTL_CP_BUF] __attribute__((aligned(RTL_CP_BUF)));
	uint8_t tx_buf[RTL_CP_TX][RTL_CP_BUF] __attribute__((aligned(RTL_CP_BUF)));
	/* [I] descriptors in use, EOR on the last: RTL_CP_RX, or rtl8139.rx=N */
	unsigned rx_count;
	unsigned rx_next;			/* [D] next descriptor the card completes */
	unsigned tx_tail;			/* [N] next descriptor to fill */
	unsigned tx_clean;			/* [N] oldest descriptor not reclaimed */
	struct netdev_txreq *tx_req[RTL_CP_TX]; /* [N] on an xmit_sg frame's last descriptor */
};

/* Classic mode state. */
struct rtl_classic {
	uint8_t rx_ring[RTL_CLASSIC_RXBUF] __attribute__((aligned(16)));
	uint8_t tx_buf[4][RTL_CLASSIC_TXBUF] __attribute__((aligned(RTL_CLASSIC_TXBUF)));
	unsigned rx_off;  /* [D] offset of the next record in the ring */
	unsigned tx_next; /* [N] next transmit slot */
	bool tx_used[4];  /* [N] slot handed to the card at least once */
};

struct rtl8139 {
	struct netdev dev;
	uint16_t io; /* [I] I/O port base (BAR0) */
	union {	     /* [I] which one: dev.ops */
		struct rtl_cp cp;
		struct rtl_classic classic;
	};
};

/* Shared by both modes' ops tables (rtl8139.c). */
bool rtl_irq_ack(struct netdev *d);
bool rtl_link_up(struct netdev *d);

/*
 * Sets up the C+ rings and starts the card in C+ mode (reset done, MAC read):
 * fills dev.ops. @rx_count receive descriptors (2..RTL_CP_RX) are in use:
 * fewer than RTL_CP_RX only to make the card run out of them (a test).
 */
void rtl_cp_start(struct rtl8139 *c, unsigned rx_count);

#endif
