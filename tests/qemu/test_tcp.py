#!/usr/bin/env python3
"""TCP in the kernel (net/tcp joined to IPv4 by net/tcpip.c), seen from a
host-side peer on 127.0.0.1 through QEMU's user-mode network and
`qemu/run --fwd HOSTPORT:GUESTPORT` (slirp accepts the host's connection,
then opens its own to the guest's port).

Stream sockets are not wired to the engine yet (socket(SOCK_STREAM) still
returns -EPROTONOSUPPORT), so what is tested here is the engine's answer on
the wire: a SYN to a port nobody listens on is refused with a RST.
"""

import socket
import time

import qtest
from qtest import initrd

# Generous: the machine is shared, slirp and TCG are slow.
REFUSE_LIMIT = 40


def free_tcp_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def closed_by_peer(conn, limit):
    """True when the connection ends (EOF or reset) within @limit seconds,
    False when it is still open and silent then."""
    conn.settimeout(limit)
    try:
        return conn.recv(1) == b""
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


@qtest.case
def syn_to_closed_guest_port_is_refused_with_rst(t):
    """The host connects to a guest port with no listener, on each NIC: the
    guest's TCP answers slirp's SYN with a RST, and slirp closes the host's
    connection. Without TCP in the kernel the SYN is dropped and the host's
    connection stays open and silent. `stats` counts the segments that found
    no socket and the RSTs sent (at least one per connection: slirp may
    retransmit its SYN), and no malformed segment."""
    for nic in ("e1000", "rtl8139"):
        port = free_tcp_port()
        s = t.start("--initrd", initrd(t), "--nic", nic, "--fwd", "%d:7777" % port,
                    timeout=150)
        s.expect(r"# ", timeout=60)  # the shell runs: the lease is there
        for attempt in range(2):  # two connections: the engine keeps no state for refusals
            with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
                start = time.monotonic()
                t.check(closed_by_peer(conn, REFUSE_LIMIT),
                        "%s, connection %d: still open after %d s: the guest did not "
                        "refuse the SYN" % (nic, attempt, REFUSE_LIMIT))
                print("%s: refused after %.1f s" % (nic, time.monotonic() - start))
        # The refusals are counted where `stats` shows the network.
        s.send("stats\n")
        m = s.expect(r"tcp no-socket (\d+) rsts-sent (\d+) bad (\d+)", timeout=30)
        t.check(int(m.group(1)) >= 2 and int(m.group(2)) >= 2 and int(m.group(3)) == 0,
                "%s: stats: %r" % (nic, m.group(0)))
        s.send("poweroff\n")
        t.expect_status(s.finish(), 0)


if __name__ == "__main__":
    qtest.main("tcp")
