/*
 * kernel/stats.h - one report of the kernel's resources: every object pool
 * (async_pool_foreach), the page allocator, threads, timers and the async
 * core with its ops in flight. For the future `stats` shell command; printed
 * at boot with loglevel >= 7.
 */
#ifndef KERNEL_STATS_H
#define KERNEL_STATS_H

void kernel_stats_print(void);
/* The async part alone, through @print (printk, or a test's capture): op
 * counters, the kernel spill heap, workers, then async_introspect_print. */
void kernel_stats_print_async(void (*print)(const char *fmt, ...));

#endif
