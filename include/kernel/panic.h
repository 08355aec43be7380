/*
 * kernel/panic.h - the three tiers of trouble, and how the kernel ends.
 *
 *   panic(fmt, ...)      corrupted kernel state: message, backtrace, QEMU exits
 *                        with kernel_exit(3). Never for bad input or device data.
 *   KASSERT(cond)        debug assertion (file, line, function) -> panic
 *   WARN_ONCE(cond, ...) prints once per call site, returns cond, so the caller
 *                        fails just the request: if (WARN_ONCE(x, "...")) return -EIO;
 *
 * Exit contract with the QEMU runner (qemu/run maps QEMU's status back):
 *   kernel_poweroff()    ACPI S5 via the PIIX4 PM block -> QEMU exits 0
 *   kernel_exit(n)       1 <= n <= 127 via isa-debug-exit -> QEMU exits (n<<1)|1,
 *                        the runner reports n. 1 = a test failed, 3 = panic.
 */
#ifndef KERNEL_PANIC_H
#define KERNEL_PANIC_H

#include <stdbool.h>
#include <stdint.h>

#define KERNEL_EXIT_TEST_FAILED 1
#define KERNEL_EXIT_PANIC	3

#ifndef KERNEL_DEBUG
#define KERNEL_DEBUG 1 /* KASSERT compiled in */
#endif

__attribute__((noreturn, format(printf, 1, 2))) void panic(const char *fmt, ...);
/* panic() for a caller that already printed the registers and backtrace (exceptions). */
__attribute__((noreturn, format(printf, 1, 2))) void panic_reported(const char *fmt, ...);
__attribute__((noreturn)) void kernel_exit(int code);
__attribute__((noreturn)) void kernel_poweroff(void);
/* True once panic() has started (output then bypasses locks). */
bool panic_in_progress(void);

#define KASSERT(cond)                                                                              \
	((!KERNEL_DEBUG || (cond))                                                                 \
	     ? (void)0                                                                             \
	     : panic("assertion failed: %s at %s:%d (%s)", #cond, __FILE__, __LINE__, __func__))

void warn_print(const char *file, int line, const char *func, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Warnings printed since boot (tests, stats). */
unsigned long warn_count(void);

#define WARN_ONCE(cond, ...)                                                                       \
	({                                                                                         \
		static bool warned_;                                                               \
		bool c_ = !!(cond);                                                                \
		if (c_ && !__atomic_exchange_n(&warned_, true, __ATOMIC_RELAXED))                  \
			warn_print(__FILE__, __LINE__, __func__, __VA_ARGS__);                     \
		c_;                                                                                \
	})

#endif
