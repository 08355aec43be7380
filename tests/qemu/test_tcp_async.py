#!/usr/bin/env python3
"""Submitted CONNECT and ACCEPT, multishot ACCEPT and multishot RECV into
provided buffers on stream sockets, through the real stack: the guest's
`tcpaio` (tests/qemu/progs/tcpaio.c) against host-side peers on 127.0.0.1
(the guest reaches them as 10.0.2.2, slirp) and the host reaching the
guest's listeners through `qemu/run --fwd HOSTPORT:GUESTPORT`. The guest
program prints "ready WHAT" where the host must act, "ok NAME" / "FAILED
NAME" per check, and "tcpaio MODE: N failed" at the end.
"""

import hashlib
import random
import re
import socket
import threading
import time

import qtest
from qtest import initrd

MIB = 1 << 20
BOOT = 60    # the shell prompt
STEP = 60    # one step of the guest program (generous: a shared 2-core machine)


def boot(t, *args):
    s = t.start("--initrd", initrd(t), "--nic", "e1000", *args, timeout=600)
    s.expect(r"# ", timeout=BOOT)
    return s


def finish_mode(t, s, mode):
    """The guest program's summary: no check failed."""
    m = s.expect(r"tcpaio %s: (\d+) failed\n" % mode, timeout=STEP)
    failed = re.findall(r"FAILED \S+ \(line \d+\)", s.out)
    t.check(m.group(1) == "0" and not failed, "tcpaio %s: %s" % (mode, failed))


def poweroff(t, s):
    s.send("poweroff\n")
    t.expect_status(s.finish(), 0)


def read_to_eof(conn, limit=STEP):
    conn.settimeout(limit)
    data = bytearray()
    while True:
        try:
            chunk = conn.recv(65536)
        except ConnectionResetError:
            return bytes(data), True  # closed too, with a reset
        except socket.timeout:
            return bytes(data), False
        if not chunk:
            return bytes(data), True
        data += chunk


def connect_fwd(t, port, limit=STEP):
    """A connection to the guest's listener behind --fwd @port (the listener is up)."""
    conn = socket.create_connection(("127.0.0.1", port), timeout=limit)
    conn.settimeout(limit)
    return conn


@qtest.case
def submitted_connect_completes_refuses_and_cancels_once(t):
    """A submitted CONNECT to a host server completes with 0 and the
    connection carries data (the server reads "hello 1"); one to a closed
    host port completes with -ECONNREFUSED; one to an on-link address nobody
    has stays pending, and its cancel posts exactly one -ECANCELED."""
    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(1)
    lsock.settimeout(STEP * 2)
    got = {}

    def serve():
        try:
            conn, _ = lsock.accept()
            with conn:
                got["data"] = read_to_eof(conn)[0]
        except OSError as e:
            got["error"] = e

    th = threading.Thread(target=serve, daemon=True)
    th.start()
    s = boot(t)
    s.send("tcpaio connect %d %d\n" % (lsock.getsockname()[1], qtest.free_tcp_port()))
    finish_mode(t, s, "connect")
    th.join(timeout=STEP)
    lsock.close()
    t.check(got.get("data") == b"hello 1\n", "the host server got %r" % got)
    poweroff(t, s)


@qtest.case
def submitted_and_multishot_accept_deliver_every_connection(t):
    """A submitted ACCEPT gives the connection's descriptor and the peer's
    address; one multishot ACCEPT, submitted while the connections already
    wait in the listener's backlog, gives 6 concurrent connections as 6 events
    with TIO_EV_MORE, each a working descriptor (every host connection reads
    its own "conn I" line, then EOF); its cancel, and that of a pending
    one-shot ACCEPT, each post exactly one final -ECANCELED, a deadline
    exactly one -ETIMEDOUT; a multishot
    ACCEPT asking for a peer address is -EINVAL."""
    n = 6
    port = qtest.free_tcp_port()
    s = boot(t, "--fwd", "%d:7100" % port)
    s.send("tcpaio accept 7100 %d\n" % n)
    s.expect(r"ready one", timeout=STEP)
    with connect_fwd(t, port) as conn:
        data, eof = read_to_eof(conn)
    t.check(data == b"conn 0\n" and eof, "one-shot accept: %r eof %s" % (data, eof))
    s.expect(r"ready multi", timeout=STEP)
    results = [None] * n

    def client(i):
        time.sleep(0.25 * i)  # slirp listens with a short queue: do not overflow it
        try:
            with connect_fwd(t, port) as c:
                results[i] = read_to_eof(c, limit=STEP * 2)
        except OSError as e:
            results[i] = (repr(e).encode(), False)

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(n)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=STEP * 3)
    lines = sorted(r[0] for r in results if r and r[1])
    t.check(lines == sorted(b"conn %d\n" % i for i in range(1, n + 1)),
            "multishot accept: the host connections read %r" % results)
    finish_mode(t, s, "accept")
    poweroff(t, s)


@qtest.case
def multishot_recv_with_two_buffers_gets_1mib_intact(t):
    """The host sends 1 MiB to a guest connection received by one multishot
    RECV over a queue of only 2 provided buffers of 1 KiB, the first held for
    2 s: the receive ring fills and the window closes instead of data being
    dropped (the socket table shows at least 32 KiB queued, the window what
    is left of the 64 KiB ring), the recycled buffers restart the receive, and the guest's
    SHA-256 of what arrived equals the host's, ending at EOF with a final
    event of 0. Then a multishot RECV on a silent connection is cancelled
    once."""
    data = random.Random(12).randbytes(MIB)
    port = qtest.free_tcp_port()
    s = boot(t, "--fwd", "%d:7200" % port)
    s.send("tcpaio recv 7200 2 1024 2000\n")
    s.expect(r"ready data", timeout=STEP)
    start = time.monotonic()
    with connect_fwd(t, port, limit=STEP * 3) as conn:
        conn.sendall(data)
        conn.shutdown(socket.SHUT_WR)
        held = s.expect(r"held: recv-q (\d+) rcv-wnd (\d+)\n", timeout=STEP)
        queued, window = int(held.group(1)), int(held.group(2))
        t.check(queued >= 32768 and queued + window <= 65536,
                "while both buffers were taken: recv-q %d rcv-wnd %d (the data should wait "
                "in the 64 KiB ring, the window closing)" % (queued, window))
        m = s.expect(r"recv (-?\d+) sha256 ([0-9a-f]*)\n", timeout=STEP * 3)
        print("1 MiB host->guest through 2 buffers in %.1f s" % (time.monotonic() - start))
        t.check(int(m.group(1)) == MIB and m.group(2) == hashlib.sha256(data).hexdigest(),
                "multishot recv: %s bytes, sha256 %s" % (m.group(1), m.group(2)))
        s.expect(r"ready idle", timeout=STEP)
        with connect_fwd(t, port) as idle:
            finish_mode(t, s, "recv")
    poweroff(t, s)


@qtest.case
def guest_serves_more_connections_than_control_blocks(t):
    """One multishot ACCEPT serves 448 short connections (4 host clients at a
    time), the guest closing each first, so each leaves a control block in
    TIME-WAIT for 60 s: more than the engine's 384 control blocks. Every
    connection must still be accepted and answered (a new connection takes
    the oldest TIME-WAIT block when the pool is empty), none refused or left
    hanging; `stats` counts the reclaimed blocks."""
    n = 448
    port = qtest.free_tcp_port()
    s = boot(t, "--fwd", "%d:7600" % port)
    s.send("tcpaio serve 7600 %d\n" % n)
    s.expect(r"ready serve", timeout=STEP)
    got, bad = [], []
    start = time.monotonic()

    def client(count):  # 4 clients at a time: the test stays short
        for _ in range(count):
            try:
                with connect_fwd(t, port, limit=20) as conn:
                    data, closed = read_to_eof(conn, limit=20)
            except OSError as e:
                data, closed = repr(e).encode(), False
            (got if closed and re.fullmatch(rb"conn \d+\n", data) else bad).append(data)
            if len(bad) > 3:
                return

    threads = [threading.Thread(target=client, args=(n // 4,), daemon=True) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=STEP * 3)
    print("%d connections in %.1f s" % (len(got), time.monotonic() - start))
    t.check(sorted(got) == sorted(b"conn %d\n" % i for i in range(1, n + 1)),
            "%d of %d connections answered" % (len(got), n))
    t.check(not bad, "connections not served: %r" % bad[:4])
    finish_mode(t, s, "serve")
    s.send("stats\n")
    m = s.expect(r"tw-reclaimed (\d+)", timeout=STEP)
    t.check(int(m.group(1)) > 0, "no TIME-WAIT block was reclaimed: %s" % m.group(0))
    poweroff(t, s)


def still_open(conn, wait=3):
    """@conn has neither data, an end nor a reset within @wait seconds."""
    conn.settimeout(wait)
    try:
        return "ended" if conn.recv(1) == b"" else "got data"
    except socket.timeout:
        return "open"
    except ConnectionResetError:
        return "reset"
    finally:
        conn.settimeout(STEP)


@qtest.case
def accept_at_descriptor_limit_leaves_connections_queued(t):
    """A process with one descriptor free has a multishot ACCEPT armed and the
    host opens 4 connections: the first gets the descriptor, the second ends
    the multishot ACCEPT with -EMFILE without being taken, and none of the
    surplus connections is reset or ended (they stay in the listen backlog);
    accept(2) and a submitted ACCEPT at the limit fail with -EMFILE at once.
    Once descriptors are closed a re-armed multishot ACCEPT gets the queued
    connections and data flows both ways on all 4. A one-shot ACCEPT whose
    peer-address pointer is bad ends with -EFAULT and closes its connection.
    The socket pool is empty once the program is done."""
    n = 4
    port = qtest.free_tcp_port()
    s = boot(t, "--fwd", "%d:7500" % port)
    s.send("tcpaio nofd 7500 %d\n" % n)
    s.expect(r"ready full", timeout=STEP)
    conns = [connect_fwd(t, port) for _ in range(n)]
    try:
        s.expect(r"ready emfile", timeout=STEP)
        states = [still_open(c) for c in conns]
        t.check(states == ["open"] * n, "the host's connections at the limit: %s" % states)
        for i, c in enumerate(conns):
            c.sendall(b"hello %d\n" % i)
        got = [read_to_eof(c) for c in conns]
        t.check(got == [(b"echo hello %d\n" % i, True) for i in range(n)],
                "the host's connections read %r" % got)
    finally:
        for c in conns:
            c.close()
    s.expect(r"ready fault", timeout=STEP)
    with connect_fwd(t, port) as conn:
        data, closed = read_to_eof(conn)
    t.check(closed and data == b"", "fault: the host's connection: read %r, closed %s" %
            (data, closed))
    finish_mode(t, s, "nofd")
    s.send("stats\n")
    m = s.expect(r"\nsocket\s+(\d+)\s+(\d+)\s", timeout=STEP)
    t.check(m.group(1) == "0", "socket pool afterwards: %s in use" % m.group(1))
    poweroff(t, s)


@qtest.case
def exit_with_pending_socket_ops_frees_every_socket(t):
    """A process exits with a multishot ACCEPT, a multishot RECV on the
    connection it was given, a CONNECT waiting for ARP and a one-shot ACCEPT
    pending, and the accepted descriptor never closed: the kernel cancels the
    ops and closes the sockets (the host's connection ends), `stats` shows
    the socket pool empty, and no per-process limit is left charged."""
    port = qtest.free_tcp_port()
    s = boot(t, "--fwd", "%d:7300" % port)
    s.send("stats\n")
    s.expect(r"\nsocket\s+\d+", timeout=STEP)
    s.send("tcpaio exit 7300; echo tcpaio-exit $?\n")
    s.expect(r"ready exit", timeout=STEP)
    with connect_fwd(t, port) as conn:
        m = s.expect(r"tcpaio-exit (\d+)\n", timeout=STEP)
        t.check(m.group(1) == "0", "tcpaio exit: status %s" % m.group(1))
        data, closed = read_to_eof(conn)
        t.check(closed and data == b"", "the host's connection: read %r, closed %s" %
                (data, closed))
    s.send("stats\n")
    m = s.expect(r"\nsocket\s+(\d+)\s+(\d+)\s", timeout=STEP)
    t.check(m.group(1) == "0", "socket pool after exit: %s in use" % m.group(1))
    t.check("exits holding" not in s.out, "a limit stayed charged: %r" % s.out[-400:])
    poweroff(t, s)


@qtest.case
def guest_nc_listener_receives_with_multishot_recv(t):
    """The guest's `nc -l` receives through one multishot RECV into provided
    buffers (its plain-recv fallback is not taken): while the host's
    connection is open, `stats` shows the op waiting on "tcp data
    (multishot)"; what the host sent is what nc wrote."""
    port = qtest.free_tcp_port()
    s = boot(t, "--fwd", "%d:7400" % port)
    s.send("nc -l -p 7400 > /tmp/got &\n")
    s.expect(r"\[\d+\] \d+", timeout=STEP)
    deadline = time.monotonic() + STEP
    while True:  # until the listener is up: before, slirp's connection is refused
        conn = socket.create_connection(("127.0.0.1", port), timeout=STEP)
        conn.settimeout(3)
        try:
            if conn.recv(1) == b"":
                conn.close()
                t.check(time.monotonic() < deadline, "the guest's nc -l never accepted")
                continue
        except socket.timeout:
            break  # open and silent: accepted
    with conn:
        conn.sendall(b"multishot nc\n")
        s.send("stats\n")
        s.expect(r"tcpsock waiting on tcp data \(multishot\)", timeout=STEP)
    s.send("wait; cat /tmp/got; echo nc-done\n")
    s.expect(r"multishot nc\nnc-done", timeout=STEP)
    poweroff(t, s)


if __name__ == "__main__":
    qtest.main("tcp_async")
