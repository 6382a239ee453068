#!/usr/bin/env python3
# unsafe-share.py: how much of the kernel layer (arch-riscv-kvm/*.rs, the
# logic layer excluded) sits inside `unsafe` blocks, and where the C calls
# and the assembly are. Prints the count per file, then one RESULT line:
# FAIL if the share is above the limit, if `global_asm!` appears outside
# the world switch, or if a file other than the FFI layers calls a C
# function through `bindings`.
#
# Counting: comments and string literals are stripped first (a string's
# lines stay, as one empty literal); a code line is a non-blank line left;
# an `unsafe { ... }` block is brace-matched and every line it spans
# counts once. `global_asm!` lines are reported apart and left out of the
# denominator, so the share is of the Rust code.
#
# Usage: unsafe-share.py [--max PERCENT] [--verbose] DIR
import re
import sys
import time

FFI_LAYERS = {"glue.rs", "kvm.rs", "kvm_mmu.rs", "kvm_srcu.rs", "switch.rs"}  # C calls
ASM_FILES = {"switch.rs"}  # the world switch and guarded guest access


def strip(src):
    out, i, n = [], 0, len(src)
    while i < n:
        c = src[i]
        if src.startswith("//", i):
            j = src.find("\n", i)
            i = n if j < 0 else j
            continue
        if src.startswith("/*", i):
            j = src.find("*/", i + 2)
            out.append("\n" * src[i:j + 2].count("\n"))
            i = j + 2
            continue
        m = re.match(r'[bc]?r(#*)"', src[i:i + 10])
        if m and (i == 0 or not (src[i - 1].isalnum() or src[i - 1] == "_")):
            end = '"' + m.group(1)
            j = src.find(end, i + len(m.group(0)))
            out.append('""' + "\n" * src[i:j + len(end)].count("\n"))
            i = j + len(end)
            continue
        if c == '"':
            j = i + 1
            while src[j] != '"':
                j += 2 if src[j] == "\\" else 1
            out.append('""' + "\n" * src[i:j + 1].count("\n"))
            i = j + 1
            continue
        if c == "'":
            m = re.match(r"'(\\.|[^\\'])'", src[i:i + 4]) or \
                re.match(r"'\\(x..|u\{[0-9a-fA-F]+\})'", src[i:i + 12])
            if m:
                out.append("' '")
                i += len(m.group(0))
                continue
        out.append(c)
        i += 1
    return "".join(out)


def span(s, start, open_, close):
    """Index past the bracket that closes the one just before `start`."""
    depth, j = 1, start
    while depth:
        if s[j] == open_:
            depth += 1
        elif s[j] == close:
            depth -= 1
        j += 1
    return j


def count(path):
    s = strip(open(path).read())
    code = sum(1 for line in s.split("\n") if line.strip())
    inside, blocks = set(), 0
    for m in re.finditer(r"\bunsafe\s*\{", s):
        end = span(s, m.end(), "{", "}")
        inside.update(range(s.count("\n", 0, m.start()), s.count("\n", 0, end) + 1))
        blocks += 1
    asm = 0
    for m in re.finditer(r"\bglobal_asm!\s*\(", s):
        end = span(s, m.end(), "(", ")")
        asm += s.count("\n", m.start(), end) + 1
    ffi = len(re.findall(r"\bbindings::[a-z_][a-z0-9_]*\s*\(", s))
    return code, len(inside), blocks, asm, ffi


def main(argv):
    limit, verbose, args = 5.0, False, []
    it = iter(argv)
    for a in it:
        if a == "--max":
            limit = float(next(it))
        elif a == "--verbose":
            verbose = True
        else:
            args.append(a)
    t0 = time.time()
    import glob
    import os
    files = sorted(glob.glob(os.path.join(args[0], "*.rs")))
    total = [0, 0, 0, 0]
    problems = []
    for p in files:
        name = os.path.basename(p)
        code, uns, blocks, asm, ffi = count(p)
        total = [a + b for a, b in zip(total, (code, uns, blocks, asm))]
        if verbose:
            print(f"{name:20s} code {code:5d}  unsafe {uns:4d} in {blocks:3d} blocks"
                  f"  global_asm {asm:4d}  bindings calls {ffi:3d}")
        if asm and name not in ASM_FILES:
            problems.append(f"global_asm! in {name}")
        if ffi and name not in FFI_LAYERS:
            problems.append(f"{ffi} C call(s) through bindings in {name}")
    code, uns, blocks, asm = total
    rust = code - asm
    share = 100.0 * uns / rust
    print(f"kernel layer: {uns} of {rust} Rust code lines inside {blocks} unsafe blocks"
          f" ({share:.2f}%; {100.0 * uns / code:.2f}% counting the {asm} global_asm! lines)")
    if share > limit:
        problems.append(f"unsafe share {share:.2f}% above {limit}%")
    for p in problems:
        print(p)
    st = "FAIL" if problems else "PASS"
    print(f"RESULT {st} host/unsafe_share {time.time() - t0:.2f}s")


main(sys.argv[1:])
