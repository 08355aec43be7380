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
from qtest import initrd, pool_counts, session_line


# Bugs found by the review (each failed before its fix), then behaviour the
# review checked and found sound (pinned so it stays that way).
BUGS = ["mmap_len_wraps", "munmap_len_wraps", "mmap_prot_truncated", "nop_timeout_wraps",
        "getdents_fault_loses_entries", "waitpid_pid_truncated", "aio_open_flags_unchecked",
        "sqe_unused_fields_accepted", "rename_into_file", "rename_missing_onto_itself",
        "open_creat_directory_creates"]
SOUND = ["munmap_stack_image_refused", "kinfo_short_buffer", "spawn_argv_limits",
         "getdents_tiny_buffer", "path_limits", "tmpfs_full_enospc", "exit_with_ops_in_flight",
         "kill_blocked_in_wait_event", "regbuf_checks", "pbq_ids_and_pins", "open_emfile",
         "umount_remount_tmpfs", "close_with_op_in_flight"]


@qtest.case
def review_regressions(t):
    """Every `qprobe regress` check passes, the shell survives, pools are idle after."""
    s = t.start("--initrd", initrd(t), timeout=120)
    s.expect(r"# ", timeout=40)
    before = pool_counts(session_line(s, "stats"))
    got = session_line(s, "qprobe regress", timeout=90)
    status = session_line(s, "echo status $?")
    after = pool_counts(session_line(s, "stats"))
    s.send("poweroff\n")
    t.expect_status(s.finish(timeout=30), 0)
    failed = [b for b in BUGS + SOUND if ("regress ok %s\n" % b) not in got]
    t.check(not failed, "checks failed: %s\n%s" % (failed, got))
    t.check(status == "status 0\n", "qprobe regress status: %r" % status)
    leaks = {k: (before[k], after.get(k)) for k in before
             if not k.startswith("tmpfs") and before[k] != after.get(k)}
    t.check(before and not leaks, "pools not back to idle (before, after): %r" % leaks)

def cpio_entry(name, data=b"", mode=0o100644, namesize=None, size=None, magic=b"070701"):
    """One cpio newc record; @namesize/@size override the header fields (to lie)."""
    nameb = name.encode() + b"\0"
    fields = [1, mode, 0, 0, 1, 0, len(data) if size is None else size, 0, 0, 0, 0,
              len(nameb) if namesize is None else namesize, 0]
    head = magic + b"".join(b"%08x" % f for f in fields) + nameb
    head += b"\0" * (-len(head) % 4)
    return head + data + b"\0" * (-len(data) % 4)


TRAILER = cpio_entry("TRAILER!!!", mode=0)
MOTD = cpio_entry("etc", mode=0o40755) + cpio_entry("etc/motd", b"hello\n")

# Corrupt archives: each must fail the initrd mount with -EINVAL, never fault.
CORRUPT = {
    "bad_magic": cpio_entry("etc/motd", b"x", magic=b"070707") + TRAILER,
    "size_past_end": MOTD + cpio_entry("big", b"abcd", size=0xfffffff0) + TRAILER,
    "namesize_past_end": MOTD + cpio_entry("n", namesize=0xffffff00) + TRAILER,
    "namesize_zero": cpio_entry("n", namesize=0) + TRAILER,
    "name_without_nul": cpio_entry("abc", namesize=3) + TRAILER,
    "bad_hex_size": MOTD + b"070701" + b"0" * 48 + b"000000zz" + TRAILER[62:],
    "truncated_header": MOTD + TRAILER[:60],
    # Data ends 2 bytes before the end, no trailer: the next header offset
    # (rounded up to 4) lies past the end of the module.
    "odd_tail_no_trailer": MOTD + cpio_entry("f", b"abcde")[:-3],
    "child_of_a_file": MOTD + cpio_entry("etc/motd/x", b"y") + TRAILER,
    "dotdot_name": MOTD + cpio_entry("etc/../x", b"y") + TRAILER,
    # A kernel mount point that is a file: the initrd's error, not devfs's.
    "dev_is_a_file": MOTD + cpio_entry("dev", b"not a dir") + TRAILER,
}
MESSAGE = {"dev_is_a_file": "initrd: /dev is not a directory"}


@qtest.case
def initrd_corrupt_archives(t):
    """Each corrupt cpio archive is refused by the initrd parser (its error
    line, then main.c's "cannot mount initrd" line) and the kernel keeps
    running without init: the console echo loop answers a line typed after
    the refusal. No panic, no fault, whatever the header says."""
    # Control: the same generator's well-formed archive mounts (there is no
    # /bin/sh in it, so init cannot start and the kernel echoes the console).
    good = os.path.join(t.tmp, "good.cpio")
    with open(good, "wb") as f:
        f.write(MOTD + TRAILER)
    out = boot_to_echo(t, good)
    t.check("init: cannot start /bin/sh: error -2" in out and "not a valid cpio" not in out,
            "the well-formed control archive did not mount: %r" % out[-400:])
    for name, blob in CORRUPT.items():
        path = os.path.join(t.tmp, name + ".cpio")
        with open(path, "wb") as f:
            f.write(blob)
        out = boot_to_echo(t, path)
        t.check(MESSAGE.get(name, "initrd: module 0 is not a valid cpio newc archive") in out,
                "%s: no parse error: %r" % (name, out[-400:]))
        t.check("cannot mount initrd on /: error -22" in out,
                "%s: the mount was not refused: %r" % (name, out[-400:]))
        t.check(not re.search(r"#PF|#GP|page fault|exception|panic", out),
                "%s: a fault while parsing: %r" % (name, out[-400:]))


def boot_to_echo(t, archive):
    """Boot with @archive as the initrd until the kernel's console echo loop
    answers a line (it is alive after the mount attempt); its console output."""
    s = t.start("--initrd", archive, timeout=60)
    s.expect(r"echoing console input", timeout=45)
    s.send("still-alive-%s\n" % os.path.basename(archive))
    s.expect(r"still-alive-%s" % re.escape(os.path.basename(archive)), timeout=30)
    return s.stop().out


if __name__ == "__main__":
    qtest.main("syscalls")
