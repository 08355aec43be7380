#!/usr/bin/env python3
"""The network stack (net/, drivers/net/) through the shell, on QEMU's
user-mode network (slirp: the guest is 10.0.2.15, the gateway 10.0.2.2, and
datagrams to 10.0.2.2:PORT reach 127.0.0.1:PORT on the host).

The host-side peer is a UDP server on 127.0.0.1 (UdpPeer): "echo ..." comes
back as is, "burst N" comes back as N datagrams "burst i of N". Guest side:
tests/qemu/progs/qnet.c, ping and ifconfig.
"""

import re
import socket
import threading

import qtest
from qtest import initrd, output_of, pool_counts


class UdpPeer:
    """A UDP echo/burst server on 127.0.0.1, in a thread, for one case."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.5)
        self.port = self.sock.getsockname()[1]
        self.received = 0
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while self.running:
            try:
                data, addr = self.sock.recvfrom(65536)
            except socket.timeout:
                continue
            except OSError:
                return
            self.received += 1
            if data.startswith(b"echo "):
                self.sock.sendto(data, addr)
            elif data.startswith(b"big "):
                n = int(data[4:])
                self.sock.sendto(bytes(i % 251 for i in range(n)), addr)
            elif data.startswith(b"burst "):
                n = int(data[6:])
                for i in range(n):
                    self.sock.sendto(b"burst %d of %d" % (i, n), addr)

    def close(self):
        self.running = False
        self.thread.join(timeout=5)
        self.sock.close()


def run_shell(t, lines, nic="e1000", append=None, timeout=120):
    """@lines then poweroff in the shell on @nic; the transcript."""
    args = ["--initrd", initrd(t), "--nic", nic]
    if append:
        args += ["--append", append]
    # Boot waits for the lease: the first line may use the network.
    script = "".join(line + "\n" for line in lines) + "poweroff\n"
    r = t.qemu(*args, input=script, timeout=timeout)
    t.expect_status(r, 0)
    return r.out


def check_lease(t, out, nic):
    lease = out.find("dhcp: eth0 leased 10.0.2.15 gateway 10.0.2.2")
    t.check(lease >= 0, "no DHCP lease on %s: %r" % (nic, out[-400:]))
    t.check(lease < out.find("# "), "the lease came after the shell started: %r" % out[:600])
    text = output_of(t, out, "ifconfig")
    t.check(re.search(r"inet addr:10\.0\.2\.15\s+Mask:255\.255\.255\.0\s+Gateway:10\.0\.2\.2",
                      text), "ifconfig does not show the lease: %r" % text)
    t.check("UP  DHCP" in text, "ifconfig flags: %r" % text)
    rx = re.search(r"RX packets:(\d+)\s+TX packets:(\d+)", text)
    t.check(rx and int(rx.group(1)) >= 2 and int(rx.group(2)) >= 2,
            "ifconfig counters: %r" % text)


def check_ping(t, out):
    text = output_of(t, out, "ping -c 3 10.0.2.2")
    replies = re.findall(r"^64 bytes from 10\.0\.2\.2: icmp_seq=(\d) ttl=\d+ time=[\d.]+ ms$",
                         text, re.M)
    t.check(replies == ["1", "2", "3"], "ping replies: %r" % text)
    t.check(re.search(r"^3 packets transmitted, 3 received, 0% packet loss, time \d+ms$", text,
                      re.M), "ping summary (iputils): %r" % text)
    t.check(re.search(r"^rtt min/avg/max/mdev = [\d.]+/[\d.]+/[\d.]+/[\d.]+ ms$", text, re.M),
            "ping rtt line: %r" % text)


def check_udp_echo(t, out, port, n):
    text = output_of(t, out, "qnet echo %d %d" % (port, n))
    t.check("qnet echo: 0 failed" in text, "qnet echo: %r" % text)
    t.check("echoed %d of %d" % (n, n) in text, "qnet echo count: %r" % text)


def on_nic(t, nic, zero_copy):
    peer = UdpPeer()
    try:
        out = run_shell(t, ["ifconfig", "ping -c 3 10.0.2.2", "qnet echo %d 40" % peer.port,
                            "stats"], nic=nic)
    finally:
        peer.close()
    check_lease(t, out, nic)
    check_ping(t, out)
    check_udp_echo(t, out, peer.port, 40)
    t.check(peer.received >= 40, "the host peer got %d datagrams" % peer.received)
    stats = output_of(t, out, "stats")
    pools = pool_counts(stats)
    t.check(pools.get("socket") == 0 and pools.get("netpkt") == 0,
            "sockets or packets leaked: %r" % pools)
    t.check(re.search(r"^eth0 \S+.* link up inet 10\.0\.2\.15 .* dhcp bound ", stats, re.M),
            "stats has no eth0 line: %r" % stats[-500:])
    irqs = re.search(r"^eth0 .* irqs (\d+) ", stats, re.M)
    t.check(irqs and int(irqs.group(1)) >= 10, "%s raised no interrupts: %r" % (nic, stats[-400:]))
    zc = re.search(r"^eth0 .* tx-zero-copy (\d+)$", stats, re.M)
    t.check(zc and (int(zc.group(1)) >= 40 if zero_copy else int(zc.group(1)) == 0),
            "datagrams sent from the user's pages on %s: %r" % (nic, zc and zc.group(0)))


@qtest.case
def e1000_dhcp_lease_ping_gateway_udp_echo_to_host(t):
    """e1000: the DHCP lease (10.0.2.15, gateway 10.0.2.2) is what ifconfig
    shows; ping -c 3 10.0.2.2 gets 3 replies and the iputils summary; 40
    datagrams of 5..1399 bytes to a UDP peer on the host's 127.0.0.1 come
    back intact from the right sender, the card's interrupts counted (the
    receive path is IRQ-driven), their payload read by the card from
    the sender's pages (tx-zero-copy in stats); no socket or packet is left
    in use."""
    on_nic(t, "e1000", zero_copy=True)


@qtest.case
def rtl8139_dhcp_lease_ping_gateway_udp_echo_to_host(t):
    """The same on the RTL8139 (qemu/run --nic rtl8139) in C+ mode, whose
    transmit descriptors also read the datagrams' payload from the sender's
    pages (tx-zero-copy)."""
    on_nic(t, "rtl8139", zero_copy=True)


@qtest.case
def udp_recv_async_deadline_cancel_and_multishot_into_provided_buffers(t):
    """qnet async: a RECV with a deadline ends -ETIMEDOUT once, a cancelled one
    -ECANCELED once; a multishot RECV with a provided-buffer queue gets the
    host's burst of 6 datagrams as 6 MORE|BUF events, intact, and its cancel
    posts exactly one final event; while it is pending the kernel's socket
    table (`stats`, TIO_KINFO_NET) lists the socket with one receive op. Then qnet errors: bad arguments get their
    errors and the kernel keeps running."""
    peer = UdpPeer()
    try:
        out = run_shell(t, ["qnet async %d" % peer.port, "qnet errors", "stats"])
    finally:
        peer.close()
    for mode, text in (("async", output_of(t, out, "qnet async %d" % peer.port)),
                       ("errors", output_of(t, out, "qnet errors"))):
        t.check("qnet %s: 0 failed" % mode in text,
                "qnet %s: %r" % (mode, [l for l in text.splitlines()
                                        if not l.startswith("ok ")]))
    pools = pool_counts(output_of(t, out, "stats"))
    t.check(pools.get("socket") == 0 and pools.get("netpkt") == 0 and
            pools.get("async_op") == 0, "leaked: %r" % pools)


@qtest.case
def dhcp_lease_renewed_and_static_ifconfig(t):
    """With dhcp_renew=2 the lease is renewed (a REQUEST with ciaddr, ACKed)
    every 2 s while the shell runs (stats counts the renewals); `ifconfig eth0 10.0.2.20 netmask
    255.255.255.0` sets a static address (DHCP off) and ping still reaches the
    gateway from it (ARP learns the new address); a bad netmask is refused."""
    out = run_shell(t, ["sleep 5", "stats", "ifconfig eth0 10.0.2.20 netmask 255.0.255.0",
                        "ifconfig eth0 10.0.2.20 netmask 255.255.255.0", "ifconfig",
                        "ping -c 3 10.0.2.2"], append="dhcp_renew=2")
    renewals = re.search(r"^eth0 .* dhcp (\w+) renewals (\d+) ", output_of(t, out, "stats"), re.M)
    t.check(renewals and int(renewals.group(2)) >= 2, "no renewals: %r" % out[-600:])
    bad = output_of(t, out, "ifconfig eth0 10.0.2.20 netmask 255.0.255.0")
    t.check("Invalid argument" in bad, "a non-contiguous netmask was taken: %r" % bad)
    text = output_of(t, out, "ifconfig")
    t.check("inet addr:10.0.2.20  Mask:255.255.255.0" in text, "static address: %r" % text)
    t.check("DHCP" not in text.split("MTU")[0].split("Gateway")[1], "still DHCP: %r" % text)
    check_ping(t, out)


@qtest.case
def arp_wait_bounded_and_fragments_reassembled(t):
    """qnet arp: a send to an on-link address nobody answers waits for ARP as an
    async op and fails -EHOSTUNREACH after the retries; cancelling one such
    SEND completes it once with -ECANCELED. qnet big: 4000- and 7000-byte
    datagrams from the host arrive in IPv4 fragments and are reassembled whole."""
    peer = UdpPeer()
    try:
        out = run_shell(t, ["qnet arp", "qnet big %d 4000" % peer.port,
                            "qnet big %d 7000" % peer.port, "stats"])
    finally:
        peer.close()
    for line in ("qnet arp", "qnet big %d 4000" % peer.port, "qnet big %d 7000" % peer.port):
        text = output_of(t, out, line)
        t.check(re.search(r"qnet \w+: 0 failed", text), "%s: %r" % (line, text))
    pools = pool_counts(output_of(t, out, "stats"))
    t.check(pools.get("socket") == 0 and pools.get("async_op") == 0, "leaked: %r" % pools)


@qtest.case
def two_guests_private_link_static_addresses(t):
    """Two kernels on a private Ethernet (QEMU -netdev socket over 127.0.0.1,
    no user-mode network, nodhcp), each given a static address with ifconfig:
    B pings A (ARP both ways, A's kernel answers the echo) and sends 20 UDP
    datagrams to A's `qnet serve`, which echoes them back intact."""
    port = qtest.free_tcp_port()
    link = "socket,id=n1,%s=127.0.0.1:%d"
    guests = []
    for i, role in enumerate(("listen", "connect")):
        s = t.start("--initrd", initrd(t), "--nic", "none", "--append", "nodhcp", "--",
                    "-netdev", link % (role, port),
                    "-device", "e1000,netdev=n1,mac=52:54:00:00:50:%02x" % (i + 1), timeout=150)
        s.expect(r"# ", timeout=60)
        s.send("ifconfig eth0 192.168.50.%d netmask 255.255.255.0\n" % (i + 1))
        s.expect(r"# ", timeout=30)
        guests.append(s)
    a, b = guests
    a.send("qnet serve 7000 20\n")
    a.expect(r"serving on 7000", timeout=30)
    b.send("ping -c 3 192.168.50.1\n")
    b.expect(r"3 packets transmitted, 3 received, 0% packet loss", timeout=60)
    b.send("qnet echo 7000 20 192.168.50.1\n")
    b.expect(r"echoed 20 of 20", timeout=60)
    b.expect(r"qnet echo: 0 failed", timeout=30)
    a.expect(r"qnet serve: 0 failed", timeout=30)
    for s in guests:
        s.send("poweroff\n")
        t.expect_status(s.finish(), 0)


if __name__ == "__main__":
    qtest.main("net")
