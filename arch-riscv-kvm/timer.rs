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
use kernel::types::Opaque;

use crate::csr;
use crate::host::{read_time, HostCaps};
use crate::logic::timer::cycles_until_ns;
use crate::vcpu::{Irq, Vcpu};
use crate::vm::Vm;

/// No event programmed.
pub(crate) const NO_EVENT: u64 = u64::MAX;

/// A vCPU's timer.
#[pin_data(PinnedDrop)]
pub(crate) struct GuestTimer {
    #[pin]
    hrtimer: Opaque<bindings::hrtimer>,
    /// Next event, in guest `time` cycles.
    next: AtomicU64,
    /// The hrtimer is armed for `next`.
    armed: AtomicBool,
    /// The guest uses Sstc; fixed at the first `KVM_RUN`.
    sstc: AtomicBool,
}

impl GuestTimer {
    pub(crate) fn new() -> impl PinInit<Self> {
        pin_init!(GuestTimer {
            hrtimer <- Opaque::ffi_init(|slot: *mut bindings::hrtimer| {
                // SAFETY: `slot` is valid for writes and stays pinned.
                unsafe {
                    bindings::hrtimer_init(slot, bindings::CLOCK_MONOTONIC as _, bindings::hrtimer_mode_HRTIMER_MODE_REL);
                    (*slot).function = Some(expired);
                }
            }),
            next: AtomicU64::new(NO_EVENT),
            armed: AtomicBool::new(false),
            sstc: AtomicBool::new(false),
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

    /// Whether the guest uses Sstc.
    pub(crate) fn sstc(&self) -> bool {
        self.sstc.load(Ordering::Relaxed)
    }

    /// Fixes the mode at the first `KVM_RUN`.
    pub(crate) fn set_sstc(&self, sstc: bool) {
        self.sstc.store(sstc, Ordering::Relaxed);
    }

    /// Cancels the hrtimer (waiting for a running callback).
    pub(crate) fn cancel(&self) {
        // SAFETY: The hrtimer was initialised in `new()`.
        unsafe { bindings::hrtimer_cancel(self.hrtimer.get()) };
        self.armed.store(false, Ordering::Release);
    }

    /// Arms the hrtimer for guest time `next` of `vm`.
    fn arm(&self, vm: &Vm, next: u64) {
        self.cancel();
        let now = read_time().wrapping_add(vm.time_delta());
        let ns = cycles_until_ns(now, next, HostCaps::get().timebase);
        self.armed.store(true, Ordering::Release);
        // SAFETY: The hrtimer was initialised in `new()`; the callback
        // only touches the vCPU, which cancels the timer before it dies.
        unsafe {
            bindings::hrtimer_start_range_ns(
                self.hrtimer.get(),
                i64::try_from(ns).unwrap_or(i64::MAX),
                0,
                bindings::hrtimer_mode_HRTIMER_MODE_REL,
            )
        };
    }

    /// Whether the programmed event has passed (Sstc: the interrupt the
    /// hardware raises once the vCPU runs).
    pub(crate) fn expired(&self, vm: &Vm) -> bool {
        read_time().wrapping_add(vm.time_delta()) >= self.next()
    }
}

#[pinned_drop]
impl PinnedDrop for GuestTimer {
    fn drop(self: Pin<&mut Self>) {
        self.cancel();
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
    t.armed.store(false, Ordering::Release);
    if t.sstc() {
        // The hardware raises the interrupt once the vCPU runs: wake it.
        // SAFETY: `v` is live.
        unsafe { bindings::kvm_vcpu_kick(v.raw()) };
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
    if t.sstc() {
        let _cpu = crate::glue::NoPreempt::new();
        // When loaded (KVM_RUN) vstimecmp is live; otherwise the next load
        // writes it.
        // SAFETY: `v` is live; vstimecmp only affects the guest.
        if unsafe { (*v.raw()).cpu } != -1 {
            // SAFETY: As above.
            unsafe { csr::write::<{ csr::VSTIMECMP }>(next as usize) };
        }
        return;
    }
    v.unset_interrupt(Irq::Timer);
    if next != NO_EVENT {
        t.arm(Vm::of_vcpu(v), next);
    }
}

/// Loads the timer onto this CPU (vCPU load, preemption off).
pub(crate) fn load(v: &Vcpu) {
    let t = v.timer();
    if t.sstc() {
        // SAFETY: vstimecmp only affects the guest.
        unsafe { csr::write::<{ csr::VSTIMECMP }>(t.next() as usize) };
    }
}

/// Saves the timer from this CPU (vCPU put, preemption off).
pub(crate) fn save(v: &Vcpu) {
    let t = v.timer();
    if t.sstc() {
        t.next
            .store(csr::read::<{ csr::VSTIMECMP }>() as u64, Ordering::Release);
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
        v.timer().cancel();
    }
}

/// Timer reset: nothing programmed, nothing pending.
pub(crate) fn reset(v: &Vcpu) {
    let t = v.timer();
    t.cancel();
    t.next.store(NO_EVENT, Ordering::Release);
}
