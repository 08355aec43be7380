/*
 * errno.h (user runtime) - error numbers: the kernel's, Linux values. System
 * calls return them negated; there is no global errno.
 */
#ifndef ULIBC_ERRNO_H
#define ULIBC_ERRNO_H

#include <uapi/errno.h>

#define EWOULDBLOCK EAGAIN
#define ENOTSUP	    EOPNOTSUPP

#endif
