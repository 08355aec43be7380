/*
 * user_pin.c - the kernel port's user page pinning (contract: async/port.h,
 * async_port_user_pin / async_port_user_unpin): user buffers of async ops
 * and registered buffers.
 *
 * A pin checks every page of the range with the same page-table walk as the
 * user copies (present, user, writable when the device writes) and returns
 * the physical ranges, merging contiguous frames. A pinned range's pages
 * must stay mapped at the same frames until the unpin; frames only leave a
 * user space through munmap and process exit, so the space keeps a count:
 * munmap refuses (-EBUSY) while any pin is held - except the long-lived pins
 * listed as holds (uvm_hold: a ring's region), for which it refuses only
 * their own pages - and exit waits for the count to reach zero after
 * cancelling the process's operations.
 * There is no swapping or page migration, so nothing else can move a page.
 *
 * Pinned pages are charged to the process (LIMIT_PROC_PINNED, kernel/limits.h):
 * a pin past the limit is -EAGAIN, except the transient pin of a synchronous
 * read/write (as->pin_transient), which is charged but never refused. Pin and unpin count the same
 * pages, from the physical ranges (each range spans exactly the pages it was built from).
 */
#include <arch/x86_64/mmu.h>
#include <async/port.h>
#include <kernel/proc.h>
#include <kernel/uaccess.h>
#include <uapi/errno.h>

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

static struct proc *as_proc(struct async_port_as *as)
{
	return container_of(as, struct proc, as);
}

static unsigned sg_pages(const struct async_sg *sg, unsigned n)
{
	unsigned pages = 0;

	for (unsigned i = 0; i < n; i++)
		pages += (unsigned)(((sg[i].phys + sg[i].len - 1) >> PAGE_SHIFT) -
				    (sg[i].phys >> PAGE_SHIFT) + 1);
	return pages;
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
		uint64_t pa = uaccess_user_frame(&as->space, uaddr, write);
		int err;

		if (!pa)
			return -EFAULT;
		err = sg_append(sg, &n, max_sg, pa + off, (uint32_t)piece);
		if (err)
			return err;
		uaddr += piece;
		len -= piece;
	}
	if (as->pin_transient)
		proc_charge_force(as_proc(as), PROC_RES_PINNED, sg_pages(sg, n));
	else if (proc_charge(as_proc(as), PROC_RES_PINNED, sg_pages(sg, n)))
		return -EAGAIN;
	__atomic_add_fetch(&as->pins, 1, __ATOMIC_ACQ_REL);
	return (int)n;
}

void async_port_user_unpin(struct async_port_as *as, const struct async_sg *sg, unsigned nsg)
{
	proc_uncharge(as_proc(as), PROC_RES_PINNED, sg_pages(sg, nsg));
	__atomic_sub_fetch(&as->pins, 1, __ATOMIC_ACQ_REL);
}
