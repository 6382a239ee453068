// SPDX-License-Identifier: GPL-2.0

//! Tests of [`TrappedInsn`]: the trapped instruction from `htinst`, or
//! fetched.

use super::*;

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
