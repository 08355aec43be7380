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

import hashlib
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
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
        self.sessions = []

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

    def start(self, *args, timeout=60, kernel=None):
        """qemu/run in the background, for a conversation: see Session."""
        kernel = kernel or self.need_kernel()
        argv = [RUN, "--kernel", kernel, "--timeout", str(timeout)] + list(args)
        print("$ %s &" % " ".join(argv), file=sys.stderr)
        return Session(self, argv)

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


class Session:
    """A running qemu/run whose console the case talks to:
        s = t.start("--append", "loglevel=7")
        s.expect(r"tessera> ")          # wait for output matching a regex
        s.send("help\n")
        r = s.finish()                  # close stdin, wait for the exit: a Result
    expect() fails the case if the text does not appear in time; output
    before the match is consumed, so expects move forward. A session that is
    neither finished nor stopped is stopped when the case ends."""

    def __init__(self, t, argv):
        self.t = t
        self.start = time.monotonic()
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, start_new_session=True)
        self.raw = {"out": b"", "err": b""}
        self.out, self.err, self.pos = "", "", 0
        self.cond = threading.Condition()
        self.readers = [threading.Thread(target=self._read, args=(f, name), daemon=True)
                        for f, name in ((self.proc.stdout, "out"), (self.proc.stderr, "err"))]
        for r in self.readers:
            r.start()
        t.sessions.append(self)

    def _read(self, f, name):
        while True:
            chunk = f.read1(4096)
            with self.cond:
                if chunk:  # decode the whole: a \r\n may straddle two chunks
                    self.raw[name] += chunk
                    setattr(self, name, _text(self.raw[name]))
                self.cond.notify_all()
            if not chunk:
                return

    def send(self, text):
        """Write to the console; blocks while the guest does not read (flow control)."""
        try:
            self.proc.stdin.write(text.encode())
            self.proc.stdin.flush()
        except BrokenPipeError:
            self.t.fail("QEMU stopped reading its console (exit %s)" % self.proc.poll())

    def expect(self, pattern, timeout=30):
        """Wait for @pattern in the output after the previous match; returns the match."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                m = re.compile(pattern).search(self.out, self.pos)
                if m:
                    self.pos = m.end()
                    return m
                left = deadline - time.monotonic()
                if left <= 0 or (self.proc.poll() is not None and not any(
                        r.is_alive() for r in self.readers)):
                    break
                self.cond.wait(min(left, 0.5))
        self.t.fail("no /%s/ in the console after %.0f s (status %s); tail: %r" %
                    (pattern, timeout, self.proc.poll(), self.out[self.pos:][-160:]))

    def finish(self, timeout=60):
        """Close the console input and wait for qemu/run to exit."""
        try:
            self.proc.stdin.close()
        except BrokenPipeError:
            pass
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            self.t.fail("qemu/run did not exit within %d s of its input ending" % timeout)
        return self._result()

    def stop(self):
        """End it now (SIGTERM to qemu/run, which stops QEMU): a Result."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, 15)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, 9)
                self.proc.wait()
        return self._result()

    def _result(self):
        for r in self.readers:
            r.join(timeout=5)
        r = Result(self.proc.returncode, self.out, self.err, time.monotonic() - self.start)
        if not getattr(self, "logged", False):
            self.logged = True
            print("exit status %d after %.1f s\n--- stdout\n%s--- stderr\n%s---" %
                  (r.status, r.seconds, r.out, r.err), file=sys.stderr)
        return r


# ---- qemu/run's QEMU command line (test_runner.py, test_cpu.py) ----

def qemu_argv(t, *args):
    """The QEMU command line of `qemu/run --print-cmd ARGS`, split into words."""
    r = t.run([RUN, "--print-cmd"] + list(args), timeout=30)
    t.expect_status(r, 0)
    return shlex.split(r.out)


def has_pair(argv, flag, value):
    """True when @flag is followed by @value somewhere in @argv."""
    return any(a == flag and b == value for a, b in zip(argv, argv[1:]))


# ---- The shell on the test initrd: helpers shared by the shell-driven suites ----

SHELL_BOOT_LIMIT = 60


def initrd(t):
    """build/test-initrd.img (the user programs plus tests/qemu/progs), or skip."""
    path = os.path.join(t.build, "test-initrd.img")
    if not os.path.isfile(path):
        t.skip("build/test-initrd.img not built")
    return path


def www_initrd(t, progs, files):
    """An initrd made in t.tmp: the programs of build/@progs/initrd-bin
    ("user": the user programs; "qprogs": those of the test initrd),
    user/rootfs/etc as /etc, and /www/NAME holding the bytes of each
    NAME: bytes in @files. Skips if they are not built."""
    bindir = os.path.join(t.build, progs, "initrd-bin")
    if not os.path.isdir(bindir):
        t.skip("build/%s/initrd-bin not built" % progs)
    root = os.path.join(t.tmp, "root")
    os.makedirs(os.path.join(root, "www"))
    subprocess.run(["cp", "-r", os.path.join(t.root, "user", "rootfs", "etc"), root], check=True)
    for name, data in files.items():
        with open(os.path.join(root, "www", name), "wb") as f:
            f.write(data)
    img = os.path.join(t.tmp, "www-initrd.img")
    r = subprocess.run(["python3", os.path.join(t.root, "user", "mkinitrd"), "-o", img,
                        "--bin", bindir, "--root", root], capture_output=True, text=True,
                       timeout=60)
    t.check(r.returncode == 0, "mkinitrd: %s" % r.stderr[-300:])
    return img


def shell(t, lines, timeout=SHELL_BOOT_LIMIT, status=0):
    """Runs @lines (then poweroff) in the shell; returns the transcript."""
    script = "".join(line + "\n" for line in lines) + "poweroff\n"
    r = t.qemu("--initrd", initrd(t), input=script, timeout=timeout)
    t.expect_status(r, status)
    return r.out


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


def session_line(s, line, timeout=60):
    """Types @line at the prompt of session @s and returns its output (up to the
    next prompt). One line at a time, so no input waits in the serial ring
    while a program has a console read pending (it would take the next line)."""
    s.send(line + "\n")
    m = s.expect(re.escape(line) + r"\n((?:.*\n)*?)# ", timeout=timeout)
    return m.group(1)


def check_no_job_left(t, s):
    """After a ^C: `stats` in session @s shows the proc pool back to 2 in use
    (the processes of an idle shell session) and no pipe in use."""
    counts = pool_counts(session_line(s, "stats"))
    t.check(counts.get("proc") == 2 and counts.get("pipe") == 0,
            "processes or pipes left after ^C: %r" % counts)


# ---- The host's end of QEMU's user-mode network (the guest's 10.0.2.2 is 127.0.0.1) ----

NC_RELAY_LIMIT = 900  # seconds for one nc_relay: generous, TCG on a machine shared by several


def free_tcp_port():
    """A TCP port on 127.0.0.1 that nothing listens on (for `--fwd PORT:GUESTPORT`)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def connect_when_listening(t, port, limit=120):
    """A connection to the guest's listener behind --fwd: slirp accepts the
    host's connection at once and closes it when the guest refuses, so retry
    until one stays open."""
    deadline = time.monotonic() + limit
    while True:
        conn = socket.create_connection(("127.0.0.1", port), timeout=30)
        conn.settimeout(3)
        try:
            closed = conn.recv(1) == b""
        except socket.timeout:
            closed = False
        except ConnectionResetError:
            closed = True
        if not closed:
            return conn
        conn.close()
        t.check(time.monotonic() < deadline, "the guest's listener never accepted")
        time.sleep(0.5)


class HostServer:
    """The base of a one-connection TCP server on 127.0.0.1, run in a thread:
    it accepts one connection within @timeout, hands it to the subclass's
    serve(conn) with @timeout on each socket operation, and closes it. An
    OSError ends it and stays in .error; .port is where it listens. A
    subclass sets its own fields before calling __init__: the thread starts
    there."""

    def __init__(self, timeout):
        self.lsock = socket.socket()
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(1)
        self.lsock.settimeout(timeout)
        self.port = self.lsock.getsockname()[1]
        self.timeout = timeout
        self.error = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        try:
            conn, _ = self.lsock.accept()
            with conn:
                conn.settimeout(self.timeout)
                self.serve(conn)
        except OSError as e:
            self.error = e
        finally:
            self.lsock.close()

    def serve(self, conn):
        raise NotImplementedError

    @staticmethod
    def receive(conn, each):
        """Calls @each(chunk) for what the client sends, until its EOF."""
        while True:
            chunk = conn.recv(1 << 18)
            if not chunk:
                return
            each(chunk)

    def join(self, timeout=None):
        """Waits up to @timeout seconds (default: the server's timeout + 60) for
        the connection's end: True if it ended."""
        self.thread.join(timeout=self.timeout + 60 if timeout is None else timeout)
        return not self.thread.is_alive()


class Sink(HostServer):
    """A HostServer that keeps what the client sends (hashing it, and keeping
    the bytes only when @keep) and closes after the client's EOF."""

    def __init__(self, timeout, keep=False):
        self.keep = keep
        self.data = bytearray()
        self.hash = hashlib.sha256()
        self.count = 0
        super().__init__(timeout)

    def serve(self, conn):
        self.receive(conn, self._take)

    def _take(self, chunk):
        self.count += len(chunk)
        self.hash.update(chunk)
        if self.keep:
            self.data += chunk


def nc_relay(t, s, fwd_port, data, what):
    """Session @s was started with `--fwd FWD_PORT:7000` and is at its prompt:
    the host sends @data through --fwd to the guest's `nc -l -p 7000`, whose
    output is piped into `nc 10.0.2.2 PORT` sending it back to a host Sink:
    len(@data) bytes into the guest and out of it at the same time, on two
    connections. Checks that the relay's ncs exit 0 and that the host gets
    back exactly @data (sha256) within NC_RELAY_LIMIT; prints the wall time
    into the log (no speed is asserted). @what names the run in messages."""
    want = hashlib.sha256(data).hexdigest()
    sink = Sink(NC_RELAY_LIMIT)
    s.send("nc -l -p 7000 | nc 10.0.2.2 %d; echo relay $?\n" % sink.port)
    conn = connect_when_listening(t, fwd_port)
    start = time.monotonic()
    with conn:
        conn.settimeout(NC_RELAY_LIMIT)
        conn.sendall(data)
    m = s.expect(r"relay (\d+)\r?\n", timeout=NC_RELAY_LIMIT)
    t.check(sink.join(60) and sink.error is None, "%s: server %r" % (what, sink.error))
    print("%s: %d MiB each way in %.1f s" % (what, len(data) >> 20, time.monotonic() - start))
    t.check(m.group(1) == "0", "%s: the relay's nc exited with %s" % (what, m.group(1)))
    got = sink.hash.hexdigest()
    t.check(sink.count == len(data) and got == want,
            "%s: the host got back %d bytes of the %d it sent, sha256 %s" %
            (what, sink.count, len(data), "equal" if got == want else "differs"))


def _text(b):
    return (b or b"").decode("utf-8", "replace").replace("\r\n", "\n").replace("\r", "\n")


def _run_case(suite, fn):
    name = "qemu-%s/%s" % (suite, fn.__name__)
    tmp = tempfile.mkdtemp(prefix="qtest-")
    t = T(tmp)
    try:
        fn(t)
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
        for s in t.sessions:
            s.stop()
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
    # A script's cases are the ones it defines, not those of a test script it imports helpers from.
    _cases[:] = [fn for fn in _cases if fn.__module__ == "__main__"]
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


# ---- Benchmarks (tests/qemu/bench_*.py) ----

def bench_main(name, bench):
    """Runs @bench(t) -> BENCH lines for tests/run.py --bench: the lines on stdout, the QEMU
    transcripts (which hold the guest's BENCH lines too) in build/test-logs/bench-NAME-console.log
    only, so they reach the caller once. A failure is one line naming the log; the status."""
    log_dir = os.path.join(BUILD, "test-logs")
    os.makedirs(log_dir, exist_ok=True)
    log_path = os.path.join(log_dir, "bench-%s-console.log" % name)
    out = sys.stdout
    tmp = tempfile.mkdtemp(prefix="bench-%s-" % name)
    t = T(tmp)
    with open(log_path, "w") as log:
        sys.stderr = log
        try:
            lines = bench(t)
        except (Failure, Skip) as e:
            why = re.sub(r"^\?:0: ", "", str(e))  # _where() finds no test_ frame here
            print("bench_%s: %s (console log: %s)" % (name, why, os.path.relpath(log_path, ROOT)),
                  file=out)
            return 1
        finally:
            for s in t.sessions:
                s.stop()
            sys.stderr = sys.__stderr__
            shutil.rmtree(tmp, ignore_errors=True)
    for ln in lines:
        print(ln, file=out)
    return 0
