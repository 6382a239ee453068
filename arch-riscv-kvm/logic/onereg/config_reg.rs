// SPDX-License-Identifier: GPL-2.0

//! The CONFIG register class (type 1, `struct kvm_riscv_config`).

/// Type 1, `struct kvm_riscv_config`; discriminants are the indices.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum ConfigReg {
    /// Single-letter extensions enabled, as a bitmap over `a`..`z`.
    Isa = 0,
    /// Zicbom cache-block size; only with Zicbom on the vCPU.
    ZicbomBlockSize = 1,
    /// `mvendorid` the guest sees.
    Mvendorid = 2,
    /// `marchid` the guest sees.
    Marchid = 3,
    /// `mimpid` the guest sees.
    Mimpid = 4,
    /// Zicboz cache-block size; only with Zicboz on the vCPU.
    ZicbozBlockSize = 5,
    /// The host's `satp` mode (read-only in effect).
    SatpMode = 6,
}

impl ConfigReg {
    pub(super) const fn from_index(n: u64) -> Option<Self> {
        Some(match n {
            0 => Self::Isa,
            1 => Self::ZicbomBlockSize,
            2 => Self::Mvendorid,
            3 => Self::Marchid,
            4 => Self::Mimpid,
            5 => Self::ZicbozBlockSize,
            6 => Self::SatpMode,
            _ => return None,
        })
    }
}
