/*
 * test_uaccess.c - user memory as the kernel sees it: lexical path
 * resolution (vfs_resolve), the page-walk copies (copy_to_user,
 * copy_from_user, strncpy_from_user) with every kind of bad pointer, the
 * port's user page pinning, and the frames a process's memory gives back.
 */
#include <arch/x86_64/mmu.h>
#include <async/port.h>
#include <fs/vfs.h>
#include <kernel/ktest.h>
#include <kernel/pmm.h>
#include <kernel/proc.h>
#include <kernel/string.h>
#include <kernel/uaccess.h>
#include <uapi/errno.h>

struct resolve_case {
	const char *cwd, *path, *want; /* want NULL: error */
};

static const struct resolve_case resolve_cases[] = {
    {"/", "/bin/sh", "/bin/sh"},
    {"/etc", "motd", "/etc/motd"},
    {"/etc", "../bin//./sh/", "/bin/sh"},
    {"/", "..", "/"},
    {"/a/b", "../../..", "/"},
    {"/a/b", ".", "/a/b"},
    {"/tmp", "/", "/"},
    {"/", "", NULL},
};

KTEST(vfs_resolve_paths)
{
	char out[TIO_PATH_MAX], longname[TIO_NAME_MAX + 2];

	for (unsigned i = 0; i < sizeof(resolve_cases) / sizeof(resolve_cases[0]); i++) {
		const struct resolve_case *c = &resolve_cases[i];
		int err = vfs_resolve(c->cwd, c->path, out, sizeof(out));

		KT_EQ(err == 0, c->want != NULL);
		if (c->want)
			KT_EQ(strcmp(out, c->want), 0);
	}
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	KT_EQ(vfs_resolve("/", longname, out, sizeof(out)), -ENAMETOOLONG);
	KT_EQ(vfs_resolve("/", "a/b", out, 4), -ENAMETOOLONG);
}

static struct proc uproc; /* only its address space and counters are used */

#define UVA 0x400000ULL

KTEST(uaccess_copies_and_pins)
{
	char buf[64], s[16];
	struct async_sg sg[4];
	struct pmm_stats before, after;

	pmm_stats(&before);
	memset(&uproc, 0, sizeof(uproc));
	KT_EQ(paging_space_create(&uproc.as.space), 0);
	KT_EQ(uvm_map_zeroed(&uproc, UVA, 2, PTE_U | PTE_W | PTE_NX), 0);
	KT_EQ(uvm_map_zeroed(&uproc, UVA + 2 * PAGE_SIZE, 1, PTE_U | PTE_NX), 0); /* read-only */
	KT_EQ(uproc.pages, 3);

	/* Across the page boundary and back. */
	KT_EQ(copy_to_user(&uproc, UVA + PAGE_SIZE - 5, "hello, user", 12), 0);
	KT_EQ(copy_from_user(&uproc, buf, UVA + PAGE_SIZE - 5, 12), 0);
	KT_EQ(strcmp(buf, "hello, user"), 0);
	KT_EQ(strncpy_from_user(&uproc, s, UVA + PAGE_SIZE - 5, sizeof(s)), 11);
	KT_EQ(strncpy_from_user(&uproc, s, UVA + PAGE_SIZE - 5, 4), -ENAMETOOLONG);

	/* Every bad pointer is -EFAULT. */
	KT_EQ(copy_to_user(&uproc, UVA + 2 * PAGE_SIZE, "x", 1), -EFAULT);	 /* read-only */
	KT_EQ(copy_from_user(&uproc, buf, UVA + 3 * PAGE_SIZE - 4, 8), -EFAULT); /* runs off */
	KT_EQ(copy_from_user(&uproc, buf, 0, 1), -EFAULT);
	KT_EQ(copy_from_user(&uproc, buf, KERNEL_VMA + KERNEL_PHYS, 1), -EFAULT);
	KT_EQ(copy_from_user(&uproc, buf, DIRECT_MAP, 1), -EFAULT);
	KT_EQ(copy_from_user(&uproc, buf, UINT64_MAX - 2, 8), -EFAULT); /* wraps */
	KT_EQ(strncpy_from_user(&uproc, s, USER_TOP - 1, sizeof(s)), -EFAULT);

	/* Pinning: permission per access, ranges, the pin count. */
	KT_EQ(async_port_user_pin(&uproc.as, UVA + 2 * PAGE_SIZE, 16, ASYNC_BUF_WRITE, sg, 4),
	      -EFAULT);
	KT_ASSERT(async_port_user_pin(&uproc.as, UVA + 100, 2 * PAGE_SIZE, ASYNC_BUF_READ, sg, 4) >
		  0);
	KT_EQ(uproc.as.pins, 1);
	KT_EQ(uvm_munmap(&uproc, UVA, PAGE_SIZE), -EINVAL); /* not from mmap */
	uproc.mmap_next = USER_MMAP_BASE;
	KT_EQ(uvm_mmap(&uproc, 3 * PAGE_SIZE, PROT_READ | PROT_WRITE), (long)USER_MMAP_BASE);
	KT_EQ(uvm_mmap(&uproc, 1, 0x4 /* exec */), -EINVAL);
	KT_EQ(uvm_mmap(&uproc, (uint64_t)PARAM_PROC_MAX_PAGES * PAGE_SIZE, PROT_READ), -ENOMEM);
	KT_EQ(uvm_munmap(&uproc, USER_MMAP_BASE, PAGE_SIZE), -EBUSY); /* a pin is held */
	async_port_user_unpin(&uproc.as, sg, 1);
	KT_EQ(uvm_munmap(&uproc, USER_MMAP_BASE, PAGE_SIZE), 0);
	KT_EQ(copy_to_user(&uproc, USER_MMAP_BASE, "x", 1), -EFAULT); /* gone */
	KT_EQ(copy_to_user(&uproc, USER_MMAP_BASE + PAGE_SIZE, "x", 1), 0);
	KT_EQ(uproc.pages, 5);
	KT_EQ(uproc.as.pins, 0);
	KT_EQ(async_port_user_pin(&uproc.as, UVA + 100, 2 * PAGE_SIZE, ASYNC_BUF_READ, sg, 0),
	      -EINVAL); /* no room for the ranges */

	uvm_free(&uproc);
	pmm_stats(&after);
	KT_EQ(after.free_pages, before.free_pages); /* frames and tables all back */
}

/* Lengths near 2^64 rounded to 0 pages: mmap succeeded with nothing mapped,
 * munmap returned 0 and did nothing (regression: mmap_len_wraps). */
KTEST(uvm_len_wraps)
{
	struct pmm_stats before, after;

	pmm_stats(&before);
	memset(&uproc, 0, sizeof(uproc));
	KT_EQ(paging_space_create(&uproc.as.space), 0);
	uproc.mmap_next = USER_MMAP_BASE;
	KT_EQ(uvm_mmap(&uproc, UINT64_MAX, PROT_READ), -ENOMEM);
	KT_EQ(uvm_mmap(&uproc, UINT64_MAX - PAGE_SIZE + 2, PROT_READ), -ENOMEM);
	KT_EQ(uproc.mmap_next, USER_MMAP_BASE); /* nothing carved */
	KT_EQ(uvm_mmap(&uproc, PAGE_SIZE, PROT_READ | PROT_WRITE), (long)USER_MMAP_BASE);
	KT_EQ(uvm_munmap(&uproc, USER_MMAP_BASE, UINT64_MAX), -EINVAL);
	KT_EQ(copy_to_user(&uproc, USER_MMAP_BASE, "x", 1), 0); /* still mapped */
	KT_EQ(uvm_munmap(&uproc, USER_MMAP_BASE, PAGE_SIZE), 0);
	uvm_free(&uproc);
	pmm_stats(&after);
	KT_EQ(after.free_pages, before.free_pages);
}

#define SG_PAGES (ASYNC_SG_MAX + 1)

/* A pin needs one scatter-gather range per run of contiguous frames: a range
 * of ASYNC_SG_MAX + 1 scattered pages is -EINVAL and holds no pin. */
KTEST(user_pin_sg_limit)
{
	static uint64_t frames[2 * SG_PAGES];
	struct async_sg sg[ASYNC_SG_MAX];
	struct pmm_stats before, after;

	pmm_stats(&before);
	memset(&uproc, 0, sizeof(uproc));
	KT_EQ(paging_space_create(&uproc.as.space), 0);
	for (unsigned i = 0; i < 2 * SG_PAGES; i++)
		KT_ASSERT((frames[i] = pmm_alloc_zeroed()) != 0);
	for (unsigned i = 0; i < SG_PAGES; i++) /* every other frame: none adjacent */
		KT_EQ(
		    paging_map(&uproc.as.space, UVA + i * PAGE_SIZE, frames[2 * i], PTE_U | PTE_W),
		    0);
	for (unsigned i = 0; i + 1 < SG_PAGES; i++)
		KT_ASSERT(frames[2 * i + 2] != frames[2 * i] + PAGE_SIZE); /* the test's premise */
	KT_EQ(async_port_user_pin(&uproc.as, UVA, SG_PAGES * PAGE_SIZE, ASYNC_BUF_WRITE, sg,
				  ASYNC_SG_MAX),
	      -EINVAL);
	KT_EQ(uproc.as.pins, 0);
	KT_EQ(async_port_user_pin(&uproc.as, UVA, ASYNC_SG_MAX * PAGE_SIZE, ASYNC_BUF_WRITE, sg,
				  ASYNC_SG_MAX),
	      ASYNC_SG_MAX);
	async_port_user_unpin(&uproc.as, sg, ASYNC_SG_MAX);
	KT_EQ(uproc.as.pins, 0);
	uvm_free(&uproc); /* frees the mapped frames */
	for (unsigned i = 0; i < SG_PAGES; i++)
		pmm_free_page(frames[2 * i + 1]);
	pmm_stats(&after);
	KT_EQ(after.free_pages, before.free_pages);
}
