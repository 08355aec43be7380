#!/usr/bin/env python3
"""tests/run.py - run every test suite and end with ONE line "N passed, N failed".

`make test` runs it after `make all`. Suites are found by directory
convention, so a later issue adds a test by adding a file, never by editing
this script:

  host    build/host/tests/*    unit-test binaries (utest.h), no arguments
  stress  build/host/stress/*   same protocol, one at a time, 120 s each
  fuzz    build/host/fuzz/*     libFuzzer: <bin> -max_total_time=FUZZ_SECONDS
                                <copy of tests/host/fuzz/corpus/<name>>; pass iff exit 0
  kernel  build/kernel-test.bin ktest=list, then each case in its own QEMU
  qemu    tests/qemu/test_*.py  host-driven QEMU integration cases (qtest.py)

Counting: each `TEST PASS` line is one pass and each `TEST FAIL` line one
failure. A program that exits non-zero, is killed or times out without a
FAIL line is one failure named after it; so is one that prints no TEST line
at all. A kernel case passes only with its `TEST PASS kernel/<case>` line AND
exit status 0 (a hang, panic or missing line fails it; the rest still run).
`TEST SKIP` lines (a build product missing) are listed, never counted.

Output: one terse line per program or case on stdout; everything each one
printed goes to build/test-logs/<name>.log. Failures are listed again just
before the final line. Exit status 0 iff nothing failed.

Also `tests/run.py --bench`: run build/host/bench/* and tests/qemu/bench_*.py,
print their `BENCH <name> <value> <unit>` lines and write them, dated, to
build/bench.txt.

Environment: BUILD (build), FUZZ_SECONDS (10), JOBS (3: parallel QEMU and fuzz
jobs), KERNEL / KERNEL_TEST (images to boot instead of build/kernel*.bin).
"""

import argparse
import concurrent.futures
import datetime
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("BUILD", os.path.join(ROOT, "build"))
LOGS = os.path.join(BUILD, "test-logs")
RUN = os.path.join(ROOT, "qemu", "run")
KERNEL_TEST = os.environ.get("KERNEL_TEST", os.path.join(BUILD, "kernel-test.bin"))

TEST_LINE = re.compile(r"^TEST (PASS|FAIL|SKIP) (\S+?)(?::\s*(.*))?$")
KTEST_CASE = re.compile(r"^KTEST CASE (\S+)\s*$")
SUITES = ("host", "stress", "fuzz", "kernel", "qemu")

UNIT_TIMEOUT = 120
STRESS_TIMEOUT = 120
KTEST_LIST_TIMEOUT = 30
KTEST_CASE_TIMEOUT = 60
QEMU_CASE_TIMEOUT = 300  # a whole qtest case; each of its QEMU runs has its own
BENCH_TIMEOUT = 600


class Job:
    """One program to run: @name names its log and its failure when it
    produced no TEST line; @expect, if set, is the one TEST name it must print."""

    def __init__(self, name, argv, timeout, expect=None, cwd=ROOT):
        self.name, self.argv, self.timeout, self.expect, self.cwd = name, argv, timeout, expect, cwd
        self.fuzz = False
        self.kernel = False  # runs through qemu/run: its statuses have meanings


class Outcome:
    def __init__(self, job):
        self.job = job
        self.passed, self.failed, self.skipped = [], [], []  # names; failed: (name, why)
        self.status = None
        self.seconds = 0.0
        self.output = ""


class Tally:
    """Everything that ran, printed as it finishes (threads share it)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.passed, self.failed, self.skipped = 0, [], []

    def add(self, o):
        with self.lock:
            self.passed += len(o.passed)
            self.failed += o.failed
            self.skipped += o.skipped
            print(terse(o), flush=True)


def log_path(name):
    return os.path.join(LOGS, re.sub(r"[^A-Za-z0-9_.-]+", "-", name) + ".log")


def execute(job):
    """Run @job in its own session (so a timeout kills its whole tree) with
    stdin closed; returns (status, output, seconds), status None on timeout."""
    start = time.monotonic()
    try:
        proc = subprocess.Popen(job.argv, cwd=job.cwd, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                start_new_session=True)
    except OSError as e:
        return -1, "cannot run %s: %s\n" % (job.argv[0], e.strerror), 0.0
    try:
        out, _ = proc.communicate(timeout=job.timeout)
        status = proc.returncode
    except subprocess.TimeoutExpired:
        kill_tree(proc)
        out, _ = proc.communicate()
        status = None
    text = out.decode("utf-8", "replace").replace("\r\n", "\n")
    return status, text, time.monotonic() - start


def kill_tree(proc):
    """SIGTERM the job's process group (qemu/run then stops QEMU cleanly), then SIGKILL."""
    for sig, grace in ((signal.SIGTERM, 5), (signal.SIGKILL, None)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        if grace is None:
            return
        try:
            proc.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            pass


def describe(status, timeout):
    if status is None:
        return "timeout after %d s" % timeout
    if status < 0:
        return "killed by signal %d" % -status
    return "exit status %d" % status


# What qemu/run's exit statuses mean (qemu/run --help).
QEMU_RUN_STATUS = {3: "panic, exit status 3", 124: "hang: qemu/run timeout",
                   125: "QEMU failed, exit status 125"}


def describe_kernel(status, timeout):
    return QEMU_RUN_STATUS.get(status) or describe(status, timeout)


def judge(job, status, text):
    """Turn one program's output and status into passes and failures."""
    o = Outcome(job)
    for line in text.splitlines():
        m = TEST_LINE.match(line.strip())
        if not m:
            continue
        kind, name, why = m.group(1), m.group(2), m.group(3) or ""
        if kind == "PASS":
            o.passed.append(name)
        elif kind == "FAIL":
            o.failed.append((name, why))
        else:
            o.skipped.append((name, why))
    if job.fuzz:
        o.passed, o.failed = ([job.name], []) if status == 0 else ([], [(job.name, describe(
            status, job.timeout))])
        return o
    if job.expect:
        return judge_one(o, status)
    if status != 0 and not o.failed:
        o.failed.append((job.name, describe(status, job.timeout) + " without a TEST FAIL line"))
    elif status == 0 and not (o.passed or o.failed or o.skipped):
        o.failed.append((job.name, "printed no TEST line"))
    return o


def judge_one(o, status):
    """A program that runs exactly one case (a kernel or qtest case)."""
    job = o.job
    mine = [n for n in o.passed if n == job.expect]
    fails = [f for f in o.failed if f[0] == job.expect]
    skips = [s for s in o.skipped if s[0] == job.expect]
    o.passed, o.failed, o.skipped = [], [], skips
    why = (describe_kernel if job.kernel else describe)(status, job.timeout)
    if status is None:
        o.failed.append((job.expect, "hang: " + why))
    elif fails:
        o.failed.append((job.expect, fails[0][1] + ("" if status in (0, 1) else " (%s)" % why)))
    elif mine and status == 0:
        o.passed.append(job.expect)
    elif mine:
        o.failed.append((job.expect, "TEST PASS but " + why))
    elif not (skips and status == 0):
        o.failed.append((job.expect, "no TEST line (%s)" % why))
    return o


def run_job(job):
    status, text, seconds = execute(job)
    with open(log_path(job.name), "w") as f:
        f.write("$ %s\n(cwd %s, timeout %d s)\n\n%s\n--- %s after %.1f s\n" %
                (" ".join(job.argv), job.cwd, job.timeout, text, describe(status, job.timeout),
                 seconds))
    o = judge(job, status, text)
    o.status, o.seconds, o.output = status, seconds, text
    return o


def terse(o):
    """'ok   name  3 passed (0.4 s)', or a 'FAIL name: why  [log]' line per failure."""
    rel = os.path.relpath(log_path(o.job.name), ROOT)
    lines = ["FAIL %s: %s  [%s]" % (name, why, rel) for name, why in o.failed]
    lines += ["skip %s: %s" % (name, why) for name, why in o.skipped]
    if o.failed and o.passed:
        lines.append("     %-40s %d passed, %d failed (%.1f s)" %
                     (o.job.name, len(o.passed), len(o.failed), o.seconds))
    elif o.passed or not lines:
        lines.append("ok   %-40s %d passed (%.1f s)" % (o.job.name, len(o.passed), o.seconds))
    return "\n".join(lines)


def executables(directory):
    if not os.path.isdir(directory):
        return []
    return sorted(os.path.join(directory, n) for n in os.listdir(directory)
                  if os.path.isfile(os.path.join(directory, n))
                  and os.access(os.path.join(directory, n), os.X_OK))


def run_all(jobs, tally, parallel):
    if parallel <= 1:
        outcomes = [run_job(j) for j in jobs]
        for o in outcomes:
            tally.add(o)
        return outcomes
    outcomes = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=parallel) as pool:
        for o in pool.map(run_job, jobs):
            tally.add(o)
            outcomes.append(o)
    return outcomes


# ---- suites: each returns the jobs it found, or a note on why there are none ----

def suite_host(opts):
    return [Job("host/" + os.path.basename(b), [b], UNIT_TIMEOUT)
            for b in executables(os.path.join(BUILD, "host", "tests"))], 1


def suite_stress(opts):
    return [Job("stress/" + os.path.basename(b), [b], STRESS_TIMEOUT)
            for b in executables(os.path.join(BUILD, "host", "stress"))], 1


def suite_fuzz(opts):
    jobs = []
    for b in executables(os.path.join(BUILD, "host", "fuzz")):
        name = os.path.basename(b)
        corpus = tempfile.mkdtemp(prefix="fuzz-%s-" % name)
        opts.cleanup.append(corpus)
        seeds = os.path.join(ROOT, "tests", "host", "fuzz", "corpus", name)
        if os.path.isdir(seeds):
            shutil.copytree(seeds, corpus, dirs_exist_ok=True)
        artifacts = os.path.join(LOGS, "fuzz-%s-" % name)
        job = Job("fuzz/" + name, [b, "-max_total_time=%d" % opts.fuzz_seconds,
                                   "-artifact_prefix=" + artifacts, corpus],
                  opts.fuzz_seconds + 120)
        job.fuzz = True
        jobs.append(job)
    return jobs, opts.jobs


def suite_kernel(opts, tally):
    if not os.path.isfile(KERNEL_TEST):
        return [], "%s not built" % os.path.relpath(KERNEL_TEST, ROOT)
    lister = Job("kernel/list", [RUN, "--kernel", KERNEL_TEST, "--append", "ktest=list",
                                 "--timeout", str(KTEST_LIST_TIMEOUT)], KTEST_LIST_TIMEOUT + 30)
    status, text, _ = execute(lister)
    with open(log_path(lister.name), "w") as f:
        f.write(text)
    cases = [m.group(1) for m in map(KTEST_CASE.match, text.splitlines()) if m]
    if status != 0 or not cases:
        o = Outcome(lister)
        o.failed.append((lister.name, "ktest=list: %s, %d cases" %
                         (describe(status, KTEST_LIST_TIMEOUT), len(cases))))
        tally.add(o)
        return [], None
    jobs = [Job("kernel/" + c, [RUN, "--kernel", KERNEL_TEST, "--append", "ktest=" + c,
                                "--timeout", str(KTEST_CASE_TIMEOUT)],
                KTEST_CASE_TIMEOUT + 30, expect="kernel/" + c) for c in cases]
    for job in jobs:
        job.kernel = True
    return jobs, None


def suite_qemu(opts, tally):
    jobs = []
    for script in sorted(os.listdir(os.path.join(ROOT, "tests", "qemu"))):
        if not re.fullmatch(r"test_\w+\.py", script):
            continue
        path = os.path.join(ROOT, "tests", "qemu", script)
        suite = "qemu-" + script[len("test_"):-len(".py")]
        status, text, _ = execute(Job(suite, [sys.executable, path, "--list"], 60))
        names = text.split()
        if status != 0 or not names:
            o = Outcome(Job(suite + "/list", [path, "--list"], 60))
            o.failed.append((suite + "/list", "--list: %s, %d cases" %
                             (describe(status, 60), len(names))))
            tally.add(o)
            continue
        jobs += [Job("%s/%s" % (suite, n), [sys.executable, path, n], QEMU_CASE_TIMEOUT,
                     expect="%s/%s" % (suite, n)) for n in names]
    return jobs, None


def selected(jobs, pattern):
    return [j for j in jobs if not pattern or re.search(pattern, j.name)]


def run_tests(opts):
    os.makedirs(LOGS, exist_ok=True)
    tally = Tally()
    start = time.monotonic()
    qemu_jobs = []
    for suite in opts.suites:
        if suite in ("kernel", "qemu"):
            jobs, note = (suite_kernel if suite == "kernel" else suite_qemu)(opts, tally)
            if note:
                print("skip %s: %s" % (suite, note), flush=True)
            qemu_jobs += selected(jobs, opts.k)
            continue
        jobs, parallel = globals()["suite_" + suite](opts)
        jobs = selected(jobs, opts.k)
        if not jobs:
            print("     %s: nothing to run" % suite, flush=True)
        run_all(jobs, tally, parallel)
    # Kernel and integration cases share the QEMU slots: JOBS at a time.
    run_all(qemu_jobs, tally, opts.jobs)
    for d in opts.cleanup:
        shutil.rmtree(d, ignore_errors=True)
    if tally.skipped:
        print("skipped (not counted): %s" % ", ".join(n for n, _ in tally.skipped))
    for name, why in tally.failed:
        print("failed: %s: %s" % (name, why))
    print("(%.0f s, logs in %s)" % (time.monotonic() - start, os.path.relpath(LOGS, ROOT)))
    print("%d passed, %d failed" % (tally.passed, len(tally.failed)))
    return 1 if tally.failed else 0


def run_bench(opts):
    os.makedirs(LOGS, exist_ok=True)
    jobs = [Job("bench/" + os.path.basename(b), [b], BENCH_TIMEOUT)
            for b in executables(os.path.join(BUILD, "host", "bench"))]
    qdir = os.path.join(ROOT, "tests", "qemu")
    jobs += [Job("bench/" + s[:-3], [sys.executable, os.path.join(qdir, s)], BENCH_TIMEOUT)
             for s in sorted(os.listdir(qdir)) if re.fullmatch(r"bench_\w+\.py", s)]
    lines, bad = [], 0
    for job in selected(jobs, opts.k):
        status, text, seconds = execute(job)
        with open(log_path(job.name), "w") as f:
            f.write(text)
        found = [ln.strip() for ln in text.splitlines() if ln.startswith("BENCH ")]
        for ln in found:
            print(ln, flush=True)
        lines += found
        if status != 0 or not found:
            bad += 1
            print("FAIL %s: %s, %d BENCH lines" % (job.name, describe(status, job.timeout),
                                                  len(found)), flush=True)
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    with open(os.path.join(BUILD, "bench.txt"), "w") as f:
        f.write("# %s %s\n" % (stamp, git_describe()))
        f.writelines(ln + "\n" for ln in lines)
    print("%d BENCH lines from %d programs -> %s" % (len(lines), len(jobs),
                                                     os.path.relpath(BUILD, ROOT) + "/bench.txt"))
    return 1 if bad else 0


def git_describe():
    try:
        return subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT,
                              capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return ""


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--suite", default=",".join(SUITES),
                   help="comma-separated suites to run (default: %s)" % ",".join(SUITES))
    p.add_argument("-k", metavar="REGEX", help="only programs/cases whose name matches")
    p.add_argument("--bench", action="store_true", help="run the benchmarks instead")
    opts = p.parse_args()
    opts.suites = [s for s in opts.suite.split(",") if s]
    unknown = [s for s in opts.suites if s not in SUITES]
    if unknown:
        p.error("unknown suite(s): %s" % ", ".join(unknown))
    opts.fuzz_seconds = int(os.environ.get("FUZZ_SECONDS", "10"))
    opts.jobs = max(1, int(os.environ.get("JOBS", "3")))
    opts.cleanup = []
    return run_bench(opts) if opts.bench else run_tests(opts)


if __name__ == "__main__":
    sys.exit(main())
