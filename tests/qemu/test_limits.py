#!/usr/bin/env python3
"""Per-process limits (include/kernel/limits.h): one process cannot starve
the others, `stats` shows each process against its limits, `kill` stops any
process but init and gives everything back, munmap frees page tables.

The hostile neighbour is tests/qemu/progs/hog.c: it grabs everything it is
allowed of every pooled resource and reports each limit it hit, with the
documented errno. The conversation runs through a live console (Session):
the hog runs in the background while other commands run.
"""

import re
import time

import qtest
from qtest import initrd, output_of, pool_counts, shell

BOOT_LIMIT = qtest.SHELL_BOOT_LIMIT
LIMITS = ("slots", "waiters", "ops", "regbufs", "pbqs", "pbufs", "bufs", "pinned", "files",
          "children", "pages")


def limits_table(text):
    """{name: [columns...]} from the "limits:" part of a `stats` output, and the header."""
    if "limits:\n" not in text:
        return [], {}
    part = text[text.index("limits:\n") + len("limits:\n"):]
    lines = part.splitlines()
    head = lines[0].split()
    rows = {}
    for line in lines[1:]:
        f = line.split()
        if len(f) != len(head):
            break
        rows.setdefault(f[1] if f[0] == "-" else f[0], f)
    return head, rows


def stats(s, timeout=60):
    """Runs `stats` in the session; its output (up to the next prompt)."""
    s.send("stats\n")
    return s.expect(r"(?s)stats\n(pools:\n.*?\n)# ", timeout=timeout).group(1)


def start_hog(t, s):
    """`hog &`; checks every limit it reports; its pid and its children's."""
    s.send("hog &\n")
    m = s.expect(r"hog: ready ([\d ]+)\nhog: (\d+) failures", timeout=120)
    report, pids = s.out[s.out.rfind("hog: slots", 0, m.end()):m.end()], m.group(1).split()
    return report, m.group(2), pids


def check_report(t, report, failures, pids):
    for what in LIMITS:
        t.check(re.search(r"hog: %s limit \S+ \S+ ok" % what, report),
                "the hog did not hit the %s limit as documented" % what)
    t.check(failures == "0", "hog failures: %s" % re.findall(r"hog: .*FAIL.*", report))
    t.check(len(pids) == 5, "hog pids: %r" % pids)


def work(t, s):
    """`hog work` next to the hogs: file workload, async reads, a spawn."""
    s.send("hog work\n")
    got = s.expect(r"(work: ok|work: FAIL[^\n]*|sh: hog: [^\n]*)", timeout=120).group(1)
    t.check(got == "work: ok", "the second process failed next to the hog: %r" % got)


@qtest.case
def hostile_neighbour_cannot_starve_others(t):
    """A hog at every limit: another process's file workload, async reads and
    spawn still succeed; `stats` shows the hog at its limits; `kill` of the hog
    and its children (half of them detached) returns every pool to idle."""
    s = t.start("--initrd", initrd(t), timeout=400)
    s.expect(r"# ", timeout=BOOT_LIMIT)
    before = pool_counts(stats(s))
    t.check(before and "async_op" in before, "no pool lines in stats")
    report, failures, pids = start_hog(t, s)
    work(t, s)
    check_report(t, report, failures, pids)
    head, rows = limits_table(stats(s))
    hog, limit = rows.get(pids[0]), rows.get("limit")
    t.check(hog and limit, "no hog or limit row in stats: %r" % rows)
    for i, col in enumerate(head[2:], start=2):
        if col == "pages":  # mapped in 64-page chunks: within a chunk + tables of the limit
            t.check(int(hog[i]) > int(limit[i]) - 70, "hog pages %s of %s" % (hog[i], limit[i]))
        else:
            t.check(hog[i] == limit[i], "hog %s %s, limit %s" % (col, hog[i], limit[i]))
    s.send("kill 1\n")
    s.expect(r"kill: 1: Operation not permitted")
    s.send("kill %s\n" % " ".join(pids))
    # A leak is more in use than before the hog; fewer is fine: the snapshot at the
    # first prompt may catch the boot's last spawn still holding its spawn_args.
    deadline, leaks = time.monotonic() + 60, {}
    while time.monotonic() < deadline:
        after = pool_counts(stats(s))
        leaks = {k: (before[k], after.get(k)) for k in before
                 if after.get(k) is None or after[k] > before[k]}
        if not leaks:
            break
        time.sleep(1)
    t.check(not leaks, "pools not back to idle after kill (before, after): %r" % leaks)
    t.check("exits holding" not in s.out, "a process exited with resources still charged")
    s.send("poweroff\n")
    t.expect_status(s.finish(), 0)


@qtest.case
def two_hogs_leave_room_for_others(t):
    """Two hogs at every limit (the design point of include/kernel/limits.h):
    the workload and its spawn still succeed, and `poweroff` works with both
    still holding everything."""
    s = t.start("--initrd", initrd(t), timeout=400)
    s.expect(r"# ", timeout=BOOT_LIMIT)
    first = start_hog(t, s)
    second = start_hog(t, s)
    work(t, s)
    check_report(t, *first)
    check_report(t, *second)
    s.send("poweroff\n")
    t.expect_status(s.finish(), 0)


@qtest.case
def process_table_keeps_room_for_init(t):
    """A spawn bomb (every process spawns detached copies of itself until
    refused) fills the process table only up to its reserve: init (the shell)
    can still run `stats` and `kill`, and killing every bomb process returns
    the pools to idle."""
    s = t.start("--initrd", initrd(t), timeout=400)
    s.expect(r"# ", timeout=BOOT_LIMIT)
    before = pool_counts(stats(s))
    s.send("hog bomb &\n")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # the tree is full when 13 bombs have reported
        if len(re.findall(r"bomb: \d+ spawned \d+, then -11\n", s.out)) >= 13:
            break
        time.sleep(0.5)
    time.sleep(1)
    text = stats(s)
    _, rows = limits_table(text)
    bombs = [pid for pid, row in rows.items() if row[1] == "hog"]
    t.check(len(bombs) == 13, "bomb processes: %r (want 13: 16 - init - stats - 1 reserved)"
            % bombs)
    s.send("kill %s\n" % " ".join(bombs))
    # A leak is more in use than before the hog; fewer is fine: the snapshot at the
    # first prompt may catch the boot's last spawn still holding its spawn_args.
    deadline, leaks = time.monotonic() + 60, {}
    while time.monotonic() < deadline:
        after = pool_counts(stats(s))
        leaks = {k: (before[k], after.get(k)) for k in before
                 if after.get(k) is None or after[k] > before[k]}
        if not leaks:
            break
        time.sleep(1)
    t.check(not leaks, "pools not back to idle after kill (before, after): %r" % leaks)
    s.send("poweroff\n")
    t.expect_status(s.finish(), 0)


@qtest.case
def accounting_returns_to_zero_after_churn(t):
    """Random takes and returns of every resource (hog churn), ended by exit
    twice and by `kill` once: no process exits with anything still charged
    (the kernel would print "exits holding"), no accounting underflow (a
    KASSERT panic), and every pool is back to idle."""
    s = t.start("--initrd", initrd(t), timeout=400)
    s.expect(r"# ", timeout=BOOT_LIMIT)
    before = pool_counts(stats(s))
    for _ in range(2):
        s.send("hog churn 5\n")
        s.expect(r"churn: done \d+", timeout=120)
    s.send("hog churn 600 &\n")
    pid = s.expect(r"\[\d+\] (\d+)\n", timeout=60).group(1)  # the shell's "[job] PID"
    time.sleep(3)
    s.send("kill %s\n" % pid)
    deadline, after = time.monotonic() + 60, {}
    while time.monotonic() < deadline:
        after = pool_counts(stats(s))
        if after == before:
            break
        time.sleep(1)
    leaks = {k: (before[k], after.get(k)) for k in before if before[k] != after.get(k)}
    t.check(not leaks, "pools not back to idle (before, after): %r" % leaks)
    t.check("exits holding" not in s.out, "exit with resources still charged: %r"
            % re.findall(r"limits: .*exits holding.*", s.out))
    s.send("poweroff\n")
    t.expect_status(s.finish(), 0)


@qtest.case
def munmap_frees_page_tables(t):
    """300 times mmap(511 pages) + munmap: each mapping lands on fresh page
    tables (addresses are never reused), 600 MiB mapped in all on a 256 MiB
    guest. While the process lives, the pages charged to it (data + page
    tables) are back to their starting value; after it, the machine's."""
    out = shell(t, ["stats", "hog mmaploop 300", "stats"], timeout=180)
    t.check("mmaploop: ok 300" in out, "mmaploop: %r" % output_of(t, out, "hog mmaploop 300"))
    before = pool_counts(output_of(t, out, "stats"))
    after = pool_counts(out[out.rfind("# stats\n"):])
    t.check("pages" in before, "no pages line in stats")
    t.check(before.get("pages") == after.get("pages"),
            "frames in use before %s, after %s: page tables leaked"
            % (before.get("pages"), after.get("pages")))


@qtest.case
def kill_tool_rejects_bad_arguments(t):
    """kill (busybox syntax): usage without a pid or with a signal this kernel
    cannot deliver, a clear error for a pid that is not a number."""
    out = shell(t, ["stats", "kill", "kill -HUP 3", "kill x"], timeout=BOOT_LIMIT)
    t.check("usage: kill" in output_of(t, out, "kill"), "kill without pids: usage")
    t.check("usage: kill" in output_of(t, out, "kill -HUP 3"), "unknown signal: usage")
    t.check("not a process id" in output_of(t, out, "kill x"), "kill x")


if __name__ == "__main__":
    qtest.main("limits")
