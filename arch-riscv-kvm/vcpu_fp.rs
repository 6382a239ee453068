// SPDX-License-Identifier: GPL-2.0

//! A vCPU's FP state, switched lazily (upstream's `vcpu_fp.c`).
//!
//! At load the host's registers are saved and the guest's restored if
//! `sstatus.FS` says the guest has them on; at put the guest's are saved
//! only if it dirtied them, and the host's restored. The FP fields live in
//! [`LoadState`].

use crate::context::sstatus;
use crate::logic::isa::{self, VcpuIsa};
use crate::switch::{self, FpWidth};
use crate::vcpu_context::LoadState;

/// The FP register width of a guest with `isa`: D, else F, else none.
pub(crate) fn fp_width(isa: &VcpuIsa) -> Option<FpWidth> {
    if isa.has(isa::HostExtId::D) {
        FpWidth::double()
    } else if isa.has(isa::HostExtId::F) {
        FpWidth::single()
    } else {
        None
    }
}

/// The FP register width of the host, which its registers are saved with.
pub(crate) fn host_fp_width() -> Option<FpWidth> {
    FpWidth::double().or_else(FpWidth::single)
}

/// Moves the guest's FP registers onto this CPU, the host's out of it.
///
/// # Safety
///
/// The vCPU of `s` is being loaded on this CPU, by its owner with
/// preemption off; the matching [`put`] follows on the same CPU.
pub(crate) unsafe fn load(s: &mut LoadState) {
    if let (Some(host), Some(guest)) = (s.host_fp, s.fp) {
        switch::fp_save(&mut s.host_fp_regs, host);
        if s.fs != sstatus::FS_OFF {
            // SAFETY: The host's registers were saved just above.
            unsafe { switch::fp_restore(&s.guest_fp, guest) };
            s.fs = sstatus::FS_CLEAN;
        }
    }
}

/// Moves the guest's FP registers (if it wrote them) off this CPU, the
/// host's back.
///
/// # Safety
///
/// The vCPU of `s` is loaded on this CPU by [`load`], the caller its
/// owner with preemption off.
pub(crate) unsafe fn put(s: &mut LoadState) {
    if let (Some(host), Some(guest)) = (s.host_fp, s.fp) {
        // Lazy FP: the guest's registers are only worth saving if it
        // wrote them since they were loaded.
        if s.fs == sstatus::FS_DIRTY {
            switch::fp_save(&mut s.guest_fp, guest);
            s.fs = sstatus::FS_CLEAN;
        }
        // SAFETY: The guest's registers are saved (or unchanged).
        unsafe { switch::fp_restore(&s.host_fp_regs, host) };
    }
}
