/*
 * kernel/console.h - the kernel console: COM1 serial (in and out) mirrored
 * to the VGA text screen (out only), with log levels.
 *
 *   printk(fmt, ...)            always printed
 *   klog(LOG_INFO, fmt, ...)    printed if level <= console loglevel (loglevel=N)
 *   console_read(buf, n)        blocks until at least one byte of input; returns count
 *
 * Output is synchronous (polled UART) and serialised by one lock, so lines
 * from different threads and interrupt handlers never interleave mid-call.
 * Input is interrupt driven into a ring; it is never dropped: a full ring
 * masks the UART's receive interrupt, the UART's FIFO fills, and QEMU stops
 * feeding it until console_read() makes room.
 */
#ifndef KERNEL_CONSOLE_H
#define KERNEL_CONSOLE_H

#include <stddef.h>
#include <stdarg.h>
#include <stdbool.h>

#define LOG_EMERG 0
#define LOG_ERR	  3
#define LOG_WARN  4
#define LOG_INFO  6
#define LOG_DEBUG 7

/* Polled output only: usable before interrupts, threads or memory exist. */
void console_early_init(void);
/* Enables the receive interrupt; needs the interrupt controller. */
void console_input_init(void);
void console_set_loglevel(int level);
int console_loglevel(void);

__attribute__((format(printf, 1, 2))) void printk(const char *fmt, ...);
void vprintk(const char *fmt, va_list ap);
__attribute__((format(printf, 2, 3))) void klog(int level, const char *fmt, ...);
void console_write(const char *s, size_t n);
/* After this, output ignores the console lock: the panic path may have interrupted its holder. */
void console_panic_mode(void);

/* Blocks (sleeps) until input exists, then copies up to @n bytes; returns the count (> 0). */
size_t console_read(char *buf, size_t n);
/* Never blocks: copies up to @n bytes of pending input; returns the count (maybe 0). */
size_t console_rx_take(char *buf, size_t n);
/* If byte @c is in the pending input, drops the input up to and including it
 * (the console's ^C while nobody reads); returns whether it was there. */
bool console_rx_drop_through(char c);
/* @fn runs (IRQ context) after each receive interrupt; the console device uses it. */
void console_rx_set_notify(void (*fn)(void));
struct console_rx_stats {
	size_t pending;		      /* bytes in the input ring */
	bool throttled;		      /* ring full: the UART's receive interrupt is masked */
	unsigned long throttle_count; /* times the ring filled since boot */
};
void console_rx_stats(struct console_rx_stats *out);
/*
 * Tests only: wire the UART's transmitter to its receiver. Output then
 * arrives as input and nothing reaches the host, and loopback has no flow
 * control (a byte sent while the receiver is full overruns it).
 */
void serial_set_loopback(bool on);

/* Output backends (serial.c, vga.c), called under the console lock. */
void serial_init(void);
void serial_putc(char c);
void vga_init(void);
void vga_putc(char c);

#endif
