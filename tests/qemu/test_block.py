#!/usr/bin/env python3
"""Block devices through the shell: ATA disks on both IDE channels (master and
slave), MBR (with an extended/logical partition) and GPT partitions, byte-exact
reads at odd offsets, writes the host reads back after poweroff, PIO and LBA48
paths, injected read errors, lsblk, lspci and the block counters in stats.

Every disk image is random data made at test time; every expected value is
computed here on the host from the image bytes."""

import random
import re
import struct

import os

import qtest
from blktest import (GPT_PARTS, MBR_LAYOUT, MBR_PARTS, SECTOR, blkdebug_disk, four_disks,
                     part_bytes, random_image, read, session, sha, sha_of)

def expected_devices(disks):
    """{device: bytes} for every disk and partition of four_disks()."""
    data = {name: read(path) for name, path in disks.items()}
    devs = dict(data)
    for name, (start, n) in MBR_PARTS.items():
        devs[name] = part_bytes(data["hda"], start, n)
    for name, (start, n) in GPT_PARTS.items():
        devs[name] = part_bytes(data["hdc"], start, n)
    return devs


def check_whole_devices(t, out, devs):
    for dev, data in sorted(devs.items()):
        got = sha_of(t, out, "/dev/" + dev)
        t.check(got == sha(data), "/dev/%s: sha256 %s, host says %s" % (dev, got, sha(data)))


def odd_ranges(devs, seed):
    """(device, skip, count) byte ranges with odd offsets and lengths, in and across sectors."""
    rng = random.Random(seed)
    out = []
    for dev in sorted(devs):
        size = len(devs[dev])
        out.append((dev, 1, 1))
        out.append((dev, size - 3, 3))  # the last bytes of the device
        out.append((dev, SECTOR - 7, 20))  # across a sector boundary
        for _ in range(2):
            skip = rng.randrange(1, size - 1) | 1
            out.append((dev, skip, rng.randrange(1, min(700, size - skip)) | 1))
    return out


def check_odd_ranges(t, devs, seed, append=""):
    """dd bs=1 and a multi-sector bs with partial head and tail; each to a tmpfs file, sha256sum."""
    ranges = odd_ranges(devs, seed)
    lines = []
    for i, (dev, skip, count) in enumerate(ranges):
        lines.append("dd if=/dev/%s of=/tmp/r%d bs=1 skip=%d count=%d" % (dev, i, skip, count))
        lines.append("sha256sum /tmp/r%d" % i)
        lines.append("rm /tmp/r%d" % i)
    return ranges, lines


@qtest.case
def whole_devices_and_partitions_match_host_sha256(t):
    disks = four_disks(t)
    devs = expected_devices(disks)
    out = session(t, disks, ["sha256sum /dev/" + d for d in sorted(devs)])
    check_whole_devices(t, out, devs)
    t.check("ATAPI" not in out, "hdc is a disk here, not the default CD-ROM")


@qtest.case
def lsblk_lists_disks_and_partitions_like_util_linux(t):
    disks = four_disks(t)
    out = session(t, disks, ["lsblk"])
    text = qtest.output_of(t, out, "lsblk")
    want = [
        r"NAME\s+MAJ:MIN\s+RM\s+SIZE\s+RO\s+TYPE\s+MOUNTPOINTS",
        r"hda\s+3:0\s+0\s+10M\s+0 disk",
        r"\|-hda1\s+3:1\s+0\s+2M\s+0 part",
        r"\|-hda2\s+3:2\s+0\s+1K\s+0 part",  # the extended partition: 1 KiB as on Linux
        r"\|-hda3\s+3:3\s+0\s+1000K\s+0 part",
        r"\|-hda4\s+3:4\s+0\s+500.5K\s+0 part",
        r"\|-hda5\s+3:5\s+0\s+1M\s+0 part",
        r"`-hda6\s+3:6\s+0\s+750K\s+0 part",
        r"hdb\s+3:64\s+0\s+1.5M\s+0 disk",
        r"hdc\s+22:0\s+0\s+4M\s+0 disk",
        r"\|-hdc1\s+22:1\s+0\s+1M\s+0 part",
        r"`-hdc2\s+22:2\s+0\s+1.5M\s+0 part",
        r"hdd\s+22:64\s+0\s+2M\s+0 disk",
        r"fd0\s+2:0\s+1\s+1.4M\s+0 disk",  # QEMU's floppy drive (removable), empty here
    ]
    lines = [l for l in text.splitlines() if l.strip()]
    t.check(len(lines) == len(want), "lsblk printed %d lines, want %d: %r" %
            (len(lines), len(want), text))
    for pattern, line in zip(want, lines):
        t.check(re.fullmatch(pattern + r"\s*", line), "lsblk line %r does not match %r" %
                (line, pattern))


@qtest.case
def odd_offset_reads_match_host(t):
    disks = four_disks(t)
    devs = expected_devices(disks)
    ranges, lines = check_odd_ranges(t, devs, "odd")
    out = session(t, disks, lines, timeout=240)
    for i, (dev, skip, count) in enumerate(ranges):
        want = sha(devs[dev][skip:skip + count])
        got = sha_of(t, out, "/tmp/r%d" % i)
        t.check(got == want, "/dev/%s bytes %d+%d: guest %s host %s" % (dev, skip, count, got,
                                                                         want))


@qtest.case
def multi_sector_reads_with_partial_ends_match_host(t):
    """bs=1000 (not a sector multiple): every read has a partial head or tail around DMA'd sectors."""
    disks = four_disks(t)
    devs = expected_devices(disks)
    # (tmpfs files hold 512 KiB.) hdb's range ends at its last byte; hdd's runs past its end.
    cases = [("hda5", 3, 7), ("hdc2", 1, 50), ("hdb", 1100, 436), ("hdd", 5, 400),
             ("hdd", 2097, 5)]
    lines = []
    for dev, skip, count in cases:
        lines += ["dd if=/dev/%s of=/tmp/m bs=1000 skip=%d count=%d" % (dev, skip, count),
                  "sha256sum /tmp/m", "rm /tmp/m"]
    out = session(t, disks, lines, timeout=180)
    pos = 0
    for dev, skip, count in cases:
        want = sha(devs[dev][skip * 1000:(skip + count) * 1000])
        m = re.compile(r"([0-9a-f]{64})  /tmp/m").search(out, pos)
        t.check(m, "no sha256sum for %s" % dev)
        pos = m.end()
        t.check(m.group(1) == want, "/dev/%s bs=1000 skip=%d count=%d: guest %s host %s" %
                (dev, skip, count, m.group(1), want))


def write_session(t, append=""):
    """Writes at odd offsets (read-modify-write of partial sectors) and whole sectors,
    from one disk to others, across both channels; returns (disks before, images after)."""
    disks = four_disks(t)
    before = {name: read(path) for name, path in disks.items()}
    lines = [
        # 777 bytes from hdb+1001 to hda5+3333: partial head and tail sectors.
        "dd if=/dev/hdb of=/dev/hda5 bs=1 skip=1001 seek=3333 count=777",
        # 64 KiB x 10 from hdb to hdd at 8 KiB: whole sectors, DMA from user pages.
        "dd if=/dev/hdb of=/dev/hdd bs=8K skip=1 seek=1 count=80",
        # 3000 bytes at 1000-byte blocks into the GPT partition: partial + whole.
        "dd if=/dev/hda1 of=/dev/hdc2 bs=1000 skip=7 seek=3 count=3",
        # the last byte of a disk
        "dd if=/dev/hdb of=/dev/hdd bs=1 skip=5 seek=%d count=1" % (4097 * SECTOR - 1),
    ]
    session(t, disks, lines, append=append, timeout=240)
    after = {name: read(path) for name, path in disks.items()}
    return before, after


def apply_write(img, off, data):
    return img[:off] + data + img[off + len(data):]


def check_writes(t, before, after):
    want = dict(before)
    hda5 = MBR_PARTS["hda5"][0] * SECTOR
    want["hda"] = apply_write(want["hda"], hda5 + 3333, before["hdb"][1001:1001 + 777])
    want["hdd"] = apply_write(want["hdd"], 8192, before["hdb"][8192:8192 + 80 * 8192])
    hdc2 = GPT_PARTS["hdc2"][0] * SECTOR
    hda1 = MBR_PARTS["hda1"][0] * SECTOR
    want["hdc"] = apply_write(want["hdc"], hdc2 + 3000, before["hda"][hda1 + 7000:hda1 + 10000])
    want["hdd"] = apply_write(want["hdd"], 4097 * SECTOR - 1, before["hdb"][5:6])
    for name in sorted(want):
        if after[name] != want[name]:
            diff = next(i for i in range(len(want[name])) if after[name][i] != want[name][i])
            t.fail("%s after the guest's writes differs from the host's expectation at byte %d "
                   "(sector %d)" % (name, diff, diff // SECTOR))


@qtest.case
def writes_read_back_on_host_after_poweroff(t):
    before, after = write_session(t)
    check_writes(t, before, after)


@qtest.case
def pio_path_reads_and_writes_match_host(t):
    """ata=pio: the same reads and writes without bus-master DMA."""
    before, after = write_session(t, append="ata=pio")
    check_writes(t, before, after)
    disks = four_disks(t)
    devs = expected_devices(disks)
    out = session(t, disks, ["sha256sum /dev/" + d for d in ("hda", "hda6", "hdc2", "hdd")],
                  append="ata=pio")
    t.check(re.search(r"ata hda: .*, PIO", out), "the boot log does not say hda runs by PIO")
    check_whole_devices(t, out, {d: devs[d] for d in ("hda", "hda6", "hdc2", "hdd")})


@qtest.case
def lba48_commands_read_and_write_like_lba28(t):
    before, after = write_session(t, append="ata=lba48")
    check_writes(t, before, after)
    disks = four_disks(t)
    devs = expected_devices(disks)
    out = session(t, disks, ["sha256sum /dev/hda", "sha256sum /dev/hdc1"], append="ata=lba48")
    check_whole_devices(t, out, {d: devs[d] for d in ("hda", "hdc1")})


@qtest.case
def injected_read_error_gives_eio_not_hang(t):
    """blkdebug fails reads of one sector of hdb: the reader gets an I/O error, the sector
    is logged, other ranges of the same disk still read, the kernel keeps running."""
    bad = 1500
    img = random_image(t, "hdb.img", 3000)
    data = read(img)
    out = session(t, {}, [
        "sha256sum /dev/hdb",
        "echo status $?",
        "dd if=/dev/hdb of=/tmp/ok bs=512 count=1000",
        "sha256sum /tmp/ok",
        "stats",
    ], extra=blkdebug_disk(t, img, bad), timeout=120)
    text = qtest.output_of(t, out, "sha256sum /dev/hdb")
    t.check("Input/output error" in text, "sha256sum of the failing disk printed %r" % text)
    t.check("status 1" in out, "sha256sum did not fail")
    t.check(re.search(r"ata hdb: read error at sector \d+", out),
            "no log line naming the failing sector")
    m = re.search(r"ata hdb: read error at sector (\d+) \(request (\d+)\+(\d+)", out)
    t.check(int(m.group(2)) <= bad < int(m.group(2)) + int(m.group(3)),
            "the failing request %s+%s does not cover sector %d" % (m.group(2), m.group(3), bad))
    got = sha_of(t, out, "/tmp/ok")
    t.check(got == sha(data[:1000 * SECTOR]), "the good range read wrong data")
    m = re.search(r"^hdb\s+\d+\s+\d+\s+\d+\s+\d+\s+(\d+)", qtest.output_of(t, out, "stats"), re.M)
    t.check(m and int(m.group(1)) >= 1, "stats shows no error for hdb")


@qtest.case
def lspci_lists_the_piix_ide_function(t):
    out = session(t, {}, ["lspci"])
    text = qtest.output_of(t, out, "lspci")
    t.check(re.search(r"^00:01\.1 0101: 8086:7010$", text, re.M), "no PIIX IDE in %r" % text)
    t.check(re.search(r"^00:00\.0 0600: 8086:1237 \(rev 02\)$", text, re.M),
            "no i440FX host bridge in %r" % text)


@qtest.case
def default_cdrom_is_recognised_and_skipped(t):
    out = session(t, {"hda": random_image(t, "hda.img", 2048)}, ["lsblk"])
    t.check("ata hdc: ATAPI device (CD-ROM): not supported, skipped" in out,
            "no ATAPI log line for QEMU's default CD-ROM")
    t.check("hdc" not in qtest.output_of(t, out, "lsblk"), "the CD-ROM shows in lsblk")


@qtest.case
def stats_counts_requests_and_sectors_per_device(t):
    disks = {"hda": random_image(t, "hda.img", 2048)}
    out = session(t, disks, ["stats", "dd if=/dev/hda of=/dev/null bs=512 skip=7 count=100",
                             "stats"])
    before = qtest.output_of(t, out, "stats")
    after = out[out.rfind("# stats\n"):]

    def counters(text):
        m = re.search(r"^hda\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)", text, re.M)
        t.check(m, "no hda line in %r" % text[-400:])
        return [int(x) for x in m.groups()]

    b, a = counters(before), counters(after)
    t.check(a[2] - b[2] == 100, "read sectors went from %d to %d, want +100" % (b[2], a[2]))
    t.check(a[0] - b[0] == 100, "reads went from %d to %d, want +100 (bs=512)" % (b[0], a[0]))
    t.check(a[4] == 0 and a[1] == b[1], "errors or writes moved: %r -> %r" % (b, a))


@qtest.case
def lost_interrupt_times_out_resets_channel_and_frames_show_in_stats(t):
    """ata=lose=N drops the completion of the command covering sector N: while the read
    is parked, stats shows its frames (vfs -> blkio -> blk -> part -> blk -> ata); the
    watchdog then resets the channel, the reader gets an I/O error, the disk works on."""
    disks = {"hda": random_image(t, "hda.img", 20480, MBR_LAYOUT)}
    lost = MBR_PARTS["hda5"][0] + 60
    out = session(t, disks, ["sha256sum /dev/hda5 &", "sleep 2", "stats", "sleep 12",
                             "sha256sum /dev/hda5"], append="ata=lose=%d" % lost, timeout=120)
    stats = qtest.output_of(t, out, "stats")
    frames = re.findall(r"^  #(\d+) (\S+)(?: waiting on ([^\n]*?))? age", stats, re.M)
    layers = [f[1] for f in frames]
    t.check(layers == ["ata", "blk", "part", "blk", "blkio", "vfs"],
            "parked read's frames %r (stats: %r)" % (frames, stats[-600:]))
    t.check(frames[0][2] == "ATA DMA interrupt", "the ata frame waits on %r" % frames[0][2])
    t.check(re.search(r"ata hda: timeout on read of sector \d+\+\d+: channel 0 reset", out),
            "no timeout/reset log line")
    t.check("sha256sum: /dev/hda5: Input/output error" in out, "the reader got no I/O error")
    data = part_bytes(read(disks["hda"]), *MBR_PARTS["hda5"])
    got = sha_of(t, out, "/dev/hda5")
    t.check(got == sha(data), "after the reset hda5 reads %s, host says %s" % (got, sha(data)))


@qtest.case
def channels_run_independently_and_master_slave_share_a_queue(t):
    """A read of hda (primary master) hangs on a lost interrupt for the watchdog's 10 s:
    meanwhile a read of hdc (secondary channel) finishes at once, and a read of hdb
    (primary slave, same channel) waits in the channel's queue until the reset."""
    disks = {"hda": random_image(t, "hda.img", 2048), "hdb": random_image(t, "hdb.img", 2048),
             "hdc": random_image(t, "hdc.img", 2048)}
    out = session(t, disks, ["sha256sum /dev/hda &", "sleep 2", "sha256sum /dev/hdc",
                             "sha256sum /dev/hdb", "sleep 1"], append="ata=lose=100", timeout=120)
    reset = out.find("ata hda: timeout on read of sector")
    t.check(reset > 0, "no watchdog reset of hda's channel")
    for dev, before in (("hdc", True), ("hdb", False)):
        m = re.search(r"([0-9a-f]{64})  /dev/%s" % dev, out)
        t.check(m and m.group(1) == sha(read(disks[dev])), "%s read wrong or failed" % dev)
        t.check((m.start() < reset) == before, "%s finished %s the reset of the primary channel" %
                (dev, "after" if before else "before"))


@qtest.case
def op_deadline_cancels_parked_and_in_flight_requests(t):
    """Two async reads with deadlines (blkprobe): the first's completion is lost (ata=lose),
    the second waits in hda's queue behind it. The second's 300 ms deadline takes it out of
    the queue (-ETIMEDOUT), the first's 2 s deadline cancels the command (channel reset,
    -ETIMEDOUT) long before the 10 s watchdog; the disk reads right afterwards and stats
    shows the queue empty again."""
    disks = {"hda": random_image(t, "hda.img", 2048)}
    out = session(t, disks, ["blkprobe deadline hda 8192:2000 65536:300", "stats",
                             "sha256sum /dev/hda"], append="ata=lose=17", timeout=60)
    probe = qtest.output_of(t, out, "blkprobe deadline hda 8192:2000 65536:300")
    res = re.findall(r"^slot (\d) result (-?\d+) after (\d+) ms$", probe, re.M)
    t.check([(s, r) for s, r, _ in res] == [("1", "-110"), ("0", "-110")],
            "completions %r, want slot 1 then slot 0, both -ETIMEDOUT" % (res,))
    t.check(int(res[1][2]) < 9000, "the in-flight read ended after %s ms: the watchdog, "
            "not its deadline" % res[1][2])
    t.check("ata hda: cancelled read of sector 16+8: channel 0 reset" in probe,
            "no channel reset for the cancelled command")
    m = re.search(r"^hda\s+(\d+)\s+(\d+)\s+\d+\s+\d+\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)$",
                  qtest.output_of(t, out, "stats"), re.M)
    # errors 1: the parked read left the queue without reaching the device (only the
    # cancelled command counts); queued 1, and nothing admitted or waiting any more.
    t.check(m and m.groups()[2:] == ("1", "1", "0", "0"),
            "hda counters (errors 1, queued 1, active 0, waiting 0 expected): %r" %
            (m and m.groups(),))
    got = sha_of(t, out, "/dev/hda")
    t.check(got == sha(read(disks["hda"])), "hda reads wrong after the cancels")


def mbr_entry(ptype, start, length):
    return struct.pack("<B3sB3sII", 0, b"\0\0\0", ptype, b"\0\0\0", start, length)


def put_table(img, sector, entries):
    """Writes a partition table (MBR or EBR) with @entries into sector @sector of @img."""
    table = b"".join(entries).ljust(64, b"\0") + b"\x55\xaa"
    img[sector * SECTOR + 446:sector * SECTOR + 512] = table


@qtest.case
def corrupt_partition_tables_are_logged_and_skipped(t):
    """An MBR entry past the end of the disk, an extended chain that loops, an entry whose
    start overflows, and a GPT header with an impossible entry size: each is logged and
    skipped, the good entries still appear, the disks read whole, the kernel runs on."""
    rng = random.Random("corrupt")
    a = bytearray(rng.randbytes(4096 * SECTOR))
    put_table(a, 0, [mbr_entry(0x83, 2048, 100000), mbr_entry(0x05, 1000, 2000),
                     mbr_entry(0x83, 3000, 96)])
    put_table(a, 1000, [mbr_entry(0x83, 10, 50), mbr_entry(0x05, 100, 200)])
    put_table(a, 1100, [mbr_entry(0x83, 10, 50), mbr_entry(0x05, 100, 200)])  # back to 1100
    b = bytearray(rng.randbytes(2048 * SECTOR))
    put_table(b, 0, [mbr_entry(0x83, 0xfffffff0, 0xffffffff)])
    c = bytearray(rng.randbytes(4096 * SECTOR))
    put_table(c, 0, [mbr_entry(0xee, 1, 4095)])
    c[SECTOR:SECTOR + 92] = b"EFI PART" + bytes(64) + struct.pack("<QII", 2, 128, 100) + bytes(4)
    disks = {}
    for name, data in (("hda", a), ("hdb", b), ("hdc", c)):
        disks[name] = os.path.join(t.tmp, name + ".img")
        with open(disks[name], "wb") as f:
            f.write(data)
    out = session(t, disks, ["lsblk", "sha256sum /dev/hda", "sha256sum /dev/hda6",
                             "sha256sum /dev/hdb", "sha256sum /dev/hdc"])
    for line in ("part hda1: sectors 2048+100000 past the end of the disk (4096): skipped",
                 "part hda: extended chain loops back at sector 1100: stopped",
                 "part hdb1: sectors 4294967280+4294967295 past the end of the disk (2048): "
                 "skipped",
                 "part hdc: GPT header with entry size 100 at 2: ignored"):
        t.check(line in out, "no log line %r" % line)
    names = re.findall(r"^\S*?(hd\w+)\s", qtest.output_of(t, out, "lsblk"), re.M)
    t.check(names == ["hda", "hda2", "hda3", "hda5", "hda6", "hdb", "hdc"],
            "lsblk lists %r" % names)
    for name, data in (("hda", a), ("hdb", b), ("hdc", c)):
        t.check(sha_of(t, out, "/dev/" + name) == sha(bytes(data)), "%s reads wrong" % name)
    t.check(sha_of(t, out, "/dev/hda6") == sha(bytes(a[1110 * SECTOR:1160 * SECTOR])),
            "hda6 (the logical partition before the loop) reads wrong")


if __name__ == "__main__":
    qtest.main("block")
