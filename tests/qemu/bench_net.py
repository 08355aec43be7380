#!/usr/bin/env python3
"""bench_net.py - TCP throughput between the guest and the host, through
QEMU's user-mode network (slirp: the guest's 10.0.2.2 is the host's
127.0.0.1), on each NIC. `make bench` runs it through tests/run.py --bench.

Guest side: tests/qemu/progs/qtcpbig.c's bare source and sink (`qtcpbig src
PORT N`, `qtcpbig sink PORT`: sends of up to 1 MiB, receives of 1 MiB, no
pipe or console in the data path). Host side: a thread serving one
connection on 127.0.0.1. Output, the benchmark protocol:

    BENCH tcp_guest_to_host_<nic>_MiBps  N MiB/s   guest sends SIZE bytes,
          timed on the host from the connection's accept to the guest's EOF
    BENCH tcp_host_to_guest_<nic>_MiBps  N MiB/s   host sends SIZE bytes,
          timed on the host from accept to the guest's close (it closes
          after reading the end of the stream)

each the best of RUNS runs (the machine is shared), and

    BENCH tcp_<direction>_<nic>_qemu_cpu_ms_per_MiB  N ms   CPU time (user +
          system, all threads) the QEMU process spent per MiB moved, the
          lowest of the runs: the transfer's cost, less sensitive to the
          other load on the machine than the wall time

It is a benchmark, not a test: no number is judged; it exits 1 only when a transfer fails (short
count, wrong bytes, no answer), and says why. Console transcripts go to
build/test-logs/bench-net-console.log.
"""

import hashlib
import os
import socket
import sys
import time

import qtest

MIB = 1 << 20
SIZE = int(os.environ.get("BENCH_NET_MIB", "32")) * MIB  # a multiple of 4
RUNS = int(os.environ.get("BENCH_NET_RUNS", "2"))
NICS = tuple(os.environ.get("BENCH_NET_NICS", "e1000,rtl8139").split(","))
# Extra kernel command line, e.g. BENCH_NET_APPEND=netzerocopy=off (TCP copies on e1000 too).
APPEND = os.environ.get("BENCH_NET_APPEND", "")
LIMIT = 600  # seconds for one transfer: generous, TCG on a shared machine
PAT_PERIOD = 4 * MIB  # qtcpbig's pattern repeats every QTB_MAX bytes


def pattern_block():
    return bytes((i * 7 + i // 4096) % 251 for i in range(PAT_PERIOD))


class Server(qtest.HostServer):
    """One connection on 127.0.0.1: sends @payload (host->guest) or
    receives until EOF, hashing what arrives (guest->host). @seconds is the
    time from accept to the end."""

    def __init__(self, payload=None):
        self.payload = payload
        self.count, self.seconds = 0, None
        self.hash = hashlib.sha256()
        super().__init__(LIMIT)

    def serve(self, conn):
        start = time.monotonic()
        if self.payload is not None:
            conn.sendall(self.payload)
            conn.shutdown(socket.SHUT_WR)
            while conn.recv(65536):
                pass
        else:
            self.receive(conn, self._take)
        self.seconds = time.monotonic() - start

    def _take(self, chunk):
        self.hash.update(chunk)
        self.count += len(chunk)


def qemu_cpu_seconds(s):
    """CPU time (user + system, all threads) of the QEMU process under session @s's
    qemu/run: the work a transfer costs, less sensitive to other load than wall time."""
    total = 0
    try:
        with open("/proc/%d/task/%d/children" % (s.proc.pid, s.proc.pid)) as f:
            kids = [int(k) for k in f.read().split()]
        for pid in kids:
            with open("/proc/%d/stat" % pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
    except OSError:
        return None
    return total / os.sysconf("SC_CLK_TCK")


def one(t, s, nic, direction, block, expect):
    if direction == "guest_to_host":
        srv = Server()
        line = "qtcpbig src %d %d" % (srv.port, SIZE)
        done = r"qtcpbig src: sent (\d+)\r?\n"
    else:
        srv = Server(payload=block * (SIZE // PAT_PERIOD))
        line = "qtcpbig sink %d" % srv.port
        done = r"qtcpbig sink: got (\d+)\r?\n"
    cpu0 = qemu_cpu_seconds(s)
    s.send(line + "\n")
    m = s.expect(done, timeout=LIMIT)
    cpu1 = qemu_cpu_seconds(s)
    t.check(srv.join() and srv.error is None and srv.seconds,
            "%s %s: server %r" % (nic, direction, srv.error))
    t.check(int(m.group(1)) == SIZE, "%s %s: %s bytes" % (nic, direction, m.group(1)))
    if direction == "guest_to_host":
        t.check(srv.count == SIZE and srv.hash.hexdigest() == expect,
                "%s: host got %d bytes, sha256 %s" % (nic, srv.count, srv.hash.hexdigest()))
    s.expect(r"# ", timeout=60)
    cpu = (cpu1 - cpu0) * 1000 / (SIZE / MIB) if cpu0 is not None and cpu1 is not None else None
    return SIZE / MIB / srv.seconds, cpu


def bench(t):
    block = pattern_block()
    expect = hashlib.sha256(block * (SIZE // PAT_PERIOD)).hexdigest()
    lines = []
    for nic in NICS:
        extra = ("--append", APPEND) if APPEND else ()
        s = t.start("--initrd", qtest.initrd(t), "--nic", nic, *extra,
                    timeout=2 * LIMIT * RUNS + 300)
        s.expect(r"# ", timeout=60)
        for direction in ("guest_to_host", "host_to_guest"):
            runs = [one(t, s, nic, direction, block, expect) for _ in range(RUNS)]
            lines.append("BENCH tcp_%s_%s_MiBps %.1f MiB/s" %
                         (direction, nic, max(r[0] for r in runs)))
            print(lines[-1], file=sys.stderr)
            cpus = [r[1] for r in runs if r[1] is not None]
            if cpus:  # QEMU's CPU time per MiB moved: the cost, less load-dependent
                lines.append("BENCH tcp_%s_%s_qemu_cpu_ms_per_MiB %.1f ms" %
                             (direction, nic, min(cpus)))
                print(lines[-1], file=sys.stderr)
        s.send("poweroff\n")
        t.expect_status(s.finish(timeout=60), 0)
    return lines


if __name__ == "__main__":
    sys.exit(qtest.bench_main("net", bench))
