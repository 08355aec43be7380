#!/usr/bin/env python3
"""Side by side: the same benchmark program, qbench, on Tessera and on Linux in the same QEMU.

`make bench-linux` runs this. It fetches Debian's kernel image and a static
busybox with `apt-get download` into build/bench-linux/ (kept there for the
next run), extracts the kernel and busybox from them (`dpkg-deb --fsys-tarfile`),
and packs /init (a busybox script), busybox, qbench's Linux build
(build/host/linux-user/bin/qbench-linux: tests/qemu/progs/qbench.c against the
Linux shim, its rings on io_uring through user/tests/linux/ring_uring.c) and
tests/linux/uring_bench.c (the same ring measurements written directly on
io_uring, built static with the host's gcc: a cross-check of the shim's
translation) into an initramfs, and boots it under the same QEMU as
tests/qemu/bench_guest.py (-M pc, -m 256M, TCG, one vCPU, serial console).
Then it runs tests/qemu/bench_guest.py for Tessera, alternates the two guests
ROUNDS times (each side's median is shown), and prints the benchmarks both
sides measure in one table: Tessera, Linux (qbench), the ratio Tessera / Linux
(below 1 is better for Tessera on ns lines, worse on ops/s and MB/s), and
uring_bench's figure where it has one.

Exit status 0 when both guests printed every line; 1 otherwise (a missing
package, a failed boot: the reason is printed). Nothing judges a number.
"""

import glob
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("BUILD", os.path.join(ROOT, "build"))
WORK = os.path.join(BUILD, "bench-linux")
QEMU = os.environ.get("QEMU", "qemu-system-x86_64")
LINUX_TIMEOUT = 600
ROUNDS = 3
NAMES = ("guest_syscall_ns", "guest_uname_ns", "guest_user_memset1k_ns", "guest_user_memcpy4k_ns",
         "guest_tmpfs_write_MBps",
         "guest_tmpfs_read_MBps", "guest_ring_nop_roundtrip_ns",
         "guest_ring_nop_roundtrip_pending20_ns", "guest_ring_batch32_ops_per_s",
         "guest_ring_read4k_tmpfs_ns")
# Table rows: (Tessera's line, the Linux line it is compared with). The
# guest_async_* lines are Tessera's old path (SYS_submit + SYS_wait_event).
ROWS = [(n, n) for n in NAMES] + [("guest_async_nop_roundtrip_ns", "guest_ring_nop_roundtrip_ns"),
                                  ("guest_async_batch32_ops_per_s", "guest_ring_batch32_ops_per_s")]
BENCH = re.compile(r"^BENCH (\S+) (\d+) (\S+)\s*$", re.M)
INIT = """#!/bin/busybox sh
/bin/busybox mkdir -p /proc /tmp
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t tmpfs tmpfs /tmp
/bin/qbench
/bin/uring_bench
/bin/busybox poweroff -f
"""
QBENCH_LINUX = os.path.join(BUILD, "host", "linux-user", "bin", "qbench-linux")


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def fetch():
    """The kernel image and busybox from the Debian archive, extracted once."""
    os.makedirs(WORK, exist_ok=True)
    dep = subprocess.run(["apt-cache", "depends", "linux-image-amd64"], capture_output=True,
                         text=True).stdout
    m = re.search(r"Depends: (linux-image-\S+)", dep)
    if not m:
        raise SystemExit("bench-linux: apt-cache knows no linux-image-amd64 (run apt-get update)")
    for pkg in (m.group(1), "busybox-static"):
        if not glob.glob(os.path.join(WORK, pkg.replace(":", "%3a") + "_*.deb")):
            run(["apt-get", "download", pkg], cwd=WORK)
    # Only the two files: a whole extracted tree has directories named *.d,
    # which the top Makefile's dependency include would trip over.
    ext = os.path.join(WORK, "root")
    if not os.path.isdir(ext):
        os.makedirs(ext)
        for deb in glob.glob(os.path.join(WORK, "*.deb")):
            tar = subprocess.run(["dpkg-deb", "--fsys-tarfile", deb], check=True,
                                 capture_output=True).stdout
            subprocess.run(["tar", "-x", "-C", ext, "--wildcards", "./boot/vmlinuz-*",
                            "./bin/busybox"], input=tar, capture_output=True)
    kernels = sorted(glob.glob(os.path.join(ext, "boot", "vmlinuz-*")))
    if not kernels:
        raise SystemExit("bench-linux: no vmlinuz in the extracted package")
    return kernels[-1], os.path.join(ext, "bin", "busybox"), os.path.basename(kernels[-1])


def cpio_entry(name, mode, data=b"", rdev=(0, 0)):
    hdr = "070701" + "".join("%08X" % v for v in (
        0, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1], len(name) + 1, 0))
    out = hdr.encode() + name.encode() + b"\0"
    out += b"\0" * (-len(out) % 4) + data
    return out + b"\0" * (-len(out) % 4)


def initramfs(busybox, bench):
    out = b""
    for d in ("bin", "dev", "proc", "tmp"):
        out += cpio_entry(d, 0o040755)
    out += cpio_entry("dev/console", 0o020600, rdev=(5, 1))
    out += cpio_entry("dev/null", 0o020666, rdev=(1, 3))
    out += cpio_entry("init", 0o100755, INIT.encode())
    for name, path in (("bin/busybox", busybox), ("bin/uring_bench", bench),
                       ("bin/qbench", QBENCH_LINUX)):
        with open(path, "rb") as f:
            out += cpio_entry(name, 0o100755, f.read())
    out += cpio_entry("TRAILER!!!", 0)
    path = os.path.join(WORK, "initramfs.cpio")
    with open(path, "wb") as f:
        f.write(out)
    return path


def linux_column():
    kernel, busybox, version = fetch()
    bench = os.path.join(WORK, "uring_bench")
    run(["gcc", "-O2", "-static", "-Wall", "-Wextra", "-Werror", "-o", bench,
         os.path.join(ROOT, "tests", "linux", "uring_bench.c")])
    cmd = [QEMU, "-M", "pc", "-m", "256M", "-display", "none", "-no-reboot", "-accel", "tcg",
           "-cpu", "qemu64,+smep,+smap", "-serial", "stdio", "-monitor", "none",
           "-kernel", kernel, "-initrd", initramfs(busybox, bench),
           "-append", "console=ttyS0 quiet panic=-1"]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=LINUX_TIMEOUT,
                       stdin=subprocess.DEVNULL)
    with open(os.path.join(WORK, "console.log"), "w") as f:
        f.write(r.stdout + r.stderr)
    if "qbench: done" not in r.stdout or "uring_bench: done" not in r.stdout:
        raise SystemExit("bench-linux: the Linux guest did not finish (build/bench-linux/console.log)")
    qb, ub = r.stdout.split("qbench: done", 1)
    return ({m.group(1): (int(m.group(2)), m.group(3)) for m in BENCH.finditer(qb)},
            {m.group(1): (int(m.group(2)), m.group(3)) for m in BENCH.finditer(ub)}, version)


def tessera_column():
    r = subprocess.run([sys.executable, os.path.join(ROOT, "tests", "qemu", "bench_guest.py")],
                       capture_output=True, text=True, env=dict(os.environ, BUILD=BUILD))
    if r.returncode:
        raise SystemExit("bench-linux: tests/qemu/bench_guest.py failed:\n" + r.stdout[-2000:])
    return {m.group(1): (int(m.group(2)), m.group(3)) for m in BENCH.finditer(r.stdout)}


def median_of(runs):
    """{name: (median value, unit)} over a list of {name: (value, unit)}."""
    out = {}
    for name in runs[0]:
        vals = sorted(r[name][0] for r in runs if name in r)
        out[name] = (vals[len(vals) // 2], runs[0][name][1])
    return out


def main():
    # Alternate the two guests ROUNDS times and take each side's median, so a
    # burst of load on the shared machine does not land on one column only.
    lruns, uruns, truns = [], [], []
    for _ in range(ROUNDS):
        lx, ub, version = linux_column()
        lruns.append(lx)
        uruns.append(ub)
        truns.append(tessera_column())
    linux, uring, tessera = median_of(lruns), median_of(uruns), median_of(truns)
    print("(median of %d alternating runs of each guest; the same qbench source on both)" % ROUNDS)
    print("| benchmark | Tessera | Linux %s (qbench, io_uring) | Tessera / Linux "
          "| Linux, uring_bench.c |" % version.replace("vmlinuz-", ""))
    print("|---|---:|---:|---:|---:|")
    for name, lname in ROWS:
        t, unit = tessera[name]
        lx = linux[lname][0]
        ub = ("%d %s" % (uring[lname][0], unit)) if lname in uring else "-"
        print("| `%s` | %d %s | %d %s | %.2f | %s |" % (name, t, unit, lx, unit,
                                                      t / lx if lx else 0, ub))
    for name in NAMES:
        print("BENCH linux_%s %d %s" % (name, linux[name][0], linux[name][1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
