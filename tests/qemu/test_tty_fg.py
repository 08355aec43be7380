#!/usr/bin/env python3
"""The console's foreground job while it starts (TIO_TTY_FGBEGIN).

A shell spawns a job's commands before it can name their pids (TIO_TTY_SETFG),
and the first one may already read the console: a ^C it reads in that window
must still kill the job. tests/qemu/progs/fgrace.c, run as init, holds that
window open for as long as the case needs, so the ordering is forced, not
left to the scheduler.
"""

import qtest
from qtest import initrd

BOOT_LIMIT = qtest.SHELL_BOOT_LIMIT


@qtest.case
def ctrl_c_before_the_job_is_named_kills_it(t):
    """fgrace announces a job, spawns cat on the console and names it only
    after cat has read a ^C and the line after it: that SETFG kills cat."""
    s = t.start("--initrd", initrd(t), "--append", "init=/bin/fgrace", timeout=120)
    begin = s.expect(r"fgrace: fgbegin (-?\d+)\n", timeout=BOOT_LIMIT).group(1)
    s.expect(r"fgrace: spawned\n")
    s.send("go\n")
    s.expect(r"fgrace: cat: go\n")
    s.send("\x03after\n")                  # cat reads both before its pid is named
    s.expect(r"\^C\n")
    s.expect(r"fgrace: cat: after\n")
    s.expect(r"fgrace: cat (killed by \^C|not killed|ended with status \w+)\n", timeout=60)
    r = s.finish(timeout=60)
    t.check("fgrace: cat killed by ^C\n" in r.out,
            "the ^C read before SETFG did not kill cat: %r" % r.out[-200:])
    t.check(begin == "0", "TIO_TTY_FGBEGIN returned %s" % begin)
    t.expect_status(r, 0)



@qtest.case
def shell_holds_a_ctrl_c_typed_while_a_pipeline_starts(t):
    """The shell runs a builtin of a pipeline while it starts it, before it
    names the pids: in `cat >/dev/console | wait` (a background `sleep 8`)
    cat reads the console while `wait` holds the shell. A ^C cat reads then
    must kill it once the shell names it, and the prompt comes back."""
    s = t.start("--initrd", initrd(t), timeout=120)
    s.expect(r"# ", timeout=BOOT_LIMIT)
    s.send("sleep 8 &\n")
    s.expect(r"\[1\] \d+\n# ")
    s.send("cat >/dev/console | wait\n")
    s.expect(r"wait\n")
    s.send("one\n")
    s.expect(r"one\none\n")              # cat reads: the shell is still in `wait`
    s.send("\x03")
    s.expect(r"\^C\n")
    s.expect(r"# ", timeout=60)            # after `wait` (8 s), the held ^C kills cat
    qtest.check_no_job_left(t, s)
    s.send("poweroff\n")
    t.expect_status(s.finish(timeout=30), 0)


if __name__ == "__main__":
    qtest.main("tty_fg")
