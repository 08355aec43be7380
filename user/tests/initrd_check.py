#!/usr/bin/env python3
"""initrd_check - reads build/initrd.img back and checks it is a valid
"newc" cpio archive (070701 headers, 4-byte alignment of headers and data,
TRAILER!!! last) holding /bin/<every program> as 0755 ELF files and the
files of user/rootfs/ with their exact contents. Installed as
build/host/tests/user_initrd; prints the project's test protocol."""
import os
import sys

SUITE = "user_initrd"
HERE = os.path.dirname(os.path.abspath(__file__))
BUILD = os.path.normpath(os.path.join(HERE, "..", ".."))
results = []


def check(name, cond, why=""):
    results.append(cond)
    print("TEST %s %s/%s%s" % ("PASS" if cond else "FAIL", SUITE, name,
                               "" if cond else ": " + why))


def parse(img):
    """Yields (name, mode, data) per member; raises ValueError on bad layout."""
    off = 0
    while True:
        if off % 4:
            raise ValueError("header at %d not 4-byte aligned" % off)
        hdr = img[off:off + 110]
        if hdr[:6] != b"070701":
            raise ValueError("bad magic at %d" % off)
        f = [int(hdr[6 + 8 * i:14 + 8 * i], 16) for i in range(13)]
        mode, size, namesize = f[1], f[6], f[11]
        name = img[off + 110:off + 110 + namesize - 1].decode()
        if img[off + 110 + namesize - 1] != 0:
            raise ValueError("name of %s not NUL-terminated" % name)
        data_off = off + 110 + namesize
        data_off += -data_off % 4
        data = img[data_off:data_off + size]
        off = data_off + size
        off += -off % 4
        if name == "TRAILER!!!":
            if off != len(img):
                raise ValueError("%d bytes after the trailer" % (len(img) - off))
            return
        yield name, mode, data


def main():
    with open(os.path.join(BUILD, "initrd.img"), "rb") as f:
        img = f.read()
    try:
        members = {n: (m, d) for n, m, d in parse(img)}
        check("newc_layout", True)
    except ValueError as e:
        check("newc_layout", False, str(e))
        members = {}
    progs = sorted(os.listdir(os.path.join(BUILD, "user", "initrd-bin")))
    missing = [p for p in progs if "bin/" + p not in members]
    check("all_programs", progs and not missing, "missing %s" % missing)
    bad = [n for n, (m, d) in members.items()
           if n.startswith("bin/") and (m != 0o100755 or d[:4] != b"\x7fELF")]
    check("programs_are_0755_elf", not bad, str(bad))
    check("bin_dir_entry", members.get("bin", (0,))[0] == 0o040755)
    src = os.path.normpath(os.path.join(BUILD, "..", "user", "rootfs"))
    wrong = []
    for dirpath, _, files in os.walk(src):
        for fn in files:
            path = os.path.join(dirpath, fn)
            arc = os.path.relpath(path, src)
            with open(path, "rb") as f:
                if members.get(arc, (0, None))[1] != f.read():
                    wrong.append(arc)
    check("rootfs_files", os.path.isdir(src) and not wrong, str(wrong))
    check("motd_present", "etc/motd" in members)
    passed = sum(results)
    print("%s: %d passed, %d failed" % (SUITE, passed, len(results) - passed))
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
