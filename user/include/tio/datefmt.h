/*
 * tio/datefmt.h - `date` formatting in UTC, as coreutils `date -u` prints
 * it. Pure; host-tested against the C library's strftime/gmtime.
 *
 *   datefmt(buf, cap, DATEFMT_DEFAULT, s, ns)  -> "Wed Dec  2 05:10:00 UTC 2026"
 *
 * Specifiers: %a %A %b %h %B %c %C %d %D %e %F %H %I %j %k %l %m %M %n %N
 * %p %r %R %s %S %t %T %u %w %x %X %y %Y %z %Z %%. Time zone is always UTC
 * (%z is +0000). An unknown specifier is copied as is, like coreutils.
 * Returns the length written (the text is cut to fit @cap, NUL-terminated).
 */
#ifndef TIO_DATEFMT_H
#define TIO_DATEFMT_H

#include <stddef.h>
#include <stdint.h>

#define DATEFMT_DEFAULT "%a %b %e %H:%M:%S UTC %Y"

size_t datefmt(char *out, size_t cap, const char *fmt, int64_t s, long ns);

#endif
