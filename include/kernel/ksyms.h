/*
 * kernel/ksyms.h - the kernel's own symbol table, and backtraces that use it.
 *
 * The table is generated from the first link of the image (nm, function
 * symbols only) and linked into the second; see mk/kernel.mk. Lookups are a
 * binary search, safe in any context including the panic path.
 */
#ifndef KERNEL_KSYMS_H
#define KERNEL_KSYMS_H

#include <stdint.h>
#include <stddef.h>

/* Name of the function containing @addr and the offset into it; NULL if none. */
const char *ksyms_lookup(uint64_t addr, uint64_t *offset);
/* Address of function @name, 0 if not found (tests). */
uint64_t ksyms_address(const char *name);
size_t ksyms_count(void);

/* Prints "  #n 0xaddr name+0xoff" lines walking saved RBP links from @rbp, after @rip. */
void backtrace_print(uint64_t rip, uint64_t rbp);
/* Backtrace of the caller. */
void backtrace_here(void);

#endif
