#!/usr/bin/env python3
"""The user runtime's async helpers (user/lib/aio.c) over the shared rings,
through tests/qemu/progs/qaio.c, counted with the kernel's per-process system
call counter (TIO_KINFO_SYSCALLS).

- 256 NOPs queued with aio_queue in rounds of 8, each round submitted with
  one aio_flush and collected one event per aio_wait: about one
  SYS_ring_enter per round (32; at most 64 allowed, for NOPs that complete
  after the submit returns), not one submit and one wait each (512), nor one
  system call per aio_wait (288): the rings are used on both sides, and
  every event is right.
- dd copies a 100,000-byte file (195 full blocks and a 160-byte partial one of
  512 bytes) through the rings: the copy is byte for byte, the record counts
  are those of a dd that reads one block at a time (its input a pipe, which
  takes the plain path), and dd makes far fewer system calls than the 196
  reads it replaces (the plain path makes two per block: read and write).
- aio_submit and the one-call helpers on a waiter with rings queue the op: an
  op that cannot start (recv on a descriptor nobody holds, accept on one that
  is no socket) is answered 0 and its error is the slot's one final event.
- nc sends a 256 KiB file to a host server intact in fewer system calls than
  three quarters of its at least 130 ops, and httpd serves 32 concurrent GETs
  of a 100 KiB file in fewer system calls than its at least 544 ops and 128
  synchronous calls would take with one SYS_submit per op (both counted with
  TIO_KINFO_SYSCALLS, every synchronous call included).
- nc whose stdin is a directory gets the READ's error as its event, falls back
  to plain read/send of stdin, and still receives the server's data.
"""

import re
import threading

import qtest
from qtest import output_of, pool_counts, shell

SIZE = 100000
BLOCKS = SIZE // 512 + 1


@qtest.case
def aio_queue_and_wait_cost_one_ring_enter_per_round(t):
    """qaio nops 256: 256 right events for at most two system calls per round of 8."""
    out = shell(t, ["qaio nops 256"], timeout=120)
    text = output_of(t, out, "qaio nops 256")
    m = re.search(r"qaio nops: (\d+) events ok, (-?\d+) syscalls, ring (\d)", text)
    t.check(m is not None, "qaio nops: %r" % text)
    if m:
        ok, calls, ring = (int(g) for g in m.groups())
        t.check(ring == 1, "the waiter got no rings")
        t.check(ok == 256, "%d of 256 events right" % ok)
        t.check(0 < calls <= 256 // 4, "%d system calls for 32 rounds" % calls)


@qtest.case
def dd_through_rings_copies_exactly_with_far_fewer_syscalls(t):
    """dd if=/tmp/in of=/tmp/out bs=512: same bytes, same records as the plain
    path, and fewer system calls than half its reads."""
    lines = ["qaio mkfile /tmp/in %d" % SIZE,
             "qaio count dd if=/tmp/in of=/tmp/out bs=512",
             "cat /tmp/in | dd of=/tmp/plain bs=512",
             "sha256sum /tmp/in /tmp/out /tmp/plain"]
    out = shell(t, lines, timeout=180)
    counted = output_of(t, out, lines[1])
    m = re.search(r"qaio count: dd (-?\d+) syscalls, status (-?\d+)", counted)
    t.check(m is not None, "qaio count: %r" % counted)
    if m:
        calls, status = int(m.group(1)), int(m.group(2))
        t.check(status == 0, "dd exit status %d" % status)
        t.check(0 < calls < BLOCKS // 2, "dd made %d system calls for %d reads" % (calls, BLOCKS))
    records = "%d+1 records in\n%d+1 records out\n%d bytes" % (BLOCKS - 1, BLOCKS - 1, SIZE)
    t.check(records in counted, "dd through the rings: %r" % counted)
    t.check(records in output_of(t, out, lines[2]), "plain dd: %r" % output_of(t, out, lines[2]))
    sums = re.findall(r"^([0-9a-f]{64})\s+(\S+)$", output_of(t, out, lines[3]), re.M)
    t.check(len(sums) == 3 and len({s for s, _ in sums}) == 1, "sha256sum: %r" % sums)



@qtest.case
def munmap_works_beside_a_ring_and_refuses_the_ring_pages(t):
    """While a ring lives, munmap of other ranges succeeds, munmap of any of
    the ring's pages is -EBUSY and leaves them mapped (the ring keeps
    working), and once the waiter is closed the ring's pages unmap; pools idle after."""
    out = shell(t, ["qaio munmap", "stats"], timeout=120)
    text = output_of(t, out, "qaio munmap")
    t.check(text == "qaio munmap: ok\n", "qaio munmap: %r" % text)
    counts = pool_counts(output_of(t, out, "stats"))
    for pool in ("ring", "async_waiter", "async_op"):
        t.check(counts.get(pool) == 0, "pool %s: %r in use" % (pool, counts.get(pool)))


@qtest.case
def start_error_comes_back_as_the_ops_event(t):
    """qaio starterr: on a waiter with rings, aio_recv on a descriptor nobody
    holds and aio_accept on one that is no socket answer 0 (queued), and the
    start error (-EBADF, -ENOTSOCK; SYS_submit's own answer) is the slot's
    one final event, after which the slot takes an op again; so is -EINVAL
    of aio_accept on a socket that does not listen. aio_submit_sync, and
    aio_recv on a waiter without rings, answer -EBADF at once."""
    out = shell(t, ["qaio starterr"], timeout=120)
    text = output_of(t, out, "qaio starterr")
    t.check(text == "qaio starterr: ok\n", "qaio starterr: %r" % text)


def helpers():
    """test_tcp and test_httpd, for their servers and clients. Imported once a case runs:
    imported with this file, their @qtest.case functions would join its cases."""
    import test_httpd
    import test_tcp
    return test_tcp, test_httpd


def mkfile_bytes(n):
    """What `qaio mkfile PATH n` writes (its pseudo-random pattern)."""
    out, x = bytearray(n), 12345
    for i in range(n):
        x = (x * 1103515245 + 12345) & 0xFFFFFFFF
        out[i] = (x >> 16) & 0xFF
    return bytes(out)


NC_SIZE = 256 * 1024
NC_CHUNK = 4096  # nc's READ size
# nc's ops for NC_SIZE: a READ per chunk and one that finds the end, at least one SEND per
# chunk, the RECV that sees the host close.
NC_OPS = (NC_SIZE // NC_CHUNK + 1) + NC_SIZE // NC_CHUNK + 1


@qtest.case
def nc_sends_a_file_in_fewer_syscalls_than_ops(t):
    """`nc 10.0.2.2 PORT < /tmp/in` (256 KiB) to a host server: the server
    gets the file byte for byte, and nc makes fewer system calls than three
    quarters of its ops (at least 130: 65 READs, 64 SENDs, a RECV), socket,
    connect, shutdown, writes and exit included. One submit per op could not
    (130 calls before any wait); nc's READ of the next chunk and SEND of the
    last are queued together and go to the kernel in the one ring_enter that
    also waits (about 80 calls)."""
    s = t.start("--initrd", qtest.initrd(t), "--nic", "e1000", timeout=600)
    s.expect(r"# ", timeout=60)
    s.send("qaio mkfile /tmp/in %d; echo mk $?\n" % NC_SIZE)
    s.expect(r"mk 0\r?\n", timeout=60)
    tcp, _ = helpers()
    peer = tcp.TcpPeer(b"")
    s.send("qaio count nc 10.0.2.2 %d < /tmp/in\n" % peer.port)
    m = s.expect(r"qaio count: nc (-?\d+) syscalls, status (-?\d+)\r?\n", timeout=300)
    calls, status = int(m.group(1)), int(m.group(2))
    print("nc: %d system calls for at least %d ops" % (calls, NC_OPS))
    t.check(peer.join() and peer.error is None, "server: %r" % peer.error)
    t.check(status == 0, "nc exit status %d" % status)
    t.check(tcp.sha(bytes(peer.received)) == tcp.sha(mkfile_bytes(NC_SIZE)),
            "the server got %d bytes, not the file" % len(peer.received))
    t.check(0 < calls < NC_OPS * 3 // 4, "nc made %d system calls for at least %d ops" %
            (calls, NC_OPS))
    s.send("poweroff\n")
    t.expect_status(s.finish(), 0)


@qtest.case
def nc_whose_stdin_cannot_be_read_async_still_receives(t):
    """`nc 10.0.2.2 PORT < /`: the READ of a directory fails, and on a waiter
    with rings that error is the READ's event, not the submit's answer; nc
    takes it as "no async READ of this stdin", sends stdin the plain way
    (nothing: read fails), shuts down its write side, and its RECV, still
    armed, prints the server's 64 KiB intact; exit 0."""
    data = mkfile_bytes(64 * 1024)
    s = t.start("--initrd", qtest.initrd(t), "--nic", "e1000", timeout=600)
    s.expect(r"# ", timeout=60)
    tcp, _ = helpers()
    peer = tcp.TcpPeer(data)
    s.send("nc 10.0.2.2 %d < / > /tmp/got; echo nc-dir $?\n" % peer.port)
    m = s.expect(r"nc-dir (\d+)\r?\n", timeout=300)
    s.send("sha256sum /tmp/got\n")
    got = s.expect(r"([0-9a-f]{64})\s+/tmp/got", timeout=60).group(1)
    t.check(peer.join() and peer.error is None, "server: %r" % peer.error)
    t.check(m.group(1) == "0", "nc exited with %s" % m.group(1))
    t.check(got == tcp.sha(data), "the guest's sha256 differs")
    t.check(len(peer.received) == 0, "the server got %d bytes" % len(peer.received))
    s.send("poweroff\n")
    t.expect_status(s.finish(), 0)


HTTPD_FILE = "k100.bin"
HTTPD_CLIENTS = 32
HTTPD_CHUNK = 16384  # httpd's READ size
# Per request of the 100 KiB file, ops: the (plain, on the kernel) ACCEPT, the RECV of the
# request, the head and the file in 16 KiB chunks each READ and SENT (at least 7 of each), and
# the RECV that finds the client gone; synchronous calls: open, fstat, close of the file and of
# the connection.
HTTPD_OPS = 1 + 1 + 2 * 7 + 1
HTTPD_SYNC = 4


def httpd_calls(t, s):
    s.send("qaio calls httpd\n")
    n = int(s.expect(r"qaio calls: httpd (-?\d+)\r?\n", timeout=60).group(1))
    t.check(n > 0, "no httpd process: %d" % n)
    return n


@qtest.case
def httpd_serves_in_fewer_syscalls_than_one_submit_per_op_needs(t):
    """32 host connections at once each GET a 100 KiB file from the guest's
    httpd: every body is the file, and httpd makes fewer system calls than
    one submit per op would: at least 17 ops per request (ACCEPT, 2 RECVs,
    7 READs, 7 SENDs) plus its 4 synchronous calls (open, fstat, two
    closes), 672 for the 32. Through the rings the ops queued while one
    batch of events is handled share the ring_enter that waits: about 335
    measured on a quiet machine, 476 under a whole parallel `make test`;
    770 with one submit per op."""
    _, h = helpers()
    files = {HTTPD_FILE: h.FILES[HTTPD_FILE], "one.txt": b"x"}
    s, port = h.boot_httpd(t, initrd=qtest.www_initrd(t, "qprogs", files))
    before = httpd_calls(t, s)
    results = [None] * HTTPD_CLIENTS
    conns = h.open_all(port, HTTPD_CLIENTS, results)
    threads = [threading.Thread(target=h.fetch_one, args=(c, HTTPD_FILE, results, i),
                                daemon=True) for i, c in enumerate(conns) if c]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=h.FETCH_LIMIT)
    bad = [r for r in results if r != "ok"]
    t.check(not bad, "%d of %d requests failed: %r" % (len(bad), HTTPD_CLIENTS, bad[:3]))
    calls = httpd_calls(t, s) - before
    ops, sync = HTTPD_OPS * HTTPD_CLIENTS, HTTPD_SYNC * HTTPD_CLIENTS
    print("httpd: %d system calls for %d requests, at least %d ops and %d synchronous calls" %
          (calls, HTTPD_CLIENTS, ops, sync))
    t.check(0 < calls < ops + sync, "httpd made %d system calls for at least %d ops and %d "
            "synchronous calls" % (calls, ops, sync))
    h.poweroff(t, s)


if __name__ == "__main__":
    qtest.main("aio_rings")
