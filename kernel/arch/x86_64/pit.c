/*
 * pit.c - the 8254 PIT: channel 0 is the periodic tick (IRQ 0, PARAM_HZ),
 * channel 2 is a one-shot stopwatch used once to calibrate the TSC.
 * The tick drives the timer wheel and the scheduler's time slices.
 */
#include <arch/x86_64/cpu.h>
#include <arch/x86_64/pit.h>
#include <arch/x86_64/trap.h>
#include <kernel/param.h>
#include <kernel/sched.h>
#include <kernel/time.h>

#define PIT_HZ	1193182
#define PIT_CH0 0x40
#define PIT_CH2 0x42
#define PIT_CMD 0x43
#define PORT_B	0x61 /* bit 0: channel 2 gate, bit 1: speaker, bit 5: channel 2 output */

static uint64_t pit_ticks; /* [irq] written only by the tick handler */

static void pit_irq(void *arg)
{
	(void)arg;
	__atomic_add_fetch(&pit_ticks, 1, __ATOMIC_RELAXED);
	timer_tick();
	sched_tick();
}

void pit_start_tick(void)
{
	unsigned divisor = PIT_HZ / PARAM_HZ;

	outb(PIT_CMD, 0x34); /* channel 0, lo/hi byte, mode 2 (rate generator) */
	outb(PIT_CH0, divisor & 0xff);
	outb(PIT_CH0, divisor >> 8);
	arch_irq_register(IRQ_PIT, pit_irq, NULL);
}

uint64_t pit_tick_count(void)
{
	return __atomic_load_n(&pit_ticks, __ATOMIC_RELAXED);
}

uint64_t pit_measure_tsc(unsigned ms)
{
	unsigned count = PIT_HZ / 1000 * ms;
	uint64_t start, end;
	uint8_t b;

	b = inb(PORT_B);
	outb(PORT_B, (b & ~0x02) & ~0x01); /* gate low, speaker off */
	outb(PIT_CMD, 0xb0);		   /* channel 2, lo/hi byte, mode 0 (one-shot) */
	outb(PIT_CH2, count & 0xff);
	outb(PIT_CH2, (count >> 8) & 0xff);
	start = arch_rdtsc();
	outb(PORT_B, (b & ~0x02) | 0x01); /* gate high: counting starts */
	while (!(inb(PORT_B) & 0x20))
		arch_pause();
	end = arch_rdtsc();
	outb(PORT_B, b);
	return end - start;
}
