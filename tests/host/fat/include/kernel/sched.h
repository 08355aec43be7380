/*
 * kernel/sched.h (host shim, tests/host/fat) - the one scheduler call fs/fat
 * makes (umount waiting out a sync), as a host sleep.
 */
#ifndef KERNEL_SCHED_H
#define KERNEL_SCHED_H

#include <kernel/time.h>
#include <kernel/waitq.h>
#include <stdint.h>

void thread_sleep_ns(uint64_t ns);

#endif
