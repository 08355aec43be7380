/*
 * clock.c - the monotonic nanosecond clock: the TSC, calibrated once at boot
 * against the PIT (50 ms on channel 2), scaled by a 32.32 fixed-point factor.
 * Before clock_init() it reads 0. Lock-free: the factors are [I] after init.
 */
#include <arch/x86_64/cpu.h>
#include <arch/x86_64/pit.h>
#include <kernel/console.h>
#include <kernel/panic.h>
#include <kernel/time.h>

#define CALIBRATION_MS 50

static uint64_t tsc_base; /* [I] TSC at clock_init */
static uint64_t tsc_hz;	  /* [I] */
static uint64_t ns_mult;  /* [I] ns = (cycles * ns_mult) >> 32 */

void clock_init(void)
{
	uint64_t cycles = pit_measure_tsc(CALIBRATION_MS);

	if (!cycles)
		panic("TSC does not advance");
	tsc_hz = cycles * (1000 / CALIBRATION_MS);
	ns_mult = (uint64_t)(((unsigned __int128)NSEC_PER_SEC << 32) / tsc_hz);
	tsc_base = arch_rdtsc();
	klog(LOG_INFO, "clock: TSC %lu.%03lu MHz\n", tsc_hz / 1000000, tsc_hz / 1000 % 1000);
}

uint64_t clock_now_ns(void)
{
	if (!tsc_hz)
		return 0;
	return (uint64_t)(((unsigned __int128)(arch_rdtsc() - tsc_base) * ns_mult) >> 32);
}

uint64_t clock_ticks(void)
{
	return pit_tick_count();
}

uint64_t clock_tsc_hz(void)
{
	return tsc_hz;
}
