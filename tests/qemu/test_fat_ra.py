#!/usr/bin/env python3
"""FAT readahead and the write path's remembered chain position (issue 9, fs/fat/fat_ra.c,
fs/fat/fat_write.c): a sequential read requests the next window of the file before the next
read asks (the `fatra:` line of `stats` and the disk's sector counter show it); reads of a
fragmented file in many sizes, straddling cluster runs and windows, stay byte-identical with
the host; a write between two reads drops the window (the guest program fatra checks the new
bytes); umount right after a partial read waits for the window in flight; appends, rewrites and
an O_TRUNC of a file kept open (then a first write of 64 KiB) read back with mtools exactly and pass fsck.fat."""

import random
import re

import qtest
from blktest import session, sha
from fatimg import fat32_with, fsck, read_back

RA_BYTES = 131072  # PARAM_FAT_RA_BYTES


def ra_counters(t, text):
    m = re.search(r"^fatra: .* launched (\d+) joined (\d+) dropped (\d+) hits (\d+) \((\d+) bytes\)",
                  text, re.M)
    t.check(m, "stats printed no fatra line: %r" % text[-400:])
    return [int(x) for x in m.groups()]


def hda_read_sectors(t, text):
    m = re.search(r"^hda\s+(\d+)\s+(\d+)\s+(\d+)\s", text, re.M)
    t.check(m, "stats printed no hda line")
    return int(m.group(3))


def stats_blocks(out):
    """The text of each `stats` in the transcript, in order."""
    return [out[m.end():out.find("\n# ", m.end())] for m in re.finditer(r"# stats\n", out)]


@qtest.case
def a_sequential_read_requests_the_next_window_before_the_next_read(t):
    """After one 4 KiB read at offset 0 (and nothing else), the next 128 KiB of the file were
    requested by readahead: `fatra` counts one launch and the disk read at least 4 KiB + 128 KiB
    in sectors more than before the dd."""
    img = fat32_with(t, {"SEQ.BIN": random.Random(1).randbytes(1 << 20)})
    out = session(t, {"hda": img}, ["stats", "dd if=/mnt/hda/SEQ.BIN of=/dev/null bs=4096 count=1",
                                    "sleep 1", "stats"])
    before, after = stats_blocks(out)
    launched = ra_counters(t, after)[0] - ra_counters(t, before)[0]
    t.check(launched == 1, "readahead launched %d windows for one read, want 1" % launched)
    grew = hda_read_sectors(t, after) - hda_read_sectors(t, before)
    t.check(grew >= (4096 + RA_BYTES) // 512,
            "the disk read %d sectors for a 4 KiB read, want >= %d (the next window too)" %
            (grew, (4096 + RA_BYTES) // 512))


def bcache_hits(t, text):
    m = re.search(r"^bcache: .* hits (\d+) ", text, re.M)
    t.check(m, "stats printed no bcache line")
    return int(m.group(1))


@qtest.case
def a_sequential_read_with_readahead_walks_the_chain_once(t):
    """dd bs=1M of an 8 MiB file (16384 clusters of 512 bytes) looks up at most 8 FAT entries
    per cluster in the sector cache (its hit counter): reads served from a window go on from the
    window's chain position instead of walking from the first cluster (a walk per read would be
    quadratic: about 50 per cluster here)."""
    img = fat32_with(t, {"SEQ.BIN": random.Random(8).randbytes(8 << 20)})
    out = session(t, {"hda": img}, ["stats", "dd if=/mnt/hda/SEQ.BIN of=/dev/null bs=1M",
                                    "stats"])
    before, after = stats_blocks(out)
    per = (bcache_hits(t, after) - bcache_hits(t, before)) / 16384.0
    t.check(per <= 8, "%.1f cache lookups per cluster, want <= 8" % per)
    t.check(ra_counters(t, after)[3] > 0, "no read was served from a window")


@qtest.case
def appends_look_up_a_bounded_number_of_fat_entries_per_cluster(t):
    """dd if=/dev/zero bs=64K count=64 makes a 4 MiB file in 64 appends (8192 clusters of 512
    bytes): at most 16 sector-cache lookups per cluster (the cache's hit counter), because each
    append resizes and writes from the remembered chain position; a walk from the first cluster
    per write would be quadratic (about 68 per cluster here). The file then reads as zeros."""
    img = fat32_with(t, {})
    dd = "dd if=/dev/zero of=/mnt/hda/W.BIN bs=64K count=64"
    out = session(t, {"hda": img}, ["stats", dd, "stats", "sha256sum /mnt/hda/W.BIN"])
    before, after = stats_blocks(out)
    per = (bcache_hits(t, after) - bcache_hits(t, before)) / 8192.0
    t.check(per <= 16, "%.1f cache lookups per cluster, want <= 16" % per)
    t.check(qtest.output_of(t, out, "sha256sum /mnt/hda/W.BIN").startswith(sha(bytes(4 << 20))),
            "W.BIN does not read back as 4 MiB of zeros")


@qtest.case
def fragmented_and_straddling_reads_with_readahead_match_the_host(t):
    """A 3 MiB file shuffled in runs of 16 clusters and a contiguous one of an odd size, read by
    sha256sum, cat and dd with block sizes 1000, 3000, 4096 and 1M (reads that straddle sectors,
    cluster runs and windows), every digest the host's; and the windows were used (hits and
    joined reads counted)."""
    frag = random.Random(2).randbytes(3 << 20)
    odd = random.Random(3).randbytes((1 << 20) + 777)
    img = fat32_with(t, {"FRAG.BIN": frag, "ODD.BIN": odd}, fragment=["FRAG.BIN"])
    lines = []
    for name in ("FRAG.BIN", "ODD.BIN"):
        lines += ["sha256sum /mnt/hda/%s" % name, "cat /mnt/hda/%s | sha256sum" % name]
        lines += ["dd if=/mnt/hda/%s bs=%s | sha256sum" % (name, bs)
                  for bs in ("1000", "3000", "4096", "1M")]
    out = session(t, {"hda": img}, lines + ["stats"], timeout=240)
    for name, data in (("FRAG.BIN", frag), ("ODD.BIN", odd)):
        want = sha(data)
        for line in [ln for ln in lines if name in ln]:
            got = qtest.output_of(t, out, line)
            t.check(re.search(r"^%s  " % want, got, re.M),  # dd's summary comes first
                    "%s printed %r, want %s" % (line, got[-120:], want))
    launched, joined, dropped, hits, nbytes = ra_counters(t, stats_blocks(out)[-1])
    t.check(launched > 0 and hits > 0 and nbytes > 0,
            "readahead was not used: launched %d hits %d bytes %d" % (launched, hits, nbytes))


@qtest.case
def a_write_between_two_reads_drops_the_readahead_window(t):
    """fatra rw: a read at 0 starts a window over bytes 4096..; a write at 8192 through another
    descriptor; the reads that follow get the new bytes, and the image holds them after poweroff."""
    data = random.Random(4).randbytes(512 << 10)
    img = fat32_with(t, {"RW.BIN": data})
    out = session(t, {"hda": img}, ["fatra rw /mnt/hda/RW.BIN"])
    t.check("fatra rw ok" in qtest.output_of(t, out, "fatra rw /mnt/hda/RW.BIN"),
            "fatra rw: %r" % qtest.output_of(t, out, "fatra rw /mnt/hda/RW.BIN")[:200])
    patch = bytes((o * 31 + 9 * 17 + (o >> 9)) & 0xff for o in range(8192, 8192 + 4096))
    t.check(read_back(t, img, "RW.BIN") == data[:8192] + patch + data[8192 + 4096:],
            "the image does not hold the write")
    fsck(t, img)


@qtest.case
def umount_right_after_a_partial_read_waits_for_the_readahead(t):
    """fatra umount: a 4 KiB read (a window of 128 KiB over 16 fragments is then in flight),
    close, and umount in the same program at once: it succeeds (readahead holds no vnode
    reference: umount waits for the window instead), a new mount reads the file like the host,
    no FAT node is left after the last umount, and the image is fsck-clean."""
    data = random.Random(5).randbytes(2 << 20)
    img = fat32_with(t, {"BIG.BIN": data}, fragment=["BIG.BIN"])
    lines = ["fatra umount /mnt/hda/BIG.BIN /mnt/hda",
             "mount -t vfat /dev/hda /mnt/hda", "sha256sum /mnt/hda/BIG.BIN", "umount /mnt/hda",
             "stats"]
    out = session(t, {"hda": img}, lines)
    t.check("fatra umount 0" in qtest.output_of(t, out, lines[0]),
            "umount right after a partial read failed: %r" %
            qtest.output_of(t, out, lines[0])[-300:])
    t.check(qtest.output_of(t, out, lines[2]).startswith(sha(data)),
            "the file read after the remount differs from the host's")
    t.check(qtest.pool_counts(stats_blocks(out)[-1]).get("fat_node", 0) == 0,
            "fat nodes are left after umount")
    fsck(t, img)


def wseq_expected():
    """What `fatra wseq` leaves: phase 4 over 0..100000, zeros, phase 5 over 150000..160000."""
    def pat(off, ph):
        return (off * 31 + ph * 17 + (off >> 9)) & 0xff
    return (bytes(pat(o, 4) for o in range(100000)) + bytes(50000) +
            bytes(pat(o, 5) for o in range(150000, 160000)))


@qtest.case
def appends_rewrites_and_a_truncate_of_an_open_file_read_back_like_the_host(t):
    """fatra wseq on FAT32 with 512-byte clusters: 300000 bytes appended in 3001-byte writes,
    rewrites before and after the remembered position, O_TRUNC while another descriptor keeps the
    node (the position must be forgotten), appends and a write past the end; mtools reads back
    exactly the expected bytes and fsck.fat finds the volume clean."""
    img = fat32_with(t, {})
    out = session(t, {"hda": img}, ["fatra wseq /mnt/hda/W.BIN"], timeout=180)
    t.check("fatra wseq ok" in qtest.output_of(t, out, "fatra wseq /mnt/hda/W.BIN"),
            "fatra wseq: %r" % qtest.output_of(t, out, "fatra wseq /mnt/hda/W.BIN")[:200])
    got = read_back(t, img, "W.BIN")
    want = wseq_expected()
    t.check(len(got) == len(want), "W.BIN is %d bytes, want %d" % (len(got), len(want)))
    t.check(got == want, "W.BIN differs from the expected bytes at %d" %
            next((i for i in range(len(want)) if got[i] != want[i]), -1))
    fsck(t, img)


if __name__ == "__main__":
    qtest.main("fat_ra")
