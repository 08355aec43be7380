/*
 * kernel/crash.h - deliberate crashes for the `crash=` option (backtrace tests).
 * crash_request("panic"|"pagefault"|"divzero"|"ud"|"gp") does not return when
 * it works; it returns -1 for an unknown kind or one that failed to fault.
 */
#ifndef KERNEL_CRASH_H
#define KERNEL_CRASH_H

int crash_request(const char *how);

#endif
