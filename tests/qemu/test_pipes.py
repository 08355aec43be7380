#!/usr/bin/env python3
"""Pipes (fs/pipe/, SYS_pipe) through the real shell on the serial console.

Each case boots the kernel with build/test-initrd.img, which holds
tests/qemu/progs/qpipe.c: `qpipe gen N SEED` writes a pseudo-random stream
that pipe_stream() below computes on the host, `qpipe head N` is a reader
that exits early, `qpipe async` drives one pipe through the async API.
"""

import hashlib
import re

import qtest
from qtest import initrd, output_of, pool_counts, shell


def pipe_stream(n, seed):
    """The bytes `qpipe gen n seed` writes (the same LCG as qpipe.c)."""
    out = bytearray(n)
    s = seed
    for i in range(n):
        s = (s * 1103515245 + 12345) & 0xffffffff
        out[i] = (s >> 16) & 0xff
    return bytes(out)


@qtest.case
def eight_mib_through_three_stages_intact(t):
    """8 MiB of pseudo-random bytes through `gen | cat | sha256sum`, and 1 MB
    read in odd 509-byte pieces: the hashes are the host's; every pipe is
    back in its pool afterwards."""
    want = hashlib.sha256(pipe_stream(8 << 20, 7)).hexdigest()
    small = "qpipe gen 1000000 5 | qpipe head 1000000 | sha256sum"
    out = shell(t, ["qpipe gen 8388608 7 | cat | sha256sum", small, "stats"], timeout=240)
    got = output_of(t, out, "qpipe gen 8388608 7 | cat | sha256sum")
    t.check(got == want + "  -\n", "sha256 through the pipeline: %r, want %s" % (got, want))
    # 32 KiB writes against 509-byte reads: the ring buffer wraps at every offset.
    want = hashlib.sha256(pipe_stream(1000000, 5)).hexdigest()
    got = output_of(t, out, small)
    t.check(got == want + "  -\n", "small reads: %r, want %s" % (got, want))
    t.check(pool_counts(output_of(t, out, "stats")).get("pipe") == 0, "a pipe leaked")


@qtest.case
def pipe_async_read_write_cancel_timeout(t):
    """qpipe async: reads pend, time out, are cancelled and completed by a write;
    writes pend on a full pipe and complete when a reader drains; a write of
    PIPE_BUF goes in whole; EOF and -EPIPE when an end closes."""
    out = shell(t, ["qpipe async", "stats"])
    text = output_of(t, out, "qpipe async")
    t.check("qpipe async: 0 failed" in text, "qpipe async: %r" % [l for l in text.splitlines()
                                                                if not l.startswith("ok ")])
    for name in ("read_times_out", "read_cancelled", "read_completed_by_write",
                 "write_pends_when_full", "write_completed_by_read", "atomic_write_nothing_in",
                 "atomic_write_whole", "read_eof_after_last_writer", "pending_write_epipe",
                 "later_write_epipe", "lseek_espipe"):
        t.check(("ok %s\n" % name) in text, "check %s did not pass" % name)
    t.check(pool_counts(output_of(t, out, "stats")).get("pipe") == 0, "a pipe leaked")


@qtest.case
def reader_closes_early_writer_gets_epipe(t):
    """`gen | head 10`: head exits after 10 bytes, the writer's next write fails
    with EPIPE (there are no signals: it reports it and exits 1)."""
    want = pipe_stream(10, 1)
    out = shell(t, ["qpipe gen 1000000 1 | qpipe head 10 | hexdump -C",
                    "qpipe gen 100000 2 | qpipe head 1 > /tmp/one", "echo status $?",
                    "qpipe gen 100000 2 2>&1 | qpipe head 5000 > /dev/null", "stats"])
    dump = output_of(t, out, "qpipe gen 1000000 1 | qpipe head 10 | hexdump -C")
    t.check(" ".join("%02x" % b for b in want[:8]) in dump, "first bytes: %r" % dump)
    t.check("qpipe gen: write: Broken pipe" in dump, "no EPIPE from the writer: %r" % dump)
    t.check(output_of(t, out, "echo status $?") == "status 0\n", "status of the last command")
    t.check(pool_counts(output_of(t, out, "stats")).get("pipe") == 0, "a pipe leaked")


@qtest.case
def writer_closes_early_reader_gets_eof(t):
    """A writer that exits (with or without writing) ends the reader with EOF:
    cat finishes and the shell prompts again."""
    out = shell(t, ["echo hi | cat", "sleep 1 | cat", "echo end",
                    "qpipe gen 300 3 | cat > /tmp/p", "sha256sum /tmp/p", "stats"])
    t.check(output_of(t, out, "echo hi | cat") == "hi\n", "echo hi | cat")
    t.check(output_of(t, out, "sleep 1 | cat") == "", "sleep 1 | cat")
    want = hashlib.sha256(pipe_stream(300, 3)).hexdigest()
    t.check(output_of(t, out, "sha256sum /tmp/p") == want + "  /tmp/p\n", "300 bytes")
    t.check(pool_counts(output_of(t, out, "stats")).get("pipe") == 0, "a pipe leaked")


@qtest.case
def pipe_pool_exhausted_is_an_error(t):
    """With every pipe of the pool held, SYS_pipe is -ENOMEM: the shell says so,
    runs nothing of the pipeline (its second command would otherwise read the
    console) and goes on; the pool counts the failure and recovers."""
    lines = ["qpipe hold 20 3 &", "sleep 1", "echo a | cat", "echo st $?", "wait", "echo b | cat",
             "stats"]
    out = shell(t, lines)
    t.check(re.search(r"held 16: Cannot allocate memory\n", out), "the pool holds 16 pipes")
    t.check(output_of(t, out, "echo a | cat") == "sh: pipe: Cannot allocate memory\n", "no pipe: an error")
    t.check(output_of(t, out, "echo st $?") == "st 1\n", "status 1")
    t.check(output_of(t, out, "echo b | cat") == "b\n", "pipes again once released")
    stats = output_of(t, out, "stats")
    t.check(re.search(r"^pipe +0 +16 +16 +[1-9]", stats, re.M), "pipe pool line: %r" % stats)


if __name__ == "__main__":
    qtest.main("pipes")
