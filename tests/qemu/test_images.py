#!/usr/bin/env python3
"""qemu/mkimages: the demo floppy and disk have the layout the drivers and
file systems of later issues will be tested against (see the script's head)."""

import os
import re

import qtest

SECTOR = 512
P1_START, P1_SECTORS = 2048, 40960
P2_START = P1_START + P1_SECTORS
ENV = dict(os.environ, MTOOLS_SKIP_CHECK="1", PATH=os.environ["PATH"] + ":/usr/sbin:/sbin")


def build(t):
    out = os.path.join(t.tmp, "img")
    r = t.run([os.path.join(t.root, "qemu", "mkimages"), out], timeout=120)
    t.expect_status(r, 0)
    return os.path.join(out, "floppy.img"), os.path.join(out, "disk.img")


def mtool(t, *argv):
    r = t.run(list(argv), env=ENV, timeout=30)
    t.expect_status(r, 0)
    return r.out


def sector(data, i):
    return data[i * SECTOR:(i + 1) * SECTOR]


def check_pattern(t, data, name, kib):
    t.check(len(data) == kib * 1024, "%s: %d bytes, want %d" % (name, len(data), kib * 1024))
    for i in (0, 1, kib * 2 - 1):
        want = ("%s sector %06d " % (name, i)).encode()
        got = sector(data, i)
        t.check(got.startswith(want) and got.endswith(b".\n"),
                "%s sector %d reads %r" % (name, i, got[:24]))


@qtest.case
def floppy_is_fat12_1440k(t):
    floppy, _ = build(t)
    t.check(os.path.getsize(floppy) == 1474560, "floppy size %d" % os.path.getsize(floppy))
    info = mtool(t, "minfo", "-i", floppy, "::")
    t.check(re.search(r"disk type=\"FAT12", info), "not FAT12: %s" % info[-300:])
    listing = mtool(t, "mdir", "-b", "-i", floppy, "::")
    for name in ("HELLO.TXT", "README.TXT", "BIG.BIN"):
        t.check("::/" + name in listing, "%s missing from the floppy: %s" % (name, listing))
    big = t.run(["mtype", "-i", floppy, "::/BIG.BIN"], env=ENV, timeout=30)
    check_pattern(t, big.out.encode(), "floppy", 64)


@qtest.case
def disk_has_fat16_and_fat32_partitions(t):
    _, disk = build(t)
    table = mtool(t, "sfdisk", "-d", disk)
    t.check(re.search(r"start=\s*%d, size=\s*%d, type=e" % (P1_START, P1_SECTORS), table),
            "partition 1 is not FAT16 LBA at %d: %s" % (P1_START, table))
    t.check(re.search(r"start=\s*%d, size=\s*\d+, type=c" % P2_START, table),
            "partition 2 is not FAT32 LBA at %d: %s" % (P2_START, table))
    for start, fat, label in ((P1_START, "FAT16", "TESSFAT16"), (P2_START, "FAT32", "TESSFAT32")):
        part = "%s@@%d" % (disk, start * SECTOR)
        info = mtool(t, "minfo", "-i", part, "::")
        t.check(re.search(r"disk type=\"%s" % fat, info), "partition at %d not %s" % (start, fat))
        t.check(re.search(r"hidden sectors: %d\b" % start, info), "hidden sectors != %d" % start)
        t.check(label in info, "label %s missing" % label)
        t.check("HELLO.TXT" in mtool(t, "mdir", "-b", "-i", part, "::"), "HELLO.TXT missing")


@qtest.case
def disk_files_have_known_content(t):
    _, disk = build(t)
    p1 = "%s@@%d" % (disk, P1_START * SECTOR)
    p2 = "%s@@%d" % (disk, P2_START * SECTOR)
    about = mtool(t, "mtype", "-i", p1, "::/DOCS/ABOUT.TXT")
    t.check("subdirectory" in about, "DOCS/ABOUT.TXT: %r" % about)
    with open(os.path.join(t.root, "qemu/demo/disk/fat32/HELLO.TXT")) as f:
        t.check(mtool(t, "mtype", "-i", p2, "::/HELLO.TXT") == f.read(), "FAT32 HELLO.TXT")
    for part, name in ((p1, "fat16"), (p2, "fat32")):
        check_pattern(t, mtool(t, "mtype", "-i", part, "::/BIG.BIN").encode(), name, 256)
    check_pattern(t, mtool(t, "mtype", "-i", p1, "::/FRAG.BIN").encode(), "frag", 96)


@qtest.case
def frag_bin_is_fragmented(t):
    _, disk = build(t)
    chains = mtool(t, "mshowfat", "-i", "%s@@%d" % (disk, P1_START * SECTOR), "::/FRAG.BIN")
    runs = re.findall(r"<(\d+)-(\d+)>", chains)
    t.check(len(runs) >= 2, "FRAG.BIN is in %d cluster run(s): %s" % (len(runs), chains))


if __name__ == "__main__":
    qtest.main("images")
