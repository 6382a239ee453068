// SPDX-License-Identifier: GPL-2.0

//! The FP_F and FP_D register classes (types 5 and 6, `vcpu_fp.c`).

use super::index::FReg;

/// Index of `fcsr` in both the F and D layouts.
const FP_FCSR: u64 = 32;

/// Types 5 and 6: a register of `struct __riscv_{f,d}_ext_state`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FpReg {
    /// `f0..=f31`: 4 bytes under FP_F, 8 under FP_D.
    F(FReg),
    /// `fcsr`, index 32: 4 bytes under both types.
    Fcsr,
}

impl FpReg {
    pub(super) const fn from_index(n: u64) -> Option<Self> {
        if n == FP_FCSR {
            return Some(Self::Fcsr);
        }
        match FReg::new(n) {
            Some(f) => Some(Self::F(f)),
            None => None,
        }
    }

    /// Index in the ptrace layout.
    pub const fn index(self) -> u64 {
        match self {
            Self::F(f) => f.get() as u64,
            Self::Fcsr => FP_FCSR,
        }
    }
}
