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

each the best of RUNS runs (the machine is shared). It is a benchmark, not a
test: no number is judged; it exits 1 only when a transfer fails (short
count, wrong bytes, no answer), and says why. Console transcripts go to
build/test-logs/bench-net-console.log.
"""

import hashlib
import os
import socket
import sys
import threading
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


class Server:
    """One connection on 127.0.0.1: sends @payload (host->guest) or
    receives until EOF, hashing what arrives (guest->host). @seconds is the
    time from accept to the end."""

    def __init__(self, payload=None):
        self.lsock = socket.socket()
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(1)
        self.lsock.settimeout(LIMIT)
        self.port = self.lsock.getsockname()[1]
        self.payload = payload
        self.count, self.error, self.seconds = 0, None, None
        self.hash = hashlib.sha256()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        try:
            conn, _ = self.lsock.accept()
            with conn:
                conn.settimeout(LIMIT)
                start = time.monotonic()
                if self.payload is not None:
                    conn.sendall(self.payload)
                    conn.shutdown(socket.SHUT_WR)
                    while conn.recv(65536):
                        pass
                else:
                    self._receive(conn)
                self.seconds = time.monotonic() - start
        except OSError as e:
            self.error = e
        finally:
            self.lsock.close()

    def _receive(self, conn):
        while True:
            chunk = conn.recv(1 << 18)
            if not chunk:
                return
            self.hash.update(chunk)
            self.count += len(chunk)

    def join(self):
        self.thread.join(timeout=LIMIT + 60)
        return not self.thread.is_alive()


def one(t, s, nic, direction, block, expect):
    if direction == "guest_to_host":
        srv = Server()
        line = "qtcpbig src %d %d" % (srv.port, SIZE)
        done = r"qtcpbig src: sent (\d+)\r?\n"
    else:
        srv = Server(payload=block * (SIZE // PAT_PERIOD))
        line = "qtcpbig sink %d" % srv.port
        done = r"qtcpbig sink: got (\d+)\r?\n"
    s.send(line + "\n")
    m = s.expect(done, timeout=LIMIT)
    t.check(srv.join() and srv.error is None and srv.seconds,
            "%s %s: server %r" % (nic, direction, srv.error))
    t.check(int(m.group(1)) == SIZE, "%s %s: %s bytes" % (nic, direction, m.group(1)))
    if direction == "guest_to_host":
        t.check(srv.count == SIZE and srv.hash.hexdigest() == expect,
                "%s: host got %d bytes, sha256 %s" % (nic, srv.count, srv.hash.hexdigest()))
    s.expect(r"# ", timeout=60)
    return SIZE / MIB / srv.seconds


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
            best = max(one(t, s, nic, direction, block, expect) for _ in range(RUNS))
            lines.append("BENCH tcp_%s_%s_MiBps %.1f MiB/s" % (direction, nic, best))
            print(lines[-1], file=sys.stderr)
        s.send("poweroff\n")
        t.expect_status(s.finish(timeout=60), 0)
    return lines


if __name__ == "__main__":
    sys.exit(qtest.bench_main("net", bench))
