/*
 * test_mm.c - the physical page allocator (distinct frames, counters, free,
 * zeroing) and paging (a fresh address space: map, access, translate,
 * unmap, destroy, with the kernel half shared).
 */
#include <arch/x86_64/mmu.h>
#include <kernel/ktest.h>
#include <kernel/paging.h>
#include <kernel/pmm.h>
#include <kernel/string.h>
#include <uapi/errno.h>

#define NPAGES	64
#define USER_VA 0x400000ULL

static uint64_t frames[NPAGES];

KTEST(pmm_alloc_free_counters)
{
	struct pmm_stats s0, s1, s2;

	pmm_stats(&s0);
	KT_ASSERT(s0.total_pages > 1000);
	KT_ASSERT(s0.free_pages + s0.reserved_pages <= s0.total_pages);
	for (int i = 0; i < NPAGES; i++) {
		frames[i] = pmm_alloc_page();
		KT_ASSERT(frames[i] != 0);
		KT_EQ(frames[i] & (PAGE_SIZE - 1), 0);
		KT_ASSERT(frames[i] >= 0x100000); /* low memory is reserved */
		for (int j = 0; j < i; j++)
			KT_ASSERT(frames[j] != frames[i]);
		memset(phys_to_virt(frames[i]), 0xa5,
		       PAGE_SIZE); /* usable through the direct map */
	}
	pmm_stats(&s1);
	KT_EQ(s1.free_pages, s0.free_pages - NPAGES);
	KT_EQ(s1.allocs, s0.allocs + NPAGES);
	for (int i = 0; i < NPAGES; i++)
		pmm_free_page(frames[i]);
	pmm_stats(&s2);
	KT_EQ(s2.free_pages, s0.free_pages);
}

KTEST(pmm_zeroed_page)
{
	uint64_t pa = pmm_alloc_page();
	const uint8_t *p;

	KT_ASSERT(pa);
	memset(phys_to_virt(pa), 0xff, PAGE_SIZE);
	pmm_free_page(pa);
	pa = pmm_alloc_zeroed();
	KT_ASSERT(pa);
	p = phys_to_virt(pa);
	for (int i = 0; i < PAGE_SIZE; i++)
		KT_EQ(p[i], 0);
	pmm_free_page(pa);
}

KTEST(paging_address_space_map_unmap)
{
	struct addr_space as;
	struct pmm_stats s0, s1;
	uint64_t frame, pa = 0;
	volatile uint64_t *user;

	pmm_stats(&s0);
	KT_EQ(paging_space_create(&as), 0);
	frame = pmm_alloc_zeroed();
	KT_ASSERT(frame);
	KT_EQ(paging_map(&as, USER_VA, frame, PTE_W), 0);
	KT_EQ(paging_map(&as, USER_VA, frame, PTE_W), -EEXIST);
	KT_EQ(paging_map(&as, USER_VA + 1, frame, PTE_W), -EINVAL);
	KT_EQ(paging_translate(&as, USER_VA + 0x123, &pa), 0);
	KT_EQ(pa, frame + 0x123);
	KT_EQ(paging_translate(paging_kernel_space(), USER_VA, &pa), -ENOENT);

	paging_switch(&as); /* the kernel half is shared: this code keeps running */
	user = (volatile uint64_t *)USER_VA;
	user[1] = 0x1122334455667788ULL;
	paging_switch(paging_kernel_space());
	KT_EQ(((uint64_t *)phys_to_virt(frame))[1], 0x1122334455667788ULL);

	KT_EQ(paging_unmap(&as, USER_VA, &pa), 0);
	KT_EQ(pa, frame);
	KT_EQ(paging_unmap(&as, USER_VA, &pa), -ENOENT);
	pmm_free_page(frame);
	paging_space_destroy(&as);
	pmm_stats(&s1);
	KT_EQ(s1.free_pages, s0.free_pages); /* page tables freed too */
}

KTEST(paging_direct_map_translates)
{
	uint64_t pa = 0;

	KT_EQ(paging_translate(paging_kernel_space(), (uint64_t)phys_to_virt(0x1234567), &pa), 0);
	KT_EQ(pa, 0x1234567);
	KT_EQ(paging_translate(paging_kernel_space(), (uint64_t)&frames[0], &pa), 0);
	KT_EQ(pa, virt_to_phys(&frames[0]));
}
