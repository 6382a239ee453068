// SPDX-License-Identifier: GPL-2.0

//! The CORE register class (type 2, `struct kvm_riscv_core`).

use super::index::Gpr;

/// Type 2, `struct kvm_riscv_core`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CoreReg {
    /// The guest pc (index 0, where `x0` would be).
    Pc,
    /// `x1..=x31`, at their own index.
    X(Gpr),
    /// Privilege mode (`KVM_RISCV_MODE_S`/`_U`), index 32.
    Mode,
}

impl CoreReg {
    pub(super) const fn from_index(n: u64) -> Option<Self> {
        match n {
            0 => Some(Self::Pc),
            32 => Some(Self::Mode),
            _ => match Gpr::new(n) {
                Some(x) => Some(Self::X(x)),
                None => None,
            },
        }
    }

    /// Index in `struct kvm_riscv_core`.
    pub const fn index(self) -> u64 {
        match self {
            Self::Pc => 0,
            Self::X(x) => x.get() as u64,
            Self::Mode => 32,
        }
    }
}
