/*
 * kernel/param.h - every build-time limit and size of the kernel, in one place.
 * Change a value here, rebuild; nothing else hard-codes these numbers.
 */
#ifndef KERNEL_PARAM_H
#define KERNEL_PARAM_H

#define PARAM_MAX_THREADS     64	   /* kernel threads alive at once (thread pool) */
#define PARAM_KSTACK_SIZE     (16 * 1024)  /* bytes per kernel thread stack */
#define PARAM_BOOT_STACK_SIZE (16 * 1024)  /* stack of kmain before threads exist */
#define PARAM_IST_STACK_SIZE  (8 * 1024)   /* double-fault IST stack */
#define PARAM_HZ	      1000	   /* PIT tick rate; timer wheel granularity 1/HZ s */
#define PARAM_TIMESLICE_TICKS 10	   /* round-robin time slice, in ticks */
#define PARAM_MAX_PHYS_BYTES  (4ULL << 30) /* RAM above this is ignored (direct map size) */
#define PARAM_MAX_MODULES     8		   /* multiboot modules recorded */
#define PARAM_MODULE_NAME_LEN 64	   /* bytes kept of each module's string */
#define PARAM_CMDLINE_LEN     512	   /* bytes kept of the kernel command line */
#define PARAM_CMDLINE_ARGS    32	   /* key=value / bare words parsed */
#define PARAM_CONSOLE_RX_RING 256	   /* serial input ring, bytes (power of two) */
#define PARAM_BACKTRACE_DEPTH 24	   /* frames printed by a backtrace */

#endif
