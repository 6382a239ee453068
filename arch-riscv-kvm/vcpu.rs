// SPDX-License-Identifier: GPL-2.0

//! Virtual CPUs: the Rust-owned container around `struct kvm_vcpu`, the
//! handles the backend reaches it through, and its power state.
//!
//! Two views, two types:
//!
//! - [`&Vcpu`](Vcpu): any task, any context. Only what is safe to share:
//!   atomics (pending interrupts, the timer), locks (power state, reset
//!   state, the fence queue) and generic KVM's services on live objects.
//!   Other vCPUs of a VM are seen this way (SBI HSM, IPIs, remote fences).
//! - [`OwnedVcpu`]: the task that owns the vCPU (holds `vcpu->mutex`), with
//!   `&mut` access to the guest hart's state (`vcpu_context.rs` says which
//!   part when).

use core::cell::UnsafeCell;
use core::marker::PhantomData;
use core::ops::Deref;
use core::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use kernel::bindings;
use kernel::prelude::*;
use kernel::sync::{new_spinlock, SpinLock};

use crate::context::{sstatus, FpRegs, GuestRegs, HostRegs, SwitchArea};
use crate::csr;
use crate::glue::{self, NoPreempt};
use crate::kvm::{KvmVcpu, Request};
use crate::kvm_mmu::MmuCache;
use crate::kvm_srcu::VcpuSrcu;
use crate::logic::hfence::{HfenceKind, HfenceQueue};
use crate::logic::irq::IrqState;
use crate::logic::isa::{self, VcpuIsa};
use crate::logic::timer::ktime_from_ns;
use crate::timer::{GuestTimer, NO_EVENT};
use crate::vcpu_context::{LoadState, PendingExit, VcpuContext, VcpuPmu, VsCsrs, STA_NO_SHMEM};
use crate::vcpu_fp::{self, fp_width, host_fp_width};
use crate::vcpu_vector::{self, VcpuVector};

/// A vCPU: generic KVM's `struct kvm_vcpu` followed by the backend's state.
///
/// `kvm_init()` is told the size and alignment of `Vcpu`, so the vCPU
/// cache hands out whole containers and every `struct kvm_vcpu` generic KVM
/// passes to the backend is the head of one. The alignment, a cache line,
/// also leaves the low six bits of its address free for `pmu.rs` to name
/// a counter in.
#[repr(C, align(64))]
#[pin_data]
pub(crate) struct Vcpu {
    kvm_vcpu: KvmVcpu,
    #[pin]
    arch: VcpuArch,
}

/// Backend state of a vCPU. Pin-initialised in place by
/// `kvm_arch_vcpu_create()`, dropped in place by `kvm_arch_vcpu_destroy()`.
#[pin_data]
pub(crate) struct VcpuArch {
    /// Power state, a `KVM_MP_STATE_*` value. The lock orders a power-off
    /// and its sleep request against concurrent power state changes.
    #[pin]
    mp_state: SpinLock<u32>,
    /// The owner's part of the guest hart's state, see [`VcpuContext`].
    ctx: UnsafeCell<VcpuContext>,
    /// The part load and put move, see [`LoadState`].
    load: UnsafeCell<LoadState>,
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
    /// The guest was in VS-mode (not VU) at the last exit, for directed
    /// yield, which asks from other tasks.
    in_kernel: AtomicBool,
    #[pin]
    timer: GuestTimer,
    /// Fences other CPUs asked this vCPU to perform on its hart before it
    /// next enters the guest (`KVM_REQ_HFENCE`), see `tlb.rs`.
    #[pin]
    hfences: SpinLock<HfenceQueue>,
    /// Counters whose perf event overflowed (bit = counter index), set
    /// from the perf interrupt, see `pmu.rs`.
    pmu_overflown: AtomicU64,
    /// Firmware events (`SBI_PMU_FW_*`) since the PMU last looked, by
    /// event: its counters are owner state, and some events happen on
    /// other tasks (an IPI received) or where only `&Vcpu` is at hand (a
    /// fence performed), so events are counted here and folded into the
    /// PMU at its next use (`pmu::catch_up`).
    pmu_fw_events: [AtomicU64; crate::logic::pmu::FW_MAX],
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
    /// Local counter-overflow interrupt (Sscofpmf's LCOFI), from the
    /// guest's PMU counters. `hvip` and `vsip` hold it in the same bit.
    PmuOverflow = crate::logic::irq::IRQ_LCOFI as isize,
}

/// hvip holds VS interrupts one bit above where the guest's sip shows them.
pub(crate) const VSIP_TO_HVIP_SHIFT: u32 = 1;
/// sip bits of VS software, timer and external interrupts.
pub(crate) const VSIP_VALID_MASK: usize = (1 << 1) | (1 << 5) | (1 << 9);
/// The LCOFI bit, the same in `vsie`, `vsip` and `hvip`.
const LCOFI: usize = 1 << Irq::PmuOverflow as u32;

impl VcpuArch {
    /// A new vCPU's state with `isa` (see [`initial_isa`]), `pmu` (see
    /// `pmu::new_vcpu_pmu`) and `vector` (where the host has V).
    pub(crate) fn new(
        isa: VcpuIsa,
        pmu: Option<KBox<VcpuPmu>>,
        vector: Option<VcpuVector>,
    ) -> impl PinInit<Self> {
        // Each part is written where it lives (the fence queue copied from
        // a constant): built whole and moved in, they took 4.7 KiB of stack.
        const EMPTY_QUEUE: HfenceQueue = HfenceQueue::new();
        let caps = crate::host::HostCaps::get();
        let fp = fp_width(&isa);
        let (mvendorid, marchid, mimpid) = glue::sbi_machine_ids();
        let sbi = crate::logic::sbi::initial_status(glue::sched_info_on(), pmu.is_some());
        pin_init!(VcpuArch {
            mp_state <- new_spinlock!(bindings::KVM_MP_STATE_RUNNABLE, "VcpuArch::mp_state"),
            ctx <- glue::init_in_cell(init!(VcpuContext {
                sw: SwitchArea { guest: GuestRegs::out_of_reset(), host: HostRegs::default() },
                host_senvcfg: 0,
                host_sstateen0: 0,
                reset_csr: VsCsrs::default(),
                ran_atleast_once: false,
                last_exit_cpu: -1,
                pending: PendingExit::None,
                isa,
                sbi,
                mvendorid,
                marchid,
                mimpid,
                sstateen0: 0,
                sta_shmem: STA_NO_SHMEM,
                sta_last_steal: 0,
                mmu_cache: MmuCache::default(),
                pmu,
            })),
            load <- glue::init_in_cell(init!(LoadState {
                csr: VsCsrs::default(),
                fs: LoadState::fs_out_of_reset(fp),
                guest_fp: FpRegs::default(),
                host_fp_regs: FpRegs::default(),
                host_fp: host_fp_width(),
                fp,
                hedeleg: crate::host::HEDELEG_DEFAULT,
                henvcfg: 0,
                hstateen0: 0,
                smstateen: csr::Smstateen::on_host(&caps.isa),
                vector,
            })),
            reset_regs <- new_spinlock!(GuestRegs::out_of_reset(), "VcpuArch::reset_regs"),
            irqs: AtomicU64::new(0),
            vsie: AtomicUsize::new(0),
            in_kernel: AtomicBool::new(true),
            timer <- GuestTimer::new(caps.isa.has(isa::HostExtId::SSTC), timer_expired),
            hfences <- new_spinlock!(EMPTY_QUEUE, "VcpuArch::hfences"),
            pmu_overflown: AtomicU64::new(0),
            pmu_fw_events: [const { AtomicU64::new(0) }; crate::logic::pmu::FW_MAX],
        })
    }
}

impl Vcpu {
    /// Pointer to the container of `vcpu`.
    pub(crate) fn container(vcpu: *mut bindings::kvm_vcpu) -> *mut Vcpu {
        // `struct kvm_vcpu` is the first field of the `repr(C)` container.
        vcpu.cast::<Vcpu>()
    }

    /// The vCPU behind `vcpu`.
    ///
    /// # Safety
    ///
    /// `vcpu` must be between a successful `kvm_arch_vcpu_create()` and
    /// `kvm_arch_vcpu_destroy()` for `'a`.
    pub(crate) unsafe fn from_raw<'a>(vcpu: *mut bindings::kvm_vcpu) -> &'a Vcpu {
        // SAFETY: The vCPU cache allocates whole containers and, by the
        // caller's guarantee, `arch` is initialised and stays so for `'a`.
        unsafe { &*Self::container(vcpu) }
    }

    /// The vCPU whose generic half is `kvm_vcpu`.
    pub(crate) fn of(kvm_vcpu: &KvmVcpu) -> &Vcpu {
        // SAFETY: A `KvmVcpu` is only reached for a created, not yet
        // destroyed vCPU (its invariant), which heads a `Vcpu` container.
        unsafe { Self::from_raw(kvm_vcpu.as_ptr()) }
    }

    /// Generic KVM's half of the vCPU.
    pub(crate) fn kvm_vcpu(&self) -> &KvmVcpu {
        &self.kvm_vcpu
    }

    /// The vCPU's arch part, for the pin-init of `kvm_arch_vcpu_create()`.
    pub(crate) fn arch_slot(vcpu: *mut bindings::kvm_vcpu) -> *mut VcpuArch {
        let offset = core::mem::offset_of!(Vcpu, arch);
        Self::container(vcpu).wrapping_byte_add(offset).cast()
    }

    /// The vCPU's id (`KVM_CREATE_VCPU`'s argument, the guest's hart id).
    pub(crate) fn id(&self) -> u64 {
        u64::from(self.kvm_vcpu.id())
    }

    /// The vCPU's load state, see [`LoadState`] for when it may be
    /// dereferenced: on the owner's task with preemption disabled, or with
    /// the vCPU not loaded, and no other reference into it live (the load
    /// and put hooks, and [`OwnedVcpu`]).
    fn load_state(&self) -> *mut LoadState {
        self.arch.load.get()
    }

    /// The vCPU behind `vcpu` and its load state, for the load and put
    /// hooks.
    ///
    /// # Safety
    ///
    /// `vcpu` must be a created vCPU, the caller a load or put hook: on the
    /// vCPU's owner task, preemption disabled, for `'a`.
    pub(crate) unsafe fn for_load_hook<'a>(
        vcpu: *mut bindings::kvm_vcpu,
    ) -> (&'a Vcpu, &'a mut LoadState) {
        // SAFETY: The caller guarantees `vcpu` is created.
        let v = unsafe { Vcpu::from_raw(vcpu) };
        // SAFETY: Preemption is off on the owner's task: the owner's code
        // holds no reference into the load state (it only takes one with
        // preemption off, or unloaded) and no other hook runs until this
        // one returns.
        (v, unsafe { &mut *v.load_state() })
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

    /// The vCPU's timer.
    pub(crate) fn timer(&self) -> &GuestTimer {
        &self.arch.timer
    }

    /// The counters of the vCPU's PMU that overflowed.
    pub(crate) fn pmu_overflown(&self) -> &AtomicU64 {
        &self.arch.pmu_overflown
    }

    /// Counts firmware event `fid` (`SBI_PMU_FW_*`) on the vCPU, from
    /// any task.
    pub(crate) fn count_fw_event(&self, fid: u32) {
        if let Some(n) = self.arch.pmu_fw_events.get(fid as usize) {
            n.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The firmware events counted since the PMU last looked, by event.
    pub(crate) fn pmu_fw_events(&self) -> &[AtomicU64] {
        &self.arch.pmu_fw_events
    }

    /// The vCPU whose timer's hrtimer is `h`.
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

    /// SBI `set_timer` (and the TIMER ONE_REG state write): program the
    /// next event at guest time `next`.
    pub(crate) fn set_timer(&self, next: u64) {
        let t = self.timer();
        t.program(next);
        if t.sstc() {
            let cpu = NoPreempt::new();
            // Loaded on this CPU (the owner's KVM_RUN), vstimecmp is live;
            // otherwise the next load writes it.
            if self.kvm_vcpu.cpu() == glue::smp_processor_id(&cpu) {
                csr::write::<csr::Vstimecmp>(next as usize);
            }
            return;
        }
        // Without Sstc the VS timer interrupt is the emulated comparator's
        // output: pending exactly while guest time is at or past `next`. A
        // deadline already reached (`set_timer(0)`, a time gone) makes it
        // pending before the call returns, as the SBI specification has it
        // and as `vstimecmp` does. Upstream arms a zero-length hrtimer
        // instead, and its guest finds the bit set on return only if that
        // hrtimer fires before the vCPU re-enters (this backend did the
        // same and lost the race: selftests/sbi_time.c, `set_timer(now -
        // 1)`).
        let delta = crate::vm::Vm::of_vcpu(self).time_delta();
        if next != NO_EVENT && t.expired(delta) {
            t.stop_hrtimer();
            self.set_interrupt(Irq::Timer);
            return;
        }
        self.unset_interrupt(Irq::Timer);
        if next == NO_EVENT {
            t.stop_hrtimer();
        } else {
            // `arm()` stops the hrtimer first.
            t.arm(delta, next);
        }
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
        self.kvm_vcpu.kick();
    }

    /// Lowers `irq`.
    pub(crate) fn unset_interrupt(&self, irq: Irq) {
        self.update_irqs(|s| s.lower(irq as u32));
    }

    /// Moves interrupt changes into `hvip` and loads it (before entry,
    /// interrupts off).
    pub(crate) fn flush_interrupts(&self, load: &mut LoadState) {
        let old = self.update_irqs(IrqState::flushed);
        load.csr.hvip = old.apply(load.csr.hvip as u64) as usize;
        csr::write::<csr::Hvip>(load.csr.hvip);
    }

    /// Takes in what the guest changed: `vsie`, and a software interrupt
    /// it raised or cleared itself in `sip` (after exit, interrupts off).
    pub(crate) fn sync_interrupts(&self, ctx: &VcpuContext, load: &mut LoadState) {
        let vsie = csr::read::<csr::Vsie>();
        load.csr.vsie = vsie;
        self.arch.vsie.store(vsie, Ordering::Release);
        let hvip = csr::read::<csr::Hvip>();
        let soft = Irq::Soft as u32;
        if (load.csr.hvip ^ hvip) & (1 << soft) != 0 {
            self.update_irqs(|s| s.guest_set(soft, hvip & (1 << soft) != 0));
        }
        // The guest acknowledges a counter overflow by clearing LCOFIP in
        // its sip (it cannot raise one itself).
        if load.csr.hvip & !hvip & LCOFI != 0 {
            let ovf = Irq::PmuOverflow as u32;
            self.update_irqs(|s| s.guest_set(ovf, false));
        }
        let in_kernel = ctx.sw.guest.sstatus & sstatus::SPP != 0;
        self.arch.in_kernel.store(in_kernel, Ordering::Relaxed);
        self.timer().sync();
    }

    /// `hvip` with the pending changes folded in, without consuming them.
    pub(crate) fn folded_hvip(&self, hvip: usize) -> usize {
        self.irqs().apply(hvip as u64) as usize
    }

    /// Forgets pending interrupt changes (userspace set sip).
    pub(crate) fn clear_pending_changes(&self) {
        self.update_irqs(|s| IrqState(s.pending()));
    }

    /// Whether an interrupt the guest has enabled is pending.
    pub(crate) fn has_interrupts(&self) -> bool {
        let vsie = self.arch.vsie.load(Ordering::Acquire);
        // LCOFI sits in the same bit of both. Upstream shifts it with the
        // others (and then masks it out), so its guest does not wake from
        // WFI for a counter overflow.
        let enabled = ((vsie & VSIP_VALID_MASK) << VSIP_TO_HVIP_SHIFT) | (vsie & LCOFI);
        self.irqs().pending() & enabled as u64 != 0
    }

    /// Whether the vCPU has work: an enabled interrupt pending, and powered on.
    pub(crate) fn runnable(&self) -> bool {
        self.has_interrupts() && !self.is_stopped()
    }

    /// Whether the guest was in VS-mode at its last exit.
    pub(crate) fn in_kernel(&self) -> bool {
        self.arch.in_kernel.load(Ordering::Relaxed)
    }

    /// Whether the vCPU is loaded on a CPU (between `kvm_arch_vcpu_load()`
    /// and `kvm_arch_vcpu_put()`).
    pub(crate) fn is_loaded(&self) -> bool {
        self.kvm_vcpu.cpu() != -1
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
        self.kvm_vcpu.make_request(Request::VcpuReset);
        *state = bindings::KVM_MP_STATE_RUNNABLE;
        // Wakes it from the KVM_REQ_SLEEP wait.
        self.kvm_vcpu.wake_up();
        true
    }

    /// The power state (`KVM_MP_STATE_*`).
    pub(crate) fn mp_state(&self) -> u32 {
        *self.arch.mp_state.lock()
    }

    /// Makes the vCPU runnable (`KVM_SET_MP_STATE`).
    pub(crate) fn set_runnable(&self) {
        *self.arch.mp_state.lock() = bindings::KVM_MP_STATE_RUNNABLE;
    }

    /// Whether the vCPU is powered off.
    pub(crate) fn is_stopped(&self) -> bool {
        self.mp_state() == bindings::KVM_MP_STATE_STOPPED
    }

    /// Powers the vCPU off: it stops entering the guest until powered on.
    pub(crate) fn power_off(&self) {
        let mut state = self.arch.mp_state.lock();
        *state = bindings::KVM_MP_STATE_STOPPED;
        self.kvm_vcpu.make_request(Request::Sleep);
        self.kvm_vcpu.kick();
    }
}

/// The hrtimer callback of a vCPU's timer (hard interrupt context).
///
/// # Safety
///
/// `h` is the hrtimer of a live vCPU's `GuestTimer` (it is cancelled
/// before the vCPU is freed).
unsafe extern "C" fn timer_expired(h: *mut bindings::hrtimer) -> bindings::hrtimer_restart {
    // SAFETY: By the function's contract.
    let v = unsafe { Vcpu::from_hrtimer(h) };
    let t = v.timer();
    // The hrtimer's clock and the `time` counter drift apart, and the
    // conversion rounds down: if the deadline is not there yet, wait for
    // the rest rather than deliver early (or, with Sstc, wake a vCPU that
    // would find nothing pending and sleep forever).
    let left = t.remaining_ns(crate::vm::Vm::of_vcpu(v).time_delta());
    if left > 0 {
        // The deadline can have moved far out since the timer was armed
        // (ONE_REG `compare`, or the VM's `time` moved back): the clamp
        // keeps a far wait from becoming a negative, back-to-back one.
        // SAFETY: `h` is this callback's own, running hrtimer.
        unsafe { glue::HrTimer::forward_now(h, ktime_from_ns(left)) };
        return bindings::hrtimer_restart_HRTIMER_RESTART;
    }
    if t.sstc() {
        // The hardware raises the interrupt once the vCPU runs: wake it.
        v.kvm_vcpu.kick();
    } else {
        v.set_interrupt(Irq::Timer);
    }
    bindings::hrtimer_restart_HRTIMER_NORESTART
}

/// Powers off every vCPU of `v`'s VM and waits until none is in the
/// guest any more (SBI system reset).
pub(crate) fn power_off_all(v: &Vcpu) {
    let vm = crate::vm::Vm::of_vcpu(v);
    vm.for_each_vcpu(|_, other| {
        *other.arch.mp_state.lock() = bindings::KVM_MP_STATE_STOPPED;
    });
    // KVM_REQ_SLEEP waits for every vCPU to leave the guest.
    vm.kvm().request_all(Request::Sleep);
}

/// A vCPU as the task that owns it sees it: the one holding
/// `vcpu->mutex`, in a vCPU ioctl or `KVM_RUN`.
///
/// INVARIANT: the current task owns the vCPU for `'a` and no other
/// `OwnedVcpu` of it exists meanwhile; not `Send`.
pub(crate) struct OwnedVcpu<'a> {
    vcpu: &'a Vcpu,
    _task: PhantomData<*mut ()>,
}

impl Deref for OwnedVcpu<'_> {
    type Target = Vcpu;

    fn deref(&self) -> &Vcpu {
        self.vcpu
    }
}

impl<'a> OwnedVcpu<'a> {
    /// The owner's handle of `vcpu`.
    ///
    /// # Safety
    ///
    /// `vcpu` must be a created vCPU whose mutex the current task holds for
    /// `'a` (generic KVM's vCPU ioctls), and the caller makes no other
    /// `OwnedVcpu` of it meanwhile.
    pub(crate) unsafe fn from_raw(vcpu: *mut bindings::kvm_vcpu) -> Self {
        // INVARIANT: As the caller guarantees.
        OwnedVcpu {
            // SAFETY: The caller guarantees `vcpu` is created.
            vcpu: unsafe { Vcpu::from_raw(vcpu) },
            _task: PhantomData,
        }
    }

    /// The shared view, for as long as the owner's.
    pub(crate) fn vcpu(&self) -> &'a Vcpu {
        self.vcpu
    }

    /// The vCPU's VM, for as long as the owner's view.
    pub(crate) fn vm(&self) -> &'a crate::vm::Vm {
        crate::vm::Vm::of_vcpu(self.vcpu)
    }

    /// The owner's part of the state.
    pub(crate) fn ctx(&mut self) -> &mut VcpuContext {
        // SAFETY: Only the owner reaches the context, through `&mut self`
        // (type invariant); the load and put hooks never touch it.
        unsafe { &mut *self.vcpu.arch.ctx.get() }
    }

    /// Both parts of the state, with preemption off: no load or put hook
    /// can run until `_cpu` goes, which outlives the references.
    pub(crate) fn split<'s>(
        &'s mut self,
        _cpu: &'s NoPreempt,
    ) -> (&'s mut VcpuContext, &'s mut LoadState) {
        let vcpu = self.vcpu;
        // SAFETY: The owner, preemption off, and `&mut self` keeps any
        // other reference into the load state from being live.
        let load = unsafe { &mut *vcpu.load_state() };
        (self.ctx(), load)
    }

    /// Both parts of the state of a vCPU that is not loaded (the ioctls
    /// but `KVM_RUN`); `None` if it is.
    pub(crate) fn unloaded(&mut self) -> Option<(&mut VcpuContext, &mut LoadState)> {
        if self.vcpu.is_loaded() {
            return None;
        }
        let vcpu = self.vcpu;
        // SAFETY: Not loaded: the preempt notifiers are only registered
        // while loaded, and only the owner loads it, which `&mut self`
        // keeps from happening while the references live.
        let load = unsafe { &mut *vcpu.load_state() };
        Some((self.ctx(), load))
    }

    /// Runs `f` with the vCPU loaded on this CPU (`vcpu_load()` /
    /// `vcpu_put()`, with the task's signal mask for the guest).
    pub(crate) fn loaded<R>(
        &mut self,
        srcu: &mut VcpuSrcu<'_>,
        f: impl FnOnce(&mut Self, &mut VcpuSrcu<'_>) -> R,
    ) -> R {
        // SAFETY: `&mut self` for the whole call: no reference into the
        // load state is live while the hooks run.
        unsafe { srcu.vcpu_load() };
        let r = f(self, srcu);
        // SAFETY: As above; loaded just above.
        unsafe { srcu.vcpu_put() };
        r
    }

    /// Guest register `x<n>`; `x0` reads as zero.
    pub(crate) fn reg(&mut self, n: u8) -> usize {
        self.ctx().reg(n)
    }

    /// Sets guest register `x<n>`; writes to `x0` are dropped.
    pub(crate) fn set_reg(&mut self, n: u8, value: usize) {
        self.ctx().set_reg(n, value);
    }

    /// Moves the guest pc past an emulated instruction of `len` bytes.
    pub(crate) fn skip_insn(&mut self, len: u8) {
        self.ctx().skip_insn(len);
    }

    /// The guest pc (of the trapping instruction, after an exit).
    pub(crate) fn pc(&mut self) -> usize {
        self.ctx().sw.guest.sepc
    }

    /// Guest `hstatus` as of the last exit.
    pub(crate) fn hstatus(&mut self) -> usize {
        self.ctx().sw.guest.hstatus
    }

    /// Records an exit userspace has to complete.
    pub(crate) fn set_pending(&mut self, pending: PendingExit) {
        self.ctx().pending = pending;
    }

    /// Fixes the configuration the guest will see, at the first `KVM_RUN`
    /// (before it loads the vCPU).
    pub(crate) fn first_run_setup(&mut self) {
        // KVM_RUN loads the vCPU only after this.
        if let Some((ctx, load)) = self.unloaded() {
            ctx.ran_atleast_once = true;
            // The ISA is fixed from here on: enable the envcfg features it has.
            load.henvcfg = isa::henvcfg(&ctx.isa);
            load.hstateen0 = isa::hstateen0(&ctx.isa, load.smstateen.is_some());
        }
    }

    /// Resets the hart to its reset state (power-on via SBI HSM), loaded
    /// or not, but for its PMU, which the caller resets first
    /// (`pmu::reset`): releasing perf events may sleep, and preemption
    /// stays off here from the put to the load (a notifier in between
    /// would save the pre-reset CPU state over the reset one). Upstream
    /// releases them with preemption off.
    pub(crate) fn reset(&mut self) {
        let vcpu = self.vcpu;
        let regs = *vcpu.arch.reset_regs.lock();
        let cpu = NoPreempt::new();
        let loaded = vcpu.is_loaded();
        let (ctx, load) = self.split(&cpu);
        if loaded {
            // SAFETY: The owner, preemption off (`cpu`), loaded here: the
            // task cannot have migrated with preemption off.
            unsafe { put_state_from_cpu(vcpu, load) };
        }
        ctx.sw.guest = regs;
        load.csr = ctx.reset_csr;
        load.reset_fp();
        if let Some(v) = &mut load.vector {
            v.reset(ctx.isa.has(isa::HostExtId::V));
        }
        ctx.last_exit_cpu = -1;
        ctx.pending = PendingExit::None;
        ctx.sta_shmem = STA_NO_SHMEM;
        ctx.sta_last_steal = 0;
        // Upstream 6.12 keeps the guest's sstateen0 across a reset; a
        // hart coming out of reset should not see what it left there.
        ctx.sstateen0 = 0;
        vcpu.arch.irqs.store(0, Ordering::Release);
        vcpu.timer().reset();
        if loaded {
            // SAFETY: As above, put just now: loaded back on this CPU.
            unsafe { load_state_on_cpu(vcpu, load, glue::smp_processor_id(&cpu)) };
        }
    }

    /// WFI: sleeps until the vCPU has something to do.
    pub(crate) fn halt(&self, srcu: &mut VcpuSrcu<'_>) {
        if !self.runnable() {
            srcu.halt();
        }
    }

    /// On a CPU the vCPU did not last run on, drops G-stage TLB entries
    /// of its VMID another vCPU of the same VM may have left there.
    /// Called with preemption and interrupts off.
    pub(crate) fn sanitize_local_tlb(&mut self, vm: &crate::vm::Vm) {
        let cpu = self.vcpu.kvm_vcpu.cpu();
        if crate::host::vmid_bits() == 0 || self.ctx().last_exit_cpu == cpu {
            return;
        }
        csr::local_hfence_gvma_vmid_all(vm.vmid());
    }
}

// Loading a vCPU onto a CPU and putting it back: the VS-level CSRs,
// `hgatp`, the timer and, lazily, the FP registers (upstream's
// `kvm_arch_vcpu_load()`/`kvm_arch_vcpu_put()`, `vcpu_fp.rs`); vector
// registers move at each entry instead, and a load only hands the task's
// own to the kernel (`vcpu_vector.rs`). Generic KVM calls the hooks
// (`vcpu_hooks.rs`) from `vcpu_load()`/`vcpu_put()` and the preempt
// notifiers, on the owner's task with preemption disabled; they touch
// only the vCPU's `LoadState`.

/// Loads `vcpu`'s state onto this CPU, `cpu`.
///
/// # Safety
///
/// The caller runs on the vCPU's owner task with preemption disabled, the
/// vCPU not loaded (anywhere): the host's FP registers saved here are
/// restored by the matching [`put_state_from_cpu`].
pub(crate) unsafe fn load_state_on_cpu(vcpu: &Vcpu, s: &mut LoadState, cpu: i32) {
    let c = &s.csr;
    csr::write_vsstatus(c.vsstatus);
    csr::write_vsatp(c.vsatp);
    csr::write::<csr::Vsie>(c.vsie);
    csr::write::<csr::Vstvec>(c.vstvec);
    csr::write::<csr::Vsscratch>(c.vsscratch);
    csr::write::<csr::Vsepc>(c.vsepc);
    csr::write::<csr::Vscause>(c.vscause);
    csr::write::<csr::Vstval>(c.vstval);
    csr::write::<csr::Hedeleg>(s.hedeleg);
    csr::write::<csr::Hvip>(c.hvip);
    csr::write::<csr::Henvcfg>(s.henvcfg as usize);
    if let Some(smstateen) = s.smstateen {
        smstateen.write_hstateen0(s.hstateen0);
    }
    let vm = crate::vm::Vm::of_vcpu(vcpu);
    csr::write::<csr::Htimedelta>(vm.time_delta() as usize);
    vm.load_hgatp();
    vcpu.timer().load();
    // The task waited to run until now: account it as stolen.
    vcpu.kvm_vcpu().make_request(Request::StealUpdate);
    // SAFETY: Loading, by the owner with preemption off (the caller's
    // guarantee); the put below follows.
    unsafe { vcpu_fp::load(s) };
    if s.vector.is_some() {
        glue::vector_hand_over_user_state();
    }
    vcpu.kvm_vcpu().set_cpu(cpu);
}

/// Saves what [`load_state_on_cpu`] loaded.
///
/// # Safety
///
/// The caller runs on the vCPU's owner task with preemption disabled, the
/// vCPU loaded on this CPU by [`load_state_on_cpu`]: this restores the
/// host FP registers that saved.
pub(crate) unsafe fn put_state_from_cpu(vcpu: &Vcpu, s: &mut LoadState) {
    vcpu.kvm_vcpu().set_cpu(-1);
    // SAFETY: Loaded on this CPU by the load above (the caller's
    // guarantee), the owner with preemption off.
    unsafe { vcpu_fp::put(s) };
    vcpu.timer().put();
    let c = &mut s.csr;
    c.vsstatus = csr::read_vsstatus();
    c.vsie = csr::read::<csr::Vsie>();
    c.vstvec = csr::read::<csr::Vstvec>();
    c.vsscratch = csr::read::<csr::Vsscratch>();
    c.vsepc = csr::read::<csr::Vsepc>();
    c.vscause = csr::read::<csr::Vscause>();
    c.vstval = csr::read::<csr::Vstval>();
    c.hvip = csr::read::<csr::Hvip>();
    c.vsatp = csr::read_vsatp(c.vsatp, crate::host::satp_mode());
}

/// The ISA of a new vCPU: every extension of the host's that this backend
/// virtualises and upstream offers by default; V if the creating task may
/// use vector.
pub(crate) fn initial_isa() -> VcpuIsa {
    isa::initial_vcpu_isa(
        &crate::host::HostCaps::get().isa,
        vcpu_vector::user_allowed(),
    )
}
