"""lossyrelay - a host-side Ethernet link between two QEMU guests that loses,
delays, reorders and duplicates frames, for the two-guest network tests.

Each guest gets `-netdev socket,id=n1,udp=127.0.0.1:RELAY,localaddr=127.0.0.1:GUEST`
(QEMU 7.2's UDP socket backend: one UDP datagram per Ethernet frame, sent to
RELAY, received on GUEST). The relay owns one UDP socket per side and
forwards every frame from one guest to the other, after its impairments:

    drop      the frame is not forwarded
    dup       the frame is forwarded twice
    reorder   the frame is held until the next frame of the same direction
              has gone (the two swap places)
    delay     the frame leaves DELAY_MIN..DELAY_MAX seconds late (frames
              behind it may overtake it)

each with its probability, drawn from random.Random(seed), so a run's
choices are fixed by the seed (the guests' timing still varies).
`cut_after=N` forwards the first N frames and drops every later one: the
link dies, which a test must notice.

A `tap(side, frame)` callback, if given, sees each frame a guest sent and
may return True to consume it (not forwarded): a test can play a host on
the link (tests/qemu/test_netlink.py's DHCP server does). `inject(side,
frame)` sends a frame to that guest.

boot_pair() boots two kernel guests on a relay's link with static addresses
and poweroff_guests() ends them; send_seq_b_to_a(), expect_sent() and
expect_seq_at_a() are their TCP transfer: B's nc sends `seq 1 N` to A's
`nc -l | sha256sum`.
"""

import hashlib
import heapq
import random
import select
import socket
import threading
import time

import qtest

DELAY_MIN = 0.005
DELAY_MAX = 0.080


def free_udp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Relay:
    def __init__(self, seed=1, drop=0.0, dup=0.0, reorder=0.0, delay=0.0, cut_after=None,
                 tap=None):
        self.rng = random.Random(seed)
        self.drop, self.dup, self.reorder, self.delay = drop, dup, reorder, delay
        self.cut_after = cut_after
        self.tap = tap
        self.socks = []
        for _ in range(2):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind(("127.0.0.1", 0))
            self.socks.append(s)
        self.guest_ports = [free_udp_port(), free_udp_port()]
        self.counts = {"frames": 0, "dropped": 0, "duplicated": 0, "reordered": 0,
                       "delayed": 0, "cut": 0}
        self.held = [None, None]  # per direction: a frame waiting to swap places
        self.timers = []  # heap of (when, seq, side, frame)
        self.seq = 0
        self.lock = threading.Lock()
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def netdev(self, side, ident="n1"):
        """The -netdev argument for the guest on @side (0 or 1)."""
        return "socket,id=%s,udp=127.0.0.1:%d,localaddr=127.0.0.1:%d" % (
            ident, self.socks[side].getsockname()[1], self.guest_ports[side])

    def inject(self, side, frame):
        """Sends @frame to the guest on @side, unimpaired (lost if nobody listens there)."""
        try:
            self.socks[side].sendto(frame, ("127.0.0.1", self.guest_ports[side]))
        except OSError:
            pass

    def _later(self, when, side, frame):
        self.seq += 1
        heapq.heappush(self.timers, (when, self.seq, side, frame))

    def _forward(self, src, frame):
        """A frame from the guest on @src: impair it, then send it to the other one."""
        dst = 1 - src
        c = self.counts
        c["frames"] += 1
        if self.cut_after is not None and c["frames"] > self.cut_after:
            c["cut"] += 1
            return
        r = self.rng.random()
        if r < self.drop:
            c["dropped"] += 1
            return
        copies = 1
        if self.rng.random() < self.dup:
            c["duplicated"] += 1
            copies = 2
        if self.rng.random() < self.delay:
            c["delayed"] += 1
            when = time.monotonic() + self.rng.uniform(DELAY_MIN, DELAY_MAX)
            for _ in range(copies):
                self._later(when, dst, frame)
            return
        if self.held[src] is None and self.rng.random() < self.reorder:
            c["reordered"] += 1
            self.held[src] = (frame, copies, time.monotonic() + DELAY_MAX)
            return
        for _ in range(copies):
            self.inject(dst, frame)
        if self.held[src] is not None:  # the held frame goes after this one
            held, n, _ = self.held[src]
            self.held[src] = None
            for _ in range(n):
                self.inject(dst, held)

    def _due(self):
        now = time.monotonic()
        while self.timers and self.timers[0][0] <= now:
            _, _, side, frame = heapq.heappop(self.timers)
            self.inject(side, frame)
        for src in (0, 1):  # a held frame nobody overtook leaves after DELAY_MAX
            if self.held[src] is not None and self.held[src][2] <= now:
                frame, n, _ = self.held[src]
                self.held[src] = None
                for _ in range(n):
                    self.inject(1 - src, frame)

    def _run(self):
        while self.running:
            ready, _, _ = select.select(self.socks, [], [], 0.005)
            with self.lock:
                for s in ready:
                    src = self.socks.index(s)
                    try:
                        frame = s.recv(65536)
                    except OSError:
                        continue
                    if self.tap and self.tap(src, frame):
                        continue
                    self._forward(src, frame)
                self._due()

    def close(self):
        self.running = False
        self.thread.join(timeout=5)
        for s in self.socks:
            s.close()


def boot_pair(t, relay, timeout):
    """Boots guests A (192.168.60.1, MAC 52:54:00:00:60:01) and B (.2, :02)
    on @relay's link, the test initrd and `nodhcp` (no user-mode network;
    each session has @timeout), waits for their prompts and gives each its
    address with ifconfig: [A, B]."""
    guests = []
    for side in (0, 1):
        guests.append(t.start("--initrd", qtest.initrd(t), "--nic", "none", "--append", "nodhcp",
                              "--", "-netdev", relay.netdev(side), "-device",
                              "e1000,netdev=n1,mac=52:54:00:00:60:%02x" % (side + 1),
                              timeout=timeout))
    for side, s in enumerate(guests):
        s.expect(r"# ", timeout=90)
        s.send("ifconfig eth0 192.168.60.%d netmask 255.255.255.0; echo cfg $?\n" % (side + 1))
        t.check(s.expect(r"cfg (\d+)", timeout=30).group(1) == "0", "ifconfig failed")
    return guests


def poweroff_guests(t, guests):
    """`poweroff` in every session of @guests; each must exit 0."""
    for s in guests:
        s.send("poweroff\n")
    for s in guests:
        t.expect_status(s.finish(timeout=90), 0)


def seq_bytes(last):
    """What `seq 1 @last` prints."""
    return b"".join(b"%d\n" % i for i in range(1, last + 1))


def send_seq_b_to_a(a, b, last, background=False):
    """Guest A runs `nc -l -p 7000 | sha256sum`; guest B sends it `seq 1
    @last` with nc 3 s later, in the background when @background (else its
    status follows: expect_sent)."""
    a.send("nc -l -p 7000 < /dev/null | sha256sum; echo nc-l-status $?\n")
    if background:
        b.send("sleep 3; seq 1 %d | nc 192.168.60.1 7000 &\n" % last)
    else:
        b.send("sleep 3; seq 1 %d | nc 192.168.60.1 7000; echo nc-status $?\n" % last)


def expect_sent(t, b, timeout):
    """B's nc of send_seq_b_to_a exits 0 within @timeout."""
    m = b.expect(r"nc-status (\d+)", timeout=timeout)
    t.check(m.group(1) == "0", "the sending nc exited with %s" % m.group(1))


def expect_seq_at_a(t, a, last, timeout):
    """A's `nc -l` of send_seq_b_to_a exits 0 within @timeout and the sha256
    of what it received is that of `seq 1 @last`."""
    want = hashlib.sha256(seq_bytes(last)).hexdigest()
    m = a.expect(r"([0-9a-f]{64})\s+\S*\s*nc-l-status (\d+)", timeout=timeout)
    t.check(m.group(2) == "0", "nc -l exited with %s" % m.group(2))
    t.check(m.group(1) == want, "A received other bytes: sha256 %s, sent %s" %
            (m.group(1), want))
