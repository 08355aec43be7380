#!/usr/bin/env python3
"""Cross-linked FAT chains in the guest (fs/fat/fat_check.c): a FAT16 disk whose file B.BIN
starts inside A.BIN's chain is mounted read-write and reads as before, but its first change
(an unlink of A.BIN, which would free B's clusters) finds the shared cluster, fails with
"Read-only file system" and turns the volume read-only (`mount` shows ro); after poweroff the
image is byte for byte what the host made. A sound disk beside it stays read-write and its
unlink works. Found by the host fuzz target tests/host/fuzz/fat_image.c."""

import hashlib
import os
import re
import struct

import qtest
from blktest import session, sha
from fatimg import MKFS, run


def two_files(t, name, a, b):
    """An 8 MiB FAT16 image (512-byte clusters) holding A.BIN and B.BIN."""
    path = os.path.join(t.tmp, name)
    with open(path, "wb") as f:
        f.truncate(8 * 1024 * 1024)
    run(t, [MKFS, "-F", "16", "-s", "1", path])
    for n, data in (("A.BIN", a), ("B.BIN", b)):
        src = os.path.join(t.tmp, n)
        with open(src, "wb") as f:
            f.write(data)
        run(t, ["mcopy", "-i", path, src, "::/" + n])
    return path


def root_entry(b, image_bytes, name11):
    rsvd, nfats = struct.unpack_from("<H", b, 14)[0], b[16]
    root = (rsvd + nfats * struct.unpack_from("<H", b, 22)[0]) * 512
    for i in range(root, root + 512 * 32, 32):
        if image_bytes[i:i + 11] == name11:
            return i
    raise AssertionError("no entry %r" % name11)


def cross_link(path):
    """B.BIN's entry now starts at A.BIN's second cluster: the two share A's tail."""
    with open(path, "r+b") as f:
        img = f.read()
        a = root_entry(img, img, b"A       BIN")
        b = root_entry(img, img, b"B       BIN")
        first_a = struct.unpack_from("<H", img, a + 26)[0]
        f.seek(b + 26)
        f.write(struct.pack("<H", first_a + 1))


def file_sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


@qtest.case
def cross_linked_volume_turns_read_only_at_its_first_change(t):
    a, b = os.urandom(1536), os.urandom(1000)
    bad = two_files(t, "hda.img", a, b)
    cross_link(bad)
    good = two_files(t, "hdb.img", a, b)
    before = file_sha(bad)
    out = session(t, {"hda": bad, "hdb": good}, [
        "mount", "sha256sum /mnt/hda/A.BIN", "rm /mnt/hda/A.BIN", "echo x > /mnt/hda/new.txt",
        "sha256sum /mnt/hda/A.BIN", "rm /mnt/hdb/A.BIN", "ls /mnt/hdb", "mount", "echo alive"],
        timeout=120)
    mounts = re.findall(r"^(/dev/hd[ab]) on \S+ type vfat \((r[ow])\)$",
                        qtest.output_of(t, out, "mount"), re.M)
    t.check(("/dev/hda", "rw") in mounts and ("/dev/hdb", "rw") in mounts,
            "the disks were not mounted read-write at boot: %r" % mounts)
    t.check(sha(a) in qtest.output_of(t, out, "sha256sum /mnt/hda/A.BIN"),
            "A.BIN of the cross-linked disk does not read as the host wrote it")
    t.check(re.search(r"read-only", qtest.output_of(t, out, "rm /mnt/hda/A.BIN"), re.I),
            "the unlink that would free a shared cluster was not refused as read-only")
    t.check(re.search(r"read-only", qtest.output_of(t, out, "echo x > /mnt/hda/new.txt"), re.I),
            "a create after the failed check was not refused as read-only")
    t.check("cross-linked cluster chains" in out, "no log line naming the cross-link")
    t.check(qtest.output_of(t, out, "ls /mnt/hdb") == "B.BIN\n",
            "the unlink on the sound disk did not work")
    last = out.rfind("# mount\n")
    t.check(last >= 0 and re.search(r"^/dev/hda on \S+ type vfat \(ro\)$", out[last:], re.M),
            "mount does not show the cross-linked disk read-only")
    t.check(qtest.output_of(t, out, "echo alive") == "alive\n", "the shell did not go on")
    t.check(file_sha(bad) == before, "the cross-linked image changed")


if __name__ == "__main__":
    qtest.main("fat_crosslink")
