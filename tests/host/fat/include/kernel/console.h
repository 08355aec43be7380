/*
 * kernel/console.h (host shim, tests/host/fat) - klog for fs/fat on the
 * host: silent unless FAT_HOST_LOG is set in the environment.
 */
#ifndef KERNEL_CONSOLE_H
#define KERNEL_CONSOLE_H

#define LOG_EMERG 0
#define LOG_ERR	  3
#define LOG_WARN  4
#define LOG_INFO  6
#define LOG_DEBUG 7

__attribute__((format(printf, 2, 3))) void klog(int level, const char *fmt, ...);

#endif
