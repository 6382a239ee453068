// SPDX-License-Identifier: GPL-2.0

//! Layer 3: hypervisor CSR access and guest TLB fences.
//!
//! Every instruction the backend issues directly is wrapped once, here.
//! CSRs are addressed by number and the fences are emitted with `.insn`, so
//! the assembler needs no H-extension support of its own.

use core::arch::asm;

use crate::logic::isa::HostIsa;

/// A CSR the backend accesses, as a type: the CSR number is part of the
/// type, so no caller passes an unchecked number, and what a write may do
/// to the host is stated once, per CSR, by [`GuestCsr`].
pub(crate) trait Csr {
    /// The CSR's number.
    const NUM: u16;
}

/// A CSR whose value steers guest (V=1) execution only.
///
/// # Safety
///
/// Writing any value to the CSR must leave the host's own execution and
/// memory unaffected, on every CPU the backend runs guest code on: the
/// value takes effect with V=1, or in the delivery of VS-level interrupts,
/// which `hideleg` delegates to VS-mode on every such CPU (set by
/// `kvm_arch_enable_virtualization_cpu()`, see `host.rs`).
pub(crate) unsafe trait GuestCsr: Csr {}

/// Declares CSR types, as `Name = number`.
macro_rules! csrs {
    ($($(#[$doc:meta])* $name:ident = $num:literal;)*) => {$(
        $(#[$doc])*
        pub(crate) enum $name {}
        impl Csr for $name {
            const NUM: u16 = $num;
        }
    )*};
}

csrs! {
    /// The `time` counter.
    Time = 0xc01;
    /// Offset added to `time` as the guest reads it.
    Htimedelta = 0x605;
    /// Hypervisor exception delegation.
    Hedeleg = 0x602;
    /// Hypervisor interrupt delegation.
    Hideleg = 0x603;
    /// Counters VS/VU-mode may read directly.
    Hcounteren = 0x606;
    /// Hypervisor environment configuration (guest-visible `*envcfg` features).
    Henvcfg = 0x60a;
    /// Virtual interrupts pending for VS-mode.
    Hvip = 0x645;
    /// G-stage translation root, mode and VMID.
    Hgatp = 0x680;
    /// Guest physical address of a guest-page fault, shifted right by 2.
    Htval = 0x643;
    /// Transformed trapping instruction.
    Htinst = 0x64a;
    /// Trap cause.
    Scause = 0x142;
    /// Trap value.
    Stval = 0x143;
    /// Supervisor environment configuration (swapped with the guest's).
    Senvcfg = 0x10a;
    /// VS-mode status.
    Vsstatus = 0x200;
    /// VS-mode interrupt enables.
    Vsie = 0x204;
    /// VS-mode trap vector.
    Vstvec = 0x205;
    /// VS-mode scratch.
    Vsscratch = 0x240;
    /// VS-mode exception pc.
    Vsepc = 0x241;
    /// VS-mode trap cause.
    Vscause = 0x242;
    /// VS-mode trap value.
    Vstval = 0x243;
    /// VS-mode timer compare (Sstc).
    Vstimecmp = 0x24d;
    /// VS-mode address translation.
    Vsatp = 0x280;
}

// SAFETY: Offsets only the `time` a V=1 hart reads.
unsafe impl GuestCsr for Htimedelta {}
// SAFETY: Delegates only exceptions taken with V=1 (the bits for HS-level
// causes are read-only zero).
unsafe impl GuestCsr for Hedeleg {}
// SAFETY: Grants counter access to VS/VU-mode only.
unsafe impl GuestCsr for Hcounteren {}
// SAFETY: Enables environment features of V=1 execution only.
unsafe impl GuestCsr for Henvcfg {}
// SAFETY: Only the VS-level interrupt bits are writable, and `hideleg`
// delegates those to VS-mode (see the trait).
unsafe impl GuestCsr for Hvip {}
// SAFETY: The VS-mode views of the guest's trap and interrupt state: they
// take effect with V=1 only (`vsie`'s enables through `hideleg`).
unsafe impl GuestCsr for Vsie {}
// SAFETY: As for `Vsie`.
unsafe impl GuestCsr for Vstvec {}
// SAFETY: As for `Vsie`.
unsafe impl GuestCsr for Vsscratch {}
// SAFETY: As for `Vsie`.
unsafe impl GuestCsr for Vsepc {}
// SAFETY: As for `Vsie`.
unsafe impl GuestCsr for Vscause {}
// SAFETY: As for `Vsie`.
unsafe impl GuestCsr for Vstval {}
// SAFETY: Raises the VS timer interrupt only, delegated by `hideleg`.
unsafe impl GuestCsr for Vstimecmp {}

/// `asm!` with the options of every instruction below but `csrr`: it does
/// not touch the stack, and leaves the FP flags alone.
macro_rules! insn {
    ($($args:tt)*) => {
        asm!($($args)*, options(nostack, preserves_flags))
    };
}

/// Reads CSR `C`.
#[inline(always)]
pub(crate) fn read<C: Csr>() -> usize {
    let value: usize;
    // SAFETY: `csrr` of a hypervisor or VS-level CSR has no side effect and
    // touches no memory. The module refuses to load without the H extension,
    // so every CSR declared above exists whenever this runs.
    unsafe { asm!("csrr {}, {}", out(reg) value, const C::NUM, options(nomem, nostack)) };
    value
}

/// Writes `value` to CSR `C`, which can only affect the guest.
#[inline(always)]
pub(crate) fn write<C: GuestCsr>(value: usize) {
    // SAFETY: By `GuestCsr`, no value written affects the host.
    unsafe { write_unchecked::<C>(value) }
}

/// Writes `value` to CSR `C`.
///
/// # Safety
///
/// The write must not break the running host: the value only steers guest
/// (V=1) execution, or the caller restores it before the host depends on
/// it, with preemption disabled across the two writes.
#[inline(always)]
pub(crate) unsafe fn write_unchecked<C: Csr>(value: usize) {
    // SAFETY: The caller guarantees the new value is harmless to the host;
    // the instruction itself touches no memory.
    unsafe { insn!("csrw {c}, {v}", c = const C::NUM, v = in(reg) value) };
}

/// Reads `vsstatus` (of the loaded guest, or the last one loaded).
#[inline(always)]
pub(crate) fn read_vsstatus() -> crate::logic::vscsr::Vsstatus {
    // A conforming hart only holds the fields, and neither does QEMU
    // after V=1 was left; the type keeps it so whatever the hart does.
    crate::logic::vscsr::Vsstatus::new(read::<Vsstatus>())
}

/// Writes `vsstatus`.
///
/// Safe where [`write_unchecked`] is not: a [`Vsstatus`] value holds
/// VS-level fields only, which steer guest execution alone, even on an
/// emulator that carries `vsstatus` into `mstatus` (see `logic::vscsr`).
///
/// [`Vsstatus`]: crate::logic::vscsr::Vsstatus
#[inline(always)]
pub(crate) fn write_vsstatus(value: crate::logic::vscsr::Vsstatus) {
    // SAFETY: As above, the value cannot break the host.
    unsafe { write_unchecked::<Vsstatus>(value.bits()) }
}

/// Reads `vsatp`; a MODE the hart should not hold (one other than Bare
/// and `host_satp_mode`) keeps `old`.
#[inline(always)]
pub(crate) fn read_vsatp(
    old: crate::logic::vscsr::Vsatp,
    host_satp_mode: u64,
) -> crate::logic::vscsr::Vsatp {
    old.written(read::<Vsatp>(), host_satp_mode)
}

/// Writes `vsatp`.
#[inline(always)]
pub(crate) fn write_vsatp(value: crate::logic::vscsr::Vsatp) {
    // SAFETY: vsatp only translates V=1 accesses (and HLV/HSV, which the
    // backend issues for guest addresses only), and a `Vsatp` names a
    // real translation scheme, which no page walker trips on.
    unsafe { write_unchecked::<Vsatp>(value.bits()) }
}

/// Swaps `value` into CSR `C`, returning the old value.
///
/// # Safety
///
/// As for [`write_unchecked`].
#[inline(always)]
pub(crate) unsafe fn swap<C: Csr>(value: usize) -> usize {
    let old: usize;
    // SAFETY: As in `write_unchecked()`.
    unsafe { insn!("csrrw {}, {}, {}", lateout(reg) old, const C::NUM, in(reg) value) };
    old
}

/// Proof that every hart of the host has Smstateen, so that `hstateen0`
/// and `sstateen0` exist. They are not [`Csr`]s: [`read`] would accept
/// them on any host.
#[derive(Clone, Copy)]
pub(crate) struct Smstateen(());

/// `hstateen0`: which state VS- and VU-mode may reach.
const HSTATEEN0: u16 = 0x60c;
/// `sstateen0`: which state U-mode may reach. HS-mode and VS-mode share
/// it, so the guest's value is swapped in around each entry.
const SSTATEEN0: u16 = 0x10c;

impl Smstateen {
    /// The proof, if the host's harts have Smstateen (`host`: the
    /// extensions all harts have, `HostCaps::isa`).
    pub(crate) fn on_host(host: &HostIsa) -> Option<Self> {
        // INVARIANT: `host` holds the extensions all harts have.
        host.has(crate::logic::isa::HostExtId::SMSTATEEN)
            .then_some(Smstateen(()))
    }

    /// Writes `hstateen0`.
    #[inline(always)]
    pub(crate) fn write_hstateen0(self, value: u64) {
        // SAFETY: The CSR exists (`self`). It gates what V=1 code may
        // reach and nothing else: no value affects the host.
        unsafe { insn!("csrw {c}, {v}", c = const HSTATEEN0, v = in(reg) value) };
    }

    /// Swaps `value` into `sstateen0`, returning the old value.
    ///
    /// # Safety
    ///
    /// As for [`write_unchecked`]: no host U-mode code runs before the
    /// host's value is swapped back.
    #[inline(always)]
    pub(crate) unsafe fn swap_sstateen0(self, value: u64) -> u64 {
        let old: u64;
        // SAFETY: The CSR exists (`self`); the caller keeps host U-mode
        // away from the value.
        unsafe { insn!("csrrw {}, {}, {}", lateout(reg) old, const SSTATEEN0, in(reg) value) };
        old
    }
}

/// Proof that every hart of the host has Ssaia, so that `hvien` exists.
#[derive(Clone, Copy)]
pub(crate) struct Ssaia(());

/// `hvien`: which of interrupts 13-63 `hvip` injects into VS-mode as
/// virtual interrupts of its own (not delegated host ones).
const HVIEN: u16 = 0x608;

impl Ssaia {
    /// The proof, if the host's harts have Ssaia (`host` as for
    /// [`Smstateen::on_host`]).
    pub(crate) fn on_host(host: &HostIsa) -> Option<Self> {
        // INVARIANT: `host` holds the extensions all harts have.
        host.has(crate::logic::isa::HostExtId::SSAIA)
            .then_some(Ssaia(()))
    }

    /// Writes `hvien`.
    #[inline(always)]
    pub(crate) fn write_hvien(self, value: usize) {
        // SAFETY: The CSR exists (`self`). A set bit makes `hvip`'s bit a
        // virtual interrupt of VS-mode, with `hideleg`'s bit clear (the
        // backend never delegates 13-63): no host interrupt is diverted.
        unsafe { insn!("csrw {c}, {v}", c = const HVIEN, v = in(reg) value) };
    }
}

/// Flushes this CPU's G-stage TLB entries of guest `vmid`
/// (`hfence.gvma zero, vmid`).
#[inline(always)]
pub(crate) fn local_hfence_gvma_vmid_all(vmid: usize) {
    // SAFETY: As in `local_hfence_gvma_all()`.
    unsafe { insn!(".insn r 0x73, 0, 0x31, x0, x0, {vmid}", vmid = in(reg) vmid) };
}

/// Flushes this CPU's G-stage TLB entries of guest `vmid` for the
/// guest-physical page at `gpa` (`hfence.gvma gpa >> 2, vmid`: the operand
/// is shifted so Sv32x4's 34-bit addresses fit a 32-bit register).
#[inline(always)]
pub(crate) fn local_hfence_gvma_vmid_gpa(gpa: crate::addr::Gpa, vmid: usize) {
    let operand = crate::logic::hfence::gvma_operand(gpa.get()) as usize;
    // SAFETY: As in `local_hfence_gvma_all()`.
    unsafe { insn!(".insn r 0x73, 0, 0x31, x0, {a}, {v}", a = in(reg) operand, v = in(reg) vmid) };
}

/// Flushes this CPU's VS-stage TLB entries of the guest currently in
/// `hgatp` (`hfence.vvma zero, zero`).
#[inline(always)]
pub(crate) fn local_hfence_vvma_all() {
    // SAFETY: As in `local_hfence_gvma_all()`.
    unsafe { insn!(".insn r 0x73, 0, 0x11, x0, x0, x0") };
}

/// Flushes this CPU's VS-stage TLB entries of the guest currently in
/// `hgatp` for guest-virtual address `gva`, in every ASID
/// (`hfence.vvma gva, zero`).
#[inline(always)]
pub(crate) fn local_hfence_vvma_gva(gva: u64) {
    // SAFETY: As in `local_hfence_gvma_all()`.
    unsafe { insn!(".insn r 0x73, 0, 0x11, x0, {gva}, x0", gva = in(reg) gva) };
}

/// Flushes this CPU's VS-stage TLB entries of the guest currently in
/// `hgatp` for guest-virtual address `gva` in guest ASID `asid`
/// (`hfence.vvma gva, asid`).
#[inline(always)]
pub(crate) fn local_hfence_vvma_asid_gva(gva: u64, asid: u64) {
    // SAFETY: As in `local_hfence_gvma_all()`.
    unsafe { insn!(".insn r 0x73, 0, 0x11, x0, {a}, {s}", a = in(reg) gva, s = in(reg) asid) };
}

/// Flushes this CPU's VS-stage TLB entries of the guest currently in
/// `hgatp` in guest ASID `asid` (`hfence.vvma zero, asid`).
#[inline(always)]
pub(crate) fn local_hfence_vvma_asid_all(asid: u64) {
    // SAFETY: As in `local_hfence_gvma_all()`.
    unsafe { insn!(".insn r 0x73, 0, 0x11, x0, x0, {asid}", asid = in(reg) asid) };
}

/// Flushes this CPU's instruction cache (`fence.i`, spelled with `.insn`:
/// the kernel's target has no Zifencei in its assembler).
#[inline(always)]
pub(crate) fn local_fence_i() {
    // SAFETY: Synchronises instruction fetch with prior stores; no other
    // effect.
    unsafe { insn!(".insn i 0x0f, 1, x0, x0, 0") };
}

/// Flushes this CPU's G-stage and VS-stage TLB entries for every VMID
/// (`hfence.gvma zero, zero`).
#[inline(always)]
pub(crate) fn local_hfence_gvma_all() {
    // SAFETY: Dropping cached guest translations cannot affect the host's
    // own translations or memory; the next guest access just walks the
    // tables again.
    unsafe { insn!(".insn r 0x73, 0, 0x31, x0, x0, x0") };
}
