/*
 * kernel/format.h - printf-style formatting into a character sink.
 *
 * Supports %d %i %u %x %X %o %p %s %c %% with flags '-', '0', '#', field width,
 * precision for %s, and the length modifiers l, ll, z. Unknown conversions
 * print themselves. No floating point (the kernel is -mgeneral-regs-only).
 */
#ifndef KERNEL_FORMAT_H
#define KERNEL_FORMAT_H

#include <stdarg.h>
#include <stddef.h>

/* Calls @put for every output character; returns the number of characters. */
int kformat(void (*put)(char c, void *ctx), void *ctx, const char *fmt, va_list ap);
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
__attribute__((format(printf, 3, 4))) int ksnprintf(char *buf, size_t size, const char *fmt, ...);

#endif
