#!/usr/bin/env python3
"""The everyday tools and the wall clock, through the serial console.

Each case boots the kernel with build/test-initrd.img and drives the shell
(see test_shell.py). The text tools are checked against the host's
coreutils/GNU tools run on the same files; the clock against the host's UTC
time (QEMU's RTC starts at the host's time) and against a date pinned with
QEMU's `-rtc base=...`, passed through `qemu/run --`.
"""

import os
import re
import subprocess
import time

import qtest
from qtest import initrd, output_of, shell

BOOT_LIMIT = qtest.SHELL_BOOT_LIMIT
# Lines of text for the tools: mixed case, numbers, blanks, an empty line.
SAMPLE = ["banana 10", "apple 9", "Cherry -3", "apple 9", "  date 1.5", "elderberry 007",
          "fig", "", "grape 100 extra words here", "last"]


def host(cmd, path):
    """A host coreutils/GNU command over @path, in the C locale."""
    env = dict(os.environ, LC_ALL="C")
    return subprocess.run(cmd + [path], capture_output=True, text=True, env=env).stdout


def run_pinned(t, lines, base):
    """Runs @lines in the shell with the RTC pinned at @base (QEMU -rtc base=)."""
    script = "".join(line + "\n" for line in lines) + "poweroff\n"
    r = t.qemu("--initrd", initrd(t), "--", "-rtc", "base=" + base, input=script,
               timeout=BOOT_LIMIT)
    t.expect_status(r, 0)
    return r.out


@qtest.case
def date_is_host_utc(t):
    """`date` prints coreutils' `date -u` layout, and `date +%s` is within a
    few minutes of the host's clock (generous: a loaded host boots slowly)."""
    before = time.time()
    out = shell(t, ["date", "date +%s"])
    after = time.time()
    t.check(re.fullmatch(r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun) [A-Z][a-z]{2} [ 123]\d "
                         r"\d\d:\d\d:\d\d UTC \d{4}\n", output_of(t, out, "date")),
            "date layout: %r" % output_of(t, out, "date"))
    guest = int(output_of(t, out, "date +%s"))
    t.check(before - 300 <= guest <= after + 300,
            "guest %d, host %d..%d" % (guest, before, after))


@qtest.case
def date_follows_pinned_rtc(t):
    """With the RTC pinned to 2001-02-03 04:05:06 UTC, `date` prints that
    date, formats work, and a new tmpfs file's `ls -l` time is that date."""
    out = run_pinned(t, ["date", "date '+%Y-%m-%d %j %a'", "echo x > /tmp/f", "ls -l /tmp/f"],
                     "2001-02-03T04:05:06")
    t.check(re.fullmatch(r"Sat Feb  3 04:0[5-9]:\d\d UTC 2001\n", output_of(t, out, "date")),
            "date: %r" % output_of(t, out, "date"))
    t.check(output_of(t, out, "date '+%Y-%m-%d %j %a'") == "2001-02-03 034 Sat\n", "date +FMT")
    t.check(re.fullmatch(r"-rw-r--r--    1 root     root             2 Feb  3 04:0[5-9] /tmp/f\n",
                         output_of(t, out, "ls -l /tmp/f")),
            "ls -l: %r" % output_of(t, out, "ls -l /tmp/f"))


@qtest.case
def tmpfs_stamps_times_on_change(t):
    """tmpfs stamps a new file with the wall clock; writes and O_TRUNC move
    its mtime forward, reads do not; adding and removing names move the
    directory's (tests/qemu/progs/timeprobe)."""
    out = shell(t, ["timeprobe"])
    t.check(output_of(t, out, "timeprobe") == "timeprobe ok\n", output_of(t, out, "timeprobe"))


@qtest.case
def date_pm_hour_from_pinned_rtc(t):
    """An evening time in 2030 reads back right (QEMU keeps its RTC in
    24-hour BCD; the 12-hour and binary encodings are covered by the
    kernel/rtc_decode_* cases)."""
    out = run_pinned(t, ["date '+%H:%M %p'"], "2030-07-15T23:58:00")
    t.check(re.fullmatch(r"23:5[89] PM\n|00:0\d AM\n", output_of(t, out, "date '+%H:%M %p'")),
            "date: %r" % output_of(t, out, "date '+%H:%M %p'"))


@qtest.case
def text_tools_match_coreutils(t):
    """seq, sort, wc, grep, head, tail and tee in the guest print what the
    host's coreutils and GNU grep print for the same file."""
    path = os.path.join(t.tmp, "sample.txt")
    with open(path, "w") as f:
        f.write("\n".join(SAMPLE) + "\n")
    # The file reaches the guest through echo lines (quoted, one per line).
    lines = ["echo '%s' >> /tmp/s" % s for s in SAMPLE]
    checks = [("sort /tmp/s", ["sort"]), ("sort -n /tmp/s", ["sort", "-n"]),
              ("sort -rnu /tmp/s", ["sort", "-rnu"]), ("wc /tmp/s", ["wc"]),
              ("wc -l /tmp/s", ["wc", "-l"]), ("grep -n 'a.*e' /tmp/s", ["grep", "-n", "a.*e"]),
              ("grep -ic cherry /tmp/s", ["grep", "-ic", "cherry"]),
              ("grep -v '[0-9]' /tmp/s", ["grep", "-v", "[0-9]"]),
              ("head -n 3 /tmp/s", ["head", "-n", "3"]), ("tail -n 2 /tmp/s", ["tail", "-n", "2"]),
              ("tail -c 12 /tmp/s", ["tail", "-c", "12"])]
    out = shell(t, lines + [c for c, _ in checks] +
                ["seq 2 3 11", "tee /tmp/t < /tmp/s", "cat /tmp/t", "grep zzz /tmp/s",
                 "echo status $?", "true", "echo status $?", "false", "echo status $?"])
    for guest, cmd in checks:
        want = host(cmd, path).replace(path, "/tmp/s")
        t.check(output_of(t, out, guest) == want,
                "%s: %r, coreutils %r" % (guest, output_of(t, out, guest), want))
    t.check(output_of(t, out, "seq 2 3 11") == "2\n5\n8\n11\n", "seq")
    whole = "\n".join(SAMPLE) + "\n"
    t.check(output_of(t, out, "tee /tmp/t < /tmp/s") == whole, "tee stdout")
    t.check(output_of(t, out, "cat /tmp/t") == whole, "tee file")
    t.check(re.search(r"# grep zzz /tmp/s\n# echo status \$\?\nstatus 1\n", out), "grep: 1")
    t.check(re.search(r"# true\n# echo status \$\?\nstatus 0\n", out), "true: 0")
    t.check(re.search(r"# false\n# echo status \$\?\nstatus 1\n", out), "false: 1")


@qtest.case
def system_tools_report(t):
    """ps lists the shells and itself with state and ops (one for a process
    with a parked op): run as `sh -c ps`, so the outer shell has been in
    waitpid for the inner one's whole start-up when ps samples it (a ps
    spawned straight from the shell can run before the shell reaches
    waitpid on a loaded machine, and see it R); free, uptime and
    df -h print their layouts with plausible numbers; ls -a shows . and .."""
    out = shell(t, ["sh -c ps", "free", "uptime", "df -h", "ls -a /tmp", "mkdir /tmp/d", "ls -a /tmp",
                    "qprobe park &", "sleep 1", "ps", "sleep 2"])
    ps = output_of(t, out, "sh -c ps")
    t.check(ps.startswith("  PID  PPID STAT  OPS NAME\n"), "ps header: %r" % ps)
    t.check(re.search(r"^\s+\d+\s+\d+ S\s+\d+ sh$", ps, re.M), "ps: sh sleeping: %r" % ps)
    t.check(re.search(r"^\s+\d+\s+\d+ R\s+0 ps$", ps, re.M), "ps: ps running: %r" % ps)
    # qprobe park holds one NOP op for 2 s, waiting in wait_event (the pattern of test_shell)
    parked = out[out.rfind("# ps\n"):out.find("# sleep 2\n")]
    t.check(re.search(r"^\s+\d+\s+1 S\s+1 qprobe$", parked, re.M), "ps: parked op: %r" % parked)
    free = output_of(t, out, "free")
    m = re.fullmatch(r" {7}\s+total\s+used\s+free\s+shared\s+buff/cache\s+available\n"
                     r"Mem:   +(\d+) +(\d+) +(\d+) +0 +0 +(\d+)\nSwap: +0 +0 +0\n", free)
    t.check(m, "free: %r" % free)
    total, used, fr, avail = (int(g) for g in m.groups())
    t.check(total == used + fr and avail == fr and 0 < used < total, "free numbers %r" % free)
    up = output_of(t, out, "uptime")
    t.check(re.fullmatch(r" \d\d:\d\d:\d\d up \d+ min\n", up), "uptime: %r" % up)
    df = output_of(t, out, "df -h")
    t.check(df.startswith("Filesystem                Size      Used Available Use% Mounted on\n"),
            "df -h header: %r" % df)
    t.check(re.search(r"^tmpfs +\d+(\.\d)?M +\S+ +\S+ +\d+% /tmp$", df, re.M), "df -h: %r" % df)
    t.check(re.search(r"# ls -a /tmp\n\.\n\.\.\n# ", out), "ls -a of an empty dir")
    t.check(re.search(r"# ls -a /tmp\n\.\n\.\.\nd\n# ", out), "ls -a with a subdirectory")


@qtest.case
def help_covers_every_program(t):
    """`help` lists the built-ins and every program of build/initrd.img's /bin
    with a summary; only the test-only programs lack one."""
    out = shell(t, ["help", "ls /bin"])
    text = output_of(t, out, "help")
    t.check(text.startswith("Built-ins:\n"), "help header: %r" % text[:80])
    for b in ("cd", "exit", "help", "pwd"):
        t.check(re.search(r"^  %s +\S" % b, text, re.M), "help lacks built-in %s" % b)
    shipped = os.listdir(os.path.join(t.build, "user", "initrd-bin"))
    listed = dict(re.findall(r"^  (\S+) +(.*)$", text.split("Programs in /bin:\n")[1], re.M))
    for prog in shipped:
        t.check(prog in listed and listed[prog] != "(no summary)",
                "help: %s: %r" % (prog, listed.get(prog)))
    for prog in output_of(t, out, "ls /bin").split():
        t.check(prog in listed, "help does not list /bin/%s" % prog)


if __name__ == "__main__":
    qtest.main("tools")
