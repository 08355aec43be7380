/*
 * arch/x86_64/pit.h - the 8254 timer: periodic tick and TSC calibration.
 */
#ifndef ARCH_X86_64_PIT_H
#define ARCH_X86_64_PIT_H

#include <stdint.h>

/* Starts channel 0 at PARAM_HZ and registers the tick handler on IRQ 0. */
void pit_start_tick(void);
uint64_t pit_tick_count(void);
/* TSC cycles elapsed during @ms milliseconds (<= 54) timed by channel 2; polls. */
uint64_t pit_measure_tsc(unsigned ms);

#endif
