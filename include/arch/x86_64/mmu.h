/*
 * arch/x86_64/mmu.h - the virtual memory layout and page-table entry bits.
 *
 *   0x0000000000000000 - 0x00007fffffffffff  user half: empty in the kernel's
 *                                             own address space (processes later)
 *   0xffff800000000000 + phys                 direct map of the first
 *                                             PARAM_MAX_PHYS_BYTES of RAM (2 MiB pages)
 *   0xffffffff80000000 + phys                 the kernel image (loaded at 1 MiB)
 *
 * Every address space shares the kernel half by copying PML4 entries
 * 256..511 from the kernel's PML4; those entries are created at boot and
 * never change, so a copy stays valid (see kernel/mm/paging.c).
 */
#ifndef ARCH_X86_64_MMU_H
#define ARCH_X86_64_MMU_H

#define KERNEL_VMA  0xffffffff80000000
#define DIRECT_MAP  0xffff800000000000
#define KERNEL_PHYS 0x100000
#define PAGE_SIZE   4096
#define PAGE_SHIFT  12
#define LARGE_PAGE  (2UL << 20)

#define PTE_P	 (1UL << 0) /* present */
#define PTE_W	 (1UL << 1) /* writable */
#define PTE_U	 (1UL << 2) /* user accessible */
#define PTE_PWT	 (1UL << 3)
#define PTE_PCD	 (1UL << 4)  /* cache disable (MMIO) */
#define PTE_PS	 (1UL << 7)  /* 2 MiB / 1 GiB page */
#define PTE_G	 (1UL << 8)  /* global */
#define PTE_NX	 (1UL << 63) /* no execute */
#define PTE_ADDR 0x000ffffffffff000UL

#define PML4_KERNEL_FIRST 256 /* first PML4 slot of the shared kernel half */

#ifndef __ASSEMBLER__
#include <stdint.h>

static inline void *phys_to_virt(uint64_t pa)
{
	return (void *)(pa + DIRECT_MAP);
}

/* For direct-map and kernel-image addresses only. */
static inline uint64_t virt_to_phys(const void *va)
{
	uint64_t v = (uint64_t)va;

	return v >= KERNEL_VMA ? v - KERNEL_VMA : v - DIRECT_MAP;
}
#endif

#endif
