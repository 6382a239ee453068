// SPDX-License-Identifier: GPL-2.0

//! A vCPU's vector state, switched lazily (upstream's `vcpu_vector.c`).
//!
//! The guest's registers are loaded onto the CPU when the vCPU is loaded
//! and `sstatus.VS` says it has used them (not Off), and saved back when it
//! is put only if the guest dirtied them; the host task's registers are
//! saved at load and restored at put around that. Between load and put the
//! CPU's vector registers are the guest's, so nothing on the way may use
//! vector in the kernel: the one large copy to guest memory there (the PMU
//! snapshot) goes in pieces below the kernel's vector-copy threshold
//! (`pmu.rs`).
//!
//! A vCPU without V never has VS on, so its load and put leave the vector
//! registers alone.

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
/// a reset; while the vCPU is loaded and `vs` is not Off, the CPU holds the
/// guest's registers and `host` the host's.
pub(crate) struct VcpuVector {
    guest: VectorRegs,
    host: VectorRegs,
    /// The guest's `sstatus.VS` outside the guest (as `LoadState::fs`).
    vs: usize,
}

impl VcpuVector {
    /// The state of a vCPU on a host with `host`'s register file, out of
    /// reset; with V if `on`.
    pub(crate) fn new(host: HostVector, on: bool) -> Result<Self> {
        let mut v = VcpuVector {
            guest: VectorRegs::new(host)?,
            host: VectorRegs::new(host)?,
            vs: sstatus::VS_OFF,
        };
        v.reset(on);
        Ok(v)
    }

    /// A hart out of reset, with V if `on`: zeroed registers, usable (VS
    /// Initial) if it has V. Only while the vCPU is not loaded.
    pub(crate) fn reset(&mut self, on: bool) {
        self.guest.clear();
        // INVARIANT: Off unless `on`.
        self.vs = if on {
            sstatus::VS_INITIAL
        } else {
            sstatus::VS_OFF
        };
    }

    /// The guest's register file (while the vCPU is not loaded: the CPU's
    /// registers are the host's then).
    pub(crate) fn guest(&self) -> &VectorRegs {
        &self.guest
    }

    /// The guest's register file, to write (as [`Self::guest`]).
    pub(crate) fn guest_mut(&mut self) -> &mut VectorRegs {
        &mut self.guest
    }

    /// Moves the guest's registers onto this CPU, the host's out of it.
    ///
    /// # Safety
    ///
    /// The vCPU is being loaded on this CPU, by its owner with preemption
    /// off; the matching [`Self::put`] follows on the same CPU.
    pub(crate) unsafe fn load(&mut self) {
        if self.vs == sstatus::VS_OFF {
            // The guest cannot reach the registers: leave the host's.
            return;
        }
        self.host.save();
        // SAFETY: The host's registers were saved just above.
        unsafe { self.guest.restore() };
        self.vs = sstatus::VS_CLEAN;
    }

    /// Moves the guest's registers (if it wrote them) off this CPU, the
    /// host's back.
    ///
    /// # Safety
    ///
    /// The vCPU is loaded on this CPU by [`Self::load`], the caller its
    /// owner with preemption off.
    pub(crate) unsafe fn put(&mut self) {
        if self.vs == sstatus::VS_OFF {
            // Off at load too: a guest cannot turn VS on (only a reset or
            // an ISA write can, with the vCPU not loaded).
            return;
        }
        if self.vs == sstatus::VS_DIRTY {
            self.guest.save();
            self.vs = sstatus::VS_CLEAN;
        }
        // SAFETY: The guest's registers are saved (or unchanged since
        // the load restored them).
        unsafe { self.host.restore() };
    }

    /// Puts the guest's VS into the switch area, for an entry.
    pub(crate) fn vs_to_guest(&self, sw: &mut SwitchArea) {
        sw.guest.sstatus = (sw.guest.sstatus & !sstatus::VS) | self.vs;
    }

    /// Takes the guest's VS back after an exit: the guest may have
    /// dirtied its registers, never turned them on or off (HS-level VS is
    /// not the guest's to write).
    pub(crate) fn vs_from_guest(&mut self, sw: &SwitchArea) {
        let vs = sw.guest.sstatus & sstatus::VS;
        // INVARIANT: Only ever from one On state to another (the hardware
        // only moves Initial or Clean to Dirty): `put` restores the host's
        // registers exactly when `load` saved them.
        if self.vs != sstatus::VS_OFF && vs != sstatus::VS_OFF {
            self.vs = vs;
        }
    }
}
