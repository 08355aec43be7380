#!/usr/bin/env python3
"""bench_block.py - block device benchmarks in the guest (`make bench`): one boot
with two 64 MiB disks of random data, hda (primary master) and hdc (secondary
master), so raid0 and raid1 have a member on each IDE channel.

    BENCH blk_ata_dd1M_MiBps      dd if=/dev/hda of=/dev/null bs=1M count=64
    BENCH blk_raid0_dd1M_MiBps    the same over md0 = raid0(hda, hdc), 64 KiB chunks, 128 MiB
    BENCH blk_raid1_dd1M_MiBps    the same over md1 = raid1(hda, hdc), 64 MiB
    BENCH blk_floppy_dd1M_MiBps   dd if=/dev/fd0 of=/dev/null bs=1M (1.44 MB image; the
                                  first run waits for the motor's 0.5 s spin-up, the next
                                  two find it running: the median is a spun-up run)
    BENCH blk_<dev>_rand4k_qd1_iops, _rand4k_qd32_iops, _seq60k_qd8_MiBps
                                  blkbench (tests/qemu/progs/blkbench.c) on hda, md0, md1

MiB/s of dd come from dd's own summary (bytes over the guest clock's seconds).
Each dd runs RUNS times and the median is printed. dd is synchronous: the kernel
moves 60 KiB per request (one pinned user chunk), so one dd keeps one request in
flight and raid0 cannot use both channels at once; blkbench's seq60k_qd8 keeps
8 in flight and shows what the two channels give together. Not a test: numbers are
printed, never judged; it fails only when the guest run fails.
"""

import os
import random
import re
import statistics
import sys

import qtest

RUNS = 3
DISK_MIB = 64
BLKBENCH_SECONDS = 3


def make_disk(t, name):
    path = os.path.join(t.tmp, name)
    rng = random.Random(name)
    with open(path, "wb") as f:
        for _ in range(DISK_MIB):
            f.write(rng.randbytes(1 << 20))
    return path


def dd_lines(dev, mib):
    return ["dd if=/dev/%s of=/dev/null bs=1M count=%d" % (dev, mib)] * RUNS


def make_floppy(t):
    path = os.path.join(t.tmp, "fd.img")
    with open(path, "wb") as f:
        f.write(random.Random("fd").randbytes(1474560))
    return path


def bench(t):
    hda, hdc = make_disk(t, "hda.img"), make_disk(t, "hdc.img")
    script = []
    script += dd_lines("hda", DISK_MIB)
    script += ["blkbench hda %d" % BLKBENCH_SECONDS]
    script += ["mdadm --build /dev/md0 --level=0 --raid-devices=2 /dev/hda /dev/hdc"]
    script += dd_lines("md0", 2 * DISK_MIB)
    script += ["blkbench md0 %d" % BLKBENCH_SECONDS, "mdadm --stop /dev/md0"]
    script += ["mdadm --build /dev/md1 --level=1 --raid-devices=2 /dev/hda /dev/hdc"]
    script += dd_lines("md1", DISK_MIB)
    script += ["blkbench md1 %d" % BLKBENCH_SECONDS]
    script += dd_lines("fd0", 2)
    r = t.qemu("--initrd", qtest.initrd(t), "--hda", hda, "--hdc", hdc, "--fda", make_floppy(t),
               input="".join(l + "\n" for l in script) + "poweroff\n", timeout=300)
    t.expect_status(r, 0)
    lines = []
    for dev, name in (("hda", "ata"), ("md0", "raid0"), ("md1", "raid1"), ("fd0", "floppy")):
        rates = []
        for m in re.finditer(r"# dd if=/dev/%s of=/dev/null bs=1M count=\d+\n"
                             r"(?:.*\n){2}(\d+) bytes .* copied, ([\d.]+) s" % dev, r.out):
            rates.append(int(m.group(1)) / float(m.group(2)) / (1 << 20))
        t.check(len(rates) == RUNS, "dd of %s: %d summaries, want %d" % (dev, len(rates), RUNS))
        lines.append("BENCH blk_%s_dd1M_MiBps %d MiB/s" % (name, round(statistics.median(rates))))
    guest = re.findall(r"^BENCH blk_\S+ \d+ \S+$", r.out, re.M)
    t.check(len(guest) == 9, "blkbench printed %d lines, want 9" % len(guest))
    t.check("blkbench:" not in r.out, "blkbench failed")
    return lines + guest


if __name__ == "__main__":
    sys.exit(qtest.bench_main("block", bench))
