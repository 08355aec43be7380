#!/usr/bin/env python3
"""Zero-copy TCP transmit on e1000 (net/tcpip.c, docs/net.md "zero-copy
transmit"): the guest's qtcpbig sends 8 MiB to a host server through QEMU's
user-mode network, its data segments leaving from the connection's send ring
through e1000 descriptors, with the TCP checksum filled by the card (TXSM,
the default) or summed by the stack reading the ring in place
(netcsumoffload=off). slirp checks every TCP checksum and drops a wrong one,
so a bad checksum stalls the transfer: the bytes arriving intact (sha256)
within the bound is the check, with the `stats` counters (tests/qemu/tcptx.py).
No speed is asserted (bench_net.py measures it).
"""

import hashlib

import qtest
import tcptx
from bench_net import PAT_PERIOD, Server, pattern_block
from qtest import initrd

MIB = 1 << 20
SIZE = 8 * MIB
LIMIT = 600  # generous: TCG on a shared machine


def send_8mib(t, append):
    want = hashlib.sha256(pattern_block() * (SIZE // PAT_PERIOD)).hexdigest()
    srv = Server()
    extra = ("--append", append) if append else ()
    s = t.start("--initrd", initrd(t), "--nic", "e1000", *extra, timeout=LIMIT + 200)
    s.expect(r"# ", timeout=60)
    s.send("qtcpbig src %d %d\n" % (srv.port, SIZE))
    m = s.expect(r"qtcpbig src: sent (\d+)\r?\n", timeout=LIMIT)
    t.check(srv.join() and srv.error is None, "%s: server %r" % (append, srv.error))
    t.check(int(m.group(1)) == SIZE and srv.count == SIZE and srv.hash.hexdigest() == want,
            "%s: the host got %d bytes, sha256 %s" %
            (append or "offload", srv.count, "equal" if srv.hash.hexdigest() == want else "differs"))
    s.expect(r"# ", timeout=60)
    tcptx.check_tx(t, s, "e1000", SIZE // 1460)
    s.send("poweroff\n")
    t.expect_status(s.finish(timeout=60), 0)


@qtest.case
def e1000_sends_8mib_from_the_send_ring_with_card_checksums_intact(t):
    """Default: the card computes each segment's TCP checksum (context
    descriptor, TXSM); the host receives the 8 MiB pattern intact and every
    data segment left from the ring (no copy)."""
    send_8mib(t, "")


@qtest.case
def e1000_sends_8mib_from_the_send_ring_with_in_place_checksums_intact(t):
    """netcsumoffload=off: the stack sums each segment over the header and
    the ring pieces in place (pieces at odd offsets byte-swapped) and the
    card only gathers; the same 8 MiB arrive intact, still without a copy."""
    send_8mib(t, "netcsumoffload=off")


if __name__ == "__main__":
    qtest.main("tcp_zc")
