// SPDX-License-Identifier: GPL-2.0

//! Tests of the CONFIG `isa` register.

use super::*;

#[test]
fn config_isa_read_is_the_single_letters() {
    let isa = initial_vcpu_isa(&everything(), true);
    // All mapped letters except H.
    let letters = (1 << 0) | (1 << 2) | (1 << 3) | (1 << 5) | (1 << 8) | (1 << 12) | (1 << 21);
    assert_eq!(config_isa_value(&isa), letters);
    // Word 0 also holds multi-letter ids 26..=63; they are not shown.
    assert!(isa.has(HostExtId::SSTC) && isa.words()[0] >> 26 != 0);
}

#[test]
fn config_isa_einval_follows_fls_of_32_bits() {
    let host = everything();
    let mut isa = initial_vcpu_isa(&host, true);
    let before = isa;
    let cur = config_isa_value(&isa);
    // Bit 25 ('z') already fails: fls() == 26.
    for bit in 25..32 {
        for ran in [false, true] {
            let r = set_config_isa(&mut isa, &host, cur | 1 << bit, ran, true);
            assert_eq!(r, Err(IsaError::Invalid), "bit {bit}");
            assert_eq!(r.unwrap_err().to_errno(), EINVAL);
        }
    }
    assert_eq!(isa, before);
    // Bits 32..=63 escape the check (fls() takes an unsigned int):
    // the value differs, so it is EBUSY after a run and otherwise a
    // write whose high bits are dropped.
    for bit in 32..64 {
        let v = cur | 1 << bit;
        assert_eq!(
            set_config_isa(&mut isa, &host, v, true, true),
            Err(IsaError::Busy)
        );
        assert_eq!(
            set_config_isa(&mut isa, &host, v, false, true),
            Ok(IsaWrite::Written),
            "bit {bit}"
        );
        assert_eq!(isa, before);
    }
}

#[test]
fn config_isa_same_value_is_a_no_op_even_after_run() {
    let host = qemu_like();
    let mut isa = initial_vcpu_isa(&host, true);
    let before = isa;
    let cur = config_isa_value(&isa);
    for ran in [false, true] {
        assert_eq!(
            set_config_isa(&mut isa, &host, cur, ran, false),
            Ok(IsaWrite::Unchanged)
        );
    }
    assert_eq!(isa, before);
    // A different value after a run is EBUSY and leaves the ISA alone.
    let r = set_config_isa(&mut isa, &host, cur & !(1 << 3), true, true);
    assert_eq!(r, Err(IsaError::Busy));
    assert_eq!(r.unwrap_err().to_errno(), EBUSY);
    assert_eq!(isa, before);
}

#[test]
fn config_isa_coerces_instead_of_failing() {
    let host = qemu_like().with(HostExtId::V);
    let mut isa = initial_vcpu_isa(&host, true);
    let multi = isa.words()[0] & !KVM_RISCV_BASE_ISA_MASK;
    let hi = isa.words()[1];
    let bit = |c: u8| 1u64 << (c - b'a');

    // Drop everything: A C I M cannot be disabled and stay; D F V go.
    assert_eq!(
        set_config_isa(&mut isa, &host, 0, false, true),
        Ok(IsaWrite::Written)
    );
    assert_eq!(
        config_isa_value(&isa),
        bit(b'a') | bit(b'c') | bit(b'i') | bit(b'm')
    );
    // Multi-letter extensions are untouched.
    assert_eq!(isa.words()[0] & !KVM_RISCV_BASE_ISA_MASK, multi);
    assert_eq!(isa.words()[1], hi);

    // Ask for every letter: H is refused, unmapped letters (b, e, q,
    // ..., even q which the host has) vanish; D F V come back.
    assert_eq!(
        set_config_isa(&mut isa, &host, (1 << 25) - 1, false, true),
        Ok(IsaWrite::Written)
    );
    let back = bit(b'a') | bit(b'c') | bit(b'd') | bit(b'f') | bit(b'i') | bit(b'm') | bit(b'v');
    assert_eq!(config_isa_value(&isa), back);

    // V only while the task may use vector.
    let _ = set_config_isa(&mut isa, &host, 0, false, true).unwrap();
    let _ = set_config_isa(&mut isa, &host, back, false, false).unwrap();
    assert_eq!(config_isa_value(&isa), back & !bit(b'v'));

    // A coercion back to the current set still counts as a write
    // (upstream resets FP state regardless).
    let cur = config_isa_value(&isa);
    let w = set_config_isa(&mut isa, &host, cur & !bit(b'a'), false, true);
    assert_eq!(w, Ok(IsaWrite::Written));
    assert!(w.unwrap().needs_fp_reset());
    assert_eq!(config_isa_value(&isa), cur);
}

#[test]
fn config_isa_is_bounded_by_the_host() {
    // A host without C: C cannot be disabled, yet it is not forced on.
    use HostExtId as H;
    let host = host_of(&[H::A, H::I, H::M, H::H, H::ZBA]);
    let mut isa = initial_vcpu_isa(&host, true);
    assert_eq!(config_isa_value(&isa), 1 | 1 << 8 | 1 << 12);
    let _ = set_config_isa(&mut isa, &host, 0x1ff_ffff, false, true).unwrap();
    assert_eq!(config_isa_value(&isa), 1 | 1 << 8 | 1 << 12);
    assert!(isa.has_ext(IsaExt::Zba));
}
