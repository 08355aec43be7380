/*
 * uvm.c - a process's user memory: zeroed pages for the image and stack,
 * anonymous mmap/munmap, and teardown (contract: kernel/proc.h).
 *
 * Anonymous mappings are carved from [USER_MMAP_BASE, USER_MMAP_END) by a
 * bump pointer with a guard page after each; addresses are never reused,
 * which keeps munmap trivial (any page in the carved range that is mapped
 * belongs to mmap). LIMIT_PROC_PAGES bounds one process's memory - data
 * pages and the page-table pages of its user half together - so a runaway
 * program cannot take every frame of the machine, and LIMIT_PAGES_RESERVE
 * free frames are never given to user mappings at all (the kernel's page
 * tables and stacks of new threads come from there). munmap frees the page
 * tables it leaves empty (paging_unmap).
 * Only the process's own thread calls these (the [O] fields), or its exit.
 */
#include <arch/x86_64/mmu.h>
#include <kernel/pmm.h>
#include <kernel/proc.h>
#include <uapi/errno.h>

static void unmap_range(struct proc *p, uint64_t va, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		uint64_t pa;

		if (!paging_unmap(&p->as.space, va + (uint64_t)i * PAGE_SIZE, &pa)) {
			pmm_free_page(pa);
			p->pages--;
		}
	}
}

/* Pages charged to @p: data pages plus its user page tables. */
static unsigned uvm_pages(const struct proc *p)
{
	return p->pages + p->as.space.tables;
}

/* Room for one more page, with the up to three tables its mapping may create? */
static bool uvm_page_allowed(const struct proc *p)
{
	struct pmm_stats ps;

	if (uvm_pages(p) + 1 + 3 > LIMIT_PROC_PAGES)
		return false;
	pmm_stats(&ps);
	return ps.free_pages > LIMIT_PAGES_RESERVE + 1 + 3;
}

unsigned uvm_usage(const struct proc *p)
{
	return __atomic_load_n(&p->pages, __ATOMIC_RELAXED) +
	       __atomic_load_n(&p->as.space.tables, __ATOMIC_RELAXED);
}

int uvm_map_zeroed(struct proc *p, uint64_t va, unsigned n, uint64_t flags)
{
	for (unsigned i = 0; i < n; i++) {
		uint64_t pa = uvm_page_allowed(p) ? pmm_alloc_zeroed() : 0;
		int err = pa ? paging_map(&p->as.space, va + (uint64_t)i * PAGE_SIZE, pa, flags)
			     : -ENOMEM;

		if (err) {
			if (pa)
				pmm_free_page(pa);
			unmap_range(p, va, i);
			return err;
		}
		p->pages++;
	}
	return 0;
}

/* Pages covering @len bytes; lengths past the mmap area are capped there, so
 * the rounding cannot wrap to a small count (2^64 - 1 bytes is not 0 pages). */
static uint64_t len_pages(uint64_t len)
{
	uint64_t area = USER_MMAP_END - USER_MMAP_BASE;

	return ((len < area ? len : area) + PAGE_SIZE - 1) / PAGE_SIZE + (len > area);
}

long uvm_mmap(struct proc *p, uint64_t len, int prot)
{
	uint64_t pages = len_pages(len);
	uint64_t va = p->mmap_next;
	uint64_t flags = PTE_U | PTE_NX | ((prot & PROT_WRITE) ? PTE_W : 0);
	int err;

	if (len == 0 || (prot & ~(PROT_READ | PROT_WRITE)))
		return -EINVAL;
	if (pages > LIMIT_PROC_PAGES - uvm_pages(p) ||
	    pages * PAGE_SIZE > USER_MMAP_END - PAGE_SIZE - va)
		return -ENOMEM;
	err = uvm_map_zeroed(p, va, (unsigned)pages, flags);
	if (err)
		return err;
	p->mmap_next = va + (pages + 1) * PAGE_SIZE; /* + guard page */
	return (long)va;
}

int uvm_hold(struct proc *p, uint64_t va, uint64_t len)
{
	for (int h = 0; h < LIMIT_PROC_WAITERS; h++) {
		struct uvm_hold *e = &p->as.hold[h];

		if (__atomic_load_n(&e->len, __ATOMIC_ACQUIRE))
			continue;
		e->va = va;
		__atomic_store_n(&e->len, len, __ATOMIC_RELEASE);
		__atomic_add_fetch(&p->as.held, 1, __ATOMIC_ACQ_REL);
		return h;
	}
	return -EAGAIN;
}

void uvm_unhold(struct async_port_as *as, int h)
{
	__atomic_sub_fetch(&as->held, 1, __ATOMIC_ACQ_REL);
	__atomic_store_n(&as->hold[h].len, 0, __ATOMIC_RELEASE);
}

/*
 * May [addr, addr + pages) go? Not while a pin other than the held ones is in
 * flight (an I/O may be writing into any page), nor if it meets a held range.
 * Holds are only added by this thread and only removed meanwhile (each
 * unhold before its unpin), and @pins is read before @held: a race can only
 * overstate the pins in flight or keep a range that just ended, never the
 * opposite.
 */
static bool uvm_pinned(const struct proc *p, uint64_t addr, uint64_t pages)
{
	unsigned pins = __atomic_load_n(&p->as.pins, __ATOMIC_ACQUIRE);
	uint64_t end = addr + pages * PAGE_SIZE;

	if (pins > __atomic_load_n(&p->as.held, __ATOMIC_ACQUIRE))
		return true;
	for (int h = 0; h < LIMIT_PROC_WAITERS; h++) {
		uint64_t len = __atomic_load_n(&p->as.hold[h].len, __ATOMIC_ACQUIRE);

		if (len && addr < p->as.hold[h].va + len && p->as.hold[h].va < end)
			return true;
	}
	return false;
}

int uvm_munmap(struct proc *p, uint64_t addr, uint64_t len)
{
	uint64_t pages = len_pages(len);

	if ((addr & (PAGE_SIZE - 1)) || len == 0 || addr < USER_MMAP_BASE || addr >= p->mmap_next ||
	    pages > (p->mmap_next - addr) / PAGE_SIZE)
		return -EINVAL;
	/* A pinned page must stay: an I/O in flight may be writing into it. */
	if (uvm_pinned(p, addr, pages))
		return -EBUSY;
	unmap_range(p, addr, (unsigned)pages);
	return 0;
}

void uvm_free(struct proc *p)
{
	paging_free_user(&p->as.space);
	paging_space_destroy(&p->as.space);
	p->pages = 0;
}
