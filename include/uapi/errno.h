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
#define EINTR	  4   /* interrupted */
#define EIO	  5   /* device I/O error */
#define EBADF	  9   /* bad handle */
#define EAGAIN	  11  /* try again / resource temporarily exhausted */
#define ENOMEM	  12  /* out of memory (a pool or the page allocator) */
#define EFAULT	  14  /* bad address */
#define EBUSY	  16  /* resource busy */
#define EEXIST	  17  /* already exists */
#define ENODEV	  19  /* no such device */
#define EINVAL	  22  /* invalid argument */
#define ENOSPC	  28  /* no space left */
#define ERANGE	  34  /* result out of range */
#define ENOSYS	  38  /* not implemented */
#define ETIMEDOUT 110 /* deadline passed */
#define ECANCELED 125 /* operation cancelled */

#endif
