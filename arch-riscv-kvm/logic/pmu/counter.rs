// SPDX-License-Identifier: GPL-2.0

//! One virtual counter (upstream's `struct kvm_pmc`), what
//! `counter_get_info` says about it ([`CounterInfo`]), and the firmware
//! event state counters share (`struct kvm_fw_event`).

use super::spec::{SBI_PMU_CTR_TYPE_FW, SBI_PMU_CTR_TYPE_HW};

/// A counter's `counter_get_info` value (`union sbi_pmu_ctr_info`,
/// `sbi.h:139-151`): CSR number in bits 0..12, width (bits minus one) in
/// bits 12..18, type in bit 63 ([`SBI_PMU_CTR_TYPE_HW`] or
/// [`SBI_PMU_CTR_TYPE_FW`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CounterInfo(pub u64);

impl CounterInfo {
    /// Bits of the CSR field.
    const CSR_MASK: u64 = 0xfff;
    /// Position of the width field.
    const WIDTH_SHIFT: u32 = 12;
    /// Bits of the width field, once shifted down.
    const WIDTH_MASK: u64 = 0x3f;
    /// Position of the type bit.
    const TYPE_SHIFT: u32 = 63;

    /// No counter: the `time` slot and the slots past the last counter,
    /// which upstream leaves zeroed.
    pub const NONE: CounterInfo = CounterInfo(0);

    /// A hardware counter read through CSR `csr`, `width + 1` bits wide.
    /// Like upstream's bitfields, the fields keep only their low bits.
    pub const fn hw(csr: u16, width: u32) -> Self {
        CounterInfo(Self::fields(csr, width) | (SBI_PMU_CTR_TYPE_HW << Self::TYPE_SHIFT))
    }

    /// A firmware counter, `width + 1` bits wide, with no CSR.
    pub const fn fw(width: u32) -> Self {
        CounterInfo(Self::fields(0, width) | (SBI_PMU_CTR_TYPE_FW << Self::TYPE_SHIFT))
    }

    /// The CSR and width fields.
    const fn fields(csr: u16, width: u32) -> u64 {
        (csr as u64 & Self::CSR_MASK) | ((width as u64 & Self::WIDTH_MASK) << Self::WIDTH_SHIFT)
    }

    /// The CSR number.
    pub const fn csr(self) -> u16 {
        // Twelve bits: the cast never truncates.
        (self.0 & Self::CSR_MASK) as u16
    }

    /// The width field: the counter has `width() + 1` bits.
    pub const fn width(self) -> u32 {
        // Six bits: the cast never truncates.
        ((self.0 >> Self::WIDTH_SHIFT) & Self::WIDTH_MASK) as u32
    }

    /// Whether it is a firmware counter.
    pub const fn is_fw(self) -> bool {
        self.0 >> Self::TYPE_SHIFT == SBI_PMU_CTR_TYPE_FW
    }
}

/// The first period of a counter `width + 1` bits wide holding `value`
/// (`kvm_pmu_get_sample_period()`, `vcpu_pmu.c:37-48`): the events left
/// until it wraps, `GENMASK(width, 0) & -value`, or the whole range from 0.
pub const fn sample_period(width: u32, value: u64) -> u64 {
    // GENMASK(width, 0); the width field has six bits, so width <= 63.
    let mask = if width >= 63 {
        u64::MAX
    } else {
        (1u64 << (width + 1)) - 1
    };
    if value == 0 {
        mask
    } else {
        value.wrapping_neg() & mask
    }
}

/// One virtual counter (`struct kvm_pmc`, `kvm_vcpu_pmu.h:26-36`).
/// Upstream's `idx` and `vcpu` are the counter's index in the PMU and the
/// PMU's owner here.
pub(super) struct Counter<E> {
    /// The perf event of a hardware counter, once configured.
    pub(super) event: Option<E>,
    /// `counter_val`: the value before the perf event's count (hardware),
    /// or the last one read (firmware).
    pub(super) value: u64,
    /// What `counter_get_info` reports.
    pub(super) info: CounterInfo,
    /// Whether `counter_start` started the perf event (hardware counters
    /// only; firmware counters use [`FwEvent::started`]).
    pub(super) started: bool,
    /// The configured event index, [`SBI_PMU_EVENT_IDX_INVALID`] if none
    /// (0 for the slots `kvm_riscv_vcpu_pmu_init()` skips).
    ///
    /// [`SBI_PMU_EVENT_IDX_INVALID`]: super::SBI_PMU_EVENT_IDX_INVALID
    pub(super) event_idx: u64,
}

impl<E> Counter<E> {
    /// A zeroed slot, as the vCPU's allocation leaves it upstream.
    pub(super) const EMPTY: Self = Counter {
        event: None,
        value: 0,
        info: CounterInfo::NONE,
        started: false,
        event_idx: 0,
    };
}

/// A firmware event's state (`struct kvm_fw_event`,
/// `kvm_vcpu_pmu.h:17-23`), shared by every counter configured for it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct FwEvent {
    /// The count.
    pub(super) value: u64,
    /// Whether it counts.
    pub(super) started: bool,
}

impl FwEvent {
    /// Stopped at 0.
    pub(super) const ZERO: Self = FwEvent {
        value: 0,
        started: false,
    };
}
