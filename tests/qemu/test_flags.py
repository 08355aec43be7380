#!/usr/bin/env python3
"""RFLAGS a user program sets must not panic the kernel (issue 7).

tests/qemu/progs/flagprobe.c sets NT, AC, DF, IOPL (ignored in ring 3) or
TF with pushfq/orq/popfq, makes a system call right away (sleep, spawn,
waitpid), spins with the flag still set, and checks the flags the call
returned with. Before the fix, NT reached the kernel through `syscall` (the
flag mask did not clear it), followed it into the child's thread at the
context switch (RFLAGS was not saved per thread) and made the child's first
iretq into ring 3 a #GP in ring 0: a kernel panic. TF must end in a #DB in
ring 3 that kills the program alone, never a #DB in the kernel.
"""

import re

import qtest
from qtest import output_of, shell


def check_shell_goes_on(t, out):
    t.check(output_of(t, out, "echo after") == "after\n", "the shell did not go on")


def run_one(t, flag):
    line = "flagprobe one %s" % flag
    out = shell(t, [line, "echo status $?", "echo after"], timeout=90)
    check_shell_goes_on(t, out)
    return out, output_of(t, out, line)


@qtest.case
def nt_set_then_spawn_does_not_panic(t):
    """The issue's four-line program: NT set, then sleep, spawn, waitpid.
    The kernel runs on (poweroff exits 0) and NT stays the program's."""
    out, got = run_one(t, "nt")
    t.check(got == "flagprobe nt: ok\n", "flagprobe one nt: %r" % got)
    t.check(re.search(r"# echo status \$\?\nstatus 0\n", out), "status of flagprobe one nt")


@qtest.case
def each_flag_set_then_spawn(t):
    """Every flag in turn (NT, AC, DF, IOPL, the four combined) in its own
    process, then TF: each system call returns with the program's flags, the
    children are spawned and reaped, TF kills its program with #DB in ring 3,
    and the shell goes on."""
    out = shell(t, ["flagprobe all", "echo status $?", "echo after"], timeout=120)
    got = output_of(t, out, "flagprobe all")
    for flag in ("nt", "ac", "df", "iopl", "combined"):
        t.check("flagprobe %s: ok\n" % flag in got, "no ok line for %s: %r" % (flag, got))
    t.check(re.search(r"flagprobe\[\d+\]: killed: #DB debug at rip 0x[0-9a-f]+", got),
            "tf: no #DB kill line: %r" % got)
    t.check(re.search(r"flagprobe tf: killed, status 0x1[0-9a-f]{2}\n", got),
            "tf: not killed: %r" % got)
    t.check(got.endswith("flagprobe all: ok\n"), "flagprobe all: %r" % got)
    t.check(re.search(r"# echo status \$\?\nstatus 0\n", out), "status of flagprobe all")
    check_shell_goes_on(t, out)


@qtest.case
def tf_then_syscall_kills_only_the_program(t):
    """TF set right before `syscall`: no #DB in ring 0 (the flag mask clears
    TF on entry); the first instruction back in ring 3 traps and the program
    alone is killed, with a console line naming #DB; $? shows a kill."""
    out, got = run_one(t, "tf")
    t.check(re.search(r"flagprobe\[\d+\]: killed: #DB debug at rip 0x4[0-9a-f]+", got),
            "no #DB kill line: %r" % got)
    m = re.search(r"# echo status \$\?\nstatus (\d+)\n", out)
    t.check(m and int(m.group(1)) > 128, "status %r" % (m and m.group(1)))
    t.check("EXCEPTION" not in out and "panic" not in out.lower(), "the kernel reported a fault")


if __name__ == "__main__":
    qtest.main("flags")
