// SPDX-License-Identifier: GPL-2.0

//! The guest timer: SBI `set_timer` and Sstc (`vstimecmp`).
//!
//! With Sstc the guest programs `vstimecmp` and the hardware raises the VS
//! timer interrupt; the host only keeps `vstimecmp` across vCPU switches
//! and arms an hrtimer while the vCPU sleeps, to wake it. Without Sstc
//! the guest asks through SBI and the hrtimer raises the interrupt.

use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use kernel::bindings;
use kernel::prelude::*;

use crate::csr;
use crate::glue::HrTimer;
use crate::host::{read_time, timebase};
use crate::logic::timer::{cycles_until_ns, ktime_from_ns};
use crate::vcpu::{Irq, Vcpu};
use crate::vm::Vm;

/// No event programmed.
pub(crate) const NO_EVENT: u64 = u64::MAX;

/// A vCPU's timer.
#[pin_data]
pub(crate) struct GuestTimer {
    #[pin]
    hrtimer: HrTimer,
    /// Next event, in guest `time` cycles.
    next: AtomicU64,
    /// An event is programmed (`KVM_RISCV_TIMER_STATE_ON`).
    next_set: AtomicBool,
    /// The host has Sstc, so guests program `vstimecmp` themselves.
    sstc: bool,
}

impl GuestTimer {
    /// Where the hrtimer sits in a `GuestTimer`, for its callback.
    pub(crate) const HRTIMER_OFFSET: usize =
        core::mem::offset_of!(GuestTimer, hrtimer) + HrTimer::TIMER_OFFSET;

    pub(crate) fn new(sstc: bool) -> impl PinInit<Self> {
        pin_init!(GuestTimer {
            hrtimer <- HrTimer::new(expired),
            next: AtomicU64::new(NO_EVENT),
            next_set: AtomicBool::new(false),
            sstc,
        })
    }

    /// Next programmed event.
    pub(crate) fn next(&self) -> u64 {
        self.next.load(Ordering::Acquire)
    }

    /// Sets the next event without arming anything (ONE_REG).
    pub(crate) fn set_next(&self, next: u64) {
        self.next.store(next, Ordering::Release);
    }

    /// Whether an event is programmed.
    pub(crate) fn is_set(&self) -> bool {
        self.next_set.load(Ordering::Acquire)
    }

    /// Whether guests use Sstc.
    pub(crate) fn sstc(&self) -> bool {
        self.sstc
    }

    /// Stops the hrtimer, waiting for a running callback.
    fn stop_hrtimer(&self) {
        self.hrtimer.cancel();
    }

    /// Cancels the programmed event, keeping its time
    /// (`KVM_RISCV_TIMER_STATE_OFF`).
    pub(crate) fn cancel(&self) {
        self.stop_hrtimer();
        self.next_set.store(false, Ordering::Release);
    }

    /// Arms the hrtimer for guest time `next` of `vm`.
    fn arm(&self, vm: &Vm, next: u64) {
        self.stop_hrtimer();
        let now = read_time().wrapping_add(vm.time_delta());
        let ns = cycles_until_ns(now, next, timebase());
        self.hrtimer.start(ktime_from_ns(ns));
    }

    /// Whether the programmed event has passed (Sstc: the interrupt the
    /// hardware raises once the vCPU runs).
    pub(crate) fn expired(&self, vm: &Vm) -> bool {
        read_time().wrapping_add(vm.time_delta()) >= self.next()
    }
}

/// hrtimer callback (hard interrupt context).
///
/// # Safety
///
/// `h` is the hrtimer of a live vCPU's `GuestTimer` (it is cancelled
/// before the vCPU is freed).
unsafe extern "C" fn expired(h: *mut bindings::hrtimer) -> bindings::hrtimer_restart {
    // SAFETY: By the function's contract.
    let v = unsafe { Vcpu::from_hrtimer(h) };
    let t = v.timer();
    // The hrtimer's clock and the `time` counter drift apart, and the
    // conversion rounds down: if the deadline is not there yet, wait for
    // the rest rather than deliver early (or, with Sstc, wake a vCPU that
    // would find nothing pending and sleep forever).
    let now = read_time().wrapping_add(Vm::of_vcpu(v).time_delta());
    let left = cycles_until_ns(now, t.next(), timebase());
    if left > 0 {
        // The deadline can have moved far out since the timer was armed
        // (ONE_REG `compare`, or the VM's `time` moved back): the clamp
        // keeps a far wait from becoming a negative, back-to-back one.
        // SAFETY: `h` is this callback's own, running hrtimer.
        unsafe { HrTimer::forward_now(h, ktime_from_ns(left)) };
        return bindings::hrtimer_restart_HRTIMER_RESTART;
    }
    if t.sstc() {
        // The hardware raises the interrupt once the vCPU runs: wake it.
        v.kvm_vcpu().kick();
    } else {
        v.set_interrupt(Irq::Timer);
    }
    bindings::hrtimer_restart_HRTIMER_NORESTART
}

/// SBI `set_timer` (and the TIMER ONE_REG state write): program the next
/// event at guest time `next`.
pub(crate) fn set_next_event(v: &Vcpu, next: u64) {
    let t = v.timer();
    t.next.store(next, Ordering::Release);
    t.next_set.store(true, Ordering::Release);
    if t.sstc() {
        let cpu = crate::glue::NoPreempt::new();
        // Loaded on this CPU (the owner's KVM_RUN), vstimecmp is live;
        // otherwise the next load writes it.
        if v.kvm_vcpu().cpu() == crate::glue::smp_processor_id(&cpu) {
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
    // hrtimer fires before the vCPU re-enters (this backend did the same
    // and lost the race: selftests/sbi_time.c, `set_timer(now - 1)`).
    let vm = Vm::of_vcpu(v);
    if next != NO_EVENT && t.expired(vm) {
        t.stop_hrtimer();
        v.set_interrupt(Irq::Timer);
        return;
    }
    v.unset_interrupt(Irq::Timer);
    if next == NO_EVENT {
        t.stop_hrtimer();
    } else {
        // `arm()` stops the hrtimer first.
        t.arm(vm, next);
    }
}

/// Loads the timer onto this CPU (vCPU load, preemption off).
pub(crate) fn load(v: &Vcpu) {
    let t = v.timer();
    if t.sstc() {
        csr::write::<csr::Vstimecmp>(t.next() as usize);
    }
}

/// Reads the guest's `vstimecmp` back (after an exit and at vCPU put,
/// preemption off); the next load writes it again.
pub(crate) fn sync(v: &Vcpu) {
    let t = v.timer();
    if t.sstc() {
        t.next
            .store(csr::read::<csr::Vstimecmp>() as u64, Ordering::Release);
    }
}

/// Takes the timer off this CPU (vCPU put, preemption off): saves
/// `vstimecmp` and disarms it.
///
/// A `vstimecmp` left in the past keeps the VS timer interrupt pending
/// on the host CPU after the guest is gone, and a pending interrupt makes
/// the host's `wfi` return at once: an idle host CPU would spin instead of
/// sleeping until the vCPU runs there again (upstream fixed the same after
/// 6.12, "RISC-V: KVM: Disable vstimecmp before exiting to user-space").
pub(crate) fn put(v: &Vcpu) {
    sync(v);
    if v.timer().sstc() {
        // The guest is not loaded on this CPU any more; the next load
        // writes the saved value.
        csr::write::<csr::Vstimecmp>(NO_EVENT as usize);
    }
}

/// The vCPU goes to sleep: with Sstc nothing but the hrtimer can wake it
/// for its timer.
pub(crate) fn blocking(v: &Vcpu) {
    let t = v.timer();
    if t.sstc() && t.next() != NO_EVENT {
        t.arm(Vm::of_vcpu(v), t.next());
    }
}

/// The vCPU woke up.
pub(crate) fn unblocking(v: &Vcpu) {
    if v.timer().sstc() {
        v.timer().stop_hrtimer();
    }
}

/// Timer reset: nothing programmed, nothing pending.
pub(crate) fn reset(v: &Vcpu) {
    let t = v.timer();
    t.cancel();
    t.next.store(NO_EVENT, Ordering::Release);
}
