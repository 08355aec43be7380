/*
 * paging.c - 4-level x86-64 page tables (contract in kernel/paging.h).
 *
 * Page tables are frames from the page allocator, reached through the
 * direct map. The kernel half (PML4 slots 256..511) is built by boot.S and
 * never gains or loses a PML4 entry afterwards, so every address space can
 * copy those 256 entries once at creation and stay in sync forever.
 *
 * User-half tables are counted (addr_space.tables: a process's mapped-page
 * limit includes them) and freed as soon as an unmap leaves one empty, so
 * mapping and unmapping forever does not leak frames into dead tables.
 */
#include <arch/x86_64/cpu.h>
#include <arch/x86_64/mmu.h>
#include <kernel/paging.h>
#include <kernel/pmm.h>
#include <kernel/string.h>
#include <uapi/errno.h>

#define ENTRIES 512

extern uint64_t boot_pml4[ENTRIES];

static struct addr_space kernel_space;

static unsigned level_index(uint64_t va, int level) /* level 3 = PML4 ... 0 = PT */
{
	return (va >> (PAGE_SHIFT + 9 * level)) & (ENTRIES - 1);
}

static uint64_t *table_at(uint64_t pa)
{
	return phys_to_virt(pa & PTE_ADDR);
}

static bool is_user_va(uint64_t va)
{
	return va < 0x0000800000000000ULL;
}

void paging_init(void)
{
	kernel_space.pml4_phys = virt_to_phys(boot_pml4);
	boot_pml4[0] = 0; /* the boot identity map: the user half is empty from now on */
	arch_write_cr3(kernel_space.pml4_phys);
}

struct addr_space *paging_kernel_space(void)
{
	return &kernel_space;
}

int paging_space_create(struct addr_space *as)
{
	uint64_t pa = pmm_alloc_zeroed();
	uint64_t *pml4;

	if (!pa)
		return -ENOMEM;
	pml4 = table_at(pa);
	memcpy(&pml4[PML4_KERNEL_FIRST], &boot_pml4[PML4_KERNEL_FIRST],
	       (ENTRIES - PML4_KERNEL_FIRST) * sizeof(uint64_t));
	as->pml4_phys = pa;
	return 0;
}

/* Frees table @pa of @level (> 0: its sub-tables too); never frees mapped frames. */
static void free_table(uint64_t pa, int level)
{
	uint64_t *t = table_at(pa);

	for (int i = 0; level > 0 && i < ENTRIES; i++)
		if ((t[i] & PTE_P) && !(t[i] & PTE_PS))
			free_table(t[i] & PTE_ADDR, level - 1);
	pmm_free_page(pa);
}

void paging_space_destroy(struct addr_space *as)
{
	uint64_t *pml4 = table_at(as->pml4_phys);

	for (int i = 0; i < PML4_KERNEL_FIRST; i++)
		if (pml4[i] & PTE_P)
			free_table(pml4[i] & PTE_ADDR, 2);
	pmm_free_page(as->pml4_phys);
	as->pml4_phys = 0;
	as->tables = 0;
}

/*
 * Returns the PT entry for @va, creating missing tables if @create.
 * NULL with *err set: -ENOENT (absent), -ENOMEM, -EEXIST (a large page covers
 * @va), -EINVAL (would need a new kernel-half PML4 entry).
 */
static uint64_t *walk(struct addr_space *as, uint64_t va, bool create, int *err)
{
	uint64_t *t = table_at(as->pml4_phys);

	for (int level = 3; level > 0; level--) {
		uint64_t *e = &t[level_index(va, level)];

		if (!(*e & PTE_P)) {
			uint64_t pa;

			*err = !create ? -ENOENT : (level == 3 && !is_user_va(va)) ? -EINVAL : 0;
			if (*err)
				return NULL;
			pa = pmm_alloc_zeroed();
			if (!pa) {
				*err = -ENOMEM;
				return NULL;
			}
			*e = pa | PTE_P | PTE_W | (is_user_va(va) ? PTE_U : 0);
			as->tables += is_user_va(va);
		} else if (*e & PTE_PS) {
			*err = -EEXIST;
			return NULL;
		}
		t = table_at(*e);
	}
	return &t[level_index(va, 0)];
}

int paging_map(struct addr_space *as, uint64_t va, uint64_t pa, uint64_t flags)
{
	int err = 0;
	uint64_t *pte;

	if ((va | pa) & (PAGE_SIZE - 1))
		return -EINVAL;
	pte = walk(as, va, true, &err);
	if (!pte)
		return err;
	if (*pte & PTE_P)
		return -EEXIST;
	*pte = pa | flags | PTE_P;
	return 0;
}

static bool table_empty(const uint64_t *t)
{
	for (int i = 0; i < ENTRIES; i++)
		if (t[i])
			return false;
	return true;
}

/*
 * @va's leaf was just cleared: frees the tables on its path that are empty
 * now, bottom up, never the PML4. A live space reloads CR3 so no
 * paging-structure cache keeps pointing at a freed table.
 */
static void prune_user_path(struct addr_space *as, uint64_t va)
{
	uint64_t *path[4];
	int level;

	path[3] = table_at(as->pml4_phys);
	for (level = 3; level > 0; level--)
		path[level - 1] = table_at(path[level][level_index(va, level)]);
	for (level = 0; level < 3 && table_empty(path[level]); level++) {
		uint64_t *e = &path[level + 1][level_index(va, level + 1)];

		pmm_free_page(*e & PTE_ADDR);
		*e = 0;
		as->tables--;
	}
	if (level > 0 && arch_read_cr3() == as->pml4_phys)
		arch_write_cr3(as->pml4_phys);
}

int paging_unmap(struct addr_space *as, uint64_t va, uint64_t *pa)
{
	int err = 0;
	uint64_t *pte = walk(as, va, false, &err);

	if (!pte || !(*pte & PTE_P))
		return -ENOENT;
	if (pa)
		*pa = *pte & PTE_ADDR;
	*pte = 0;
	if (arch_read_cr3() == as->pml4_phys || !is_user_va(va))
		arch_invlpg(va);
	if (is_user_va(va))
		prune_user_path(as, va);
	return 0;
}

int paging_translate(struct addr_space *as, uint64_t va, uint64_t *pa)
{
	uint64_t *t = table_at(as->pml4_phys);

	for (int level = 3; level >= 0; level--) {
		uint64_t e = t[level_index(va, level)];
		uint64_t span = 1ULL << (PAGE_SHIFT + 9 * level);

		if (!(e & PTE_P))
			return -ENOENT;
		if (level == 0 || (e & PTE_PS)) {
			*pa = (e & PTE_ADDR & ~(span - 1)) | (va & (span - 1));
			return 0;
		}
		t = table_at(e);
	}
	return -ENOENT;
}

void paging_switch(struct addr_space *as)
{
	arch_write_cr3(as->pml4_phys);
}

int paging_lookup(struct addr_space *as, uint64_t va, uint64_t *pte)
{
	int err = 0;
	uint64_t *e = walk(as, va, false, &err);

	if (!e || !(*e & PTE_P))
		return -ENOENT;
	*pte = *e;
	return 0;
}

/* Frees the frames that table @pa of @level maps (4 KiB leaves only) and clears them. */
static void free_leaves(uint64_t pa, int level)
{
	uint64_t *t = table_at(pa);

	for (int i = 0; i < ENTRIES; i++) {
		if (!(t[i] & PTE_P) || (t[i] & PTE_PS))
			continue;
		if (level == 0) {
			pmm_free_page(t[i] & PTE_ADDR);
			t[i] = 0;
		} else {
			free_leaves(t[i] & PTE_ADDR, level - 1);
		}
	}
}

void paging_free_user(struct addr_space *as)
{
	uint64_t *pml4 = table_at(as->pml4_phys);

	for (int i = 0; i < PML4_KERNEL_FIRST; i++)
		if (pml4[i] & PTE_P)
			free_leaves(pml4[i] & PTE_ADDR, 2);
}
