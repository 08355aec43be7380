"""qtest - host-driven integration tests: boot a kernel through qemu/run and check.

Each tests/qemu/test_<name>.py is a table of cases, the Python twin of
tests/lib/utest.h:

    import qtest

    @qtest.case
    def poweroff(t):
        r = t.qemu("--append", "poweroff", timeout=30)
        t.expect_status(r, 0)

    if __name__ == "__main__":
        qtest.main("boot")

Run a script with no argument for every case, with case names for some,
with --list for the names. Output is the project's test protocol:
    TEST PASS qemu-<suite>/<case>
    TEST FAIL qemu-<suite>/<case>: <file>:<line>: <what>
    TEST SKIP qemu-<suite>/<case>: <why>       (only when a build product is missing)
    qemu-<suite>: N passed, N failed
and the exit status is 0 iff nothing failed. Everything else (QEMU command
lines, output, exit statuses) goes to stderr for the log. tests/run.py runs
each case in its own process, two at a time.

Rules for cases: every QEMU run has a timeout; never boot a committed or
shared image (t.copy() it, or pass --snapshot); temporary files go under
t.tmp, which is removed after the case.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("BUILD", os.path.join(ROOT, "build"))
RUN = os.path.join(ROOT, "qemu", "run")

_cases = []


class Failure(Exception):
    pass


class Skip(Exception):
    pass


class Result:
    """One finished process: exit status, output with \\r\\n made \\n, seconds taken."""

    def __init__(self, status, out, err, seconds):
        self.status, self.out, self.err, self.seconds = status, out, err, seconds


def case(fn):
    _cases.append(fn)
    return fn


def _where():
    """file:line of the innermost frame that belongs to a test script."""
    for frame in reversed(traceback.extract_stack()[:-1]):
        if os.path.basename(frame.filename).startswith("test_"):
            return "%s:%d" % (os.path.relpath(frame.filename, ROOT), frame.lineno)
    return "?:0"


class T:
    """What a case gets: runners, expectations, a temporary directory."""

    def __init__(self, tmp):
        self.tmp = tmp
        self.root = ROOT
        self.build = BUILD
        self.kernel = os.environ.get("KERNEL", os.path.join(BUILD, "kernel.bin"))

    # ---- running things ----
    def run(self, argv, input=None, timeout=60, env=None):
        """Run argv with stdin from @input (bytes/str, or nothing: /dev/null)."""
        print("$ %s" % " ".join(argv), file=sys.stderr)
        if isinstance(input, str):
            input = input.encode()
        start = time.monotonic()
        try:
            p = subprocess.run(argv, input=input,
                               stdin=None if input is not None else subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               timeout=timeout, env=env, start_new_session=True)
        except subprocess.TimeoutExpired as e:
            self.fail("%s did not finish within %d s (output: %r)" %
                      (os.path.basename(argv[0]), timeout, (e.stdout or b"")[-300:]))
        r = Result(p.returncode, _text(p.stdout), _text(p.stderr), time.monotonic() - start)
        print("exit status %d after %.1f s\n--- stdout\n%s--- stderr\n%s---" %
              (r.status, r.seconds, r.out, r.err), file=sys.stderr)
        return r

    def qemu(self, *args, input=None, timeout=60, kernel=None, env=None):
        """qemu/run --kernel <kernel> --timeout <timeout> ARGS; the host-side
        timeout is longer so qemu/run's own timeout is what fires."""
        kernel = kernel or self.need_kernel()
        argv = [RUN, "--kernel", kernel, "--timeout", str(timeout)] + list(args)
        return self.run(argv, input=input, timeout=timeout + 30, env=env)

    def need_kernel(self):
        if not os.path.isfile(self.kernel):
            self.skip("%s not built" % os.path.relpath(self.kernel, ROOT))
        return self.kernel

    def copy(self, path):
        """A private copy of an image in t.tmp: tests never write shared files."""
        dst = os.path.join(self.tmp, os.path.basename(path))
        shutil.copyfile(path, dst)
        return dst

    # ---- expectations; the first one that fails ends the case ----
    def fail(self, what):
        raise Failure("%s: %s" % (_where(), what))

    def skip(self, why):
        raise Skip(why)

    def check(self, cond, what):
        if not cond:
            self.fail(what)

    def expect_status(self, r, status):
        if r.status != status:
            self.fail("exit status %d, expected %d; output tail: %r" %
                      (r.status, status, (r.out + r.err)[-160:]))


def _text(b):
    return (b or b"").decode("utf-8", "replace").replace("\r\n", "\n").replace("\r", "\n")


def _run_case(suite, fn):
    name = "qemu-%s/%s" % (suite, fn.__name__)
    tmp = tempfile.mkdtemp(prefix="qtest-")
    try:
        fn(T(tmp))
    except Failure as e:
        print("TEST FAIL %s: %s" % (name, e), flush=True)
        return False
    except Skip as e:
        print("TEST SKIP %s: %s" % (name, e), flush=True)
        return None
    except Exception:  # a bug in the test itself still names the test
        tb = traceback.format_exc()
        print(tb, file=sys.stderr)
        print("TEST FAIL %s: %s: exception: %s" % (name, _where_tb(), tb.strip().splitlines()[-1]),
              flush=True)
        return False
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("TEST PASS %s" % name, flush=True)
    return True


def _where_tb():
    frames = traceback.extract_tb(sys.exc_info()[2])
    for frame in reversed(frames):
        if os.path.basename(frame.filename).startswith("test_"):
            return "%s:%d" % (os.path.relpath(frame.filename, ROOT), frame.lineno)
    return "?:0"


def main(suite):
    args = sys.argv[1:]
    if args == ["--list"]:
        for fn in _cases:
            print(fn.__name__)
        return
    known = {fn.__name__ for fn in _cases}
    unknown = [a for a in args if a not in known]
    if unknown:
        print("unknown case(s): %s; try --list" % " ".join(unknown), file=sys.stderr)
        sys.exit(2)
    passed = failed = 0
    for fn in _cases:
        if args and fn.__name__ not in args:
            continue
        ok = _run_case(suite, fn)
        passed += ok is True
        failed += ok is False
    print("qemu-%s: %d passed, %d failed" % (suite, passed, failed))
    sys.exit(1 if failed else 0)
