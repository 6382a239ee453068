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
code, as llvm-objdump disassembles it: the stack pointer moves by
`addi sp, sp, N`, or by a size built in a register with lui/addi(w)/li
and taken off with `sub sp, sp, REG` (or added with `add`). The frame is
the deepest the pointer goes in the function's code read in order, so a
prologue after an early return (shrink-wrapping) counts, and epilogues
only bring the running depth back up. Local labels (`.L...`) are not
functions. It fails when a function's frame is over the limit, and also
when the run loop (`kvm_arch_vcpu_ioctl_run`), which has a frame, reads
as frameless: the listing was not read right.

Usage: check-frames.py OBJDUMP OBJECT LIMIT [--top N]
       check-frames.py --self-test
"""

import re
import subprocess
import sys

FUNC = re.compile(r"^[0-9a-f]+ <(?P<name>.+)>:$")
INSN = re.compile(r"^\s*[0-9a-f]+:\s+(?P<op>[a-z.]+)\s*(?P<args>.*)$")
# A function every build has, with a frame: reading it as 0 means the
# listing was misread.
KNOWN_FRAMED = "kvm_arch_vcpu_ioctl_run"


def imm(text):
    text = text.strip()
    return int(text, 0)


def sext32(value):
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value & 0x80000000 else value


def frame_of(insns):
    """The most bytes below its entry value the function moves sp."""
    regs = {}
    depth = frame = 0
    for op, args in insns:
        a = [x.strip() for x in args.split("#")[0].split(",")]
        try:
            if op in ("addi", "c.addi16sp", "c.addi") and a[:2] == ["sp", "sp"]:
                depth -= imm(a[2])
            elif op in ("addi", "addiw") and len(a) == 3 and a[0] == a[1] and a[0] in regs:
                regs[a[0]] = sext32(regs[a[0]] + imm(a[2])) if op == "addiw" \
                    else regs[a[0]] + imm(a[2])
            elif op == "lui" and len(a) == 2:
                regs[a[0]] = sext32(imm(a[1]) << 12)
            elif op == "li" and len(a) == 2:
                regs[a[0]] = imm(a[1])
            elif op == "sub" and a[:2] == ["sp", "sp"] and a[2] in regs:
                depth += regs[a[2]]
            elif op == "add" and a[:2] == ["sp", "sp"] and a[2] in regs:
                depth -= regs[a[2]]
            elif a and a[0] in regs:
                # The register is reused for something else.
                del regs[a[0]]
        except (ValueError, IndexError):
            continue
        frame = max(frame, depth)
    return frame


def frames(objdump, obj):
    out = subprocess.run([objdump, "-d", "-C", "--no-show-raw-insn", obj],
                         check=True, capture_output=True, text=True).stdout
    return parse(out)


def parse(out):
    result = {}
    name, insns = None, []
    for line in out.splitlines() + ["<end>"]:
        m = FUNC.match(line)
        if m and m.group("name").startswith(".L"):
            # A local label inside the function (`.Lpcrel_hi3`).
            continue
        if m or line == "<end>":
            if name is not None:
                result[name] = max(result.get(name, 0), frame_of(insns))
            name, insns = (m.group("name"), []) if m else (None, [])
            continue
        m = INSN.match(line)
        if m and name is not None:
            insns.append((m.group("op"), m.group("args")))
    return result


# Code as llvm-objdump 19 prints it, with the frames it takes.
SAMPLES = [
    (["addi sp, sp, -0x30", "sd ra, 0x28(sp)", "addi sp, sp, 0x30", "ret"], 0x30),
    (["addi sp, sp, -48", "sd ra, 40(sp)", "call 0x0 <f>"], 48),
    (["addi sp, sp, -0x7f0", "sd ra, 0x7e8(sp)", "addi s0, sp, 0x7f0",
      "lui a0, 0x1", "addiw a0, a0, -0x590", "sub sp, sp, a0", "beqz a1, 0x10"],
     0x7f0 + 0x1000 - 0x590),
    (["addi sp, sp, -2032", "sd ra, 2024(sp)", "addi sp, sp, -464", "j 0x8"], 2032 + 464),
    (["lui t0, 0xfffff", "add sp, sp, t0", "ret"], 4096),
    (["li a0, 64", "lui a0, 0x2", "mv a1, a0", "sub sp, sp, a0", "ret"], 8192),
    # A register reused before the sub does not count.
    (["lui a0, 0x2", "ld a0, 0(a1)", "sub sp, sp, a0", "ret"], 0),
    # A prologue after an early return (shrink-wrapping).
    (["beqz a0, 0x20", "ret", "addi sp, sp, -0x90", "sd ra, 0x88(sp)",
      "addi sp, sp, 0x90", "ret"], 0x90),
    # An epilogue before a tail call does not make the frame smaller.
    (["addi sp, sp, -16", "sd ra, 8(sp)", "ld ra, 8(sp)", "addi sp, sp, 16",
      "tail 0x0 <g>"], 16),
    # Two epilogues on two paths.
    (["addi sp, sp, -32", "bnez a0, 0x10", "addi sp, sp, 32", "ret",
      "addi sp, sp, 32", "ret"], 32),
]

# Listings with several functions: names as `llvm-objdump -C` prints
# them, local labels inside a function.
LISTINGS = [
    ("0000000000000000 <<riscv_kvm::logic::hfence::HfenceQueue as core::default::Default>::default>:\n"
     "       0:      \taddi\tsp, sp, -0x1f0\n"
     "       4:      \taddi\tsp, sp, -0x640\n"
     "0000000000000008 <f>:\n"
     "       8:      \taddi\tsp, sp, -0x10\n",
     {"<riscv_kvm::logic::hfence::HfenceQueue as core::default::Default>::default": 0x830,
      "f": 0x10}),
    ("0000000000000000 <f>:\n"
     "       0:      \tauipc\ta0, 0x0\n"
     "0000000000000004 <.Lpcrel_hi3>:\n"
     "       4:      \taddi\tsp, sp, -0x20\n",
     {"f": 0x20}),
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
    for listing, want in LISTINGS:
        got = parse(listing)
        if got != want:
            print(f"check-frames: listing read as {got}, want {want}", file=sys.stderr)
            failed += 1
    total = len(SAMPLES) + len(LISTINGS)
    print(f"check-frames: {total - failed} of {total} samples read right")
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
    if not sizes.get(KNOWN_FRAMED):
        print(f"check-frames: {KNOWN_FRAMED} reads as frameless: listing misread",
              file=sys.stderr)
        return 1
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
