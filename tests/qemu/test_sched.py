#!/usr/bin/env python3
"""The scheduler shares the CPU: a process that never blocks must not starve the others.

A user process spinning in ring 3 is preempted at the end of each time slice. When it was the
only runnable thread at a slice's end, the scheduler picked it again and kept its slice at 0,
so no later tick ever asked for a switch: once the shell woke up (a console byte), it waited
forever behind the spinner (issue 7, "one process must not starve the others").
"""

import time

import qtest
from qtest import initrd


@qtest.case
def spinning_process_does_not_starve_the_shell(t):
    """`qprobe spin &`, left alone long enough for several of its slices to end with nothing
    else runnable, then the shell must still answer, several times, and kill the spinner."""
    s = t.start("--initrd", initrd(t), timeout=120)
    s.expect(r"# $", timeout=60)
    s.send("qprobe spin &\n")
    m = s.expect(r"\[1\] (\d+)\n", timeout=30)
    s.expect(r"# $", timeout=30)
    for i in range(3):
        time.sleep(0.5)  # the spinner runs alone for many slices
        s.send("echo alive %d\n" % i)
        s.expect(r"\nalive %d\n" % i, timeout=30)
    s.send("kill %s\n" % m.group(1))
    s.send("wait\n")
    s.expect(r"# $", timeout=30)
    s.send("poweroff\n")
    t.expect_status(s.finish(timeout=60), 0)


if __name__ == "__main__":
    qtest.main("sched")
