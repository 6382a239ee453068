// SPDX-License-Identifier: GPL-2.0

//! Emulation of the CSR accesses a guest traps on.
//!
//! A Zicsr instruction that raises a virtual-instruction exception names a
//! CSR the hardware will not let VS-mode touch. The backend looks the CSR
//! up in [`CSR_TABLE`] (upstream's `csr_funcs`): its handler emulates the
//! access in the kernel, hands it to userspace as `KVM_EXIT_RISCV_CSR`, or
//! refuses it. A CSR with no handler is an illegal instruction for the
//! guest, as on hardware without the CSR.

use super::insn::{CsrInsn, CsrUpdate};

/// `cycle`, the first of the 32 unprivileged counters.
pub const CSR_CYCLE: u16 = 0xc00;
/// `instret`.
pub const CSR_INSTRET: u16 = 0xc02;
/// `seed`, the Zkr entropy source.
pub const CSR_SEED: u16 = 0x015;

/// The in-kernel handler of a range of CSRs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CsrHandler {
    /// `cycle` to `hpmcounter31`, which a guest reads through the PMU
    /// (`kvm_riscv_vcpu_pmu_read_hpm()`).
    HpmCounter,
    /// `seed`: the entropy comes from userspace (`seed_csr_rmw()`).
    Seed,
}

/// CSRs `base..base + count` go to `handler`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CsrRange {
    /// First CSR of the range.
    pub base: u16,
    /// Number of CSRs in the range.
    pub count: u16,
    /// Who emulates them.
    pub handler: CsrHandler,
}

/// Which handler emulates which CSRs. The ranges do not overlap.
pub const CSR_TABLE: &[CsrRange] = &[
    CsrRange {
        base: CSR_CYCLE,
        count: 32,
        handler: CsrHandler::HpmCounter,
    },
    CsrRange {
        base: CSR_SEED,
        count: 1,
        handler: CsrHandler::Seed,
    },
];

/// The handler of CSR `csr`, if the table has one.
pub fn handler_of(csr: u16) -> Option<CsrHandler> {
    CSR_TABLE
        .iter()
        .find(|r| csr >= r.base && u32::from(csr) < u32::from(r.base) + u32::from(r.count))
        .map(|r| r.handler)
}

/// What the vCPU offers the handlers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CsrEnv {
    /// The guest has Zkr (and so the `seed` CSR).
    pub zkr: bool,
}

/// How a trapped CSR access ends (upstream's `KVM_INSN_*` codes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CsrOutcome {
    /// Emulated in the kernel: `rd` gets `old`, the instruction retires
    /// (`KVM_INSN_CONTINUE_NEXT_SEPC`).
    Done {
        /// The CSR's value before the access.
        old: u64,
    },
    /// Userspace emulates it: `KVM_EXIT_RISCV_CSR` with [`CsrExit`]; the
    /// next `KVM_RUN` writes its `ret_value` to `rd` and retires the
    /// instruction.
    ExitToUser(CsrExit),
    /// An illegal-instruction exception for the guest
    /// (`KVM_INSN_ILLEGAL_TRAP`).
    IllegalInsn,
    /// A counter CSR: the vCPU's PMU answers it
    /// (`logic::pmu::Pmu::read_hpm`, or `read_hpm_without_pmu`), with
    /// `rd` getting the value or an illegal instruction.
    ReadCounter {
        /// The counter CSR.
        csr: u16,
        /// Bits the access would write.
        write_mask: u64,
    },
}

/// `kvm_run.riscv_csr` of a `KVM_EXIT_RISCV_CSR`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CsrExit {
    /// The CSR number.
    pub csr_num: u64,
    /// The access as a masked write, see [`CsrUpdate`].
    pub new_value: u64,
    /// Bits the access writes.
    pub write_mask: u64,
    /// Preset result; userspace overwrites it with the CSR's old value.
    pub ret_value: u64,
}

/// Emulates `insn`, which writes `update`, for a vCPU with `env`.
pub fn emulate(insn: &CsrInsn, update: CsrUpdate, env: &CsrEnv) -> CsrOutcome {
    match handler_of(insn.csr) {
        None => CsrOutcome::IllegalInsn,
        Some(CsrHandler::HpmCounter) => CsrOutcome::ReadCounter {
            csr: insn.csr,
            write_mask: update.write_mask,
        },
        Some(CsrHandler::Seed) if env.zkr => CsrOutcome::ExitToUser(CsrExit {
            csr_num: u64::from(insn.csr),
            new_value: update.new_value,
            write_mask: update.write_mask,
            ret_value: 0,
        }),
        Some(CsrHandler::Seed) => CsrOutcome::IllegalInsn,
    }
}

#[cfg(test)]
#[path = "csr_emul_tests.rs"]
mod tests;
