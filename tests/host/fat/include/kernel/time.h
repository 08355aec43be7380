/*
 * kernel/time.h (host shim, tests/host/fat) - the wall clock FAT stamps
 * entries with. The host harness fixes it (fathost_set_clock) so a run over
 * one input is repeatable.
 */
#ifndef KERNEL_TIME_H
#define KERNEL_TIME_H

#include <kernel/list.h>
#include <stdint.h>
#include <stdbool.h>

int64_t clock_realtime_ns(void);

#endif
