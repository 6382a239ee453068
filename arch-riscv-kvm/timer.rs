// SPDX-License-Identifier: GPL-2.0

//! The guest timer: SBI `set_timer` and Sstc (`vstimecmp`).
//!
//! With Sstc the guest programs `vstimecmp` and the hardware raises the VS
//! timer interrupt; the host only keeps `vstimecmp` across vCPU switches
//! and arms an hrtimer while the vCPU sleeps, to wake it. Without Sstc
//! the guest asks through SBI and the hrtimer raises the interrupt.
//!
//! Times are in guest `time` cycles: host `time` plus the VM's
//! `time_delta`, which the callers pass. What the timer does to its vCPU
//! (SBI `set_timer`, the hrtimer's callback) is in `vcpu.rs`.

use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use kernel::prelude::*;

use crate::csr;
use crate::glue::{HrTimer, HrTimerFn};
use crate::host::{read_time, timebase};
use crate::logic::timer::{cycles_until_ns, ktime_from_ns};

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

    /// A timer with nothing programmed, whose hrtimer calls `expired`.
    pub(crate) fn new(sstc: bool, expired: HrTimerFn) -> impl PinInit<Self> {
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

    /// Programs the next event at `next` (SBI `set_timer`, the TIMER
    /// ONE_REG state), arming nothing.
    pub(crate) fn program(&self, next: u64) {
        self.next.store(next, Ordering::Release);
        self.next_set.store(true, Ordering::Release);
    }

    /// Stops the hrtimer, waiting for a running callback.
    pub(crate) fn stop_hrtimer(&self) {
        self.hrtimer.cancel();
    }

    /// Cancels the programmed event, keeping its time
    /// (`KVM_RISCV_TIMER_STATE_OFF`).
    pub(crate) fn cancel(&self) {
        self.stop_hrtimer();
        self.next_set.store(false, Ordering::Release);
    }

    /// Arms the hrtimer for guest time `next`.
    pub(crate) fn arm(&self, delta: u64, next: u64) {
        self.stop_hrtimer();
        let now = read_time().wrapping_add(delta);
        let ns = cycles_until_ns(now, next, timebase());
        self.hrtimer.start(ktime_from_ns(ns));
    }

    /// Whether the programmed event has passed (Sstc: the interrupt the
    /// hardware raises once the vCPU runs).
    pub(crate) fn expired(&self, delta: u64) -> bool {
        read_time().wrapping_add(delta) >= self.next()
    }

    /// Nanoseconds until the programmed event, 0 if it has passed.
    pub(crate) fn remaining_ns(&self, delta: u64) -> u64 {
        cycles_until_ns(read_time().wrapping_add(delta), self.next(), timebase())
    }

    /// Loads the timer onto this CPU (vCPU load, preemption off).
    pub(crate) fn load(&self) {
        if self.sstc {
            csr::write::<csr::Vstimecmp>(self.next() as usize);
        }
    }

    /// Reads the guest's `vstimecmp` back (after an exit and at vCPU put,
    /// preemption off); the next load writes it again.
    pub(crate) fn sync(&self) {
        if self.sstc {
            let next = csr::read::<csr::Vstimecmp>() as u64;
            self.next.store(next, Ordering::Release);
        }
    }

    /// Takes the timer off this CPU (vCPU put, preemption off): saves
    /// `vstimecmp` and disarms it.
    ///
    /// A `vstimecmp` left in the past keeps the VS timer interrupt pending
    /// on the host CPU after the guest is gone, and a pending interrupt
    /// makes the host's `wfi` return at once: an idle host CPU would spin
    /// instead of sleeping until the vCPU runs there again (upstream fixed
    /// the same after 6.12, "RISC-V: KVM: Disable vstimecmp before exiting
    /// to user-space").
    pub(crate) fn put(&self) {
        self.sync();
        if self.sstc {
            // The guest is not loaded on this CPU any more; the next load
            // writes the saved value.
            csr::write::<csr::Vstimecmp>(NO_EVENT as usize);
        }
    }

    /// The vCPU goes to sleep: with Sstc nothing but the hrtimer can wake
    /// it for its timer.
    pub(crate) fn blocking(&self, delta: u64) {
        if self.sstc && self.next() != NO_EVENT {
            self.arm(delta, self.next());
        }
    }

    /// The vCPU woke up.
    pub(crate) fn unblocking(&self) {
        if self.sstc {
            self.stop_hrtimer();
        }
    }

    /// Timer reset: nothing programmed, nothing pending.
    pub(crate) fn reset(&self) {
        self.cancel();
        self.next.store(NO_EVENT, Ordering::Release);
    }
}
