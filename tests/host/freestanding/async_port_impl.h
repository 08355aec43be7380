/*
 * async_port_impl.h (freestanding check) - the least a port can offer: the
 * freestanding headers, mem* prototypes and errno values. `make
 * async-freestanding-check` compiles the core against it with kernel flags,
 * so a hosted-only dependency in kernel/async/ breaks the build.
 */
#ifndef ASYNC_PORT_IMPL_H
#define ASYNC_PORT_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);

#define EINVAL	  22
#define ENOMEM	  12
#define ECANCELED 125
#define ETIMEDOUT 110
#define EAGAIN	  11
#define EBUSY	  16
#define EFAULT	  14
#define ENOSPC	  28
#define EBADF	  9
#define ENOENT	  2
#define EIO	  5
#define EEXIST	  17
#define ENODEV	  19

#define ASYNC_PORT_ASSERTS 1

typedef struct {
	volatile int locked;
} async_spinlock_t;
#define ASYNC_SPINLOCK_INIT                                                                        \
	{                                                                                          \
		0                                                                                  \
	}

struct async_port_cond {
	void *waiters;
};

struct async_port_timer {
	void (*fn)(struct async_port_timer *t);
	uint64_t deadline_ns;
	void *link[2];
};

#endif
