/*
 * stack_probe.h - measures how deep the C stack goes below a base point, for
 * tests that prove the core's recursion is bounded by the code, not the data.
 *
 *   stack_probe_begin(&p)   marks the base (call it in the test, before the
 *                           call that triggers the chain)
 *   stack_probe_note(&p)    in a handler: remembers the deepest point seen
 *   stack_probe_depth(&p)   bytes between the base and the deepest point
 * The stack grows down on every host we build for (x86-64, arm64).
 */
#ifndef STACK_PROBE_H
#define STACK_PROBE_H

#include <stdint.h>

struct stack_probe {
	uintptr_t base, lowest;
	unsigned long notes;
};

static inline __attribute__((always_inline)) void stack_probe_begin(struct stack_probe *p)
{
	p->base = (uintptr_t)__builtin_frame_address(0);
	p->lowest = p->base;
	p->notes = 0;
}

static inline __attribute__((always_inline)) void stack_probe_note(struct stack_probe *p)
{
	uintptr_t here = (uintptr_t)__builtin_frame_address(0);

	if (here < p->lowest)
		p->lowest = here;
	p->notes++;
}

static inline uintptr_t stack_probe_depth(const struct stack_probe *p)
{
	return p->base - p->lowest;
}

#endif
