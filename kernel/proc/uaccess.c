/*
 * uaccess.c - copies between kernel and user memory by page-table walk, and
 * the async port's user page pinning (contracts: kernel/uaccess.h,
 * async/port.h).
 *
 * Why a walk and not a fault fixup: the copy then never faults, works from
 * any context and any loaded CR3 (the I/O completion of a console read runs
 * in an interrupt), and the permission check is the same code for copies
 * and for pinning.
 *
 * Pinning: a pinned range's pages must stay mapped at the same frames until
 * the unpin. Frames only leave a user space through munmap and process exit:
 * munmap refuses (-EBUSY) while any pin is held, and exit waits for the pin
 * count to reach zero after cancelling the process's operations.
 */
#include <arch/x86_64/mmu.h>
#include <async/port.h>
#include <kernel/proc.h>
#include <kernel/string.h>
#include <kernel/uaccess.h>
#include <uapi/errno.h>

bool uaccess_range_ok(uint64_t uaddr, uint64_t len)
{
	return uaddr < USER_TOP && len <= USER_TOP - uaddr;
}

/* The frame behind user page @va if it allows @write: its physical address, or 0. */
static uint64_t user_page(struct addr_space *as, uint64_t va, bool write)
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
		uint64_t pa = user_page(&p->as.space, u, to_user);

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
		uint64_t pa = user_page(&p->as.space, usrc + i, false);

		if (usrc + i < usrc || !pa)
			return -EFAULT;
		dst[i] = *(const char *)phys_to_virt(pa + ((usrc + i) & (PAGE_SIZE - 1)));
		if (!dst[i])
			return (long)i;
	}
	return -ENAMETOOLONG;
}

/* Appends [pa, pa+len) to @sg, merging with the last range when contiguous. */
static int sg_append(struct async_sg *sg, unsigned *n, unsigned max, uint64_t pa, uint32_t len)
{
	if (*n && sg[*n - 1].phys + sg[*n - 1].len == pa) {
		sg[*n - 1].len += len;
		return 0;
	}
	if (*n == max)
		return -EINVAL;
	sg[*n].phys = pa;
	sg[(*n)++].len = len;
	return 0;
}

int async_port_user_pin(struct async_port_as *as, uintptr_t uaddr, size_t len, unsigned access,
			struct async_sg *sg, unsigned max_sg)
{
	bool write = access & ASYNC_BUF_WRITE;
	unsigned n = 0;

	if (!uaccess_range_ok(uaddr, len))
		return -EFAULT;
	while (len) {
		uint64_t off = uaddr & (PAGE_SIZE - 1);
		size_t piece = PAGE_SIZE - off < len ? PAGE_SIZE - off : len;
		uint64_t pa = user_page(&as->space, uaddr, write);
		int err;

		if (!pa)
			return -EFAULT;
		err = sg_append(sg, &n, max_sg, pa + off, (uint32_t)piece);
		if (err)
			return err;
		uaddr += piece;
		len -= piece;
	}
	__atomic_add_fetch(&as->pins, 1, __ATOMIC_ACQ_REL);
	return (int)n;
}

void async_port_user_unpin(struct async_port_as *as, const struct async_sg *sg, unsigned nsg)
{
	(void)sg;
	(void)nsg;
	__atomic_sub_fetch(&as->pins, 1, __ATOMIC_ACQ_REL);
}
