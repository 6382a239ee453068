// SPDX-License-Identifier: GPL-2.0

//! A vCPU's vector state (upstream's `vcpu_vector.c`), on the CPU only
//! around each entry.
//!
//! Upstream 6.12 keeps the guest's registers on the CPU from load to put.
//! The kernel uses vector in between on its own account: for copies to and
//! from user memory of `CONFIG_RISCV_ISA_V_UCOPY_THRESHOLD` bytes or more
//! (the 4 KiB PMU snapshot page is one), in softirqs (the crypto code) and
//! for xor. Each time `kernel_vector_begin()` saves what it finds as the
//! task's own user state, or nothing, and leaves its own data behind: the
//! guest loses its registers and may read the kernel's data in them, and
//! the VMM may get the guest's as its own.
//!
//! Here the guest's registers are on the CPU only with interrupts off,
//! from [`VcpuVector::enter`] just before the world switch to
//! [`VcpuVector::exit`] just after it, which saves them if the guest
//! dirtied them. At each load the task's own registers are handed to the
//! kernel as `kernel_vector_begin()` does
//! (`glue::vector_hand_over_user_state()`): saved into the task if dirty,
//! and restored by the kernel on its way back to user mode. In between,
//! the registers are nobody's.
//!
//! A vCPU without V never has VS on: its entries leave the registers alone.

use kernel::prelude::*;

use crate::context::{sstatus, SwitchArea};
use crate::logic::isa::{HostExtId, VcpuIsa};
use crate::switch::{HostVector, VectorRegs};

/// Whether the calling task may give its vCPUs V: the host has it and
/// the task may use vector (upstream's `riscv_v_vstate_ctrl_user_allowed()`).
pub(crate) fn user_allowed() -> bool {
    HostVector::get().is_some() && crate::glue::vector_user_allowed()
}

/// A new vCPU's vector state, with V if `isa` has it; `None` where the
/// host has no V.
pub(crate) fn new_vcpu_vector(isa: &VcpuIsa) -> Result<Option<VcpuVector>> {
    match HostVector::get() {
        Some(host) => Ok(Some(VcpuVector::new(host, isa.has(HostExtId::V))?)),
        None => Ok(None),
    }
}

/// A vCPU's vector state on a host with V.
///
/// INVARIANT: `vs` is `VS_OFF` unless the vCPU has V (as the last
/// [`VcpuVector::reset`] was told), and changes between Off and On only in
/// a reset; `guest` holds the guest's registers but between
/// [`VcpuVector::enter`] and [`VcpuVector::exit`], when the CPU does.
pub(crate) struct VcpuVector {
    guest: VectorRegs,
    /// The guest's `sstatus.VS` outside the guest (as `LoadState::fs`).
    vs: usize,
}

impl VcpuVector {
    /// The state of a vCPU on a host with `host`'s register file, out of
    /// reset; with V if `on`.
    pub(crate) fn new(host: HostVector, on: bool) -> Result<Self> {
        let mut v = VcpuVector {
            guest: VectorRegs::new(host)?,
            vs: sstatus::VS_OFF,
        };
        v.reset(on);
        Ok(v)
    }

    /// A hart out of reset, with V if `on`: zeroed registers, usable (VS
    /// Initial) if it has V.
    pub(crate) fn reset(&mut self, on: bool) {
        self.guest.clear();
        // INVARIANT: Off unless `on`.
        self.vs = if on {
            sstatus::VS_INITIAL
        } else {
            sstatus::VS_OFF
        };
    }

    /// Whether the guest has V (VS is not Off).
    pub(crate) fn is_on(&self) -> bool {
        self.vs != sstatus::VS_OFF
    }

    /// The guest's register file.
    pub(crate) fn guest(&self) -> &VectorRegs {
        &self.guest
    }

    /// The guest's register file, to write.
    pub(crate) fn guest_mut(&mut self) -> &mut VectorRegs {
        &mut self.guest
    }

    /// Puts the guest's registers on this CPU (unless VS is Off) and its
    /// VS into the switch area, just before an entry.
    ///
    /// # Safety
    ///
    /// Interrupts are off from here to the matching [`Self::exit`], and the
    /// vCPU is loaded on this CPU by its owner: the task's own registers
    /// were handed over (`glue::vector_hand_over_user_state()`), so the
    /// CPU's are nobody's and no use of vector by the kernel comes in
    /// between.
    pub(crate) unsafe fn enter(&mut self, sw: &mut SwitchArea) {
        if self.is_on() {
            // SAFETY: The CPU's registers are nobody's (the caller's
            // guarantee).
            unsafe { self.guest.restore() };
            self.vs = sstatus::VS_CLEAN;
        }
        sw.guest.sstatus = (sw.guest.sstatus & !sstatus::VS) | self.vs;
    }

    /// Takes the guest's VS back after an exit and its registers, if it
    /// dirtied them, off the CPU.
    ///
    /// # Safety
    ///
    /// Right after the entry [`Self::enter`] prepared, interrupts still
    /// off: the CPU's registers are the guest's.
    pub(crate) unsafe fn exit(&mut self, sw: &SwitchArea) {
        // INVARIANT: Off stays Off, On stays On: the hardware only moves
        // Initial or Clean to Dirty, and HS-level VS is not the guest's to
        // write.
        if !self.is_on() || sw.guest.sstatus & sstatus::VS != sstatus::VS_DIRTY {
            return;
        }
        // SAFETY: The CPU's registers are the guest's, interrupts off (the
        // caller's guarantee), and go unused until the next `enter`
        // restores them.
        unsafe { self.guest.save() };
        self.vs = sstatus::VS_CLEAN;
    }
}
