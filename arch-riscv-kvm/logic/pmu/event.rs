// SPDX-License-Identifier: GPL-2.0

//! SBI event indices and the perf events they become
//! (`vcpu_pmu.c:20-156`): the type and code fields of an index, the perf
//! `type` and `config` of each event, and the fixed counters of cycles
//! and instructions.

use super::perf::{
    PERF_COUNT_HW_BRANCH_INSTRUCTIONS, PERF_COUNT_HW_BRANCH_MISSES, PERF_COUNT_HW_BUS_CYCLES,
    PERF_COUNT_HW_CACHE_MAX, PERF_COUNT_HW_CACHE_MISSES, PERF_COUNT_HW_CACHE_OP_MAX,
    PERF_COUNT_HW_CACHE_REFERENCES, PERF_COUNT_HW_CACHE_RESULT_MAX, PERF_COUNT_HW_CPU_CYCLES,
    PERF_COUNT_HW_INSTRUCTIONS, PERF_COUNT_HW_REF_CPU_CYCLES, PERF_COUNT_HW_STALLED_CYCLES_BACKEND,
    PERF_COUNT_HW_STALLED_CYCLES_FRONTEND, PERF_TYPE_HARDWARE, PERF_TYPE_HW_CACHE, PERF_TYPE_MAX,
    PERF_TYPE_RAW,
};
use super::spec::{
    FW_MAX, RISCV_PMU_RAW_EVENT_MASK, SBI_PMU_EVENT_CACHE_ID_CODE_MASK,
    SBI_PMU_EVENT_CACHE_ID_SHIFT, SBI_PMU_EVENT_CACHE_OP_ID_CODE_MASK,
    SBI_PMU_EVENT_CACHE_OP_SHIFT, SBI_PMU_EVENT_CACHE_RESULT_ID_CODE_MASK,
    SBI_PMU_EVENT_IDX_CODE_MASK, SBI_PMU_EVENT_IDX_TYPE_MASK, SBI_PMU_EVENT_IDX_TYPE_SHIFT,
    SBI_PMU_EVENT_TYPE_CACHE, SBI_PMU_EVENT_TYPE_FW, SBI_PMU_EVENT_TYPE_HW, SBI_PMU_EVENT_TYPE_RAW,
    SBI_PMU_HW_CPU_CYCLES, SBI_PMU_HW_GENERAL_MAX, SBI_PMU_HW_INSTRUCTIONS,
};

/// The perf `config` of an event perf cannot count: upstream's `U64_MAX`,
/// which perf rejects for every generic type.
pub const PERF_CONFIG_INVALID: u64 = u64::MAX;

/// The event type of event index `eidx` (`get_event_type()`,
/// `vcpu_pmu.c:21`). Bits above the 20-bit index are ignored.
pub const fn event_type(eidx: u64) -> u64 {
    (eidx & SBI_PMU_EVENT_IDX_TYPE_MASK) >> SBI_PMU_EVENT_IDX_TYPE_SHIFT
}

/// The event code of event index `eidx` (`get_event_code()`,
/// `vcpu_pmu.c:22`), as an index into the firmware events when it is one.
pub const fn event_code(eidx: u64) -> usize {
    // Sixteen bits: the cast never truncates.
    (eidx & SBI_PMU_EVENT_IDX_CODE_MASK) as usize
}

/// Whether `eidx` is a firmware event (`kvm_pmu_is_fw_event()`,
/// `vcpu_pmu.c:73-76`), which KVM counts itself, with no perf event.
pub const fn is_fw_event(eidx: u64) -> bool {
    event_type(eidx) == SBI_PMU_EVENT_TYPE_FW
}

/// `hw_event_perf_map` (`vcpu_pmu.c:24-35`), by SBI hardware event code.
/// Upstream leaves entry 0 (`SBI_PMU_HW_NO_EVENT`) out of its designated
/// initializer, so it is 0: `PERF_COUNT_HW_CPU_CYCLES`.
const HW_EVENT_PERF_MAP: [u64; SBI_PMU_HW_GENERAL_MAX as usize] = [
    PERF_COUNT_HW_CPU_CYCLES,
    PERF_COUNT_HW_CPU_CYCLES,
    PERF_COUNT_HW_INSTRUCTIONS,
    PERF_COUNT_HW_CACHE_REFERENCES,
    PERF_COUNT_HW_CACHE_MISSES,
    PERF_COUNT_HW_BRANCH_INSTRUCTIONS,
    PERF_COUNT_HW_BRANCH_MISSES,
    PERF_COUNT_HW_BUS_CYCLES,
    PERF_COUNT_HW_STALLED_CYCLES_FRONTEND,
    PERF_COUNT_HW_STALLED_CYCLES_BACKEND,
    PERF_COUNT_HW_REF_CPU_CYCLES,
];

/// The perf `type` of event index `eidx` (`kvm_pmu_get_perf_event_type()`,
/// `vcpu_pmu.c:50-71`): firmware events map to raw (although they never
/// become perf events), unknown types to [`PERF_TYPE_MAX`].
pub const fn perf_type(eidx: u64) -> u32 {
    match event_type(eidx) {
        SBI_PMU_EVENT_TYPE_HW => PERF_TYPE_HARDWARE,
        SBI_PMU_EVENT_TYPE_CACHE => PERF_TYPE_HW_CACHE,
        SBI_PMU_EVENT_TYPE_RAW | SBI_PMU_EVENT_TYPE_FW => PERF_TYPE_RAW,
        _ => PERF_TYPE_MAX,
    }
}

/// The perf `config` of cache event code `code`
/// (`kvm_pmu_get_perf_event_cache_config()`, `vcpu_pmu.c:92-112`): cache,
/// operation and result in perf's byte layout, or [`PERF_CONFIG_INVALID`]
/// for a cache or operation perf does not know.
pub const fn cache_config(code: u64) -> u64 {
    let cache = (code & SBI_PMU_EVENT_CACHE_ID_CODE_MASK) >> SBI_PMU_EVENT_CACHE_ID_SHIFT;
    let op = (code & SBI_PMU_EVENT_CACHE_OP_ID_CODE_MASK) >> SBI_PMU_EVENT_CACHE_OP_SHIFT;
    let result = code & SBI_PMU_EVENT_CACHE_RESULT_ID_CODE_MASK;
    if cache >= PERF_COUNT_HW_CACHE_MAX
        || op >= PERF_COUNT_HW_CACHE_OP_MAX
        || result >= PERF_COUNT_HW_CACHE_RESULT_MAX
    {
        return PERF_CONFIG_INVALID;
    }
    cache | (op << 8) | (result << 16)
}

/// The perf `config` of event index `eidx` with event data `data`
/// (`kvm_pmu_get_perf_event_config()`, `vcpu_pmu.c:114-140`), or
/// [`PERF_CONFIG_INVALID`] for an event perf cannot count.
pub fn perf_config(eidx: u64, data: u64) -> u64 {
    let code = eidx & SBI_PMU_EVENT_IDX_CODE_MASK;
    match event_type(eidx) {
        // Codes from SBI_PMU_HW_GENERAL_MAX on are not in the map.
        SBI_PMU_EVENT_TYPE_HW => HW_EVENT_PERF_MAP
            .get(event_code(eidx))
            .copied()
            .unwrap_or(PERF_CONFIG_INVALID),
        SBI_PMU_EVENT_TYPE_CACHE => cache_config(code),
        SBI_PMU_EVENT_TYPE_RAW => data & RISCV_PMU_RAW_EVENT_MASK,
        // Never used: firmware events get no perf event (cfg_match).
        SBI_PMU_EVENT_TYPE_FW if code < FW_MAX as u64 => (1 << 63) | code,
        _ => PERF_CONFIG_INVALID,
    }
}

/// The counter cycles and instructions always get
/// (`kvm_pmu_get_fixed_pmc_index()`, `vcpu_pmu.c:142-156`): 0 and 2, as
/// the `cycle` and `instret` CSRs, whatever counters the guest asked for
/// and whether or not they are in use.
///
/// Upstream compares the perf type with the SBI type
/// `SBI_PMU_EVENT_TYPE_HW`; both happen to be 0, so this is "a hardware
/// event".
pub const fn fixed_counter(eidx: u64) -> Option<usize> {
    if event_type(eidx) != SBI_PMU_EVENT_TYPE_HW {
        return None;
    }
    match eidx & SBI_PMU_EVENT_IDX_CODE_MASK {
        SBI_PMU_HW_CPU_CYCLES => Some(0),
        SBI_PMU_HW_INSTRUCTIONS => Some(2),
        _ => None,
    }
}
