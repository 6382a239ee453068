// SPDX-License-Identifier: GPL-2.0

//! The calling vCPU as SBI dispatch sees it ([`SbiEnv`]), and the SBI
//! extensions a new vCPU starts with ([`initial_status`]).

use crate::logic::onereg::{SbiExtId, SbiExtStatus, SbiExtStatuses, KVM_RISCV_SBI_EXT_MAX};

#[cfg(doc)]
use super::{ext_table::sbi_extensions, kvm_abi::kernel_version};

/// The calling vCPU and its VM, as far as SBI dispatch needs them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SbiEnv {
    /// Status of each KVM SBI extension on the vCPU
    /// (`vcpu->arch.sbi_context.ext_status`), by KVM SBI id.
    pub sbi: SbiExtStatuses,
    /// Whether the legacy v0.1 calls exist (`CONFIG_RISCV_SBI_V01`). The
    /// project's configuration leaves it off; see [`sbi_extensions`] for
    /// what remains of the legacy entry then.
    pub v01: bool,
    /// The vCPU's `mvendorid` (`vcpu->arch.mvendorid`: the host's unless
    /// userspace set another through ONE_REG).
    pub mvendorid: u64,
    /// The vCPU's `marchid`.
    pub marchid: u64,
    /// The vCPU's `mimpid`.
    pub mimpid: u64,
    /// `LINUX_VERSION_CODE`, reported as the implementation version (see
    /// [`kernel_version`]).
    pub impl_version: u64,
    /// `kvm->online_vcpus`: a legacy hart mask of 0 names this many harts.
    pub online_vcpus: u32,
}

impl SbiEnv {
    /// Status of KVM SBI extension `ext`.
    pub const fn status(&self, ext: SbiExtId) -> SbiExtStatus {
        self.sbi.0[ext.get() as usize]
    }

    /// Whether KVM SBI extension `ext` is enabled.
    pub const fn enabled(&self, ext: SbiExtId) -> bool {
        matches!(self.status(ext), SbiExtStatus::Enabled)
    }
}

/// SBI extensions a new vCPU has (BASE is always there): those the
/// backend implements, STA if `sta` (the scheduler keeps run delays), PMU
/// if `pmu` (the vCPU's PMU has counters: upstream's `init_done`), and
/// DBCN available but disabled until userspace, which answers its calls,
/// enables it (as upstream). The legacy v0.1 calls are handled when the kernel has
/// CONFIG_RISCV_SBI_V01, as upstream; without it V01 stays the C
/// backend's placeholder entry, enabled but answering nothing, so
/// userspace sees the same register list either way.
pub fn initial_status(sta: bool, pmu: bool) -> SbiExtStatuses {
    let mut status = [SbiExtStatus::Unavailable; KVM_RISCV_SBI_EXT_MAX as usize];
    let mut set = |id: SbiExtId, to: SbiExtStatus| {
        if let Some(s) = status.get_mut(id.get() as usize) {
            *s = to;
        }
    };
    for id in [
        SbiExtId::V01,
        SbiExtId::TIME,
        SbiExtId::IPI,
        SbiExtId::RFENCE,
        SbiExtId::SRST,
        SbiExtId::HSM,
        SbiExtId::EXPERIMENTAL,
        SbiExtId::VENDOR,
    ] {
        set(id, SbiExtStatus::Enabled);
    }
    if sta {
        set(SbiExtId::STA, SbiExtStatus::Enabled);
    }
    if pmu {
        set(SbiExtId::PMU, SbiExtStatus::Enabled);
    }
    set(SbiExtId::DBCN, SbiExtStatus::Disabled);
    status.into()
}
