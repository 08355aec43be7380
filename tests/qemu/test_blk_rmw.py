#!/usr/bin/env python3
"""Concurrent partial-sector writes to block devices (regression: each async
WRITE of a few bytes read its sector, patched it and wrote it back, and with
several in flight the write-backs overwrote each other's bytes).

The guest program blkrmw (tests/qemu/progs/blkrmw.c) submits 24 small writes
at distinct offsets of an 8-sector run, all in flight together: 1-byte writes
into one sector and 100-byte writes straddling sector boundaries, so
neighbours patch the same sectors. It checks its own read-back; here the host
checks the image after poweroff against the same table of writes."""

import re

import qtest
from blktest import MBR_LAYOUT, MBR_PARTS, SECTOR, random_image, read, session

RMW_SECTORS = 8


def rmw_writes():
    """(offset in the run, bytes) of every write, as blkrmw.c's rmw_table() makes them."""
    out = [(7 + 31 * i, bytes([0xa0 + i])) for i in range(12)]
    out += [((k + 2) * SECTOR - 50, bytes((k * 37 + j + 1) & 0xff for j in range(100)))
            for k in range(6)]
    out += [((k + 1) * SECTOR + 256, bytes([0x50 + k])) for k in range(6)]
    return out


def expected(image, disk_sector):
    img = bytearray(image)
    base = disk_sector * SECTOR
    for off, data in rmw_writes():
        img[base + off:base + off + len(data)] = data
    return bytes(img)


def check_image(t, out, before, after, disk_sector):
    want = expected(before, disk_sector)
    if after != want:
        lost = [off for off, data in rmw_writes()
                if after[disk_sector * SECTOR + off:disk_sector * SECTOR + off + len(data)] !=
                data]
        other = [i for i in range(len(want)) if after[i] != want[i]
                 and not disk_sector * SECTOR <= i < (disk_sector + RMW_SECTORS) * SECTOR]
        t.fail("the image after poweroff: writes at run offsets %s lost, %d bytes outside "
               "the run changed" % (lost, len(other)))
    m = re.search(r"blkrmw: (\d+) writes, (\d+) bytes differ", out)
    t.check(m, "blkrmw printed no summary: %r" % out[-2000:])
    t.check(m.group(2) == "0", "the guest's read-back differs:\n%s" %
            "\n".join(re.findall(r"^(?:mismatch|write) .*$", out, re.M)))
    t.check(not re.search(r"^write \d+ result", out, re.M), "a write did not complete whole")


@qtest.case
def concurrent_partial_sector_writes_to_a_disk_all_land(t):
    hda = random_image(t, "hda.img", 4096)
    before = read(hda)
    out = session(t, {"hda": hda}, ["blkrmw hda:100"], timeout=180)
    check_image(t, out, before, read(hda), 100)


@qtest.case
def concurrent_partial_sector_writes_through_a_partition_and_its_disk_all_land(t):
    """The same sectors as hda1 40.. and hda 2088..: writes dealt to both devices in turn."""
    hda = random_image(t, "hda.img", 20480, MBR_LAYOUT)
    before = read(hda)
    start = MBR_PARTS["hda1"][0]
    out = session(t, {"hda": hda}, ["blkrmw hda1:40 hda:%d" % (start + 40)], timeout=180)
    check_image(t, out, before, read(hda), start + 40)


@qtest.case
def writes_cancelled_by_deadline_release_the_rmw_lock(t):
    """Every write with a 1 ms deadline: some expire waiting for the disk's RMW mutex, reading or
    writing back. Each must leave the mutex free: a later full run on the same sectors (and one
    on other sectors) completes, and every write that reported success landed."""
    hda = random_image(t, "hda.img", 4096)
    before = read(hda)
    out = session(t, {"hda": hda}, ["blkrmw -t 1 hda:100", "blkrmw hda:100", "blkrmw hda:300"],
                  timeout=180)
    counts = re.search(r"blkrmw: (\d+) done, (\d+) failed or short", out)
    t.check(counts, "the deadline run printed no counts: %r" % out[-2000:])
    sums = re.findall(r"blkrmw: (\d+) writes, (\d+) bytes differ", out)
    t.check(len(sums) == 3, "not every blkrmw run finished: %r" % out[-2000:])
    t.check(all(n == "0" for _, n in sums), "a read-back differs: %s" %
            "\n".join(re.findall(r"^(?:mismatch|write) .*$", out, re.M)))
    t.check(not re.search(r"^write \d+ result", out, re.M), "a write failed other than by "
            "its deadline (or came back short without one)")
    after = read(hda)
    t.check(after == expected(expected(before, 100), 300),
            "the image after poweroff differs from both full runs applied")


if __name__ == "__main__":
    qtest.main("blk_rmw")
