#!/usr/bin/env python3
"""bench_httpd.py - the guest's httpd under ApacheBench (`ab`, Debian
apache2-utils) from the host: boot the kernel under QEMU (TCG) with
build/initrd.img and `qemu/run --fwd HOSTPORT:80`, start
`httpd -p 80 -h /www`, then run

    ab -r -s 30 [-k] -n N -c C http://127.0.0.1:HOSTPORT/index.html

at each concurrency C of LEVELS (the issue quotes busybox at 8 and 32) for
the 112-byte /www/index.html of the initrd, with keep-alive (-k) and without
(a connection per request), and print, in the benchmark protocol:

    BENCH httpd_ab_<mode>_c<C>_req_per_s   N  req/s  ab's "Requests per second"
    BENCH httpd_ab_<mode>_c<C>_mean_us     N  us     ab's "Time per request" (mean,
                                                      what one client waits)
    BENCH httpd_ab_<mode>_c<C>_failed      N  requests  ab's "Failed requests" plus
                                                      non-2xx responses, or, when ab
                                                      gives up (no progress for 30 s),
                                                      the requests it did not
                                                      complete (and 0 for the others)

<mode> is `ka` (keep-alive) or `close`. Slirp sits between ab and the guest:
ab's connections are to slirp on 127.0.0.1, which opens its own to the guest.

A benchmark, not a test: no number is judged. It exits 1 only when the guest
run fails (no prompt, httpd not answering, poweroff status not 0) or `ab` is
missing (qemu/deps installs apache2-utils). QEMU command lines, the console
and ab's full outputs go to build/test-logs/bench-httpd-console.log.
"""

import os
import re
import shutil
import subprocess
import sys

import qtest
import test_httpd

# (mode, ab flags, [(concurrency, requests)]). Without keep-alive every
# request leaves the guest's connection in TIME-WAIT for 60 s, holding a
# TCP control block (384 in the pool; the oldest is reclaimed when it is
# empty), so those runs are kept short.
LEVELS = (
    ("ka", ["-k"], [(1, 300), (8, 500), (32, 1000), (64, 1000), (256, 1000)]),
    ("close", [], [(1, 100), (8, 100), (32, 200), (64, 500), (256, 1000)]),
)
AB_TIMEOUT = 30  # ab's own limit (-s): a run with no progress for this long is abandoned
AB_RUN_LIMIT = 100  # seconds for one ab run
URL_PATH = "/index.html"


def field(text, pattern, default=None):
    m = re.search(pattern, text, re.M)
    return float(m.group(1)) if m else default


def run_ab(t, port, flags, conc, n):
    """One ab run: (req/s, mean us, failed) as integers."""
    argv = ["ab", "-r", "-s", str(AB_TIMEOUT)] + flags + [
        "-n", str(n), "-c", str(conc), "http://127.0.0.1:%d%s" % (port, URL_PATH)]
    print("$ %s" % " ".join(argv), file=sys.stderr)
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=AB_RUN_LIMIT)
        out, status = p.stdout + p.stderr, p.returncode
    except subprocess.TimeoutExpired as e:
        out, status = "%s\n(killed after %d s)" % (e.stdout or "", AB_RUN_LIMIT), -1
    print(out, file=sys.stderr)
    done = field(out, r"^Complete requests:\s+(\d+)")
    if status != 0 or done is None:
        # ab gave up (its -s timeout: no progress): what it did not complete failed,
        # and no rate is claimed for the run.
        done = field(out, r"^Total of (\d+) requests completed", 0) if done is None else done
        return 0, 0, n - int(done)
    failed = field(out, r"^Failed requests:\s+(\d+)", 0) + field(
        out, r"^Non-2xx responses:\s+(\d+)", 0)
    rps = field(out, r"^Requests per second:\s+([\d.]+)", 0)
    mean_ms = field(out, r"^Time per request:\s+([\d.]+) \[ms\] \(mean\)$", 0)
    return round(rps), round(mean_ms * 1000), int(failed)


def bench(t):
    if not shutil.which("ab"):
        t.fail("ab not found: install apache2-utils (qemu/deps does)")
    initrd = os.path.join(t.build, "initrd.img")
    t.check(os.path.isfile(initrd), "build/initrd.img not built")
    s, port = test_httpd.boot_httpd(t, initrd=initrd, probe=URL_PATH, timeout=900)
    lines = []
    for mode, flags, runs in LEVELS:
        for conc, n in runs:
            rps, mean_us, failed = run_ab(t, port, flags, conc, n)
            name = "httpd_ab_%s_c%d" % (mode, conc)
            lines += ["BENCH %s_req_per_s %d req/s" % (name, rps),
                      "BENCH %s_mean_us %d us" % (name, mean_us),
                      "BENCH %s_failed %d requests" % (name, failed)]
    test_httpd.poweroff(t, s)
    return lines


if __name__ == "__main__":
    sys.exit(qtest.bench_main("httpd", bench))
