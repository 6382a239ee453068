// SPDX-License-Identifier: GPL-2.0

//! Tests of `parse`: the checks that depend on the id alone, in upstream
//! order.

use super::*;

#[test]
fn bad_sizes_are_einval() {
    use RegIdError::BadSize;
    let f = full();
    for size in [
        KVM_REG_SIZE_U8,
        KVM_REG_SIZE_U16,
        KVM_REG_SIZE_U32,
        KVM_REG_SIZE_U128,
    ] {
        let s = KVM_REG_RISCV | size;
        for class in [
            KVM_REG_RISCV_CONFIG,
            KVM_REG_RISCV_CORE,
            KVM_REG_RISCV_CSR,
            KVM_REG_RISCV_CSR | KVM_REG_RISCV_CSR_AIA,
            KVM_REG_RISCV_CSR | KVM_REG_RISCV_CSR_SMSTATEEN,
            KVM_REG_RISCV_TIMER,
            KVM_REG_RISCV_ISA_EXT,
            KVM_REG_RISCV_SBI_EXT,
            KVM_REG_RISCV_SBI_STATE,
            KVM_REG_RISCV_VECTOR,
            KVM_REG_RISCV_FP_D,
        ] {
            assert_eq!(parse(s | class), Err(BadSize), "{:#x}", s | class);
            assert_eq!(lookup(s | class, &f), Err(BadSize));
        }
    }
    assert_eq!(parse(U64 | KVM_REG_RISCV_FP_F), Err(BadSize));
    assert_eq!(parse(U64 | KVM_REG_RISCV_FP_F | 32), Err(BadSize));
    assert_eq!(parse(U64 | KVM_REG_RISCV_FP_D | 32), Err(BadSize));
    assert_eq!(parse(U32 | KVM_REG_RISCV_FP_D | 31), Err(BadSize));
    // Vector data registers must be exactly vlenb (32 here).
    let v0 = KVM_REG_RISCV_VECTOR | 6;
    assert!(lookup(KVM_REG_RISCV | KVM_REG_SIZE_U256 | v0, &f).is_ok());
    for size in [KVM_REG_SIZE_U64, KVM_REG_SIZE_U128, KVM_REG_SIZE_U512] {
        assert!(parse(KVM_REG_RISCV | size | v0).is_ok());
        assert_eq!(lookup(KVM_REG_RISCV | size | v0, &f), Err(BadSize));
    }
}

#[test]
fn size_is_checked_before_the_index_where_upstream_does() {
    use RegIdError::*;
    // An unknown index with a bad size is EINVAL for these classes.
    // One byte is no register's size.
    let u8 = KVM_REG_RISCV | KVM_REG_SIZE_U8;
    for class in [
        KVM_REG_RISCV_CONFIG | 7,
        KVM_REG_RISCV_CORE | 33,
        KVM_REG_RISCV_CSR | 11,
        KVM_REG_RISCV_CSR | 0x7f_0000,
        KVM_REG_RISCV_TIMER | 4,
        KVM_REG_RISCV_FP_F | 33,
        KVM_REG_RISCV_ISA_EXT | 62,
        KVM_REG_RISCV_SBI_EXT | 11,
        KVM_REG_RISCV_SBI_STATE | 2,
        KVM_REG_RISCV_VECTOR | 5,
    ] {
        assert_eq!(lookup(u8 | class, &full()), Err(BadSize), "{class:#x}");
    }
    // FP_D checks the index first (its size depends on it), and
    // vector indices past the CSRs are ENOENT whatever the size.
    assert_eq!(lookup(u8 | KVM_REG_RISCV_FP_D | 33, &full()), Err(NotFound));
    assert_eq!(
        lookup(u8 | KVM_REG_RISCV_VECTOR | 38, &full()),
        Err(NotFound)
    );
    // The type is checked before everything.
    assert_eq!(parse(u8 | (11 << 24)), Err(NotFound));
}

#[test]
fn unknown_types_and_indices_are_enoent() {
    use RegIdError::*;
    for ty in [0u64, 11, 12, 0x7f, 0xff] {
        assert_eq!(parse(U64 | ty << 24), Err(NotFound), "type {ty}");
        assert_eq!(set_precheck(U64 | ty << 24, &full(), false), Err(NotFound));
    }
    for id in [
        U64 | KVM_REG_RISCV_CONFIG | 7,
        U64 | KVM_REG_RISCV_CONFIG | 1 << 16,
        U64 | KVM_REG_RISCV_CORE | 33,
        U64 | KVM_REG_RISCV_CORE | 1 << 16,
        U64 | KVM_REG_RISCV_CSR | 11,
        U64 | KVM_REG_RISCV_CSR | KVM_REG_RISCV_CSR_AIA | 7,
        U64 | KVM_REG_RISCV_CSR | 3 << 16,
        U64 | KVM_REG_RISCV_CSR | 0xff << 16,
        U64 | KVM_REG_RISCV_TIMER | 4,
        U64 | KVM_REG_RISCV_TIMER | 1 << 16,
        U32 | KVM_REG_RISCV_FP_F | 33,
        U64 | KVM_REG_RISCV_FP_D | 33,
        U64 | KVM_REG_RISCV_VECTOR | 5, // datap
        U64 | KVM_REG_RISCV_VECTOR | 38,
        U64 | KVM_REG_RISCV_VECTOR | 1 << 16,
        // Out-of-range ISA/SBI extension ids.
        U64 | KVM_REG_RISCV_ISA_EXT | 62,
        U64 | KVM_REG_RISCV_ISA_EXT | 0xffff,
        U64 | KVM_REG_RISCV_SBI_EXT | 11,
        // MULTI words past the last one.
        U64 | KVM_REG_RISCV_ISA_EXT | KVM_REG_RISCV_ISA_MULTI_EN | 1,
        U64 | KVM_REG_RISCV_ISA_EXT | KVM_REG_RISCV_ISA_MULTI_DIS | 1,
        U64 | KVM_REG_RISCV_SBI_EXT | KVM_REG_RISCV_SBI_MULTI_EN | 1,
        U64 | KVM_REG_RISCV_SBI_EXT | KVM_REG_RISCV_SBI_MULTI_DIS | 1,
        // Unknown ISA/SBI subtypes.
        U64 | KVM_REG_RISCV_ISA_EXT | 3 << 16,
        U64 | KVM_REG_RISCV_SBI_EXT | 3 << 16,
    ] {
        assert_eq!(parse(id), Err(NotFound), "{id:#x}");
        assert_eq!(lookup(id, &full()), Err(NotFound), "{id:#x}");
    }
}

#[test]
fn einval_classes() {
    use RegIdError::Invalid;
    let smstateen = U64 | KVM_REG_RISCV_CSR | KVM_REG_RISCV_CSR_SMSTATEEN;
    assert_eq!(parse(smstateen | 1), Err(Invalid));
    assert_eq!(parse(smstateen | 0xffff), Err(Invalid));
    let sta = U64 | KVM_REG_RISCV_SBI_STATE;
    assert_eq!(parse(sta | 2), Err(Invalid));
    assert_eq!(parse(sta | 1 << 16), Err(Invalid));
    assert_eq!(parse(sta | 0xff << 16), Err(Invalid));
}

#[test]
fn stray_bits_in_32_to_51_make_the_index_unknown() {
    use RegIdError::*;
    for bit in [32u32, 40, 51] {
        let b = 1u64 << bit;
        assert_eq!(parse(U64 | KVM_REG_RISCV_CONFIG | b), Err(NotFound));
        assert_eq!(parse(U64 | KVM_REG_RISCV_CORE | b), Err(NotFound));
        assert_eq!(parse(U64 | KVM_REG_RISCV_CSR | b), Err(NotFound));
        assert_eq!(
            parse(U64 | KVM_REG_RISCV_ISA_EXT | KVM_REG_RISCV_ISA_MULTI_EN | b),
            Err(NotFound)
        );
        assert_eq!(
            parse(U64 | KVM_REG_RISCV_CSR | KVM_REG_RISCV_CSR_SMSTATEEN | b),
            Err(Invalid)
        );
        assert_eq!(parse(U64 | KVM_REG_RISCV_SBI_STATE | b), Err(Invalid));
        assert_eq!(parse(U64 | KVM_REG_RISCV_VECTOR | b), Err(NotFound));
    }
}

#[test]
fn the_arch_field_is_ignored_like_upstream() {
    let pc = KVM_REG_SIZE_U64 | KVM_REG_RISCV_CORE;
    for arch in [0u64, 0x60, 0x80, 0xff] {
        let id = arch << 56 | pc;
        assert_eq!(parse(id), Ok(RegId::Core(CoreReg::Pc)));
        assert_eq!(encode(parse(id).unwrap()), KVM_REG_RISCV | pc);
    }
}
