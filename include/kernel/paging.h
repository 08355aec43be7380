/*
 * kernel/paging.h - address spaces and 4 KiB mappings in them.
 *
 *   paging_init()                    adopt the boot PML4 as the kernel's, drop the identity map
 *   paging_kernel_space()            the kernel's address space
 *   paging_space_create(as)          new space: empty user half, shared kernel half
 *   paging_space_destroy(as)         frees its user-half page tables (not the mapped frames)
 *   paging_map(as, va, pa, flags)    0, -EEXIST (already mapped), -ENOMEM, -EINVAL
 *   paging_unmap(as, va, &pa)        0 or -ENOENT; flushes the TLB entry if @as is live;
 *                                    a user page table left empty is freed (up to the PML4)
 *   paging_translate(as, va, &pa)    0 or -ENOENT (4 KiB and 2 MiB pages)
 *   paging_switch(as)                load CR3
 *   paging_lookup(as, va, &pte)      0 and the 4 KiB leaf entry (flags + frame), or -ENOENT
 *   paging_free_user(as)             frees every user-half frame mapped with 4 KiB pages
 *                                    (process teardown); the tables stay for destroy
 *
 * flags are PTE_* bits from arch/x86_64/mmu.h (PTE_P is implied). Mappings in
 * the kernel half must fall under a PML4 entry that exists at boot (direct
 * map, kernel image): new ones there would not reach other spaces' copies.
 * No lock inside: the owner of an address space serialises changes to it.
 */
#ifndef KERNEL_PAGING_H
#define KERNEL_PAGING_H

#include <stdint.h>

struct addr_space {
	uint64_t pml4_phys; /* [I] */
	unsigned tables;    /* user-half page-table pages (PML4 excluded), by the owner */
};

void paging_init(void);
struct addr_space *paging_kernel_space(void);
int paging_space_create(struct addr_space *as);
void paging_space_destroy(struct addr_space *as);
int paging_map(struct addr_space *as, uint64_t va, uint64_t pa, uint64_t flags);
int paging_unmap(struct addr_space *as, uint64_t va, uint64_t *pa);
int paging_translate(struct addr_space *as, uint64_t va, uint64_t *pa);
void paging_switch(struct addr_space *as);
int paging_lookup(struct addr_space *as, uint64_t va, uint64_t *pte);
void paging_free_user(struct addr_space *as);

#endif
