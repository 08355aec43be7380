/*
 * tio/linebuf.h - a line reader over a descriptor (getline-like), pure enough
 * to be host-tested: the byte source is a function pointer.
 *
 *   struct linebuf lb;
 *   linebuf_init(&lb, 0, sys_read_fn);
 *   while ((n = linebuf_get(&lb, line, sizeof(line))) != LINEBUF_EOF) ...
 *
 * A line longer than the caller's buffer is never truncated silently nor
 * split: it is consumed up to and including its newline and reported as
 * -E2BIG, and the next call starts on the next line. The last line of the
 * input needs no newline. A line ends at LF, CR or CR LF (serial terminals
 * send CR for Enter; a CR LF pair is one line end, even split across reads). A NUL byte inside a
 * line is kept (the caller gets the length).
 */
#ifndef TIO_LINEBUF_H
#define TIO_LINEBUF_H

#include <stddef.h>

#define LINEBUF_CHUNK 512     /* bytes asked of the source per read */
#define LINEBUF_EOF   (-1000) /* end of input: distinct from any -errno */

/* Reads up to @len bytes from @fd: bytes read, 0 at end of input, or -errno. */
typedef long (*linebuf_read_fn)(int fd, void *buf, size_t len);

struct linebuf {
	int fd;			 /* [I] */
	linebuf_read_fn read;	 /* [I] */
	size_t start, end;	 /* [O] unconsumed bytes are buf[start..end) */
	int eof;		 /* [O] the source returned 0 */
	int after_cr;		 /* [O] the last line ended with CR: skip one LF */
	char buf[LINEBUF_CHUNK]; /* [O] */
};

void linebuf_init(struct linebuf *lb, int fd, linebuf_read_fn read);

/*
 * Stores the next line without its newline, NUL-terminated, in @line (@cap
 * bytes). Returns its length; -E2BIG for a too-long line (consumed and
 * dropped); LINEBUF_EOF at end of input; a negative errno from the source.
 */
long linebuf_get(struct linebuf *lb, char *line, size_t cap);

#endif
