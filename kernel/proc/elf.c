/*
 * elf.c - loads a static ELF64 x86-64 executable into a fresh user space.
 *
 * Everything in the file is input to validate: the header (magic, class,
 * machine, type, program header table inside the file), and each PT_LOAD
 * segment (file range inside the file, filesz <= memsz, addresses inside
 * [USER_IMAGE_MIN, USER_IMAGE_MAX) without overflow, offset and address
 * congruent modulo the page size). Anything off is -ENOEXEC, never a fault.
 * Pages are mapped zeroed, then filled from the file through the direct map;
 * writable segments get PTE_W, non-executable ones PTE_NX. Two segments that
 * share a page get the union of their permissions.
 */
#include <arch/x86_64/mmu.h>
#include <fs/vfs.h>
#include <kernel/proc.h>
#include <kernel/string.h>
#include <uapi/errno.h>
#include "proc_int.h"

#define EI_NIDENT     16
#define ET_EXEC	      2
#define EM_X86_64     62
#define PT_LOAD	      1
#define PF_X	      1
#define PF_W	      2
#define ELF_MAX_PHDRS 16

struct elf64_ehdr {
	unsigned char ident[EI_NIDENT];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf64_phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

static int ehdr_check(const struct elf64_ehdr *h, uint64_t fsize)
{
	if (memcmp(h->ident, "\177ELF", 4) || h->ident[4] != 2 /* 64-bit */ ||
	    h->ident[5] != 1 /* little endian */ || h->type != ET_EXEC || h->machine != EM_X86_64 ||
	    h->phentsize != sizeof(struct elf64_phdr) || h->phnum == 0 ||
	    h->phnum > ELF_MAX_PHDRS || h->phoff > fsize ||
	    (uint64_t)h->phnum * sizeof(struct elf64_phdr) > fsize - h->phoff)
		return -ENOEXEC;
	if (h->entry < USER_IMAGE_MIN || h->entry >= USER_IMAGE_MAX)
		return -ENOEXEC;
	return 0;
}

static int phdr_check(const struct elf64_phdr *ph, uint64_t fsize)
{
	if (ph->filesz > ph->memsz || ph->offset > fsize || ph->filesz > fsize - ph->offset)
		return -ENOEXEC;
	if (ph->vaddr < USER_IMAGE_MIN || ph->memsz > USER_IMAGE_MAX ||
	    ph->vaddr > USER_IMAGE_MAX - ph->memsz)
		return -ENOEXEC;
	if ((ph->vaddr ^ ph->offset) & (PAGE_SIZE - 1))
		return -ENOEXEC;
	return 0;
}

/* Maps page @va with @flags, or widens the permissions of one already there. */
static int map_page(struct proc *p, uint64_t va, uint64_t flags)
{
	uint64_t pte, pa;
	int err = uvm_map_zeroed(p, va, 1, flags);

	if (err != -EEXIST)
		return err;
	if (paging_lookup(&p->as.space, va, &pte))
		return -EINVAL;
	pa = pte & PTE_ADDR;
	flags |= pte & PTE_W;
	if (!(pte & PTE_NX))
		flags &= ~PTE_NX;
	paging_unmap(&p->as.space, va, NULL);
	return paging_map(&p->as.space, va, pa, flags);
}

static int load_segment(struct proc *p, struct vnode *vn, const struct elf64_phdr *ph)
{
	uint64_t flags =
	    PTE_U | ((ph->flags & PF_W) ? PTE_W : 0) | ((ph->flags & PF_X) ? 0 : PTE_NX);
	uint64_t start = ph->vaddr & ~(uint64_t)(PAGE_SIZE - 1);
	uint64_t end = ph->vaddr + ph->memsz;

	for (uint64_t va = start; va < end; va += PAGE_SIZE) {
		uint64_t pte, lo = va > ph->vaddr ? va : ph->vaddr;
		uint64_t hi = va + PAGE_SIZE < ph->vaddr + ph->filesz ? va + PAGE_SIZE
								      : ph->vaddr + ph->filesz;
		int err = map_page(p, va, flags);

		if (err)
			return err;
		if (lo >= hi)
			continue;
		paging_lookup(&p->as.space, va, &pte);
		err = (int)vfs_kread(vn, ph->offset + (lo - ph->vaddr),
				     (char *)phys_to_virt(pte & PTE_ADDR) + (lo - va), hi - lo);
		if (err < 0)
			return err;
		if ((uint64_t)err != hi - lo)
			return -ENOEXEC;
	}
	return 0;
}

int elf_load(struct proc *p, struct vnode *vn, uint64_t *entry)
{
	struct elf64_phdr ph[ELF_MAX_PHDRS];
	struct elf64_ehdr h;
	struct tio_stat st;
	long n;
	int err;

	vnode_stat(vn, &st);
	if ((st.mode & S_IFMT) != S_IFREG)
		return -ENOEXEC;
	n = vfs_kread(vn, 0, &h, sizeof(h));
	if (n < 0)
		return (int)n;
	if ((size_t)n < sizeof(h) || ehdr_check(&h, st.size))
		return -ENOEXEC;
	n = vfs_kread(vn, h.phoff, ph, h.phnum * sizeof(ph[0]));
	if (n != (long)(h.phnum * sizeof(ph[0])))
		return n < 0 ? (int)n : -ENOEXEC;
	for (unsigned i = 0; i < h.phnum; i++) {
		if (ph[i].type != PT_LOAD)
			continue;
		err = phdr_check(&ph[i], st.size);
		if (!err)
			err = load_segment(p, vn, &ph[i]);
		if (err)
			return err;
	}
	*entry = h.entry;
	return 0;
}
