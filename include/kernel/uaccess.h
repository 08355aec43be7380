/*
 * kernel/uaccess.h - the only way the kernel touches user memory.
 *
 *   copy_from_user(p, dst, usrc, n)       0 or -EFAULT
 *   copy_to_user(p, udst, src, n)         0 or -EFAULT
 *   strncpy_from_user(p, dst, usrc, cap)  length (< cap), -EFAULT, or -ENAMETOOLONG
 *                                         when no NUL is found in cap bytes
 *
 * Each walks @p's page tables: every page of the range must be below
 * USER_TOP, present, user-accessible and (for writes) writable; the bytes
 * move through the kernel's direct map. So a bad pointer is an error code,
 * never a kernel fault, and the copy works whatever address space is loaded.
 * A failed copy may have moved part of the bytes.
 */
#ifndef KERNEL_UACCESS_H
#define KERNEL_UACCESS_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

struct proc;

int copy_from_user(struct proc *p, void *dst, uint64_t usrc, size_t n);
int copy_to_user(struct proc *p, uint64_t udst, const void *src, size_t n);
long strncpy_from_user(struct proc *p, char *dst, uint64_t usrc, size_t cap);
/* The frame behind user page @va of @as if it is present, user and (for
 * @write) writable: its physical address; 0 otherwise. */
struct addr_space;
uint64_t uaccess_user_frame(struct addr_space *as, uint64_t va, bool write);
/* True if [uaddr, uaddr+len) lies below USER_TOP without wrapping. */
bool uaccess_range_ok(uint64_t uaddr, uint64_t len);

#endif
