// SPDX-License-Identifier: GPL-2.0

//! vCPU statistics: the backend's counters in `struct kvm_vcpu_stat`,
//! which the binary stats file (`KVM_GET_STATS_FD`) reads concurrently.

use core::ptr::addr_of_mut;
use core::sync::atomic::{AtomicU64, Ordering};

use crate::vcpu::Vcpu;

/// The backend's counters in `struct kvm_vcpu_stat` (names are user ABI,
/// see the descriptor table in `glue.c`).
#[derive(Clone, Copy)]
pub(crate) enum Stat {
    Exits,
    EcallExit,
    WfiExit,
    WrsExit,
    MmioExitUser,
    MmioExitKernel,
    CsrExitUser,
    CsrExitKernel,
}

impl Vcpu {
    /// Counts one event in `stat`.
    ///
    /// The binary stats file (`KVM_GET_STATS_FD`) reads the counters at
    /// any time from another task, so they are never accessed through a
    /// reference: a relaxed atomic load and store, which compile to the
    /// plain accesses the C backend makes. Only the vCPU's own task
    /// counts, so no increment is lost.
    pub(crate) fn count(&self, stat: Stat) {
        let s = self.raw();
        // SAFETY: `s` is a live vCPU; `addr_of_mut!` takes the field's
        // address without creating a reference.
        let field = unsafe {
            match stat {
                Stat::Exits => addr_of_mut!((*s).stat.exits),
                Stat::EcallExit => addr_of_mut!((*s).stat.ecall_exit_stat),
                Stat::WfiExit => addr_of_mut!((*s).stat.wfi_exit_stat),
                Stat::WrsExit => addr_of_mut!((*s).stat.wrs_exit_stat),
                Stat::MmioExitUser => addr_of_mut!((*s).stat.mmio_exit_user),
                Stat::MmioExitKernel => addr_of_mut!((*s).stat.mmio_exit_kernel),
                Stat::CsrExitUser => addr_of_mut!((*s).stat.csr_exit_user),
                Stat::CsrExitKernel => addr_of_mut!((*s).stat.csr_exit_kernel),
            }
        };
        // SAFETY: The field is an aligned `u64` that lives as long as the
        // vCPU and is only ever accessed atomically from Rust.
        let counter = unsafe { AtomicU64::from_ptr(field) };
        counter.store(
            counter.load(Ordering::Relaxed).wrapping_add(1),
            Ordering::Relaxed,
        );
    }

    /// Whether the vCPU's task is blocked in `kvm_vcpu_block()` (SBI HSM
    /// status of another hart). Generic KVM sets the flag around the
    /// block, so it is read atomically, as a snapshot.
    pub(crate) fn is_blocking(&self) -> bool {
        // SAFETY: `self` is live; the address is taken without a reference.
        let field = unsafe { addr_of_mut!((*self.raw()).stat.generic.blocking) };
        // SAFETY: An aligned `u64` of the live vCPU, see `count()`.
        unsafe { AtomicU64::from_ptr(field) }.load(Ordering::Relaxed) != 0
    }
}
