#!/usr/bin/env python3
"""FAT12/16/32 read through the guest ("vfat", fs/fat): images made here by the host's
mkfs.fat and mtools (fragmented files, long names with spaces and non-ASCII letters,
deep directories, files of exactly one cluster, empty files), automounted on /mnt/NAME
from the floppy, a whole disk and an MBR partition, every file's sha256 compared with
the host's; mount/umount/df by hand; and corrupt images (bad boot sector, chain loop,
cluster out of range, size past the chain, truncated directory) that give errors while
the kernel goes on."""

import os
import random
import re
import struct
import subprocess

import qtest
from blktest import SFDISK, session, sha

MKFS = "/usr/sbin/mkfs.fat" if os.path.exists("/usr/sbin/mkfs.fat") else "mkfs.fat"


def run(t, args, **kw):
    r = subprocess.run(args, capture_output=True, text=True, timeout=60,
                       env=dict(os.environ, MTOOLS_SKIP_CHECK="1"), **kw)
    t.check(r.returncode == 0, "%s failed: %s" % (" ".join(args), r.stderr[-300:]))
    return r.stdout


def make_image(t, name, size_kib, fat, spc=1, offset=0, layout=None):
    """An image of @size_kib with a FAT@fat filesystem (at sector @offset when @layout)."""
    path = os.path.join(t.tmp, name)
    with open(path, "wb") as f:
        f.truncate(size_kib * 1024)
    if layout:
        r = subprocess.run([SFDISK, "-q", path], input=layout, text=True, capture_output=True,
                           timeout=30)
        t.check(r.returncode == 0, "sfdisk: " + r.stderr)
    args = [MKFS, "-F", str(fat), "-s", str(spc), "-n", "TESSERA"]
    if offset:
        args += ["--offset", str(offset)]
    size = None
    if layout:
        size = str((size_kib * 1024 - offset * 512) // 1024)
    run(t, args + [path] + ([size] if size else []))
    return path


def mtools_target(image, offset):
    return image + ("@@%d" % (offset * 512) if offset else "")


def put(t, image, offset, data, dest):
    src = os.path.join(t.tmp, "put.bin")
    with open(src, "wb") as f:
        f.write(data)
    run(t, ["mcopy", "-o", "-i", mtools_target(image, offset), src, "::" + dest])


def mkdirs(t, image, offset, path):
    parts = path.strip("/").split("/")
    for i in range(len(parts)):
        run(t, ["mmd", "-i", mtools_target(image, offset), "::/" + "/".join(parts[:i + 1])])


def populate(t, image, offset, cluster):
    """The standard tree; returns {guest-relative path: bytes}."""
    rng = random.Random(image)
    files = {}
    # Fragmentation: small files written, every other one deleted, then a large file.
    for i in range(24):
        put(t, image, offset, rng.randbytes(cluster * 2), "/frag%02d.bin" % i)
    for i in range(0, 24, 2):
        run(t, ["mdel", "-i", mtools_target(image, offset), "::/frag%02d.bin" % i])
    for i in range(1, 24, 2):
        files["frag%02d.bin" % i] = None  # kept: read back below
    big = rng.randbytes(cluster * 40 + 123)
    put(t, image, offset, big, "/big fragmented.bin")
    files["big fragmented.bin"] = big
    mkdirs(t, image, offset, "/Deep/er/and deeper/still")
    files["Deep/er/and deeper/still/leaf.txt"] = b"at the bottom\n"
    files["Long name with spaces é ü ß.txt"] = b"unicode name\n"
    files["one cluster.bin"] = rng.randbytes(cluster)
    files["empty"] = b""
    files["readme.txt"] = b"lowercase 8.3 name\n"
    files["UPPER.TXT"] = b"uppercase 8.3 name\n"
    files["odd.dat"] = rng.randbytes(5 * cluster + 77)
    for p, data in files.items():
        if data is not None:
            put(t, image, offset, data, "/" + p)
    for p in list(files):
        if files[p] is None:
            files[p] = read_back(t, image, offset, "/" + p)
    return files


def read_back(t, image, offset, path):
    dst = os.path.join(t.tmp, "get.bin")
    run(t, ["mcopy", "-o", "-i", mtools_target(image, offset), "::" + path, dst])
    with open(dst, "rb") as f:
        return f.read()


def check_tree(t, out, root, files):
    for p, data in files.items():
        line = 'sha256sum "%s/%s"' % (root, p)
        text = qtest.output_of(t, out, line)
        m = re.match(r"([0-9a-f]{64})  ", text)
        t.check(m and m.group(1) == sha(data), "%s/%s: guest %r, host %s" %
                (root, p, text[:80], sha(data)))


def tree_lines(root, files):
    lines = ['ls "%s"' % root]
    return lines + ['sha256sum "%s/%s"' % (root, p) for p in files]


@qtest.case
def fat16_whole_disk_automounted_and_read_like_the_host(t):
    img = make_image(t, "hda.img", 16 * 1024, 16)
    files = populate(t, img, 0, 512)
    out = session(t, {"hda": img}, ["mount"] + tree_lines("/mnt/hda", files) +
                  ["ls -l /mnt/hda", "df /mnt/hda"], timeout=240)
    t.check(re.search(r"^/dev/hda on /mnt/hda type vfat \(rw\)$", qtest.output_of(t, out, "mount"),
                      re.M), "no automount of hda on /mnt/hda")
    check_tree(t, out, "/mnt/hda", files)
    ls = qtest.output_of(t, out, 'ls "/mnt/hda"')
    for name in ("Long name with spaces é ü ß.txt", "readme.txt", "UPPER.TXT", "empty", "Deep"):
        t.check(name in ls, "ls does not show %r" % name)
    t.check(re.search(r"^-rw-r--r-- .*\s0 \w+ +\d+ +[\d:]+ empty$",
                      qtest.output_of(t, out, "ls -l /mnt/hda"), re.M), "ls -l: empty file")
    df = qtest.output_of(t, out, "df /mnt/hda")
    m = re.search(r"^/dev/hda\s+(\d+)\s+(\d+)\s+(\d+)", df, re.M)
    t.check(m and 15000 < int(m.group(1)) < 16384, "df size: %r" % df)


@qtest.case
def fat12_floppy_automounted_and_read_like_the_host(t):
    img = os.path.join(t.tmp, "fd.img")
    run(t, [MKFS, "-C", img, "1440"])
    files = populate(t, img, 0, 512)
    out = session(t, {"fda": img}, ["mount"] + tree_lines("/mnt/fd0", files), timeout=300)
    t.check("/dev/fd0 on /mnt/fd0 type vfat (rw)" in out, "no automount of fd0")
    check_tree(t, out, "/mnt/fd0", files)


MBR_FAT32 = """label: dos
start=2048, size=96256, type=c
"""


@qtest.case
def fat32_on_an_mbr_partition_automounted_and_read_like_the_host(t):
    img = make_image(t, "hda.img", 48 * 1024, 32, offset=2048, layout=MBR_FAT32)
    files = populate(t, img, 2048, 512)
    out = session(t, {"hda": img}, ["mount"] + tree_lines("/mnt/hda1", files), timeout=240)
    t.check("/dev/hda1 on /mnt/hda1 type vfat (rw)" in out, "no automount of hda1")
    t.check("/mnt/hda " not in out, "the partitioned disk itself was mounted")
    check_tree(t, out, "/mnt/hda1", files)


@qtest.case
def mount_by_hand_refuses_a_second_mount_and_writes_when_read_only(t):
    img = make_image(t, "hdb.img", 32 * 1024, 16, spc=4)
    put(t, img, 0, b"by hand\n", "/hand.txt")
    out = session(t, {"hdb": img}, [
        "umount /mnt/hdb", "mkdir /tmp/m", "mount -r -t vfat /dev/hdb /tmp/m",
        "cat /tmp/m/hand.txt", "mount -t vfat /dev/hdb /mnt", "echo x > /tmp/m/new",
        "umount /tmp/m", "ls /tmp/m", "mount"], timeout=120)
    t.check(qtest.output_of(t, out, "cat /tmp/m/hand.txt") == "by hand\n", "read after mount")
    t.check(re.search(r"busy", qtest.output_of(t, out, "mount -t vfat /dev/hdb /mnt"), re.I),
            "a second mount of hdb was not refused as busy")
    t.check(re.search(r"read-only", qtest.output_of(t, out, "echo x > /tmp/m/new"), re.I),
            "a write was not refused as read-only")
    t.check("vfat" not in qtest.output_of(t, out, "mount"), "still mounted after umount")


# ---- Corrupt images ----

def geometry(image):
    with open(image, "rb") as f:
        return geometry_of(f.read(512))


def geometry_of(b):
    bps, spc, rsvd, nfats, rootents = struct.unpack_from("<HBHBH", b, 11)
    fatsz = struct.unpack_from("<H", b, 22)[0]
    root = rsvd + nfats * fatsz
    return {"rsvd": rsvd, "nfats": nfats, "fatsz": fatsz, "root": root,
            "data": root + rootents * 32 // 512, "spc": spc}


def entry_offset(image, g, name11, base=0):
    """Byte offset in @image of the root directory entry named @name11."""
    with open(image, "rb") as f:
        f.seek((base + g["root"]) * 512)
        d = f.read(512 * 32)
    for i in range(0, len(d), 32):
        if d[i:i + 11] == name11:
            return (base + g["root"]) * 512 + i
    raise AssertionError("no entry %r" % name11)


def first_cluster(image, off):
    with open(image, "rb") as f:
        f.seek(off + 26)
        return struct.unpack("<H", f.read(2))[0]


def set_fat16(image, g, cluster, value):
    with open(image, "r+b") as f:
        for i in range(g["nfats"]):
            f.seek((g["rsvd"] + i * g["fatsz"]) * 512 + cluster * 2)
            f.write(struct.pack("<H", value))


def poke(image, off, data):
    with open(image, "r+b") as f:
        f.seek(off)
        f.write(data)


@qtest.case
def corrupt_fat16_images_give_errors_and_the_kernel_goes_on(t):
    """hda: loop, out of range, size past chain, truncated directory; hdb: bad boot sector."""
    img = make_image(t, "hda.img", 8 * 1024, 16)
    rng = random.Random(1)
    for n in ("LOOP", "RANGE", "SIZE", "GOOD"):
        put(t, img, 0, rng.randbytes(512 * 6), "/%s.BIN" % n)
    mkdirs(t, img, 0, "/DIR")
    for i in range(40):  # more than one 512-byte cluster of entries
        put(t, img, 0, b"x", "/DIR/F%02d" % i)
    g = geometry(img)
    loop = first_cluster(img, entry_offset(img, g, b"LOOP    BIN"))
    set_fat16(img, g, loop + 3, loop + 1)  # a cycle inside the chain
    rng_c = first_cluster(img, entry_offset(img, g, b"RANGE   BIN"))
    set_fat16(img, g, rng_c + 1, 0xFFF0)  # far past the last cluster
    size_off = entry_offset(img, g, b"SIZE    BIN")
    poke(img, size_off + 28, struct.pack("<I", 512 * 20))  # size past the chain
    d = first_cluster(img, entry_offset(img, g, b"DIR        "))
    set_fat16(img, g, d, 0)  # the directory's chain ends in a free cluster
    good = read_back(t, img, 0, "/GOOD.BIN")
    bad = make_image(t, "hdb.img", 4 * 1024, 16)
    poke(bad, 11, struct.pack("<H", 1000))  # bytes per sector
    lines = ["cat /mnt/hda/LOOP.BIN > /tmp/a", "cat /mnt/hda/RANGE.BIN > /tmp/b",
             "cat /mnt/hda/SIZE.BIN > /tmp/c", "ls /mnt/hda/DIR", "sha256sum /mnt/hda/GOOD.BIN",
             "mkdir /tmp/b2", "mount -t vfat /dev/hdb /tmp/b2", "echo alive"]
    out = session(t, {"hda": img, "hdb": bad}, lines, timeout=180)
    for line in lines[:4]:
        t.check("Input/output error" in qtest.output_of(t, out, line),
                "%r gave no error" % line)
    t.check(sha(good) in qtest.output_of(t, out, "sha256sum /mnt/hda/GOOD.BIN"),
            "an intact file beside the corrupt ones reads wrong")
    t.check(re.search(r"invalid", qtest.output_of(t, out, "mount -t vfat /dev/hdb /tmp/b2"), re.I),
            "a bad boot sector was mounted")
    t.check("bad boot sector: bytes per sector is not 512" in out, "no log of the bad field")
    t.check(qtest.output_of(t, out, "echo alive") == "alive\n", "the shell did not go on")


def chain(image, g, first, base=0):
    """The FAT16 chain from @first (volume at sector @base of @image)."""
    with open(image, "rb") as f:
        f.seek((base + g["rsvd"]) * 512)
        fat = f.read(g["fatsz"] * 512)
    out, c = [], first
    while 2 <= c < 0xFFF8 and len(out) < 100000:
        out.append(c)
        c = struct.unpack_from("<H", fat, c * 2)[0]
    return out


MBR_FAT16 = """label: dos
start=2048, size=47104, type=6
"""


@qtest.case
def fragmented_read_parked_shows_vfs_fat_part_ata_frames_in_stats(t):
    """A read of a fragmented file on hda1 whose second cluster run loses its interrupt: while
    it is parked, stats shows one op with the frames ata blk part blk fat vfs (top first)."""
    img = make_image(t, "hda.img", 24 * 1024, 16, offset=2048, layout=MBR_FAT16)
    files = populate(t, img, 2048, 512)
    with open(img, "rb") as f:
        f.seek(2048 * 512)
        part = f.read(512)
    g = geometry_of(part)
    off = entry_offset(img, g, b"BIGFRA~1BIN", base=2048)
    runs = chain(img, g, first_cluster(img, off), base=2048)
    breaks = [i for i in range(1, len(runs)) if runs[i] != runs[i - 1] + 1]
    t.check(len(breaks) >= 2, "big fragmented.bin is not fragmented: %r" % runs)
    lost = 2048 + g["data"] + (runs[breaks[0]] - 2) * g["spc"]
    out = session(t, {"hda": img}, ['sha256sum "/mnt/hda1/big fragmented.bin" &', "sleep 1",
                                    "stats", "sleep 12"],
                  append="ata=lose=%d" % lost, timeout=120)
    stats = qtest.output_of(t, out, "stats")
    ops = re.split(r"^op ", stats, flags=re.M)[1:]
    stacks = [re.findall(r"^  #\d+ (\S+)", op, re.M) for op in ops]
    t.check(any(s[:6] == ["ata", "blk", "part", "blk", "fat", "vfs"] for s in stacks),
            "no parked read with the frames ata blk part blk fat vfs in %r" % stacks)
    t.check(sha(files["big fragmented.bin"]) in out, "the read after the channel reset is wrong")


# ---- Writes ----

def fsck(t, image, offset=0):
    """fsck.fat -n of the volume at sector @offset: its output; the test fails unless clean."""
    path = image
    if offset:
        path = os.path.join(t.tmp, "vol.img")
        with open(image, "rb") as f, open(path, "wb") as g:
            f.seek(offset * 512)
            g.write(f.read())
    r = subprocess.run(["/usr/sbin/fsck.fat", "-n", path], capture_output=True, text=True,
                       timeout=60)
    t.check(r.returncode == 0 and "Dirty bit" not in r.stdout + r.stderr,
            "fsck.fat -n: %s%s" % (r.stdout[-600:], r.stderr[-300:]))
    return r.stdout


def exists(t, image, offset, path):
    r = subprocess.run(["mdir", "-b", "-i", mtools_target(image, offset), "::" + path],
                       capture_output=True, text=True, timeout=30,
                       env=dict(os.environ, MTOOLS_SKIP_CHECK="1"))
    return r.returncode == 0


def guest_writes(t, image, offset, drive, root, cluster):
    """Host files to work on, the guest's changes, then fsck.fat and mtools check them."""
    rng = random.Random(root)
    src = rng.randbytes(cluster * 21 + 99)
    put(t, image, offset, src, "/src.bin")
    put(t, image, offset, b"to be removed\n", "/gone.txt")
    put(t, image, offset, b"old contents, longer than the new\n", "/over.txt")
    put(t, image, offset, b"\xa5" * (cluster * 64), "/junk.bin")  # freed below: its clusters
    run(t, ["mdel", "-i", mtools_target(image, offset), "::/junk.bin"])  # keep their bytes
    mkdirs(t, image, offset, "/EMPTYDIR")
    mkdirs(t, image, offset, "/MOVEME")
    put(t, image, offset, b"inside a moved directory\n", "/MOVEME/in.txt")
    lines = ["echo hello > %s/new.txt" % root, "echo more >> %s/new.txt" % root,
             'mkdir "%s/Dir One"' % root, 'mkdir "%s/Dir One/Sub"' % root,
             'cp %s/src.bin "%s/Dir One/copy é.bin"' % (root, root),
             "rm %s/gone.txt" % root, "rmdir %s/EMPTYDIR" % root,
             "dd if=%s/src.bin of=%s/sparse.bin bs=512 seek=5 count=1" % (root, root),
             'mv %s/new.txt "%s/Dir One/Sub/renamed.txt"' % (root, root),
             'mv %s/MOVEME "%s/Dir One/moved dir"' % (root, root),
             "echo new > %s/over.txt" % root, "cat /dev/null > %s/empty.txt" % root,
             'sha256sum "%s/Dir One/copy é.bin"' % root, "sync",
             'ls "%s/Dir One" %s' % (root, root)]
    out = session(t, {drive: image}, lines, timeout=300)
    t.check(sha(src) in qtest.output_of(t, out, lines[12]), "the copy reads wrong in the guest")
    fsck(t, image, offset)
    want = {"/Dir One/copy é.bin": src, "/Dir One/Sub/renamed.txt": b"hello\nmore\n",
            "/Dir One/moved dir/in.txt": b"inside a moved directory\n", "/over.txt": b"new\n",
            "/empty.txt": b"", "/src.bin": src,
            "/sparse.bin": bytes(2560) + src[:512]}  # the gap reads as zeros
    for path, data in want.items():
        got = read_back(t, image, offset, path)
        t.check(got == data, "mtools reads %s as %r..., the guest wrote %r..." %
                (path, got[:40], data[:40]))
    for path in ("/gone.txt", "/EMPTYDIR", "/new.txt", "/MOVEME"):
        t.check(not exists(t, image, offset, path), "%s is still there" % path)
    return out


@qtest.case
def fat16_guest_writes_pass_fsck_and_read_back_with_mtools(t):
    img = make_image(t, "hda.img", 16 * 1024, 16)
    guest_writes(t, img, 0, "hda", "/mnt/hda", 512)


@qtest.case
def fat12_floppy_guest_writes_pass_fsck_and_read_back_with_mtools(t):
    img = os.path.join(t.tmp, "fd.img")
    run(t, [MKFS, "-C", img, "1440"])
    guest_writes(t, img, 0, "fda", "/mnt/fd0", 512)


@qtest.case
def fat32_partition_guest_writes_pass_fsck_and_read_back_with_mtools(t):
    img = make_image(t, "hda.img", 48 * 1024, 32, offset=2048, layout=MBR_FAT32)
    guest_writes(t, img, 2048, "hda", "/mnt/hda1", 512)


@qtest.case
def disk_full_fails_with_enospc_and_leaves_the_volume_fsck_clean(t):
    img = os.path.join(t.tmp, "fd.img")
    run(t, [MKFS, "-C", img, "1440"])
    out = session(t, {"fda": img}, ["dd if=/dev/zero of=/mnt/fd0/fill bs=64K count=30"],
                  timeout=300)
    t.check("No space left on device" in
            qtest.output_of(t, out, "dd if=/dev/zero of=/mnt/fd0/fill bs=64K count=30"),
            "filling the floppy did not fail with ENOSPC")
    fsck(t, img)  # the failed write gave back every cluster it took
    out = session(t, {"fda": img}, ["rm /mnt/fd0/fill", "echo after > /mnt/fd0/after",
                                    "cat /mnt/fd0/after", "umount /mnt/fd0"], timeout=300)
    t.check(qtest.output_of(t, out, "cat /mnt/fd0/after") == "after\n", "a write after rm failed")
    fsck(t, img)
    t.check(read_back(t, img, 0, "/after") == b"after\n", "mtools: /after")


@qtest.case
def lsblk_shows_where_fat_volumes_are_mounted(t):
    """lsblk's MOUNTPOINTS column: the automounted partition and floppy show their /mnt/NAME,
    the disk itself none, and an unmounted partition loses its entry."""
    img = make_image(t, "hda.img", 48 * 1024, 32, offset=2048, layout=MBR_FAT32)
    fd = os.path.join(t.tmp, "fd.img")
    run(t, [MKFS, "-C", fd, "1440"])
    out = session(t, {"hda": img, "fda": fd}, ["lsblk", "umount /mnt/hda1", "lsblk"],
                  timeout=300)
    first = qtest.output_of(t, out, "lsblk")
    t.check(re.search(r"^`-hda1 .* part +/mnt/hda1$", first, re.M), "lsblk: %r" % first)
    t.check(re.search(r"^fd0 .* disk +/mnt/fd0$", first, re.M), "lsblk: %r" % first)
    t.check(re.search(r"^hda .* disk$", first, re.M), "lsblk: %r" % first)
    second = out[out.rfind("# lsblk\n"):]
    t.check(re.search(r"^`-hda1 .* part$", second, re.M), "lsblk after umount: %r" % second)


@qtest.case
def guest_writes_are_stamped_with_the_rtc_time(t):
    """A file the guest creates and one it rewrites carry the wall clock (the CMOS RTC, pinned
    with -rtc base=...) as their write date and time, as mtools reads them back; `ls -l` in
    the guest shows the same minute."""
    img = os.path.join(t.tmp, "fd.img")
    run(t, [MKFS, "-C", img, "1440"])
    put(t, img, 0, b"old\n", "/OLD.TXT")
    out = session(t, {"fda": img}, ["echo new > /mnt/fd0/new.txt", "echo more >> /mnt/fd0/OLD.TXT",
                                    "ls -l /mnt/fd0/new.txt", "umount /mnt/fd0"],
                  extra=("-rtc", "base=2031-05-06T07:08:10"), timeout=300)
    t.check(" May  6 07:0" in qtest.output_of(t, out, "ls -l /mnt/fd0/new.txt"),
            "ls -l: %r" % qtest.output_of(t, out, "ls -l /mnt/fd0/new.txt"))
    listing = run(t, ["mdir", "-i", img, "::/"])
    for name in ("new", "OLD"):
        line = [l for l in listing.splitlines() if l.upper().startswith(name.upper() + " ")]
        t.check(line and "2031-05-06" in line[0] and " 7:0" in line[0],
                "mdir shows %s as %r" % (name, line))
    fsck(t, img)


@qtest.case
def fat_image_file_on_a_fat_partition_through_a_loop_device(t):
    """losetup of an image file that lives on hda1: loop -> FAT -> part -> ATA, mounted and
    read (sha256 like the host), written, then fsck-clean inside and out."""
    inner = os.path.join(t.tmp, "inner.img")
    run(t, [MKFS, "-C", inner, "720"])
    data = random.Random("inner").randbytes(100000)
    put(t, inner, 0, data, "/inside file.bin")
    img = make_image(t, "hda.img", 24 * 1024, 16, offset=2048, layout=MBR_FAT16)
    with open(inner, "rb") as f:
        put(t, img, 2048, f.read(), "/inner.img")
    out = session(t, {"hda": img}, [
        "losetup /dev/loop0 /mnt/hda1/inner.img", "mkdir /tmp/in",
        "mount -t vfat /dev/loop0 /tmp/in", 'sha256sum "/tmp/in/inside file.bin"',
        "echo written through two filesystems > /tmp/in/new.txt", "umount /tmp/in",
        "losetup -d /dev/loop0"], timeout=180)
    t.check(sha(data) in qtest.output_of(t, out, 'sha256sum "/tmp/in/inside file.bin"'),
            "the file inside the loop-mounted image reads wrong")
    fsck(t, img, 2048)
    back = os.path.join(t.tmp, "inner-back.img")
    with open(back, "wb") as f:
        f.write(read_back(t, img, 2048, "/inner.img"))
    fsck(t, back)
    t.check(read_back(t, back, 0, "/new.txt") == b"written through two filesystems\n",
            "the write through loop0 did not reach the inner image")


if __name__ == "__main__":
    qtest.main("fat")
