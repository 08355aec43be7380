#!/usr/bin/env python3
"""The real shell on the serial console, driven through qemu/run's stdin.

Each case boots the kernel with build/test-initrd.img (the user programs plus
tests/qemu/progs/qprobe), pipes a script of shell lines in and checks the
transcript. The console echoes each line as the shell reads it, right after
the prompt, so a transcript reads "# <line>\\n<output>". Every script ends
with `poweroff`, and the case checks exit status 0: a kernel panic (3), a
hang (124) or init dying (1) fails it whatever the output says.
"""

import hashlib
import os
import re

import qtest
from qtest import initrd, output_of, pool_counts, shell

BOOT_LIMIT = qtest.SHELL_BOOT_LIMIT


def rootfs(*parts):
    return os.path.join(qtest.ROOT, "user", "rootfs", *parts)


@qtest.case
def poweroff_quickly(t):
    """`poweroff` typed into the shell ends QEMU with 0, the guest up well
    under 5 s (guest clock: the wall clock of a loaded 2-core host adds
    seconds of QEMU start-up that are not the kernel's)."""
    r = t.qemu("--initrd", initrd(t), input="poweroff\n", timeout=30)
    t.expect_status(r, 0)
    m = re.search(r"poweroff by poweroff\[\d+\], up (\d+) ms", r.out)
    t.check(m, "no poweroff line from the kernel")
    t.check(int(m.group(1)) < 5000, "guest up %s ms at poweroff" % m.group(1))
    t.check(r.seconds < 30, "poweroff took %.1f s of wall time" % r.seconds)


@qtest.case
def files_and_errors(t):
    """ls, cat, sha256sum from the initrd; a missing file and an unknown
    command print errors and the shell goes on."""
    out = shell(t, ["ls /bin", "cat /etc/motd", "sha256sum /etc/hello.txt", "cat /nope",
                    "echo status $?", "frobnicate", "echo status $?", "ls /dev", "uname -a"])
    names = output_of(t, out, "ls /bin").split()
    for prog in ("sh", "cat", "ls", "sha256sum", "sysfuzz", "qprobe"):
        t.check(prog in names, "ls /bin lacks %s: %r" % (prog, names))
    with open(rootfs("etc", "motd")) as f:
        t.check(output_of(t, out, "cat /etc/motd") == f.read(), "cat /etc/motd differs")
    with open(rootfs("etc", "hello.txt"), "rb") as f:
        want = "%s  /etc/hello.txt\n" % hashlib.sha256(f.read()).hexdigest()
    t.check(output_of(t, out, "sha256sum /etc/hello.txt") == want, "sha256sum line")
    t.check("No such file or directory" in output_of(t, out, "cat /nope"), "missing file error")
    t.check("not found" in output_of(t, out, "frobnicate"), "unknown command error")
    t.check(re.search(r"# echo status \$\?\nstatus [1-9]", out), "status after an error")
    # the character devices, plus the block devices of a disk-less machine: QEMU's empty
    # floppy drive, the md arrays and loop devices (drivers/)
    blockdevs = ["fd0"] + ["loop%d" % i for i in range(8)] + ["md%d" % i for i in range(4)]
    t.check(output_of(t, out, "ls /dev").split() == sorted(["console", "null", "zero"] + blockdevs),
            "ls /dev")
    t.check(output_of(t, out, "uname -a").startswith("Tessera "), "uname -a")


@qtest.case
def tmpfs_round_trip(t):
    """Redirection into /tmp and back, cp/mv/rm/mkdir/rmdir, df and mount."""
    out = shell(t, ["echo hello > /tmp/a", "echo world >> /tmp/a", "cat /tmp/a",
                    "mkdir /tmp/d", "cp /tmp/a /tmp/d/b", "mv /tmp/d/b /tmp/c", "ls /tmp",
                    "cat /tmp/c", "rmdir /tmp/d", "rm /tmp/a /tmp/c", "ls /tmp", "rmdir /tmp/x",
                    "echo x > /etc/new", "df", "mount -t vfat /dev/hda /mnt",
                    "dd if=/dev/zero of=/tmp/z bs=64K count=4", "sha256sum /tmp/z",
                    "dd if=/dev/zero of=/tmp/y bs=64K count=9"])
    t.check(output_of(t, out, "cat /tmp/a") == "hello\nworld\n", "cat /tmp/a")
    t.check(output_of(t, out, "ls /tmp").split() == ["a", "c", "d"] or
            sorted(output_of(t, out, "ls /tmp").split()) == ["a", "c", "d"], "ls /tmp")
    t.check(output_of(t, out, "cat /tmp/c") == "hello\nworld\n", "cp + mv")
    t.check(out.count("# ls /tmp\n# ") == 1, "/tmp not empty after rm and rmdir")
    t.check("No such file" in output_of(t, out, "rmdir /tmp/x"), "rmdir of a missing dir")
    t.check("Read-only file system" in output_of(t, out, "echo x > /etc/new"), "initrd is ro")
    df = output_of(t, out, "df")
    t.check(re.search(r"initrd .* /\n", df) and re.search(r"tmpfs .* /tmp\n", df), "df: %r" % df)
    t.check("No such file" in output_of(t, out, "mount -t vfat /dev/hda /mnt"),
            "vfat without a disk: ENOENT")
    want = "%s  /tmp/z\n" % hashlib.sha256(bytes(256 * 1024)).hexdigest()
    t.check(output_of(t, out, "sha256sum /tmp/z") == want, "256 KiB through dd and tmpfs")
    t.check("File too large" in output_of(t, out, "dd if=/dev/zero of=/tmp/y bs=64K count=9"),
            "a tmpfs file is at most 512 KiB: %r"
            % output_of(t, out, "dd if=/dev/zero of=/tmp/y bs=64K count=9"))


@qtest.case
def line_editing(t):
    """The console's line discipline: DEL and ^H erase (echoing "\\b \\b"),
    CR and CR LF end a line like LF, input typed ahead is kept."""
    out = shell(t, ["echo abX\x7fc", "echo de\x08\x08fg", "echo cr\recho crlf\r"])
    t.check("\nabc\n" in out, "DEL did not erase: %r" % out[-300:])
    t.check("\nfg\n" in out, "^H did not erase")
    t.check("\b \b" in out, "no erase echo")
    t.check("\ncr\n" in out and "\ncrlf\n" in out, "CR / CR LF line ends")


@qtest.case
def long_line(t):
    """A 10,000-character line is an error of the shell, not a crash."""
    out = shell(t, ["x" * 10000, "echo after"])
    t.check("line too long" in out, "no 'line too long'")
    t.check(output_of(t, out, "echo after") == "after\n", "the shell did not go on")


@qtest.case
def faulting_programs(t):
    """A user fault kills that process alone, with its name, the address and
    the reason; the shell (its parent) sees the kill in $?."""
    kinds = {"pf": r"#PF page fault at rip 0x4[0-9a-f]+, address 0x0 \(not present, read\)",
             "wpf": r"#PF page fault at rip 0x4[0-9a-f]+, address 0x4[0-9a-f]+ \(protection, write\)",
             "kpf": r"#PF page fault at rip 0x4[0-9a-f]+, address 0xffffffff80100000",
             "gp": r"#GP general protection at rip 0x4[0-9a-f]+",
             "ud": r"#UD invalid opcode at rip 0x4[0-9a-f]+",
             "de": r"#DE divide error at rip 0x4[0-9a-f]+"}
    lines = []
    for k in kinds:
        lines += ["qprobe " + k, "echo status $?"]
    out = shell(t, lines + ["qprobe badptr", "echo survived"])
    for k, pattern in kinds.items():
        got = output_of(t, out, "qprobe " + k)
        t.check(re.search(r"qprobe\[\d+\]: killed: " + pattern, got), "%s: %r" % (k, got))
    statuses = re.findall(r"# echo status \$\?\nstatus (\d+)", out)
    t.check(statuses == ["139", "139", "139", "139", "132", "136"], "statuses %r" % statuses)
    t.check(output_of(t, out, "qprobe badptr") == "badptr ok\n", "bad pointers")
    t.check(output_of(t, out, "echo survived") == "survived\n", "shell did not survive")


@qtest.case
def corrupt_elf(t):
    """Corrupt executables (tests/qemu/progs/mkbadelf) are refused with
    ENOEXEC - the shell says "Exec format error" - and leak nothing."""
    bad = ["bad-trunc", "bad-magic", "bad-phnum", "bad-phoff", "bad-offset", "bad-vaddr",
           "bad-memsz", "bad-entry"]
    out = shell(t, ["stats"] + bad + ["echo status $?", "stats"])
    for b in bad:
        t.check("Exec format error" in output_of(t, out, b), "%s: %r" % (b, output_of(t, out, b)))
    t.check("status 126" in out, "status of a corrupt program")
    before = pool_counts(output_of(t, out, "stats"))
    after = pool_counts(out[out.rfind("# stats\n"):])
    t.check(before and before == after, "pools differ: %r / %r" % (before, after))


@qtest.case
def spawn_kill_wait(t):
    """spawn, kill (of a busy child and of one blocked in a syscall), waitpid
    with and without WNOHANG, a detached child, spawn errors."""
    out = shell(t, ["qprobe kill", "echo after $?"])
    got = output_of(t, out, "qprobe kill")
    t.check(got == "detached child\nkill ok\n", "qprobe kill: %r" % got)
    t.check(output_of(t, out, "echo after $?") == "after 0\n", "status")


@qtest.case
def kill_console_reader(t):
    """A child blocked reading the console is killed: its pending read is
    cancelled, and the console goes on serving the shell and a later reader."""
    s = t.start("--initrd", initrd(t), timeout=BOOT_LIMIT)
    s.expect(r"# ", timeout=40)
    s.send("qprobe killread\n")
    s.expect(r"killread ok\n# ", timeout=30)
    s.send("qprobe read\n")
    s.expect(r"qprobe read\n", timeout=30)
    s.send("typed line\n")
    s.expect(r"read: typed line\n# ", timeout=30)
    s.send("poweroff\n")
    t.expect_status(s.finish(timeout=30), 0)


@qtest.case
def async_syscalls(t):
    """waiter, submit (NOP, timeout, READ, registered buffer, STAT, OPEN,
    WRITE), cancel, several events per wait; then everything is idle again."""
    out = shell(t, ["qprobe aio", "stats", "qprobe park &", "sleep 1", "stats", "sleep 2",
                    "stats"])
    t.check(output_of(t, out, "qprobe aio") == "aio ok\n", output_of(t, out, "qprobe aio"))
    t.check(re.search(r"in flight 0 ", output_of(t, out, "stats")), "ops left in flight")
    parked = out[out.find("# sleep 1\n"):out.find("# sleep 2\n")]
    t.check(re.search(r"in flight 1 .*\nop \S+ pending .*\n  #0 nop waiting on timeout", parked),
            "stats does not show the parked op and its frame: %r" % parked)
    t.check(re.search(r"in flight 0 ", out[out.rfind("# stats\n"):]), "parked op never ended")


@qtest.case
def sysfuzz_30s(t):
    """sysfuzz fires random syscalls for 30 s: no panic, no hang, and every
    pool is back to its idle count afterwards (tmpfs may keep what the fuzzer
    created there: that is data, not a leak)."""
    out = shell(t, ["stats", "sysfuzz -s 30", "echo fuzz status $?", "stats"], timeout=120)
    before = pool_counts(output_of(t, out, "stats"))
    after = pool_counts(out[out.rfind("# stats\n"):])
    t.check(before and "async_op" in before, "no pool lines in stats")
    t.check("fuzz status 0" in out, "sysfuzz failed")
    leaks = {k: (before[k], after.get(k)) for k in before
             if not k.startswith("tmpfs") and before[k] != after.get(k)}
    t.check(not leaks, "pools not back to idle (before, after): %r" % leaks)


@qtest.case
def init_exit_status(t):
    """init's exit status is the machine's: end of input (^D) exits the shell
    with 0 -> poweroff; `exit 3` -> kernel_exit(1)."""
    r = t.qemu("--initrd", initrd(t), input="echo bye\n\x04", timeout=BOOT_LIMIT)
    t.expect_status(r, 0)
    r = t.qemu("--initrd", initrd(t), input="exit 3\n", timeout=BOOT_LIMIT)
    t.expect_status(r, 1)
    t.check("init (/bin/sh) exited with status 0x3" in r.out, "no init exit message")


if __name__ == "__main__":
    qtest.main("shell")
