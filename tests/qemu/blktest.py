"""Shared helpers of the block-device QEMU tests (test_block.py, test_md.py):
random disk images with partition tables, a shell session with disks attached,
hashes. No test cases here, so importing it adds none."""

import hashlib
import os
import random
import re

import qtest

SECTOR = 512
SFDISK = "/usr/sbin/sfdisk" if os.path.exists("/usr/sbin/sfdisk") else "sfdisk"

# hda: MBR with primaries 1, 3 and 4, extended 2 holding logical 5 and 6.
MBR_LAYOUT = """label: dos
start=2048, size=4096, type=83
start=8192, size=8192, type=5
start=16384, size=2000, type=83
start=18432, size=1001, type=83
start=10240, size=2048, type=83
start=14336, size=1500, type=83
"""
MBR_PARTS = {"hda1": (2048, 4096), "hda3": (16384, 2000), "hda4": (18432, 1001),
             "hda5": (10240, 2048), "hda6": (14336, 1500)}
# hdc: GPT with two partitions.
GPT_LAYOUT = """label: gpt
start=2048, size=2048
start=4096, size=3001
"""
GPT_PARTS = {"hdc1": (2048, 2048), "hdc2": (4096, 3001)}


def random_image(t, name, sectors, layout=None, seed=None):
    path = os.path.join(t.tmp, name)
    rng = random.Random(seed if seed is not None else name)
    with open(path, "wb") as f:
        f.write(rng.randbytes(sectors * SECTOR))
    if layout:
        r = t.run([SFDISK, "-q", path], input=layout, timeout=30)
        t.expect_status(r, 0)
    return path


def read(path):
    with open(path, "rb") as f:
        return f.read()


def sha(data):
    return hashlib.sha256(data).hexdigest()


def part_bytes(image, start, sectors):
    return image[start * SECTOR:(start + sectors) * SECTOR]


def four_disks(t):
    """hda (MBR), hdb (plain), hdc (GPT), hdd (plain): both channels, master and slave."""
    return {
        "hda": random_image(t, "hda.img", 20480, MBR_LAYOUT),
        "hdb": random_image(t, "hdb.img", 3000),
        "hdc": random_image(t, "hdc.img", 8192, GPT_LAYOUT),
        "hdd": random_image(t, "hdd.img", 4097),
    }


def session(t, disks, lines, append="", extra=(), timeout=120, status=0):
    """Boots the test initrd with @disks, runs @lines then poweroff; the transcript."""
    args = ["--initrd", qtest.initrd(t)]
    for name, path in disks.items():
        args += ["--" + name, path]
    if append:
        args += ["--append", append]
    if extra:
        args += ["--"] + list(extra)
    script = "".join(line + "\n" for line in lines) + "poweroff\n"
    r = t.qemu(*args, input=script, timeout=timeout)
    t.expect_status(r, status)
    return r.out


def sha_of(t, out, dev):
    text = qtest.output_of(t, out, "sha256sum " + dev)
    m = re.match(r"([0-9a-f]{64})  ", text)
    t.check(m, "sha256sum %s printed %r" % (dev, text[:120]))
    return m.group(1)


def blkdebug_disk(t, image, sector):
    cfg = os.path.join(t.tmp, "blkdebug.cfg")
    with open(cfg, "w") as f:
        f.write('[inject-error]\nevent = "read_aio"\nerrno = "5"\nsector = "%d"\n' % sector)
    return ["-drive", "driver=raw,file.driver=blkdebug,file.config=%s,file.image.filename=%s,"
            "if=ide,index=1" % (cfg, image)]
