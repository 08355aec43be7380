/*
 * tio/lread.h - a line reader for the text tools (head, tail, grep, sort,
 * wc): lines of any length, newline kept, every byte is data (unlike
 * tio/linebuf.h, which is the console's and ends lines at CR too).
 *
 *   struct lread r = LREAD_INIT(fd);
 *   while ((n = lread_line(&r, &line)) > 0) ... line[0..n), '\n' last unless
 *                                              it is the input's last line
 *   n == 0: end of input; n < 0: -errno. lread_free(&r) at the end.
 * @line points into the reader's heap buffer, valid until the next call.
 */
#ifndef TIO_LREAD_H
#define TIO_LREAD_H

#include <stddef.h>

struct lread {
	int fd;
	char *buf;
	size_t cap, start, end; /* unconsumed bytes: buf[start..end) */
	int eof;
};

#define LREAD_INIT(fd)                                                                             \
	{                                                                                          \
		(fd), 0, 0, 0, 0, 0                                                                \
	}

long lread_line(struct lread *r, char **line);
void lread_free(struct lread *r);
/* Opens an input operand for reading: "-" is stdin (0). fd or -errno. */
long lread_open(const char *name);
void lread_close(long fd);

#endif
