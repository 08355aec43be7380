/*
 * cpu.c - CPU protection features switched on at boot (contract:
 * arch/x86_64/cpu.h): SMEP and SMAP, when CPUID leaf 7 offers them.
 *
 * SMEP: ring 0 may not execute a page that ring 3 can reach (a #PF with the
 * instruction-fetch bit). SMAP: ring 0 may not read or write such a page
 * unless RFLAGS.AC is set, which `stac` does and `clac` undoes.
 *
 * How the kernel reaches user memory, and why that needs no stac: every copy
 * (kernel/proc/uaccess.c), the ELF loader and the argv setup (through
 * copy_to_user), and the async port's user pinning (kernel/port/user_pin.c,
 * then fs/vfs/file.c's copies) walk the process's page tables and touch the
 * frame through the direct map, a supervisor mapping. No kernel code
 * dereferences a user virtual address, so with SMAP on none of them opens
 * the window; a kernel access at a user address is a bug and faults. Code
 * that must touch a user address directly brackets exactly that access with
 * arch_user_access_begin()/arch_user_access_end().
 *
 * Entries from ring 3 cannot carry AC into the kernel: the syscall entry's
 * flag mask clears it, and isr.S clears it (clac) on every interrupt and
 * exception when SMAP is on, as it clears DF (cld).
 */
#include <arch/x86_64/cpu.h>
#include <kernel/console.h>

#define CPUID_LEAF_EXT_FEATURES 7
#define CPUID7_EBX_SMEP		(1u << 7)
#define CPUID7_EBX_SMAP		(1u << 20)
#define CR4_SMEP		(1UL << 20)
#define CR4_SMAP		(1UL << 21)

unsigned char arch_smap_on; /* [I] after arch_cpu_protect_init; read by isr.S */
static bool smep_on;	    /* [I] */

void arch_cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid"
			 : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(sub));
}

/* EBX of CPUID leaf 7 subleaf 0, or 0 when the CPU has no leaf 7. */
static uint32_t ext_features_ebx(void)
{
	uint32_t r[4];

	arch_cpuid(0, 0, r);
	if (r[0] < CPUID_LEAF_EXT_FEATURES)
		return 0;
	arch_cpuid(CPUID_LEAF_EXT_FEATURES, 0, r);
	return r[1];
}

bool arch_cpu_has_smep(void)
{
	return ext_features_ebx() & CPUID7_EBX_SMEP;
}

bool arch_cpu_has_smap(void)
{
	return ext_features_ebx() & CPUID7_EBX_SMAP;
}

static const char *feature_state(bool on, bool offered)
{
	return on ? "on" : offered ? "off (CR4 refused it)" : "off (not offered by the CPU)";
}

void arch_cpu_protect_init(void)
{
	bool has_smep = arch_cpu_has_smep(), has_smap = arch_cpu_has_smap();
	uint64_t cr4 = arch_read_cr4();

	if (has_smep)
		cr4 |= CR4_SMEP;
	if (has_smap)
		cr4 |= CR4_SMAP;
	arch_write_cr4(cr4);
	/* What the CPU took, not what we asked for: tests and the log trust these. */
	cr4 = arch_read_cr4();
	smep_on = cr4 & CR4_SMEP;
	arch_smap_on = !!(cr4 & CR4_SMAP);
	klog(LOG_INFO, "cpu: SMEP %s, SMAP %s\n", feature_state(smep_on, has_smep),
	     feature_state(arch_smap_on, has_smap));
}

bool arch_smep_enabled(void)
{
	return smep_on;
}

bool arch_smap_enabled(void)
{
	return arch_smap_on;
}
