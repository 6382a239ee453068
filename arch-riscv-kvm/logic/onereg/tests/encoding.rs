// SPDX-License-Identifier: GPL-2.0

//! Tests of the UAPI values `encoding.rs` (and the named extension ids and
//! errnos) restate.

use super::*;

#[test]
fn uapi_constants_have_documented_values() {
    assert_eq!(KVM_REG_ARCH_MASK, 0xff00000000000000);
    assert_eq!(KVM_REG_RISCV, 0x8000000000000000);
    assert_eq!(KVM_REG_SIZE_SHIFT, 52);
    assert_eq!(KVM_REG_SIZE_MASK, 0x00f0000000000000);
    assert_eq!(KVM_REG_SIZE_U8, 0x0000000000000000);
    assert_eq!(KVM_REG_SIZE_U16, 0x0010000000000000);
    assert_eq!(KVM_REG_SIZE_U32, 0x0020000000000000);
    assert_eq!(KVM_REG_SIZE_U64, 0x0030000000000000);
    assert_eq!(KVM_REG_SIZE_U128, 0x0040000000000000);
    assert_eq!(KVM_REG_SIZE_U256, 0x0050000000000000);
    assert_eq!(KVM_REG_SIZE_U512, 0x0060000000000000);
    assert_eq!(KVM_REG_SIZE_U1024, 0x0070000000000000);
    assert_eq!(KVM_REG_SIZE_U2048, 0x0080000000000000);

    assert_eq!(KVM_REG_RISCV_TYPE_MASK, 0x00000000FF000000);
    assert_eq!(KVM_REG_RISCV_TYPE_SHIFT, 24);
    assert_eq!(KVM_REG_RISCV_SUBTYPE_MASK, 0x0000000000FF0000);
    assert_eq!(KVM_REG_RISCV_SUBTYPE_SHIFT, 16);

    assert_eq!(KVM_REG_RISCV_CONFIG, 1 << 24);
    assert_eq!(KVM_REG_RISCV_CORE, 2 << 24);
    assert_eq!(KVM_REG_RISCV_CSR, 3 << 24);
    assert_eq!(KVM_REG_RISCV_TIMER, 4 << 24);
    assert_eq!(KVM_REG_RISCV_FP_F, 5 << 24);
    assert_eq!(KVM_REG_RISCV_FP_D, 6 << 24);
    assert_eq!(KVM_REG_RISCV_ISA_EXT, 7 << 24);
    assert_eq!(KVM_REG_RISCV_SBI_EXT, 8 << 24);
    assert_eq!(KVM_REG_RISCV_VECTOR, 9 << 24);
    assert_eq!(KVM_REG_RISCV_SBI_STATE, 10 << 24);

    assert_eq!(KVM_REG_RISCV_CSR_GENERAL, 0);
    assert_eq!(KVM_REG_RISCV_CSR_AIA, 1 << 16);
    assert_eq!(KVM_REG_RISCV_CSR_SMSTATEEN, 2 << 16);
    assert_eq!(KVM_REG_RISCV_ISA_SINGLE, 0);
    assert_eq!(KVM_REG_RISCV_ISA_MULTI_EN, 1 << 16);
    assert_eq!(KVM_REG_RISCV_ISA_MULTI_DIS, 2 << 16);
    assert_eq!(KVM_REG_RISCV_SBI_SINGLE, 0);
    assert_eq!(KVM_REG_RISCV_SBI_MULTI_EN, 1 << 16);
    assert_eq!(KVM_REG_RISCV_SBI_MULTI_DIS, 2 << 16);
    assert_eq!(KVM_REG_RISCV_SBI_STA, 0);

    assert_eq!(KVM_RISCV_ISA_EXT_MAX, 62);
    assert_eq!(KVM_RISCV_SBI_EXT_MAX, 11);
    assert_eq!(KVM_REG_RISCV_ISA_MULTI_REG_LAST, 0);
    assert_eq!(KVM_REG_RISCV_SBI_MULTI_REG_LAST, 0);

    assert_eq!(IsaExtId::D.get(), 2);
    assert_eq!(IsaExtId::F.get(), 3);
    assert_eq!(IsaExtId::ZICBOM.get(), 11);
    assert_eq!(IsaExtId::ZICBOZ.get(), 12);
    assert_eq!(IsaExtId::SSAIA.get(), 14);
    assert_eq!(IsaExtId::V.get(), 15);
    assert_eq!(IsaExtId::SMSTATEEN.get(), 23);
    assert_eq!(SbiExtId::STA.get(), 10);

    assert_eq!(RegIdError::NotFound.to_errno(), -2);
    assert_eq!(RegIdError::BadSize.to_errno(), -22);
    assert_eq!(RegIdError::Invalid.to_errno(), -22);
    assert_eq!(RegIdError::BadValue.to_errno(), -22);
    assert_eq!(RegIdError::Busy.to_errno(), -16);
}

/// Cross-checks the restated enum values against the project's UAPI
/// header, which scripts/check-uapi-abi.sh holds to upstream.
#[test]
fn ids_match_the_uapi_header() {
    let header = include_str!("../../../../include-uapi/asm/kvm.h");
    let value = |name: &str| -> u32 {
        let line = header
            .lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("{name} not in the header"));
        let v = line.split('=').nth(1).unwrap().trim();
        let digits: String = v.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().unwrap()
    };
    assert_eq!(value("KVM_RISCV_ISA_EXT_MAX"), KVM_RISCV_ISA_EXT_MAX);
    assert_eq!(value("KVM_RISCV_SBI_EXT_MAX"), KVM_RISCV_SBI_EXT_MAX);
    for (name, id) in [
        ("KVM_RISCV_ISA_EXT_D", IsaExtId::D),
        ("KVM_RISCV_ISA_EXT_F", IsaExtId::F),
        ("KVM_RISCV_ISA_EXT_ZICBOM", IsaExtId::ZICBOM),
        ("KVM_RISCV_ISA_EXT_ZICBOZ", IsaExtId::ZICBOZ),
        ("KVM_RISCV_ISA_EXT_SSAIA", IsaExtId::SSAIA),
        ("KVM_RISCV_ISA_EXT_V", IsaExtId::V),
        ("KVM_RISCV_ISA_EXT_SMSTATEEN", IsaExtId::SMSTATEEN),
    ] {
        assert_eq!(value(name), id.get(), "{name}");
    }
    assert_eq!(value("KVM_RISCV_SBI_EXT_STA"), SbiExtId::STA.get());
    assert_eq!(value("KVM_RISCV_ISA_EXT_H"), 4);
}
