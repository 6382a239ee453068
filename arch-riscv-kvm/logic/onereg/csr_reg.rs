// SPDX-License-Identifier: GPL-2.0

//! The CSR register class (type 3): the GENERAL, AIA and SMSTATEEN
//! subtypes.

/// CSR subtype GENERAL, `struct kvm_riscv_csr`; discriminants are the
/// indices.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum GeneralCsr {
    /// `vsstatus`.
    Sstatus = 0,
    /// `vsie`.
    Sie = 1,
    /// `vstvec`.
    Stvec = 2,
    /// `vsscratch`.
    Sscratch = 3,
    /// `vsepc`.
    Sepc = 4,
    /// `vscause`.
    Scause = 5,
    /// `vstval`.
    Stval = 6,
    /// `vsip`, as the VS-level bits of `hvip`.
    Sip = 7,
    /// `vsatp`.
    Satp = 8,
    /// `scounteren` as the guest sees it.
    Scounteren = 9,
    /// `senvcfg` as the guest sees it.
    Senvcfg = 10,
}

impl GeneralCsr {
    pub(super) const fn from_index(n: u64) -> Option<Self> {
        Some(match n {
            0 => Self::Sstatus,
            1 => Self::Sie,
            2 => Self::Stvec,
            3 => Self::Sscratch,
            4 => Self::Sepc,
            5 => Self::Scause,
            6 => Self::Stval,
            7 => Self::Sip,
            8 => Self::Satp,
            9 => Self::Scounteren,
            10 => Self::Senvcfg,
            _ => return None,
        })
    }
}

/// CSR subtype AIA, `struct kvm_riscv_aia_csr`; discriminants are the
/// indices. The `*h` halves only matter to RV32 guests but RV64 still
/// lists and accepts them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum AiaCsr {
    /// `vsiselect`.
    Siselect = 0,
    /// `iprio0..=iprio7` as one word.
    Iprio1 = 1,
    /// `iprio8..=iprio15` as one word.
    Iprio2 = 2,
    /// `vsieh` (RV32 guests).
    Sieh = 3,
    /// `vsiph` (RV32 guests).
    Siph = 4,
    /// `iprio1h` (RV32 guests).
    Iprio1h = 5,
    /// `iprio2h` (RV32 guests).
    Iprio2h = 6,
}

impl AiaCsr {
    pub(super) const fn from_index(n: u64) -> Option<Self> {
        Some(match n {
            0 => Self::Siselect,
            1 => Self::Iprio1,
            2 => Self::Iprio2,
            3 => Self::Sieh,
            4 => Self::Siph,
            5 => Self::Iprio1h,
            6 => Self::Iprio2h,
            _ => return None,
        })
    }
}

/// CSR subtype SMSTATEEN, `struct kvm_riscv_smstateen_csr`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum SmstateenCsr {
    /// `sstateen0`, index 0.
    Sstateen0 = 0,
}

/// Type 3: a guest supervisor CSR.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CsrReg {
    /// Subtype GENERAL.
    General(GeneralCsr),
    /// Subtype AIA. Accepted whether or not the vCPU has Ssaia (reads 0
    /// without AIA), but listed only with Ssaia.
    Aia(AiaCsr),
    /// Subtype SMSTATEEN. Accepted when the host has Smstateen, listed
    /// when the vCPU has it.
    Smstateen(SmstateenCsr),
}
