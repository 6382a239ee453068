#!/usr/bin/env python3
"""check-frames.py: the stack frames of the Rust backend's functions.

The kernel's CONFIG_FRAME_WARN covers only C (it is a compiler flag of
gcc and clang); rustc has no such check, and a Rust function that builds
a large struct on the stack before moving it into its allocation takes
as much stack as the struct. Without VMAP_STACK nothing guards the end
of a 16 KiB kernel stack, so a deep enough chain of such frames runs
into the neighbouring memory (a host crash found that way: see
Documentation/virt/kvm/riscv/rust-backend.rst, "Stack frames").

This reads the frame size of every function of an object file off its
prologue, as llvm-objdump disassembles it: `addi sp, sp, -N` (once or
twice), or a size built in a register with lui/addi(w)/li and taken off
with `sub sp, sp, REG` (or added negated with `add`). It fails when a
function's frame is over the limit, and prints the largest frames.

Usage: check-frames.py OBJDUMP OBJECT LIMIT [--top N]
       check-frames.py --self-test
"""

import re
import subprocess
import sys

FUNC = re.compile(r"^[0-9a-f]+ <(?P<name>[^>]+)>:$")
INSN = re.compile(r"^\s*[0-9a-f]+:\s+(?P<op>[a-z.]+)\s*(?P<args>.*)$")
# Where a prologue ends: the first control transfer.
ENDS = {"j", "jal", "jalr", "jr", "ret", "tail", "call", "c.j", "c.jr",
        "c.jal", "c.jalr", "beq", "bne", "blt", "bge", "bltu", "bgeu",
        "beqz", "bnez", "blez", "bgez", "bltz", "bgtz", "bgt", "ble",
        "bgtu", "bleu"}
PROLOGUE_MAX = 64


def imm(text):
    text = text.strip()
    return int(text, 0)


def sext32(value):
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value & 0x80000000 else value


def frame_of(insns):
    """Bytes the prologue takes off sp."""
    regs = {}
    frame = 0
    for op, args in insns[:PROLOGUE_MAX]:
        if op in ENDS:
            break
        a = [x.strip() for x in args.split("#")[0].split(",")]
        try:
            if op in ("addi", "c.addi16sp", "c.addi") and a[:2] == ["sp", "sp"]:
                frame -= imm(a[2])
            elif op in ("addi", "addiw") and len(a) == 3 and a[0] == a[1] and a[0] in regs:
                regs[a[0]] = sext32(regs[a[0]] + imm(a[2])) if op == "addiw" \
                    else regs[a[0]] + imm(a[2])
            elif op == "lui" and len(a) == 2:
                regs[a[0]] = sext32(imm(a[1]) << 12)
            elif op == "li" and len(a) == 2:
                regs[a[0]] = imm(a[1])
            elif op == "sub" and a[:2] == ["sp", "sp"] and a[2] in regs:
                frame += regs[a[2]]
            elif op == "add" and a[:2] == ["sp", "sp"] and a[2] in regs:
                frame -= regs[a[2]]
            elif a and a[0] in regs:
                # The register is reused for something else.
                del regs[a[0]]
        except (ValueError, IndexError):
            continue
    return frame


def frames(objdump, obj):
    out = subprocess.run([objdump, "-d", "-C", "--no-show-raw-insn", obj],
                         check=True, capture_output=True, text=True).stdout
    return parse(out)


def parse(out):
    result = {}
    name, insns = None, []
    for line in out.splitlines() + [""]:
        m = FUNC.match(line)
        if m or not line:
            if name is not None:
                result[name] = max(result.get(name, 0), frame_of(insns))
            name, insns = (m.group("name"), []) if m else (None, [])
            continue
        m = INSN.match(line)
        if m and name is not None:
            insns.append((m.group("op"), m.group("args")))
    return result


# Prologues as llvm-objdump 19 prints them, with the frames they take.
SAMPLES = [
    (["addi sp, sp, -0x30", "sd ra, 0x28(sp)", "ret"], 0x30),
    (["addi sp, sp, -48", "sd ra, 40(sp)", "call 0x0 <f>"], 48),
    (["addi sp, sp, -0x7f0", "sd ra, 0x7e8(sp)", "addi s0, sp, 0x7f0",
      "lui a0, 0x1", "addiw a0, a0, -0x590", "sub sp, sp, a0", "beqz a1, 0x10"],
     0x7f0 + 0x1000 - 0x590),
    (["addi sp, sp, -2032", "sd ra, 2024(sp)", "addi sp, sp, -464", "j 0x8"], 2032 + 464),
    (["lui t0, 0xfffff", "add sp, sp, t0", "ret"], 4096),
    (["li a0, 64", "lui a0, 0x2", "mv a1, a0", "sub sp, sp, a0", "ret"], 8192),
    # A register reused before the sub does not count.
    (["lui a0, 0x2", "ld a0, 0(a1)", "sub sp, sp, a0", "ret"], 0),
    # Nothing after the first control transfer is the prologue.
    (["addi sp, sp, -16", "bnez a0, 0x20", "addi sp, sp, -4000"], 16),
]


def self_test():
    failed = 0
    for insns, want in SAMPLES:
        listing = "0000000000000000 <f>:\n" + "\n".join(
            f"{4 * i:8x}:      \t{i_.split(' ', 1)[0]}\t{i_.split(' ', 1)[1] if ' ' in i_ else ''}"
            for i, i_ in enumerate(insns))
        got = parse(listing).get("f")
        if got != want:
            print(f"check-frames: {insns}: frame {got}, want {want}", file=sys.stderr)
            failed += 1
    print(f"check-frames: {len(SAMPLES) - failed} of {len(SAMPLES)} prologues read right")
    return 1 if failed else 0


def main(argv):
    if argv[1:] == ["--self-test"]:
        return self_test()
    if len(argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    objdump, obj, limit = argv[1], argv[2], int(argv[3])
    top = int(argv[5]) if len(argv) > 5 and argv[4] == "--top" else 5
    sizes = frames(objdump, obj)
    if not sizes:
        print(f"check-frames: no function found in {obj}", file=sys.stderr)
        return 1
    ranked = sorted(sizes.items(), key=lambda kv: -kv[1])
    print(f"check-frames: {len(sizes)} functions, largest frames (limit {limit} B):")
    for name, size in ranked[:top]:
        print(f"  {size:6d} {name}")
    over = [(n, s) for n, s in ranked if s > limit]
    for name, size in over:
        print(f"check-frames: {name} has a {size}-byte frame, over {limit}", file=sys.stderr)
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
