"""fatimg.py - FAT images for the QEMU tests of fs/fat (test_fat_ra.py, test_fat_unlink.py,
test_fat_conc.py, test_fat_async.py, test_fat_names.py, test_fat_crosslink.py): made by the
host's mkfs.fat (MKFS) and mtools (run), read back with mtools, checked with fsck.fat -n. No
test cases here (importing a test_*.py would add its cases to the importer's suite)."""

import os
import subprocess

import bench_fat

MKFS = "/usr/sbin/mkfs.fat" if os.path.exists("/usr/sbin/mkfs.fat") else "mkfs.fat"
ENV = dict(os.environ, MTOOLS_SKIP_CHECK="1")


def run(t, args):
    """Runs a host tool (@args, mtools told to skip their checks); fails the case if it
    fails: its stdout."""
    r = subprocess.run(args, capture_output=True, text=True, timeout=60, env=ENV)
    t.check(r.returncode == 0, "%s failed: %s" % (" ".join(args), r.stderr[-300:]))
    return r.stdout


def fat32_with(t, files, fragment=()):
    """A 64 MiB whole-disk FAT32 image (512-byte clusters) holding @files {NAME: bytes}; the
    names in @fragment get their clusters shuffled in runs of 16 (bench_fat.fragment)."""
    path = os.path.join(t.tmp, "hda.img")
    with open(path, "wb") as f:
        f.truncate(64 << 20)
    run(t, [MKFS, "-F", "32", "-s", "1", "-n", "TESSERA", path])
    for name, data in files.items():
        src = os.path.join(t.tmp, "src.bin")
        with open(src, "wb") as f:
            f.write(data)
        run(t, ["mcopy", "-i", path, src, "::/" + name])
    for name in fragment:
        base, ext = name.split(".")
        bench_fat.fragment(t, path, (base.ljust(8) + ext.ljust(3)).encode())
    return path


def read_back(t, image, name):
    dst = os.path.join(t.tmp, "get.bin")
    run(t, ["mcopy", "-o", "-i", image, "::/" + name, dst])
    with open(dst, "rb") as f:
        return f.read()


def fsck(t, image):
    r = subprocess.run(["/usr/sbin/fsck.fat", "-n", image], capture_output=True, text=True,
                       timeout=60)
    t.check(r.returncode == 0 and "Dirty bit" not in r.stdout + r.stderr,
            "fsck.fat -n: %s%s" % (r.stdout[-600:], r.stderr[-300:]))
