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

import random

import qtest
import tcptx
from qtest import initrd

MIB = 1 << 20
BULK = 32 * MIB


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
    sink = qtest.Sink(300, keep=True)
    out = qtest.shell(t, ["qtcpbig %d %d" % (sink.port, n)], timeout=400)
    text = qtest.output_of(t, out, "qtcpbig %d %d" % (sink.port, n))
    t.check("qtcpbig: 0 failed" in text, "qtcpbig: %r" % text)
    t.check(sink.join(60) and sink.error is None, "server: %r" % sink.error)
    t.check(bytes(sink.data) == pattern(n),
            "the host received %d bytes, not the 1 MiB pattern" % len(sink.data))


def relay_32mib(t, nic, data):
    """One boot on @nic: the relay of nc_relays_32mib_each_way_intact."""
    port = qtest.free_tcp_port()
    s = t.start("--initrd", initrd(t), "--nic", nic, "--fwd", "%d:7000" % port,
                timeout=qtest.NC_RELAY_LIMIT + 300)
    s.expect(r"# ", timeout=60)
    qtest.nc_relay(t, s, port, data, nic)
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
    for nic in ("e1000", "rtl8139"):
        relay_32mib(t, nic, data)


if __name__ == "__main__":
    qtest.main("tcp_bulk")
