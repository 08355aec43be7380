/*
 * tio/fmt.h - the printf formatter of the user runtime, free of system calls
 * so that the host tests can check it against the C library's.
 *
 * Conversions: %d %i %u %x %X %o %c %s %p %%, length modifiers l, ll, z, h,
 * hh; flags '-' (left-align), '0' (zero-pad), '+', ' ', '#'; width and
 * precision, each a number or '*'. Precision on %s limits the bytes taken;
 * on integers it is the minimum digit count, as in C. %s of NULL prints
 * "(null)". Unknown conversions are copied as text.
 *
 * Returns the length the full output would have (as C's vsnprintf); at most
 * size - 1 bytes are stored and the buffer is always NUL-terminated when
 * size > 0.
 */
#ifndef TIO_FMT_H
#define TIO_FMT_H

#include <stdarg.h>
#include <stddef.h>

int ulib_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int ulib_snprintf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Text for an error number, positive or negative; "Unknown error N" otherwise. */
const char *ulib_strerror(int err);

#endif
