#!/usr/bin/env python3
"""fat_ra_ab.py - an A/B helper for FAT reads (not a test, not run by `make bench`): one boot of
$KERNEL (default build/kernel.bin; $BUILD for the initrd) with a 64 MiB FAT32 disk (512-byte
clusters) holding a 24 MiB random file twice, SEQ.BIN contiguous and FRAG.BIN shuffled in runs
of 16 clusters; `dd of=/dev/null` of each with bs=1M five times and bs=4096 three times; prints
the median MiB/s (from dd's summaries) and every run. Boot two kernels back to back with it to
compare them under the same machine load, e.g.

    KERNEL=/tmp/old/kernel.bin BUILD=/tmp/old python3 tests/qemu/fat_ra_ab.py
    python3 tests/qemu/fat_ra_ab.py
"""

import os
import random
import re
import statistics
import sys
import tempfile

import qtest
from blktest import session
from fatimg import fat32_with


def main():
    t = qtest.T(tempfile.mkdtemp(prefix="fat-ab-"))
    data = random.Random(1).randbytes(24 << 20)
    img = fat32_with(t, {"SEQ.BIN": data, "FRAG.BIN": data}, fragment=["FRAG.BIN"])
    lines = []
    for f in ("SEQ", "FRAG"):
        lines += ["dd if=/mnt/hda/%s.BIN of=/dev/null bs=1M" % f] * 5
        lines += ["dd if=/mnt/hda/%s.BIN of=/dev/null bs=4096" % f] * 3
    out = session(t, {"hda": img}, lines, timeout=600)
    res = {}
    for m in re.finditer(r"# dd if=/mnt/hda/(\w+).BIN of=/dev/null bs=(\w+)\n(?:.*\n){2}"
                         r"(\d+) bytes .* copied, ([\d.]+) s", out):
        rate = int(m.group(3)) / float(m.group(4)) / (1 << 20)
        res.setdefault("%s bs=%s" % (m.group(1), m.group(2)), []).append(rate)
    for k, v in res.items():
        print("%-14s median %6.1f MiB/s  runs %s" % (k, statistics.median(v),
                                                      " ".join("%.0f" % x for x in v)))
    return 0 if len(res) == 4 else 1


if __name__ == "__main__":
    sys.stderr = open(os.devnull, "w")
    sys.exit(main())
