/*
 * kernel/stats.h - one report of the kernel's resources: every object pool
 * (async_pool_foreach), the page allocator, threads and timers. For the
 * future `stats` shell command; printed at boot with loglevel >= 7.
 */
#ifndef KERNEL_STATS_H
#define KERNEL_STATS_H

void kernel_stats_print(void);

#endif
