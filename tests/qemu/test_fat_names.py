#!/usr/bin/env python3
"""FAT directory entries the guest must not show (fs/fat/fat_dirent.c): an 8.3 entry whose
name starts with a blank (forbidden by the FAT specification) was listed with an empty name;
now `ls` skips it and the entries around it are listed and read as before. Found by the
host fuzz target tests/host/fuzz/fat_dirent.c."""

import os

import qtest
from blktest import session
from fatimg import MKFS, run


def blank_the_entry(path, name11):
    """Overwrites the 8.3 name of root entry @name11 with 11 blanks; FAT16 layout from the BPB."""
    with open(path, "r+b") as f:
        b = f.read(512)
        rsvd = int.from_bytes(b[14:16], "little")
        root = (rsvd + b[16] * int.from_bytes(b[22:24], "little")) * 512
        f.seek(root)
        d = f.read(512 * 4)
        i = next(i for i in range(0, len(d), 32) if d[i:i + 11] == name11)
        f.seek(root + i)
        f.write(b" " * 11)


@qtest.case
def blank_8_3_name_is_not_listed_and_its_neighbours_read(t):
    path = os.path.join(t.tmp, "hda.img")
    with open(path, "wb") as f:
        f.truncate(8 * 1024 * 1024)
    run(t, [MKFS, "-F", "16", "-s", "1", "-n", "TESSERA", path])
    src = os.path.join(t.tmp, "f.txt")
    for name, text in (("AAA.TXT", "first\n"), ("BLANK.TXT", "blank\n"), ("CCC.TXT", "third\n")):
        with open(src, "w") as f:
            f.write(text)
        run(t, ["mcopy", "-i", path, src, "::" + name])
    blank_the_entry(path, b"BLANK   TXT")
    out = session(t, {"hda": path}, ["ls /mnt/hda", "cat /mnt/hda/CCC.TXT"], timeout=180)
    names = qtest.output_of(t, out, "ls /mnt/hda").split("\n")[:-1]
    t.check(sorted(names) == ["AAA.TXT", "CCC.TXT"],
            "ls listed %r, not just AAA.TXT and CCC.TXT" % names)
    t.check(qtest.output_of(t, out, "cat /mnt/hda/CCC.TXT") == "third\n",
            "the entry after the blank one reads wrong")


if __name__ == "__main__":
    qtest.main("fat_names")
