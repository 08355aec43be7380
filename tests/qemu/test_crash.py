#!/usr/bin/env python3
"""crash=... on the kernel command line: the kernel crashes on purpose from a
chain of >= 3 named noinline functions (crash_*), prints what happened with
a symbolized backtrace and ends QEMU with kernel_exit(3) (qemu/run exit 3)."""

import re

import qtest

PANIC_EXIT = 3
# How each exception names itself (kernel/arch/x86_64/trap.c prints
# "EXCEPTION #PF page fault ..."); either the mnemonic or the words will do.
EXCEPTIONS = {
    "pagefault": r"#PF|page fault",
    "divzero": r"#DE|divide error",
    "ud": r"#UD|invalid opcode",
    "gp": r"#GP|general protection",
    "smap": r"#PF|page fault",
    "smep": r"#PF|page fault",
}
# What the #PF report says about a kernel access to a user page (trap.c).
PROTECTION = {
    "smap": r"cr2 0+400000 \(protection, read, kernel\)\n\s*SMAP: the kernel touched a user page",
    "smep": r"cr2 0+400000 \(protection, fetch, kernel\)\n\s*SMEP: the kernel executed a user page",
}
REGISTERS = ("rip", "rsp", "rbp", "rax", "rflags")


def crash(t, what):
    r = t.qemu("--append", "crash=%s" % what, timeout=30)
    t.expect_status(r, PANIC_EXIT)
    t.check(re.search(r"panic", r.out, re.I), "no 'panic' in the output")
    return r


def check_backtrace(t, out):
    """The backtrace names the chain: at least 3 distinct crash_* functions,
    each printed as a symbol (name+0xoffset)."""
    names = []
    for name in re.findall(r"\b(crash_\w+)\+0x[0-9a-f]+", out, re.I):
        if name not in names:
            names.append(name)
    t.check(re.search(r"backtrace", out, re.I), "no backtrace header in the output")
    t.check(len(names) >= 3, "backtrace names %d crash_* functions (%s), want >= 3"
            % (len(names), ", ".join(names) or "none"))


def check_exception(t, what):
    r = crash(t, what)
    t.check(re.search(EXCEPTIONS[what], r.out, re.I),
            "exception name /%s/ not in the output" % EXCEPTIONS[what])
    for reg in REGISTERS:
        t.check(re.search(r"\b%s\b\W*[0-9a-f]{8,16}\b" % reg, r.out, re.I),
                "register %s not printed with a hex value" % reg)
    if what in ("pagefault", "smap", "smep"):
        t.check(re.search(r"\bcr2\b\W*[0-9a-f]{8,16}\b", r.out, re.I), "cr2 not printed")
    if what in PROTECTION:
        t.check(re.search(PROTECTION[what], r.out), "no %s protection line" % what.upper())
    check_backtrace(t, r.out)


@qtest.case
def panic(t):
    r = crash(t, "panic")
    check_backtrace(t, r.out)


@qtest.case
def pagefault(t):
    check_exception(t, "pagefault")


@qtest.case
def divzero(t):
    check_exception(t, "divzero")


@qtest.case
def ud(t):
    check_exception(t, "ud")


@qtest.case
def gp(t):
    check_exception(t, "gp")


@qtest.case
def smap(t):
    """A kernel read of a user page outside stac/clac: #PF (protection,
    kernel) named as SMAP; the CPU qemu/run selects has SMAP, so it must fault."""
    check_exception(t, "smap")


@qtest.case
def smep(t):
    """Ring 0 calling into a user page: #PF on the fetch, named as SMEP."""
    check_exception(t, "smep")


if __name__ == "__main__":
    qtest.main("crash")
