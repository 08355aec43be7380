#!/usr/bin/env python3
"""httpd on the kernel, seen from the host through QEMU's user-mode network
and `qemu/run --fwd HOSTPORT:80` (slirp accepts the host's connection on
127.0.0.1, then opens its own to the guest's port 80).

The guest boots an initrd made here: the programs of build/user/initrd-bin
plus /www holding files of 0, 1, 4095, 4096 bytes, 100 KiB and 1 MiB
(random bytes, fixed seeds). `httpd -p 80 -h /www` daemonizes from the
shell; the host then talks HTTP/1.1 to it with raw sockets (so every byte of
each response is checked) from many threads at once. One case serves the
same files from a FAT disk image made with mkfs.fat and mtools.

Timeouts are generous: the machine is shared, slirp and TCG are slow. No
case asserts on speed (bench_httpd.py measures it).
"""

import os
import random
import re
import socket
import subprocess
import threading
import time

import qtest

MKFS = "/usr/sbin/mkfs.fat" if os.path.exists("/usr/sbin/mkfs.fat") else "mkfs.fat"
KIB = 1024
# name -> contents: the sizes around a page and a chunk boundary, and two big ones.
FILES = {
    "empty.bin": b"",
    "one.txt": b"x",
    "p4095.bin": random.Random(4095).randbytes(4095),
    "p4096.bin": random.Random(4096).randbytes(4096),
    "k100.bin": random.Random(100).randbytes(100 * KIB),
    "m1.bin": random.Random(1).randbytes(1024 * KIB),
}
CLIENTS = 200
# tests/run.py gives a whole case 300 s: boot, start, then the clients within FETCH_LIMIT.
IO_TIMEOUT = 100  # per socket operation
FETCH_LIMIT = 170  # seconds for one round of concurrent clients
READY_LIMIT = 60  # seconds for httpd to start answering
RUN_LIMIT = 290  # qemu/run's own limit
ACCEPT_PACE = 2  # seconds a connect waits at most for slirp to accept the last one


def fat_disk(t):
    """A 32 MiB FAT16 image holding FILES at its root (mkfs.fat, mcopy)."""
    img = os.path.join(t.tmp, "www-fat.img")
    with open(img, "wb") as f:
        f.truncate(32 * 1024 * KIB)
    env = dict(os.environ, MTOOLS_SKIP_CHECK="1")
    cmds = [[MKFS, "-F", "16", "-n", "WWW", img]]
    for name, data in FILES.items():
        src = os.path.join(t.tmp, name)
        with open(src, "wb") as f:
            f.write(data)
        cmds.append(["mcopy", "-o", "-i", img, src, "::" + name])
    for cmd in cmds:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=env)
        t.check(r.returncode == 0, "%s: %s" % (" ".join(cmd), r.stderr[-300:]))
    return img


class Response:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body


class Conn:
    """A client connection that keeps bytes read past one response for the
    next (pipelined responses arrive back to back)."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=IO_TIMEOUT)
        self.sock.settimeout(IO_TIMEOUT)
        self.buf = b""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.sock.close()

    def sendall(self, data):
        self.sock.sendall(data)

    def _more(self):
        chunk = self.sock.recv(65536)
        self.buf += chunk
        return len(chunk)

    def at_eof(self):
        """True when the server closed after what was read."""
        return not self.buf and self._more() == 0

    def response(self, head_only=False):
        """One HTTP/1.1 response: status, headers (lower-case names), body of
        exactly Content-Length bytes (none for HEAD). None when the server
        closed before a status line."""
        while b"\r\n\r\n" not in self.buf:
            if not self._more():
                if self.buf:
                    raise ValueError("closed inside the head: %r" % self.buf[:200])
                return None
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        m = re.match(r"HTTP/1\.1 (\d{3}) ", lines[0])
        if not m:
            raise ValueError("bad status line %r" % lines[0])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = 0 if head_only else int(headers["content-length"])
        while len(self.buf) < length:
            if not self._more():
                raise ValueError("closed after %d of %d body bytes" % (len(self.buf), length))
        body, self.buf = self.buf[:length], self.buf[length:]
        return Response(int(m.group(1)), headers, body)


def request(path, method="GET", extra=""):
    return ("%s %s HTTP/1.1\r\nHost: guest\r\n%s\r\n" % (method, path, extra)).encode()


def wait_until_serving(t, s, port, probe):
    """Until GET @probe answers 200: before httpd listens the guest refuses
    and slirp closes the host's connection. An error line from the daemon
    ends the wait at once."""
    deadline = time.monotonic() + READY_LIMIT
    while True:
        try:
            with Conn(port) as conn:
                conn.sock.settimeout(30)
                conn.sendall(request(probe, extra="Connection: close\r\n"))
                r = conn.response()
                if r is not None:
                    t.check(r.status == 200, "first answer: %d %r" % (r.status, r.body[:40]))
                    return
        except (OSError, ValueError):
            pass
        err = re.search(r"(?m)^httpd(\[\d+\])?: .*", s.out)
        t.check(not err, "the daemon failed: %s" % (err and err.group(0)))
        t.check(time.monotonic() < deadline,
                "httpd never answered within %d s" % READY_LIMIT)
        time.sleep(1)


def boot_httpd(t, extra_args=(), root="/www", timeout=RUN_LIMIT, initrd=None, probe="/one.txt",
               httpd_args=""):
    """qemu/run with the www initrd (or @initrd) and --fwd, httpd started (with
    @httpd_args) and answering GET @probe: (session, port)."""
    port = qtest.free_tcp_port()
    s = t.start("--initrd", initrd or qtest.www_initrd(t, "user", FILES), "--nic", "e1000", "--fwd", "%d:80" % port,
                *extra_args, timeout=timeout)
    s.expect(r"# ", timeout=qtest.SHELL_BOOT_LIMIT)
    s.send("httpd -p 80 -h %s%s; echo httpd-started $?\n" % (root, httpd_args))
    m = s.expect(r"httpd-started (\d+)", timeout=60)
    t.check(m.group(1) == "0", "httpd -p 80 exited with %s" % m.group(1))
    wait_until_serving(t, s, port, probe)
    return s, port


def poweroff(t, s):
    s.send("poweroff\n")
    t.expect_status(s.finish(timeout=120), 0)


def expect_file(t, r, name, what):
    t.check(r is not None, "%s: closed without a response" % what)
    t.check(r.status == 200, "%s: status %d" % (what, r.status))
    t.check(r.headers.get("content-length") == str(len(FILES[name])),
            "%s: Content-Length %s, file has %d" % (what, r.headers.get("content-length"),
                                                    len(FILES[name])))
    t.check(r.body == FILES[name], "%s: body of %d bytes differs from the file" %
            (what, len(r.body)))


def fetch_one(conn, name, results, i):
    """Thread body: one GET on the open connection @conn, the outcome in results[i]."""
    try:
        with conn:
            conn.sendall(request("/" + name))
            r = conn.response()
            if r is None:
                results[i] = "closed without a response"
            elif r.status != 200 or r.body != FILES[name]:
                results[i] = "status %d, %d body bytes, %s" % (
                    r.status, len(r.body), "differ" if r.body != FILES[name] else "equal")
            else:
                results[i] = "ok"
    except (OSError, ValueError) as e:
        results[i] = "%s: %s" % (type(e).__name__, e)


def accept_queue(port):
    """Connections the host kernel holds for slirp's listening socket on
    @port that slirp has not accept()ed yet: the listener's rx_queue in
    /proc/net/tcp (0 when it is not found)."""
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and int(fields[1].split(":")[1], 16) == port:
                return int(fields[4].split(":")[1], 16)
    return 0


def open_all(port, nclients, results):
    """@nclients connections to the forwarded port, opened one after another.
    slirp listens on the host with a backlog of 1 (`ss -ltn` shows Send-Q 1):
    200 connect()s at once overflow the host kernel's accept queue, which drops
    SYNs and handshake ACKs, and a client whose ACK was dropped waits out its
    whole timeout without the guest ever seeing it (a plain Python server with
    listen(1) loses 38 to 82 of 200 such clients the same way). One connect at
    a time stays within it, paced to slirp: the next connect waits (up to
    ACCEPT_PACE s) until slirp has accepted the last, since a SYN that finds
    two unaccepted connections in the queue is dropped and retried a second
    later (that made the opening of 200 take about 60 s). The connections
    then all stay open at once."""
    conns = [None] * nclients
    for i in range(nclients):
        try:
            conns[i] = Conn(port)
        except OSError as e:
            results[i] = "connect: %s: %s" % (type(e).__name__, e)
        deadline = time.monotonic() + ACCEPT_PACE
        while accept_queue(port) and time.monotonic() < deadline:
            time.sleep(0.001)
    return conns


def fetch_concurrently(t, port, nclients):
    """@nclients connections open at once, each GETs one of FILES (in
    rotation), the requests sent together; every response must be
    byte-identical to its file."""
    names = sorted(FILES)
    results = [None] * nclients
    start = time.monotonic()
    conns = open_all(port, nclients, results)
    opened = time.monotonic() - start
    threads = [threading.Thread(target=fetch_one, args=(c, names[i % len(names)], results, i),
                                daemon=True) for i, c in enumerate(conns) if c]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=max(0.1, start + FETCH_LIMIT - time.monotonic()))
    bad = ["%d (%s): %s" % (i, names[i % len(names)],
                            r or "no answer within %d s" % FETCH_LIMIT)
           for i, r in enumerate(results) if r != "ok"]
    print("%d connections in %.1f s (opened in %.1f s), %d failed" %
          (nclients, time.monotonic() - start, opened, len(bad)))
    t.check(not bad, "%d of %d connections failed; first: %s" % (len(bad), nclients,
                                                                   "; ".join(bad[:3])))


@qtest.case
def httpd_serves_200_concurrent_connections_byte_identical(t):
    """200 host connections open at once, each GETs one of the files (0 B to
    1 MiB) from the guest's httpd: every response is 200 with the file's
    exact bytes. Then httpd still serves (a second, smaller round)."""
    s, port = boot_httpd(t)
    fetch_concurrently(t, port, CLIENTS)
    fetch_concurrently(t, port, 12)
    poweroff(t, s)


@qtest.case
def httpd_keepalive_head_and_error_statuses(t):
    """On one connection, in a row: GET of every file (keep-alive), HEAD
    (headers of the GET, no body), 404 for a missing file and HEAD of it,
    405 with Allow for POST; byte ranges (206 with Content-Range, 416 past
    the end); two pipelined requests answered in order; HTTP/1.0 and `Connection: close` end the
    connection after the response; a malformed request gets 400 and the
    connection closes; httpd keeps serving after all of it."""
    s, port = boot_httpd(t)
    with Conn(port) as sock:
        for name in sorted(FILES):
            sock.sendall(request("/" + name))
            expect_file(t, sock.response(), name, "keep-alive GET /" + name)
        sock.sendall(request("/m1.bin", "HEAD"))
        r = sock.response(head_only=True)
        t.check(r and r.status == 200 and r.headers.get("content-length") == str(len(
            FILES["m1.bin"])), "HEAD /m1.bin: %s" % (r and r.headers))
        sock.sendall(request("/nope.html"))
        r = sock.response()
        t.check(r and r.status == 404, "GET of a missing file: %s" % (r and r.status))
        sock.sendall(request("/nope.html", "HEAD"))
        r = sock.response(head_only=True)
        t.check(r and r.status == 404, "HEAD of a missing file: %s" % (r and r.status))
        sock.sendall(request("/one.txt", "POST", "Content-Length: 0\r\n"))
        r = sock.response()
        t.check(r and r.status == 405 and r.headers.get("allow") == "GET, HEAD",
                "POST: %s %s" % (r and r.status, r and r.headers))
        # Ranges: across the server's 16 KiB chunks, open-ended, suffix; past the end: 416.
        m1 = FILES["m1.bin"]
        for rng, first, last in (("16000-50000", 16000, 50000), ("1048000-", 1048000, len(m1) - 1),
                                 ("-4097", len(m1) - 4097, len(m1) - 1)):
            sock.sendall(request("/m1.bin", extra="Range: bytes=%s\r\n" % rng))
            r = sock.response()
            t.check(r and r.status == 206 and r.body == m1[first:last + 1] and
                    r.headers.get("content-range") == "bytes %d-%d/%d" % (first, last, len(m1)),
                    "Range %s: %s %s, %d bytes" % (rng, r and r.status, r and r.headers,
                                                   len(r.body) if r else -1))
        sock.sendall(request("/k100.bin", extra="Range: bytes=102400-\r\n"))
        r = sock.response()
        t.check(r and r.status == 416 and r.headers.get("content-range") == "bytes */102400",
                "unsatisfiable Range: %s %s" % (r and r.status, r and r.headers))
        # Two requests in one segment (pipelined): both answered, in order.
        sock.sendall(request("/p4095.bin") + request("/one.txt", extra="Connection: close\r\n"))
        expect_file(t, sock.response(), "p4095.bin", "pipelined GET 1")
        expect_file(t, sock.response(), "one.txt", "pipelined GET 2 (close)")
        t.check(sock.at_eof(), "Connection: close left the connection open")
    with Conn(port) as sock:
        sock.sendall(b"GET /p4096.bin HTTP/1.0\r\n\r\n")
        r = sock.response()
        expect_file(t, r, "p4096.bin", "HTTP/1.0 GET")
        t.check(sock.at_eof(), "HTTP/1.0 left the connection open")
    with Conn(port) as sock:
        sock.sendall(b"GARBAGE\r\n\r\n")
        r = sock.response()
        t.check(r and r.status == 400, "malformed request: %s" % (r and r.status))
        t.check(sock.at_eof(), "400 left the connection open")
    with Conn(port) as sock:
        sock.sendall(request("/../etc/motd"))
        r = sock.response()
        t.check(r and r.status == 400, "path with ..: %s" % (r and r.status))
    with Conn(port) as sock:
        sock.sendall(request("/k100.bin"))
        expect_file(t, sock.response(), "k100.bin", "GET after the errors")
    poweroff(t, s)


MULTISHOT_ACCEPT = "tcpsock waiting on tcp connections (multishot)"


def stats(s):
    """One `stats` output (it ends with TCP's counters line)."""
    start = len(s.out)
    s.send("stats\n")
    m = s.expect(r"\ntcp no-socket[^\n]*\n", timeout=60)
    return s.out[start:m.end()]


def httpd_files(text):
    """(descriptors httpd holds, the per-process limit) from a `stats` limits table."""
    head = re.search(r"^\s*PID NAME\s+(.*)$", text, re.M).group(1).split()
    col = head.index("files")
    mine = re.search(r"^\s*\d+ httpd\s+(.*)$", text, re.M).group(1).split()
    limit = re.search(r"^\s*- limit\s+(.*)$", text, re.M).group(1).split()
    return int(mine[col]), int(limit[col])


def stats_until(t, s, cond, what, limit=60):
    """`stats` every 2 s until @cond(text) holds (then the text), at most @limit seconds."""
    deadline = time.monotonic() + limit
    while True:
        text = stats(s)
        if cond(text):
            return text
        t.check(time.monotonic() < deadline, "%s: not within %d s; last stats: %r" %
                (what, limit, text[-1500:]))
        time.sleep(2)


MAXCONN = 16  # httpd -n: its share of connections in the case below


@qtest.case
def httpd_multishot_accept_stops_at_its_share_and_rearms(t):
    """httpd accepts with one multishot ACCEPT (`stats` shows its frame waiting
    on "tcp connections (multishot)"). Started with `-n 16`, the host opens 24
    idle connections more than that: httpd takes 16 more descriptors, the
    ACCEPT ends (httpd cancels it at its share, or the kernel's -EMFILE came
    first) and is not re-armed while the connections stay open, the surplus
    waits in the listen backlog (not reset); then every connection sends a
    GET and every response is byte-identical (none reset), and once they
    closed the multishot ACCEPT is armed again."""
    s, port = boot_httpd(t, httpd_args=" -n %d" % MAXCONN)
    text = stats(s)
    t.check(MULTISHOT_ACCEPT in text, "no multishot ACCEPT armed: %r" % text[-1500:])
    base = httpd_files(text)[0]
    n = MAXCONN + 24
    names = sorted(FILES)
    results = [None] * n
    conns = open_all(port, n, results)
    stats_until(t, s, lambda x: MULTISHOT_ACCEPT not in x and httpd_files(x)[0] == base + MAXCONN,
                "httpd holding %d connections, its ACCEPT ended" % MAXCONN)
    time.sleep(2)
    text = stats(s)
    t.check(MULTISHOT_ACCEPT not in text and httpd_files(text)[0] == base + MAXCONN,
            "httpd took more than its share of %d: %r" % (MAXCONN, text[-1500:]))
    threads = [threading.Thread(target=fetch_one, args=(c, names[i % len(names)], results, i),
                                daemon=True) for i, c in enumerate(conns) if c]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=FETCH_LIMIT)
    bad = ["%d: %s" % (i, r) for i, r in enumerate(results) if r != "ok"]
    t.check(not bad, "%d of %d connections failed; first: %s" % (len(bad), n, "; ".join(bad[:3])))
    stats_until(t, s, lambda x: MULTISHOT_ACCEPT in x, "the multishot ACCEPT re-armed")
    poweroff(t, s)


@qtest.case
def httpd_serves_files_from_fat_disk(t):
    """The files on a FAT16 disk (mkfs.fat, mcopy) automounted on /mnt/hda:
    `httpd -h /mnt/hda` serves each of them byte for byte, 24 clients at once."""
    img = fat_disk(t)
    s, port = boot_httpd(t, ("--hda", img), root="/mnt/hda")
    fetch_concurrently(t, port, 24)
    poweroff(t, s)


if __name__ == "__main__":
    qtest.main("httpd")
