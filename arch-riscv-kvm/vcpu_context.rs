// SPDX-License-Identifier: GPL-2.0

//! The guest hart's state, split by who may touch it.
//!
//! The task that owns a vCPU (holds `vcpu->mutex`: the ioctls and the run
//! loop) is the only one to touch its state, but while the vCPU is loaded
//! the preempt notifiers that call `kvm_arch_vcpu_put()` and
//! `kvm_arch_vcpu_load()` on that task run at any preemption point, like an
//! interrupt. So the state is two parts:
//!
//! - [`VcpuContext`]: what only the owner's own code touches, the world
//!   switch's registers included. The owner holds `&mut` to it at will
//!   (`OwnedVcpu::ctx`).
//! - [`LoadState`]: what load and put move between the vCPU and the CPU
//!   (VS-level CSRs, FP and vector registers, `sstatus.FS` and `.VS`). The owner reaches it only
//!   with preemption off or with the vCPU not loaded, when no notifier can
//!   run (`OwnedVcpu::split`, `OwnedVcpu::unloaded`).
//!
//! `sstatus.FS` and `sstatus.VS` are the fields both need: the world
//! switch takes them from `sw.guest.sstatus`, while lazy FP and vector
//! change them at put and load. They live in [`LoadState::fs`] and
//! [`VcpuVector`] and are moved into and out of the switch area around
//! each entry, with preemption off.

use kernel::prelude::*;

use crate::context::{sstatus, FpRegs, SwitchArea};
use crate::csr::Smstateen;
use crate::kvm_mmu::MmuCache;
use crate::logic::insn::Width;
use crate::logic::isa::{VcpuIsa, SMSTATEEN0_SSTATEEN0};
use crate::logic::onereg::SbiExtStatuses;
use crate::logic::vscsr::{Vsatp, Vsstatus};
use crate::switch::FpWidth;
use crate::vcpu_vector::VcpuVector;

/// A vCPU's SBI PMU state (`pmu.rs`), owned by its task. Some 3.6 KiB,
/// so it lives in an allocation of its own, made only where the host has
/// a PMU.
pub(crate) type VcpuPmu = crate::logic::pmu::Pmu<crate::glue::PerfEvent>;

/// No steal-time shared memory (`INVALID_GPA`): steal time is not
/// accounted.
pub(crate) const STA_NO_SHMEM: u64 = u64::MAX;

/// The part of the guest hart's state only the owner's code touches.
pub(crate) struct VcpuContext {
    /// What the world switch reads and writes; `sw.guest.sstatus.FS` is
    /// only meaningful inside the guest (see the module comment).
    pub(crate) sw: SwitchArea,
    /// Host `senvcfg` while the guest runs.
    pub(crate) host_senvcfg: usize,
    /// Host `sstateen0` while the guest runs (if swapped).
    pub(crate) host_sstateen0: u64,
    /// VS CSRs a reset returns to.
    pub(crate) reset_csr: VsCsrs,
    /// Set once `KVM_RUN` has entered the guest: the configuration the
    /// guest has seen may no longer change.
    pub(crate) ran_atleast_once: bool,
    /// Host CPU the vCPU last ran on, to flush TLB entries another vCPU
    /// of the same VM may have left on a new CPU.
    pub(crate) last_exit_cpu: i32,
    /// An exit userspace has to complete on the next `KVM_RUN`.
    pub(crate) pending: PendingExit,
    /// ISA extensions the guest has.
    pub(crate) isa: VcpuIsa,
    /// Status of each SBI extension, by KVM SBI id.
    pub(crate) sbi: SbiExtStatuses,
    /// Machine identity the guest sees.
    pub(crate) mvendorid: u64,
    pub(crate) marchid: u64,
    pub(crate) mimpid: u64,
    /// Smstateen `sstateen0` of the guest.
    pub(crate) sstateen0: u64,
    /// Steal-time shared memory address ([`STA_NO_SHMEM`]: none).
    pub(crate) sta_shmem: u64,
    /// The task's run delay when steal time was last accounted.
    pub(crate) sta_last_steal: u64,
    /// Pages for G-stage page tables, topped up before `mmu_lock` is taken.
    pub(crate) mmu_cache: MmuCache,
    /// The SBI PMU's counters, if the host has a PMU for guests.
    pub(crate) pmu: Option<KBox<VcpuPmu>>,
}

impl VcpuContext {
    /// Guest register `x<n>`; `x0` reads as zero.
    pub(crate) fn reg(&self, n: u8) -> usize {
        if n == 0 {
            return 0;
        }
        self.sw.guest.x.get(usize::from(n)).copied().unwrap_or(0)
    }

    /// Sets guest register `x<n>`; writes to `x0` are dropped.
    pub(crate) fn set_reg(&mut self, n: u8, value: usize) {
        if n == 0 {
            return;
        }
        if let Some(r) = self.sw.guest.x.get_mut(usize::from(n)) {
            *r = value;
        }
    }

    /// Guest registers `a0..=a7` (`x10..=x17`), which hold an SBI call.
    pub(crate) fn sbi_regs(&self) -> [u64; 8] {
        let x = &self.sw.guest.x;
        // Spelled out: `array::from_fn` was not inlined here, and its
        // closure cost 140 instructions a call.
        [x[10], x[11], x[12], x[13], x[14], x[15], x[16], x[17]].map(|r| r as u64)
    }

    /// Moves the guest pc past an emulated instruction of `len` bytes.
    pub(crate) fn skip_insn(&mut self, len: u8) {
        self.sw.guest.sepc = self.sw.guest.sepc.wrapping_add(len.into());
    }
}

/// The part of the guest hart's state `kvm_arch_vcpu_load()` and
/// `kvm_arch_vcpu_put()` move between the vCPU and the CPU.
pub(crate) struct LoadState {
    /// VS-level CSRs while the vCPU is not loaded.
    pub(crate) csr: VsCsrs,
    /// Guest `sstatus.FS` outside the guest (see the module comment).
    pub(crate) fs: usize,
    /// Guest FP registers while not loaded (or while the guest has FS off).
    pub(crate) guest_fp: FpRegs,
    /// Host FP registers while the vCPU is loaded.
    pub(crate) host_fp_regs: FpRegs,
    /// The host's FP width: the host's registers are saved whole even
    /// when the guest only has F.
    pub(crate) host_fp: Option<FpWidth>,
    /// The guest has D (else F, else no FP).
    pub(crate) fp: Option<FpWidth>,
    /// Trap delegation and environment configuration for this guest.
    pub(crate) hedeleg: usize,
    pub(crate) henvcfg: u64,
    /// What state the guest may reach, where the host has Smstateen.
    pub(crate) hstateen0: u64,
    /// The host's Smstateen, if it has it.
    pub(crate) smstateen: Option<Smstateen>,
    /// Vector state, where the host has V.
    pub(crate) vector: Option<VcpuVector>,
}

impl LoadState {
    /// The host's Smstateen, if the guest has `sstateen0` (`hstateen0`
    /// lets it reach the CSR): then its value is swapped in around each
    /// entry.
    pub(crate) fn sstateen0_swap(&self) -> Option<Smstateen> {
        self.smstateen
            .filter(|_| self.hstateen0 & SMSTATEEN0_SSTATEEN0 != 0)
    }

    /// FP state of a hart coming out of reset: zeroed registers, usable
    /// (FS initial) if the guest has F or D.
    pub(crate) fn reset_fp(&mut self) {
        self.fs = Self::fs_out_of_reset(self.fp);
        self.guest_fp = FpRegs::default();
    }

    /// `sstatus.FS` of a hart with `fp` out of reset.
    pub(crate) fn fs_out_of_reset(fp: Option<FpWidth>) -> usize {
        if fp.is_some() {
            sstatus::FS_INITIAL
        } else {
            sstatus::FS_OFF
        }
    }

    /// Puts the guest's FS and VS into the switch area, and its vector
    /// registers on the CPU, for an entry.
    ///
    /// # Safety
    ///
    /// As for [`VcpuVector::enter`]; [`Self::exit_guest`] follows.
    #[inline]
    pub(crate) unsafe fn enter_guest(&mut self, sw: &mut SwitchArea) {
        sw.guest.sstatus = (sw.guest.sstatus & !sstatus::FS) | self.fs;
        match &mut self.vector {
            // SAFETY: The caller's guarantee.
            Some(v) => unsafe { v.enter(sw) },
            None => sw.guest.sstatus &= !sstatus::VS,
        }
    }

    /// Takes the guest's FS and VS (which the guest may have dirtied)
    /// back after an exit, and its vector registers off the CPU.
    ///
    /// # Safety
    ///
    /// As for [`VcpuVector::exit`].
    #[inline]
    pub(crate) unsafe fn exit_guest(&mut self, sw: &SwitchArea) {
        self.fs = sw.guest.sstatus & sstatus::FS;
        if let Some(v) = &mut self.vector {
            // SAFETY: The caller's guarantee.
            unsafe { v.exit(sw) };
        }
    }
}

/// VS-level CSRs of a guest hart while it is not loaded on a CPU.
#[derive(Clone, Copy, Default)]
pub(crate) struct VsCsrs {
    pub(crate) vsstatus: Vsstatus,
    pub(crate) vsie: usize,
    pub(crate) vstvec: usize,
    pub(crate) vsscratch: usize,
    pub(crate) vsepc: usize,
    pub(crate) vscause: usize,
    pub(crate) vstval: usize,
    pub(crate) hvip: usize,
    pub(crate) vsatp: Vsatp,
    pub(crate) senvcfg: usize,
}

/// An exit to userspace whose result the next `KVM_RUN` writes back.
#[derive(Clone, Copy, Default)]
pub(crate) enum PendingExit {
    /// Nothing to complete.
    #[default]
    None,
    /// `KVM_EXIT_RISCV_SBI`: a0/a1 from `kvm_run`, then skip the ecall.
    Sbi,
    /// `KVM_EXIT_MMIO` load: write the data to `rd`, then skip `len`.
    MmioLoad {
        rd: u8,
        width: Width,
        signed: bool,
        len: u8,
    },
    /// `KVM_EXIT_MMIO` store: skip `len`.
    MmioStore { len: u8 },
    /// `KVM_EXIT_RISCV_CSR`: write `ret_value` to `rd` (`x0`: drop it),
    /// then skip the instruction.
    Csr { rd: u8 },
}
