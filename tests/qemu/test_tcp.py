#!/usr/bin/env python3
"""TCP in the kernel (net/tcp joined to IPv4 by net/tcpip.c), seen from a
host-side peer on 127.0.0.1 through QEMU's user-mode network and
`qemu/run --fwd HOSTPORT:GUESTPORT` (slirp accepts the host's connection,
then opens its own to the guest's port).

Tested here: the engine's answer on the wire (a SYN to a port nobody
listens on is refused with a RST), and stream sockets (net/tcpsock.c)
through the guest's `nc`: data both ways between the guest and a host-side
TCP server on 127.0.0.1 (slirp maps 10.0.2.2 to the host's loopback), and
the host connecting to the guest's `nc -l -p PORT` through --fwd.
"""

import hashlib
import random
import socket
import threading
import time

import qtest
from qtest import initrd

# Generous: the machine is shared, slirp and TCG are slow.
REFUSE_LIMIT = 40


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
        port = qtest.free_tcp_port()
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


class TcpPeer(qtest.HostServer):
    """A one-connection TCP server on 127.0.0.1, in a thread: sends @payload
    and keeps what the client sends; once both are done (the client's EOF),
    shuts down its write side."""

    def __init__(self, payload):
        self.payload = payload
        self.received = bytearray()
        super().__init__(240)

    def serve(self, conn):
        sender = threading.Thread(target=self._send, args=(conn,), daemon=True)
        sender.start()
        self.receive(conn, self.received.extend)
        sender.join(timeout=240)
        conn.shutdown(socket.SHUT_WR)  # after the client's EOF: nc ends at ours

    def _send(self, conn):
        try:
            conn.sendall(self.payload)
        except OSError as e:
            self.error = e


def sha(data):
    return hashlib.sha256(data).hexdigest()


MIB = 1 << 20


def shell_status(t, s, line, tag, timeout):
    """Runs @line in the shell, then `echo TAG $?`; its exit status."""
    s.send("%s; echo %s $?\n" % (line, tag))
    return int(s.expect(r"%s (\d+)" % tag, timeout=timeout).group(1))


@qtest.case
def guest_nc_moves_1mib_each_way_intact(t):
    """The guest's `nc 10.0.2.2 PORT` against host-side servers on
    127.0.0.1: 1 MiB from the host piped into the guest's sha256sum (equal to
    the host's); the same 1 MiB fetched as two 512 KiB halves into /tmp (a
    tmpfs file holds at most 512 KiB) and sent back with `cat a b | nc`: the
    host receives it byte for byte."""
    data = random.Random(10).randbytes(MIB)
    s = t.start("--initrd", initrd(t), "--nic", "e1000", timeout=1200)
    s.expect(r"# ", timeout=60)
    peer = TcpPeer(data)
    st = shell_status(t, s, "nc 10.0.2.2 %d < /dev/null | sha256sum" % peer.port, "nc-down", 400)
    t.check(st == 0 and peer.join() and peer.error is None,
            "host->guest: status %d, server %r" % (st, peer.error))
    t.check(sha(data) in s.out, "host->guest: the guest's sha256 differs")
    for name, half in (("a", data[:MIB // 2]), ("b", data[MIB // 2:])):
        peer = TcpPeer(half)
        st = shell_status(t, s, "nc 10.0.2.2 %d < /dev/null > /tmp/%s" % (peer.port, name),
                          "nc-" + name, 400)
        t.check(st == 0 and peer.join(), "host->guest half %s: status %d" % (name, st))
    up = TcpPeer(b"")
    st = shell_status(t, s, "cat /tmp/a /tmp/b | nc 10.0.2.2 %d" % up.port, "nc-up", 400)
    t.check(st == 0 and up.join() and up.error is None,
            "guest->host: status %d, server %r" % (st, up.error))
    t.check(len(up.received) == MIB and sha(bytes(up.received)) == sha(data),
            "guest->host: %d bytes, not the 1 MiB sent" % len(up.received))
    s.send("poweroff\n")
    t.expect_status(s.finish(), 0)


@qtest.case
def host_reaches_guest_nc_listener_through_fwd(t):
    """The host connects to the guest's `nc -l -p 7000` through
    `qemu/run --fwd HOSTPORT:7000` and sends 256 KiB: the guest's nc
    accepts, prints it into sha256sum, and that hash is the host's."""
    data = random.Random(11).randbytes(256 * 1024)
    port = qtest.free_tcp_port()
    s = t.start("--initrd", initrd(t), "--nic", "e1000", "--fwd", "%d:7000" % port,
                timeout=900)
    s.expect(r"# ", timeout=60)
    s.send("nc -l -p 7000 | sha256sum; echo nc-l $?\n")
    deadline = time.monotonic() + 120
    while True:  # until the listener is up: before, the guest refuses (slirp closes)
        conn = socket.create_connection(("127.0.0.1", port), timeout=30)
        if not closed_by_peer(conn, 3):
            break
        conn.close()
        t.check(time.monotonic() < deadline, "the guest's nc -l never accepted")
    with conn:
        conn.settimeout(240)
        conn.sendall(data)
    m = s.expect(r"nc-l (\d+)", timeout=400)
    t.check(m.group(1) == "0", "nc -l exited with %s" % m.group(1))
    t.check(sha(data) in s.out, "host->guest listener: the guest's sha256 differs")
    s.send("poweroff\n")
    t.expect_status(s.finish(), 0)


@qtest.case
def guest_connect_refused_and_reset_end_the_ops_with_errors(t):
    """A guest `nc` to a host port nobody listens on: slirp's connection
    fails, the guest gets a RST and connect completes with -ECONNREFUSED
    ("Connection refused", exit 1). Then a host server that accepts and
    resets (SO_LINGER 0) while the guest's nc waits in RECV: the pending
    receive completes with the reset (exit 1) instead of waiting forever."""
    s = t.start("--initrd", initrd(t), "--nic", "e1000", timeout=600)
    s.expect(r"# ", timeout=60)
    closed = qtest.free_tcp_port()
    st = shell_status(t, s, "nc 10.0.2.2 %d < /dev/null" % closed, "nc-refused", 200)
    t.check(st == 1 and "Connection refused" in s.out, "refused: status %d" % st)
    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(1)
    lsock.settimeout(120)
    s.send("sleep 8 | nc 10.0.2.2 %d; echo nc-reset $?\n" % lsock.getsockname()[1])
    conn, _ = lsock.accept()
    time.sleep(2)  # the guest's RECV is pending by now (and if not, it meets the reset)
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\0\0\0\0\0\0\0")
    conn.close()
    lsock.close()
    m = s.expect(r"nc-reset (\d+)", timeout=200)
    t.check(m.group(1) == "1" and "Connection reset by peer" in s.out,
            "reset: status %s" % m.group(1))
    s.send("poweroff\n")
    t.expect_status(s.finish(), 0)


if __name__ == "__main__":
    qtest.main("tcp")
