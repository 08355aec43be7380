/*
 * ksyms.c - symbol lookup and frame-pointer backtraces.
 *
 * The table (ksyms_addr[], ksyms_name_off[], ksyms_names) is a generated
 * assembly file, sorted by address (kernel/debug/ksyms-gen.awk). Backtraces
 * follow the RBP chain (the kernel is built with -fno-omit-frame-pointer):
 * [rbp] is the caller's rbp, [rbp+8] the return address. Every stack the
 * kernel runs on (boot stack, thread stacks from their pool, the IST stack)
 * lies inside the kernel image, so a frame pointer outside the image, not
 * aligned, or not moving up the stack ends the walk instead of faulting.
 */
#include <kernel/ksyms.h>
#include <kernel/console.h>
#include <kernel/param.h>
#include <kernel/string.h>

extern const uint64_t ksyms_num;
extern const uint64_t ksyms_addr[];
extern const uint32_t ksyms_name_off[];
extern const char ksyms_names[];
extern char _kernel_start[], _kernel_end[];

size_t ksyms_count(void)
{
	return ksyms_num;
}

const char *ksyms_lookup(uint64_t addr, uint64_t *offset)
{
	size_t lo = 0, hi = ksyms_num;

	if (!hi || addr < ksyms_addr[0] || addr >= (uint64_t)_kernel_end)
		return NULL;
	while (hi - lo > 1) { /* invariant: ksyms_addr[lo] <= addr < ksyms_addr[hi] */
		size_t mid = lo + (hi - lo) / 2;

		if (ksyms_addr[mid] <= addr)
			lo = mid;
		else
			hi = mid;
	}
	*offset = addr - ksyms_addr[lo];
	return ksyms_names + ksyms_name_off[lo];
}

uint64_t ksyms_address(const char *name)
{
	for (size_t i = 0; i < ksyms_num; i++)
		if (!strcmp(ksyms_names + ksyms_name_off[i], name))
			return ksyms_addr[i];
	return 0;
}

static void print_frame(int n, uint64_t pc, uint64_t lookup_pc)
{
	uint64_t off = 0;
	const char *name = ksyms_lookup(lookup_pc, &off);

	if (name)
		printk("  #%d %016lx %s+0x%lx\n", n, pc, name, off + (pc - lookup_pc));
	else
		printk("  #%d %016lx ?\n", n, pc);
}

static int frame_ok(uint64_t rbp, uint64_t prev)
{
	return rbp && !(rbp & 7) && rbp > prev && rbp >= (uint64_t)_kernel_start &&
	       rbp + 16 <= (uint64_t)_kernel_end;
}

void backtrace_print(uint64_t rip, uint64_t rbp)
{
	uint64_t prev = 0;
	int n = 0;

	print_frame(n++, rip, rip);
	while (n < PARAM_BACKTRACE_DEPTH && frame_ok(rbp, prev)) {
		const uint64_t *fp = (const uint64_t *)rbp;
		uint64_t ret = fp[1];

		if (!ret)
			break;
		/* ret - 1 lies inside the call instruction, so noreturn tail calls name the caller.
		 */
		print_frame(n++, ret, ret - 1);
		prev = rbp;
		rbp = fp[0];
	}
}

__attribute__((noinline)) void backtrace_here(void)
{
	const uint64_t *fp = __builtin_frame_address(0);

	backtrace_print(fp[1], fp[0]); /* starts in our caller */
}
