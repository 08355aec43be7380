#!/usr/bin/env python3
"""Unlinking (and renaming over) a FAT file that is open works as on Unix (issue 9): the name
goes at once, the open descriptor reads the old bytes to the end, a new file of the same name
gets other clusters, and the old clusters are freed at the last close, so the volume is
fsck-clean after poweroff (fs/fat/fat_ns.c entry_remove, fat.c fat_release, fat_write.c
fat_reap). The guest program is fatra (tests/qemu/progs/fatra.c)."""

import random

import qtest
from blktest import session
from fatimg import fat32_with, fsck, read_back


def fnv(data):
    h = 2166136261
    for b in data:
        h = ((h ^ b) * 16777619) & 0xffffffff
    return h


def pat(off, ph):
    return (off * 31 + ph * 17 + (off >> 9)) & 0xff


@qtest.case
def unlink_and_rename_over_an_open_file_free_its_clusters_at_the_last_close(t):
    """fatra unlink A.BIN B.BIN on FAT32: unlink of the open A.BIN is 0 and stat then -ENOENT,
    the descriptor reads A's 600 KiB (the host's FNV-1a), a new A.BIN of 10000 bytes leaves the
    old bytes readable; rename A.BIN over the open B.BIN keeps B's old bytes readable. After
    poweroff mtools finds B.BIN holding the new bytes and no A.BIN, and fsck.fat finds no lost
    clusters (both old chains were freed at their last close)."""
    a = random.Random(6).randbytes(600 << 10)
    b = random.Random(7).randbytes(300 << 10)
    img = fat32_with(t, {"A.BIN": a, "B.BIN": b})
    line = "fatra unlink /mnt/hda/A.BIN /mnt/hda/B.BIN"
    out = session(t, {"hda": img}, [line, "ls /mnt/hda"])
    got = qtest.output_of(t, out, line)
    t.check("fatra unlink hash %08x size %d\n" % (fnv(a), len(a)) in got,
            "the unlinked file did not read like the host's: %r" % got[-300:])
    t.check("fatra unlink ok" in got, "fatra unlink: %r" % got[-300:])
    t.check(qtest.output_of(t, out, "ls /mnt/hda").split() == ["B.BIN"],
            "ls shows %r, want only B.BIN" % qtest.output_of(t, out, "ls /mnt/hda"))
    t.check(read_back(t, img, "B.BIN") == bytes(pat(o, 6) for o in range(10000)),
            "B.BIN does not hold the renamed file's bytes")
    fsck(t, img)


if __name__ == "__main__":
    qtest.main("fat_unlink")
