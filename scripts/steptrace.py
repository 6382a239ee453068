#!/usr/bin/env python3
# steptrace.py PORT ENTRY EXT OUT [ROUNDS]: for scripts/profile.sh.
#
# Talks to the emulated host's gdbstub (QEMU -S -gdb) in gdb's remote
# protocol: stops at the guest's sbi_ecall() (ENTRY, hex) when it is
# entered from VS-mode with extension EXT (hex, in a0; "any": whatever
# a0 holds; ENTRY may be any guest address), then single-steps
# the CPU through ROUNDS (default 3) whole round trips (guest call, trap,
# the backend, sret, back to the next call) and writes every program
# counter to OUT, one hex number a line, rounds separated by "ROUND".
#
# QEMU's stub masks interrupts and timers while stepping, so a round is
# the path one call takes. gdb itself cannot step there: before each
# step it reads the instruction at pc, and QEMU 7.2's stub cannot read
# guest memory through the two-stage translation, so gdb gives up.
import socket
import sys
import time


class Stub:
    def __init__(self, port):
        # QEMU listens a moment after it starts.
        for _ in range(100):
            try:
                self.sock = socket.create_connection(("127.0.0.1", port))
                # One small packet each way per step: no Nagle delay.
                self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                break
            except ConnectionRefusedError:
                time.sleep(0.2)
        else:
            sys.exit("steptrace: no gdbstub on port %d" % port)
        self.buf = b""
        self.ack = True
        self.sock.settimeout(60)
        if self.cmd("QStartNoAckMode") == "OK":
            self.ack = False

    def _read(self):
        while True:
            if self.buf.startswith(b"+"):
                self.buf = self.buf[1:]
                continue
            start = self.buf.find(b"$")
            end = self.buf.find(b"#", start)
            if start >= 0 and end >= 0 and len(self.buf) >= end + 3:
                data = self.buf[start + 1:end]
                self.buf = self.buf[end + 3:]
                if self.ack:
                    self.sock.sendall(b"+")
                return data.decode()
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                sys.exit("steptrace: no answer from the stub; have %r" % self.buf)
            if not chunk:
                sys.exit("steptrace: the stub closed the connection")
            self.buf += chunk

    def cmd(self, data):
        raw = data.encode()
        self.sock.sendall(b"$%s#%02x" % (raw, sum(raw) & 0xFF))
        return self._read()

    def reg(self, n):
        # Target byte order: little-endian.
        return int.from_bytes(bytes.fromhex(self.cmd("p%x" % n)), "little")

    def xml(self, name):
        out, off = "", 0
        while True:
            r = self.cmd("qXfer:features:read:%s:%x,fff" % (name, off))
            out += r[1:]
            off += len(r) - 1
            if r[0] == "l":
                return out


def priv_regnum(stub):
    """QEMU's virtual "priv" register: after the CPU's and the FPU's."""
    target = stub.xml("target.xml")
    order = [f for f in ("riscv-64bit-cpu.xml", "riscv-64bit-fpu.xml", "riscv-64bit-virtual.xml")
             if f in target]
    if len(order) != 3 or not (target.index(order[0]) < target.index(order[1]) < target.index(order[2])):
        sys.exit("steptrace: unexpected register layout: " + target)
    n = stub.xml(order[0]).count("<reg ") + stub.xml(order[1]).count("<reg ")
    if "priv" not in stub.xml(order[2]):
        sys.exit("steptrace: no priv register")
    return n


def main():
    port, entry, out = int(sys.argv[1]), int(sys.argv[2], 16), sys.argv[4]
    ext = None if sys.argv[3] == "any" else int(sys.argv[3], 16)
    rounds = int(sys.argv[5]) if len(sys.argv) > 5 else 3
    limit = 200000
    pc_reg, a0_reg = 32, 10
    stub = Stub(port)
    priv = priv_regnum(stub)
    bp = "1,%x,4" % entry
    # A hardware breakpoint: nothing is mapped at the address yet.
    if stub.cmd("Z" + bp) != "OK":
        sys.exit("steptrace: cannot set a breakpoint")
    while True:
        stub.cmd("c")
        # S-mode at this (user) address can only be the guest (VS); any
        # other process there is stepped past and let go on.
        if stub.reg(priv) == 1 and (ext is None or stub.reg(a0_reg) == ext):
            break
        stub.cmd("z" + bp)
        stub.cmd("s")
        stub.cmd("Z" + bp)
    stub.cmd("z" + bp)
    with open(out, "w") as f:
        for _ in range(rounds):
            f.write("ROUND\n")
            steps = 0
            while True:
                f.write("%x\n" % stub.reg(pc_reg))
                stub.cmd("s")
                steps += 1
                if stub.reg(pc_reg) == entry or steps >= limit:
                    break
    stub.cmd("D")


main()
