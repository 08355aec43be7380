#!/usr/bin/env python3
"""httpd on the kernel holding many connections at once (issue 10: zero
failed requests under `ab -c 256`), seen from the host through QEMU's
user-mode network and `qemu/run --fwd` (see test_httpd.py for the setup).

ab's keep-alive clients keep their connections open between requests. A
server that can hold fewer connections than the clients has a full hand of
idle keep-alive connections while the other clients' requests wait in the
listen backlog, unanswered until ab gives up: what `ab -k -c 256` did while
a process had 32 descriptors (about 21 connections in httpd). This case
holds 256 such connections open and needs every one answered.

Timeouts are generous and nothing is timed: the machine is shared.
"""

import re
import time

import qtest
import test_httpd
from test_httpd import FILES, Conn, boot_httpd, expect_file, poweroff, request

KEEPALIVE_CLIENTS = 256  # ab -c 256
ANSWER_TIMEOUT = 40  # seconds for one response (a request stuck in the backlog never gets one)


def guest_stats(s):
    """The output of the guest shell's `stats` (pools, limits, sockets)."""
    mark = len(s.out)
    s.send("stats\n")
    s.expect(r"tcp no-socket \d+", timeout=60)
    return s.out[mark:]


def estab_in_stats(t, s):
    """The guest's established TCP connections, from the socket table of `stats`."""
    return len(re.findall(r"(?m)^tcp +10\.0\.2\.15:80 \S+ ESTAB ", guest_stats(s)))


@qtest.case
def httpd_answers_256_keepalive_connections_held_open_at_once(t):
    """256 host connections opened one after another, each GETs a file and
    stays open (keep-alive) while the next ones are opened: every response
    comes and is byte-identical. With all 256 open, the guest's socket table
    shows 256 established connections on port 80 (httpd holds them all, none
    waits in the backlog); then each connection, newest first, GETs another
    file, and httpd still answers a new connection after they close."""
    s, port = boot_httpd(t)
    names = sorted(FILES)
    conns = []
    start = time.monotonic()
    try:
        for i in range(KEEPALIVE_CLIENTS):
            c = Conn(port)
            conns.append(c)
            c.sock.settimeout(ANSWER_TIMEOUT)
            name = names[i % len(names)]
            c.sendall(request("/" + name))
            try:
                r = c.response()
            except OSError as e:
                t.fail("connection %d (%d others held open): no answer: %s" % (i, i, e))
            if r is None:  # what the guest holds, in the log, before the check fails
                print("connection %d closed unanswered; the guest's stats:\n%s" %
                      (i, guest_stats(s)))
            expect_file(t, r, name, "connection %d (%d others held open)" % (i, i))
        opened = time.monotonic() - start
        n = estab_in_stats(t, s)
        t.check(n >= KEEPALIVE_CLIENTS, "stats shows %d established connections on port 80, "
                "want %d" % (n, KEEPALIVE_CLIENTS))
        for i in reversed(range(KEEPALIVE_CLIENTS)):
            name = names[(i + 1) % len(names)]
            conns[i].sendall(request("/" + name))
            expect_file(t, conns[i].response(), name, "second GET on connection %d" % i)
        print("%d keep-alive connections: opened and answered in %.1f s, all in %.1f s" %
              (KEEPALIVE_CLIENTS, opened, time.monotonic() - start))
    finally:
        for c in conns:
            c.sock.close()
    test_httpd.fetch_concurrently(t, port, 12)
    poweroff(t, s)


if __name__ == "__main__":
    # Importing test_httpd registered its cases too: they run in their own suite.
    qtest._cases[:] = [fn for fn in qtest._cases if fn.__module__ == __name__]
    qtest.main("httpd_conns")
