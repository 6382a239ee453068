// SPDX-License-Identifier: GPL-2.0

//! The VECTOR register class (type 9, `vcpu_vector.c`).

use super::index::{SizeLog2, VReg};

/// `sizeof(struct __riscv_v_ext_state) / sizeof(unsigned long)`: vstart,
/// vl, vtype, vcsr, vlenb, datap. `KVM_REG_RISCV_VECTOR_REG(0)`.
pub(super) const VECTOR_CSR_SLOTS: u64 = 6;

/// Type 9: vector state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VectorReg {
    /// `vstart`, index 0.
    Vstart,
    /// `vl`, index 1.
    Vl,
    /// `vtype`, index 2.
    Vtype,
    /// `vcsr`, index 3.
    Vcsr,
    /// `vlenb`, index 4 (writes must keep the vCPU's value).
    Vlenb,
    /// `v0..=v31`, at `6 + n`. The size is the vCPU's `vlenb`, so it is
    /// part of the register rather than a constant of the class.
    V {
        /// Which vector register.
        reg: VReg,
        /// Log2 of its size in bytes.
        size_log2: SizeLog2,
    },
}

impl VectorReg {
    /// Index in the vector register space.
    pub const fn index(self) -> u64 {
        match self {
            Self::Vstart => 0,
            Self::Vl => 1,
            Self::Vtype => 2,
            Self::Vcsr => 3,
            Self::Vlenb => 4,
            Self::V { reg, .. } => VECTOR_CSR_SLOTS + reg.get() as u64,
        }
    }
}
