/*
 * kernel/tty.h - the console line discipline behind /dev/console.
 *
 *   tty_init()       hooks the serial receive interrupt
 *   tty_io_layer     the I/O frame devfs gives the console vnode (state:
 *                    struct vfs_io first); reads complete with one line
 *   tty_set_raw      raw input for a line editor (uapi/tty.h)
 *   tty_set_foreground  the job ^C kills (uapi/tty.h)
 *   tty_begin_foreground  a job is starting: hold a ^C for its SETFG
 *
 * Cooked input for a serial shell: bytes are echoed, backspace (DEL or ^H)
 * erases, CR and LF (and CR LF) end a line, ^D at the start of a line is end
 * of file (read returns 0). A line longer than PARAM_TTY_LINE is delivered in
 * parts. Input is only consumed (and echoed) while a reader waits: bytes
 * that arrive earlier stay in the serial ring, whose flow control holds the
 * sender back, so nothing typed or piped ahead of the shell is lost, and a
 * piped transcript shows each line right after the prompt that reads it.
 */
#ifndef KERNEL_TTY_H
#define KERNEL_TTY_H

#include <async/async.h>
#include <uapi/tty.h>
#include <stdbool.h>

void tty_init(void);
extern const struct async_layer tty_io_layer;

struct tty_stats {
	unsigned readers;    /* reads waiting for a line */
	unsigned line_bytes; /* cooked bytes not yet read */
};
void tty_stats(struct tty_stats *out);

/* TIO_TTY_SETRAW: raw input (true) or the cooked line discipline. */
int tty_set_raw(bool on);
/* TIO_TTY_SETFG: ^C kills these processes if they are children of @owner; n = 0 clears. */
int tty_set_foreground(int owner, const int *pids, unsigned n);
/* TIO_TTY_FGBEGIN: @owner starts a job; a ^C before its SETFG kills what that SETFG names. */
int tty_begin_foreground(int owner);

#endif
