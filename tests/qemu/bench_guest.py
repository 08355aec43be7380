#!/usr/bin/env python3
"""bench_guest.py - the in-guest benchmarks: boot the kernel under QEMU (TCG)
with build/test-initrd.img, type `qbench` into the shell, print its lines.

`make bench` runs it through tests/run.py --bench. Output on stdout, one per
line, the benchmark protocol:

    BENCH <name> <value> <unit>

the guest's own lines (tests/qemu/progs/qbench.c) plus one measured here:

    BENCH guest_boot_to_shell_ms   wall time from starting qemu/run to the
                                   shell's first prompt on the serial console
                                   (QEMU start-up, firmware, kernel boot, init,
                                   shell), median of BOOTS boots

It is a benchmark, not a test: no number is judged. It exits 1 only when the
guest run fails (no prompt, a qbench error line, missing lines, QEMU not
powering off with status 0), and says why. QEMU command lines and the full
console transcripts go to build/test-logs/bench-guest-console.log.
"""

import os
import re
import statistics
import sys
import time

import qtest

BOOTS = 3  # boots timed; qbench runs in the last one
BOOT_TIMEOUT = 60  # seconds to the first prompt
QBENCH_TIMEOUT = 60  # seconds for the whole qbench run
RUN_TIMEOUT = 150  # qemu/run's own limit per boot
PROMPT = r"(?m)^# "
BENCH_LINE = re.compile(r"^BENCH \S+ \d+ \S+$", re.M)
# Every line qbench prints; a run missing one of them failed.
GUEST_BENCHES = ("guest_syscall_ns", "guest_uname_ns", "guest_user_memset1k_ns",
                 "guest_user_memcpy4k_ns",
                 "guest_async_nop_roundtrip_ns",
                 "guest_async_nop_roundtrip_pending20_ns", "guest_async_batch32_ops_per_s",
                 "guest_async_submit_nop_ns", "guest_async_wait_poll_ns",
                 "guest_tmpfs_write_MBps", "guest_tmpfs_read_MBps", "guest_read_regbuf_MBps",
                 "guest_spawn_wait_us",
                 "guest_ring_nop_roundtrip_ns", "guest_ring_nop_roundtrip_pending20_ns",
                 "guest_ring_batch32_ops_per_s", "guest_ring_read4k_tmpfs_ns")


def initrd(t):
    path = os.path.join(t.build, "test-initrd.img")
    t.check(os.path.isfile(path), "%s not built" % os.path.relpath(path, qtest.ROOT))
    return path


def boot(t):
    """qemu/run in the background, waited on up to its first prompt: (session, ms)."""
    s = t.start("--initrd", initrd(t), timeout=RUN_TIMEOUT)
    s.expect(PROMPT, timeout=BOOT_TIMEOUT)
    return s, (time.monotonic() - s.start) * 1000.0


def poweroff(t, s):
    s.send("poweroff\n")
    r = s.finish(timeout=60)
    t.expect_status(r, 0)


def run_qbench(t, s):
    """Types `qbench` at the prompt; returns its BENCH lines."""
    s.send("qbench\n")
    # Its last line: "qbench: done", an error line, or the kernel's
    # "qbench[pid]: killed: ..." when it faulted.
    m = s.expect(r"(?m)^qbench(\[\d+\])?: (.*)\n", timeout=QBENCH_TIMEOUT)
    out = s.out[:m.end()]
    t.check(m.group(0) == "qbench: done\n", "qbench failed: %s" % m.group(0).strip())
    lines = BENCH_LINE.findall(out)
    names = [ln.split()[1] for ln in lines]
    missing = [n for n in GUEST_BENCHES if n not in names]
    t.check(not missing, "qbench printed no line for %s" % ", ".join(missing))
    return lines


def bench(t):
    boots, lines = [], []
    for i in range(BOOTS):
        s, ms = boot(t)
        boots.append(ms)
        if i == BOOTS - 1:
            lines = run_qbench(t, s)
        poweroff(t, s)
    lines.append("BENCH guest_boot_to_shell_ms %d ms" % round(statistics.median(boots)))
    return lines


if __name__ == "__main__":
    sys.exit(qtest.bench_main("guest", bench))
