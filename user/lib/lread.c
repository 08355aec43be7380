/*
 * lread.c - a growable line reader over a descriptor (tio/lread.h). The
 * buffer doubles while a line does not fit, so a line's length is bounded
 * only by memory (-ENOMEM past that).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <tio/lread.h>
#include <tio/sys.h>

#define LREAD_CHUNK 4096

static int make_room(struct lread *r)
{
	char *b;

	if (r->start) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->start = 0;
	}
	if (r->cap - r->end >= LREAD_CHUNK / 2)
		return 0;
	b = realloc(r->buf, r->cap ? r->cap * 2 : LREAD_CHUNK);
	if (!b)
		return -ENOMEM;
	r->buf = b;
	r->cap = r->cap ? r->cap * 2 : LREAD_CHUNK;
	return 0;
}

long lread_line(struct lread *r, char **line)
{
	size_t scanned = 0;

	for (;;) {
		char *nl =
		    r->buf ? memchr(r->buf + r->start + scanned, '\n', r->end - r->start - scanned)
			   : NULL;
		long n;

		if (nl || (r->eof && r->end > r->start)) {
			size_t len =
			    nl ? (size_t)(nl - (r->buf + r->start)) + 1 : r->end - r->start;

			*line = r->buf + r->start;
			r->start += len;
			return (long)len;
		}
		if (r->eof)
			return 0;
		scanned = r->end - r->start;
		if (make_room(r) < 0)
			return -ENOMEM;
		n = sys_read(r->fd, r->buf + r->end, r->cap - r->end);
		if (n < 0)
			return n;
		if (n == 0)
			r->eof = 1;
		r->end += (size_t)n;
	}
}

void lread_free(struct lread *r)
{
	free(r->buf);
	r->buf = NULL;
	r->cap = r->start = r->end = 0;
}

long lread_open(const char *name)
{
	if (!strcmp(name, "-"))
		return 0;
	return sys_open(name, O_RDONLY, 0);
}

void lread_close(long fd)
{
	if (fd > 0)
		sys_close((int)fd);
}
