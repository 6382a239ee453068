// SPDX-License-Identifier: GPL-2.0

//! ISA extension ids and the ISA_EXT register class (type 7,
//! `vcpu_onereg.c`).

use super::index::{IsaExtId, IsaWord};

/// The ISA extension ids this module needs (`KVM_RISCV_ISA_EXT_*`).
impl IsaExtId {
    /// `KVM_RISCV_ISA_EXT_D`: gates the FP_D registers.
    pub const D: Self = Self(2);
    /// `KVM_RISCV_ISA_EXT_F`: gates the FP_F registers.
    pub const F: Self = Self(3);
    /// `KVM_RISCV_ISA_EXT_ZICBOM`: gates the Zicbom block size.
    pub const ZICBOM: Self = Self(11);
    /// `KVM_RISCV_ISA_EXT_ZICBOZ`: gates the Zicboz block size.
    pub const ZICBOZ: Self = Self(12);
    /// `KVM_RISCV_ISA_EXT_SSAIA`: lists the AIA CSRs.
    pub const SSAIA: Self = Self(14);
    /// `KVM_RISCV_ISA_EXT_V`: gates the vector registers.
    pub const V: Self = Self(15);
    /// `KVM_RISCV_ISA_EXT_SMSTATEEN`: gates and lists the Smstateen CSRs.
    pub const SMSTATEEN: Self = Self(23);
}

/// Type 7: an ISA extension switch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IsaExtReg {
    /// One extension, 0 or 1; exists if the host has the extension.
    Single(IsaExtId),
    /// Bitmap word; set bits enable (reads as the enabled set).
    MultiEn(IsaWord),
    /// Bitmap word; set bits disable (reads as the complement).
    MultiDis(IsaWord),
}
