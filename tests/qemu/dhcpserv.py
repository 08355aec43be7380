"""dhcpserv - a small DHCP server (RFC 2131) that plays a host on a relay's
link (tests/qemu/lossyrelay.py, as its tap): it answers ARP for its own
address and DHCP on port 67, with Ethernet frames built and parsed here,
and logs every client message it sees. Which requests it answers is the
test's choice (`answer(kind, n)`), so a test can let a renewal go
unanswered and watch the client rebind and, later, lose its lease.
"""

import struct
import threading
import time

BCAST_MAC = b"\xff" * 6
DISCOVER, OFFER, REQUEST, ACK = 1, 2, 3, 5


def ip4(text):
    return bytes(int(x) for x in text.split("."))


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


class DhcpServer:
    """Serves @client_ip from @server_ip (mask /24, router = server).
    @leases(n) gives (lease, t1, t2) seconds for the n-th ACK (0-based).
    @answer(kind, n) decides whether to answer the n-th message of @kind
    ("discover", "select", "renew" = unicast with ciaddr, "rebind" =
    broadcast with ciaddr); True by default."""

    def __init__(self, server_ip, client_ip, mac=b"\x52\x54\x00\x00\x77\x01",
                 leases=lambda n: (3600, 1800, 3150), answer=lambda kind, n: True):
        self.server, self.client, self.mac = ip4(server_ip), ip4(client_ip), mac
        self.leases, self.answer = leases, answer
        self.relay = None
        self.log = []  # (monotonic time, kind, answered)
        self.acks = []  # monotonic times of the ACKs sent
        self.counts = {}
        self.lock = threading.Lock()

    def attach(self, relay):
        self.relay = relay

    def tap(self, side, frame):
        if len(frame) < 14:
            return False
        etype = struct.unpack("!H", frame[12:14])[0]
        if etype == 0x0806:
            return self._arp(side, frame)
        if etype == 0x0800 and len(frame) >= 14 + 20 + 8 + 240:
            ip = frame[14:]
            ihl = (ip[0] & 15) * 4
            if ip[9] == 17 and struct.unpack("!H", ip[ihl + 2:ihl + 4])[0] == 67:
                self._dhcp(side, frame[6:12], ip[16:20], ip[ihl + 8:])
                return True
        return False

    def _arp(self, side, frame):
        a = frame[14:42]
        if len(a) < 28 or struct.unpack("!H", a[6:8])[0] != 1 or a[24:28] != self.server:
            return False
        reply = (a[8:14] + self.mac + b"\x08\x06" +
                 struct.pack("!HHBBH", 1, 0x0800, 6, 4, 2) + self.mac + self.server +
                 a[8:14] + a[14:18])
        self.relay.inject(side, reply.ljust(60, b"\0"))
        return True

    def _dhcp(self, side, src_mac, ip_dst, m):
        opts, i = {}, 240
        while i + 1 < len(m) and m[i] != 255:
            if m[i] == 0:
                i += 1
                continue
            opts[m[i]] = m[i + 2:i + 2 + m[i + 1]]
            i += 2 + m[i + 1]
        mtype = opts.get(53, b"\0")[0]
        ciaddr = m[12:16]
        if mtype == DISCOVER:
            kind = "discover"
        elif mtype == REQUEST and ciaddr == b"\0\0\0\0":
            kind = "select"
        elif mtype == REQUEST:
            kind = "renew" if ip_dst == self.server else "rebind"
        else:
            return
        with self.lock:
            n = self.counts.get(kind, 0)
            self.counts[kind] = n + 1
            ok = self.answer(kind, n)
            self.log.append((time.monotonic(), kind, ok))
        if not ok:
            return
        if mtype == DISCOVER:
            self._reply(side, m, OFFER, self.leases(len(self.acks)))
        else:
            self._reply(side, m, ACK, self.leases(len(self.acks)))
            with self.lock:
                self.acks.append(time.monotonic())

    def _reply(self, side, req, mtype, lease):
        lease_s, t1, t2 = lease
        body = (struct.pack("!BBBB", 2, 1, 6, 0) + req[4:8] + b"\0" * 4 + req[12:16] +
                self.client + self.server + b"\0" * 4 + req[28:44] + b"\0" * 192 +
                b"\x63\x82\x53\x63")
        body += bytes([53, 1, mtype, 54, 4]) + self.server
        body += bytes([51, 4]) + struct.pack("!I", lease_s)
        body += bytes([58, 4]) + struct.pack("!I", t1) + bytes([59, 4]) + struct.pack("!I", t2)
        body += bytes([1, 4, 255, 255, 255, 0, 3, 4]) + self.server + b"\xff"
        body = body.ljust(300, b"\0")
        udp = struct.pack("!HHHH", 67, 68, 8 + len(body), 0) + body  # checksum 0: none
        hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                          self.server, b"\xff" * 4)
        hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
        self.relay.inject(side, BCAST_MAC + self.mac + b"\x08\x00" + hdr + udp)

    def kinds(self):
        with self.lock:
            return [(k, ok) for _, k, ok in self.log]
