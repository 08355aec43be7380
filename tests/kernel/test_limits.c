/*
 * test_limits.c - page tables freed on unmap, and the per-process resource
 * accounting of include/kernel/limits.h (charge, refuse at the limit, give
 * back) on a struct proc that is never run.
 */
#include <arch/x86_64/mmu.h>
#include <kernel/ktest.h>
#include <kernel/limits.h>
#include <kernel/paging.h>
#include <kernel/pmm.h>
#include <kernel/proc.h>
#include <uapi/errno.h>

#define PT_SPAN (512ULL * PAGE_SIZE) /* what one page table maps */
#define VA_A	0x0000100000000000ULL
#define VA_B	(VA_A + PT_SPAN)

/* Unmapping the last page under a table frees it (and the tables above it). */
KTEST(paging_unmap_frees_empty_tables)
{
	struct addr_space as = {0};
	struct pmm_stats s0, s1;
	uint64_t frame = pmm_alloc_zeroed(), pa;

	KT_ASSERT(frame);
	KT_EQ(paging_space_create(&as), 0);
	pmm_stats(&s0);
	KT_EQ(paging_map(&as, VA_A, frame, PTE_U | PTE_W), 0);
	KT_EQ(as.tables, 3u); /* PDPT, PD, PT */
	KT_EQ(paging_map(&as, VA_B, frame, PTE_U | PTE_W), 0);
	KT_EQ(as.tables, 4u); /* a second PT under the same PD */
	KT_EQ(paging_unmap(&as, VA_A, &pa), 0);
	KT_EQ(as.tables, 3u); /* A's PT went; the PD still holds B's */
	KT_EQ(paging_translate(&as, VA_B, &pa), 0);
	KT_EQ(paging_unmap(&as, VA_B, &pa), 0);
	KT_EQ(as.tables, 0u);
	pmm_stats(&s1);
	KT_EQ(s1.free_pages, s0.free_pages);
	paging_space_destroy(&as);
	pmm_free_page(frame);
}

static struct proc lp; /* only its counters are used */

KTEST(limits_charge_refuse_uncharge)
{
	unsigned lim = proc_limit(PROC_RES_OPS);

	KT_EQ(proc_usage(&lp, PROC_RES_OPS), 0u);
	for (unsigned i = 0; i < lim; i++)
		KT_EQ(proc_charge(&lp, PROC_RES_OPS, 1), 0);
	KT_EQ(proc_charge(&lp, PROC_RES_OPS, 1), -EAGAIN);
	KT_EQ(proc_usage(&lp, PROC_RES_OPS), lim); /* a refused charge takes nothing */
	proc_uncharge(&lp, PROC_RES_OPS, lim);
	KT_EQ(proc_charge(&lp, PROC_RES_FILES, proc_limit(PROC_RES_FILES) + 1), -EMFILE);
	KT_EQ(proc_charge(&lp, PROC_RES_PINNED, proc_limit(PROC_RES_PINNED)), 0);
	KT_EQ(proc_charge(&lp, PROC_RES_PINNED, 1), -EAGAIN);
	proc_charge_force(&lp, PROC_RES_PINNED, 1); /* a synchronous call's pin */
	KT_EQ(proc_usage(&lp, PROC_RES_PINNED), proc_limit(PROC_RES_PINNED) + 1);
	proc_uncharge(&lp, PROC_RES_PINNED, proc_limit(PROC_RES_PINNED) + 1);
	for (unsigned r = 0; r < PROC_RES_COUNT; r++)
		KT_EQ(proc_usage(&lp, r), 0u);
}

/* The global cap holds across processes: no one process reaches it, all together do. */
KTEST(limits_global_cap_across_processes)
{
	static struct proc many[LIMIT_USER_OPS / LIMIT_PROC_OPS + 1];
	unsigned taken = 0, n = sizeof(many) / sizeof(many[0]);
	int err = 0;

	for (unsigned i = 0; i < n && !err; i++)
		for (unsigned j = 0; j < LIMIT_PROC_OPS && !err; j++)
			if (!(err = proc_charge(&many[i], PROC_RES_OPS, 1)))
				taken++;
	KT_EQ(err, -EAGAIN);
	KT_EQ(taken, (unsigned)LIMIT_USER_OPS);
	for (unsigned i = 0; i < n; i++)
		proc_uncharge(&many[i], PROC_RES_OPS, proc_usage(&many[i], PROC_RES_OPS));
}
