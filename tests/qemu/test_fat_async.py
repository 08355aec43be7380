#!/usr/bin/env python3
"""Async OPEN and STAT on a FAT path (issue 9, "metadata must not block the async path"): the
lookup, which may read the disk, runs in a worker frame of the op, so SYS_submit returns at
once even while the disk does not answer (ata=lose=N on the subdirectory's sector)."""

import os
import re
import struct

import qtest
from blktest import session
from fatimg import MKFS, run


def fat16_with_subdir(t, data):
    """A whole-disk FAT16 image with /SUB/FILE.BIN = @data; its path and SUB's first sector."""
    path = os.path.join(t.tmp, "hda.img")
    with open(path, "wb") as f:
        f.truncate(8 * 1024 * 1024)
    run(t, [MKFS, "-F", "16", "-s", "1", "-n", "TESSERA", path])
    run(t, ["mmd", "-i", path, "::/SUB"])
    src = os.path.join(t.tmp, "file.bin")
    with open(src, "wb") as f:
        f.write(data)
    run(t, ["mcopy", "-i", path, src, "::/SUB/FILE.BIN"])
    with open(path, "rb") as f:
        boot = f.read(512)
        _, spc, rsvd, nfats, rootents = struct.unpack_from("<HBHBH", boot, 11)
        fatsz = struct.unpack_from("<H", boot, 22)[0]
        root = rsvd + nfats * fatsz
        f.seek(root * 512)
        d = f.read(rootents * 32)
    for i in range(0, len(d), 32):
        if d[i:i + 11] == b"SUB        ":
            cluster = struct.unpack_from("<H", d, i + 26)[0]
            return path, root + rootents * 32 // 512 + (cluster - 2) * spc
    raise AssertionError("no SUB entry")


@qtest.case
def async_stat_on_fat_returns_from_submit_while_the_disk_is_silent(t):
    """STAT of /mnt/hda/SUB/FILE.BIN whose directory sector loses its interrupt: the program
    prints after the submit before `stats` runs (3 s later, long before the 10 s channel reset),
    stats shows the op parked in a worker frame (worker meta path), and the event then
    ends (-EIO from the reset, or the size); a second stat then gets the size."""
    data = os.urandom(3000)
    img, lost = fat16_with_subdir(t, data)
    out = session(t, {"hda": img}, ["fatmeta stat /mnt/hda/SUB/FILE.BIN &", "sleep 3", "stats",
                                    "sleep 12", "fatmeta stat /mnt/hda/SUB/FILE.BIN"],
                  append="ata=lose=%d" % lost, timeout=150)
    sub = out.find("fatmeta submitted 0")
    st = out.find("# stats\n")
    t.check(sub >= 0 and st >= 0 and sub < st,
            "the submit did not return before stats ran (submitted at %d, stats at %d)" % (sub, st))
    stats = qtest.output_of(t, out, "stats")
    ops = re.split(r"^op ", stats, flags=re.M)[1:]
    stacks = [re.findall(r"^  #\d+ (\S+)", op, re.M) for op in ops]
    t.check(any(s[:3] == ["worker", "meta", "path"] for s in stacks),
            "no op parked in the frames worker meta path in %r" % stacks)
    # The lost command fails with -EIO at the channel reset (the block cache does not retry);
    # the volume goes on: the same stat again reads the sector and gets the size.
    first = out[st:].find("fatmeta stat ")
    t.check(first >= 0 and re.match(r"fatmeta stat (-5 size 0|0 size %d)\n" % len(data),
                                    out[st + first:]),
            "the parked stat's event is wrong or missing")
    t.check("fatmeta stat 0 size %d" % len(data) in
            qtest.output_of(t, out, "fatmeta stat /mnt/hda/SUB/FILE.BIN"),
            "a stat after the channel reset did not get the file's size")


@qtest.case
def async_open_on_fat_installs_a_readable_fd(t):
    """OPEN through SYS_submit of a FAT file (lookup in a worker) gives an fd that reads the
    file; a missing path gives -ENOENT (-2) as the op's result."""
    data = os.urandom(3000)
    img, _ = fat16_with_subdir(t, data)
    out = session(t, {"hda": img}, ["fatmeta open /mnt/hda/SUB/FILE.BIN",
                                    "fatmeta open /mnt/hda/SUB/NONE.BIN", "echo done"],
                  timeout=120)
    t.check(re.search(r"fatmeta open \d+ read 3000",
                      qtest.output_of(t, out, "fatmeta open /mnt/hda/SUB/FILE.BIN")),
            "the async open did not give a readable fd")
    t.check("fatmeta open -2 read -2" in out, "a missing FAT path did not give -ENOENT")


@qtest.case
def exit_while_async_open_runs_leaves_no_file_behind(t):
    """A process submits an async OPEN of the last of 1,500 files in an uncached FAT directory
    (about a hundred sector reads) and exits 1 ms later while the worker is still looking it
    up: the fd the worker installs is closed by the exit too (no "exits holding ... files"
    line), so umount of the volume succeeds."""
    img, _ = fat16_with_subdir(t, b"x")
    many = os.path.join(t.tmp, "many")
    os.makedirs(many)
    names = ["F%04d.TXT" % i for i in range(1500)]
    for n in names:
        with open(os.path.join(many, n), "wb") as f:
            f.write(b"y")
    run(t, ["mmd", "-i", img, "::/MANY"])
    run(t, ["mcopy", "-i", img] + [os.path.join(many, n) for n in names] + ["::/MANY/"])
    lines = ["fatmeta exit /mnt/hda/MANY/%s" % names[-1], "sleep 1", "umount /mnt/hda",
             "echo done"]
    out = session(t, {"hda": img}, lines, timeout=120)
    t.check("exits holding" not in out, "an exit left a charge behind: %r" %
            re.findall(r"limits: .*", out))
    t.check(qtest.output_of(t, out, "umount /mnt/hda") == "",
            "umount after the exit: %r" % qtest.output_of(t, out, "umount /mnt/hda"))


if __name__ == "__main__":
    qtest.main("fat_async")
