/*
 * lib/fmt.h - printf-style formatting, one implementation for the kernel and
 * the user runtime (lib/fmt.c). Freestanding: no allocation, no system calls.
 *
 * Conversions: %d %i %u %x %X %o %c %s %p %%, length modifiers l, ll, z, h,
 * hh; flags '-' (left-align), '0' (zero-pad), '+', ' ', '#'; width and
 * precision, each a number or '*'. Precision on %s limits the bytes taken;
 * on integers it is the minimum digit count, as in C. %p prints 0x and the
 * address in hex; %s of NULL prints "(null)". Unknown conversions are copied
 * as text. No floating point (the kernel is built -mgeneral-regs-only).
 * The host tests check it against the C library's printf (user/tests/test_fmt.c).
 */
#ifndef LIB_FMT_H
#define LIB_FMT_H

#include <stdarg.h>
#include <stddef.h>

/* Calls @put for every output character; returns the number of characters. */
int fmt_format(void (*put)(char c, void *ctx), void *ctx, const char *fmt, va_list ap);
/*
 * Returns the length the full output would have (as C's vsnprintf); at most
 * @size - 1 bytes are stored, and @buf is always NUL-terminated when @size > 0.
 */
int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
__attribute__((format(printf, 3, 4))) int fmt_snprintf(char *buf, size_t size, const char *fmt,
						       ...);

#endif
