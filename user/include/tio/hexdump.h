/*
 * tio/hexdump.h - `hexdump -C` formatting, streaming. Pure; host-tested
 * against the util-linux tool's exact output.
 *
 * Lines: "%08x  " offset, 16 bytes as "xx " with one extra space after the
 * eighth, then " |printable|". A full line equal to the previous one prints
 * "*" once for the whole run. hexdump_finish() prints the last partial line
 * and the total length as "%08x". Empty input prints nothing.
 */
#ifndef TIO_HEXDUMP_H
#define TIO_HEXDUMP_H

#include <stddef.h>
#include <stdint.h>

#define HEXDUMP_LINE_MAX 80 /* one formatted line, newline and NUL included */

/* Receives each formatted line (with its newline); returns 0 or -errno to stop. */
typedef int (*hexdump_emit_fn)(void *ctx, const char *line, size_t len);

struct hexdump {
	hexdump_emit_fn emit; /* [I] */
	void *ctx;	      /* [I] */
	uint64_t off;	      /* [O] offset of @line[0] */
	uint8_t line[16];     /* [O] bytes of the line being filled */
	size_t fill;	      /* [O] */
	uint8_t prev[16];     /* [O] the last full line printed; valid iff have_prev */
	int have_prev;	      /* [O] */
	int squeezing;	      /* [O] a "*" has been printed for the current run */
};

void hexdump_init(struct hexdump *h, hexdump_emit_fn emit, void *ctx);
int hexdump_feed(struct hexdump *h, const void *data, size_t len);
int hexdump_finish(struct hexdump *h);
/* Formats one line of @n (1..16) bytes at @off; returns its length. */
size_t hexdump_format_line(char *out, uint64_t off, const uint8_t *b, size_t n);

#endif
