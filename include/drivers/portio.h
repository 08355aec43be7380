/*
 * drivers/portio.h - x86 port I/O beyond arch/x86_64/cpu.h's single-transfer
 * helpers (inb/inw/inl, outb/outw/outl): the string forms the ATA PIO path
 * moves sectors with.
 */
#ifndef DRIVERS_PORTIO_H
#define DRIVERS_PORTIO_H

#include <arch/x86_64/cpu.h>
#include <stdint.h>
#include <stddef.h>

/* @n 16-bit words from @port into @dst. */
static inline void insw(uint16_t port, void *dst, size_t n)
{
	__asm__ volatile("rep insw" : "+D"(dst), "+c"(n) : "d"(port) : "memory");
}

static inline void outsw(uint16_t port, const void *src, size_t n)
{
	__asm__ volatile("rep outsw" : "+S"(src), "+c"(n) : "d"(port) : "memory");
}

#endif
