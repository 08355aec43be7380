#!/usr/bin/env python3
"""Unlinking (and renaming over) a FAT file that is open works as on Unix (issue 9): the name
goes at once, the open descriptor reads the old bytes to the end, a new file of the same name
gets other clusters, and the old clusters are freed at the last close, so the volume is
fsck-clean after poweroff (fs/fat/fat_ns.c entry_remove, fat.c fat_release, fat_write.c
fat_reap); a crash while such a file is still open leaves only lost clusters. The guest program
is fatra (tests/qemu/progs/fatra.c)."""

import random
import re
import subprocess

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


@qtest.case
def a_crash_while_an_unlinked_file_is_open_leaves_only_lost_clusters(t):
    """fatra hold: a 100 KiB file (200 clusters) is opened, unlinked and synced, then the machine
    is killed with it still open. fsck.fat -n finds exactly its 200 clusters lost, the dirty bit
    and the free count (nothing else: no damaged chain or entry), and after fsck.fat -a the
    volume is clean."""
    img = fat32_with(t, {"A.BIN": random.Random(9).randbytes(100 << 10), "B.BIN": b"b" * 3000})
    s = t.start("--initrd", qtest.initrd(t), "--hda", img, timeout=60)
    s.expect(r"# ")
    s.send("fatra hold /mnt/hda/A.BIN\n")
    s.expect(r"fatra hold\r?\n")
    s.stop()
    r = subprocess.run(["/usr/sbin/fsck.fat", "-n", img], capture_output=True, text=True,
                       timeout=60)
    t.check("Reclaimed 200 unused clusters" in r.stdout, "fsck.fat -n: %r" % r.stdout[-600:])
    known = (r"fsck\.fat ", r"There are differences between boot sector and its backup",
             r"This is mostly harmless", r"  65:01/00", r"  Not automatically fixing",
             r"Reclaimed 200 unused clusters", r"Dirty bit is set", r" Automatically removing",
             r"Free cluster summary wrong", r"  Auto-correcting", r"Leaving filesystem unchanged",
             r"/.*: \d+ files, ", r"$")
    other = [ln for ln in r.stdout.splitlines() if not any(re.match(k, ln) for k in known)]
    t.check(not other, "fsck.fat -n found more than lost clusters: %r" % other)
    subprocess.run(["/usr/sbin/fsck.fat", "-a", img], capture_output=True, timeout=60)
    fsck(t, img)


if __name__ == "__main__":
    qtest.main("fat_unlink")
