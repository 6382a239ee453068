// SPDX-License-Identifier: GPL-2.0

//! The host perf events behind a guest's hardware counters: the numbers
//! of `perf_event_attr` (`uapi/linux/perf_event.h`) that vary per event
//! ([`PerfAttr`]), and the operations the PMU performs on a live event
//! ([`PerfEvent`]).

/// `perf_event_attr.type`: a generic hardware event (`PERF_TYPE_HARDWARE`).
pub const PERF_TYPE_HARDWARE: u32 = 0;
/// `perf_event_attr.type`: a generic cache event (`PERF_TYPE_HW_CACHE`).
pub const PERF_TYPE_HW_CACHE: u32 = 3;
/// `perf_event_attr.type`: a raw, PMU-specific event (`PERF_TYPE_RAW`).
pub const PERF_TYPE_RAW: u32 = 4;
/// One past the fixed perf types (`PERF_TYPE_MAX`), which upstream passes
/// for an SBI event type it does not know. Perf gives dynamically
/// registered PMUs types from this number on, so whether such an event
/// is created is up to the host.
pub const PERF_TYPE_MAX: u32 = 6;

/// Generic hardware event: CPU cycles (`PERF_COUNT_HW_CPU_CYCLES`).
pub const PERF_COUNT_HW_CPU_CYCLES: u64 = 0;
/// Generic hardware event: instructions.
pub const PERF_COUNT_HW_INSTRUCTIONS: u64 = 1;
/// Generic hardware event: cache references.
pub const PERF_COUNT_HW_CACHE_REFERENCES: u64 = 2;
/// Generic hardware event: cache misses.
pub const PERF_COUNT_HW_CACHE_MISSES: u64 = 3;
/// Generic hardware event: branch instructions.
pub const PERF_COUNT_HW_BRANCH_INSTRUCTIONS: u64 = 4;
/// Generic hardware event: branch misses.
pub const PERF_COUNT_HW_BRANCH_MISSES: u64 = 5;
/// Generic hardware event: bus cycles.
pub const PERF_COUNT_HW_BUS_CYCLES: u64 = 6;
/// Generic hardware event: front-end stall cycles.
pub const PERF_COUNT_HW_STALLED_CYCLES_FRONTEND: u64 = 7;
/// Generic hardware event: back-end stall cycles.
pub const PERF_COUNT_HW_STALLED_CYCLES_BACKEND: u64 = 8;
/// Generic hardware event: reference cycles.
pub const PERF_COUNT_HW_REF_CPU_CYCLES: u64 = 9;

/// Number of generic caches (`PERF_COUNT_HW_CACHE_MAX`: L1D, L1I, LL,
/// DTLB, ITLB, BPU, NODE).
pub const PERF_COUNT_HW_CACHE_MAX: u64 = 7;
/// Number of cache operations (`PERF_COUNT_HW_CACHE_OP_MAX`: read, write,
/// prefetch).
pub const PERF_COUNT_HW_CACHE_OP_MAX: u64 = 3;
/// Number of cache results (`PERF_COUNT_HW_CACHE_RESULT_MAX`: access,
/// miss).
pub const PERF_COUNT_HW_CACHE_RESULT_MAX: u64 = 2;

/// The fields of the `perf_event_attr` that vary per counter. The kernel
/// layer sets the fixed ones as upstream does (`vcpu_pmu.c:677-691`):
/// `size`, `pinned`, `disabled`, `exclude_host`, `exclude_hv`, and
/// `config1` = [`RISCV_PMU_CONFIG1_GUEST_EVENTS`].
///
/// [`RISCV_PMU_CONFIG1_GUEST_EVENTS`]: super::RISCV_PMU_CONFIG1_GUEST_EVENTS
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PerfAttr {
    /// `type`: one of the `PERF_TYPE_*`.
    pub kind: u32,
    /// `config`: which event of the type.
    pub config: u64,
    /// `sample_period`: events until the overflow interrupt.
    pub sample_period: u64,
    /// `exclude_user`: the guest asked not to count its U-mode.
    pub exclude_user: bool,
    /// `exclude_kernel`: the guest asked not to count its S-mode.
    pub exclude_kernel: bool,
}

/// A host perf event counting for one virtual counter. Dropping it
/// releases it (the kernel's implementation disables and releases the
/// perf event in `Drop`, which may sleep).
pub trait PerfEvent {
    /// Starts counting (`perf_event_enable()`).
    fn enable(&self);
    /// Sets the period until the next overflow (`perf_event_period()`).
    fn set_period(&self, period: u64);
    /// Stops counting and returns the count, which is reset to zero
    /// (`perf_event_pause(event, true)`).
    fn pause_reset(&self) -> u64;
    /// The count so far (`perf_event_read_value()`).
    fn read(&self) -> u64;
}
