// SPDX-License-Identifier: GPL-2.0

//! Layer 3: hypervisor CSR access and guest TLB fences.
//!
//! Every instruction the backend issues directly is wrapped once, here.
//! CSRs are addressed by number and the fences are emitted with `.insn`, so
//! the assembler needs no H-extension support of its own.

use core::arch::asm;

use crate::logic::vscsr::{Vsatp, Vsstatus};

/// The `time` counter.
pub(crate) const TIME: u16 = 0xc01;
/// Offset added to `time` as the guest reads it.
pub(crate) const HTIMEDELTA: u16 = 0x605;
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
/// Guest physical address of a guest-page fault, shifted right by 2.
pub(crate) const HTVAL: u16 = 0x643;
/// Transformed trapping instruction.
pub(crate) const HTINST: u16 = 0x64a;
/// Trap cause.
pub(crate) const SCAUSE: u16 = 0x142;
/// Trap value.
pub(crate) const STVAL: u16 = 0x143;
/// Supervisor environment configuration (swapped with the guest's).
pub(crate) const SENVCFG: u16 = 0x10a;
/// VS-mode status.
pub(crate) const VSSTATUS: u16 = 0x200;
/// VS-mode interrupt enables.
pub(crate) const VSIE: u16 = 0x204;
/// VS-mode trap vector.
pub(crate) const VSTVEC: u16 = 0x205;
/// VS-mode scratch.
pub(crate) const VSSCRATCH: u16 = 0x240;
/// VS-mode exception pc.
pub(crate) const VSEPC: u16 = 0x241;
/// VS-mode trap cause.
pub(crate) const VSCAUSE: u16 = 0x242;
/// VS-mode trap value.
pub(crate) const VSTVAL: u16 = 0x243;
/// VS-mode timer compare (Sstc).
pub(crate) const VSTIMECMP: u16 = 0x24d;
/// VS-mode address translation.
pub(crate) const VSATP: u16 = 0x280;

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

/// Reads `vsstatus` (of the loaded guest, or the last one loaded).
#[inline(always)]
pub(crate) fn read_vsstatus() -> Vsstatus {
    // A conforming hart only holds the fields, and neither does QEMU
    // after V=1 was left; the type keeps it so whatever the hart does.
    Vsstatus::new(read::<VSSTATUS>())
}

/// Writes `vsstatus`.
///
/// Safe where [`write`] is not: a [`Vsstatus`] holds VS-level fields only,
/// which steer guest execution alone, even on an emulator that carries
/// `vsstatus` into `mstatus` (see `logic::vscsr`).
#[inline(always)]
pub(crate) fn write_vsstatus(value: Vsstatus) {
    // SAFETY: As above, the value cannot break the host.
    unsafe { write::<VSSTATUS>(value.bits()) }
}

/// Reads `vsatp`; a MODE the hart should not hold keeps `old`.
#[inline(always)]
pub(crate) fn read_vsatp(old: Vsatp) -> Vsatp {
    old.written(read::<VSATP>(), crate::host::satp_mode())
}

/// Writes `vsatp`.
#[inline(always)]
pub(crate) fn write_vsatp(value: Vsatp) {
    // SAFETY: vsatp only translates V=1 accesses (and HLV/HSV, which the
    // backend issues for guest addresses only), and a [`Vsatp`] names a
    // real translation scheme, which no page walker trips on.
    unsafe { write::<VSATP>(value.bits()) }
}

/// Swaps `value` into the CSR numbered `CSR`, returning the old value.
///
/// # Safety
///
/// As for [`write`].
#[inline(always)]
pub(crate) unsafe fn swap<const CSR: u16>(value: usize) -> usize {
    let old: usize;
    // SAFETY: As in `write()`.
    unsafe {
        asm!("csrrw {old}, {csr}, {value}", csr = const CSR, value = in(reg) value,
             old = lateout(reg) old, options(nostack, preserves_flags))
    };
    old
}

/// Flushes this CPU's G-stage TLB entries of guest `vmid`
/// (`hfence.gvma zero, vmid`).
#[inline(always)]
pub(crate) fn local_hfence_gvma_vmid_all(vmid: usize) {
    // SAFETY: As in `local_hfence_gvma_all()`.
    unsafe {
        asm!(".insn r 0x73, 0, 0x31, x0, x0, {vmid}", vmid = in(reg) vmid,
             options(nostack, preserves_flags))
    };
}

/// Flushes this CPU's G-stage TLB entries of guest `vmid` for the
/// guest-physical page at `gpa` (`hfence.gvma gpa >> 2, vmid`: the operand
/// is shifted so Sv32x4's 34-bit addresses fit a 32-bit register).
#[inline(always)]
pub(crate) fn local_hfence_gvma_vmid_gpa(gpa: u64, vmid: usize) {
    let operand = crate::logic::hfence::gvma_operand(gpa) as usize;
    // SAFETY: As in `local_hfence_gvma_all()`.
    unsafe {
        asm!(".insn r 0x73, 0, 0x31, x0, {gpa}, {vmid}", gpa = in(reg) operand, vmid = in(reg) vmid,
             options(nostack, preserves_flags))
    };
}

/// Flushes this CPU's VS-stage TLB entries of the guest currently in
/// `hgatp` (`hfence.vvma zero, zero`).
#[inline(always)]
pub(crate) fn local_hfence_vvma_all() {
    // SAFETY: As in `local_hfence_gvma_all()`.
    unsafe {
        asm!(
            ".insn r 0x73, 0, 0x11, x0, x0, x0",
            options(nostack, preserves_flags)
        )
    };
}

/// Flushes this CPU's VS-stage TLB entries of the guest currently in
/// `hgatp` for guest-virtual address `gva`, in every ASID
/// (`hfence.vvma gva, zero`).
#[inline(always)]
pub(crate) fn local_hfence_vvma_gva(gva: u64) {
    // SAFETY: As in `local_hfence_gvma_all()`.
    unsafe {
        asm!(".insn r 0x73, 0, 0x11, x0, {gva}, x0", gva = in(reg) gva,
             options(nostack, preserves_flags))
    };
}

/// Flushes this CPU's VS-stage TLB entries of the guest currently in
/// `hgatp` for guest-virtual address `gva` in guest ASID `asid`
/// (`hfence.vvma gva, asid`).
#[inline(always)]
pub(crate) fn local_hfence_vvma_asid_gva(gva: u64, asid: u64) {
    // SAFETY: As in `local_hfence_gvma_all()`.
    unsafe {
        asm!(".insn r 0x73, 0, 0x11, x0, {gva}, {asid}", gva = in(reg) gva, asid = in(reg) asid,
             options(nostack, preserves_flags))
    };
}

/// Flushes this CPU's VS-stage TLB entries of the guest currently in
/// `hgatp` in guest ASID `asid` (`hfence.vvma zero, asid`).
#[inline(always)]
pub(crate) fn local_hfence_vvma_asid_all(asid: u64) {
    // SAFETY: As in `local_hfence_gvma_all()`.
    unsafe {
        asm!(".insn r 0x73, 0, 0x11, x0, x0, {asid}", asid = in(reg) asid,
             options(nostack, preserves_flags))
    };
}

/// Flushes this CPU's instruction cache (`fence.i`, spelled with `.insn`:
/// the kernel's target has no Zifencei in its assembler).
#[inline(always)]
pub(crate) fn local_fence_i() {
    // SAFETY: Synchronises instruction fetch with prior stores; no other
    // effect.
    unsafe {
        asm!(
            ".insn i 0x0f, 1, x0, x0, 0",
            options(nostack, preserves_flags)
        )
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
