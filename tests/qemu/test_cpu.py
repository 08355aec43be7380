#!/usr/bin/env python3
"""The CPU model qemu/run selects, and the protections the kernel turns on.

qemu/run gives TCG `-cpu qemu64,+smep,+smap` and KVM `-cpu host`; the kernel
turns SMEP and SMAP on when CPUID offers them and says so at boot. A CPU
without them (an extra `-- -cpu qemu64`, which QEMU takes over the earlier
one) must still run everything: the interrupt entry's `clac` is skipped there,
since it is #UD on such a CPU.
"""

import os
import socket
import time

import qtest
from qtest import has_pair, initrd, output_of, qemu_argv


@qtest.case
def runner_selects_cpu_with_smep_smap(t):
    t.need_kernel()
    argv = qemu_argv(t)
    t.check(has_pair(argv, "-cpu", "qemu64,+smep,+smap"), "TCG cpu model: %s" % argv)
    t.check(argv.count("-cpu") == 1, "more than one -cpu: %s" % argv)
    argv = qemu_argv(t, "--accel", "kvm")
    t.check(has_pair(argv, "-accel", "kvm") and has_pair(argv, "-cpu", "host"),
            "KVM cpu model: %s" % argv)


@qtest.case
def boot_turns_smep_smap_on(t):
    r = t.qemu("--append", "poweroff", timeout=30)
    t.expect_status(r, 0)
    t.check("cpu: SMEP on, SMAP on\n" in r.out, "no 'cpu: SMEP on, SMAP on' line: %r"
            % r.out[:600])


@qtest.case
def cpu_without_smep_smap_runs_user_programs(t):
    """On a CPU without SMEP/SMAP the kernel says so, leaves them off and runs
    the shell and flagprobe (interrupts from ring 3 with odd flags) as well."""
    script = "flagprobe all\necho status $?\npoweroff\n"
    r = t.qemu("--initrd", initrd(t), "--", "-cpu", "qemu64", input=script, timeout=120)
    t.expect_status(r, 0)
    t.check("cpu: SMEP off (not offered by the CPU), SMAP off (not offered by the CPU)\n"
            in r.out, "no 'SMEP off, SMAP off' line: %r" % r.out[:600])
    t.check(output_of(t, r.out, "flagprobe all").endswith("flagprobe all: ok\n"),
            "flagprobe all: %r" % output_of(t, r.out, "flagprobe all"))
    t.check("# echo status $?\nstatus 0\n" in r.out, "status of flagprobe all")


def monitor_nmi(t, path, count, gap=0.05):
    """Sends `nmi` @count times through QEMU's human monitor on unix socket @path."""
    deadline = time.monotonic() + 30
    while not os.path.exists(path):
        t.check(time.monotonic() < deadline, "no monitor socket %s" % path)
        time.sleep(0.1)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as mon:
        mon.connect(path)
        for _ in range(count):
            mon.sendall(b"nmi\n")
            time.sleep(gap)


@qtest.case
def nmi_kills_nobody(t):
    """NMIs injected (QEMU monitor `nmi`) while the shell waits for input and
    while a program computes in ring 3: nobody is killed, nothing panics, the
    program finishes with every register right. Before, an NMI in ring 3
    killed the running program, and one in ring 0 panicked."""
    sock = os.path.join(t.tmp, "mon.sock")
    s = t.start("--initrd", initrd(t), "--", "-monitor", "unix:%s,server=on,wait=off" % sock,
                timeout=180)
    s.expect(r"# ", timeout=60)
    monitor_nmi(t, sock, 5)                 # the shell waits for input: NMIs in ring 0
    s.send("fputest regs 1 16\n")
    s.expect(r"fputest regs 1 16\n", timeout=30)
    monitor_nmi(t, sock, 40, gap=0.02)      # mostly in ring 3, while fputest spins
    s.expect(r"fputest regs 1: ok", timeout=120)
    s.send("echo after\npoweroff\n")
    r = s.finish(timeout=60)
    t.expect_status(r, 0)
    t.check("killed" not in r.out, "a process was killed: %r" % r.out[-600:])
    t.check("after\n" in r.out, "the shell did not go on")


if __name__ == "__main__":
    qtest.main("cpu")
