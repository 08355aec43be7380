#!/usr/bin/env python3
"""mkseed.py IMAGE OUT [FAIL_LBA]: a raw disk image (mkfs.fat + mtools) as an
input of the fat_image fuzz target (tests/host/fuzz/fat_image.c): its size in
sectors, the sector that fails (none by default), then every sector that is
not all zeros as (LE32 sector number, 512 bytes)."""
import struct
import sys


def main():
    data = open(sys.argv[1], "rb").read()
    fail = int(sys.argv[3], 0) if len(sys.argv) > 3 else 0xFFFFFFFF
    sectors = (len(data) + 511) // 512
    out = [struct.pack("<II", sectors, fail)]
    for s in range(sectors):
        sec = data[s * 512:(s + 1) * 512].ljust(512, b"\0")
        if sec.strip(b"\0"):
            out.append(struct.pack("<I", s) + sec)
    open(sys.argv[2], "wb").write(b"".join(out))


main()
