#!/usr/bin/env python3
"""The per-process op limit through the rings (kernel/limits.h "charge batch",
kernel/syscall/sys_ring.c) with tests/qemu/progs/ringlim.c.

A SYS_ring_enter charges its ops through a batch that hands the unit of an op
finishing inside the call to the next op. The limit must hold exactly as with
one charge per op, and every unit must come back.
"""

import qtest
from qtest import output_of, shell


@qtest.case
def ring_batch_parks_exactly_the_op_limit_and_returns_every_unit(t):
    """Four rounds: 12 NOPs that finish at once interleaved with 52 that park
    for an hour, in one ring_enter each; exactly 48 (LIMIT_PROC_OPS) park, 4
    get -EAGAIN, all 12 quick ones complete with 0; cancelling the parked ones
    gives the units back, so the next round parks 48 again. The exit leaves
    nothing charged (the kernel's "exits holding" warning stays silent)."""
    out = shell(t, ["ringlim", "echo after $?"], timeout=120)
    text = output_of(t, out, "ringlim")
    t.check("ringlim: done" in text, "ringlim: %r" % text[-300:])
    for i in range(4):
        t.check(("ok %d\n" % i) in text, "round %d did not pass" % i)
    t.check("exits holding" not in out, "units still charged at exit: %r" %
            [l for l in out.splitlines() if "exits holding" in l])
    t.check("after 0" in output_of(t, out, "echo after $?"), "exit status of ringlim")


if __name__ == "__main__":
    qtest.main("ring_limits")
