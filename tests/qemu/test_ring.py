#!/usr/bin/env python3
"""The shared submission/completion rings (uapi/ring.h, kernel/syscall/sys_ring.c)
through tests/qemu/progs/qring.c.

`qring proto` runs the protocol checks in one process: setup errors, both
indices going round a 4-entry SQ and an 8-entry CQ hundreds of times, a full
CQ (events held, never dropped, the overflow flag and counter), many
producers (writer processes over pipes and the timer completing into one
small CQ), and a process that scribbles over its ring indices and entries
while its ops are in flight, next to another process whose ring must not
notice. `qring pending` exits with a ring full of ops that never finish and
of events the CQ could not take: afterwards every op, buffer, ring, waiter
and pipe is back in its pool (an unpinned page is also what lets the exit
finish at all).
"""

import re

import qtest
from qtest import initrd, output_of, pool_counts, shell

PROTO_CHECKS = ("setup_errors", "wrap_around", "cq_full_overflow", "many_producers", "scribble",
                "one_slot_whole_batch")
IDLE_POOLS = ("async_op", "async_buf", "async_waiter", "async_slot_block", "ring", "pipe")


@qtest.case
def ring_protocol_wrap_overflow_producers_scribble(t):
    """qring proto: every protocol check passes, and no pool keeps anything."""
    out = shell(t, ["stats", "qring proto", "stats"], timeout=240)
    text = output_of(t, out, "qring proto")
    t.check("qring proto: 0 failed" in text,
            "qring proto: %r" % [l for l in text.splitlines() if not l.startswith("ok ")])
    for name in PROTO_CHECKS:
        t.check(("ok %s\n" % name) in text, "check %s did not pass" % name)
    t.check("qring victim: ok" in out, "the other process's ring noticed something")
    after = pool_counts(out[out.rfind("# stats\n"):])
    for pool in IDLE_POOLS:
        t.check(after.get(pool) == 0, "pool %s: %r in use after the checks" % (pool, after.get(pool)))


def ops_submitted(text):
    """The core's count of submitted ops in a `stats` output."""
    m = re.search(r"async ops:\s*submitted (\d+)", text)
    return int(m.group(1)) if m else None


@qtest.case
def ring_inline_completion_needs_no_op(t):
    """qring inline: a NOP whose slot is busy stays queued; tmpfs reads and writes
    into a registered buffer give the results, offsets and errors of an op; events
    keep submission order around an op; and 3,000 NOPs (1,000 of them through
    SYS_submit) plus 200 reads submit almost no async op (the program's own
    loading does a few): they completed in their system call."""
    out = shell(t, ["stats", "qring inline", "stats"], timeout=120)
    text = output_of(t, out, "qring inline")
    t.check("qring inline: 0 failed" in text,
            "qring inline: %r" % [l for l in text.splitlines() if not l.startswith("ok ")])
    before = ops_submitted(out[:out.find("# qring inline")])
    after = ops_submitted(out[out.rfind("# stats\n"):])
    t.check(before is not None and after is not None, "no 'async ops: submitted' in stats")
    t.check(after - before < 300, "%d ops submitted for 3,200 inline completions" % (after - before))
    counts = pool_counts(out[out.rfind("# stats\n"):])
    for pool in IDLE_POOLS:
        t.check(counts.get(pool) == 0, "pool %s: %r in use afterwards" % (pool, counts.get(pool)))


@qtest.case
def ring_exit_with_pending_ops_returns_every_pool(t):
    """Three processes in a row exit with 24 ops in flight on their ring (8 pipe
    reads with pinned buffers, 16 NOPs parked for an hour) and 4 events held
    back by a full CQ: each exit cancels every op and unpins every page, so the
    pools are idle afterwards and the shell goes on."""
    lines = ["qring pending", "qring pending", "qring pending", "echo after $?", "stats"]
    out = shell(t, lines, timeout=120)
    text = output_of(t, out, "qring pending")
    t.check("submitted 32, in CQ 4, held 4, overflow flag 1" in text, "qring pending: %r" % text)
    t.check("after 0" in output_of(t, out, "echo after $?"), "the last exit status")
    counts = pool_counts(output_of(t, out, "stats"))
    for pool in IDLE_POOLS:
        t.check(counts.get(pool) == 0, "pool %s: %r in use after the exits" % (pool, counts.get(pool)))


if __name__ == "__main__":
    qtest.main("ring")
