/*
 * proc_int.h - shared inside kernel/proc/ only.
 */
#ifndef KERNEL_PROC_INT_H
#define KERNEL_PROC_INT_H

#include <fs/vfs.h>
#include <kernel/proc.h>

/* Loads @vn into @p's empty user space; the entry point in *entry. 0 or -ENOEXEC, -ENOMEM. */
int elf_load(struct proc *p, struct vnode *vn, uint64_t *entry);

#endif
