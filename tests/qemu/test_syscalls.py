#!/usr/bin/env python3
"""Regression tests of the syscall / process / VFS review, through the shell.

`qprobe regress` (tests/qemu/progs/qprobe.c) runs one check per bug found,
each named after the bug, and prints "regress ok <bug>" or
"regress FAIL <bug>: <check> (line N)". One boot runs them all; the case
fails naming every bug whose check did not pass. After the checks, `stats`
must show every pool back where it was before (the error paths leak nothing).
"""

import os
import re

import qtest


def initrd(t):
    path = os.path.join(t.build, "test-initrd.img")
    if not os.path.isfile(path):
        t.skip("build/test-initrd.img not built")
    return path


def output_of(t, out, line):
    """What the shell printed for @line: text between its echo and the next prompt."""
    start = out.find("# " + line + "\n")
    t.check(start >= 0, "line %r not in the transcript" % line[:60])
    start += len(line) + 3
    end = out.find("\n# ", start - 1)
    return out[start:end + 1 if end >= 0 else len(out)]


def pool_counts(text):
    """{pool: in use} from a `stats` output."""
    return {m.group(1): int(m.group(2))
            for m in re.finditer(r"^(\S+)\s+(\d+)\s+(\d+|-)\s+(\d+)\s+(\d+)$", text, re.M)}

BUGS = ["mmap_len_wraps", "munmap_len_wraps", "nop_timeout_wraps",
        "getdents_fault_loses_entries", "waitpid_pid_truncated", "aio_open_flags_unchecked",
        "sqe_unused_fields_accepted", "rename_into_file", "rename_missing_onto_itself"]


@qtest.case
def review_regressions(t):
    """Every `qprobe regress` check passes, the shell survives, pools are idle after."""
    script = "stats\nqprobe regress\necho status $?\nstats\npoweroff\n"
    r = t.qemu("--initrd", initrd(t), input=script, timeout=60)
    t.expect_status(r, 0)
    got = output_of(t, r.out, "qprobe regress")
    failed = [b for b in BUGS if ("regress ok %s\n" % b) not in got]
    t.check(not failed, "regressions failed: %s\n%s" % (failed, got))
    t.check("status 0" in output_of(t, r.out, "echo status $?"), "qprobe regress status")
    before = pool_counts(output_of(t, r.out, "stats"))
    after = pool_counts(r.out[r.out.rfind("# stats\n"):])
    leaks = {k: (before[k], after.get(k)) for k in before
             if not k.startswith("tmpfs") and before[k] != after.get(k)}
    t.check(before and not leaks, "pools not back to idle (before, after): %r" % leaks)


if __name__ == "__main__":
    qtest.main("syscalls")
