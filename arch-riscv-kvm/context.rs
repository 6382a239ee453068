// SPDX-License-Identifier: GPL-2.0

//! Register state saved and restored by the world switch.
//!
//! The layouts are `repr(C)` because `switch.rs` addresses them from
//! assembly through `offset_of!` constants.

/// Floating-point registers (F and D share them: F uses the low halves).
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub(crate) struct FpRegs {
    pub(crate) f: [u64; 32],
    pub(crate) fcsr: u32,
}

/// A guest hart's general-purpose state.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub(crate) struct GuestRegs {
    /// `x0`..`x31` by register number; `x[0]` is never used.
    pub(crate) x: [usize; 32],
    /// Guest pc: `sepc` while the guest is out.
    pub(crate) sepc: usize,
    /// HS-level `sstatus` while the guest runs (SPP, SPIE and FS matter).
    pub(crate) sstatus: usize,
    /// `hstatus` while the guest runs (SPV, SPVP, VTW, VTSR, ...).
    pub(crate) hstatus: usize,
    /// `scounteren` while the guest runs.
    pub(crate) scounteren: usize,
}

impl GuestRegs {
    /// The registers of a hart out of reset: in VS-mode with interrupts
    /// off; WFI traps to the host so an idle guest sleeps. CY, TM and IR
    /// are readable from VU-mode by default.
    pub(crate) fn out_of_reset() -> Self {
        GuestRegs {
            sstatus: sstatus::SPP | sstatus::SPIE,
            hstatus: hstatus::VTW | hstatus::SPVP | hstatus::SPV | hstatus::VSXL_64,
            scounteren: 0x7,
            ..GuestRegs::default()
        }
    }
}

/// Host state the world switch preserves across a guest run: what the
/// calling convention asks a callee to keep, and the CSRs it borrows.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub(crate) struct HostRegs {
    pub(crate) ra: usize,
    pub(crate) sp: usize,
    pub(crate) gp: usize,
    pub(crate) tp: usize,
    pub(crate) s: [usize; 12],
    pub(crate) sstatus: usize,
    pub(crate) hstatus: usize,
    pub(crate) scounteren: usize,
    pub(crate) sscratch: usize,
    pub(crate) stvec: usize,
}

/// Everything `switch_to_guest()` reads and writes.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub(crate) struct SwitchArea {
    pub(crate) guest: GuestRegs,
    pub(crate) host: HostRegs,
}

/// `sstatus` bits the backend interprets (the fields are `vsstatus`'s).
pub(crate) mod sstatus {
    pub(crate) use crate::logic::vscsr::{FS, SIE, SPIE, SPP, VS};
    /// FS: off.
    pub(crate) const FS_OFF: usize = 0;
    /// FS: initial.
    pub(crate) const FS_INITIAL: usize = 1 << 13;
    /// FS: clean.
    pub(crate) const FS_CLEAN: usize = 2 << 13;
    /// FS: dirty.
    pub(crate) const FS_DIRTY: usize = 3 << 13;
    /// VS: off.
    pub(crate) const VS_OFF: usize = 0;
    /// VS: initial.
    pub(crate) const VS_INITIAL: usize = 1 << 9;
    /// VS: clean.
    pub(crate) const VS_CLEAN: usize = 2 << 9;
    /// VS: dirty.
    pub(crate) const VS_DIRTY: usize = 3 << 9;
}

/// `hstatus` bits the backend sets.
pub(crate) mod hstatus {
    /// Trap WFI in VS-mode after a bounded time (as a virtual instruction).
    pub(crate) const VTW: usize = 1 << 21;
    /// Guest was in VS-mode (not VU) when trapping; HLV/HSV act as VS.
    pub(crate) const SPVP: usize = 1 << 8;
    /// The trap came from a guest; `sret` returns into V=1.
    pub(crate) const SPV: usize = 1 << 7;
    /// VS-mode XLEN field (2 = 64-bit).
    pub(crate) const VSXL_64: usize = 2 << 32;
}
