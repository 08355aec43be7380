/*
 * stdio.h (user runtime) - formatted output straight to descriptors.
 *
 * There is no FILE: stdin/stdout/stderr are the descriptor numbers, so
 * `fprintf(stderr, ...)` reads as usual and writes to fd 2. printf output is
 * buffered per call only (one write per call), so lines never interleave
 * within a call. Formats: see lib/fmt.h.
 */
#ifndef ULIBC_STDIO_H
#define ULIBC_STDIO_H

#include <stdarg.h>
#include <stddef.h>

#define stdin  0
#define stdout 1
#define stderr 2
#define EOF    (-1)

int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int fprintf(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int dprintf(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int vdprintf(int fd, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int puts(const char *s);
int fputs(const char *s, int fd);
int putchar(int c);

/* Writes all of @len bytes (retrying short writes); 0 or a negative errno. */
int write_all(int fd, const void *buf, size_t len);

#endif
