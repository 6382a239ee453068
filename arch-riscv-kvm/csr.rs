// SPDX-License-Identifier: GPL-2.0

//! Layer 3: hypervisor CSR access and guest TLB fences.
//!
//! Every instruction the backend issues directly is wrapped once, here.
//! CSRs are addressed by number and the fences are emitted with `.insn`, so
//! the assembler needs no H-extension support of its own.

use core::arch::asm;

/// Hypervisor exception delegation.
pub(crate) const HEDELEG: u16 = 0x602;
/// Hypervisor interrupt delegation.
pub(crate) const HIDELEG: u16 = 0x603;
/// Counters VS/VU-mode may read directly.
pub(crate) const HCOUNTEREN: u16 = 0x606;
/// Hypervisor environment configuration (guest-visible `*envcfg` features).
pub(crate) const HENVCFG: u16 = 0x60a;
/// Virtual interrupts pending for VS-mode.
pub(crate) const HVIP: u16 = 0x645;
/// G-stage translation root, mode and VMID.
pub(crate) const HGATP: u16 = 0x680;
/// VS-mode interrupt enables.
pub(crate) const VSIE: u16 = 0x204;

/// Reads the CSR numbered `CSR`.
#[inline(always)]
pub(crate) fn read<const CSR: u16>() -> usize {
    let value: usize;
    // SAFETY: `csrr` of a hypervisor or VS-level CSR has no side effect and
    // touches no memory. The module refuses to load without the H extension,
    // so every CSR named above exists whenever this runs.
    unsafe {
        asm!("csrr {value}, {csr}", csr = const CSR, value = out(reg) value,
             options(nomem, nostack, preserves_flags))
    };
    value
}

/// Writes `value` to the CSR numbered `CSR`.
///
/// # Safety
///
/// The write must not break the running host: the CSR only steers guest
/// (V=1) execution, or the caller restores it before the host depends on
/// it, with preemption disabled across the two writes.
#[inline(always)]
pub(crate) unsafe fn write<const CSR: u16>(value: usize) {
    // SAFETY: The caller guarantees the new value is harmless to the host;
    // the instruction itself touches no memory.
    unsafe {
        asm!("csrw {csr}, {value}", csr = const CSR, value = in(reg) value,
             options(nostack, preserves_flags))
    };
}

/// Flushes this CPU's G-stage and VS-stage TLB entries for every VMID
/// (`hfence.gvma zero, zero`).
#[inline(always)]
pub(crate) fn local_hfence_gvma_all() {
    // SAFETY: Dropping cached guest translations cannot affect the host's
    // own translations or memory; the next guest access just walks the
    // tables again.
    unsafe {
        asm!(
            ".insn r 0x73, 0, 0x31, x0, x0, x0",
            options(nostack, preserves_flags)
        )
    };
}
