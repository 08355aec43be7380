#!/usr/bin/env python3
"""opprof.py - the per-op instruction profile of the ring fast path.

    python3 tests/qemu/opprof.py [--json FILE] [--top N]     (BUILD=dir: another build)

Boots build/kernel.bin with build/test-initrd.img under qemu/run --gdb, runs
tests/qemu/progs/opprof.c in the shell and lets gdb (tests/qemu/opprof_gdb.py)
single-step its three marked SYS_ring_enter calls from syscall_entry to the
return to user space: a batch of 32 NOPs, one NOP, one 4 KiB tmpfs READ into
a registered buffer. Prints, per call, the guest instructions executed (also
per op for the batch), the instructions per kernel function, and the ones
that are expensive under TCG by kind (tests/qemu/opprof_gdb.py: COSTLY).

Why instructions and not time: under TCG the guest's time per op is mostly a
function of the instructions it runs and of how many of them end a
translation block or call a helper, and both are deterministic (the stub
steps with interrupts masked), so two builds compare exactly on a loaded
machine where `make bench` figures drift. It is a tool, not a test: it judges
nothing. Exit status 0 on a complete profile, 1 otherwise. Takes about a
minute (each step is a gdb round trip).
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("BUILD", os.path.join(ROOT, "build"))
TIMEOUT = 900  # seconds for the whole run (stepping is slow on a loaded machine)


def free_port():
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


def run(json_out):
    port = free_port()
    env = dict(os.environ, OPPROF_PORT=str(port), OPPROF_OUT=json_out,
               OPPROF_ELF=os.path.join(BUILD, "kernel.elf"))
    qemu = subprocess.Popen(
        [os.path.join(ROOT, "qemu", "run"), "--gdb", "--gdb-port", str(port), "--timeout",
         str(TIMEOUT), "--kernel", os.path.join(BUILD, "kernel.bin"), "--initrd",
         os.path.join(BUILD, "test-initrd.img")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        start_new_session=True)
    qemu.stdin.write(b"opprof\n")
    qemu.stdin.flush()
    time.sleep(1)  # the stub listens once QEMU is up
    try:
        g = subprocess.run(["gdb", "-q", "-batch", "-nx", "-x",
                            os.path.join(ROOT, "tests", "qemu", "opprof_gdb.py")],
                           env=env, capture_output=True, text=True, timeout=TIMEOUT)
    finally:
        qemu.kill()
        console = qemu.communicate()[0].decode(errors="replace")
    if g.returncode != 0 or not os.path.getsize(json_out):
        sys.stderr.write("gdb failed (%d):\n%s%s\nconsole:\n%s\n" %
                         (g.returncode, g.stdout[-2000:], g.stderr[-2000:], console[-2000:]))
        return None
    with open(json_out) as f:
        return json.load(f)


def report(results, top):
    for r in results:
        n = 32 if r["call"] == "batch32" else 1
        print("== %s: %d instructions (%d per op), TCG-costly: %s" %
              (r["call"], r["instructions"], r["instructions"] // n,
               ", ".join("%s %d" % kv for kv in sorted(r["costly"].items())) or "none"))
        fns = sorted(r["per_function"].items(), key=lambda kv: -kv[1])
        for name, count in fns[:top]:
            print("  %6d  %6.1f/op  %s" % (count, count / n, name))
        print("  costly by function:")
        for key, count in sorted(r["costly_per_function"].items(), key=lambda kv: -kv[1])[:top]:
            print("  %6d  %6.1f/op  %s" % (count, count / n, key))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--json", help="also keep the raw profile here")
    p.add_argument("--top", type=int, default=25, help="functions listed per call")
    opts = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = opts.json or os.path.join(tmp, "opprof.json")
        open(out, "w").close()
        results = run(out)
    if not results:
        return 1
    report(results, opts.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
