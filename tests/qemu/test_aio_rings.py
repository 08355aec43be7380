#!/usr/bin/env python3
"""The user runtime's async helpers (user/lib/aio.c) over the shared rings,
through tests/qemu/progs/qaio.c, counted with the kernel's per-process system
call counter (TIO_KINFO_SYSCALLS).

- 256 NOPs queued with aio_queue in rounds of 8, each round submitted with
  one aio_flush and collected one event per aio_wait: about one
  SYS_ring_enter per round (32; at most 64 allowed, for NOPs that complete
  after the submit returns), not one submit and one wait each (512), nor one
  system call per aio_wait (288): the rings are used on both sides, and
  every event is right.
- dd copies a 100,000-byte file (195 full blocks and a 160-byte partial one of
  512 bytes) through the rings: the copy is byte for byte, the record counts
  are those of a dd that reads one block at a time (its input a pipe, which
  takes the plain path), and dd makes far fewer system calls than the 196
  reads it replaces (the plain path makes two per block: read and write).
"""

import re

import qtest
from qtest import output_of, pool_counts, shell

SIZE = 100000
BLOCKS = SIZE // 512 + 1


@qtest.case
def aio_queue_and_wait_cost_one_ring_enter_per_round(t):
    """qaio nops 256: 256 right events for at most two system calls per round of 8."""
    out = shell(t, ["qaio nops 256"], timeout=120)
    text = output_of(t, out, "qaio nops 256")
    m = re.search(r"qaio nops: (\d+) events ok, (-?\d+) syscalls, ring (\d)", text)
    t.check(m is not None, "qaio nops: %r" % text)
    if m:
        ok, calls, ring = (int(g) for g in m.groups())
        t.check(ring == 1, "the waiter got no rings")
        t.check(ok == 256, "%d of 256 events right" % ok)
        t.check(0 < calls <= 256 // 4, "%d system calls for 32 rounds" % calls)


@qtest.case
def dd_through_rings_copies_exactly_with_far_fewer_syscalls(t):
    """dd if=/tmp/in of=/tmp/out bs=512: same bytes, same records as the plain
    path, and fewer system calls than half its reads."""
    lines = ["qaio mkfile /tmp/in %d" % SIZE,
             "qaio count dd if=/tmp/in of=/tmp/out bs=512",
             "cat /tmp/in | dd of=/tmp/plain bs=512",
             "sha256sum /tmp/in /tmp/out /tmp/plain"]
    out = shell(t, lines, timeout=180)
    counted = output_of(t, out, lines[1])
    m = re.search(r"qaio count: dd (-?\d+) syscalls, status (-?\d+)", counted)
    t.check(m is not None, "qaio count: %r" % counted)
    if m:
        calls, status = int(m.group(1)), int(m.group(2))
        t.check(status == 0, "dd exit status %d" % status)
        t.check(0 < calls < BLOCKS // 2, "dd made %d system calls for %d reads" % (calls, BLOCKS))
    records = "%d+1 records in\n%d+1 records out\n%d bytes" % (BLOCKS - 1, BLOCKS - 1, SIZE)
    t.check(records in counted, "dd through the rings: %r" % counted)
    t.check(records in output_of(t, out, lines[2]), "plain dd: %r" % output_of(t, out, lines[2]))
    sums = re.findall(r"^([0-9a-f]{64})\s+(\S+)$", output_of(t, out, lines[3]), re.M)
    t.check(len(sums) == 3 and len({s for s, _ in sums}) == 1, "sha256sum: %r" % sums)



@qtest.case
def munmap_works_beside_a_ring_and_refuses_the_ring_pages(t):
    """While a ring lives, munmap of other ranges succeeds, munmap of any of
    the ring's pages is -EBUSY and leaves them mapped (the ring keeps
    working), and once the waiter is closed the ring's pages unmap; pools idle after."""
    out = shell(t, ["qaio munmap", "stats"], timeout=120)
    text = output_of(t, out, "qaio munmap")
    t.check(text == "qaio munmap: ok\n", "qaio munmap: %r" % text)
    counts = pool_counts(output_of(t, out, "stats"))
    for pool in ("ring", "async_waiter", "async_op"):
        t.check(counts.get(pool) == 0, "pool %s: %r in use" % (pool, counts.get(pool)))


if __name__ == "__main__":
    qtest.main("aio_rings")
