/*
 * kernel/param.h - every build-time limit and size of the kernel, in one place.
 * Change a value here, rebuild; nothing else hard-codes these numbers.
 */
#ifndef KERNEL_PARAM_H
#define KERNEL_PARAM_H

#define PARAM_MAX_THREADS	64	     /* kernel threads alive at once (thread pool) */
#define PARAM_KSTACK_SIZE	(16 * 1024)  /* bytes per kernel thread stack */
#define PARAM_BOOT_STACK_SIZE	(16 * 1024)  /* stack of kmain before threads exist */
#define PARAM_IST_STACK_SIZE	(8 * 1024)   /* double-fault IST stack */
#define PARAM_HZ		1000	     /* PIT tick rate; timer wheel granularity 1/HZ s */
#define PARAM_TIMESLICE_TICKS	10	     /* round-robin time slice, in ticks */
#define PARAM_MAX_PHYS_BYTES	(4ULL << 30) /* RAM above this is ignored (direct map size) */
#define PARAM_MAX_MODULES	8	     /* multiboot modules recorded */
#define PARAM_MODULE_NAME_LEN	64	     /* bytes kept of each module's string */
#define PARAM_CMDLINE_LEN	512	     /* bytes kept of the kernel command line */
#define PARAM_CMDLINE_ARGS	32	     /* key=value / bare words parsed */
#define PARAM_CONSOLE_RX_RING	256	     /* serial input ring, bytes (power of two) */
#define PARAM_BACKTRACE_DEPTH	24	     /* frames printed by a backtrace */
#define PARAM_MAX_PROCS		16	     /* processes alive (zombies included) */
#define PARAM_PROC_FDS		384	     /* descriptors per process (a server's connections) */
#define PARAM_MAX_FILES		1024	     /* open file objects, all processes */
#define PARAM_PROC_SPILL_BYTES	8192	     /* per-process async spill region */
#define PARAM_PROC_MAX_PAGES	8192	     /* user pages one process may map (32 MiB) */
#define PARAM_USER_STACK_PAGES	32	     /* user stack, mapped at creation (128 KiB) */
#define PARAM_ARGS_BYTES	4096	     /* spawn: argv strings + pointers */
#define PARAM_ARGS_MAX		64	     /* spawn: arguments */
#define PARAM_MAX_MOUNTS	16	     /* mount table entries (FAT automounts on /mnt) */
#define PARAM_INITRD_NODES	256	     /* files + directories of the initrd */
#define PARAM_TMPFS_NODES	128	     /* files + directories of the tmpfs */
#define PARAM_TMPFS_BLOCKS	1024	     /* 4 KiB data blocks of the tmpfs (4 MiB) */
#define PARAM_TMPFS_FILE_BLOCKS 128	     /* blocks of one tmpfs file (512 KiB) */
#define PARAM_MAX_PIPES		16	     /* pipes alive at once (pipe pool) */
#define PARAM_PIPE_BYTES	16384	     /* buffer of one pipe (>= TIO_PIPE_BUF) */
#define PARAM_BCACHE_BLOCKS	512	     /* sectors in the filesystem sector cache (256 KiB) */
#define PARAM_FAT_NODES		256	     /* FAT files and directories referenced at once */
#define PARAM_FAT_CHECK_CLUSTERS (1u << 20) /* FAT chain check: clusters covered (2 bitmaps of 128 KiB) */
#define PARAM_FAT_RA_WINDOWS	8	     /* FAT readahead windows, all volumes */
#define PARAM_FAT_RA_BYTES	131072	     /* bytes of one readahead window (static: 1 MiB in all) */
#define PARAM_TTY_LINE		4096 /* console line buffer; a longer line is delivered in parts */

#endif
