/*
 * boot.S - multiboot1 entry: 32-bit protected mode to 64-bit long mode.
 *
 * The loader (QEMU -kernel) reads our header below, loads the flat image at
 * 1 MiB and jumps to boot_entry32 in 32-bit protected mode, paging off, with
 * EAX = multiboot magic and EBX = physical address of the multiboot info.
 * We clear .bss, build boot page tables that map the first 4 GiB three
 * times (identity, direct map at DIRECT_MAP, kernel image at KERNEL_VMA; the
 * identity map only lives until paging_init drops it), enter long mode, jump
 * to the higher half and call kmain(magic, info_phys) with RBP = 0 so the
 * backtrace walk ends there.
 *
 * Everything here runs before the higher-half mapping exists, so every
 * absolute address in 32-bit code is written PHYS(symbol).
 */
#include <arch/x86_64/mmu.h>
#include <kernel/param.h>

#define PHYS(x) ((x) - KERNEL_VMA)
#define MB_MAGIC 0x1badb002
/* bit 0: page-aligned modules, bit 1: memory map, bit 16: address fields valid */
#define MB_FLAGS ((1 << 0) | (1 << 1) | (1 << 16))

	.section .multiboot, "a"
	.align 4
multiboot_header:
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)
	.long PHYS(multiboot_header)	/* header_addr */
	.long PHYS(_kernel_start)	/* load_addr */
	.long PHYS(_load_end)		/* load_end_addr: bytes present in the file */
	.long PHYS(_bss_end)		/* bss_end_addr: loader zeroes up to here */
	.long PHYS(boot_entry32)	/* entry_addr */

	.section .boot.text, "ax"
	.code32
	.globl boot_entry32
boot_entry32:
	cli
	cld
	movl %eax, PHYS(boot_magic)
	movl %ebx, PHYS(boot_info)
	movl $PHYS(boot_stack_top), %esp

	/*
	 * Clear .bss ourselves: the page tables below live there. Four bytes per
	 * step (linker.ld page-aligns both ends): .bss is over 50 MiB, and under
	 * QEMU's TCG every step of a rep is a pass through its translated loop
	 * (with rep stosb the first console output came 47-191 ms later: medians
	 * of 6-10 boots each in four runs, 2 loaded cores, 2026-12-02).
	 */
	movl $PHYS(_bss_start), %edi
	movl $PHYS(_bss_end), %ecx
	subl %edi, %ecx
	shrl $2, %ecx
	xorl %eax, %eax
	rep stosl

	/* Four page directories of 2 MiB pages: physical 0 .. 4 GiB. */
	movl $PHYS(boot_pd), %edi
	xorl %ecx, %ecx
1:	movl %ecx, %eax
	shll $21, %eax
	orl $(PTE_P | PTE_W | PTE_PS), %eax
	movl %eax, (%edi, %ecx, 8)
	movl %ecx, %eax
	shrl $11, %eax			/* high dword: bits 32.. of (index << 21) */
	movl %eax, 4(%edi, %ecx, 8)
	incl %ecx
	cmpl $2048, %ecx
	jne 1b

	/* PDPT entries 0..3 -> the four PDs (identity and direct map share it). */
	movl $PHYS(boot_pdpt_low), %edi
	movl $PHYS(boot_pd), %eax
	orl $(PTE_P | PTE_W), %eax
	xorl %ecx, %ecx
2:	movl %eax, (%edi, %ecx, 8)
	addl $PAGE_SIZE, %eax
	incl %ecx
	cmpl $4, %ecx
	jne 2b

	/* Kernel image: PDPT[510] (-2 GiB) -> first PD. */
	movl $PHYS(boot_pd), %eax
	orl $(PTE_P | PTE_W), %eax
	movl %eax, PHYS(boot_pdpt_high) + 510 * 8

	movl $PHYS(boot_pml4), %edi
	movl $PHYS(boot_pdpt_low), %eax
	orl $(PTE_P | PTE_W), %eax
	movl %eax, (%edi)			/* identity, dropped later */
	movl %eax, PML4_KERNEL_FIRST * 8(%edi)	/* direct map */
	movl $PHYS(boot_pdpt_high), %eax
	orl $(PTE_P | PTE_W), %eax
	movl %eax, 511 * 8(%edi)

	movl %cr4, %eax
	orl $((1 << 5) | (1 << 7)), %eax	/* PAE, PGE */
	movl %eax, %cr4
	movl %edi, %cr3
	movl $0xc0000080, %ecx			/* EFER: long mode + NX */
	rdmsr
	orl $((1 << 8) | (1 << 11)), %eax
	wrmsr
	movl %cr0, %eax
	orl $((1 << 31) | (1 << 16) | 1), %eax	/* PG, WP, PE */
	movl %eax, %cr0

	lgdt PHYS(boot_gdt_ptr)
	ljmp $0x08, $PHYS(boot_entry64_low)

	.code64
boot_entry64_low:
	movabsq $boot_entry64, %rax
	jmp *%rax

	.section .boot.data, "aw"
	.align 16
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff		/* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff		/* 0x10: data */
boot_gdt_ptr:
	.word boot_gdt_ptr - boot_gdt - 1
	.long PHYS(boot_gdt)

	.text
boot_entry64:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	xorw %ax, %ax
	movw %ax, %fs
	movw %ax, %gs
	movabsq $boot_stack_top, %rsp
	xorl %ebp, %ebp
	movl boot_magic(%rip), %edi
	movl boot_info(%rip), %esi
	call kmain
	cli
3:	hlt
	jmp 3b

	.data
	.align 4
	.globl boot_magic, boot_info
boot_magic:	.long 0
boot_info:	.long 0

	.bss
	.align PAGE_SIZE
	.globl boot_pml4
boot_pml4:	.skip PAGE_SIZE
boot_pdpt_low:	.skip PAGE_SIZE
boot_pdpt_high:	.skip PAGE_SIZE
boot_pd:	.skip 4 * PAGE_SIZE
	.align 16
	.globl boot_stack_bottom, boot_stack_top
boot_stack_bottom:
	.skip PARAM_BOOT_STACK_SIZE
boot_stack_top:
