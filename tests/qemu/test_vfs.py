#!/usr/bin/env python3
"""The VFS's namespace and mount lifetime under concurrency
(tests/qemu/progs/vfsprobe.c), through the shell.

Each case runs one `vfsprobe` command between two `stats` and then powers
off: the command's own checks must pass, the kernel must run on (a
use-after-free of a vnode whose filesystem was unmounted faults in the
kernel and panics it), and every pool, tmpfs nodes and blocks included, must
be back to its count before (a directory cycle cut off from "/" by two racing
renames is never freed and shows up here).
"""

import re

import qtest
from qtest import initrd, pool_counts, session_line


def probe(t, command, timeout, setup=()):
    """Runs the @setup lines, then @command between two `stats`: (its output,
    its $?, pools that moved)."""
    s = t.start("--initrd", initrd(t), timeout=timeout + 120)
    s.expect(r"# ", timeout=60)
    for line in setup:
        session_line(s, line)
    before = pool_counts(session_line(s, "stats"))
    got = session_line(s, command, timeout=timeout)
    status = session_line(s, "echo status $?")
    after = pool_counts(session_line(s, "stats"))
    s.send("poweroff\n")
    t.expect_status(s.finish(timeout=60), 0)
    t.check(before, "no pools in the stats output")
    moved = {k: (before[k], after.get(k)) for k in before if before[k] != after.get(k)}
    return got, status, moved


def check_race(t, got):
    """The umountrace output: ok, with umounts done and files seen mounted."""
    m = re.search(r"^umountrace ok (\d+) (\d+)$", got, re.M)
    t.check(m, "umountrace: %r" % got[-600:])
    t.check(int(m.group(1)) > 0, "no umount ever succeeded: the race was not run")
    m = re.search(r"^churn: (\d+) rounds, the file there after (\d+)$", got, re.M)
    t.check(m and int(m.group(2)) > 0, "the churn never saw the filesystem mounted: %r" % got)


@qtest.case
def rename_race_keeps_tree_connected(t):
    """Two processes rename /tmp/a into /tmp/b and /tmp/b into /tmp/a (and
    back) for 3 s: never both at once, so neither becomes its own ancestor;
    afterwards both are reachable from / and the tmpfs pools are idle (no
    cycle was cut off). Both must have moved (the race was run)."""
    got, status, moved = probe(t, "vfsprobe renamerace 3000", timeout=240)
    t.check(re.search(r"^renamerace ok$", got, re.M), "renamerace: %r" % got[-600:])
    for d in "ab":
        m = re.search(r"^mover %s: (\d+) moves, (\d+) refused$" % d, got, re.M)
        t.check(m and int(m.group(1)) > 0, "mover %s never moved: %r" % (d, got[-600:]))
    t.check(status == "status 0\n", "vfsprobe status: %r" % status)
    t.check(not moved, "pools not back to idle (before, after): %r" % moved)


@qtest.case
def umount_race_open_stat_chdir(t):
    """A process opens, writes, stats, lists, mkdirs and chdirs in /tmp for
    3 s and at least 2000 rounds while another umounts and remounts /tmp, pausing
    1 ms after each so the first one runs in between: every umount is 0 or
    -EBUSY, the kernel runs on (a vnode used after its filesystem was freed
    faults), the pools are idle after."""
    got, status, moved = probe(t, "vfsprobe umountrace /tmp 3000", timeout=240)
    check_race(t, got)
    t.check(status == "status 0\n", "vfsprobe status: %r" % status)
    t.check(not moved, "pools not back to idle (before, after): %r" % moved)


@qtest.case
def umount_race_nested_tmpfs(t):
    """The same race on a second tmpfs mounted inside the first (/tmp/u):
    a separate instance, pinned by its own references only."""
    got, status, moved = probe(t, "vfsprobe umountrace /tmp/u 3000", timeout=240,
                               setup=["mkdir /tmp/u", "mount -t tmpfs tmpfs /tmp/u"])
    check_race(t, got)
    t.check(status == "status 0\n", "vfsprobe status: %r" % status)
    t.check(not moved, "pools not back to idle (before, after): %r" % moved)


CHECKS = ["rename_mountpoint_busy", "rename_into_own_subtree", "tmpfs_instances_separate",
          "cwd_holds_mount", "open_and_child_mount_hold", "stacked_mounts_top_first"]


@qtest.case
def mount_and_rename_rules(t):
    """`vfsprobe mounts`: -EBUSY for renames of, onto or across mount points
    and for umount while a cwd, an open directory or a mount below holds the
    filesystem; tmpfs mounts are separate instances; umount of stacked
    mounts takes the top one first; pools idle after."""
    got, status, moved = probe(t, "vfsprobe mounts", timeout=120)
    failed = [c for c in CHECKS if ("mounts ok %s\n" % c) not in got]
    t.check(not failed, "checks failed: %s\n%s" % (failed, got))
    t.check(status == "status 0\n", "vfsprobe status: %r" % status)
    t.check(not moved, "pools not back to idle (before, after): %r" % moved)


if __name__ == "__main__":
    qtest.main("vfs")
