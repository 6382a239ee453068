// SPDX-License-Identifier: GPL-2.0

//! The SBI_STATE register class (type 10): state owned by an SBI
//! extension (`vcpu_sbi.c`, `vcpu_sbi_sta.c`).

/// Type 10, subtype STA: `struct kvm_riscv_sbi_sta`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum StaReg {
    /// Low half of the shared memory address (the whole address on RV64).
    ShmemLo = 0,
    /// High half; always 0 on RV64.
    ShmemHi = 1,
}

/// Type 10: state owned by an SBI extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SbiStateReg {
    /// Steal-time accounting. Accepted whatever the STA extension's
    /// status, listed only while it is enabled.
    Sta(StaReg),
}
