// SPDX-License-Identifier: GPL-2.0

//! The TIMER register class (type 4, `struct kvm_riscv_timer`,
//! `vcpu_timer.c`).

/// Type 4, `struct kvm_riscv_timer`; discriminants are the indices.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum TimerReg {
    /// Timebase frequency (Hz).
    Frequency = 0,
    /// The guest's `time`.
    Time = 1,
    /// The next timer deadline.
    Compare = 2,
    /// `KVM_RISCV_TIMER_STATE_*`.
    State = 3,
}

impl TimerReg {
    pub(super) const fn from_index(n: u64) -> Option<Self> {
        Some(match n {
            0 => Self::Frequency,
            1 => Self::Time,
            2 => Self::Compare,
            3 => Self::State,
            _ => return None,
        })
    }
}
