/*
 * tio/lsfmt.h - `ls -l` lines, busybox layout. Pure; host-tested.
 *
 *   drwxr-xr-x    2 root     root             0 Jan  1 00:00 etc
 *   -rw-r--r--    1 root     root            31 Jan  1 00:00 hello.txt
 *   brw-------    1 root     root        8,   0 Jan  1 00:00 hda
 *
 * The ABI has no owners yet: every file shows as root/root. Times are
 * mtime_ns since the epoch (UTC); a time six months (15778476 s, coreutils'
 * half Gregorian year) or more before @now_ns, or after it, shows the year
 * instead of the hour, as coreutils ls does.
 * Device nodes show "major, minor" from rdev (major = rdev >> 8, minor =
 * rdev & 0xff: the kernel's encoding, to be confirmed by the VFS work).
 */
#ifndef TIO_LSFMT_H
#define TIO_LSFMT_H

#include <stddef.h>
#include <stdint.h>
#include <uapi/fs.h>

#define LSFMT_LINE_MAX (80 + TIO_NAME_MAX)

/* "drwxr-xr-x": 10 characters and a NUL. */
void lsfmt_mode(char out[11], uint32_t mode);
/* "Jan  1 00:00" or "Jan  1  1970": 12 characters and a NUL. */
void lsfmt_time(char out[13], int64_t mtime_ns, int64_t now_ns);
/* The whole line with its newline; returns its length. */
size_t lsfmt_line(char *out, size_t cap, const char *name, const struct tio_stat *st,
		  int64_t now_ns);
/* DT_* of a directory entry -> the S_IF* type bits (0 when unknown). */
uint32_t lsfmt_dt_to_mode(uint8_t dt);

#endif
