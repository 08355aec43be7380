/*
 * tio/start.h - the process start ABI: what a user program finds when the
 * kernel enters it. The kernel's exec path implements this; user/lib/crt0.S
 * relies on it.
 *
 * At the ELF entry point (`_start`, from e_entry):
 *   - rsp is 16-byte aligned and points at argc (8 bytes);
 *   - then argv[0] .. argv[argc-1] (8 bytes each), then a NULL;
 *   - then one more NULL, reserved for a future environment vector;
 *   - the strings themselves live above, anywhere in the stack mapping;
 *   - every general register other than rsp is undefined (crt0 clears rbp
 *     so that backtraces stop there); the direction flag is clear;
 *   - the x87/SSE state is clean (fninit: x87 control word 0x37f; MXCSR
 *     0x1f80: all exceptions masked, round to nearest) and the kernel keeps
 *     it for the program from then on, so user code may use floating point.
 * Descriptors 0, 1 and 2 are stdin, stdout and stderr.
 * The program ends with SYS_exit; returning from _start is not allowed.
 */
#ifndef TIO_START_H
#define TIO_START_H

#include <stdint.h>

/* The block rsp points at on entry. */
struct tio_start {
	uint64_t argc;
	char *argv[]; /* argc entries, NULL, then the reserved NULL */
};

/* Called by crt0; its return value is the exit status. */
int main(int argc, char **argv);

#endif
