/*
 * kernel/boot.h - what the boot loader told us: command line, modules, RAM.
 *
 * bootinfo_init() copies everything out of the multiboot structures (which
 * live in memory the page allocator will reuse), so afterwards all of this
 * is [I] immutable and safe to read from anywhere.
 *
 * Command line: words separated by spaces, each `key=value` or a bare word.
 *   kernel_cmdline_get("loglevel")  -> "7", or NULL if absent (or bare)
 *   kernel_cmdline_has("poweroff")  -> true if present as a bare word or a key
 */
#ifndef KERNEL_BOOT_H
#define KERNEL_BOOT_H

#include <kernel/param.h>
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

#define BOOT_MEM_AVAILABLE   1 /* multiboot memory type: usable RAM */
#define BOOT_MAX_MEM_REGIONS 32

struct boot_module {
	uint64_t start, end;		  /* physical, end exclusive */
	char name[PARAM_MODULE_NAME_LEN]; /* the module's string (path + args) */
};

struct boot_mem_region {
	uint64_t base, len;
	uint32_t type;
};

/* Returns -EINVAL if @magic is not the multiboot1 loader magic. */
int bootinfo_init(uint32_t magic, uint64_t info_phys);
const char *kernel_cmdline(void);
const char *kernel_cmdline_get(const char *key);
bool kernel_cmdline_has(const char *word);
const struct boot_module *kernel_modules(size_t *count);
const struct boot_mem_region *boot_memory_map(size_t *count);

#endif
