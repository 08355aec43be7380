#!/usr/bin/env python3
"""Provided-buffer queues through the system calls (tests/qemu/progs/pbqtest.c).

A multishot READ with TIO_SQE_PBQ is the consumer: it takes a buffer per
chunk of the file and names it in each TIO_EV_BUF event. The user gives a
buffer back with SYS_pbq_recycle and the next read takes it again. The ring
case fills a waiter's event ring with multishot events and checks that every
final event still arrives and that arming another slot waits (-EAGAIN) until
the events are collected. After both, `stats` shows every pool back where
it was (the queue's buffer references, pins and ops are all returned).
"""

import qtest
from qtest import initrd, pool_counts, session_line


def run_pbqtest(t, what):
    s = t.start("--initrd", initrd(t), timeout=120)
    s.expect(r"# ", timeout=40)
    before = pool_counts(session_line(s, "stats"))
    got = session_line(s, "pbqtest " + what)
    status = session_line(s, "echo status $?")
    after = pool_counts(session_line(s, "stats"))
    s.send("poweroff\n")
    t.expect_status(s.finish(timeout=30), 0)
    t.check(got == "pbq %s ok\n" % what, "pbqtest %s: %r" % (what, got))
    t.check(status == "status 0\n", "pbqtest %s status: %r" % (what, status))
    leaks = {k: (before[k], after.get(k)) for k in before
             if not k.startswith("tmpfs") and before[k] != after.get(k)}
    t.check(before and not leaks, "pools not back to idle (before, after): %r" % leaks)


@qtest.case
def take_recycle_take_again(t):
    """A read takes both buffers and ends -ENOBUFS; provide of a taken id is
    -EEXIST; pbq_recycle gives it back and the next read takes that same
    buffer with the right data; recycling a queued or unknown id is -EINVAL."""
    run_pbqtest(t, "recycle")


@qtest.case
def full_ring_keeps_final_events(t):
    """Multishot events fill the ring: the read ends -EAGAIN (its chunk's
    buffer goes back to the queue), submit on another slot is -EAGAIN, and
    all 13 final events arrive once the 64 events are collected."""
    run_pbqtest(t, "ring")


if __name__ == "__main__":
    qtest.main("pbq")
