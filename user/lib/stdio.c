/*
 * stdio.c - formatted output to descriptors (stdio.h). Each call formats
 * into a stack buffer and writes it in one go; output longer than the buffer
 * is formatted a second time into the heap, so nothing is ever cut short.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tio/fmt.h>
#include <tio/sys.h>

#define STDIO_STACKBUF 512 /* bytes formatted on the stack before using the heap */

int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		long n = sys_write(fd, p, len);

		if (n < 0)
			return (int)n;
		if (n == 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int vdprintf(int fd, const char *fmt, va_list ap)
{
	char small[STDIO_STACKBUF], *buf = small;
	va_list aq;
	int n, r;

	va_copy(aq, ap);
	n = fmt_vsnprintf(small, sizeof(small), fmt, ap);
	if (n >= (int)sizeof(small)) {
		buf = malloc((size_t)n + 1);
		if (!buf) {
			va_end(aq);
			return -ENOMEM;
		}
		fmt_vsnprintf(buf, (size_t)n + 1, fmt, aq);
	}
	va_end(aq);
	r = write_all(fd, buf, (size_t)n);
	if (buf != small)
		free(buf);
	return r < 0 ? r : n;
}

int dprintf(int fd, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vdprintf(fd, fmt, ap);
	va_end(ap);
	return n;
}

/* This runtime's streams are descriptors, so fprintf is dprintf. */
int fprintf(int fd, const char *fmt, ...) __attribute__((alias("dprintf")));

int printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vdprintf(stdout, fmt, ap);
	va_end(ap);
	return n;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	return fmt_vsnprintf(buf, size, fmt, ap);
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

int fputs(const char *s, int fd)
{
	return write_all(fd, s, strlen(s));
}

int puts(const char *s)
{
	int r = fputs(s, stdout);

	return r < 0 ? r : fputs("\n", stdout);
}

int putchar(int c)
{
	char ch = (char)c;
	int r = write_all(stdout, &ch, 1);

	return r < 0 ? r : c;
}
