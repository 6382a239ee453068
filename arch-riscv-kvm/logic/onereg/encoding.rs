// SPDX-License-Identifier: GPL-2.0

//! Register id encoding: the fields of `<linux/kvm.h>` and `<asm/kvm.h>`.
//!
//! Kernel bindings are not available to the host build, so the UAPI values
//! are restated here; the tests pin each one to its documented number.

/// Architecture field of a register id.
pub const KVM_REG_ARCH_MASK: u64 = 0xff00_0000_0000_0000;
/// Architecture field value of RISC-V register ids.
pub const KVM_REG_RISCV: u64 = 0x8000_0000_0000_0000;

/// Position of the size field: the register is `1 << field` bytes wide.
pub const KVM_REG_SIZE_SHIFT: u32 = 52;
/// Size field of a register id.
pub const KVM_REG_SIZE_MASK: u64 = 0x00f0_0000_0000_0000;
/// Size field of a 1-byte register.
pub const KVM_REG_SIZE_U8: u64 = 0 << KVM_REG_SIZE_SHIFT;
/// Size field of a 2-byte register.
pub const KVM_REG_SIZE_U16: u64 = 1 << KVM_REG_SIZE_SHIFT;
/// Size field of a 4-byte register.
pub const KVM_REG_SIZE_U32: u64 = 2 << KVM_REG_SIZE_SHIFT;
/// Size field of an 8-byte register.
pub const KVM_REG_SIZE_U64: u64 = 3 << KVM_REG_SIZE_SHIFT;
/// Size field of a 16-byte register.
pub const KVM_REG_SIZE_U128: u64 = 4 << KVM_REG_SIZE_SHIFT;
/// Size field of a 32-byte register.
pub const KVM_REG_SIZE_U256: u64 = 5 << KVM_REG_SIZE_SHIFT;
/// Size field of a 64-byte register.
pub const KVM_REG_SIZE_U512: u64 = 6 << KVM_REG_SIZE_SHIFT;
/// Size field of a 128-byte register.
pub const KVM_REG_SIZE_U1024: u64 = 7 << KVM_REG_SIZE_SHIFT;
/// Size field of a 256-byte register.
pub const KVM_REG_SIZE_U2048: u64 = 8 << KVM_REG_SIZE_SHIFT;

/// Position of the RISC-V register type field.
pub const KVM_REG_RISCV_TYPE_SHIFT: u32 = 24;
/// RISC-V register type field.
pub const KVM_REG_RISCV_TYPE_MASK: u64 = 0xff << KVM_REG_RISCV_TYPE_SHIFT;
/// Position of the RISC-V register subtype field.
pub const KVM_REG_RISCV_SUBTYPE_SHIFT: u32 = 16;
/// RISC-V register subtype field.
pub const KVM_REG_RISCV_SUBTYPE_MASK: u64 = 0xff << KVM_REG_RISCV_SUBTYPE_SHIFT;

/// Type 1: `struct kvm_riscv_config`.
pub const KVM_REG_RISCV_CONFIG: u64 = 0x01 << KVM_REG_RISCV_TYPE_SHIFT;
/// Type 2: `struct kvm_riscv_core`.
pub const KVM_REG_RISCV_CORE: u64 = 0x02 << KVM_REG_RISCV_TYPE_SHIFT;
/// Type 3: guest supervisor CSRs.
pub const KVM_REG_RISCV_CSR: u64 = 0x03 << KVM_REG_RISCV_TYPE_SHIFT;
/// Type 4: `struct kvm_riscv_timer`.
pub const KVM_REG_RISCV_TIMER: u64 = 0x04 << KVM_REG_RISCV_TYPE_SHIFT;
/// Type 5: F extension state.
pub const KVM_REG_RISCV_FP_F: u64 = 0x05 << KVM_REG_RISCV_TYPE_SHIFT;
/// Type 6: D extension state.
pub const KVM_REG_RISCV_FP_D: u64 = 0x06 << KVM_REG_RISCV_TYPE_SHIFT;
/// Type 7: ISA extension switches.
pub const KVM_REG_RISCV_ISA_EXT: u64 = 0x07 << KVM_REG_RISCV_TYPE_SHIFT;
/// Type 8: SBI extension switches.
pub const KVM_REG_RISCV_SBI_EXT: u64 = 0x08 << KVM_REG_RISCV_TYPE_SHIFT;
/// Type 9: vector state.
pub const KVM_REG_RISCV_VECTOR: u64 = 0x09 << KVM_REG_RISCV_TYPE_SHIFT;
/// Type 10: state of individual SBI extensions.
pub const KVM_REG_RISCV_SBI_STATE: u64 = 0x0a << KVM_REG_RISCV_TYPE_SHIFT;

/// CSR subtype 0: `struct kvm_riscv_csr`.
pub const KVM_REG_RISCV_CSR_GENERAL: u64 = 0x0 << KVM_REG_RISCV_SUBTYPE_SHIFT;
/// CSR subtype 1: `struct kvm_riscv_aia_csr`.
pub const KVM_REG_RISCV_CSR_AIA: u64 = 0x1 << KVM_REG_RISCV_SUBTYPE_SHIFT;
/// CSR subtype 2: `struct kvm_riscv_smstateen_csr`.
pub const KVM_REG_RISCV_CSR_SMSTATEEN: u64 = 0x2 << KVM_REG_RISCV_SUBTYPE_SHIFT;

/// ISA_EXT subtype 0: one extension, value 0 or 1.
pub const KVM_REG_RISCV_ISA_SINGLE: u64 = 0x0 << KVM_REG_RISCV_SUBTYPE_SHIFT;
/// ISA_EXT subtype 1: a bitmap word, set bits enable.
pub const KVM_REG_RISCV_ISA_MULTI_EN: u64 = 0x1 << KVM_REG_RISCV_SUBTYPE_SHIFT;
/// ISA_EXT subtype 2: a bitmap word, set bits disable.
pub const KVM_REG_RISCV_ISA_MULTI_DIS: u64 = 0x2 << KVM_REG_RISCV_SUBTYPE_SHIFT;

/// SBI_EXT subtype 0: one extension, value 0 or 1.
pub const KVM_REG_RISCV_SBI_SINGLE: u64 = 0x0 << KVM_REG_RISCV_SUBTYPE_SHIFT;
/// SBI_EXT subtype 1: a bitmap word, set bits enable.
pub const KVM_REG_RISCV_SBI_MULTI_EN: u64 = 0x1 << KVM_REG_RISCV_SUBTYPE_SHIFT;
/// SBI_EXT subtype 2: a bitmap word, set bits disable.
pub const KVM_REG_RISCV_SBI_MULTI_DIS: u64 = 0x2 << KVM_REG_RISCV_SUBTYPE_SHIFT;

/// SBI_STATE subtype 0: steal-time accounting (`struct kvm_riscv_sbi_sta`).
pub const KVM_REG_RISCV_SBI_STA: u64 = 0x0 << KVM_REG_RISCV_SUBTYPE_SHIFT;

/// Number of KVM ISA extension ids (`KVM_RISCV_ISA_EXT_MAX`).
pub const KVM_RISCV_ISA_EXT_MAX: u32 = 62;
/// Number of KVM SBI extension ids (`KVM_RISCV_SBI_EXT_MAX`).
pub const KVM_RISCV_SBI_EXT_MAX: u32 = 11;

/// `__BITS_PER_LONG` on RV64: the width of a MULTI_EN/MULTI_DIS word.
const BITS_PER_LONG: u32 = 64;
/// `sizeof(unsigned long)` on RV64.
pub(super) const ULONG_SIZE: u32 = 8;

/// Last valid MULTI_EN/MULTI_DIS word of ISA_EXT
/// (`KVM_REG_RISCV_ISA_MULTI_REG_LAST`).
pub const KVM_REG_RISCV_ISA_MULTI_REG_LAST: u32 = (KVM_RISCV_ISA_EXT_MAX - 1) / BITS_PER_LONG;
/// Last valid MULTI_EN/MULTI_DIS word of SBI_EXT
/// (`KVM_REG_RISCV_SBI_MULTI_REG_LAST`).
pub const KVM_REG_RISCV_SBI_MULTI_REG_LAST: u32 = (KVM_RISCV_SBI_EXT_MAX - 1) / BITS_PER_LONG;

// The vCPU description keeps extension sets as one u64 bitmap each.
const _: () = assert!(KVM_RISCV_ISA_EXT_MAX <= 64 && KVM_RISCV_SBI_EXT_MAX <= 64);

/// Width in bytes the size field of `id` encodes (`KVM_REG_SIZE(id)`).
pub const fn reg_size(id: u64) -> u32 {
    1 << ((id & KVM_REG_SIZE_MASK) >> KVM_REG_SIZE_SHIFT)
}

/// Size field for a register of `1 << log2` bytes. `log2` above 15 does
/// not fit the field; it is truncated rather than spilling into the arch
/// field.
pub const fn size_field(log2: u32) -> u64 {
    ((log2 as u64) << KVM_REG_SIZE_SHIFT) & KVM_REG_SIZE_MASK
}
