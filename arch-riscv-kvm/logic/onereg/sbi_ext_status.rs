// SPDX-License-Identifier: GPL-2.0

//! [`SbiExtStatuses`]: the status of every KVM SBI extension on a vCPU.

use super::encoding::KVM_RISCV_SBI_EXT_MAX;

/// Status of an SBI extension on a vCPU (`enum kvm_riscv_sbi_ext_status`,
/// after `kvm_riscv_vcpu_sbi_init()` has left UNINITIALIZED behind).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SbiExtStatus {
    /// The host cannot offer it: no register for it.
    #[default]
    Unavailable,
    /// Offered and on.
    Enabled,
    /// Offered and switched off by userspace.
    Disabled,
}

/// The status of every KVM SBI extension on a vCPU, by KVM SBI id
/// (`vcpu->arch.sbi_context.ext_status`).
///
/// Aligned and padded to whole words: every SBI call copies it into
/// [`SbiEnv`](super::super::sbi::SbiEnv), and eleven one-byte entries at byte
/// alignment were a `memcpy()` call of 65 instructions where two loads do.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C, align(8))]
pub struct SbiExtStatuses(pub [SbiExtStatus; KVM_RISCV_SBI_EXT_MAX as usize]);

impl SbiExtStatuses {
    /// Every extension with status `s`.
    pub const fn all(s: SbiExtStatus) -> Self {
        SbiExtStatuses([s; KVM_RISCV_SBI_EXT_MAX as usize])
    }
}

impl From<[SbiExtStatus; KVM_RISCV_SBI_EXT_MAX as usize]> for SbiExtStatuses {
    fn from(a: [SbiExtStatus; KVM_RISCV_SBI_EXT_MAX as usize]) -> Self {
        SbiExtStatuses(a)
    }
}

impl core::ops::Deref for SbiExtStatuses {
    type Target = [SbiExtStatus; KVM_RISCV_SBI_EXT_MAX as usize];
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl core::ops::DerefMut for SbiExtStatuses {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}
