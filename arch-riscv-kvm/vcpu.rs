// SPDX-License-Identifier: GPL-2.0

//! Virtual CPUs: the Rust-owned container around `struct kvm_vcpu`, its
//! lifetime hooks, power state and the vCPU ioctls.

use core::cell::UnsafeCell;
use core::ptr::addr_of_mut;
use core::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use kernel::bindings;
use kernel::ffi::{c_int, c_long, c_uint, c_ulong};
use kernel::prelude::*;
use kernel::sync::{new_spinlock, SpinLock};
use kernel::types::Opaque;

use crate::context::{hstatus, sstatus, FpRegs, GuestRegs, SwitchArea};
use crate::csr;
use crate::glue::{self, NoPreempt, Request};
use crate::logic::hfence::{HfenceKind, HfenceQueue};
use crate::logic::insn::Width;
use crate::logic::irq::IrqState;
use crate::logic::isa::{self, VcpuIsa};
use crate::logic::onereg::SbiExtStatuses;
use crate::logic::vscsr::{Vsatp, Vsstatus};
use crate::switch::{self, FpWidth};
use crate::timer::{self, GuestTimer};

/// A vCPU: generic KVM's `struct kvm_vcpu` followed by the backend's state.
///
/// `kvm_init()` is told the size and alignment of `Vcpu`, so the vCPU
/// cache hands out whole containers and every `struct kvm_vcpu` generic KVM
/// passes to the backend is the head of one.
#[repr(C)]
#[pin_data]
pub(crate) struct Vcpu {
    kvm_vcpu: Opaque<bindings::kvm_vcpu>,
    #[pin]
    arch: VcpuArch,
}

/// Backend state of a vCPU. Pin-initialised in place by
/// `kvm_arch_vcpu_create()`, dropped in place by `kvm_arch_vcpu_destroy()`.
#[pin_data(PinnedDrop)]
pub(crate) struct VcpuArch {
    /// Power state, a `KVM_MP_STATE_*` value. The lock orders a power-off
    /// and its sleep request against concurrent power state changes.
    #[pin]
    mp_state: SpinLock<u32>,
    /// Register and CSR state of the guest hart, see [`VcpuContext`].
    ctx: UnsafeCell<VcpuContext>,
    /// The state a reset (SBI HSM start) gives the hart. Another vCPU's
    /// task writes it, hence the lock.
    #[pin]
    reset_regs: SpinLock<GuestRegs>,
    /// Interrupts pending for the guest and which changed since the last
    /// flush to `hvip` (`logic::irq::IrqState`), in one word: raised from
    /// other tasks and hard interrupt context, updated by compare-and-swap.
    irqs: AtomicU64,
    /// `vsie` as of the last exit, for wake-up decisions made elsewhere.
    vsie: AtomicUsize,
    #[pin]
    timer: GuestTimer,
    /// Pages for G-stage page tables, topped up before `mmu_lock` is taken.
    mmu_cache: Opaque<bindings::kvm_mmu_memory_cache>,
    /// Fences other CPUs asked this vCPU to perform on its hart before it
    /// next enters the guest (`KVM_REQ_HFENCE`), see `tlb.rs`.
    #[pin]
    hfences: SpinLock<HfenceQueue>,
}

/// The guest hart's state.
///
/// Owned by the task that holds the vCPU (`vcpu->mutex`): the ioctls and
/// the run loop. While the vCPU is loaded, the preempt notifiers that
/// call `kvm_arch_vcpu_put()`/`kvm_arch_vcpu_load()` on that same task
/// also write it (VS-level CSRs, FP registers, `sstatus.FS`), at any
/// preemption point. So no reference into it is held while preemption is
/// enabled: the run loop touches it through short accessors or with
/// preemption disabled.
#[derive(Default)]
pub(crate) struct VcpuContext {
    /// What the world switch reads and writes.
    pub(crate) sw: SwitchArea,
    /// VS-level CSRs while the vCPU is not loaded.
    pub(crate) csr: VsCsrs,
    /// Guest FP registers while not loaded (or while the guest has FS off).
    pub(crate) guest_fp: FpRegs,
    /// Host FP registers while the vCPU is loaded.
    pub(crate) host_fp_regs: FpRegs,
    /// The host's FP width: the host's registers are saved whole even
    /// when the guest only has F.
    pub(crate) host_fp: Option<FpWidth>,
    /// Host `senvcfg` while the guest runs.
    pub(crate) host_senvcfg: usize,
    /// VS CSRs a reset returns to.
    pub(crate) reset_csr: VsCsrs,
    /// Trap delegation and environment configuration for this guest.
    pub(crate) hedeleg: usize,
    pub(crate) henvcfg: u64,
    /// The guest has D (else F, else no FP).
    pub(crate) fp: Option<FpWidth>,
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
    /// Steal-time shared memory address (`sta::NO_SHMEM`: none).
    pub(crate) sta_shmem: u64,
    /// The task's run delay when steal time was last accounted.
    pub(crate) sta_last_steal: u64,
}

impl VcpuContext {
    /// FP state of a hart coming out of reset: zeroed registers, usable
    /// (FS initial) if the guest has F or D.
    pub(crate) fn reset_fp(&mut self) {
        let fs = if self.fp.is_some() {
            sstatus::FS_INITIAL
        } else {
            sstatus::FS_OFF
        };
        self.sw.guest.sstatus = (self.sw.guest.sstatus & !sstatus::FS) | fs;
        self.guest_fp = FpRegs::default();
    }
}

/// VS-level guest interrupts the backend raises, by `hvip` bit.
#[derive(Clone, Copy)]
pub(crate) enum Irq {
    /// VS-level software interrupt (SBI IPI).
    Soft = 2,
    /// VS-level timer interrupt.
    Timer = 6,
    /// VS-level external interrupt (`KVM_INTERRUPT`).
    External = 10,
}

/// hvip holds VS interrupts one bit above where the guest's sip shows them.
pub(crate) const VSIP_TO_HVIP_SHIFT: u32 = 1;
/// sip bits of VS software, timer and external interrupts.
pub(crate) const VSIP_VALID_MASK: usize = (1 << 1) | (1 << 5) | (1 << 9);

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

impl VcpuArch {
    fn new() -> impl PinInit<Self> {
        let caps = crate::host::HostCaps::get();
        // SAFETY: Plain SBI queries of the host firmware.
        let (mvendorid, marchid, mimpid) = unsafe {
            (
                bindings::sbi_get_mvendorid() as u64,
                bindings::sbi_get_marchid() as u64,
                bindings::sbi_get_mimpid() as u64,
            )
        };
        let isa = isa::initial_vcpu_isa(&caps.isa, false);
        let mut ctx = VcpuContext {
            fp: fp_width(&isa),
            host_fp: host_fp_width(),
            hedeleg: crate::host::HEDELEG_DEFAULT,
            last_exit_cpu: -1,
            isa,
            sbi: crate::logic::sbi::initial_status(crate::sta::available()),
            mvendorid,
            marchid,
            mimpid,
            sta_shmem: crate::sta::NO_SHMEM,
            ..VcpuContext::default()
        };
        // A hart comes out of reset in VS-mode with interrupts off; WFI
        // traps to the host so an idle guest sleeps. CY, TM and IR are
        // readable from VU-mode by default.
        let reset = GuestRegs {
            sstatus: sstatus::SPP | sstatus::SPIE,
            hstatus: hstatus::VTW | hstatus::SPVP | hstatus::SPV | hstatus::VSXL_64,
            scounteren: 0x7,
            ..GuestRegs::default()
        };
        ctx.sw.guest = reset;
        ctx.reset_fp();
        ctx.csr = ctx.reset_csr;
        pin_init!(VcpuArch {
            mp_state <- new_spinlock!(bindings::KVM_MP_STATE_RUNNABLE, "VcpuArch::mp_state"),
            ctx: UnsafeCell::new(ctx),
            reset_regs <- new_spinlock!(reset, "VcpuArch::reset_regs"),
            irqs: AtomicU64::new(0),
            vsie: AtomicUsize::new(0),
            timer <- GuestTimer::new(caps.isa.has(isa::HostExtId::SSTC)),
            mmu_cache: Opaque::new(mmu_cache_init()),
            hfences <- new_spinlock!(HfenceQueue::new(), "VcpuArch::hfences"),
        })
    }
}

/// A `kvm_mmu_memory_cache` handing out zeroed pages.
fn mmu_cache_init() -> bindings::kvm_mmu_memory_cache {
    // SAFETY: All-zero is the empty cache; only `gfp_zero` needs a value.
    let mut cache: bindings::kvm_mmu_memory_cache = unsafe { core::mem::zeroed() };
    cache.gfp_zero = bindings::__GFP_ZERO;
    cache
}

#[pinned_drop]
impl PinnedDrop for VcpuArch {
    fn drop(self: Pin<&mut Self>) {
        // SAFETY: Nothing else uses the cache once the vCPU is destroyed.
        unsafe { bindings::kvm_mmu_free_memory_cache(self.mmu_cache.get()) };
    }
}

impl Vcpu {
    /// Pointer to the container of `vcpu`.
    fn container(vcpu: *mut bindings::kvm_vcpu) -> *mut Vcpu {
        // `struct kvm_vcpu` is the first field of the `repr(C)` container.
        vcpu.cast::<Vcpu>()
    }

    /// The vCPU behind `vcpu`.
    ///
    /// # Safety
    ///
    /// `vcpu` must be between a successful `kvm_arch_vcpu_create()` and
    /// `kvm_arch_vcpu_destroy()`.
    pub(crate) unsafe fn from_raw<'a>(vcpu: *mut bindings::kvm_vcpu) -> &'a Vcpu {
        // SAFETY: The vCPU cache allocates whole containers and, by the
        // caller's guarantee, `arch` is initialised; generic KVM keeps the
        // vCPU alive while it calls into the backend.
        unsafe { &*Self::container(vcpu) }
    }

    pub(crate) fn raw(&self) -> *mut bindings::kvm_vcpu {
        self.kvm_vcpu.get()
    }

    /// The VM this vCPU belongs to.
    pub(crate) fn kvm(&self) -> *mut bindings::kvm {
        // SAFETY: `kvm` is set before the backend sees the vCPU and never
        // changes.
        unsafe { (*self.raw()).kvm }
    }

    /// The vCPU's shared `kvm_run` page.
    pub(crate) fn run_page(&self) -> *mut bindings::kvm_run {
        // SAFETY: As for `kvm()`.
        unsafe { (*self.raw()).run }
    }

    /// The context; see [`VcpuContext`] for when it may be dereferenced.
    pub(crate) fn ctx(&self) -> *mut VcpuContext {
        self.arch.ctx.get()
    }

    /// The page cache G-stage page tables are allocated from.
    pub(crate) fn mmu_cache(&self) -> *mut bindings::kvm_mmu_memory_cache {
        self.arch.mmu_cache.get()
    }

    /// Steal-time shared memory and the run delay last accounted.
    pub(crate) fn sta(&self) -> (u64, u64) {
        // SAFETY: Copies out of the owner's context, see VcpuContext; the
        // notifiers do not touch these fields.
        unsafe { ((*self.ctx()).sta_shmem, (*self.ctx()).sta_last_steal) }
    }

    /// Sets what [`Vcpu::sta`] returns.
    pub(crate) fn set_sta(&self, shmem: u64, last_steal: u64) {
        // SAFETY: As in `sta()`, single stores.
        unsafe {
            (*self.ctx()).sta_shmem = shmem;
            (*self.ctx()).sta_last_steal = last_steal;
        }
    }

    /// The vCPU's id (`KVM_CREATE_VCPU`'s argument, the guest's hart id).
    pub(crate) fn id(&self) -> u64 {
        // SAFETY: Set before the backend sees the vCPU, never changed.
        unsafe { (*self.raw()).vcpu_id as u64 }
    }

    /// Queues `fence` for the vCPU to perform before it next enters the
    /// guest; `false` if the queue is full.
    pub(crate) fn queue_hfence(&self, fence: HfenceKind) -> bool {
        self.arch.hfences.lock().push(fence).is_ok()
    }

    /// Takes the oldest queued fence.
    pub(crate) fn next_hfence(&self) -> Option<HfenceKind> {
        self.arch.hfences.lock().pop()
    }

    /// Guest register `x<n>`; `x0` reads as zero.
    pub(crate) fn reg(&self, n: u8) -> usize {
        if n == 0 {
            return 0;
        }
        // SAFETY: A single load from the owner's context, see VcpuContext.
        unsafe { (*self.ctx()).sw.guest.x.get(usize::from(n)).copied() }.unwrap_or(0)
    }

    /// Guest registers `a0..=a7` (`x10..=x17`), which hold an SBI call.
    pub(crate) fn sbi_regs(&self) -> [u64; 8] {
        // SAFETY: Eight loads from the owner's context, see VcpuContext.
        let x = unsafe { &(*self.ctx()).sw.guest.x };
        // Spelled out: `array::from_fn` was not inlined here, and its
        // closure cost 140 instructions a call.
        [x[10], x[11], x[12], x[13], x[14], x[15], x[16], x[17]].map(|r| r as u64)
    }

    /// Sets guest register `x<n>`; writes to `x0` are dropped.
    pub(crate) fn set_reg(&self, n: u8, value: usize) {
        if n == 0 {
            return;
        }
        // SAFETY: A single store into the owner's context, see VcpuContext.
        if let Some(r) = unsafe { (*self.ctx()).sw.guest.x.get_mut(usize::from(n)) } {
            *r = value;
        }
    }

    /// Moves the guest pc past an emulated instruction of `len` bytes.
    pub(crate) fn skip_insn(&self, len: u8) {
        // SAFETY: A single read-modify-write of a field notifiers never
        // touch, see VcpuContext.
        unsafe {
            (*self.ctx()).sw.guest.sepc = (*self.ctx()).sw.guest.sepc.wrapping_add(len.into())
        };
    }

    /// Guest `hstatus` as of the last exit.
    pub(crate) fn hstatus(&self) -> usize {
        // SAFETY: A single load from the owner's context, see VcpuContext.
        unsafe { (*self.ctx()).sw.guest.hstatus }
    }

    /// The guest pc (of the trapping instruction, after an exit).
    pub(crate) fn pc(&self) -> usize {
        // SAFETY: A single load from the owner's context, see VcpuContext.
        unsafe { (*self.ctx()).sw.guest.sepc }
    }

    /// Sets the guest pc.
    pub(crate) fn set_pc(&self, pc: usize) {
        // SAFETY: A single store, see VcpuContext.
        unsafe { (*self.ctx()).sw.guest.sepc = pc };
    }

    /// Guest HS-level `sstatus` (SPP, FS) as of the last exit.
    pub(crate) fn guest_sstatus(&self) -> usize {
        // SAFETY: A single load from the owner's context, see VcpuContext.
        unsafe { (*self.ctx()).sw.guest.sstatus }
    }

    /// Sets the guest `sstatus`. A notifier may clean FS between the read
    /// this value came from and this store; leaving FS dirty again only
    /// costs one extra save.
    pub(crate) fn set_guest_sstatus(&self, value: usize) {
        // SAFETY: A single store, see VcpuContext.
        unsafe { (*self.ctx()).sw.guest.sstatus = value };
    }

    /// Whether `KVM_RUN` has entered the guest before.
    pub(crate) fn ran(&self) -> bool {
        // SAFETY: A single load, see VcpuContext.
        unsafe { (*self.ctx()).ran_atleast_once }
    }

    /// Fixes the configuration the guest will see, at the first `KVM_RUN`.
    pub(crate) fn first_run_setup(&self) {
        // SAFETY: The vCPU is not loaded yet in this KVM_RUN, so no
        // notifier can run; the task owns the vCPU.
        let ctx = unsafe { &mut *self.ctx() };
        ctx.ran_atleast_once = true;
        // The ISA is fixed from here on: enable the envcfg features it has.
        ctx.henvcfg = isa::henvcfg(&ctx.isa);
    }

    /// Takes the exit userspace has to complete, leaving none.
    pub(crate) fn take_pending(&self) -> PendingExit {
        // SAFETY: Single accesses to a field notifiers never touch.
        unsafe { core::mem::take(&mut (*self.ctx()).pending) }
    }

    /// Records an exit userspace has to complete.
    pub(crate) fn set_pending(&self, pending: PendingExit) {
        // SAFETY: As in `take_pending()`.
        unsafe { (*self.ctx()).pending = pending };
    }

    /// The vCPU's timer.
    pub(crate) fn timer(&self) -> &GuestTimer {
        &self.arch.timer
    }

    /// The vCPU whose timer is `h`.
    ///
    /// # Safety
    ///
    /// `h` must be the hrtimer of a live vCPU's timer.
    pub(crate) unsafe fn from_hrtimer<'a>(h: *mut bindings::hrtimer) -> &'a Vcpu {
        let timer_off = core::mem::offset_of!(Vcpu, arch)
            + core::mem::offset_of!(VcpuArch, timer)
            + GuestTimer::HRTIMER_OFFSET;
        // SAFETY: `h` is the hrtimer of the `GuestTimer` of a live `Vcpu`,
        // by the caller's promise, so it sits `timer_off` into that Vcpu.
        unsafe { &*h.cast::<u8>().sub(timer_off).cast::<Vcpu>() }
    }

    /// Applies `f` to the pending-interrupt state atomically; returns the
    /// state it replaced.
    fn update_irqs(&self, f: impl Fn(IrqState) -> IrqState) -> IrqState {
        let mut old = self.arch.irqs.load(Ordering::Acquire);
        loop {
            let new = f(IrqState(old)).0;
            match self.arch.irqs.compare_exchange_weak(
                old,
                new,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return IrqState(old),
                Err(cur) => old = cur,
            }
        }
    }

    fn irqs(&self) -> IrqState {
        IrqState(self.arch.irqs.load(Ordering::Acquire))
    }

    /// Raises `irq` for the guest and kicks the vCPU to deliver it. Safe
    /// from any context, hard interrupts included.
    pub(crate) fn set_interrupt(&self, irq: Irq) {
        self.update_irqs(|s| s.raise(irq as u32));
        // SAFETY: `self` is live; kicking is allowed from any context.
        unsafe { bindings::kvm_vcpu_kick(self.raw()) };
    }

    /// Lowers `irq`.
    pub(crate) fn unset_interrupt(&self, irq: Irq) {
        self.update_irqs(|s| s.lower(irq as u32));
    }

    /// Moves interrupt changes into `hvip` and loads it (before entry,
    /// interrupts off).
    pub(crate) fn flush_interrupts(&self, ctx: &mut VcpuContext) {
        let old = self.update_irqs(IrqState::flushed);
        ctx.csr.hvip = old.apply(ctx.csr.hvip as u64) as usize;
        csr::write::<csr::Hvip>(ctx.csr.hvip);
    }

    /// `hvip` with the pending changes folded in, without consuming them.
    pub(crate) fn folded_hvip(&self, hvip: usize) -> usize {
        self.irqs().apply(hvip as u64) as usize
    }

    /// Forgets pending interrupt changes (userspace set sip).
    pub(crate) fn clear_pending_changes(&self) {
        self.update_irqs(|s| IrqState(s.pending()));
    }

    /// Takes in what the guest changed: `vsie`, and a software interrupt
    /// it raised or cleared itself in `sip` (after exit, interrupts off).
    pub(crate) fn sync_interrupts(&self, ctx: &mut VcpuContext) {
        let vsie = csr::read::<csr::Vsie>();
        ctx.csr.vsie = vsie;
        self.arch.vsie.store(vsie, Ordering::Release);
        let hvip = csr::read::<csr::Hvip>();
        let soft = Irq::Soft as u32;
        if (ctx.csr.hvip ^ hvip) & (1 << soft) != 0 {
            self.update_irqs(|s| s.guest_set(soft, hvip & (1 << soft) != 0));
        }
        timer::sync(self);
    }

    /// Whether an interrupt the guest has enabled is pending.
    pub(crate) fn has_interrupts(&self) -> bool {
        let vsie = self.arch.vsie.load(Ordering::Acquire);
        let enabled = (vsie & VSIP_VALID_MASK) << VSIP_TO_HVIP_SHIFT;
        self.irqs().pending() & enabled as u64 != 0
    }

    /// Whether the vCPU has work: an enabled interrupt pending, and powered on.
    pub(crate) fn runnable(&self) -> bool {
        self.has_interrupts() && !self.is_stopped()
    }

    /// Resets the hart to its reset state (power-on via SBI HSM).
    /// Called by the vCPU's own task, possibly loaded. Preemption stays
    /// off from the put to the load: a notifier in between would save the
    /// pre-reset CPU state over the reset one.
    pub(crate) fn reset(&self) {
        let regs = *self.arch.reset_regs.lock();
        let _cpu = NoPreempt::new();
        let loaded = self.is_loaded();
        if loaded {
            // SAFETY: The task owns the loaded vCPU; preemption is off.
            unsafe { kvm_arch_vcpu_put(self.raw()) };
        }
        // SAFETY: Not loaded now and preemption is off: nothing else
        // touches the context.
        let ctx = unsafe { &mut *self.ctx() };
        ctx.sw.guest = regs;
        ctx.csr = ctx.reset_csr;
        ctx.reset_fp();
        ctx.last_exit_cpu = -1;
        ctx.pending = PendingExit::None;
        ctx.sta_shmem = crate::sta::NO_SHMEM;
        ctx.sta_last_steal = 0;
        self.arch.irqs.store(0, Ordering::Release);
        timer::reset(self);
        if loaded {
            // SAFETY: As above; loading back on the current CPU.
            unsafe { kvm_arch_vcpu_load(self.raw(), bindings::kvm_riscv_glue_smp_processor_id()) };
        }
    }

    /// Whether the vCPU is loaded on a CPU (between `kvm_arch_vcpu_load()`
    /// and `kvm_arch_vcpu_put()`).
    pub(crate) fn is_loaded(&self) -> bool {
        // SAFETY: `cpu` is written by this task only.
        unsafe { (*self.raw()).cpu != -1 }
    }

    /// SBI HSM start: sets the hart's reset state and powers it on.
    /// Returns false if it was not powered off.
    pub(crate) fn start(&self, pc: usize, a0: usize, a1: usize) -> bool {
        let mut state = self.arch.mp_state.lock();
        if *state != bindings::KVM_MP_STATE_STOPPED {
            return false;
        }
        {
            let mut r = self.arch.reset_regs.lock();
            r.sepc = pc;
            if let Some(x) = r.x.get_mut(10) {
                *x = a0;
            }
            if let Some(x) = r.x.get_mut(11) {
                *x = a1;
            }
        }
        // SAFETY: `self` is live.
        unsafe { glue::make_request(Request::VcpuReset, self.raw()) };
        *state = bindings::KVM_MP_STATE_RUNNABLE;
        // SAFETY: `self` is live; wakes it from the KVM_REQ_SLEEP wait.
        unsafe { bindings::kvm_vcpu_wake_up(self.raw()) };
        true
    }

    /// Whether the vCPU is powered off.
    pub(crate) fn is_stopped(&self) -> bool {
        *self.arch.mp_state.lock() == bindings::KVM_MP_STATE_STOPPED
    }

    /// WFI: sleeps until the vCPU has something to do.
    pub(crate) fn halt(&self) {
        if self.runnable() {
            return;
        }
        // SAFETY: The run loop holds the srcu read lock; it is dropped
        // while sleeping and retaken.
        unsafe {
            bindings::kvm_riscv_glue_srcu_read_unlock(self.raw());
            bindings::kvm_vcpu_halt(self.raw());
            bindings::kvm_riscv_glue_srcu_read_lock(self.raw());
        }
    }

    /// On a CPU the vCPU did not last run on, drops G-stage TLB entries
    /// of its VMID another vCPU of the same VM may have left there.
    /// Called with preemption and interrupts off.
    pub(crate) fn sanitize_local_tlb(&self, vm: &crate::vm::Vm) {
        // SAFETY: Single loads; preemption is off.
        let (last, cpu) = unsafe { ((*self.ctx()).last_exit_cpu, (*self.raw()).cpu) };
        if crate::host::vmid_bits() == 0 || last == cpu {
            return;
        }
        csr::local_hfence_gvma_vmid_all(vm.vmid());
    }

    /// Powers the vCPU off: it stops entering the guest until powered on.
    pub(crate) fn power_off(&self) {
        let mut state = self.arch.mp_state.lock();
        *state = bindings::KVM_MP_STATE_STOPPED;
        // SAFETY: `self` is a live vCPU.
        unsafe { glue::make_request(Request::Sleep, self.raw()) };
        // SAFETY: `self` is a live vCPU; kicking is allowed in atomic context.
        unsafe { bindings::kvm_vcpu_kick(self.raw()) };
    }
}

/// Powers off every vCPU of `v`'s VM and waits until none is in the
/// guest any more (SBI system reset).
pub(crate) fn power_off_all(v: &Vcpu) {
    let kvm = v.kvm();
    for i in 0.. {
        // SAFETY: `kvm` is live while `v` is; the lookup is RCU-safe.
        let other = unsafe { bindings::kvm_riscv_glue_get_vcpu(kvm, i) };
        if other.is_null() {
            break;
        }
        // SAFETY: A vCPU found in the VM's array is created.
        *unsafe { Vcpu::from_raw(other) }.arch.mp_state.lock() = bindings::KVM_MP_STATE_STOPPED;
    }
    // KVM_REQ_SLEEP waits for every vCPU to leave the guest.
    glue::request_all(kvm, Request::Sleep);
}

/// Nothing to check before a vCPU is created; generic KVM bounds the id.
#[no_mangle]
extern "C" fn kvm_arch_vcpu_precreate(_kvm: *mut bindings::kvm, _id: c_uint) -> c_int {
    0
}

/// The FP register width of a guest with `isa`: D, else F, else none.
pub(crate) fn fp_width(isa: &VcpuIsa) -> Option<FpWidth> {
    if isa.has(isa::HostExtId::D) {
        Some(FpWidth::Double)
    } else if isa.has(isa::HostExtId::F) {
        Some(FpWidth::Single)
    } else {
        None
    }
}

/// The FP register width of the host, which its registers are saved with.
fn host_fp_width() -> Option<FpWidth> {
    let has = |c: u8| {
        // SAFETY: A NULL bitmap asks about the ISA common to all harts.
        unsafe { bindings::__riscv_isa_extension_available(core::ptr::null(), u32::from(c - b'a')) }
    };
    if has(b'd') {
        Some(FpWidth::Double)
    } else if has(b'f') {
        Some(FpWidth::Single)
    } else {
        None
    }
}

/// Initialises the backend part of a new vCPU.
///
/// # Safety
///
/// `vcpu` must come from the vCPU cache and its `arch` part must not be
/// initialised.
#[no_mangle]
unsafe extern "C" fn kvm_arch_vcpu_create(vcpu: *mut bindings::kvm_vcpu) -> c_int {
    // SAFETY: The vCPU cache allocates whole containers.
    let slot = unsafe { addr_of_mut!((*Vcpu::container(vcpu)).arch) };
    // SAFETY: `slot` is valid, aligned and uninitialised, and the container
    // never moves: it is dropped in place by `kvm_arch_vcpu_destroy()`.
    match unsafe { VcpuArch::new().__pinned_init(slot) } {
        Ok(()) => 0,
        Err(e) => match e {},
    }
}

/// Runs once the vCPU is visible to userspace. vCPU 0 is the boot hart;
/// every other vCPU starts powered off, to be started through SBI HSM.
///
/// # Safety
///
/// `vcpu` must be a created vCPU.
#[no_mangle]
unsafe extern "C" fn kvm_arch_vcpu_postcreate(vcpu: *mut bindings::kvm_vcpu) {
    // SAFETY: The caller guarantees `vcpu` is created.
    let (vcpu, idx) = unsafe { (Vcpu::from_raw(vcpu), (*vcpu).vcpu_idx) };
    if idx != 0 {
        vcpu.power_off();
    }
}

/// Drops the backend part of a vCPU.
///
/// # Safety
///
/// `vcpu` must be a created vCPU that nothing uses any more.
#[no_mangle]
unsafe extern "C" fn kvm_arch_vcpu_destroy(vcpu: *mut bindings::kvm_vcpu) {
    // SAFETY: Initialised by `kvm_arch_vcpu_create()`, dropped only here;
    // the vCPU cache frees the memory afterwards.
    unsafe { core::ptr::drop_in_place(addr_of_mut!((*Vcpu::container(vcpu)).arch)) };
}

/// `KVM_GET_MP_STATE`.
///
/// # Safety
///
/// `vcpu` must be a created vCPU and `mp_state` valid for writes.
#[no_mangle]
unsafe extern "C" fn kvm_arch_vcpu_ioctl_get_mpstate(
    vcpu: *mut bindings::kvm_vcpu,
    mp_state: *mut bindings::kvm_mp_state,
) -> c_int {
    // SAFETY: The caller guarantees `vcpu` is created.
    let state = *unsafe { Vcpu::from_raw(vcpu) }.arch.mp_state.lock();
    // SAFETY: The caller guarantees `mp_state` is valid for writes.
    unsafe { (*mp_state).mp_state = state };
    0
}

/// `KVM_SET_MP_STATE`: RUNNABLE or STOPPED, like the C backend.
///
/// # Safety
///
/// `vcpu` must be a created vCPU and `mp_state` valid for reads.
#[no_mangle]
unsafe extern "C" fn kvm_arch_vcpu_ioctl_set_mpstate(
    vcpu: *mut bindings::kvm_vcpu,
    mp_state: *mut bindings::kvm_mp_state,
) -> c_int {
    // SAFETY: The caller guarantees both pointers are valid.
    let (vcpu, requested) = unsafe { (Vcpu::from_raw(vcpu), (*mp_state).mp_state) };
    match requested {
        bindings::KVM_MP_STATE_RUNNABLE => {
            *vcpu.arch.mp_state.lock() = requested;
            0
        }
        bindings::KVM_MP_STATE_STOPPED => {
            vcpu.power_off();
            0
        }
        _ => -(bindings::EINVAL as c_int),
    }
}

/// vCPU ioctls not handled by generic KVM: ONE_REG and the register list.
///
/// # Safety
///
/// `filp` must be an open vCPU file; generic KVM holds the vCPU mutex.
#[no_mangle]
unsafe extern "C" fn kvm_arch_vcpu_ioctl(
    filp: *mut bindings::file,
    ioctl: c_uint,
    arg: c_ulong,
) -> c_long {
    // SAFETY: A vCPU file's private data is its `struct kvm_vcpu`.
    let v = unsafe { Vcpu::from_raw((*filp).private_data.cast()) };
    crate::vcpu_onereg::ioctl(v, ioctl, arg).unwrap_or(-(bindings::EINVAL as c_long))
}

/// vCPU ioctls that run without the vCPU mutex: `KVM_INTERRUPT` drives
/// the guest's VS-level external interrupt line.
///
/// # Safety
///
/// `filp` must be an open vCPU file.
#[no_mangle]
unsafe extern "C" fn kvm_arch_vcpu_async_ioctl(
    filp: *mut bindings::file,
    ioctl: c_uint,
    arg: c_ulong,
) -> c_long {
    const INTERRUPT: u32 = kernel::ioctl::_IOW::<bindings::kvm_interrupt>(0xae, 0x86);
    if ioctl != INTERRUPT {
        return -(bindings::ENOIOCTLCMD as c_long);
    }
    let mut reader = kernel::uaccess::UserSlice::new(arg as _, 4).reader();
    let Ok(irq) = reader.read::<u32>() else {
        return -(bindings::EFAULT as c_long);
    };
    // SAFETY: A vCPU file's private data is its `struct kvm_vcpu`.
    let v = unsafe { Vcpu::from_raw((*filp).private_data.cast()) };
    if irq == bindings::KVM_INTERRUPT_SET as u32 {
        v.set_interrupt(Irq::External);
    } else {
        v.unset_interrupt(Irq::External);
    }
    0
}

/// Whether the vCPU has work: an enabled interrupt pending, and powered on.
///
/// # Safety
///
/// `vcpu` must be a created vCPU.
#[no_mangle]
unsafe extern "C" fn kvm_arch_vcpu_runnable(vcpu: *mut bindings::kvm_vcpu) -> c_int {
    // SAFETY: The caller guarantees `vcpu` is created.
    let v = unsafe { Vcpu::from_raw(vcpu) };
    c_int::from(v.runnable())
}

/// Whether the Sstc timer has fired while the vCPU slept.
///
/// # Safety
///
/// `vcpu` must be a created vCPU.
#[no_mangle]
unsafe extern "C" fn kvm_cpu_has_pending_timer(vcpu: *mut bindings::kvm_vcpu) -> c_int {
    // SAFETY: The caller guarantees `vcpu` is created.
    let v = unsafe { Vcpu::from_raw(vcpu) };
    let t = v.timer();
    c_int::from(t.sstc() && t.expired(crate::vm::Vm::of_vcpu(v)))
}

/// Whether the vCPU was preempted in guest kernel (VS) mode.
///
/// # Safety
///
/// `vcpu` must be a created vCPU.
#[no_mangle]
unsafe extern "C" fn kvm_arch_vcpu_in_kernel(vcpu: *mut bindings::kvm_vcpu) -> bool {
    // SAFETY: The caller guarantees `vcpu` is created.
    let ctx = unsafe { Vcpu::from_raw(vcpu) }.ctx();
    // SAFETY: A racy read of one word, without a reference, is what this
    // directed-yield heuristic expects.
    let sstatus = unsafe { core::ptr::addr_of!((*ctx).sw.guest.sstatus).read_volatile() };
    sstatus & sstatus::SPP != 0
}

/// Whether a kick must IPI the vCPU's CPU: only while it is in the guest.
///
/// # Safety
///
/// `vcpu` must be a live vCPU.
#[no_mangle]
unsafe extern "C" fn kvm_arch_vcpu_should_kick(vcpu: *mut bindings::kvm_vcpu) -> c_int {
    // SAFETY: The caller guarantees `vcpu` is live.
    let mode = unsafe { glue::vcpu_exiting_guest_mode(vcpu) };
    c_int::from(mode == bindings::IN_GUEST_MODE as c_int)
}

/// Faults on the vCPU's mmap beyond `struct kvm_run`: nothing is there.
#[no_mangle]
extern "C" fn kvm_arch_vcpu_fault(
    _vcpu: *mut bindings::kvm_vcpu,
    _vmf: *mut bindings::vm_fault,
) -> bindings::vm_fault_t {
    bindings::vm_fault_reason_VM_FAULT_SIGBUS
}

/// Loads the vCPU's VS-level state, translation and FP registers onto
/// `cpu` (called with preemption disabled, from `vcpu_load()` or the
/// sched-in notifier).
///
/// # Safety
///
/// `vcpu` must be a created vCPU owned by the current task.
#[no_mangle]
unsafe extern "C" fn kvm_arch_vcpu_load(vcpu: *mut bindings::kvm_vcpu, cpu: c_int) {
    // SAFETY: The caller guarantees `vcpu` is live.
    let v = unsafe { Vcpu::from_raw(vcpu) };
    // SAFETY: Preemption is disabled and the task owns the vCPU, so this
    // is the only access to the context, see VcpuContext.
    let ctx = unsafe { &mut *v.ctx() };
    let c = &ctx.csr;
    csr::write_vsstatus(c.vsstatus);
    csr::write_vsatp(c.vsatp);
    csr::write::<csr::Vsie>(c.vsie);
    csr::write::<csr::Vstvec>(c.vstvec);
    csr::write::<csr::Vsscratch>(c.vsscratch);
    csr::write::<csr::Vsepc>(c.vsepc);
    csr::write::<csr::Vscause>(c.vscause);
    csr::write::<csr::Vstval>(c.vstval);
    csr::write::<csr::Hedeleg>(ctx.hedeleg);
    csr::write::<csr::Hvip>(c.hvip);
    csr::write::<csr::Henvcfg>(ctx.henvcfg as usize);
    csr::write::<csr::Htimedelta>(crate::vm::Vm::of_vcpu(v).time_delta() as usize);
    crate::vm::Vm::of_vcpu(v).load_hgatp();
    timer::load(v);
    // The task waited to run until now: account it as stolen.
    // SAFETY: `vcpu` is live; setting a request bit is atomic.
    unsafe { glue::make_request(Request::StealUpdate, vcpu) };
    if let (Some(host), Some(guest)) = (ctx.host_fp, ctx.fp) {
        switch::fp_save(&mut ctx.host_fp_regs, host);
        if ctx.sw.guest.sstatus & sstatus::FS != sstatus::FS_OFF {
            // SAFETY: The host's registers were saved just above.
            unsafe { switch::fp_restore(&ctx.guest_fp, guest) };
            ctx.sw.guest.sstatus = (ctx.sw.guest.sstatus & !sstatus::FS) | sstatus::FS_CLEAN;
        }
    }
    // SAFETY: `vcpu` is live; `cpu` is only read by generic code.
    unsafe { (*vcpu).cpu = cpu };
}

/// Saves what `kvm_arch_vcpu_load()` loaded (preemption disabled).
///
/// # Safety
///
/// `vcpu` must be a created vCPU loaded on this CPU by the current task.
#[no_mangle]
unsafe extern "C" fn kvm_arch_vcpu_put(vcpu: *mut bindings::kvm_vcpu) {
    // SAFETY: The caller guarantees `vcpu` is live.
    let v = unsafe { Vcpu::from_raw(vcpu) };
    // SAFETY: `vcpu` is live.
    unsafe { (*vcpu).cpu = -1 };
    // SAFETY: As in `kvm_arch_vcpu_load()`.
    let ctx = unsafe { &mut *v.ctx() };
    if let (Some(host), Some(guest)) = (ctx.host_fp, ctx.fp) {
        // Lazy FP: the guest's registers are only worth saving if it
        // wrote them since they were loaded.
        if ctx.sw.guest.sstatus & sstatus::FS == sstatus::FS_DIRTY {
            switch::fp_save(&mut ctx.guest_fp, guest);
            ctx.sw.guest.sstatus = (ctx.sw.guest.sstatus & !sstatus::FS) | sstatus::FS_CLEAN;
        }
        // SAFETY: The guest's registers are saved (or unchanged).
        unsafe { switch::fp_restore(&ctx.host_fp_regs, host) };
    }
    timer::put(v);
    let c = &mut ctx.csr;
    c.vsstatus = csr::read_vsstatus();
    c.vsie = csr::read::<csr::Vsie>();
    c.vstvec = csr::read::<csr::Vstvec>();
    c.vsscratch = csr::read::<csr::Vsscratch>();
    c.vsepc = csr::read::<csr::Vsepc>();
    c.vscause = csr::read::<csr::Vscause>();
    c.vstval = csr::read::<csr::Vstval>();
    c.hvip = csr::read::<csr::Hvip>();
    c.vsatp = csr::read_vsatp(c.vsatp);
}

/// Whether the vCPU is powered off, for the C side of KVM_REQ_SLEEP.
///
/// # Safety
///
/// `vcpu` must be a created vCPU.
#[no_mangle]
unsafe extern "C" fn kvm_riscv_vcpu_is_stopped(vcpu: *mut bindings::kvm_vcpu) -> bool {
    // SAFETY: The caller guarantees `vcpu` is created.
    unsafe { Vcpu::from_raw(vcpu) }.is_stopped()
}

/// The vCPU is about to block in `kvm_vcpu_block()`.
///
/// # Safety
///
/// `vcpu` must be a created vCPU owned by the current task.
#[no_mangle]
unsafe extern "C" fn kvm_arch_vcpu_blocking(vcpu: *mut bindings::kvm_vcpu) {
    // SAFETY: The caller guarantees `vcpu` is created.
    timer::blocking(unsafe { Vcpu::from_raw(vcpu) });
}

/// The vCPU is done blocking.
///
/// # Safety
///
/// `vcpu` must be a created vCPU owned by the current task.
#[no_mangle]
unsafe extern "C" fn kvm_arch_vcpu_unblocking(vcpu: *mut bindings::kvm_vcpu) {
    // SAFETY: The caller guarantees `vcpu` is created.
    timer::unblocking(unsafe { Vcpu::from_raw(vcpu) });
}

// The legacy register ioctls are not part of the RISC-V ABI (ONE_REG is),
// so they fail with EINVAL exactly as in the C backend.

/// `KVM_GET_REGS`.
#[no_mangle]
extern "C" fn kvm_arch_vcpu_ioctl_get_regs(
    _vcpu: *mut bindings::kvm_vcpu,
    _regs: *mut bindings::kvm_regs,
) -> c_int {
    -(bindings::EINVAL as c_int)
}

/// `KVM_SET_REGS`.
#[no_mangle]
extern "C" fn kvm_arch_vcpu_ioctl_set_regs(
    _vcpu: *mut bindings::kvm_vcpu,
    _regs: *mut bindings::kvm_regs,
) -> c_int {
    -(bindings::EINVAL as c_int)
}

/// `KVM_GET_SREGS`.
#[no_mangle]
extern "C" fn kvm_arch_vcpu_ioctl_get_sregs(
    _vcpu: *mut bindings::kvm_vcpu,
    _sregs: *mut bindings::kvm_sregs,
) -> c_int {
    -(bindings::EINVAL as c_int)
}

/// `KVM_SET_SREGS`.
#[no_mangle]
extern "C" fn kvm_arch_vcpu_ioctl_set_sregs(
    _vcpu: *mut bindings::kvm_vcpu,
    _sregs: *mut bindings::kvm_sregs,
) -> c_int {
    -(bindings::EINVAL as c_int)
}

/// `KVM_GET_FPU`.
#[no_mangle]
extern "C" fn kvm_arch_vcpu_ioctl_get_fpu(
    _vcpu: *mut bindings::kvm_vcpu,
    _fpu: *mut bindings::kvm_fpu,
) -> c_int {
    -(bindings::EINVAL as c_int)
}

/// `KVM_SET_FPU`.
#[no_mangle]
extern "C" fn kvm_arch_vcpu_ioctl_set_fpu(
    _vcpu: *mut bindings::kvm_vcpu,
    _fpu: *mut bindings::kvm_fpu,
) -> c_int {
    -(bindings::EINVAL as c_int)
}

/// `KVM_TRANSLATE`.
#[no_mangle]
extern "C" fn kvm_arch_vcpu_ioctl_translate(
    _vcpu: *mut bindings::kvm_vcpu,
    _tr: *mut bindings::kvm_translation,
) -> c_int {
    -(bindings::EINVAL as c_int)
}

/// `KVM_SET_GUEST_DEBUG`: with debugging on, guest breakpoints exit to
/// userspace (`KVM_EXIT_DEBUG`) instead of going to the guest.
///
/// # Safety
///
/// `vcpu` must be a created vCPU, not loaded, owned by the current task;
/// `dbg` valid for reads.
#[no_mangle]
unsafe extern "C" fn kvm_arch_vcpu_ioctl_set_guest_debug(
    vcpu: *mut bindings::kvm_vcpu,
    dbg: *mut bindings::kvm_guest_debug,
) -> c_int {
    const BREAKPOINT: usize = 1 << 3;
    // SAFETY: The caller guarantees both pointers are valid.
    let (v, control) = unsafe { (Vcpu::from_raw(vcpu), (*dbg).control) };
    // SAFETY: Not loaded and owned: see VcpuContext. hedeleg takes effect
    // at the next load.
    let ctx = unsafe { &mut *v.ctx() };
    if control & bindings::KVM_GUESTDBG_ENABLE != 0 {
        // SAFETY: `vcpu` is live.
        unsafe { (*vcpu).guest_debug = control as usize };
        ctx.hedeleg &= !BREAKPOINT;
    } else {
        // SAFETY: `vcpu` is live.
        unsafe { (*vcpu).guest_debug = 0 };
        ctx.hedeleg |= BREAKPOINT;
    }
    0
}
