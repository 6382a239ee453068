// SPDX-License-Identifier: GPL-2.0

//! Tests of [`decode_system`] and of the CSR instructions it decodes.

use super::*;

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
