/*
 * pmm.c - physical page allocator: a free list threaded through the free
 * frames themselves (via the direct map), plus a bitmap of allocated frames
 * that catches double frees and frees of frames never handed out.
 *
 * Lock legend: pmm_lock covers everything below [L].
 * Invariant: a frame is on the free list iff its bitmap bit is clear;
 * free_pages == length of the free list.
 */
#include <arch/x86_64/mmu.h>
#include <kernel/boot.h>
#include <kernel/console.h>
#include <kernel/panic.h>
#include <kernel/param.h>
#include <kernel/pmm.h>
#include <kernel/spinlock.h>
#include <kernel/string.h>

#define MAX_FRAMES (PARAM_MAX_PHYS_BYTES / PAGE_SIZE)
#define LOW_MEMORY (1ULL << 20)

extern char _kernel_start[], _kernel_end[];

static struct spinlock pmm_lock = SPINLOCK_INIT;
static uint64_t used_map[MAX_FRAMES / 64]; /* [L] bit set = allocated or reserved */
static uint64_t free_head;     /* [L] physical address of the first free frame, 0: none */
static struct pmm_stats stats; /* [L] */

static bool frame_used(uint64_t pfn)
{
	return (used_map[pfn / 64] >> (pfn % 64)) & 1;
}

static void frame_mark(uint64_t pfn, bool used)
{
	if (used)
		used_map[pfn / 64] |= 1ULL << (pfn % 64);
	else
		used_map[pfn / 64] &= ~(1ULL << (pfn % 64));
}

static bool frame_reserved(uint64_t pa)
{
	uint64_t kstart = KERNEL_PHYS, kend = virt_to_phys(_kernel_end);
	const struct boot_module *mods;
	size_t n;

	if (pa < LOW_MEMORY || (pa >= kstart && pa < kend))
		return true;
	mods = kernel_modules(&n);
	for (size_t i = 0; i < n; i++)
		if (pa + PAGE_SIZE > mods[i].start && pa < mods[i].end)
			return true;
	return false;
}

/* Puts frame @pa on the free list; pmm_lock held. */
static void __pmm_push(uint64_t pa)
{
	*(uint64_t *)phys_to_virt(pa) = free_head;
	free_head = pa;
	frame_mark(pa / PAGE_SIZE, false);
	stats.free_pages++;
}

static void pmm_add_region(uint64_t base, uint64_t len)
{
	uint64_t start = (base + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1);
	uint64_t end = (base + len) & ~(uint64_t)(PAGE_SIZE - 1);

	if (end > PARAM_MAX_PHYS_BYTES)
		end = PARAM_MAX_PHYS_BYTES;
	for (uint64_t pa = end; pa > start;) { /* descending, so low frames are handed out first */
		pa -= PAGE_SIZE;
		stats.total_pages++;
		if (frame_reserved(pa))
			stats.reserved_pages++;
		else
			__pmm_push(pa);
	}
}

void pmm_init(void)
{
	const struct boot_mem_region *r;
	size_t n;
	unsigned long f;

	f = spin_lock_irqsave(&pmm_lock);
	memset(used_map, 0xff, sizeof(used_map));
	r = boot_memory_map(&n);
	for (size_t i = 0; i < n; i++)
		if (r[i].type == BOOT_MEM_AVAILABLE)
			pmm_add_region(r[i].base, r[i].len);
	spin_unlock_irqrestore(&pmm_lock, f);
	klog(LOG_INFO, "pmm: %lu KiB usable, %lu KiB free, %lu KiB reserved\n",
	     stats.total_pages * 4, stats.free_pages * 4, stats.reserved_pages * 4);
}

uint64_t pmm_alloc_page(void)
{
	unsigned long f = spin_lock_irqsave(&pmm_lock);
	uint64_t pa = free_head;

	if (pa) {
		free_head = *(uint64_t *)phys_to_virt(pa);
		frame_mark(pa / PAGE_SIZE, true);
		stats.free_pages--;
		stats.allocs++;
	} else {
		stats.failures++;
	}
	spin_unlock_irqrestore(&pmm_lock, f);
	return pa;
}

uint64_t pmm_alloc_zeroed(void)
{
	uint64_t pa = pmm_alloc_page();

	if (pa)
		memset(phys_to_virt(pa), 0, PAGE_SIZE);
	return pa;
}

void pmm_free_page(uint64_t pa)
{
	unsigned long f;

	if ((pa & (PAGE_SIZE - 1)) || pa >= PARAM_MAX_PHYS_BYTES)
		panic("pmm: freeing bad frame address 0x%lx", pa);
	f = spin_lock_irqsave(&pmm_lock);
	if (!frame_used(pa / PAGE_SIZE) || frame_reserved(pa)) {
		spin_unlock_irqrestore(&pmm_lock, f);
		panic("pmm: freeing frame 0x%lx that is free or reserved", pa);
	}
	__pmm_push(pa);
	stats.frees++;
	spin_unlock_irqrestore(&pmm_lock, f);
}

void pmm_stats(struct pmm_stats *out)
{
	unsigned long f = spin_lock_irqsave(&pmm_lock);

	*out = stats;
	spin_unlock_irqrestore(&pmm_lock, f);
}
