/*
 * linebuf.c - line reader over a byte source (tio/linebuf.h).
 *
 * The buffer refills only when it holds no newline; a line that outgrows the
 * caller's buffer switches to discarding until its newline, so memory use is
 * bounded by the caller's buffer whatever the input.
 */
#include <errno.h>
#include <string.h>
#include <tio/linebuf.h>

void linebuf_init(struct linebuf *lb, int fd, linebuf_read_fn read)
{
	lb->fd = fd;
	lb->read = read;
	lb->start = lb->end = 0;
	lb->eof = 0;
	lb->after_cr = 0;
}

/* Refills the buffer; 1 if bytes arrived, 0 at end of input, or -errno. */
static long linebuf_fill(struct linebuf *lb)
{
	long n;

	if (lb->eof)
		return 0;
	lb->start = lb->end = 0;
	n = lb->read(lb->fd, lb->buf, sizeof(lb->buf));
	if (n < 0)
		return n;
	if (n == 0) {
		lb->eof = 1;
		return 0;
	}
	lb->end = (size_t)n;
	return 1;
}

/* Index of the first line end ('\n' or '\r') in p[0..n), or n. */
static size_t line_end(const char *p, size_t n)
{
	size_t i = 0;

	while (i < n && p[i] != '\n' && p[i] != '\r')
		i++;
	return i;
}

long linebuf_get(struct linebuf *lb, char *line, size_t cap)
{
	size_t len = 0;
	int too_long = 0, any = 0;
	long r;

	for (;;) {
		if (lb->start == lb->end) {
			r = linebuf_fill(lb);
			if (r < 0)
				return r;
			if (r == 0)
				break; /* end of input ends the last line */
		}
		if (lb->after_cr && lb->buf[lb->start] == '\n') {
			lb->start++; /* the LF of a CR LF pair: that line already ended */
			lb->after_cr = 0;
			continue;
		}
		lb->after_cr = 0;
		char *p = lb->buf + lb->start;
		size_t avail = lb->end - lb->start, take = line_end(p, avail);

		any = 1;
		if (!too_long && len + take < cap) {
			memcpy(line + len, p, take);
			len += take;
		} else {
			too_long = 1;
		}
		lb->start += take;
		if (take < avail) {
			lb->after_cr = p[take] == '\r';
			lb->start++;
			break;
		}
	}
	if (!any)
		return LINEBUF_EOF;
	if (too_long)
		return -E2BIG;
	if (cap)
		line[len] = '\0';
	return (long)len;
}
