#!/usr/bin/env python3
"""bench_fat.py - FAT read benchmarks in the guest (`make bench`): one boot with a
FAT32 disk (512-byte clusters, as the issue's Linux figure) and a FAT12 floppy.

    BENCH fat32_seq_dd1M_MiBps    dd bs=1M of a 32 MiB file whose clusters are contiguous
    BENCH fat32_frag_dd1M_MiBps   the same file content with its clusters shuffled in runs
                                  of 16 (8 KiB): 4096 runs, each one device request
    BENCH fat12_floppy_1M_MiBps   dd bs=1M of a 1 MiB file on the floppy (the first run
                                  includes the motor spin-up; the median is a spun-up run)

    BENCH fat32_append32M_dd64K_MiBps  dd if=/dev/zero bs=64K count=512 creating a 32 MiB file
                                  on the same FAT32 volume (512 appends, each one allocating
                                  128 clusters; dd's summary, one run)

    BENCH fat32_create1000_sync_ms  the guest program fatbench: 1,000 files of 100 bytes
                                  created (open O_CREAT, write, close) in a new directory,
                                  then sync; first create to end of sync, monotonic clock
    BENCH fat32_ls_l_1000_ms      `ls -l > /dev/null` of a directory of 1,000 files (made by
                                  mtools), timed by `date +%s%N` lines before and after it
                                  in the shell (so it includes spawning ls and one date);
                                  the first run (cold sector cache) is not counted

MiB/s come from dd's own summary; each dd runs RUNS times and the median is printed.
Not a test: numbers are printed, never judged; it fails only when the guest run fails.
"""

import os
import random
import re
import statistics
import struct
import subprocess
import sys

import qtest

RUNS = 3
FILE_MIB = 32
RUN_CLUSTERS = 16
NFILES = 1000
APPEND = "dd if=/dev/zero of=/mnt/hda/W32.BIN bs=64K count=%d" % (FILE_MIB * 16)
ENV = dict(os.environ, MTOOLS_SKIP_CHECK="1")


def sh(t, args):
    r = subprocess.run(args, capture_output=True, text=True, timeout=120, env=ENV)
    t.check(r.returncode == 0, "%s: %s" % (" ".join(args), r.stderr[-300:]))


def fat32_file_chain(f, b, name11):
    """FAT offset and length, FAT count, data offset, cluster bytes, the cluster chain and
    the entry's offset of root entry @name11."""
    spc, rsvd, nfats = b[13], struct.unpack_from("<H", b, 14)[0], b[16]
    fatsz, root = struct.unpack_from("<I", b, 36)[0], struct.unpack_from("<I", b, 44)[0]
    fat_off, data_off, cs = rsvd * 512, (rsvd + nfats * fatsz) * 512, spc * 512
    f.seek(fat_off)
    fat = f.read(fatsz * 512)

    def nxt(c):
        return struct.unpack_from("<I", fat, c * 4)[0] & 0x0FFFFFFF

    c, first = root, None
    while c < 0x0FFFFFF8 and first is None:
        f.seek(data_off + (c - 2) * cs)
        d = f.read(cs)
        for i in range(0, cs, 32):
            if d[i:i + 11] == name11:
                first = struct.unpack_from("<H", d, i + 20)[0] << 16 | \
                    struct.unpack_from("<H", d, i + 26)[0]
                entry = data_off + (c - 2) * cs + i
        c = nxt(c)
    chain = []
    while first < 0x0FFFFFF8:
        chain.append(first)
        first = nxt(first)
    return fat_off, fatsz * 512, nfats, data_off, cs, chain, entry


def fragment(t, image, name11):
    """Shuffles the file's clusters in runs of RUN_CLUSTERS, data and FAT chain alike."""
    with open(image, "r+b") as f:
        b = f.read(512)
        fat_off, fat_len, nfats, data_off, cs, chain, entry = fat32_file_chain(f, b, name11)
        t.check(all(chain[i] + 1 == chain[i + 1] for i in range(len(chain) - 1)),
                "the file was not contiguous to begin with")
        runs = [chain[i:i + RUN_CLUSTERS] for i in range(0, len(chain), RUN_CLUSTERS)]
        full = [r for r in runs if len(r) == RUN_CLUSTERS]
        slots = list(range(len(full)))
        random.Random(7).shuffle(slots)
        order = []
        for i, r in enumerate(full):  # logical run i goes where run slots[i] was
            dst = full[slots[i]]
            f.seek(data_off + (r[0] - 2) * cs)
            order.append((dst, f.read(cs * RUN_CLUSTERS)))
        for dst, data in order:
            f.seek(data_off + (dst[0] - 2) * cs)
            f.write(data)
        new_chain = [c for dst, _ in order for c in dst] + [c for r in runs[len(full):] for c in r]
        f.seek(fat_off)
        fat = bytearray(f.read(fat_len))
        for i, c in enumerate(new_chain):
            nxt = new_chain[i + 1] if i + 1 < len(new_chain) else 0x0FFFFFFF
            struct.pack_into("<I", fat, c * 4, nxt | (struct.unpack_from("<I", fat, c * 4)[0]
                                                      & 0xF0000000))
        for k in range(nfats):
            f.seek(fat_off + k * fat_len)
            f.write(fat)
        f.seek(entry + 20)
        f.write(struct.pack("<H", new_chain[0] >> 16))
        f.seek(entry + 26)
        f.write(struct.pack("<H", new_chain[0] & 0xFFFF))


def images(t):
    hda = os.path.join(t.tmp, "hda.img")
    with open(hda, "wb") as f:
        f.truncate(128 << 20)
    sh(t, ["/usr/sbin/mkfs.fat", "-F", "32", "-s", "1", hda])
    data = os.path.join(t.tmp, "data.bin")
    with open(data, "wb") as f:
        f.write(random.Random("fat").randbytes(FILE_MIB << 20))
    sh(t, ["mcopy", "-i", hda, data, "::/FRAG.BIN"])
    sh(t, ["mcopy", "-i", hda, data, "::/SEQ.BIN"])
    many = os.path.join(t.tmp, "many")
    os.makedirs(many)
    for i in range(NFILES):
        with open(os.path.join(many, "F%04d.TXT" % i), "wb") as f:
            f.write(b"x" * (i % 700))
    sh(t, ["mmd", "-i", hda, "::/D1K"])
    sh(t, ["mcopy", "-i", hda] + [os.path.join(many, n) for n in sorted(os.listdir(many))]
       + ["::/D1K/"])
    fragment(t, hda, b"FRAG    BIN")
    fd = os.path.join(t.tmp, "fd.img")
    sh(t, ["/usr/sbin/mkfs.fat", "-C", fd, "1440"])
    with open(data, "wb") as f:
        f.write(random.Random("fd").randbytes(1 << 20))
    sh(t, ["mcopy", "-i", fd, data, "::/ONE.BIN"])
    return hda, fd


def bench(t):
    hda, fd = images(t)
    files = [("fat32_seq", "/mnt/hda/SEQ.BIN"), ("fat32_frag", "/mnt/hda/FRAG.BIN"),
             ("fat12_floppy", "/mnt/fd0/ONE.BIN")]
    script = ["sha256sum /mnt/hda/SEQ.BIN /mnt/hda/FRAG.BIN"]
    for _, path in files:
        script += ["dd if=%s of=/dev/null bs=1M" % path] * RUNS
    script += [APPEND, "sync", "ls -l /mnt/hda/W32.BIN"]
    script += ["mkdir /mnt/hda/NEW", "fatbench /mnt/hda/NEW %d" % NFILES]
    script += ["date +%s%N", "ls -l /mnt/hda/D1K > /dev/null", "date +%s%N"] * (RUNS + 1)
    script += ["ls /mnt/hda/D1K | wc -l", "ls /mnt/hda/NEW | wc -l"]
    r = t.qemu("--initrd", qtest.initrd(t), "--hda", hda, "--fda", fd,
               input="".join(l + "\n" for l in script) + "poweroff\n", timeout=600)
    t.expect_status(r, 0)
    sums = re.findall(r"^([0-9a-f]{64})  /mnt/hda/(SEQ|FRAG).BIN$", r.out, re.M)
    t.check(len(sums) == 2 and sums[0][0] == sums[1][0],
            "the fragmented copy reads differently: %r" % sums)
    lines = []
    for name, path in files:
        rates = []
        for m in re.finditer(r"# dd if=%s of=/dev/null bs=1M\n(?:.*\n){2}(\d+) bytes .* copied, "
                             r"([\d.]+) s" % re.escape(path), r.out):
            rates.append(int(m.group(1)) / float(m.group(2)) / (1 << 20))
        t.check(len(rates) == RUNS, "dd of %s: %d summaries, want %d" % (path, len(rates), RUNS))
        lines.append("BENCH %s_dd1M_MiBps %.1f MiB/s" % (name, statistics.median(rates)))
    m = re.search(r"# %s\n(?:.*\n){2}(\d+) bytes .* copied, ([\d.]+) s" % re.escape(APPEND), r.out)
    t.check(m and int(m.group(1)) == FILE_MIB << 20, "the append dd printed no summary")
    lines.append("BENCH fat32_append32M_dd64K_MiBps %.1f MiB/s" %
                 (int(m.group(1)) / float(m.group(2)) / (1 << 20)))
    return lines + many_files(t, r.out)


def many_files(t, out):
    """The create+write+sync and `ls -l` figures from the transcript."""
    for d in ("D1K", "NEW"):
        n = qtest.output_of(t, out, "ls /mnt/hda/%s | wc -l" % d).strip()
        t.check(n == str(NFILES), "/mnt/hda/%s holds %r entries, want %d" % (d, n, NFILES))
    m = re.search(r"^fatbench created %d files in (\d+) ns$" % NFILES, out, re.M)
    t.check(m, "fatbench printed no time: %r" % qtest.output_of(
        t, out, "fatbench /mnt/hda/NEW %d" % NFILES)[:200])
    stamps = [int(x) for x in re.findall(r"# date \+%s%N\n(\d+)\n", out)]
    t.check(len(stamps) == 2 * (RUNS + 1), "date printed %d stamps, want %d" %
            (len(stamps), 2 * (RUNS + 1)))
    ls_ms = [(stamps[i + 1] - stamps[i]) / 1e6 for i in range(2, len(stamps), 2)]
    return ["BENCH fat32_create1000_sync_ms %.0f ms" % (int(m.group(1)) / 1e6),
            "BENCH fat32_ls_l_1000_ms %.1f ms" % statistics.median(ls_ms)]


if __name__ == "__main__":
    sys.exit(qtest.bench_main("fat", bench))
