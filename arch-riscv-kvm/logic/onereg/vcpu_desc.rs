// SPDX-License-Identifier: GPL-2.0

//! [`VcpuDesc`]: what decides which register ids a vCPU has.

use super::index::{IsaExtId, SbiExtId};
use super::sbi_ext_status::{SbiExtStatus, SbiExtStatuses};

/// What decides which register ids a vCPU has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VcpuDesc {
    /// ISA extensions the host has, bit `n` for KVM ISA id `n`
    /// (`__riscv_isa_extension_available(NULL, ..)` through
    /// `kvm_isa_ext_arr`).
    pub host_isa: u64,
    /// ISA extensions enabled on the vCPU, same bits (`vcpu->arch.isa`).
    pub isa: u64,
    /// SBI extension status, by KVM SBI id.
    pub sbi: SbiExtStatuses,
    /// Bytes per vector register (`riscv_v_vsize / 32`, a power of two);
    /// consulted only when the vCPU has V.
    pub vlenb: u64,
}

impl VcpuDesc {
    /// Whether the host has ISA extension `ext`.
    pub const fn host_has(&self, ext: IsaExtId) -> bool {
        self.host_isa & (1 << ext.get()) != 0
    }

    /// Whether ISA extension `ext` is enabled on the vCPU.
    pub const fn has(&self, ext: IsaExtId) -> bool {
        self.isa & (1 << ext.get()) != 0
    }

    /// Status of SBI extension `ext`.
    pub const fn sbi_status(&self, ext: SbiExtId) -> SbiExtStatus {
        self.sbi.0[ext.get() as usize]
    }
}
