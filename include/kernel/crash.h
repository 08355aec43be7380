/*
 * kernel/crash.h - deliberate crashes for the `crash=` option (backtrace tests).
 * crash_request("panic"|"pagefault"|"divzero"|"ud"|"gp"|"smap"|"smep") does
 * not return when it works; it returns -1 for an unknown kind or one that
 * failed to fault (smap and smep do not fault where the CPU lacks SMAP/SMEP).
 */
#ifndef KERNEL_CRASH_H
#define KERNEL_CRASH_H

int crash_request(const char *how);

#endif
