/*
 * tio/fmt.h - formatting and error texts of the user runtime, free of system
 * calls so that the host tests can check them against the C library's. The
 * printf formatter itself is shared with the kernel: lib/fmt.h.
 */
#ifndef TIO_FMT_H
#define TIO_FMT_H

#include <lib/fmt.h>

/* Text for an error number, positive or negative; "Unknown error N" otherwise. */
const char *ulib_strerror(int err);

#endif
