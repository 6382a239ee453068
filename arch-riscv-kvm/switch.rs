// SPDX-License-Identifier: GPL-2.0

//! Layer 3: the world switch and the floating-point and vector register
//! files.
//!
//! `kvm_riscv_rs_switch_to()` enters the guest described by a
//! [`SwitchArea`] and returns when the guest traps to HS-mode. The offsets
//! the assembly uses come from `offset_of!`, so the layout in `context.rs`
//! is the only definition there is.

use core::arch::global_asm;
use core::mem::offset_of;

use crate::context::{FpRegs, SwitchArea};
use crate::glue::IrqsOff;
use crate::logic::onereg::VectorReg;
use kernel::prelude::*;

/// Offset of guest register `x<n>` in a [`SwitchArea`].
const fn guest_x(n: usize) -> usize {
    offset_of!(SwitchArea, guest.x) + n * core::mem::size_of::<usize>()
}

/// Offset of host register `s<n>` in a [`SwitchArea`].
const fn host_s(n: usize) -> usize {
    offset_of!(SwitchArea, host.s) + n * core::mem::size_of::<usize>()
}

// Entry: a0 points to the SwitchArea. The host's callee-saved registers
// and the CSRs the guest borrows (sstatus, hstatus, scounteren, stvec,
// sscratch) go to `host`; the guest's come from `guest`; `sret` enters the
// guest (hstatus.SPV and sstatus.SPP say where).
//
// Exit: any trap from the guest lands at 1: (stvec), with sscratch still
// holding the SwitchArea pointer, so the guest's a0 can be swapped out for
// it and everything saved in reverse. Interrupts are disabled throughout
// by the caller; HS-level interrupts still trap out of V=1 and are taken
// once the caller re-enables them.
//
// The caller treats this as an ordinary function, so the caller-saved
// registers need no saving here. Relaxation is off so `la` never becomes
// gp-relative: gp is the guest's when the exit path runs.
global_asm!(
    ".pushsection .text, \"ax\"",
    ".option push",
    ".option norelax",
    ".balign 4",
    ".global kvm_riscv_rs_switch_to",
    ".type kvm_riscv_rs_switch_to, @function",
    "kvm_riscv_rs_switch_to:",
    "sd ra, {h_ra}(a0)",
    "sd sp, {h_sp}(a0)",
    "sd gp, {h_gp}(a0)",
    "sd tp, {h_tp}(a0)",
    "sd s0, {h_s0}(a0)",
    "sd s1, {h_s1}(a0)",
    "sd s2, {h_s2}(a0)",
    "sd s3, {h_s3}(a0)",
    "sd s4, {h_s4}(a0)",
    "sd s5, {h_s5}(a0)",
    "sd s6, {h_s6}(a0)",
    "sd s7, {h_s7}(a0)",
    "sd s8, {h_s8}(a0)",
    "sd s9, {h_s9}(a0)",
    "sd s10, {h_s10}(a0)",
    "sd s11, {h_s11}(a0)",
    "ld t0, {g_sstatus}(a0)",
    "ld t1, {g_hstatus}(a0)",
    "ld t2, {g_scounteren}(a0)",
    "la t4, 1f",
    "ld t5, {g_sepc}(a0)",
    "csrrw t0, sstatus, t0",
    "csrrw t1, hstatus, t1",
    "csrrw t2, scounteren, t2",
    "csrrw t4, stvec, t4",
    "csrrw t3, sscratch, a0",
    "csrw sepc, t5",
    "sd t0, {h_sstatus}(a0)",
    "sd t1, {h_hstatus}(a0)",
    "sd t2, {h_scounteren}(a0)",
    "sd t3, {h_sscratch}(a0)",
    "sd t4, {h_stvec}(a0)",
    "ld ra, {g_x1}(a0)",
    "ld sp, {g_x2}(a0)",
    "ld gp, {g_x3}(a0)",
    "ld tp, {g_x4}(a0)",
    "ld t0, {g_x5}(a0)",
    "ld t1, {g_x6}(a0)",
    "ld t2, {g_x7}(a0)",
    "ld s0, {g_x8}(a0)",
    "ld s1, {g_x9}(a0)",
    "ld a1, {g_x11}(a0)",
    "ld a2, {g_x12}(a0)",
    "ld a3, {g_x13}(a0)",
    "ld a4, {g_x14}(a0)",
    "ld a5, {g_x15}(a0)",
    "ld a6, {g_x16}(a0)",
    "ld a7, {g_x17}(a0)",
    "ld s2, {g_x18}(a0)",
    "ld s3, {g_x19}(a0)",
    "ld s4, {g_x20}(a0)",
    "ld s5, {g_x21}(a0)",
    "ld s6, {g_x22}(a0)",
    "ld s7, {g_x23}(a0)",
    "ld s8, {g_x24}(a0)",
    "ld s9, {g_x25}(a0)",
    "ld s10, {g_x26}(a0)",
    "ld s11, {g_x27}(a0)",
    "ld t3, {g_x28}(a0)",
    "ld t4, {g_x29}(a0)",
    "ld t5, {g_x30}(a0)",
    "ld t6, {g_x31}(a0)",

    "ld a0, {g_x10}(a0)",
    "sret",
    ".balign 4",
    "1:",
    "csrrw a0, sscratch, a0",
    "sd ra, {g_x1}(a0)",
    "sd sp, {g_x2}(a0)",
    "sd gp, {g_x3}(a0)",
    "sd tp, {g_x4}(a0)",
    "sd t0, {g_x5}(a0)",
    "sd t1, {g_x6}(a0)",
    "sd t2, {g_x7}(a0)",
    "sd s0, {g_x8}(a0)",
    "sd s1, {g_x9}(a0)",
    "sd a1, {g_x11}(a0)",
    "sd a2, {g_x12}(a0)",
    "sd a3, {g_x13}(a0)",
    "sd a4, {g_x14}(a0)",
    "sd a5, {g_x15}(a0)",
    "sd a6, {g_x16}(a0)",
    "sd a7, {g_x17}(a0)",
    "sd s2, {g_x18}(a0)",
    "sd s3, {g_x19}(a0)",
    "sd s4, {g_x20}(a0)",
    "sd s5, {g_x21}(a0)",
    "sd s6, {g_x22}(a0)",
    "sd s7, {g_x23}(a0)",
    "sd s8, {g_x24}(a0)",
    "sd s9, {g_x25}(a0)",
    "sd s10, {g_x26}(a0)",
    "sd s11, {g_x27}(a0)",
    "sd t3, {g_x28}(a0)",
    "sd t4, {g_x29}(a0)",
    "sd t5, {g_x30}(a0)",
    "sd t6, {g_x31}(a0)",

    "ld t1, {h_stvec}(a0)",
    "ld t2, {h_sscratch}(a0)",
    "ld t3, {h_scounteren}(a0)",
    "ld t4, {h_hstatus}(a0)",
    "ld t5, {h_sstatus}(a0)",
    "csrr t0, sepc",
    "csrrw t2, sscratch, t2",
    "csrw stvec, t1",
    "csrrw t3, scounteren, t3",
    "csrrw t4, hstatus, t4",
    "csrrw t5, sstatus, t5",
    "sd t0, {g_sepc}(a0)",
    "sd t2, {g_x10}(a0)",
    "sd t3, {g_scounteren}(a0)",
    "sd t4, {g_hstatus}(a0)",
    "sd t5, {g_sstatus}(a0)",
    "ld ra, {h_ra}(a0)",
    "ld sp, {h_sp}(a0)",
    "ld gp, {h_gp}(a0)",
    "ld tp, {h_tp}(a0)",
    "ld s0, {h_s0}(a0)",
    "ld s1, {h_s1}(a0)",
    "ld s2, {h_s2}(a0)",
    "ld s3, {h_s3}(a0)",
    "ld s4, {h_s4}(a0)",
    "ld s5, {h_s5}(a0)",
    "ld s6, {h_s6}(a0)",
    "ld s7, {h_s7}(a0)",
    "ld s8, {h_s8}(a0)",
    "ld s9, {h_s9}(a0)",
    "ld s10, {h_s10}(a0)",
    "ld s11, {h_s11}(a0)",

    "ret",
    ".size kvm_riscv_rs_switch_to, . - kvm_riscv_rs_switch_to",
    ".option pop",
    ".popsection",
    g_x1 = const guest_x(1),
    g_x2 = const guest_x(2),
    g_x3 = const guest_x(3),
    g_x4 = const guest_x(4),
    g_x5 = const guest_x(5),
    g_x6 = const guest_x(6),
    g_x7 = const guest_x(7),
    g_x8 = const guest_x(8),
    g_x9 = const guest_x(9),
    g_x10 = const guest_x(10),
    g_x11 = const guest_x(11),
    g_x12 = const guest_x(12),
    g_x13 = const guest_x(13),
    g_x14 = const guest_x(14),
    g_x15 = const guest_x(15),
    g_x16 = const guest_x(16),
    g_x17 = const guest_x(17),
    g_x18 = const guest_x(18),
    g_x19 = const guest_x(19),
    g_x20 = const guest_x(20),
    g_x21 = const guest_x(21),
    g_x22 = const guest_x(22),
    g_x23 = const guest_x(23),
    g_x24 = const guest_x(24),
    g_x25 = const guest_x(25),
    g_x26 = const guest_x(26),
    g_x27 = const guest_x(27),
    g_x28 = const guest_x(28),
    g_x29 = const guest_x(29),
    g_x30 = const guest_x(30),
    g_x31 = const guest_x(31),
    g_sepc = const offset_of!(SwitchArea, guest.sepc),
    g_sstatus = const offset_of!(SwitchArea, guest.sstatus),
    g_hstatus = const offset_of!(SwitchArea, guest.hstatus),
    g_scounteren = const offset_of!(SwitchArea, guest.scounteren),
    h_ra = const offset_of!(SwitchArea, host.ra),
    h_sp = const offset_of!(SwitchArea, host.sp),
    h_gp = const offset_of!(SwitchArea, host.gp),
    h_tp = const offset_of!(SwitchArea, host.tp),
    h_s0 = const host_s(0),
    h_s1 = const host_s(1),
    h_s2 = const host_s(2),
    h_s3 = const host_s(3),
    h_s4 = const host_s(4),
    h_s5 = const host_s(5),
    h_s6 = const host_s(6),
    h_s7 = const host_s(7),
    h_s8 = const host_s(8),
    h_s9 = const host_s(9),
    h_s10 = const host_s(10),
    h_s11 = const host_s(11),
    h_sstatus = const offset_of!(SwitchArea, host.sstatus),
    h_hstatus = const offset_of!(SwitchArea, host.hstatus),
    h_scounteren = const offset_of!(SwitchArea, host.scounteren),
    h_sscratch = const offset_of!(SwitchArea, host.sscratch),
    h_stvec = const offset_of!(SwitchArea, host.stvec),
);

// FP register file save/restore. The kernel runs with sstatus.FS off so
// that stray FP use traps; these routines turn it on around the access
// and put the caller's value back. fcsr sits at the offset below.
global_asm!(
    ".pushsection .text, \"ax\"",
    ".option push",
    ".option arch, +d",
    ".balign 4",
    ".global kvm_riscv_rs_fp_d_save",
    "kvm_riscv_rs_fp_d_save:",
    "li t1, {fs}",
    "csrrs t2, sstatus, t1",
    "frcsr t0",
    "fsd f0, 0(a0)",
    "fsd f1, 8(a0)",
    "fsd f2, 16(a0)",
    "fsd f3, 24(a0)",
    "fsd f4, 32(a0)",
    "fsd f5, 40(a0)",
    "fsd f6, 48(a0)",
    "fsd f7, 56(a0)",
    "fsd f8, 64(a0)",
    "fsd f9, 72(a0)",
    "fsd f10, 80(a0)",
    "fsd f11, 88(a0)",
    "fsd f12, 96(a0)",
    "fsd f13, 104(a0)",
    "fsd f14, 112(a0)",
    "fsd f15, 120(a0)",
    "fsd f16, 128(a0)",
    "fsd f17, 136(a0)",
    "fsd f18, 144(a0)",
    "fsd f19, 152(a0)",
    "fsd f20, 160(a0)",
    "fsd f21, 168(a0)",
    "fsd f22, 176(a0)",
    "fsd f23, 184(a0)",
    "fsd f24, 192(a0)",
    "fsd f25, 200(a0)",
    "fsd f26, 208(a0)",
    "fsd f27, 216(a0)",
    "fsd f28, 224(a0)",
    "fsd f29, 232(a0)",
    "fsd f30, 240(a0)",
    "fsd f31, 248(a0)",
    "sw t0, {fcsr}(a0)",
    "csrw sstatus, t2",
    "ret",
    ".balign 4",
    ".global kvm_riscv_rs_fp_d_restore",
    "kvm_riscv_rs_fp_d_restore:",
    "li t1, {fs}",
    "csrrs t2, sstatus, t1",
    "lw t0, {fcsr}(a0)",
    "fld f0, 0(a0)",
    "fld f1, 8(a0)",
    "fld f2, 16(a0)",
    "fld f3, 24(a0)",
    "fld f4, 32(a0)",
    "fld f5, 40(a0)",
    "fld f6, 48(a0)",
    "fld f7, 56(a0)",
    "fld f8, 64(a0)",
    "fld f9, 72(a0)",
    "fld f10, 80(a0)",
    "fld f11, 88(a0)",
    "fld f12, 96(a0)",
    "fld f13, 104(a0)",
    "fld f14, 112(a0)",
    "fld f15, 120(a0)",
    "fld f16, 128(a0)",
    "fld f17, 136(a0)",
    "fld f18, 144(a0)",
    "fld f19, 152(a0)",
    "fld f20, 160(a0)",
    "fld f21, 168(a0)",
    "fld f22, 176(a0)",
    "fld f23, 184(a0)",
    "fld f24, 192(a0)",
    "fld f25, 200(a0)",
    "fld f26, 208(a0)",
    "fld f27, 216(a0)",
    "fld f28, 224(a0)",
    "fld f29, 232(a0)",
    "fld f30, 240(a0)",
    "fld f31, 248(a0)",
    "fscsr t0",
    "csrw sstatus, t2",
    "ret",
    ".balign 4",
    ".global kvm_riscv_rs_fp_f_save",
    "kvm_riscv_rs_fp_f_save:",
    "li t1, {fs}",
    "csrrs t2, sstatus, t1",
    "frcsr t0",
    "fsw f0, 0(a0)",
    "fsw f1, 8(a0)",
    "fsw f2, 16(a0)",
    "fsw f3, 24(a0)",
    "fsw f4, 32(a0)",
    "fsw f5, 40(a0)",
    "fsw f6, 48(a0)",
    "fsw f7, 56(a0)",
    "fsw f8, 64(a0)",
    "fsw f9, 72(a0)",
    "fsw f10, 80(a0)",
    "fsw f11, 88(a0)",
    "fsw f12, 96(a0)",
    "fsw f13, 104(a0)",
    "fsw f14, 112(a0)",
    "fsw f15, 120(a0)",
    "fsw f16, 128(a0)",
    "fsw f17, 136(a0)",
    "fsw f18, 144(a0)",
    "fsw f19, 152(a0)",
    "fsw f20, 160(a0)",
    "fsw f21, 168(a0)",
    "fsw f22, 176(a0)",
    "fsw f23, 184(a0)",
    "fsw f24, 192(a0)",
    "fsw f25, 200(a0)",
    "fsw f26, 208(a0)",
    "fsw f27, 216(a0)",
    "fsw f28, 224(a0)",
    "fsw f29, 232(a0)",
    "fsw f30, 240(a0)",
    "fsw f31, 248(a0)",
    "sw t0, {fcsr}(a0)",
    "csrw sstatus, t2",
    "ret",
    ".balign 4",
    ".global kvm_riscv_rs_fp_f_restore",
    "kvm_riscv_rs_fp_f_restore:",
    "li t1, {fs}",
    "csrrs t2, sstatus, t1",
    "lw t0, {fcsr}(a0)",
    "flw f0, 0(a0)",
    "flw f1, 8(a0)",
    "flw f2, 16(a0)",
    "flw f3, 24(a0)",
    "flw f4, 32(a0)",
    "flw f5, 40(a0)",
    "flw f6, 48(a0)",
    "flw f7, 56(a0)",
    "flw f8, 64(a0)",
    "flw f9, 72(a0)",
    "flw f10, 80(a0)",
    "flw f11, 88(a0)",
    "flw f12, 96(a0)",
    "flw f13, 104(a0)",
    "flw f14, 112(a0)",
    "flw f15, 120(a0)",
    "flw f16, 128(a0)",
    "flw f17, 136(a0)",
    "flw f18, 144(a0)",
    "flw f19, 152(a0)",
    "flw f20, 160(a0)",
    "flw f21, 168(a0)",
    "flw f22, 176(a0)",
    "flw f23, 184(a0)",
    "flw f24, 192(a0)",
    "flw f25, 200(a0)",
    "flw f26, 208(a0)",
    "flw f27, 216(a0)",
    "flw f28, 224(a0)",
    "flw f29, 232(a0)",
    "flw f30, 240(a0)",
    "flw f31, 248(a0)",
    "fscsr t0",
    "csrw sstatus, t2",
    "ret",
    ".option pop",
    ".popsection",
    fs = const crate::context::sstatus::FS,
    fcsr = const offset_of!(FpRegs, fcsr),
);

extern "C" {
    fn kvm_riscv_rs_fp_d_save(fp: *mut FpRegs);
    fn kvm_riscv_rs_fp_d_restore(fp: *const FpRegs);
    fn kvm_riscv_rs_fp_f_save(fp: *mut FpRegs);
    fn kvm_riscv_rs_fp_f_restore(fp: *const FpRegs);
}

/// Runs the guest in `area` until it traps to HS-mode: the extended
/// quiescent state of context tracking and `kvm_riscv_rs_switch_to()`
/// inside it, through the `noinstr` C wrapper (`glue.c`).
///
/// # Safety
///
/// Interrupts must be disabled, the vCPU's VS-level CSRs, `hgatp` and
/// trap delegation must be loaded on this CPU, and `area.guest` must hold
/// a state the guest may run with (`hstatus.SPV` set).
pub(crate) unsafe fn switch_to_guest(area: &mut SwitchArea) {
    // SAFETY: The caller guarantees the CPU is set up for this guest. The
    // assembly saves and restores every register the calling convention
    // asks a callee to keep, and only touches `*area`.
    unsafe { kernel::bindings::kvm_riscv_glue_enter_exit(core::ptr::from_mut(area).cast()) };
}

/// An FP register width the host has (F: 32 bits, D: 64 bits), hence a
/// register file [`fp_save`] and [`fp_restore`] can move.
///
/// INVARIANT: every hart has the extension the width needs, so the
/// instructions that move it exist.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct FpWidth {
    double: bool,
}

impl FpWidth {
    /// D's width, if the host has D.
    pub(crate) fn double() -> Option<Self> {
        // INVARIANT: Checked just here.
        crate::glue::host_has_extension(b'd').then_some(FpWidth { double: true })
    }

    /// F's width, if the host has F.
    pub(crate) fn single() -> Option<Self> {
        // INVARIANT: Checked just here.
        crate::glue::host_has_extension(b'f').then_some(FpWidth { double: false })
    }
}

/// Saves this CPU's FP register file into `fp`.
pub(crate) fn fp_save(fp: &mut FpRegs, width: FpWidth) {
    let save = if width.double {
        kvm_riscv_rs_fp_d_save
    } else {
        kvm_riscv_rs_fp_f_save
    };
    // SAFETY: The routine only accesses `*fp` and restores sstatus.FS; the
    // host has its extension (`FpWidth`'s invariant).
    unsafe { save(fp) };
}

/// Loads this CPU's FP register file from `fp`.
///
/// # Safety
///
/// Whatever the registers held must be saved already: they belong to the
/// current host task or to a guest.
pub(crate) unsafe fn fp_restore(fp: &FpRegs, width: FpWidth) {
    let restore = if width.double {
        kvm_riscv_rs_fp_d_restore
    } else {
        kvm_riscv_rs_fp_f_restore
    };
    // SAFETY: As in `fp_save()`; the caller saved the previous contents.
    unsafe { restore(fp) };
}

/// The host's vector register file, hence one [`VectorRegs`] can move:
/// every hart has V and the kernel saves its tasks' vector state.
///
/// INVARIANT: `size` is the kernel's `riscv_v_vsize`, the bytes of the 32
/// vector registers, and not 0.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct HostVector {
    size: usize,
}

impl HostVector {
    /// The host's register file, if it has V.
    pub(crate) fn get() -> Option<Self> {
        let size = crate::glue::vector_size();
        // INVARIANT: The kernel's size, which is 0 without V (or without
        // the kernel's vector support).
        (size != 0).then_some(HostVector { size })
    }

    /// `vlenb`: the bytes of one vector register.
    pub(crate) fn vlenb(self) -> usize {
        self.size / 32
    }
}

/// A vector register file in memory: `vstart`, `vl`, `vtype`, `vcsr`,
/// `vlenb` in the kernel's `struct __riscv_v_ext_state`, and the 32
/// registers.
///
/// INVARIANT: `data` holds `host.size` bytes; `csrs.datap` is NULL (the
/// kernel's helpers take the data pointer as an argument).
pub(crate) struct VectorRegs {
    csrs: kernel::bindings::__riscv_v_ext_state,
    data: KVec<u8>,
    host: HostVector,
}

impl VectorRegs {
    /// A zeroed register file of the host's size, with its `vlenb`.
    pub(crate) fn new(host: HostVector) -> Result<Self, kernel::alloc::AllocError> {
        let data = KVec::from_elem(0u8, host.size, GFP_KERNEL)?;
        let csrs = kernel::bindings::__riscv_v_ext_state {
            vstart: 0,
            vl: 0,
            vtype: 0,
            vcsr: 0,
            vlenb: host.vlenb() as _,
            datap: core::ptr::null_mut(),
        };
        // INVARIANT: `data` is `host.size` bytes, `datap` NULL.
        Ok(VectorRegs { csrs, data, host })
    }

    /// Back to the state of a hart out of reset: every register and CSR
    /// zero but `vlenb`.
    pub(crate) fn clear(&mut self) {
        self.data.fill(0);
        let c = &mut self.csrs;
        (c.vstart, c.vl, c.vtype, c.vcsr) = (0, 0, 0, 0);
    }

    /// `vlenb`: the bytes of one register.
    pub(crate) fn vlenb(&self) -> usize {
        self.host.vlenb()
    }

    /// The value of CSR `r`; `None` for a data register.
    pub(crate) fn csr(&self, r: VectorReg) -> Option<usize> {
        let c = &self.csrs;
        Some(match r {
            VectorReg::Vstart => c.vstart,
            VectorReg::Vl => c.vl,
            VectorReg::Vtype => c.vtype,
            VectorReg::Vcsr => c.vcsr,
            VectorReg::Vlenb => c.vlenb,
            VectorReg::V { .. } => return None,
        })
    }

    /// Writes CSR `r`. `vlenb` is the host's and stays so: `false` for it
    /// and for a data register.
    pub(crate) fn set_csr(&mut self, r: VectorReg, value: usize) -> bool {
        let c = &mut self.csrs;
        let field = match r {
            VectorReg::Vstart => &mut c.vstart,
            VectorReg::Vl => &mut c.vl,
            VectorReg::Vtype => &mut c.vtype,
            VectorReg::Vcsr => &mut c.vcsr,
            VectorReg::Vlenb | VectorReg::V { .. } => return false,
        };
        *field = value as _;
        true
    }

    /// Register `v<n>`, `vlenb` bytes; `None` unless `n < 32`.
    pub(crate) fn reg(&self, n: usize) -> Option<&[u8]> {
        self.data.chunks_exact(self.host.vlenb()).nth(n)
    }

    /// Register `v<n>`, to write.
    pub(crate) fn reg_mut(&mut self, n: usize) -> Option<&mut [u8]> {
        let vlenb = self.host.vlenb();
        self.data.chunks_exact_mut(vlenb).nth(n)
    }

    /// Saves this CPU's vector registers and CSRs here.
    ///
    /// # Safety
    ///
    /// The CPU's registers must be the ones this file is for, and nothing
    /// may use them after without restoring them first: the save changes
    /// `vl` and `vtype` and leaves `sstatus.VS` Off.
    pub(crate) unsafe fn save(&mut self) {
        let data = self.data.as_mut_ptr().cast();
        // SAFETY: The host has V (`HostVector`'s invariant); the helper
        // writes the five CSR fields and `riscv_v_vsize` bytes at `data`,
        // which `self.data` holds (the invariant); the caller guarantees
        // the registers it changes are not used after.
        unsafe { kernel::bindings::kvm_riscv_glue_vector_save(&mut self.csrs, data) };
    }

    /// Loads this CPU's vector registers and CSRs from here.
    ///
    /// # Safety
    ///
    /// The registers must be nobody's: whatever they held is saved already
    /// or was never anybody's state, and nothing else uses them until
    /// their new owner is done.
    pub(crate) unsafe fn restore(&self) {
        let data = self.data.as_ptr().cast_mut().cast();
        // SAFETY: As in `save()`, but the helper only reads `riscv_v_vsize`
        // bytes at `data` (the `*mut` of its C signature is never written
        // through); the caller saved the previous contents.
        unsafe { kernel::bindings::kvm_riscv_glue_vector_restore(&self.csrs, data) };
    }
}

/// What a trap taken while reading guest memory reported.
#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub(crate) struct UnprivTrap {
    pub(crate) sepc: usize,
    pub(crate) scause: usize,
    pub(crate) stval: usize,
    pub(crate) htval: usize,
    pub(crate) htinst: usize,
}

// Reads the guest instruction at a0 as the guest would fetch it
// (HLVX.HU, twice for a 32-bit instruction), with hstatus temporarily the
// guest's (a2) so the access runs with the guest's translation and
// privilege. A fault lands at 3:, which records it at a1 and resumes
// after the faulting (4-byte, hence norvc) instruction. Interrupts are off
// in the caller, so nothing else can arrive at that stvec.
global_asm!(
    ".pushsection .text, \"ax\"",
    ".option push",
    ".option norvc",
    ".option norelax",
    ".balign 4",
    ".global kvm_riscv_rs_read_guest_insn",
    "kvm_riscv_rs_read_guest_insn:",
    "csrrw a2, hstatus, a2",
    "la t0, 3f",
    "csrrw t0, stvec, t0",
    "mv t2, a0",
    "li t1, 0",
    // hlvx.hu t1, (t2)
    ".insn r 0x73, 4, 0x32, t1, t2, x3",
    "andi t3, t1, 3",
    "addi t3, t3, -3",
    "bnez t3, 2f",
    "addi t2, t2, 2",
    "li t3, 0",
    // hlvx.hu t3, (t2)
    ".insn r 0x73, 4, 0x32, t3, t2, x3",
    "slli t3, t3, 16",
    "add t1, t1, t3",
    "2:",
    "csrw stvec, t0",
    "csrw hstatus, a2",
    "mv a0, t1",
    "ret",
    // The same for the unsigned long at a0, read as the guest's S-mode
    // would (HLV.D; hstatus.SPVP is the guest's).
    ".balign 4",
    ".global kvm_riscv_rs_read_guest_ulong",
    "kvm_riscv_rs_read_guest_ulong:",
    "csrrw a2, hstatus, a2",
    "la t0, 3f",
    "csrrw t0, stvec, t0",
    "li t1, 0",
    // hlv.d t1, (a0)
    ".insn r 0x73, 4, 0x36, t1, a0, x0",
    "j 2b",
    ".balign 4",
    "3:",
    "csrr t4, sepc",
    "sd t4, {t_sepc}(a1)",
    "addi t4, t4, 4",
    "csrw sepc, t4",
    "csrr t4, scause",
    "sd t4, {t_scause}(a1)",
    "csrr t4, stval",
    "sd t4, {t_stval}(a1)",
    "csrr t4, 0x643",
    "sd t4, {t_htval}(a1)",
    "csrr t4, 0x64a",
    "sd t4, {t_htinst}(a1)",
    "sret",
    ".option pop",
    ".popsection",
    t_sepc = const offset_of!(UnprivTrap, sepc),
    t_scause = const offset_of!(UnprivTrap, scause),
    t_stval = const offset_of!(UnprivTrap, stval),
    t_htval = const offset_of!(UnprivTrap, htval),
    t_htinst = const offset_of!(UnprivTrap, htinst),
);

extern "C" {
    fn kvm_riscv_rs_read_guest_insn(addr: usize, trap: *mut UnprivTrap, hstatus: usize) -> usize;
    fn kvm_riscv_rs_read_guest_ulong(addr: usize, trap: *mut UnprivTrap, hstatus: usize) -> usize;
}

/// Fetches the guest instruction at `addr` through the guest's own
/// translation, as `hstatus` (the guest's) describes it.
///
/// On a fault, returns the trap to redirect to the guest, its cause
/// turned into the fetch fault the guest would have seen.
pub(crate) fn read_guest_insn(
    addr: usize,
    hstatus: usize,
    _irqs: &IrqsOff,
) -> Result<u32, UnprivTrap> {
    let mut trap = UnprivTrap::default();
    // SAFETY: Interrupts are off (`_irqs`), so the temporary stvec only
    // ever sees a fault of the guest load, which it records in `trap`;
    // hstatus and stvec are restored before returning.
    let word = unsafe { kvm_riscv_rs_read_guest_insn(addr, &mut trap, hstatus) };
    if trap.scause != 0 {
        // A load page fault while fetching is an instruction page fault.
        if trap.scause == 13 {
            trap.scause = 12;
        }
        return Err(trap);
    }
    Ok(word as u32)
}

/// Reads the `unsigned long` at guest virtual address `addr` as the
/// guest's S-mode would (`kvm_riscv_vcpu_unpriv_read()`), with the guest's
/// `hstatus`.
///
/// On a fault, returns the trap to redirect to the guest.
pub(crate) fn read_guest_ulong(
    addr: usize,
    hstatus: usize,
    _irqs: &IrqsOff,
) -> Result<usize, UnprivTrap> {
    let mut trap = UnprivTrap::default();
    // SAFETY: As in `read_guest_insn()`.
    let value = unsafe { kvm_riscv_rs_read_guest_ulong(addr, &mut trap, hstatus) };
    if trap.scause != 0 {
        return Err(trap);
    }
    Ok(value)
}
