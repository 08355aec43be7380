/*
 * tio/sysfmt.h - the system-status tools' text (free, uptime), busybox
 * layouts. Pure; host-tested.
 *
 *   sysfmt_pools_pages(text, &total, &used)  the "pages" line of a
 *       SYS_kinfo(TIO_KINFO_POOLS) report -> 4 KiB page counts; -EINVAL if
 *       there is none
 *   sysfmt_free(out, cap, total_kb, used_kb)  busybox `free`'s three lines
 *       (no swap, no page cache: shared, buff/cache and swap show 0, and
 *       available is what is free)
 *   sysfmt_uptime(out, cap, now_s, up_s)  " 05:10:00 up 1 day,  2:03" as
 *       busybox uptime, without the load average (the kernel has none)
 */
#ifndef TIO_SYSFMT_H
#define TIO_SYSFMT_H

#include <stddef.h>
#include <stdint.h>

int sysfmt_pools_pages(const char *text, uint64_t *total, uint64_t *used);
size_t sysfmt_free(char *out, size_t cap, uint64_t total_kb, uint64_t used_kb);
size_t sysfmt_uptime(char *out, size_t cap, int64_t now_s, uint64_t up_s);

#endif
