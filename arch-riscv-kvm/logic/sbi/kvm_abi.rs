// SPDX-License-Identifier: GPL-2.0

//! KVM's SBI implementation (`asm/kvm_vcpu_sbi.h`) and UAPI numbers
//! (`<linux/kvm.h>`): what BASE reports about KVM, and what userspace sees
//! in `kvm_run`.

use super::spec::SBI_SPEC_VERSION_MAJOR_SHIFT;

/// SBI implementation id of KVM.
pub const KVM_SBI_IMPID: u64 = 3;
/// Major SBI specification version KVM implements.
pub const KVM_SBI_VERSION_MAJOR: u64 = 2;
/// Minor SBI specification version KVM implements.
pub const KVM_SBI_VERSION_MINOR: u64 = 0;

/// `kvm_run.exit_reason` of a call forwarded to userspace.
pub const KVM_EXIT_RISCV_SBI: u32 = 35;
/// `kvm_run.system_event.type` of a shutdown.
pub const KVM_SYSTEM_EVENT_SHUTDOWN: u32 = 1;
/// `kvm_run.system_event.type` of a reset.
pub const KVM_SYSTEM_EVENT_RESET: u32 = 2;

/// `KERNEL_VERSION(a, b, c)`: the encoding of `LINUX_VERSION_CODE`, which
/// BASE reports as the implementation version. The sublevel saturates at
/// 255 as in `<linux/version.h>`.
pub const fn kernel_version(major: u8, patchlevel: u8, sublevel: u32) -> u64 {
    let sub = if sublevel > 255 { 255 } else { sublevel as u64 };
    (major as u64) << 16 | (patchlevel as u64) << 8 | sub
}

/// The spec version BASE reports: v2.0 (`vcpu_sbi_base.c:24-28`).
pub const KVM_SBI_SPEC_VERSION: u64 =
    KVM_SBI_VERSION_MAJOR << SBI_SPEC_VERSION_MAJOR_SHIFT | KVM_SBI_VERSION_MINOR;
