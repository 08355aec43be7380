/*
 * hexdump.c - `hexdump -C` canonical format (tio/hexdump.h).
 *
 * Squeeze state: NORMAL --(full line == prev)--> print "*", SQUEEZING
 *                SQUEEZING --(line differs)--> print it, NORMAL.
 * Only full lines take part; the final partial line is always printed.
 */
#include <string.h>
#include <tio/hexdump.h>

static const char hexd[] = "0123456789abcdef";

static char *put_hex(char *p, uint64_t v, int digits)
{
	for (int i = digits - 1; i >= 0; i--)
		*p++ = hexd[(v >> (4 * i)) & 15];
	return p;
}

size_t hexdump_format_line(char *out, uint64_t off, const uint8_t *b, size_t n)
{
	char *p = put_hex(out, off, 8);

	*p++ = ' ';
	*p++ = ' ';
	for (size_t i = 0; i < 16; i++) {
		if (i < n) {
			p = put_hex(p, b[i], 2);
			*p++ = ' ';
		} else {
			memcpy(p, "   ", 3);
			p += 3;
		}
		if (i == 7)
			*p++ = ' ';
	}
	*p++ = ' ';
	*p++ = '|';
	for (size_t i = 0; i < n; i++)
		*p++ = b[i] >= 0x20 && b[i] < 0x7f ? (char)b[i] : '.';
	*p++ = '|';
	*p++ = '\n';
	*p = '\0';
	return (size_t)(p - out);
}

void hexdump_init(struct hexdump *h, hexdump_emit_fn emit, void *ctx)
{
	memset(h, 0, sizeof(*h));
	h->emit = emit;
	h->ctx = ctx;
}

/* Emits (or squeezes) the full line in h->line. */
static int hexdump_full_line(struct hexdump *h)
{
	char text[HEXDUMP_LINE_MAX];
	size_t n;
	int r = 0;

	if (h->have_prev && !memcmp(h->prev, h->line, 16)) {
		if (!h->squeezing)
			r = h->emit(h->ctx, "*\n", 2);
		h->squeezing = 1;
	} else {
		n = hexdump_format_line(text, h->off, h->line, 16);
		r = h->emit(h->ctx, text, n);
		memcpy(h->prev, h->line, 16);
		h->have_prev = 1;
		h->squeezing = 0;
	}
	h->off += 16;
	h->fill = 0;
	return r;
}

int hexdump_feed(struct hexdump *h, const void *data, size_t len)
{
	const uint8_t *p = data;
	int r = 0;

	while (len && r == 0) {
		size_t n = 16 - h->fill < len ? 16 - h->fill : len;

		memcpy(h->line + h->fill, p, n);
		h->fill += n;
		p += n;
		len -= n;
		if (h->fill == 16)
			r = hexdump_full_line(h);
	}
	return r;
}

int hexdump_finish(struct hexdump *h)
{
	char text[HEXDUMP_LINE_MAX];
	size_t n;
	int r;

	if (h->fill) {
		n = hexdump_format_line(text, h->off, h->line, h->fill);
		r = h->emit(h->ctx, text, n);
		if (r)
			return r;
		h->off += h->fill;
		h->fill = 0;
	}
	if (h->off == 0)
		return 0;
	n = (size_t)(put_hex(text, h->off, 8) - text);
	text[n++] = '\n';
	return h->emit(h->ctx, text, n);
}
