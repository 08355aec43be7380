#!/usr/bin/env python3
"""Two kernel guests on a private Ethernet carried by a host-side relay
(tests/qemu/lossyrelay.py: each guest's `-netdev socket,udp=...` sends its
frames to the relay, which forwards them to the other guest, clean or
losing, delaying, reordering and duplicating a few percent of them with a
fixed seed). No user-mode network: the guests boot with nodhcp and get
static addresses with ifconfig.

TCP: guest A runs `nc -l -p 7000 | sha256sum`, guest B sends `seq 1 N`
with nc (1 MiB on the clean link, 4 MiB through the lossy relay); A's hash
must equal the host's hash of the same sequence.
"""

import re
import socket
import struct
import threading
import time

import qtest
import tcptx
from dhcpserv import DhcpServer, csum, ip4
from lossyrelay import (Relay, boot_pair, expect_sent, expect_seq_at_a, poweroff_guests,
                        send_seq_b_to_a, seq_bytes)
from qtest import initrd

SEQ_4MIB = 620000  # `seq 1 620000` is 4228895 bytes
SEQ_1MIB = 170000  # `seq 1 170000` is 1108895 bytes
# Generous limits: two TCG guests on a shared 2-core machine; no speed is asserted.
TRANSFER_LIMIT = 220  # tests/run.py gives a whole case 300 s


def tcp_seq_through(t, relay, last):
    """B's nc sends seq 1 @last to A's nc -l; A's hash equals the host's."""
    try:
        a, b = boot_pair(t, relay, TRANSFER_LIMIT + 200)
        send_seq_b_to_a(a, b, last)
        expect_sent(t, b, TRANSFER_LIMIT)
        expect_seq_at_a(t, a, last, 120)
        for name, s in (("A", a), ("B", b)):  # B's SYN and A's SYN+ACK waited for ARP
            c = tcp_counters(t, s)
            t.check(c["bad"] == 0 and (c["tx_errors"] == 0 or relay.drop),
                    "%s: segments refused by the IP layer or malformed: %r" % (name, c))
        tcptx.check_tx(t, b, "e1000", len(seq_bytes(last)) // 1460)  # sent from the ring
        poweroff_guests(t, [a, b])
    finally:
        relay.close()
        print("relay: %r" % relay.counts)
    return relay.counts


@qtest.case
def tcp_1mib_between_guests_through_clean_relay(t):
    """The relay forwards every frame as it comes: 1 MiB from B's nc arrives
    at A's nc -l intact (sha256 on A = the host's sha256 of the same seq)."""
    tcp_seq_through(t, Relay(), SEQ_1MIB)


@qtest.case
def tcp_4mib_intact_through_lossy_reordering_duplicating_relay(t):
    """The same through a relay (seed 10) that drops 2%, duplicates 1%,
    swaps 3% with the next frame and delays 2% by 5-80 ms, both ways:
    the engine's retransmissions and out-of-order queue still deliver the
    4 MiB intact within the (generous) limit; the relay did impair frames."""
    counts = tcp_seq_through(t, Relay(seed=10, drop=0.02, dup=0.01, reorder=0.03,
                                      delay=0.02), SEQ_4MIB)
    t.check(counts["dropped"] and counts["duplicated"] and counts["reordered"] and
            counts["delayed"], "the relay impaired nothing: %r" % counts)


def tcp_counters(t, s):
    """The guest's `tcp no-socket N rsts-sent N bad N syn-drops N tx-errors N` line, as a dict."""
    s.send("stats\n")
    m = s.expect(r"tcp no-socket (\d+) rsts-sent (\d+) bad (\d+) syn-drops (\d+) "
                 r"tx-errors (\d+)", timeout=60)
    return dict(zip(("no_sock", "rsts", "bad", "syn_drops", "tx_errors"),
                    (int(g) for g in m.groups())))


@qtest.case
def first_rst_at_boot_waits_for_arp_instead_of_being_dropped(t):
    """Right after boot (the guest has not resolved the gateway 10.0.2.2 yet)
    the host connects through --fwd to a guest port nobody listens on. The
    guest's RST to slirp's SYN needs ARP first: it waits in the ARP queue and
    leaves when the reply comes, so the one SYN gets its RST and the host's
    connection is refused: `stats` shows no segment refused by the IP layer
    (tx-errors 0) and as many RSTs as segments for no socket. (When the RST
    was dropped for the unresolved next hop, tx-errors was 1 and the refusal
    waited for slirp's retransmitted SYN.)"""
    with socket.socket() as p:
        p.bind(("127.0.0.1", 0))
        port = p.getsockname()[1]
    s = t.start("--initrd", initrd(t), "--nic", "e1000", "--fwd", "%d:7777" % port, timeout=300)
    s.expect(r"# ", timeout=90)
    with socket.create_connection(("127.0.0.1", port), timeout=60) as conn:
        start = time.monotonic()
        conn.settimeout(60)
        try:
            refused = conn.recv(1) == b""
        except ConnectionResetError:
            refused = True
        except socket.timeout:
            refused = False
        print("refused after %.1f s" % (time.monotonic() - start))
    t.check(refused, "the guest never refused the connection")
    c = tcp_counters(t, s)
    t.check(c["tx_errors"] == 0, "a segment was dropped for want of ARP: %r" % c)
    t.check(c["rsts"] >= 1 and c["rsts"] == c["no_sock"] and c["bad"] == 0,
            "not every SYN got its RST: %r" % c)
    s.send("poweroff\n")
    t.expect_status(s.finish(), 0)


# Guest clock against the host's: the guest measures T1 from when it got the ACK, after the host
# sent it, so its messages can only come later; this slack covers the two clocks' rates only.
CLOCK_SLACK = 0.3


@qtest.case
def dhcp_renews_at_t1_rebinds_at_t2_and_drops_an_expired_lease(t):
    """A DHCP server on the private link (tests/qemu/dhcpserv.py) leases
    192.168.77.10 for 12 s with T1 = 3 s and T2 = 6 s. It ACKs the first
    renewal, then answers nothing: the guest renews at T1 (unicast to the
    server, ciaddr set), again before T2, rebinds at T2 (broadcast), and at
    the lease's end removes the address (`ifconfig` shows none, `stats` says
    selecting) and starts over with DISCOVER; once the server answers again
    the guest gets a new lease."""
    serve_again = threading.Event()

    def leases(n):
        return (12, 3, 6) if n < 2 else (3600, 1800, 3150)

    def answer(kind, n):
        if kind == "discover":
            return n == 0 or serve_again.is_set()
        return kind == "select" or (kind == "renew" and n == 0)

    srv = DhcpServer("192.168.77.1", "192.168.77.10", leases=leases, answer=answer)
    relay = Relay(tap=srv.tap)
    srv.attach(relay)
    try:
        s = t.start("--initrd", initrd(t), "--nic", "none", "--", "-netdev", relay.netdev(0),
                    "-device", "e1000,netdev=n1,mac=52:54:00:00:77:10", timeout=400)
        s.expect(r"dhcp: eth0 leased 192\.168\.77\.10 gateway 192\.168\.77\.1 \(lease 12s\)",
                 timeout=90)
        s.expect(r"dhcp: eth0 lease of 192\.168\.77\.10 expired", timeout=180)
        s.send("ifconfig; stats\n")
        text = s.expect(r"(?s)inet addr:.*?(eth0 [^\n]* link \S+ inet [^\n]*? dhcp \w+) renewals",
                        timeout=60)
        t.check("inet addr:192.168.77.10" not in text.group(0),
                "the expired address is still configured: %r" % text.group(0))
        t.check("inet 0.0.0.0" in text.group(1) and "dhcp selecting" in text.group(1),
                "stats after the expiry: %r" % text.group(1))
        serve_again.set()
        s.expect(r"dhcp: eth0 leased 192\.168\.77\.10 gateway 192\.168\.77\.1 \(lease 3600s\)",
                 timeout=120)
        s.send("ifconfig\n")
        s.expect(r"inet addr:192\.168\.77\.10  Mask:255\.255\.255\.0", timeout=60)
        s.send("poweroff\n")
        t.expect_status(s.finish(), 0)
    finally:
        relay.close()
    kinds = srv.kinds()
    print("server saw: %r" % kinds)
    seen = [k for k, _ in kinds]
    t.check(seen[:3] == ["discover", "select", "renew"], "before the first renewal: %r" % kinds)
    first_renew = next(when for when, k, _ in srv.log if k == "renew")
    t.check(first_renew - srv.acks[0] >= 3 - CLOCK_SLACK, "renewed %.1f s after the lease, "
            "before T1" % (first_renew - srv.acks[0]))
    after = [(when - srv.acks[1], k) for when, k, _ in srv.log if when > srv.acks[1]]
    order = [k for _, k in after]
    t.check("renew" in order and "rebind" in order and "discover" in order and
            order.index("renew") < order.index("rebind") < order.index("discover") and
            order == sorted(order, key=["renew", "rebind", "discover", "select"].index),
            "after the second lease: unanswered renewals, then rebinding, then DISCOVER: %r"
            % after)
    first = {k: dt for dt, k in reversed(after)}
    t.check(first["renew"] >= 3 - CLOCK_SLACK and first["rebind"] >= 6 - CLOCK_SLACK and
            first["discover"] >= 12 - CLOCK_SLACK,
            "renewal, rebinding or restart before T1, T2 or the lease's end: %r" % after)


class LinkWatch:
    """The relay's tap for the fragmentation and ICMP case: counts what the
    guests send (IPv4 fragments, ICMP destination unreachable by code, the
    largest frame) and plays a router's neighbour: it answers ARP for
    ROUTED and every UDP datagram or TCP segment to it with ICMP destination
    unreachable from ROUTER, quoting the datagram's header and first 8
    bytes: port unreachable for TCP port REFUSED_PORT, else host
    unreachable."""

    MAC = b"\x52\x54\x00\x00\x60\xfe"
    ROUTED, ROUTER = "192.168.60.9", "192.168.60.254"
    REFUSED_PORT = 7004

    def __init__(self):
        self.relay = None
        self.fragments = 0
        self.unreach = {}
        self.largest = 0

    def tap(self, side, frame):
        self.largest = max(self.largest, len(frame))
        etype = struct.unpack("!H", frame[12:14])[0]
        if etype == 0x0806 and frame[14 + 24:14 + 28] == ip4(self.ROUTED):
            a = frame[14:42]
            reply = (a[8:14] + self.MAC + b"\x08\x06" + struct.pack("!HHBBH", 1, 0x0800, 6, 4, 2) +
                     self.MAC + ip4(self.ROUTED) + a[8:14] + a[14:18])
            self.relay.inject(side, reply.ljust(60, b"\0"))
            return True
        if etype != 0x0800:
            return False
        ip = frame[14:]
        ihl = (ip[0] & 15) * 4
        if struct.unpack("!H", ip[6:8])[0] & 0x3FFF:  # MF or an offset
            self.fragments += 1
        if ip[9] == 1 and ip[ihl] == 3:
            self.unreach[ip[ihl + 1]] = self.unreach.get(ip[ihl + 1], 0) + 1
        if ip[16:20] == ip4(self.ROUTED) and ip[9] in (6, 17):
            dport = struct.unpack("!H", ip[ihl + 2:ihl + 4])[0]
            code = 3 if ip[9] == 6 and dport == self.REFUSED_PORT else 1
            body = struct.pack("!BBHI", 3, code, 0, 0) + ip[:ihl + 8]
            body = body[:2] + struct.pack("!H", csum(body)) + body[4:]
            hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(body), 0, 0, 64, 1, 0,
                              ip4(self.ROUTER), ip[12:16])
            hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
            self.relay.inject(side, frame[6:12] + self.MAC + b"\x08\x00" + hdr + body)
            return True
        return False


@qtest.case
def udp_fragmented_out_port_unreachable_and_icmp_errors_end_socket_ops(t):
    """Through the clean relay: B sends UDP datagrams of 1473, 4000 and 8184
    bytes (more than the 1500-byte MTU: they leave in IPv4 fragments, which
    the relay counts, no frame above 1514 bytes) and A's socket receives
    each whole. B's socket connected to A's port 7002, where nobody listens:
    A answers with ICMP port unreachable, and B's pending RECV ends with
    -ECONNREFUSED; with no receive pending the next recvfrom (once) and a
    later send report it; also for a 4000-byte datagram, which A reassembles
    before answering (the quote is the whole datagram's header). A router's neighbour played by the relay answers
    B's datagram to 192.168.60.9 with ICMP host unreachable: B's pending RECV
    ends with -EHOSTUNREACH. The same neighbour answers the SYN of B's `nc`
    with port unreachable (connect fails at once: "Connection refused") or
    host unreachable ("No route to host") instead of letting the SYN's
    retransmissions run out (-ETIMEDOUT)."""
    watch = LinkWatch()
    relay = Relay(tap=watch.tap)
    watch.relay = relay
    sizes = "1473 4000 8184"
    try:
        a, b = boot_pair(t, relay, TRANSFER_LIMIT + 200)
        a.send("qlink recvbig 7001 %s\n" % sizes)
        a.expect(r"receiving on 7001", timeout=60)
        b.send("qlink sendbig 192.168.60.1 7001 %s\n" % sizes)
        m = b.expect(r"qlink sendbig: (\d+) failed", timeout=120)
        t.check(m.group(1) == "0", "sendbig: %r" % b.out[-600:])
        m = a.expect(r"qlink recvbig: (\d+) failed", timeout=120)
        t.check(m.group(1) == "0", "recvbig: %r" % a.out[-600:])
        b.send("qlink refused 192.168.60.1 7002\n")
        m = b.expect(r"qlink refused: (\d+) failed", timeout=120)
        t.check(m.group(1) == "0", "refused: %r" % b.out[-800:])
        b.send("qlink refusedbig 192.168.60.1 7002\n")
        m = b.expect(r"qlink refusedbig: (\d+) failed", timeout=120)
        t.check(m.group(1) == "0", "refusedbig: %r" % b.out[-800:])
        b.send("qlink unreach %s 7003\n" % LinkWatch.ROUTED)
        m = b.expect(r"qlink unreach: (\d+) failed", timeout=120)
        t.check(m.group(1) == "0", "unreach: %r" % b.out[-600:])
        for port, tag, msg in ((LinkWatch.REFUSED_PORT, "nc-refused", "Connection refused"),
                               (7005, "nc-unreach", "No route to host")):
            b.send("nc %s %d < /dev/null; echo %s $?\n" % (LinkWatch.ROUTED, port, tag))
            m = b.expect(r"(?s)\n([^\n]*)\n%s (\d+)" % tag, timeout=200)
            t.check(m.group(2) == "1" and msg in m.group(1),
                    "nc to port %d: %r, status %s" % (port, m.group(1), m.group(2)))
        poweroff_guests(t, [a, b])
    finally:
        relay.close()
    print("fragments %d, unreachable by code %r, largest frame %d" %
          (watch.fragments, watch.unreach, watch.largest))
    t.check(watch.fragments >= 2 + 3 + 6, "too few fragments on the wire: %d" % watch.fragments)
    t.check(watch.largest <= 1514, "a frame above the MTU: %d bytes" % watch.largest)
    t.check(watch.unreach.get(3, 0) >= 4, "A sent no port unreachable: %r" % watch.unreach)


class Strangers:
    """The relay's tap for the ARP queue case: injects UDP datagrams from
    hosts the guest has never resolved, answers ARP for ANSWERS only from
    its second request on, never for SILENT, and counts the ARP requests and
    the ICMP port unreachable messages the guest sends to each."""

    SILENT, ANSWERS = "192.168.60.77", "192.168.60.78"
    MAC = {SILENT: b"\x52\x54\x00\x00\x60\x77", ANSWERS: b"\x52\x54\x00\x00\x60\x78"}

    def __init__(self):
        self.relay = None
        self.guest_mac = b"\x52\x54\x00\x00\x60\x01"
        self.requests = {self.SILENT: 0, self.ANSWERS: 0}
        self.unreach = {self.SILENT: 0, self.ANSWERS: 0}

    def datagram(self, src, dport, n):
        payload = b"stray %d" % n
        udp = struct.pack("!HHHH", 5555, dport, 8 + len(payload), 0) + payload
        hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), n, 0, 64, 17, 0, ip4(src),
                          ip4("192.168.60.1"))
        hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
        self.relay.inject(0, self.guest_mac + self.MAC[src] + b"\x08\x00" + hdr + udp)

    def tap(self, side, frame):
        etype = struct.unpack("!H", frame[12:14])[0]
        if etype == 0x0806:
            a = frame[14:42]
            target = ".".join(str(x) for x in a[24:28])
            if target in self.requests and struct.unpack("!H", a[6:8])[0] == 1:
                self.requests[target] += 1
                if target == self.ANSWERS and self.requests[target] >= 2:
                    mac = self.MAC[target]
                    reply = (a[8:14] + mac + b"\x08\x06" +
                             struct.pack("!HHBBH", 1, 0x0800, 6, 4, 2) + mac + a[24:28] +
                             a[8:14] + a[14:18])
                    self.relay.inject(side, reply.ljust(60, b"\0"))
            return True
        if etype == 0x0800:
            ip = frame[14:]
            dst = ".".join(str(x) for x in ip[16:20])
            if ip[9] == 1 and ip[20] == 3 and ip[21] == 3 and dst in self.unreach:
                self.unreach[dst] += 1
        return True


def pool_line(text, name):
    """(inuse, high) of pool @name in a `stats` output."""
    m = re.search(r"^%s\s+(\d+)\s+(\d+)\s+\d+\s+\d+$" % name, text, re.M)
    return (int(m.group(1)), int(m.group(2))) if m else None


@qtest.case
def arp_queue_holds_kernel_frames_bounded_and_gives_up(t):
    """Twelve UDP datagrams to a closed port of the guest from a host it has
    not resolved, which never answers ARP, then twelve from one that answers
    its second request. The guest's port unreachable answers wait in the ARP
    queue, at most 8 per address (pool `arpheld` high-water 16 with both, the
    rest refused): for the silent host the guest sends 3 ARP requests, then
    drops what it held (counted in tx-drop) and sends none of it; for the
    other, the held answers leave once it replies (8 of them). Afterwards the
    queue is empty (`arpheld` in use 0)."""
    watch = Strangers()
    relay = Relay(tap=watch.tap)
    watch.relay = relay
    try:
        s = t.start("--initrd", initrd(t), "--nic", "none", "--append", "nodhcp", "--",
                    "-netdev", relay.netdev(0),
                    "-device", "e1000,netdev=n1,mac=52:54:00:00:60:01", timeout=300)
        s.expect(r"# ", timeout=90)
        s.send("ifconfig eth0 192.168.60.1 netmask 255.255.255.0; echo cfg $?\n")
        t.check(s.expect(r"cfg (\d+)", timeout=30).group(1) == "0", "ifconfig failed")
        for src in (Strangers.SILENT, Strangers.ANSWERS):  # the silent one may not take all
            for n in range(12):
                watch.datagram(src, 9999, n)
        time.sleep(8)  # 3 requests 1 s apart and the last second: the silent entry gave up
        s.send("stats\n")
        s.expect(r"tcp no-socket", timeout=60)
        stats = s.out
        s.send("poweroff\n")
        t.expect_status(s.finish(), 0)
    finally:
        relay.close()
    print("arp requests %r, port unreachable %r" % (watch.requests, watch.unreach))
    t.check(watch.requests[Strangers.SILENT] == 3, "ARP requests for the silent host: %r" %
            watch.requests)
    t.check(watch.unreach[Strangers.SILENT] == 0 and watch.unreach[Strangers.ANSWERS] == 8,
            "port unreachable sent: %r (8 held for the host that answered)" % watch.unreach)
    t.check(pool_line(stats, "arpheld") == (0, 16), "arpheld pool: %r" %
            (pool_line(stats, "arpheld"),))
    drop = re.search(r"^eth0 .* tx-drop (\d+) ", stats, re.M)
    t.check(drop and int(drop.group(1)) == 8, "tx-drop: %r" % (drop and drop.group(0)))


if __name__ == "__main__":
    qtest.main("netlink")
