/*
 * uapi/errno.h - error numbers, Linux values, shared with user space.
 *
 * Kernel functions return them negated (-ENOMEM); 0 or a positive count is
 * success. The async core's port contract requires exactly these values.
 */
#ifndef UAPI_ERRNO_H
#define UAPI_ERRNO_H

#define EPERM		1 /* operation not permitted */
#define ENOENT		2 /* no such entry */
#define ESRCH		3
#define EINTR		4 /* interrupted */
#define EIO		5 /* device I/O error */
#define ENXIO		6
#define E2BIG		7
#define ENOEXEC		8
#define EBADF		9 /* bad handle */
#define ECHILD		10
#define EAGAIN		11 /* try again / resource temporarily exhausted */
#define ENOMEM		12 /* out of memory (a pool or the page allocator) */
#define EACCES		13
#define EFAULT		14 /* bad address */
#define ENOTBLK		15
#define EBUSY		16 /* resource busy */
#define EEXIST		17 /* already exists */
#define EXDEV		18
#define ENODEV		19 /* no such device */
#define ENOTDIR		20
#define EISDIR		21
#define EINVAL		22 /* invalid argument */
#define ENFILE		23
#define EMFILE		24
#define ENOTTY		25
#define ETXTBSY		26
#define EFBIG		27
#define ENOSPC		28 /* no space left */
#define ESPIPE		29
#define EROFS		30
#define EMLINK		31
#define EPIPE		32
#define EDOM		33
#define ERANGE		34 /* result out of range */
#define EDEADLK		35
#define ENAMETOOLONG	36
#define ENOLCK		37
#define ENOSYS		38 /* not implemented */
#define ENOTEMPTY	39
#define ELOOP		40
#define ENOMSG		42
#define ENODATA		61
#define ETIME		62
#define EOVERFLOW	75
#define EBADFD		77
#define EILSEQ		84
#define ENOTSOCK	88
#define EDESTADDRREQ	89
#define EMSGSIZE	90
#define EPROTOTYPE	91
#define ENOPROTOOPT	92
#define EPROTONOSUPPORT 93
#define EOPNOTSUPP	95
#define EAFNOSUPPORT	97
#define EADDRINUSE	98
#define EADDRNOTAVAIL	99
#define ENETDOWN	100
#define ENETUNREACH	101
#define ECONNABORTED	103
#define ECONNRESET	104
#define ENOBUFS		105
#define EISCONN		106
#define ENOTCONN	107
#define ETIMEDOUT	110 /* deadline passed */
#define ECONNREFUSED	111
#define EHOSTDOWN	112
#define EHOSTUNREACH	113
#define EALREADY	114
#define EINPROGRESS	115
#define ECANCELED	125 /* operation cancelled */

#endif
