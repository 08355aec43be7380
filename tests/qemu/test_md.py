#!/usr/bin/env python3
"""md arrays through mdadm and the shell: linear, raid0 (default and given chunk) and
raid1 over disks on both IDE channels and over partitions; whole-array and odd-range
reads against the host's own mapping of the member images, writes read back from the
members after poweroff, raid1 surviving a failing member (blkdebug and a lost
interrupt), mdadm --detail / --stop, and the frames of a raid1 read in stats."""

import hashlib
import os
import random
import re
import shutil

import qtest
from blktest import (MBR_LAYOUT, MBR_PARTS, SECTOR, blkdebug_disk, part_bytes, random_image,
                        read, session, sha, sha_of)


def raid0(members, chunk):
    per = min(len(m) for m in members) // chunk * chunk
    out = bytearray()
    for off in range(0, per, chunk):
        for m in members:
            out += m[off:off + chunk]
    return bytes(out)


def arrays(t):
    """hda 2 MiB, hdb 3 MiB (random), hdc a copy of hda (a raid1 mirror)."""
    hda = random_image(t, "hda.img", 4096)
    hdb = random_image(t, "hdb.img", 6144)
    hdc = os.path.join(t.tmp, "hdc.img")
    shutil.copyfile(hda, hdc)
    return {"hda": hda, "hdb": hdb, "hdc": hdc}


BUILDS = [
    "mdadm --build /dev/md0 --level=linear --raid-devices=2 /dev/hda /dev/hdb",
    "mdadm --build /dev/md1 --level=0 --raid-devices=2 /dev/hda /dev/hdb",
    "mdadm --build /dev/md2 --level=0 --chunk=8 --raid-devices=2 /dev/hdb /dev/hda",
    "mdadm --build /dev/md3 --level=1 --raid-devices=2 /dev/hda /dev/hdc",
]


def expected(disks):
    a, b = read(disks["hda"]), read(disks["hdb"])
    return {"md0": a + b, "md1": raid0([a, b], 65536), "md2": raid0([b, a], 8192), "md3": a}


@qtest.case
def md_levels_read_like_the_host_mapping(t):
    disks = arrays(t)
    want = expected(disks)
    rng = random.Random("md")
    ranges = []
    for md in sorted(want):
        for _ in range(3):
            skip = rng.randrange(1, len(want[md]) - 9000) | 1
            ranges.append((md, skip, rng.randrange(1, 9000) | 1))
    lines = list(BUILDS) + ["lsblk", "mdadm --detail /dev/md2"]
    lines += ["sha256sum /dev/" + md for md in sorted(want)]
    for i, (md, skip, count) in enumerate(ranges):
        lines += ["dd if=/dev/%s of=/tmp/r%d bs=1 skip=%d count=%d" % (md, i, skip, count),
                  "sha256sum /tmp/r%d" % i]
    out = session(t, disks, lines, timeout=300)
    for b in BUILDS:
        t.check("mdadm: array %s built and started." % b.split()[2] in out, "%r failed" % b)
    ls = qtest.output_of(t, out, "lsblk")
    for md, kind, size in (("md0", "linear", "5M"), ("md1", "raid0", "4M"), ("md2", "raid0", "4M"),
                           ("md3", "raid1", "2M")):
        t.check(re.search(r"^%s\s+9:%s\s+0\s+%s\s+0 %s$" % (md, md[2], size, kind), ls, re.M),
                "lsblk has no %s %s %s line: %r" % (md, kind, size, ls))
    detail = qtest.output_of(t, out, "mdadm --detail /dev/md2")
    for pattern in (r"^/dev/md2:$", r"^        Raid Level : raid0$",
                    r"^        Array Size : 4096 \(4\.00 MiB 4\.19 MB\)$",
                    r"^             State : clean$", r"^        Chunk Size : 8K$",
                    r"^\s+0\s+3\s+64\s+0\s+active sync\s+/dev/hdb$",
                    r"^\s+1\s+3\s+0\s+1\s+active sync\s+/dev/hda$"):
        t.check(re.search(pattern, detail, re.M), "--detail lacks %r: %r" % (pattern, detail))
    for md in sorted(want):
        got = sha_of(t, out, "/dev/" + md)
        t.check(got == sha(want[md]), "/dev/%s: guest %s host %s" % (md, got, sha(want[md])))
    for i, (md, skip, count) in enumerate(ranges):
        got = sha_of(t, out, "/tmp/r%d" % i)
        t.check(got == sha(want[md][skip:skip + count]), "/dev/%s bytes %d+%d differ" %
                (md, skip, count))


@qtest.case
def md_writes_land_on_the_members(t):
    disks = arrays(t)
    a, b = read(disks["hda"]), read(disks["hdb"])
    lines = BUILDS[:2] + [BUILDS[3]] + [
        # raid0 (64 KiB chunks): 200 KiB from hdb's tail at md1 offset 100000: both members
        "dd if=/dev/hdb of=/dev/md1 bs=1000 skip=2800 seek=100 count=200",
        "mdadm --stop /dev/md1",
        # raid1: 5000 bytes at an odd offset, to both mirrors (away from what md1 wrote on
        # hda alone: the mirrors must agree where the read-modify-write reads)
        "dd if=/dev/hdb of=/dev/md3 bs=1 skip=77 seek=1500001 count=5000",
    ]
    session(t, disks, lines, timeout=300)
    # the host's model of the two writes
    md1 = bytearray(raid0([a, b], 65536))
    md1[100000:300000] = b[2800000:3000000]
    per = len(a) // 65536 * 65536
    na, nb = bytearray(a), bytearray(b)
    for i, off in enumerate(range(0, per * 2, 65536)):
        stripe = md1[off:off + 65536]
        m, moff = (na, nb)[i % 2], (i // 2) * 65536
        m[moff:moff + 65536] = stripe
    na[1500001:1505001] = b[77:5077]
    got_a, got_b, got_c = read(disks["hda"]), read(disks["hdb"]), read(disks["hdc"])
    t.check(got_b == bytes(nb), "hdb after the raid0 write differs from the host's model")
    t.check(got_a == bytes(na), "hda after the raid0 and raid1 writes differs")
    t.check(got_c[1500001:1505001] == b[77:5077], "the raid1 write did not reach the mirror hdc")


@qtest.case
def raid1_member_read_error_marks_it_faulty_and_data_stays_right(t):
    """blkdebug fails reads of sector 1000 of hdb, a mirror of hda: the array's reads stay
    right (retried on hda), --detail shows hdb faulty and the array degraded."""
    hda = random_image(t, "hda.img", 4096)
    hdb = os.path.join(t.tmp, "hdb.img")
    shutil.copyfile(hda, hdb)
    data = read(hda)
    lines = ["mdadm --build /dev/md0 --level=1 --raid-devices=2 /dev/hda /dev/hdb",
             "sha256sum /dev/md0", "mdadm --detail /dev/md0", "sha256sum /dev/md0"]
    out = session(t, {"hda": hda}, lines, extra=blkdebug_disk(t, hdb, 1000), timeout=120)
    for m in re.finditer(r"([0-9a-f]{64})  /dev/md0", out):
        t.check(m.group(1) == sha(data), "md0 read %s, host %s" % (m.group(1), sha(data)))
    t.check(len(re.findall(r"[0-9a-f]{64}  /dev/md0", out)) == 2, "a read of md0 failed")
    t.check(re.search(r"md md0: hdb failed a read at sector \d+ .*marked faulty", out),
            "no faulty-member log line")
    detail = qtest.output_of(t, out, "mdadm --detail /dev/md0")
    t.check(re.search(r"State : clean, degraded", detail), "not degraded: %r" % detail)
    t.check(re.search(r"^\s+1\s+3\s+64\s+-\s+faulty\s+/dev/hdb$", detail, re.M),
            "hdb not faulty: %r" % detail)
    t.check(re.search(r"^\s+-\s+0\s+0\s+1\s+removed$", detail, re.M),
            "raid device 1 not removed: %r" % detail)
    t.check(re.search(r"^\s+0\s+3\s+0\s+0\s+active sync\s+/dev/hda$", detail, re.M),
            "hda not active: %r" % detail)
    t.check(re.search(r"Failed Devices : 1\n", detail) and
            re.search(r"Active Devices : 1\n", detail), "device counts: %r" % detail)


@qtest.case
def raid1_over_partitions_frames_in_stats_and_lost_interrupt_survived(t):
    """raid1 of hda5 and hdc5 (same MBR image on both channels); the completion of a read
    of hda5 is lost: while parked, stats shows the parent's frames (vfs blkio blk md join)
    and the child's (ata blk part blk); after the watchdog the member is faulty and the
    read is retried on hdc5: the data is right."""
    hda = random_image(t, "hda.img", 20480, MBR_LAYOUT)
    hdc = os.path.join(t.tmp, "hdc.img")
    shutil.copyfile(hda, hdc)
    start, n = MBR_PARTS["hda5"]
    want = part_bytes(read(hda), start, n)
    lost = start + 8
    out = session(t, {"hda": hda, "hdc": hdc}, [
        "mdadm --build /dev/md0 --level=1 --raid-devices=2 /dev/hda5 /dev/hdc5",
        "sha256sum /dev/md0 &", "sleep 2", "stats", "sleep 12", "mdadm --detail /dev/md0"],
        append="ata=lose=%d" % lost, timeout=120)
    stats = qtest.output_of(t, out, "stats")
    ops = re.split(r"^op ", stats, flags=re.M)[1:]
    stacks = [re.findall(r"^  #\d+ (\S+)", op, re.M) for op in ops]
    t.check(["join", "md", "blk", "blkio", "vfs"] in stacks,
            "no parked parent read (vfs blkio blk md join) in %r" % stacks)
    t.check(["ata", "blk", "part", "blk"] in stacks,
            "no parked child (blk part blk ata) in %r" % stacks)
    m = re.search(r"([0-9a-f]{64})  /dev/md0", out)
    t.check(m and m.group(1) == sha(want), "md0 read wrong or failed")
    detail = qtest.output_of(t, out, "mdadm --detail /dev/md0")
    t.check(re.search(r"^\s+0\s+3\s+5\s+-\s+faulty\s+/dev/hda5$", detail, re.M),
            "hda5 not faulty: %r" % detail)


@qtest.case
def mdadm_stop_and_bad_builds_are_refused_cleanly(t):
    disks = arrays(t)
    out = session(t, disks, [
        "mdadm --build /dev/md0 --level=1 --raid-devices=2 /dev/hda /dev/nosuch",
        "echo status $?",
        "mdadm --build /dev/md0 --level=1 --raid-devices=2 /dev/hda /dev/hda",
        "mdadm --build /dev/md0 --level=1 --raid-devices=2 /dev/hda /dev/hdc",
        "mdadm --build /dev/md0 --level=1 --raid-devices=2 /dev/hda /dev/hdc",
        "mdadm --stop /dev/md0",
        "mdadm --detail /dev/md0",
        "echo status $?",
        "lsblk",
    ])
    t.check("status 1" in out, "a bad member did not fail")
    t.check("mdadm: array /dev/md0 built and started." in out, "the good build failed")
    again = out[out.rfind("# mdadm --build /dev/md0 --level=1 --raid-devices=2 /dev/hda /dev/hdc"):]
    t.check("Device or resource busy" in again.split("\n# ")[0], "building a running array: %r" %
            again[:200])
    t.check("mdadm: stopped /dev/md0" in out, "--stop failed")
    t.check(out.count("status 1") == 2, "--detail of a stopped array did not fail")
    t.check("md0" not in qtest.output_of(t, out, "lsblk"), "a stopped md0 is in lsblk")


if __name__ == "__main__":
    qtest.main("md")
