// SPDX-License-Identifier: GPL-2.0

//! SBI extension ids and the SBI_EXT register class (type 8,
//! `vcpu_sbi.c`).

use super::index::{SbiExtId, SbiWord};

/// The KVM SBI extension ids (`enum KVM_RISCV_SBI_EXT_ID`), which gate
/// the SBI extensions a guest may call (see `sbi.rs`).
impl SbiExtId {
    /// `KVM_RISCV_SBI_EXT_V01`: the legacy v0.1 calls.
    pub const V01: Self = Self(0);
    /// `KVM_RISCV_SBI_EXT_TIME`.
    pub const TIME: Self = Self(1);
    /// `KVM_RISCV_SBI_EXT_IPI`.
    pub const IPI: Self = Self(2);
    /// `KVM_RISCV_SBI_EXT_RFENCE`.
    pub const RFENCE: Self = Self(3);
    /// `KVM_RISCV_SBI_EXT_SRST`.
    pub const SRST: Self = Self(4);
    /// `KVM_RISCV_SBI_EXT_HSM`.
    pub const HSM: Self = Self(5);
    /// `KVM_RISCV_SBI_EXT_PMU`.
    pub const PMU: Self = Self(6);
    /// `KVM_RISCV_SBI_EXT_EXPERIMENTAL`: the experimental extension range.
    pub const EXPERIMENTAL: Self = Self(7);
    /// `KVM_RISCV_SBI_EXT_VENDOR`: the vendor extension range.
    pub const VENDOR: Self = Self(8);
    /// `KVM_RISCV_SBI_EXT_DBCN`.
    pub const DBCN: Self = Self(9);
    /// `KVM_RISCV_SBI_EXT_STA`: also lists the steal-time registers.
    pub const STA: Self = Self(10);
}

/// Type 8: an SBI extension switch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SbiExtReg {
    /// One extension, 0 or 1; exists unless the extension is unavailable.
    Single(SbiExtId),
    /// Bitmap word; set bits enable (reads as the enabled set).
    MultiEn(SbiWord),
    /// Bitmap word; set bits disable (reads as the complement).
    MultiDis(SbiWord),
}
