#!/usr/bin/env python3
"""TCP bulk data through stream sockets (net/tcpsock.c), seen from host-side
peers on 127.0.0.1 through QEMU's user-mode network (slirp maps the guest's
10.0.2.2 to the host's loopback; `qemu/run --fwd HOSTPORT:GUESTPORT` lets the
host reach a guest port).

Tested here: a send larger than one pinned chunk (60 KiB) queues a part and
completes with a short count (tests/qemu/progs/qtcpbig.c); 32 MiB each way
through the guest's `nc`, intact (sha256), in bounded time. No speed is
asserted: the wall times are printed into the log, and the MiB/s figures are
tests/qemu/bench_net.py's.
"""

import hashlib
import random
import socket
import threading
import time

import qtest
import tcptx
from qtest import initrd

MIB = 1 << 20
BULK = 32 * MIB
# Generous: the machine is shared by several engineers and TCG is slow.
BULK_LIMIT = 900


def sha(data):
    return hashlib.sha256(data).hexdigest()


class Sink:
    """A one-connection TCP server on 127.0.0.1, in a thread: keeps what the
    client sends (hashing it, and keeping the bytes only when @keep) and
    closes after the client's EOF."""

    def __init__(self, keep=False, timeout=BULK_LIMIT):
        self.lsock = socket.socket()
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(1)
        self.lsock.settimeout(timeout)
        self.port = self.lsock.getsockname()[1]
        self.keep = keep
        self.timeout = timeout
        self.data = bytearray()
        self.hash = hashlib.sha256()
        self.count = 0
        self.error = None
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        try:
            conn, _ = self.lsock.accept()
            with conn:
                conn.settimeout(self.timeout)
                while True:
                    chunk = conn.recv(1 << 18)
                    if not chunk:
                        break
                    self.count += len(chunk)
                    self.hash.update(chunk)
                    if self.keep:
                        self.data += chunk
        except OSError as e:
            self.error = e
        finally:
            self.lsock.close()

    def join(self, timeout):
        self.thread.join(timeout=timeout)
        return not self.thread.is_alive()


def free_tcp_port():
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


def pattern(n):
    """qtcpbig's bytes: (i * 7 + i / 4096) % 251."""
    return bytes((i * 7 + i // 4096) % 251 for i in range(n))


@qtest.case
def send_bigger_than_a_chunk_returns_short_count_and_data_arrives_intact(t):
    """The guest's qtcpbig sends 1 MiB to a host server with ONE send(2) of
    the whole buffer: it queues a part and returns a short count (before,
    any send over 60 KiB failed with -EMSGSIZE); a SEND op over the rest also
    completes with a short count; the loop sends the rest, and the host
    receives the 1 MiB pattern byte for byte."""
    n = MIB
    sink = Sink(keep=True, timeout=300)
    out = qtest.shell(t, ["qtcpbig %d %d" % (sink.port, n)], timeout=400)
    text = qtest.output_of(t, out, "qtcpbig %d %d" % (sink.port, n))
    t.check("qtcpbig: 0 failed" in text, "qtcpbig: %r" % text)
    t.check(sink.join(60) and sink.error is None, "server: %r" % sink.error)
    t.check(bytes(sink.data) == pattern(n),
            "the host received %d bytes, not the 1 MiB pattern" % len(sink.data))


def relay_32mib(t, nic, data, want):
    """One boot on @nic: the relay of nc_relays_32mib_each_way_intact."""
    port = free_tcp_port()
    sink = Sink()
    s = t.start("--initrd", initrd(t), "--nic", nic, "--fwd", "%d:7000" % port,
                timeout=BULK_LIMIT + 300)
    s.expect(r"# ", timeout=60)
    s.send("nc -l -p 7000 | nc 10.0.2.2 %d; echo relay $?\n" % sink.port)
    conn = connect_when_listening(t, port)
    start = time.monotonic()
    with conn:
        conn.settimeout(BULK_LIMIT)
        conn.sendall(data)
    m = s.expect(r"relay (\d+)\r?\n", timeout=BULK_LIMIT)
    t.check(sink.join(60) and sink.error is None, "%s: server %r" % (nic, sink.error))
    print("%s: 32 MiB each way in %.1f s" % (nic, time.monotonic() - start))
    t.check(m.group(1) == "0", "%s: the relay's nc exited with %s" % (nic, m.group(1)))
    t.check(sink.count == BULK and sink.hash.hexdigest() == want,
            "%s: the host got back %d bytes of the %d it sent, sha256 %s" %
            (nic, sink.count, BULK, "equal" if sink.hash.hexdigest() == want else "differs"))
    tcptx.check_tx(t, s, nic, BULK // 1460)  # zero copy: e1000, rtl8139 in C+ mode
    s.send("poweroff\n")
    t.expect_status(s.finish(), 0)


@qtest.case
def nc_relays_32mib_each_way_intact(t):
    """On each NIC: the host sends 32 MiB of random bytes through `--fwd`
    to the guest's `nc -l -p 7000`, whose output is piped into `nc 10.0.2.2
    PORT` sending it back to a host server: 32 MiB into the guest and 32 MiB
    out of it, at the same time, on two connections. The host gets back
    exactly what it sent (sha256), both ncs exit 0, within a generous bound
    (the wall time is printed; no speed is asserted)."""
    data = random.Random(32).randbytes(BULK)
    want = sha(data)
    for nic in ("e1000", "rtl8139"):
        relay_32mib(t, nic, data, want)


if __name__ == "__main__":
    qtest.main("tcp_bulk")
