// SPDX-License-Identifier: GPL-2.0

//! Host tests of `logic::insn`, in one module so that their names are the ones
//! `selftests/expected-pass` lists: shared fixtures first, then a section
//! per part of the module.

use super::*;

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

// Tests of access widths and of the data an MMIO load or store moves.

#[test]
fn widths() {
    assert_eq!(ALL_WIDTHS.map(Width::bytes), [1, 2, 4, 8]);
    assert_eq!(
        ALL_WIDTHS.map(Width::mask),
        [0xff, 0xffff, 0xffff_ffff, u64::MAX]
    );
    assert_eq!(load(3, Width::Half, false).unwrap().width(), Width::Half);
    assert_eq!(store(3, Width::Double).unwrap().width(), Width::Double);
}

#[test]
fn alignment() {
    for width in ALL_WIDTHS {
        let n = u64::from(width.bytes());
        for base in [0u64, 0x1000_0000, u64::MAX - 15] {
            let base = base & !15;
            for off in 0..16 {
                assert_eq!(width.is_aligned(base + off), off % n == 0);
            }
        }
    }
}

#[test]
fn load_extension() {
    let raw = 0xdead_beef_8765_4321 | (1 << 63);
    // Signed: bit width-1 is copied upward; higher raw bits ignored.
    assert_eq!(load_result(Width::Byte, true, 0x80), 0xffff_ffff_ffff_ff80);
    assert_eq!(load_result(Width::Byte, true, 0x7f), 0x7f);
    assert_eq!(load_result(Width::Byte, true, raw), 0x21);
    assert_eq!(
        load_result(Width::Half, true, 0x8000),
        0xffff_ffff_ffff_8000
    );
    assert_eq!(load_result(Width::Half, true, 0xff_7fff), 0x7fff);
    assert_eq!(load_result(Width::Word, true, raw), 0xffff_ffff_8765_4321);
    assert_eq!(load_result(Width::Word, true, 0x7fff_ffff), 0x7fff_ffff);
    assert_eq!(load_result(Width::Double, true, raw), raw);
    // Unsigned: masked.
    assert_eq!(load_result(Width::Byte, false, raw), 0x21);
    assert_eq!(load_result(Width::Half, false, raw), 0x4321);
    assert_eq!(load_result(Width::Word, false, raw), 0x8765_4321);
    assert_eq!(load_result(Width::Double, false, raw), raw);
    // Same results for every width and every sign bit.
    for width in ALL_WIDTHS {
        let bits = 8 * width.bytes();
        for v in [0u64, 1, 0x55, 1 << (bits - 1), width.mask()] {
            let negative = v >> (bits - 1) & 1 == 1;
            let high = if negative { !width.mask() } else { 0 };
            assert_eq!(load_result(width, true, v), v | high);
            assert_eq!(load_result(width, false, v | !width.mask()), v);
        }
    }
}

#[test]
fn store_masking() {
    let reg = 0x0102_0304_0506_0708;
    assert_eq!(store_value(Width::Byte, reg), 0x08);
    assert_eq!(store_value(Width::Half, reg), 0x0708);
    assert_eq!(store_value(Width::Word, reg), 0x0506_0708);
    assert_eq!(store_value(Width::Double, reg), reg);
}

#[test]
fn mmio_data_is_little_endian() {
    let v = 0x1122_3344_5566_7788;
    assert_eq!(pack_mmio_data(Width::Byte, v), [0x88, 0, 0, 0, 0, 0, 0, 0]);
    assert_eq!(
        pack_mmio_data(Width::Half, v),
        [0x88, 0x77, 0, 0, 0, 0, 0, 0]
    );
    assert_eq!(
        pack_mmio_data(Width::Word, v),
        [0x88, 0x77, 0x66, 0x55, 0, 0, 0, 0]
    );
    assert_eq!(
        pack_mmio_data(Width::Double, v),
        [0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11]
    );
    // Bytes past the access are stale and ignored.
    let data = [0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11];
    assert_eq!(unpack_mmio_data(Width::Byte, &data), 0x88);
    assert_eq!(unpack_mmio_data(Width::Half, &data), 0x7788);
    assert_eq!(unpack_mmio_data(Width::Word, &data), 0x5566_7788);
    assert_eq!(unpack_mmio_data(Width::Double, &data), v);
    for width in ALL_WIDTHS {
        assert_eq!(
            unpack_mmio_data(width, &pack_mmio_data(width, v)),
            store_value(width, v)
        );
    }
}

#[test]
fn mmio_load_round_trip() {
    // lh t0,-2(s0) reading 0xfffe from a device: t0 = -2.
    let Some(MmioAccess::Load { rd, width, signed }) = decode_mmio(0xffe4_1283) else {
        panic!("lh not decoded");
    };
    let data = [0xfe, 0xff, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa];
    let value = load_result(width, signed, unpack_mmio_data(width, &data));
    assert_eq!((rd, value), (5, (-2i64) as u64));
}

// Tests of [`decode_mmio`]: which loads and stores it decodes, and which
// it rejects.

#[test]
fn literal_loads_and_stores() {
    let cases: [(u32, u8, Option<MmioAccess>); 19] = [
        (0x0005_8503, 4, load(10, Width::Byte, true)), // lb a0,0(a1)
        (0xffe4_1283, 4, load(5, Width::Half, true)),  // lh t0,-2(s0)
        (0x7ff7_a483, 4, load(9, Width::Word, true)),  // lw s1,2047(a5)
        (0x8001_3083, 4, load(1, Width::Double, true)), // ld ra,-2048(sp)
        (0x0016_c603, 4, load(12, Width::Byte, false)), // lbu a2,1(a3)
        (0x0061_df83, 4, load(31, Width::Half, false)), // lhu t6,6(gp)
        (0x00c2_6d83, 4, load(27, Width::Word, false)), // lwu s11,12(tp)
        (0x00a5_8023, 4, store(10, Width::Byte)),      // sb a0,0(a1)
        (0xfe54_1f23, 4, store(5, Width::Half)),       // sh t0,-2(s0)
        (0x7e97_afa3, 4, store(9, Width::Word)),       // sw s1,2047(a5)
        (0x8011_3023, 4, store(1, Width::Double)),     // sd ra,-2048(sp)
        (0x41c8, 2, load(10, Width::Word, true)),      // c.lw a0,4(a1)
        (0x7fe4, 2, load(9, Width::Double, true)),     // c.ld s1,248(a5)
        (0xdc78, 2, store(14, Width::Word)),           // c.sw a4,124(s0)
        (0xe614, 2, store(13, Width::Double)),         // c.sd a3,8(a2)
        (0x50fe, 2, load(1, Width::Word, true)),       // c.lwsp ra,252(sp)
        (0x7ffe, 2, load(31, Width::Double, true)),    // c.ldsp t6,504(sp)
        (0xc06e, 2, store(27, Width::Word)),           // c.swsp s11,0(sp)
        (0xf002, 2, store(0, Width::Double)),          // c.sdsp zero,32(sp)
    ];
    // The last two are valid stores that the C backend of Linux 6.12
    // refuses (it checks offset bits [11:7] as if they were rd).
    for (word, len, expected) in cases {
        assert_eq!(decode_mmio(word), expected, "{word:#x}");
        assert_eq!(TrappedInsn::fetched(word).len, len, "{word:#x}");
    }
}

#[test]
fn encoders_match_the_assembler() {
    assert_eq!(enc_i(OPCODE_LOAD, 1, 5, 8, -2), 0xffe4_1283); // lh t0,-2(s0)
    assert_eq!(enc_i(OPCODE_LOAD, 3, 1, 2, -2048), 0x8001_3083); // ld ra,-2048(sp)
    assert_eq!(enc_s(OPCODE_STORE, 1, 5, 8, -2), 0xfe54_1f23); // sh t0,-2(s0)
    assert_eq!(enc_s(OPCODE_STORE, 2, 9, 15, 2047), 0x7e97_afa3); // sw s1,2047(a5)
    assert_eq!(enc_c_lw(10, 11, 4), 0x41c8); // c.lw a0,4(a1)
    assert_eq!(enc_c_ld(9, 15, 248), 0x7fe4); // c.ld s1,248(a5)
    assert_eq!(enc_c_sw(14, 8, 124), 0xdc78); // c.sw a4,124(s0)
    assert_eq!(enc_c_sd(13, 12, 8), 0xe614); // c.sd a3,8(a2)
    assert_eq!(enc_c_lwsp(1, 252), 0x50fe); // c.lwsp ra,252(sp)
    assert_eq!(enc_c_ldsp(31, 504), 0x7ffe); // c.ldsp t6,504(sp)
    assert_eq!(enc_c_swsp(27, 0), 0xc06e); // c.swsp s11,0(sp)
    assert_eq!(enc_c_swsp(10, 32), 0xd02a); // c.swsp a0,32(sp)
    assert_eq!(enc_c_swsp(10, 4), 0xc22a); // c.swsp a0,4(sp)
    assert_eq!(enc_c_sdsp(0, 32), 0xf002); // c.sdsp zero,32(sp)
    assert_eq!(enc_csr(1, 10, 11, 0x100), 0x1005_9573); // csrrw a0,sstatus,a1
    assert_eq!(enc_csr(7, 19, 17, 0xc00), 0xc008_f9f3); // csrrci s3,cycle,17
}

#[test]
fn every_32bit_load_for_every_register_and_offset() {
    let loads = [
        (0, Width::Byte, true),
        (1, Width::Half, true),
        (2, Width::Word, true),
        (3, Width::Double, true),
        (4, Width::Byte, false),
        (5, Width::Half, false),
        (6, Width::Word, false),
    ];
    let mut count = 0;
    for (funct3, width, signed) in loads {
        for rd in 0..32 {
            for rs1 in [0, 2, 10, 31] {
                for off in OFFSETS_12 {
                    let word = enc_i(OPCODE_LOAD, funct3, rd, rs1, off);
                    assert_eq!(decode_mmio(word), load(rd, width, signed), "{word:#x}");
                    assert_eq!(insn_len(word), 4);
                    count += 1;
                }
            }
        }
    }
    assert_eq!(count, 7 * 32 * 4 * 8);
}

#[test]
fn every_32bit_store_for_every_register_and_offset() {
    for (funct3, width) in ALL_WIDTHS.into_iter().enumerate() {
        for rs2 in 0..32 {
            for rs1 in [0, 2, 10, 31] {
                for off in OFFSETS_12 {
                    let word = enc_s(OPCODE_STORE, funct3 as u32, rs2, rs1, off);
                    assert_eq!(decode_mmio(word), store(rs2, width), "{word:#x}");
                    assert_eq!(insn_len(word), 4);
                }
            }
        }
    }
}

#[test]
fn every_compressed_register_form_for_every_register_and_offset() {
    for r in 8..16 {
        for base in 8..16 {
            for off in (0..128).step_by(4) {
                let lw = enc_c_lw(r, base, off);
                let sw = enc_c_sw(r, base, off);
                assert_eq!(decode_mmio(lw), load(r, Width::Word, true), "{lw:#x}");
                assert_eq!(decode_mmio(sw), store(r, Width::Word), "{sw:#x}");
                assert_eq!((insn_len(lw), insn_len(sw)), (2, 2));
            }
            for off in (0..256).step_by(8) {
                let ld = enc_c_ld(r, base, off);
                let sd = enc_c_sd(r, base, off);
                assert_eq!(decode_mmio(ld), load(r, Width::Double, true), "{ld:#x}");
                assert_eq!(decode_mmio(sd), store(r, Width::Double), "{sd:#x}");
                assert_eq!((insn_len(ld), insn_len(sd)), (2, 2));
            }
        }
    }
}

#[test]
fn every_compressed_sp_form_for_every_register_and_offset() {
    for r in 0..32 {
        for off in (0..256).step_by(4) {
            let lwsp = enc_c_lwsp(r, off);
            let swsp = enc_c_swsp(r, off);
            // rd = x0 is reserved for C.LWSP; any rs2 is fine for C.SWSP.
            let expected = if r == 0 {
                None
            } else {
                load(r, Width::Word, true)
            };
            assert_eq!(decode_mmio(lwsp), expected, "{lwsp:#x}");
            assert_eq!(decode_mmio(swsp), store(r, Width::Word), "{swsp:#x}");
            assert_eq!((insn_len(lwsp), insn_len(swsp)), (2, 2));
        }
        for off in (0..512).step_by(8) {
            let ldsp = enc_c_ldsp(r, off);
            let sdsp = enc_c_sdsp(r, off);
            let expected = if r == 0 {
                None
            } else {
                load(r, Width::Double, true)
            };
            assert_eq!(decode_mmio(ldsp), expected, "{ldsp:#x}");
            assert_eq!(decode_mmio(sdsp), store(r, Width::Double), "{sdsp:#x}");
            assert_eq!((insn_len(ldsp), insn_len(sdsp)), (2, 2));
        }
    }
}

/// Independent classification of every 16-bit word by the ISA's
/// mask/match tables.
fn reference_16(w: u32) -> Option<MmioAccess> {
    let rd_full = ((w >> 7) & 0x1f) as u8;
    let rs2_full = ((w >> 2) & 0x1f) as u8;
    let r_prime = 8 + ((w >> 2) & 7) as u8;
    match w & 0xe003 {
        0x4000 => load(r_prime, Width::Word, true),
        0x6000 => load(r_prime, Width::Double, true),
        0xc000 => store(r_prime, Width::Word),
        0xe000 => store(r_prime, Width::Double),
        0x4002 if rd_full != 0 => load(rd_full, Width::Word, true),
        0x6002 if rd_full != 0 => load(rd_full, Width::Double, true),
        0xc002 => store(rs2_full, Width::Word),
        0xe002 => store(rs2_full, Width::Double),
        _ => None,
    }
}

#[test]
fn all_16bit_words_exhaustively() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut accepted = 0;
    for w in 0..=0xffffu32 {
        if w & LEN_MASK == LEN_MASK {
            continue;
        }
        let expected = reference_16(w);
        assert_eq!(decode_mmio(w), expected, "{w:#06x}");
        // The high half is not part of a compressed instruction.
        let junk = rng.next() << 16;
        assert_eq!(decode_mmio(w | junk), expected, "{:#x}", w | junk);
        assert_eq!(insn_len(w | junk), 2);
        accepted += usize::from(expected.is_some());
    }
    // Eight formats fixing 5 bits (funct3, quadrant) of 16, less the
    // reserved rd = x0 encodings (5 more bits fixed) of C.LWSP and
    // C.LDSP.
    assert_eq!(accepted, 8 * (1 << 11) - 2 * (1 << 6));
}

#[test]
fn all_32bit_opcode_and_funct3_combinations() {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    for opcode in (0..128u32).filter(|o| o & 3 == 3) {
        for funct3 in 0..8u32 {
            for _ in 0..64 {
                let word = (rng.next() & !0x707f) | (funct3 << 12) | opcode;
                let rd = ((word >> 7) & 31) as u8;
                let rs2 = ((word >> 20) & 31) as u8;
                // Which register the access names; width and sign are
                // covered by the per-instruction tests.
                let got = decode_mmio(word).map(|access| match access {
                    MmioAccess::Load { rd, .. } => (true, rd),
                    MmioAccess::Store { rs2, .. } => (false, rs2),
                });
                let expected = match (opcode, funct3) {
                    (OPCODE_LOAD, 0..=6) => Some((true, rd)),
                    (OPCODE_STORE, 0..=3) => Some((false, rs2)),
                    _ => None,
                };
                assert_eq!(got, expected, "{word:#x}");
            }
        }
    }
}

#[test]
fn floating_point_loads_and_stores_are_rejected() {
    let literals = [
        0x0005_a507, // flw fa0,0(a1)
        0x0005_b507, // fld fa0,0(a1)
        0x00a5_a027, // fsw fa0,0(a1)
        0x00a5_b027, // fsd fa0,0(a1)
        0x2588,      // c.fld fa0,8(a1)
        0xa588,      // c.fsd fa0,8(a1)
        0x2522,      // c.fldsp fa0,8(sp)
        0xa42a,      // c.fsdsp fa0,8(sp)
    ];
    for word in literals {
        assert_eq!(decode_mmio(word), None, "{word:#x}");
    }
    // LOAD-FP and STORE-FP for every width (H, W, D, Q and the vector
    // element widths) and register.
    for funct3 in 0..8 {
        for r in 0..32 {
            assert_eq!(decode_mmio(enc_i(0x07, funct3, r, 10, 8)), None);
            assert_eq!(decode_mmio(enc_s(0x27, funct3, r, 10, 8)), None);
        }
    }
}

#[test]
fn other_instructions_are_rejected() {
    let words = [
        0x0000_0013, // addi zero,zero,0 (nop)
        0x0000_0537, // lui a0,0x0
        0x0000_006f, // jal zero,0
        0x0ff0_000f, // fence
        0x1005_a52f, // lr.w a0,(a1)
        0x18b5_a52f, // sc.w a0,a1,(a1)
        0x00b5_b52f, // amoadd.d a0,a1,(a1)
        0x0000_0073, // ecall
        0x1020_0073, // sret
        0x6c05_c573, // hlv.d a0,(a1)
        0x0000_7003, // funct3 7 of LOAD: RV128 LDU
        0x0000_4023, // funct3 4 of STORE: RV128 SQ
        0x0000_001f, // first parcel of a 48-bit instruction
        0x0000,      // the defined illegal instruction
        0x4002,      // c.lwsp zero,0(sp): reserved
        0x6002,      // c.ldsp zero,0(sp): reserved
        0x0001,      // c.nop (c.addi zero,0)
        0x8082,      // c.jr ra (ret)
        0x9002,      // c.ebreak
        0x0048,      // c.addi4spn a0,sp,4
    ];
    for word in words {
        assert_eq!(decode_mmio(word), None, "{word:#x}");
    }
}

#[test]
fn zcb_loads_and_stores_are_rejected() {
    // Quadrant 0, funct3 100: reserved in RV64C, Zcb's C.LBU, C.LHU,
    // C.LH, C.SB and C.SH. The C backend does not decode them; a
    // hypervisor with htinst still sees them as LBU/LHU/LH/SB/SH.
    for low in 0..(1 << 13) {
        let word = (0b100 << 13) | (low & !0b11);
        assert_eq!(decode_mmio(word), None, "{word:#x}");
    }
}

// Tests of [`decode_system`] and of the CSR instructions it decodes.

#[test]
fn literal_system_instructions() {
    let csr = |csr, op, rd, source| {
        Some(SystemInsn::Csr(CsrInsn {
            csr,
            op,
            rd,
            source,
        }))
    };
    let cases = [
        // csrrw a0,sstatus,a1
        (
            0x1005_9573,
            csr(0x100, CsrOp::Write, 10, CsrSource::Reg(11)),
        ),
        // csrrs zero,sip,t0
        (0x1442_a073, csr(0x144, CsrOp::Set, 0, CsrSource::Reg(5))),
        // csrrc ra,seed,zero
        (0x0150_30f3, csr(0x015, CsrOp::Clear, 1, CsrSource::Reg(0))),
        // csrrwi t1,scontext,31
        (0x5a8f_d373, csr(0x5a8, CsrOp::Write, 6, CsrSource::Imm(31))),
        // csrrsi zero,sie,0
        (0x1040_6073, csr(0x104, CsrOp::Set, 0, CsrSource::Imm(0))),
        // csrrci s3,cycle,17
        (
            0xc008_f9f3,
            csr(0xc00, CsrOp::Clear, 19, CsrSource::Imm(17)),
        ),
        // csrr a5,seed (csrrs a5,seed,zero)
        (0x0150_27f3, csr(0x015, CsrOp::Set, 15, CsrSource::Reg(0))),
        (0x1050_0073, Some(SystemInsn::Wfi)),    // wfi
        (0x00d0_0073, Some(SystemInsn::WrsNto)), // wrs.nto
        (0x01d0_0073, Some(SystemInsn::WrsSto)), // wrs.sto
        (0x1020_0073, None),                     // sret
        (0x0000_0073, None),                     // ecall
        (0x0010_0073, None),                     // ebreak
        (0x1200_0073, None),                     // sfence.vma zero,zero
        (0x6c05_c573, None),                     // hlv.d a0,(a1)
    ];
    for (word, expected) in cases {
        assert_eq!(decode_system(word), expected, "{word:#x}");
    }
}

#[test]
fn every_csr_instruction_form() {
    let forms = [
        (1, CsrOp::Write, false),
        (2, CsrOp::Set, false),
        (3, CsrOp::Clear, false),
        (5, CsrOp::Write, true),
        (6, CsrOp::Set, true),
        (7, CsrOp::Clear, true),
    ];
    for (funct3, op, imm) in forms {
        for rd in 0..32 {
            for rs1 in 0..32 {
                for csr in [0x000, 0x015, 0x100, 0x7ff, 0x800, 0xc00, 0xfff] {
                    let word = enc_csr(funct3, rd, rs1, csr);
                    let source = if imm {
                        CsrSource::Imm(rs1)
                    } else {
                        CsrSource::Reg(rs1)
                    };
                    let expected = CsrInsn {
                        csr,
                        op,
                        rd,
                        source,
                    };
                    assert_eq!(
                        decode_system(word),
                        Some(SystemInsn::Csr(expected)),
                        "{word:#x}"
                    );
                }
            }
        }
    }
}

#[test]
fn non_system_words_are_not_system_instructions() {
    let mut rng = Rng(0xdead_beef_cafe_f00d);
    for _ in 0..10_000 {
        let word = rng.next();
        if word & 0x7f != OPCODE_SYSTEM {
            assert_eq!(decode_system(word), None, "{word:#x}");
        }
    }
    // Compressed words, including ones whose low half looks like a
    // SYSTEM opcode in a longer word.
    for word in [0x0073u32, 0x9002, 0x41c8, 0x1050_0071, 0x1050_0072] {
        assert_eq!(decode_system(word), None, "{word:#x}");
    }
}

#[test]
fn wfi_and_wrs_need_the_exact_encoding() {
    let exact = [INSN_WFI, INSN_WRS_NTO, INSN_WRS_STO];
    for insn in exact {
        assert!(decode_system(insn).is_some());
        // Any other bit in rd, rs1 or funct12 makes it something else
        // (or, for bit 24 of WRS, the other WRS).
        for b in (7..12).chain(15..32) {
            let word = insn ^ (1 << b);
            if exact.contains(&word) {
                continue;
            }
            assert!(
                !matches!(
                    decode_system(word),
                    Some(SystemInsn::Wfi | SystemInsn::WrsNto | SystemInsn::WrsSto)
                ),
                "{word:#x}"
            );
        }
    }
    assert_eq!(INSN_WRS_NTO ^ INSN_WRS_STO, 1 << 24);
}

#[test]
fn csr_update_values() {
    let insn = |op, source| CsrInsn {
        csr: 0x144,
        op,
        rd: 1,
        source,
    };
    let v = 0x8000_0000_0000_0222;
    assert_eq!(
        insn(CsrOp::Write, CsrSource::Reg(5)).update(v),
        CsrUpdate {
            new_value: v,
            write_mask: u64::MAX
        }
    );
    assert_eq!(
        insn(CsrOp::Set, CsrSource::Reg(5)).update(v),
        CsrUpdate {
            new_value: u64::MAX,
            write_mask: v
        }
    );
    assert_eq!(
        insn(CsrOp::Clear, CsrSource::Reg(5)).update(v),
        CsrUpdate {
            new_value: 0,
            write_mask: v
        }
    );
    // Immediate forms use zimm and ignore the register value.
    assert_eq!(
        insn(CsrOp::Write, CsrSource::Imm(31)).update(v),
        CsrUpdate {
            new_value: 31,
            write_mask: u64::MAX
        }
    );
    assert_eq!(
        insn(CsrOp::Set, CsrSource::Imm(2)).update(v),
        CsrUpdate {
            new_value: u64::MAX,
            write_mask: 2
        }
    );
    assert_eq!(
        insn(CsrOp::Clear, CsrSource::Imm(17)).update(v),
        CsrUpdate {
            new_value: 0,
            write_mask: 17
        }
    );
    // Applying the update gives the architectural result.
    let old = 0x0000_ffff_0000_0f0f_u64;
    let apply = |u: CsrUpdate| (old & !u.write_mask) | (u.new_value & u.write_mask);
    assert_eq!(apply(insn(CsrOp::Write, CsrSource::Reg(5)).update(v)), v);
    assert_eq!(
        apply(insn(CsrOp::Set, CsrSource::Reg(5)).update(v)),
        old | v
    );
    assert_eq!(
        apply(insn(CsrOp::Clear, CsrSource::Reg(5)).update(v)),
        old & !v
    );
    assert_eq!(apply(insn(CsrOp::Set, CsrSource::Imm(0)).update(v)), old);
}

#[test]
fn csr_reads_only() {
    let writes = |word| match decode_system(word) {
        Some(SystemInsn::Csr(c)) => c.writes(),
        other => panic!("{word:#x} decoded as {other:?}"),
    };
    for rs1 in 0..32 {
        // CSRRW and CSRRWI always write, even from x0 or with zimm 0.
        assert!(writes(enc_csr(1, 3, rs1, 0x140)));
        assert!(writes(enc_csr(5, 3, rs1, 0x140)));
        // The others write unless the operand field is zero.
        for funct3 in [2, 3, 6, 7] {
            assert_eq!(writes(enc_csr(funct3, 3, rs1, 0x140)), rs1 != 0);
        }
    }
    assert!(!writes(0x0150_27f3)); // csrr a5,seed
    assert!(!writes(0x1040_6073)); // csrrsi zero,sie,0
    assert!(writes(0x1442_a073)); // csrrs zero,sip,t0
}

// Tests of [`TrappedInsn`]: the trapped instruction from `htinst`, or
// fetched.

/// `htinst` for a compressed instruction whose 32-bit equivalent is
/// `equivalent`: the equivalent with bit 1 cleared. Callers pass the
/// equivalent with a zero immediate and a zero rs1 field, as the
/// transformation leaves them (rs1 carries the address offset of a
/// misaligned access, zero here).
fn transformed_compressed(equivalent: u32) -> u64 {
    u64::from(equivalent & !0b10)
}

#[test]
fn htinst_zero_and_pseudoinstructions_mean_fetch() {
    // Zero, and the pseudoinstructions for implicit VS-stage accesses
    // (32-/64-bit read, 32-/64-bit write).
    for htinst in [0u64, 0x2000, 0x3000, 0x2020, 0x3020] {
        assert_eq!(TrappedInsn::from_htinst(htinst), None, "{htinst:#x}");
    }
    // Bit 0 clear is never a transformed instruction.
    assert_eq!(TrappedInsn::from_htinst(0x0005_a502), None);
    // No transformation sets bits above 31.
    assert_eq!(TrappedInsn::from_htinst(1 << 32 | 0x0005_a503), None);
    assert_eq!(TrappedInsn::from_htinst(u64::MAX), None);
}

#[test]
fn htinst_transformed_32bit() {
    // lw s1,2047(a5) transformed: offset and base zeroed.
    let htinst = u64::from(enc_i(OPCODE_LOAD, 2, 9, 0, 0));
    let t = TrappedInsn::from_htinst(htinst).unwrap();
    assert_eq!(
        t,
        TrappedInsn {
            word: 0x2483,
            len: 4
        }
    );
    assert_eq!(decode_mmio(t.word), load(9, Width::Word, true));

    // A misaligned sd whose rs1 field carries the address offset 3.
    let htinst = u64::from(enc_s(OPCODE_STORE, 3, 17, 3, 0));
    let t = TrappedInsn::from_htinst(htinst).unwrap();
    assert_eq!(t.len, 4);
    assert_eq!(decode_mmio(t.word), store(17, Width::Double));
}

#[test]
fn htinst_transformed_compressed() {
    // c.lw a0,4(a1) -> lw a0,0(x0) with bit 1 cleared.
    assert_eq!(
        transformed_compressed(enc_i(OPCODE_LOAD, 2, 10, 0, 0)),
        0x2501
    );
    let t = TrappedInsn::from_htinst(0x2501).unwrap();
    assert_eq!(
        t,
        TrappedInsn {
            word: 0x2503,
            len: 2
        }
    );
    assert_eq!(decode_mmio(t.word), load(10, Width::Word, true));

    // Every compressed form, every register it can name.
    for r in 0..32u8 {
        let cases = [
            (enc_i(OPCODE_LOAD, 2, r, 0, 0), load(r, Width::Word, true)),
            (enc_i(OPCODE_LOAD, 3, r, 0, 0), load(r, Width::Double, true)),
            (enc_s(OPCODE_STORE, 2, r, 0, 0), store(r, Width::Word)),
            (enc_s(OPCODE_STORE, 3, r, 0, 0), store(r, Width::Double)),
        ];
        for (equivalent, expected) in cases {
            let t = TrappedInsn::from_htinst(transformed_compressed(equivalent)).unwrap();
            assert_eq!(t.len, 2);
            assert_eq!(t.word, equivalent);
            assert_eq!(decode_mmio(t.word), expected);
        }
    }
    // c.ldsp t6,504(sp) -> ld t6,0(zero), bit 1 cleared.
    let t = TrappedInsn::from_htinst(transformed_compressed(0x0000_3f83)).unwrap();
    assert_eq!(t.len, 2);
    assert_eq!(decode_mmio(t.word), load(31, Width::Double, true));
}

#[test]
fn fetched_length() {
    assert_eq!(TrappedInsn::fetched(0x0005_8503).len, 4);
    assert_eq!(TrappedInsn::fetched(0x41c8).len, 2);
    assert_eq!(TrappedInsn::fetched(0xffff_41c8).len, 2);
    assert_eq!(TrappedInsn::fetched(0).len, 2);
    assert_eq!(TrappedInsn::fetched(0x41c8).word, 0x41c8);
}
