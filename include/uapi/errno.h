/*
 * uapi/errno.h - error numbers, Linux values, shared with user space.
 *
 * Kernel functions return them negated (-ENOMEM); 0 or a positive count is
 * success. The async core's port contract requires exactly these values.
 */
#ifndef UAPI_ERRNO_H
#define UAPI_ERRNO_H

#define EPERM	  1   /* operation not permitted */
#define ENOENT	  2   /* no such entry */
#define ESRCH	  3   /* no such process */
#define EINTR	  4   /* interrupted */
#define EIO	  5   /* device I/O error */
#define E2BIG	  7   /* argument list too long */
#define ENOEXEC	  8   /* not a valid executable */
#define EBADF	  9   /* bad handle */
#define ECHILD	  10  /* no such child */
#define EAGAIN	  11  /* try again / resource temporarily exhausted */
#define ENOMEM	  12  /* out of memory (a pool or the page allocator) */
#define EFAULT	  14  /* bad address */
#define EBUSY	  16  /* resource busy */
#define EEXIST	  17  /* already exists */
#define EXDEV	  18  /* across filesystems */
#define ENODEV	  19  /* no such device */
#define ENOTDIR	  20  /* not a directory */
#define EISDIR	  21  /* is a directory */
#define EINVAL	  22  /* invalid argument */
#define EMFILE	  24  /* descriptor table full */
#define ENOTTY	  25  /* not a terminal / no such request */
#define EFBIG	  27  /* file too large */
#define ENOSPC	  28  /* no space left */
#define ESPIPE	  29  /* not seekable */
#define EROFS	  30  /* read-only filesystem */
#define ERANGE	  34  /* result out of range */
#define ENAMETOOLONG 36 /* path or name too long */
#define ENOSYS	  38  /* not implemented */
#define ENOTEMPTY 39  /* directory not empty */
#define ETIMEDOUT 110 /* deadline passed */
#define ECANCELED 125 /* operation cancelled */

#endif
