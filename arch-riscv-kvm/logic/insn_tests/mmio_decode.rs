// SPDX-License-Identifier: GPL-2.0

//! Tests of [`decode_mmio`]: which loads and stores it decodes, and which
//! it rejects.

use super::*;

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
