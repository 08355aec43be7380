# opprof_gdb.py - gdb side of the per-op instruction profile (tests/qemu/opprof.py
# starts it as `gdb -batch -x tests/qemu/opprof_gdb.py`; do not run it by hand).
#
# Connects to the QEMU stub (OPPROF_PORT), stops at syscall_entry only for a
# SYS_ring_enter whose timeout argument (r10) carries the marker of
# tests/qemu/progs/opprof.c, and single-steps that call until the CPU is back
# in user space. Every guest instruction of the call is attributed to the
# kernel function it belongs to (the ELF symbol table), and instructions that
# are expensive under TCG (they end a translation block or run a helper:
# flag and interrupt changes, locked ops, string ops, SMAP toggles, clock
# reads, port I/O, control registers) are counted by kind. QEMU's gdbstub
# steps with interrupts and timers masked, so the trace is deterministic:
# the same kernel and program give the same counts on a loaded machine.
# Writes one JSON object per marked call to OPPROF_OUT, then kills QEMU.
import bisect
import json
import os
import re
import subprocess

import gdb

MARK = 0x0E55CA11  # high 32 bits of the marker (opprof.c: OPPROF_MARK)
KINDS = {1: "batch32", 2: "nop", 3: "read4k"}
SYS_RING_ENTER = 87  # include/uapi/syscall.h
USER_TOP = 0x0000800000000000
EXPECTED = int(os.environ.get("OPPROF_CALLS", "3"))

# Mnemonic (first word, prefixes kept) -> cost class under TCG (QEMU 7.2
# target/i386/tcg/translate.c): sti, popf, stac/clac and sysret end the
# translation block; pushf, cli, rdtsc, port I/O and CR/MSR accesses call a
# helper; a locked op is an atomic helper; a rep string op runs one step per
# pass through its block (gdb steps each one, so they count per step);
# an indirect call or jump looks its target up instead of chaining.
COSTLY = [
    (re.compile(r"^pushf"), "pushf"),
    (re.compile(r"^popf"), "popf"),
    (re.compile(r"^cli\b"), "cli"),
    (re.compile(r"^sti\b"), "sti"),
    (re.compile(r"^(stac|clac)\b"), "stac/clac"),
    (re.compile(r"^lock\b|^xchg\b.*\("), "locked"),
    (re.compile(r"^rep"), "rep-string"),
    (re.compile(r"^rdtscp?\b"), "rdtsc"),
    (re.compile(r"^(in|out)[bwl]?\b"), "port-io"),
    (re.compile(r"^mov\b.*%cr\d|^(rd|wr)msr\b|^invlpg\b"), "cr/msr"),
    (re.compile(r"^(call|jmp)q?\s+\*"), "indirect"),
    (re.compile(r"^(sysret|iret)"), "sysret"),
    (re.compile(r"^(mfence|lfence|sfence)\b"), "fence"),
]


def load_symbols(elf):
    out = subprocess.run(["nm", "-n", elf], capture_output=True, text=True, check=True).stdout
    addrs, names = [], []
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in "tTwW":
            addrs.append(int(parts[0], 16))
            names.append(parts[2])
    return addrs, names


def classify(asm):
    for rx, kind in COSTLY:
        if rx.search(asm):
            return kind
    return None


def trace_one(arch, addrs, names):
    """Steps the current syscall to user space; returns the profile dict."""
    per_fn, costly, costly_fn = {}, {}, {}
    cache = {}
    total = 0
    frame = gdb.selected_frame()
    pc = frame.pc()
    while pc >= USER_TOP:
        info = cache.get(pc)
        if info is None:
            i = bisect.bisect_right(addrs, pc) - 1
            fn = names[i] if i >= 0 else "?"
            asm = arch.disassemble(pc)[0]["asm"].strip()
            info = cache[pc] = (fn, classify(asm))
        fn, kind = info
        per_fn[fn] = per_fn.get(fn, 0) + 1
        if kind:
            costly[kind] = costly.get(kind, 0) + 1
            key = "%s %s" % (fn, kind)
            costly_fn[key] = costly_fn.get(key, 0) + 1
        total += 1
        gdb.execute("stepi", to_string=True)
        pc = gdb.selected_frame().pc()
    return {"instructions": total, "per_function": per_fn, "costly": costly,
            "costly_per_function": costly_fn}


def main():
    elf = os.environ["OPPROF_ELF"]
    out_path = os.environ["OPPROF_OUT"]
    gdb.execute("set pagination off")
    gdb.execute("set confirm off")
    gdb.execute("set architecture i386:x86-64")
    gdb.execute("file %s" % elf)
    gdb.execute("target remote localhost:%s" % os.environ["OPPROF_PORT"])
    addrs, names = load_symbols(elf)
    gdb.execute("hbreak syscall_entry if $rax == %d && ($r10 >> 32) == %#x" %
                (SYS_RING_ENTER, MARK))
    arch = gdb.selected_inferior().architecture()
    results = []
    while len(results) < EXPECTED:
        gdb.execute("continue", to_string=True)
        kind = int(gdb.parse_and_eval("$r10")) & 0xFF
        prof = trace_one(arch, addrs, names)
        prof["call"] = KINDS.get(kind, str(kind))
        results.append(prof)
    with open(out_path, "w") as f:
        json.dump(results, f, indent=1, sort_keys=True)
    gdb.execute("kill")


try:
    main()
except Exception as e:  # a failed trace must end gdb with a status the driver sees
    print("opprof_gdb: %s" % e)
    gdb.execute("quit 1")
