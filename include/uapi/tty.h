/*
 * uapi/tty.h - ioctl requests on the console (/dev/console), for the shell's
 * line editor and job control. On any other descriptor they are -ENOTTY.
 */
#ifndef UAPI_TTY_H
#define UAPI_TTY_H

#include <stdint.h>

/*
 * arg 1: raw input: a read returns the bytes typed so far (at least one),
 * nothing is echoed and no byte is special. arg 0: cooked (the default): the
 * line discipline of docs/syscalls.md. Anything else is -EINVAL.
 */
#define TIO_TTY_SETRAW 0x5401

/*
 * arg: const struct tio_tty_fg *: the console's foreground job. ^C typed
 * while cooked input is in effect kills each listed process that is a child
 * of the caller (status TIO_WKILLED | 2) and drops the line being typed;
 * n = 0 clears the job. -EINVAL for n > TIO_TTY_FG_MAX, -EFAULT.
 */
#define TIO_TTY_SETFG 0x5402

#define TIO_TTY_FG_MAX 16

/*
 * arg 0: the caller starts a foreground job (before spawning it): the job is
 * cleared, and a ^C typed in cooked mode from now until the caller's next
 * TIO_TTY_SETFG is held (the line being typed is dropped at once) and kills
 * the processes that SETFG names; a SETFG with n = 0 drops it. Without it,
 * a ^C read by the job's first command before the shell names its pid would
 * be lost. A nonzero arg is -EINVAL.
 */
#define TIO_TTY_FGBEGIN 0x5403

struct tio_tty_fg {
	uint32_t n;
	int32_t pids[TIO_TTY_FG_MAX];
};

#endif
