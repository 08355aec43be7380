/*
 * kernel/pmm.h - the physical page allocator (4 KiB frames).
 *
 *   pmm_init()             from the multiboot memory map; reserves low memory
 *                          (< 1 MiB), the kernel image and the modules
 *   pmm_alloc_page()       physical address of a free frame, or 0 if none
 *   pmm_alloc_zeroed()     same, zero-filled (through the direct map)
 *   pmm_free_page(pa)      give it back; freeing a free frame panics
 *   pmm_stats(&s)          counters
 *
 * Only RAM below PARAM_MAX_PHYS_BYTES is used (that is what the direct map
 * covers). All functions may be called from any context.
 */
#ifndef KERNEL_PMM_H
#define KERNEL_PMM_H

#include <stdint.h>

struct pmm_stats {
	uint64_t total_pages;	 /* usable RAM frames in the memory map */
	uint64_t free_pages;	 /* currently free */
	uint64_t reserved_pages; /* usable frames kept back (low memory, kernel, modules) */
	uint64_t allocs, frees;	 /* since boot */
	uint64_t failures;	 /* allocations that found no frame */
};

void pmm_init(void);
uint64_t pmm_alloc_page(void);
uint64_t pmm_alloc_zeroed(void);
void pmm_free_page(uint64_t pa);
void pmm_stats(struct pmm_stats *out);

#endif
