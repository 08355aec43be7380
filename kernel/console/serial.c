/*
 * serial.c - the COM1 UART (16550A): polled output, interrupt-driven input.
 *
 * Input flow control, the one rule here: a received byte is only read out of
 * the UART when the ring has room for it. When the ring fills, the receive
 * interrupt is masked (IER.ERBFI = 0) and bytes stay in the UART FIFO; once
 * that is full QEMU's serial backend stops accepting from its chardev, which
 * is the back-pressure the sender sees. console_read() makes room and
 * unmasks the interrupt, which fires at once if bytes are waiting.
 *
 * Ring: [L] under rx_lock; head/tail are free-running counters.
 */
#include <arch/x86_64/cpu.h>
#include <arch/x86_64/trap.h>
#include <kernel/console.h>
#include <kernel/param.h>
#include <kernel/waitq.h>

#define COM1	   0x3f8
#define UART_RBR   0 /* receive buffer (read) / transmit holding (write) */
#define UART_IER   1
#define UART_LCR   3
#define UART_MCR   4
#define UART_LSR   5
#define LSR_DR	   0x01 /* data ready */
#define LSR_THRE   0x20 /* transmit holding register empty */
#define IER_RX	   0x01
#define MCR_NORMAL 0x0b /* DTR, RTS, OUT2 (OUT2 routes the IRQ to the PIC) */
#define MCR_LOOP   0x10 /* transmitter wired to receiver, nothing leaves */

#define RX_MASK (PARAM_CONSOLE_RX_RING - 1)
_Static_assert((PARAM_CONSOLE_RX_RING & RX_MASK) == 0, "rx ring size must be a power of two");

static struct spinlock rx_lock = SPINLOCK_INIT;
static char rx_ring[PARAM_CONSOLE_RX_RING]; /* [L] */
static unsigned rx_head, rx_tail;	    /* [L] bytes in ring = head - tail */
static bool rx_throttled;		/* [L] receive interrupt masked because the ring filled */
static unsigned long rx_throttle_count; /* [L] times the ring filled */
static struct waitq rx_wait = WAITQ_INIT(rx_wait);
static void (*rx_notify)(void); /* [I] once set: told after every receive interrupt */

void serial_init(void)
{
	outb(COM1 + UART_IER, 0x00);
	outb(COM1 + UART_LCR, 0x80); /* DLAB: divisor follows */
	outb(COM1 + 0, 0x01);	     /* 115200 baud = 115200 / 1 */
	outb(COM1 + 1, 0x00);
	outb(COM1 + UART_LCR, 0x03); /* 8N1 */
	/*
	 * FCR is left as the firmware set it: switching the FIFOs on flushes
	 * them, and input may already be waiting (the sender does not know we
	 * are booting). Input works the same with or without the FIFO.
	 */
	outb(COM1 + UART_MCR, MCR_NORMAL);
}

void serial_putc(char c)
{
	while (!(inb(COM1 + UART_LSR) & LSR_THRE))
		arch_pause();
	outb(COM1 + UART_RBR, (uint8_t)c);
}

/* Moves bytes from the UART to the ring while there is room; caller holds rx_lock. */
static void __serial_drain_uart(void)
{
	while (inb(COM1 + UART_LSR) & LSR_DR) {
		if (rx_head - rx_tail == PARAM_CONSOLE_RX_RING) {
			rx_throttled = true;
			rx_throttle_count++;
			outb(COM1 + UART_IER, 0x00);
			return;
		}
		rx_ring[rx_head++ & RX_MASK] = (char)inb(COM1 + UART_RBR);
	}
}

static void serial_irq(void *arg)
{
	(void)arg;
	__spin_lock(&rx_lock);
	__serial_drain_uart();
	__spin_unlock(&rx_lock);
	waitq_wake_all(&rx_wait);
	if (rx_notify)
		rx_notify();
}

void console_rx_set_notify(void (*fn)(void))
{
	__atomic_store_n(&rx_notify, fn, __ATOMIC_RELEASE);
}

void console_input_init(void)
{
	arch_irq_register(IRQ_COM1, serial_irq, NULL);
	outb(COM1 + UART_IER, IER_RX);
}

void console_rx_stats(struct console_rx_stats *out)
{
	unsigned long f = spin_lock_irqsave(&rx_lock);

	out->pending = rx_head - rx_tail;
	out->throttled = rx_throttled;
	out->throttle_count = rx_throttle_count;
	spin_unlock_irqrestore(&rx_lock, f);
}

void serial_set_loopback(bool on)
{
	outb(COM1 + UART_MCR, on ? MCR_NORMAL | MCR_LOOP : MCR_NORMAL);
}

/* Makes room: the UART may hold bytes the ring had no space for. rx_lock held. */
static void __serial_unthrottle(void)
{
	if (rx_throttled) {
		rx_throttled = false;
		outb(COM1 + UART_IER, IER_RX);
	}
}

bool console_rx_drop_through(char c)
{
	unsigned long f = spin_lock_irqsave(&rx_lock);
	unsigned i = rx_tail;
	bool found = false;

	while (i != rx_head && !found)
		found = rx_ring[i++ & RX_MASK] == c;
	if (found) {
		rx_tail = i;
		__serial_unthrottle();
	}
	spin_unlock_irqrestore(&rx_lock, f);
	return found;
}

size_t console_rx_take(char *buf, size_t n)
{
	unsigned long f = spin_lock_irqsave(&rx_lock);
	size_t got = 0;

	while (got < n && rx_tail != rx_head)
		buf[got++] = rx_ring[rx_tail++ & RX_MASK];
	if (got)
		__serial_unthrottle();
	spin_unlock_irqrestore(&rx_lock, f);
	return got;
}

size_t console_read(char *buf, size_t n)
{
	unsigned long f = spin_lock_irqsave(&rx_lock);
	size_t got = 0;

	while (rx_head == rx_tail)
		waitq_wait_locked(&rx_wait, &rx_lock, &f, WAITQ_FOREVER);
	while (got < n && rx_tail != rx_head)
		buf[got++] = rx_ring[rx_tail++ & RX_MASK];
	__serial_unthrottle();
	spin_unlock_irqrestore(&rx_lock, f);
	return got;
}
