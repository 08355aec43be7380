#!/usr/bin/env python3
"""Path-MTU discovery, the kernel's own fragmented output and ICMP errors on
multishot UDP receives, between two kernel guests on the link of
tests/qemu/lossyrelay.py (clean: nothing lost). The relay's tap plays a
router (MtuRouter) whose next hop carries at most `mtu` bytes of IP: an IPv4
frame above it with DF set is dropped and answered with ICMP "fragmentation
needed" (type 3 code 4) carrying that MTU, as RFC 1191 routers do; one
without DF is dropped too (counted), which is what the guests' TCP sent
before it set DF. With `mtu` None every frame passes. With `outage_after`
N, once N TCP frames with data went from B to A the router loses the route
to A: B's TCP frames with data are dropped and answered with ICMP host
unreachable (code 1), until the test sets `outage_after` back to None.
"""

import struct
import threading
import time

import qtest
from dhcpserv import csum, ip4
from lossyrelay import (Relay, boot_pair, expect_sent, expect_seq_at_a, poweroff_guests,
                        send_seq_b_to_a)

SEQ_1MIB = 170000  # `seq 1 170000` is 1108895 bytes
TRANSFER_LIMIT = 150  # generous: two TCG guests on a shared 2-core machine


class MtuRouter:
    """The relay's tap: a router with a small next-hop MTU, and a frame counter."""

    MAC = b"\x52\x54\x00\x00\x60\xfe"
    ROUTER = "192.168.60.254"

    def __init__(self):
        self.relay = None
        self.mtu = None
        self.lock = threading.Lock()
        self.frag_needed = 0  # ICMP messages sent
        self.dropped_nodf = 0  # frames above mtu without DF
        self.full_tcp = 0  # forwarded TCP frames of exactly mtu bytes of IP
        self.largest = 0  # largest frame seen
        self.icmp_frags = [0, 0]  # ICMP fragments (MF or an offset) sent by side 0 and 1
        self.outage_after = None
        self.report_mtu = True  # False: the MTU field of the ICMP is 0, as old routers send
        self.sizes = {}  # IP lengths of the TCP frames with data forwarded from B: count
        self.too_big = set()  # IP lengths of the frames answered with fragmentation needed
        self.data_frames = 0  # TCP frames with data from B (side 1)
        self.unreach = 0  # host unreachable messages sent
        self.unreach_seqs = set()  # sequence numbers of the segments answered so
        self.unreach_again = 0  # of them, retransmissions answered again

    def tap(self, side, frame):
        with self.lock:
            self.largest = max(self.largest, len(frame))
            if struct.unpack("!H", frame[12:14])[0] != 0x0800:
                return False
            ip = frame[14:]
            total, frag = struct.unpack("!H", ip[2:4])[0], struct.unpack("!H", ip[6:8])[0]
            if ip[9] == 1 and frag & 0x3FFF:
                self.icmp_frags[side] += 1
            ihl = (ip[0] & 15) * 4
            if side == 1 and ip[9] == 6 and total > ihl + (ip[ihl + 12] >> 4) * 4:
                self.data_frames += 1
                if self.mtu is None or total <= self.mtu:
                    self.sizes[total] = self.sizes.get(total, 0) + 1
                if self.outage_after is not None and self.data_frames > self.outage_after:
                    self.unreach += 1
                    seq = ip[ihl + 4:ihl + 8]
                    self.unreach_again += seq in self.unreach_seqs
                    self.unreach_seqs.add(seq)
                    self.relay.inject(side, self.icmp_frame(frame, ip, 1, 0))
                    return True
            if self.mtu is None or total <= self.mtu:
                if self.mtu is not None and ip[9] == 6 and total == self.mtu:
                    self.full_tcp += 1
                return False
            if not frag & 0x4000:
                self.dropped_nodf += 1
                return True
            self.frag_needed += 1
            self.too_big.add(total)
            self.relay.inject(side, self.icmp_frame(frame, ip, 4,
                                                    self.mtu if self.report_mtu else 0))
            return True

    def icmp_frame(self, frame, ip, code, mtu):
        """ICMP destination unreachable @code (next-hop @mtu) to the sender of @frame, quoting
        its header and 8 bytes."""
        ihl = (ip[0] & 15) * 4
        body = struct.pack("!BBHHH", 3, code, 0, 0, mtu) + ip[:ihl + 8]
        body = body[:2] + struct.pack("!H", csum(body)) + body[4:]
        hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(body), 0, 0, 64, 1, 0,
                          ip4(self.ROUTER), ip[12:16])
        hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
        return frame[6:12] + self.MAC + b"\x08\x00" + hdr + body


@qtest.case
def tcp_lowers_mss_on_frag_needed_and_kernel_fragments_its_echo_reply(t):
    """1. B pings A with one ICMP echo request of 3000 bytes (qpmtu ping, then
    `ping -c 1 -s 2992`): A answers with a 3000-byte reply, which leaves A
    in IPv4 fragments (the relay counts at least 3 from A, no frame above
    1514 bytes) and reaches B whole. (Before: A dropped the reply, too big to
    send unfragmented.)
    2. The router's next hop then carries 1000 bytes: B's nc sends 1 MiB to
    A's nc -l. B's first full-sized segments (1500 bytes, DF) are answered
    with fragmentation needed; B lowers its MSS to 960 and sends the data
    again: A's sha256 equals the host's, TCP frames of exactly 1000 bytes
    went through, no frame without DF was above the MTU, and B believed
    every ICMP message (`icmp-ignored 0` in `stats`). (Before: no DF,
    the ICMP was ignored, and nothing got through.)"""
    router = MtuRouter()
    relay = Relay(tap=router.tap)
    router.relay = relay
    try:
        a, b = boot_pair(t, relay, TRANSFER_LIMIT + 200)
        b.send("qpmtu ping 192.168.60.1 3000\n")
        m = b.expect(r"qpmtu ping: (\d+) failed", timeout=60)
        t.check(m.group(1) == "0", "ping: %r" % b.out[-600:])
        b.send("ping -c 1 -s 2992 192.168.60.1; echo ping-status $?\n")
        m = b.expect(r"(?s)PING .*?ping-status (\d+)", timeout=60)
        t.check(m.group(1) == "0" and "3000 bytes from 192.168.60.1: icmp_seq=1" in m.group(0),
                "ping -s 2992: %r" % m.group(0))
        with router.lock:
            router.mtu = 1000
        send_seq_b_to_a(a, b, SEQ_1MIB)
        expect_sent(t, b, TRANSFER_LIMIT)
        expect_seq_at_a(t, a, SEQ_1MIB, 60)
        b.send("stats\n")
        m = b.expect(r"tcp no-socket .* icmp-ignored (\d+)", timeout=60)
        t.check(m.group(1) == "0", "B ignored %s of the router's ICMP messages" % m.group(1))
        poweroff_guests(t, [a, b])
    finally:
        relay.close()
    print("router: frag-needed %d, dropped without DF %d, full-sized TCP frames %d, largest "
          "frame %d, ICMP fragments by side %r" %
          (router.frag_needed, router.dropped_nodf, router.full_tcp, router.largest,
           router.icmp_frags))
    t.check(router.icmp_frags[0] >= 6, "A's echo replies was not fragmented: %r" %
            router.icmp_frags)
    t.check(router.largest <= 1514, "a frame above the Ethernet MTU: %d" % router.largest)
    t.check(router.frag_needed >= 1, "no segment of B needed the router's ICMP")
    t.check(router.dropped_nodf == 0, "%d TCP frames above the MTU without DF" %
            router.dropped_nodf)
    t.check(router.full_tcp > 100, "too few segments of the lowered MSS: %d" % router.full_tcp)


@qtest.case
def multishot_udp_receive_ends_on_icmp_port_unreachable(t):
    """B's UDP socket connected to A's port 7002, where nobody listens (qpmtu
    udpms): a multishot RECV pending when A's port unreachable comes back
    ends with one final event, -ECONNREFUSED, no TIO_EV_MORE (as Linux's
    multishot recv ends on the socket's error); an error that came with no
    receive pending ends the next multishot RECV at once, and only once.
    (Before: the multishot receive went on and never heard of it.)"""
    relay = Relay()
    try:
        a, b = boot_pair(t, relay, TRANSFER_LIMIT + 200)
        b.send("qpmtu udpms 192.168.60.1 7002\n")
        m = b.expect(r"qpmtu udpms: (\d+) failed", timeout=90)
        t.check(m.group(1) == "0", "udpms: %r" % b.out[-800:])
        poweroff_guests(t, [a, b])
    finally:
        relay.close()



@qtest.case
def established_tcp_keeps_host_unreachable_as_soft_error_and_survives(t):
    """B's nc sends 1 MiB to A's nc -l (in the background on B). After 100
    of B's data segments the router loses the route to A for a while: it
    answers B's segments with ICMP host unreachable. B's connection stays
    established and retransmits; `stats` shows the soft error on its socket
    line (`soft-err -113`, -EHOSTUNREACH). When the route is back the
    transfer goes on: A's sha256 equals the host's (nothing aborted).
    (Before: the error was ignored, nothing kept.)"""
    router = MtuRouter()
    router.outage_after = 100
    relay = Relay(tap=router.tap)
    router.relay = relay
    try:
        a, b = boot_pair(t, relay, TRANSFER_LIMIT + 200)
        send_seq_b_to_a(a, b, SEQ_1MIB, background=True)
        deadline = time.monotonic() + 60
        # Until a retransmission got its error: then no ACK of new data can come (A gets
        # nothing) to clear the soft error before `stats`.
        while time.monotonic() < deadline and not router.unreach_again:
            time.sleep(0.2)
        t.check(router.unreach_again, "no retransmission reached the outage (%d data frames)" %
                router.data_frames)
        b.send("stats\n")
        m = b.expect(r"tcp +192\.168\.60\.2:\d+ 192\.168\.60\.1:7000 (\S+)[^\n]*?"
                     r"(?: soft-err (-?\d+))?\r?\n", timeout=60)
        print("during the outage: %r" % m.group(0))
        t.check(m.group(1) == "ESTAB" and m.group(2) == "-113",
                "B's connection during the outage: %r" % m.group(0))
        with router.lock:
            router.outage_after = None
        expect_seq_at_a(t, a, SEQ_1MIB, TRANSFER_LIMIT)
        b.send("wait; echo waited\n")
        b.expect(r"waited", timeout=60)
        poweroff_guests(t, [a, b])
    finally:
        relay.close()
    print("router: host unreachable sent %d, B's data frames %d" %
          (router.unreach, router.data_frames))



@qtest.case
def tcp_steps_down_rfc1191_plateaus_when_router_reports_no_mtu(t):
    """The router's next hop carries 1000 bytes but its fragmentation-needed
    messages carry MTU 0 (RFC 1191's old routers): B estimates the path MTU
    from the plateau table below the quoted datagram's length, 1500 -> 1492
    -> 1006 -> 508, raised to 552 (the minimum believed): the router sees
    B's frames of 1492 and then 1006 bytes, and 1 MiB from B's nc arrives
    intact at A, in TCP frames of 552 bytes (MSS 512)."""
    router = MtuRouter()
    router.mtu = 1000
    router.report_mtu = False
    relay = Relay(tap=router.tap)
    router.relay = relay
    try:
        a, b = boot_pair(t, relay, TRANSFER_LIMIT + 200)
        send_seq_b_to_a(a, b, SEQ_1MIB)
        expect_sent(t, b, TRANSFER_LIMIT)
        expect_seq_at_a(t, a, SEQ_1MIB, 60)
        poweroff_guests(t, [a, b])
    finally:
        relay.close()
    big = sorted(router.sizes.items(), key=lambda kv: -kv[1])[:4]
    print("router: frag-needed %d for sizes %r, B's data frame sizes (most frequent) %r" %
          (router.frag_needed, sorted(router.too_big), big))
    # Segments shorter than the MSS may be too big too: only the plateaus' frames must be there.
    t.check({1492, 1006} <= router.too_big, "not the plateaus: %r" % sorted(router.too_big))
    t.check(big and big[0][0] == 552 and big[0][1] > 1000,
            "B's data frames are not mostly 552 bytes: %r" % big)


if __name__ == "__main__":
    qtest.main("netpmtu")
