#!/usr/bin/env python3
"""Concurrent async READs of one cold FAT file (fs/fat/fat_io.c, fs/bcache/bcache.c): the guest
program fatconc keeps N READs of 16 KiB in flight at once at their own offsets of a file none of
whose sectors are cached yet, and every READ must answer (60 s per event, generous) with the
host's bytes (sha256). This is what httpd serving a FAT disk to many clients does; it stalled
(READs pending for minutes) before the fix."""

import os
import random

import qtest
from blktest import session, sha
from fatimg import MKFS, run

KIB = 1024


def fat_image(t, fat_bits, files):
    """A 32 MiB FAT12/16/32 image of mkfs.fat's default cluster size holding @files."""
    path = os.path.join(t.tmp, "hda.img")
    with open(path, "wb") as f:
        f.truncate(32 << 20 if fat_bits != 32 else 64 << 20)
    run(t, [MKFS, "-F", str(fat_bits), "-n", "CONC", path])
    for name, data in files.items():
        src = os.path.join(t.tmp, "src.bin")
        with open(src, "wb") as f:
            f.write(data)
        run(t, ["mcopy", "-o", "-i", path, src, "::/" + name])
    return path


def read_concurrently(t, fat_bits, size, inflight, nfiles, seed):
    """@nfiles files of @size bytes, each read by one fatconc run (each a cold file: its data,
    and for the later files its FAT sectors, not cached yet), every digest the host's."""
    rng = random.Random(seed)
    files = {"COLD%d.BIN" % i: rng.randbytes(size) for i in range(nfiles)}
    img = fat_image(t, fat_bits, files)
    lines = ["fatconc /mnt/hda/%s %d %d %d" % (name, size, inflight, 16 * KIB) for name in files]
    out = session(t, {"hda": img}, lines, timeout=120 + 90 * nfiles)
    reads = (size + 16 * KIB - 1) // (16 * KIB)
    for line, data in zip(lines, files.values()):
        got = qtest.output_of(t, out, line)
        want = "fatconc %d reads %d sha %s" % (inflight, reads, sha(data))
        t.check(want in got, "%s printed %r, want %r" % (line, got[-300:], want))


@qtest.case
def eight_concurrent_reads_of_cold_1mib_fat16_files_all_answer_with_their_bytes(t):
    """8 READs of 16 KiB in flight on each of three 1 MiB files of a FAT16 disk (2 KiB clusters,
    as httpd's FAT case)."""
    read_concurrently(t, 16, 1024 * KIB, 8, 3, 1)


@qtest.case
def twentyfour_concurrent_reads_of_cold_1mib_fat16_files_all_answer_with_their_bytes(t):
    """24 READs of 16 KiB in flight on each of three 1 MiB files of a FAT16 disk."""
    read_concurrently(t, 16, 1024 * KIB, 24, 3, 2)


@qtest.case
def eight_concurrent_reads_of_cold_100kib_fat32_files_all_answer_with_their_bytes(t):
    """8 READs of 16 KiB in flight on each of twelve 100 KiB files of a FAT32 disk (512-byte
    clusters: each chain spans FAT sectors no read touched before; the last READ short)."""
    read_concurrently(t, 32, 100 * KIB, 8, 12, 3)


@qtest.case
def twentyfour_concurrent_reads_of_cold_1mib_fat32_files_all_answer_with_their_bytes(t):
    """24 READs of 16 KiB in flight on each of three 1 MiB files of a FAT32 disk (512-byte
    clusters)."""
    read_concurrently(t, 32, 1024 * KIB, 24, 3, 4)


if __name__ == "__main__":
    qtest.main("fat_conc")
