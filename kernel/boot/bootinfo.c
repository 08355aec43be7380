/*
 * bootinfo.c - copies and parses the multiboot1 information structure.
 *
 * The structure, the command line, module strings and the memory map are in
 * low physical memory that the page allocator later hands out; everything is
 * copied into static storage here, truncated to the sizes in param.h.
 */
#include <arch/x86_64/mmu.h>
#include <kernel/boot.h>
#include <kernel/console.h>
#include <kernel/string.h>
#include <uapi/errno.h>

#define MULTIBOOT_LOADER_MAGIC 0x2badb002
#define MBI_CMDLINE	       (1u << 2)
#define MBI_MODS	       (1u << 3)
#define MBI_MMAP	       (1u << 6)

struct mb_info {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline;
	uint32_t mods_count, mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length, mmap_addr;
} __attribute__((packed));

struct mb_module {
	uint32_t start, end, string, reserved;
} __attribute__((packed));

struct mb_mmap_entry {
	uint32_t size;
	uint64_t addr, len;
	uint32_t type;
} __attribute__((packed));

struct cmdline_arg {
	const char *key;
	const char *value; /* NULL for a bare word */
};

static char cmdline_raw[PARAM_CMDLINE_LEN];
static char cmdline_split[PARAM_CMDLINE_LEN];
static struct cmdline_arg args[PARAM_CMDLINE_ARGS];
static size_t nargs;
static struct boot_module modules[PARAM_MAX_MODULES];
static size_t nmodules;
static struct boot_mem_region mem_regions[BOOT_MAX_MEM_REGIONS];
static size_t nregions;

/* Splits cmdline_split in place into args[]. */
static void cmdline_parse(void)
{
	char *p = cmdline_split;

	while (*p && nargs < PARAM_CMDLINE_ARGS) {
		char *eq;

		while (*p == ' ')
			*p++ = '\0';
		if (!*p)
			break;
		args[nargs].key = p;
		while (*p && *p != ' ')
			p++;
		if (*p)
			*p++ = '\0';
		eq = strchr(args[nargs].key, '=');
		if (eq)
			*eq = '\0';
		args[nargs].value = eq ? eq + 1 : NULL;
		nargs++;
	}
}

static void copy_modules(const struct mb_info *mbi)
{
	const struct mb_module *m = phys_to_virt(mbi->mods_addr);

	for (uint32_t i = 0; i < mbi->mods_count && nmodules < PARAM_MAX_MODULES; i++) {
		modules[nmodules].start = m[i].start;
		modules[nmodules].end = m[i].end;
		if (m[i].string)
			strlcpy(modules[nmodules].name, phys_to_virt(m[i].string),
				PARAM_MODULE_NAME_LEN);
		nmodules++;
	}
}

static void copy_memory_map(const struct mb_info *mbi)
{
	uint64_t p = mbi->mmap_addr, end = p + mbi->mmap_length;

	while (p < end && nregions < BOOT_MAX_MEM_REGIONS) {
		const struct mb_mmap_entry *e = phys_to_virt(p);

		mem_regions[nregions++] = (struct boot_mem_region){e->addr, e->len, e->type};
		p += e->size + sizeof(e->size);
	}
}

int bootinfo_init(uint32_t magic, uint64_t info_phys)
{
	const struct mb_info *mbi = phys_to_virt(info_phys);

	if (magic != MULTIBOOT_LOADER_MAGIC)
		return -EINVAL;
	if ((mbi->flags & MBI_CMDLINE) && mbi->cmdline)
		strlcpy(cmdline_raw, phys_to_virt(mbi->cmdline), sizeof(cmdline_raw));
	memcpy(cmdline_split, cmdline_raw, sizeof(cmdline_split));
	cmdline_parse();
	if (mbi->flags & MBI_MODS)
		copy_modules(mbi);
	if (mbi->flags & MBI_MMAP)
		copy_memory_map(mbi);
	return 0;
}

const char *kernel_cmdline(void)
{
	return cmdline_raw;
}

static const struct cmdline_arg *cmdline_find(const char *key)
{
	for (size_t i = 0; i < nargs; i++)
		if (!strcmp(args[i].key, key))
			return &args[i];
	return NULL;
}

const char *kernel_cmdline_get(const char *key)
{
	const struct cmdline_arg *a = cmdline_find(key);

	return a ? a->value : NULL;
}

bool kernel_cmdline_has(const char *word)
{
	return cmdline_find(word) != NULL;
}

const struct boot_module *kernel_modules(size_t *count)
{
	*count = nmodules;
	return modules;
}

const struct boot_mem_region *boot_memory_map(size_t *count)
{
	*count = nregions;
	return mem_regions;
}
