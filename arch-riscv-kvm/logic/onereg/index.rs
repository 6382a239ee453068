// SPDX-License-Identifier: GPL-2.0

//! [`Index`], the range-checked index inside a typed register id, and its
//! aliases.

use super::encoding::{
    KVM_REG_RISCV_ISA_MULTI_REG_LAST, KVM_REG_RISCV_SBI_MULTI_REG_LAST, KVM_RISCV_ISA_EXT_MAX,
    KVM_RISCV_SBI_EXT_MAX,
};

/// An index in `MIN..END`. Register classes hold one for every index that
/// has no name of its own, so that a [`RegId`](super::RegId) cannot name
/// a register that does not exist.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Index<const MIN: u8, const END: u8>(pub(super) u8);

impl<const MIN: u8, const END: u8> Index<MIN, END> {
    /// `n` as an index, if it is in range.
    pub const fn new(n: u64) -> Option<Self> {
        if n >= MIN as u64 && n < END as u64 {
            Some(Self(n as u8))
        } else {
            None
        }
    }

    /// The index.
    pub const fn get(self) -> u32 {
        self.0 as u32
    }

    /// The same index, passed through `clamp(offset, len)`.
    ///
    /// The kernel passes `array_index_nospec()`, which returns `offset`
    /// when `offset < len` and 0 otherwise, also under speculation: every
    /// index from userspace goes through it before it addresses memory, so
    /// that a mispredicted range check in [`Index::new`] cannot read or
    /// write out of bounds speculatively (Spectre v1). Architecturally
    /// the index is unchanged; whatever `clamp` returns, the result stays
    /// in range.
    pub fn clamped(self, clamp: impl Fn(usize, usize) -> usize) -> Self {
        let len = usize::from(END - MIN);
        let off = clamp(usize::from(self.0 - MIN), len).min(len - 1);
        // `off < len <= END - MIN`, so the sum fits and is in range.
        Self(off as u8 + MIN)
    }
}

/// General purpose register `x1..=x31` (`x0` has no register id).
pub type Gpr = Index<1, 32>;
/// Floating-point register `f0..=f31`.
pub type FReg = Index<0, 32>;
/// Vector register `v0..=v31`.
pub type VReg = Index<0, 32>;
/// Log2 of a register size, as the 4-bit size field holds it.
pub type SizeLog2 = Index<0, 16>;
/// A KVM ISA extension id (`enum KVM_RISCV_ISA_EXT_ID`).
pub type IsaExtId = Index<0, { KVM_RISCV_ISA_EXT_MAX as u8 }>;
/// A KVM SBI extension id (`enum KVM_RISCV_SBI_EXT_ID`).
pub type SbiExtId = Index<0, { KVM_RISCV_SBI_EXT_MAX as u8 }>;
/// A MULTI_EN/MULTI_DIS word of the ISA extension bitmap.
pub type IsaWord = Index<0, { KVM_REG_RISCV_ISA_MULTI_REG_LAST as u8 + 1 }>;
/// A MULTI_EN/MULTI_DIS word of the SBI extension bitmap.
pub type SbiWord = Index<0, { KVM_REG_RISCV_SBI_MULTI_REG_LAST as u8 + 1 }>;
