#!/usr/bin/env python3
"""Loop devices through losetup and the shell: a tmpfs file as /dev/loopN, read and
written at odd offsets (checked against the host's model of the file), listed by
losetup and lsblk, unbound, and used as an md member (md -> loop -> tmpfs)."""

import re

import qtest
from blktest import random_image, read, session, sha, sha_of


@qtest.case
def loop_device_reads_and_writes_its_file(t):
    hda = random_image(t, "hda.img", 4096)
    disk = read(hda)
    f = bytearray(disk[:400 * 1024])  # the file: hda's first 400 KiB
    f[1001:1012] = disk[3:14]  # dd bs=1 skip=3 seek=1001 count=11 through loop0
    f[200000:204096] = disk[1048576:1052672]  # bs=4096 through loop0, whole sectors
    out = session(t, {"hda": hda}, [
        "dd if=/dev/hda of=/tmp/f bs=4096 count=100",
        "losetup -f",
        "losetup -f /tmp/f",
        "sha256sum /dev/loop0",
        "dd if=/dev/hda of=/dev/loop0 bs=1 skip=3 seek=1001 count=11",
        "dd if=/dev/hda of=/dev/loop0 bs=4096 skip=256 seek=0 count=0",
        "dd if=/dev/hda of=/tmp/g bs=4096 skip=256 count=1",
        "dd if=/tmp/g of=/dev/loop0 bs=1 seek=200000 count=4096",
        "losetup",
        "lsblk",
        "sha256sum /tmp/f",
        "dd if=/dev/loop0 of=/tmp/h bs=1 skip=1000 count=13",
        "sha256sum /tmp/h",
        "losetup -d /dev/loop0",
        "losetup -a",
        "lsblk",
    ], timeout=180)
    t.check(qtest.output_of(t, out, "losetup -f").strip() == "/dev/loop0", "losetup -f")
    got = sha_of(t, out, "/dev/loop0")
    t.check(got == sha(disk[:400 * 1024]), "loop0 reads %s, the file is %s" %
            (got, sha(disk[:400 * 1024])))
    t.check(re.search(r"^/dev/loop0: 0 /tmp/f$", qtest.output_of(t, out, "losetup"), re.M),
            "losetup does not list loop0")
    ls = out[out.find("# lsblk\n"):]
    t.check(re.search(r"^loop0\s+7:0\s+0\s+400K\s+0 loop$", ls, re.M), "lsblk: no loop0")
    got = sha_of(t, out, "/tmp/f")
    t.check(got == sha(bytes(f)), "the file after writes through loop0: %s, host %s" %
            (got, sha(bytes(f))))
    got = sha_of(t, out, "/tmp/h")
    t.check(got == sha(bytes(f[1000:1013])), "loop0 bytes 1000+13 read wrong")
    t.check("/dev/loop0" not in qtest.output_of(t, out, "losetup -a"), "loop0 still bound")
    t.check("loop0" not in out[out.rfind("# lsblk\n"):], "an unbound loop0 is in lsblk")


@qtest.case
def md_over_a_loop_device_and_a_disk(t):
    """raid0 of loop0 (a tmpfs file) and hdb: md -> loop -> vfs -> tmpfs beside md -> ata."""
    hda = random_image(t, "hda.img", 2048)
    hdb = random_image(t, "hdb.img", 1024)
    a, b = read(hda), read(hdb)
    out = session(t, {"hda": hda, "hdb": hdb}, [
        "dd if=/dev/hda of=/tmp/f bs=4096 count=128",
        "losetup /dev/loop3 /tmp/f",
        "mdadm --build /dev/md1 --level=0 --chunk=4 --raid-devices=2 /dev/loop3 /dev/hdb",
        "sha256sum /dev/md1",
    ], timeout=120)
    f = a[:512 * 1024]
    want = b"".join(f[o:o + 4096] + b[o:o + 4096] for o in range(0, 512 * 1024, 4096))
    got = sha_of(t, out, "/dev/md1")
    t.check(got == sha(want), "md1 over loop3 and hdb: %s, host %s" % (got, sha(want)))


if __name__ == "__main__":
    qtest.main("loop")
