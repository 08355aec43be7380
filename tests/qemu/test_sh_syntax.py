#!/usr/bin/env python3
"""The shell's lists, redirections, jobs, ^C and line editing on the console.

Scripted cases pipe lines into the console (qtest.shell); the ^C and editing
cases hold a conversation (t.start) so that keys arrive while a command runs
or a line is being edited. `true`/`false` are not assumed: `cat /nope` fails
with 1 and `sh -c "exit N"` exits with N.
"""

import re

import qtest
from qtest import initrd, output_of, shell

BOOT_LIMIT = qtest.SHELL_BOOT_LIMIT


@qtest.case
def lists_and_status(t):
    """; runs both sides; && and || look at the status; $? is expanded when
    the command runs and is the status of a pipeline's last command."""
    lines = ["echo abc > /tmp/x; cat /tmp/x",
             "cat /nope; echo st $?",
             "cat /nope && echo no || echo yes $?",
             "echo a && echo b",
             "sh -c \"exit 3\" || echo failed $?",
             "echo x | sh -c \"exit 4\"; echo last $?",
             "sh -c \"exit 5\" | cat; echo last $?",
             "sh -c \"exit 6\" && echo no && echo no; echo skipped $?",
             "echo hi | cat"]
    out = shell(t, lines)
    t.check(output_of(t, out, lines[0]) == "abc\n", "echo abc > x; cat x")
    t.check(output_of(t, out, lines[1]).endswith("st 1\n"), "; and $?")
    t.check(output_of(t, out, lines[2]) == "cat: /nope: No such file or directory\nyes 1\n",
            "&& skipped, || ran")
    t.check(output_of(t, out, lines[3]) == "a\nb\n", "&& after success")
    t.check(output_of(t, out, lines[4]) == "failed 3\n", "|| after failure")
    t.check(output_of(t, out, lines[5]) == "last 4\n", "$? of a pipeline: its last command")
    t.check(output_of(t, out, lines[6]) == "last 0\n", "$? of a pipeline ending in cat")
    t.check(output_of(t, out, lines[7]) == "skipped 6\n", "a skipped && keeps $?")
    t.check(output_of(t, out, lines[8]) == "hi\n", "echo hi | cat")


@qtest.case
def stderr_redirections(t):
    """2> FILE, 2>&1 into a pipe or after > (order matters), >&2."""
    lines = ["cat /nope 2> /tmp/e", "cat /tmp/e",
             "cat /nope 2>&1 | sha256sum > /tmp/s; cat /tmp/s",
             "cat /nope > /tmp/g 2>&1", "cat /tmp/g",
             "cat /nope 2>&1 > /tmp/h", "cat /tmp/h",
             "echo to-err >&2 2>/tmp/k", "echo to-err 2>/tmp/k >&2", "cat /tmp/k"]
    out = shell(t, lines)
    err = "cat: /nope: No such file or directory\n"
    t.check(output_of(t, out, lines[0]) == "", "2> leaves the console")
    t.check(output_of(t, out, lines[1]) == err, "2> wrote the file: %r" %
            output_of(t, out, lines[1]))
    t.check(re.match(r"[0-9a-f]{64}  -\n$", output_of(t, out, lines[2])), "2>&1 into the pipe")
    t.check(output_of(t, out, lines[3]) == "", "> f 2>&1: nothing on the console")
    t.check(output_of(t, out, lines[4]) == err, "> f 2>&1 wrote both to f")
    t.check(output_of(t, out, lines[5]) == err, "2>&1 > f: stderr stays on the console")
    t.check(output_of(t, out, lines[6]) == "", "2>&1 > f: f is empty")
    t.check(output_of(t, out, lines[7]) == "to-err\n", ">&2 then 2>k: to the console")
    t.check(output_of(t, out, lines[9]) == "to-err\n", "2>k then >&2: into k")


@qtest.case
def unsupported_syntax_is_an_error(t):
    """Forms this shell does not have are refused with the token named and
    status 2, never run as something else."""
    lines = ["echo (", "echo $?", "echo $(ls)", "echo `ls`", "cat << EOF",
             "echo a && echo b &", "echo a |", "echo a ;; echo b", "echo 3> /tmp/q",
             "echo ok"]
    out = shell(t, lines)
    t.check(output_of(t, out, "echo (") == "sh: syntax error: unsupported '('\n", "(")
    t.check(output_of(t, out, "echo $?") == "2\n", "status 2")
    t.check(output_of(t, out, "echo $(ls)") == "sh: syntax error: unsupported '$('\n", "$(")
    t.check(output_of(t, out, "echo `ls`") == "sh: syntax error: unsupported '`'\n", "`")
    t.check(output_of(t, out, "cat << EOF") == "sh: syntax error: unsupported '<<'\n", "<<")
    t.check("syntax error: unsupported '&' after '&&'" in output_of(t, out, lines[5]), "&& &")
    t.check(output_of(t, out, "echo a |") == "sh: syntax error: missing command\n", "a |")
    t.check("unsupported ';;'" in output_of(t, out, lines[7]), ";;")
    t.check("syntax error" in output_of(t, out, lines[8]), "3>")
    t.check(output_of(t, out, "echo ok") == "ok\n", "the shell goes on")


@qtest.case
def background_jobs_and_wait(t):
    """& prints "[N] PID"; jobs lists running jobs; wait waits for all of them,
    wait %N gives that job's status; a finished job is announced once."""
    lines = ["sleep 2 &", "sh -c \"sleep 2; exit 3\" &", "jobs", "wait %2", "echo st $?",
             "wait", "echo waited $?", "jobs", "sleep 1 | cat &", "sleep 3", "echo after"]
    out = shell(t, lines, timeout=90)
    t.check(re.match(r"\[1\] \d+\n$", output_of(t, out, "sleep 2 &")), "[1] PID")
    t.check(re.match(r"\[2\] \d+\n$", output_of(t, out, lines[1])), "[2] PID")
    jobs = output_of(t, out, "jobs")
    t.check(re.search(r"^\[1\] Running +sleep 2$", jobs, re.M), "jobs: %r" % jobs)
    t.check(re.search(r"^\[2\] Running +sh -c sleep 2; exit 3$", jobs, re.M), "jobs: %r" % jobs)
    t.check(output_of(t, out, "echo st $?") == "st 3\n", "wait %2 gives its status")
    t.check(output_of(t, out, "echo waited $?") == "waited 0\n", "wait for all")
    t.check(out.count("# jobs\n# ") == 1, "jobs after wait is empty")
    t.check(re.match(r"\[1\] \d+\n$", output_of(t, out, "sleep 1 | cat &")), "job number reused")
    t.check(re.search(r"\[1\] Done +sleep 1 \| cat\n# echo after", out), "Done notice")


def session(t):
    s = t.start("--initrd", initrd(t), timeout=120)
    s.expect(r"# ", timeout=BOOT_LIMIT)
    return s


@qtest.case
def ctrl_c_kills_the_foreground_job_not_the_shell(t):
    """^C while `cat` waits on the console kills cat (status 130) and the shell
    prompts again; the same for a job that does not read (sleep), for both
    sides of a pipeline and for the children of a job (`sh -c cat`); ^C at
    the prompt drops the line. No process is left behind."""
    s = session(t)
    s.send("cat\n")
    s.expect(r"cat\n")
    s.send("abc\n")
    s.expect(r"abc\nabc\n")
    s.send("\x03")
    s.expect(r"\^C\n# ", timeout=30)
    s.send("echo st $?\n")
    s.expect(r"st 130\n# ")
    s.send("sleep 100\n")
    s.expect(r"sleep 100\n")
    s.send("\x03")
    s.expect(r"\^C\n# ", timeout=30)
    s.send("echo st $?\n")
    s.expect(r"st 130\n# ")
    s.send("cat | cat\n")
    s.expect(r"cat \| cat\n")
    s.send("one\n")
    s.expect(r"one\none\n")
    s.send("\x03")
    s.expect(r"\^C\n# ", timeout=30)
    s.send("sh -c cat\n")                 # the job's child's child reads the console
    s.expect(r"sh -c cat\n")
    s.send("two\n")
    s.expect(r"two\ntwo\n")
    s.send("\x03")
    s.expect(r"\^C\n# ", timeout=30)
    s.send("half a line\x03")
    s.expect(r"half a line\^C\n# ")
    s.send("echo st $?\n")
    s.expect(r"st 130\n# ")
    qtest.check_no_job_left(t, s)
    s.send("poweroff\n")
    t.expect_status(s.finish(timeout=30), 0)


@qtest.case
def ctrl_c_without_a_job_drops_the_line_only(t):
    """^C typed to a console reader that is not the foreground job (a background
    job, while the shell runs `wait`) drops the line typed so far and nothing
    else: the line after it, sent in the same burst, is read."""
    s = session(t)
    s.send("qpipe ttyread & wait\n")
    s.expect(r"\[1\] \d+\n")
    s.send("lost\x03kept\n")
    s.expect(r"ttyread: kept\n# ", timeout=30)
    s.send("poweroff\n")
    t.expect_status(s.finish(timeout=30), 0)


@qtest.case
def line_editing_keys(t):
    """Escape sequences and control keys at the prompt: left/right, backspace in
    the middle, Delete, Home/End, ^U, ^W, up/down history."""
    s = session(t)
    s.send("echo ab\x1b[Dx\n")            # left, insert: "echo axb"
    s.expect(r"\naxb\n# ")
    s.send("echo abc\x1b[D\x1b[D\x7f\n")   # backspace in the middle: "echo bc"
    s.expect(r"\nbc\n# ")
    s.send("echo abc\x1b[H\x1b[3~\x1b[Fd\n")  # home, delete, end: "cho abcd" -> not found
    s.expect(r"sh: cho: not found\n# ")
    s.send("junk words\x15echo u\n")       # ^U
    s.expect(r"\nu\n# ")
    s.send("echo aaa bbb\x17ccc\n")        # ^W
    s.expect(r"\naaa ccc\n# ")
    s.send("\x1b[A\x1b[A\n")               # up twice: "echo u" again
    s.expect(r"\nu\n# ")
    s.send("\x1b[A\x1b[A\x1b[B!\n")        # up, up, down, edit: "echo u!"
    s.expect(r"\nu!\n# ")
    s.send("echo \x1b[D\x1b[C\x1b[Cend\n")  # right stops at the end of the line
    s.expect(r"\nend\n# ")
    s.send("poweroff\n")
    t.expect_status(s.finish(timeout=30), 0)


if __name__ == "__main__":
    qtest.main("sh_syntax")
