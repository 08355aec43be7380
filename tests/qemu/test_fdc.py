#!/usr/bin/env python3
"""The floppy (82077AA on IRQ 6, ISA DMA channel 2) as /dev/fd0 through the shell: a
random 1.44 MB image read whole and at odd ranges across head and cylinder boundaries,
writes read back from the image after poweroff, lsblk, and an empty drive's clear error."""

import os
import random
import re

import qtest
from blktest import read, session, sha, sha_of

FLOPPY = 1474560
HEAD = 18 * 512  # bytes per track (one head)
CYL = 2 * HEAD


def floppy(t, name="fd.img"):
    path = os.path.join(t.tmp, name)
    with open(path, "wb") as f:
        f.write(random.Random(name).randbytes(FLOPPY))
    return path


RANGES = [(0, 1), (HEAD - 7, 20), (CYL - 3, 9), (5 * CYL + HEAD - 300, 2 * CYL + 777),
          (FLOPPY - 5, 5), (1234567, 4321)]


@qtest.case
def floppy_reads_match_host_whole_and_across_heads_and_cylinders(t):
    fd = floppy(t)
    data = read(fd)
    lines = ["lsblk", "sha256sum /dev/fd0"]
    for i, (skip, count) in enumerate(RANGES):
        lines += ["dd if=/dev/fd0 of=/tmp/r%d bs=1 skip=%d count=%d" % (i, skip, count),
                  "sha256sum /tmp/r%d" % i]
    out = session(t, {"fda": fd}, lines, timeout=240)
    t.check(re.search(r"^fd0\s+2:0\s+1\s+1.4M\s+0 disk$", qtest.output_of(t, out, "lsblk"), re.M),
            "lsblk has no fd0")
    t.check(sha_of(t, out, "/dev/fd0") == sha(data), "/dev/fd0 reads differently from the image")
    for i, (skip, count) in enumerate(RANGES):
        t.check(sha_of(t, out, "/tmp/r%d" % i) == sha(data[skip:skip + count]),
                "fd0 bytes %d+%d differ" % (skip, count))


@qtest.case
def floppy_writes_land_in_the_image(t):
    fd = floppy(t)
    hda = os.path.join(t.tmp, "hda.img")
    with open(hda, "wb") as f:
        f.write(random.Random("src").randbytes(1 << 20))
    src, before = read(hda), read(fd)
    out = session(t, {"fda": fd, "hda": hda}, [
        # across head 0 -> head 1 and into the next cylinder, odd offset and length
        "dd if=/dev/hda of=/dev/fd0 bs=1 skip=5 seek=%d count=%d" % (HEAD - 100, CYL + 333),
        # whole cylinders, 36 KiB at a time
        "dd if=/dev/hda of=/dev/fd0 bs=36K skip=3 seek=10 count=4",
    ], timeout=240)
    want = bytearray(before)
    want[HEAD - 100:HEAD - 100 + CYL + 333] = src[5:5 + CYL + 333]
    want[10 * 36864:14 * 36864] = src[3 * 36864:7 * 36864]
    got = read(fd)
    t.check(got == bytes(want), "the image after the guest's writes differs at byte %s" %
            next((i for i in range(FLOPPY) if got[i] != want[i]), None))
    t.check("Input/output error" not in out, "a write failed")


@qtest.case
def empty_floppy_drive_gives_a_clear_error(t):
    out = session(t, {}, ["sha256sum /dev/fd0", "echo status $?", "lsblk"], timeout=120)
    t.check("sha256sum: /dev/fd0: No such device or address" in out,
            "reading an empty drive: %r" % qtest.output_of(t, out, "sha256sum /dev/fd0"))
    t.check("fdc fd0: read at sector 0: no disk in the drive" in out, "no log line")
    t.check("status 1" in out, "sha256sum did not fail")


if __name__ == "__main__":
    qtest.main("fdc")
