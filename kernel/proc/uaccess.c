/*
 * uaccess.c - copies between kernel and user memory by page-table walk
 * (contract: kernel/uaccess.h). The async port's user page pinning
 * (kernel/port/user_pin.c) checks pages with the same walk.
 *
 * Why a walk and not a fault fixup: the copy then never faults, works from
 * any context and any loaded CR3 (the I/O completion of a console read runs
 * in an interrupt), and the permission check is the same code for copies
 * and for pinning.
 *
 * SMAP (arch/x86_64/cpu.c): these copies never open its window (no stac/clac)
 * and need not: they touch the frame through the direct map, a supervisor
 * mapping, never the user virtual address, so SMAP does not apply to them.
 * Keep it so: a copy through the user address would fault under SMAP.
 */
#include <arch/x86_64/mmu.h>
#include <kernel/proc.h>
#include <kernel/string.h>
#include <kernel/uaccess.h>
#include <uapi/errno.h>

bool uaccess_range_ok(uint64_t uaddr, uint64_t len)
{
	return uaddr < USER_TOP && len <= USER_TOP - uaddr;
}

uint64_t uaccess_user_frame(struct addr_space *as, uint64_t va, bool write)
{
	uint64_t pte;

	if (va >= USER_TOP || paging_lookup(as, va & ~(uint64_t)(PAGE_SIZE - 1), &pte))
		return 0;
	if (!(pte & PTE_U) || (write && !(pte & PTE_W)))
		return 0;
	return pte & PTE_ADDR;
}

/* Moves @n bytes between kernel @k and user @u, one page piece at a time. */
static int user_copy(struct proc *p, uint64_t u, void *k, size_t n, bool to_user)
{
	unsigned char *kp = k;

	if (!uaccess_range_ok(u, n))
		return -EFAULT;
	while (n) {
		uint64_t off = u & (PAGE_SIZE - 1);
		size_t piece = PAGE_SIZE - off < n ? PAGE_SIZE - off : n;
		uint64_t pa = uaccess_user_frame(&p->as.space, u, to_user);

		if (!pa)
			return -EFAULT;
		if (to_user)
			memcpy(phys_to_virt(pa + off), kp, piece);
		else
			memcpy(kp, phys_to_virt(pa + off), piece);
		kp += piece;
		u += piece;
		n -= piece;
	}
	return 0;
}

int copy_from_user(struct proc *p, void *dst, uint64_t usrc, size_t n)
{
	return user_copy(p, usrc, dst, n, false);
}

int copy_to_user(struct proc *p, uint64_t udst, const void *src, size_t n)
{
	return user_copy(p, udst, (void *)src, n, true);
}

long strncpy_from_user(struct proc *p, char *dst, uint64_t usrc, size_t cap)
{
	for (size_t i = 0; i < cap; i++) {
		uint64_t pa = uaccess_user_frame(&p->as.space, usrc + i, false);

		if (usrc + i < usrc || !pa)
			return -EFAULT;
		dst[i] = *(const char *)phys_to_virt(pa + ((usrc + i) & (PAGE_SIZE - 1)));
		if (!dst[i])
			return (long)i;
	}
	return -ENAMETOOLONG;
}
