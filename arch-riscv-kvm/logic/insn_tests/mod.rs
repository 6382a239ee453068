// SPDX-License-Identifier: GPL-2.0

//! Host tests of `logic::insn`: the fixtures they share, and one file per
//! part of the module.

use super::*;

mod mmio_data;
mod mmio_decode;
mod system;
mod trapped_insn;

// Encoders, written from the ISA manual's format diagrams rather than
// from the decoder, and checked against the assembler in
// `encoders_match_the_assembler`.

fn enc_i(opcode: u32, funct3: u32, rd: u8, rs1: u8, imm: i32) -> u32 {
    ((imm as u32 & 0xfff) << 20)
        | (u32::from(rs1) << 15)
        | (funct3 << 12)
        | (u32::from(rd) << 7)
        | opcode
}

fn enc_s(opcode: u32, funct3: u32, rs2: u8, rs1: u8, imm: i32) -> u32 {
    let imm = imm as u32 & 0xfff;
    ((imm >> 5) << 25)
        | (u32::from(rs2) << 20)
        | (u32::from(rs1) << 15)
        | (funct3 << 12)
        | ((imm & 0x1f) << 7)
        | opcode
}

/// Bit `n` of `x`, placed at bit `at`.
fn bit(x: u32, n: u32, at: u32) -> u32 {
    ((x >> n) & 1) << at
}

/// Bits `[hi:lo]` of `x`, placed with bit `lo` at bit `at`.
fn bits(x: u32, hi: u32, lo: u32, at: u32) -> u32 {
    ((x >> lo) & ((1 << (hi - lo + 1)) - 1)) << at
}

/// `x8..x15` to the 3-bit field value.
fn p(r: u8) -> u32 {
    assert!((8..16).contains(&r));
    u32::from(r - 8)
}

/// C.LW / C.SW (funct3 010 / 110): uimm[5:3] at 12:10, uimm[2] at 6,
/// uimm[6] at 5.
fn enc_c_w(funct3: u32, r: u8, base: u8, off: u32) -> u32 {
    (funct3 << 13)
        | bits(off, 5, 3, 10)
        | (p(base) << 7)
        | bit(off, 2, 6)
        | bit(off, 6, 5)
        | (p(r) << 2)
}

/// C.LD / C.SD (funct3 011 / 111): uimm[5:3] at 12:10, uimm[7:6] at 6:5.
fn enc_c_d(funct3: u32, r: u8, base: u8, off: u32) -> u32 {
    (funct3 << 13) | bits(off, 5, 3, 10) | (p(base) << 7) | bits(off, 7, 6, 5) | (p(r) << 2)
}

fn enc_c_lw(rd: u8, rs1: u8, off: u32) -> u32 {
    enc_c_w(0b010, rd, rs1, off)
}
fn enc_c_sw(rs2: u8, rs1: u8, off: u32) -> u32 {
    enc_c_w(0b110, rs2, rs1, off)
}
fn enc_c_ld(rd: u8, rs1: u8, off: u32) -> u32 {
    enc_c_d(0b011, rd, rs1, off)
}
fn enc_c_sd(rs2: u8, rs1: u8, off: u32) -> u32 {
    enc_c_d(0b111, rs2, rs1, off)
}

/// C.LWSP: uimm[5] at 12, rd at 11:7, uimm[4:2] at 6:4, uimm[7:6] at 3:2.
fn enc_c_lwsp(rd: u8, off: u32) -> u32 {
    (0b010 << 13)
        | bit(off, 5, 12)
        | (u32::from(rd) << 7)
        | bits(off, 4, 2, 4)
        | bits(off, 7, 6, 2)
        | 0b10
}

/// C.LDSP: uimm[5] at 12, rd at 11:7, uimm[4:3] at 6:5, uimm[8:6] at 4:2.
fn enc_c_ldsp(rd: u8, off: u32) -> u32 {
    (0b011 << 13)
        | bit(off, 5, 12)
        | (u32::from(rd) << 7)
        | bits(off, 4, 3, 5)
        | bits(off, 8, 6, 2)
        | 0b10
}

/// C.SWSP: uimm[5:2] at 12:9, uimm[7:6] at 8:7, rs2 at 6:2.
fn enc_c_swsp(rs2: u8, off: u32) -> u32 {
    (0b110 << 13) | bits(off, 5, 2, 9) | bits(off, 7, 6, 7) | (u32::from(rs2) << 2) | 0b10
}

/// C.SDSP: uimm[5:3] at 12:10, uimm[8:6] at 9:7, rs2 at 6:2.
fn enc_c_sdsp(rs2: u8, off: u32) -> u32 {
    (0b111 << 13) | bits(off, 5, 3, 10) | bits(off, 8, 6, 7) | (u32::from(rs2) << 2) | 0b10
}

fn enc_csr(funct3: u32, rd: u8, rs1: u8, csr: u16) -> u32 {
    (u32::from(csr) << 20)
        | (u32::from(rs1) << 15)
        | (funct3 << 12)
        | (u32::from(rd) << 7)
        | OPCODE_SYSTEM
}

/// xorshift64: deterministic filler for the fields a decoder ignores.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 16) as u32
    }
}

const ALL_WIDTHS: [Width; 4] = [Width::Byte, Width::Half, Width::Word, Width::Double];

/// Offsets of the I/S-type immediate: ends, sign boundary, odd values.
const OFFSETS_12: [i32; 8] = [0, 1, -1, 8, 2047, -2048, 0x555, -0x2ab];

const fn load(rd: u8, width: Width, signed: bool) -> Option<MmioAccess> {
    Some(MmioAccess::Load { rd, width, signed })
}

const fn store(rs2: u8, width: Width) -> Option<MmioAccess> {
    Some(MmioAccess::Store { rs2, width })
}

// Literals in the tests are copied from `riscv64-linux-gnu-objdump -d
// -M no-aliases` (GNU Binutils 2.40) of the assembly in their comments,
// assembled with `riscv64-linux-gnu-as -march=rv64gc_zicsr_zawrs_zkr_h`
// (`.option norvc` for the 32-bit floating-point forms).
