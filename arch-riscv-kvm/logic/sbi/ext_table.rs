// SPDX-License-Identifier: GPL-2.0

//! The extension table (`vcpu_sbi.c:36-85`): which code answers an SBI
//! extension id, and the status that gates it; BASE `probe_extension`.

use super::spec::{
    SBI_EXT_0_1_SET_TIMER, SBI_EXT_0_1_SHUTDOWN, SBI_EXT_BASE, SBI_EXT_DBCN,
    SBI_EXT_EXPERIMENTAL_END, SBI_EXT_EXPERIMENTAL_START, SBI_EXT_HSM, SBI_EXT_IPI, SBI_EXT_PMU,
    SBI_EXT_RFENCE, SBI_EXT_SRST, SBI_EXT_STA, SBI_EXT_TIME, SBI_EXT_VENDOR_END,
    SBI_EXT_VENDOR_START,
};
use super::vcpu::SbiEnv;
use crate::logic::onereg::SbiExtId;

/// The code that answers an extension: one `struct
/// kvm_vcpu_sbi_extension` upstream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SbiExt {
    /// Legacy v0.1 calls (`vcpu_sbi_v01.c`).
    V01,
    /// BASE (`vcpu_sbi_base.c`).
    Base,
    /// TIME (`vcpu_sbi_replace.c`).
    Time,
    /// IPI (`vcpu_sbi_replace.c`).
    Ipi,
    /// RFENCE (`vcpu_sbi_replace.c`).
    Rfence,
    /// SRST (`vcpu_sbi_replace.c`).
    Srst,
    /// HSM (`vcpu_sbi_hsm.c`).
    Hsm,
    /// PMU (`vcpu_sbi_pmu.c`).
    Pmu,
    /// DBCN (`vcpu_sbi_replace.c`).
    Dbcn,
    /// STA (`vcpu_sbi_sta.c`).
    Sta,
    /// The experimental range, forwarded to userspace
    /// (`vcpu_sbi_base.c`).
    Experimental,
    /// The vendor range, forwarded to userspace (`vcpu_sbi_base.c`).
    Vendor,
}

/// One row of the extension table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SbiExtEntry {
    /// Who answers.
    pub ext: SbiExt,
    /// First SBI extension id (`a7`) of the row.
    pub first: u64,
    /// Last SBI extension id of the row (inclusive).
    pub last: u64,
    /// The KVM SBI extension whose status gates the row; `None` for BASE,
    /// which cannot be disabled.
    pub gate: Option<SbiExtId>,
    /// Whether the row has a handler. Only the placeholder legacy row
    /// lacks one (see [`sbi_extensions`]): calls that reach it are not
    /// supported, although probes for it succeed.
    pub handled: bool,
}

const fn row(ext: SbiExt, first: u64, last: u64, gate: Option<SbiExtId>) -> SbiExtEntry {
    SbiExtEntry {
        ext,
        first,
        last,
        gate,
        handled: true,
    }
}

/// The table behind `v01`, in upstream's order. Lookups take the first row
/// whose range holds the id, so the order only matters where ranges
/// overlap, which only the placeholder legacy row can.
const fn table(v01: SbiExtEntry) -> [SbiExtEntry; 12] {
    [
        v01,
        row(SbiExt::Base, SBI_EXT_BASE, SBI_EXT_BASE, None),
        row(
            SbiExt::Time,
            SBI_EXT_TIME,
            SBI_EXT_TIME,
            Some(SbiExtId::TIME),
        ),
        row(SbiExt::Ipi, SBI_EXT_IPI, SBI_EXT_IPI, Some(SbiExtId::IPI)),
        row(
            SbiExt::Rfence,
            SBI_EXT_RFENCE,
            SBI_EXT_RFENCE,
            Some(SbiExtId::RFENCE),
        ),
        row(
            SbiExt::Srst,
            SBI_EXT_SRST,
            SBI_EXT_SRST,
            Some(SbiExtId::SRST),
        ),
        row(SbiExt::Hsm, SBI_EXT_HSM, SBI_EXT_HSM, Some(SbiExtId::HSM)),
        row(SbiExt::Pmu, SBI_EXT_PMU, SBI_EXT_PMU, Some(SbiExtId::PMU)),
        row(
            SbiExt::Dbcn,
            SBI_EXT_DBCN,
            SBI_EXT_DBCN,
            Some(SbiExtId::DBCN),
        ),
        row(SbiExt::Sta, SBI_EXT_STA, SBI_EXT_STA, Some(SbiExtId::STA)),
        row(
            SbiExt::Experimental,
            SBI_EXT_EXPERIMENTAL_START,
            SBI_EXT_EXPERIMENTAL_END,
            Some(SbiExtId::EXPERIMENTAL),
        ),
        row(
            SbiExt::Vendor,
            SBI_EXT_VENDOR_START,
            SBI_EXT_VENDOR_END,
            Some(SbiExtId::VENDOR),
        ),
    ]
}

/// The extension table with `CONFIG_RISCV_SBI_V01`.
pub const SBI_EXTENSIONS_V01: [SbiExtEntry; 12] = table(row(
    SbiExt::V01,
    SBI_EXT_0_1_SET_TIMER,
    SBI_EXT_0_1_SHUTDOWN,
    Some(SbiExtId::V01),
));

/// The extension table without `CONFIG_RISCV_SBI_V01`: upstream keeps a
/// placeholder legacy row with the range `-1UL..=-1UL` and no handler
/// (`vcpu_sbi.c:15-21`). Ids 0..=8 then match no row, and id `u64::MAX`
/// matches the placeholder, so that while the V01 status is enabled (its
/// default: the placeholder has no probe) a probe of `u64::MAX` answers 1.
pub const SBI_EXTENSIONS_NO_V01: [SbiExtEntry; 12] = table(SbiExtEntry {
    ext: SbiExt::V01,
    first: u64::MAX,
    last: u64::MAX,
    gate: Some(SbiExtId::V01),
    handled: false,
});

/// The extension table of a kernel with (`v01`) or without the legacy
/// calls.
pub const fn sbi_extensions(v01: bool) -> &'static [SbiExtEntry; 12] {
    if v01 {
        &SBI_EXTENSIONS_V01
    } else {
        &SBI_EXTENSIONS_NO_V01
    }
}

/// The row answering extension id `ext_id` on this vCPU
/// (`kvm_vcpu_sbi_find_ext()`, `vcpu_sbi.c:393-417`): the first row whose
/// range holds the id, if it is ungated or its extension is enabled. A
/// matching row that is disabled or unavailable ends the search.
///
/// The row is returned by reference: copied out, it cost a `memcpy()` call
/// on every SBI call.
pub const fn find_ext(ext_id: u64, env: &SbiEnv) -> Option<&'static SbiExtEntry> {
    let table = sbi_extensions(env.v01);
    let mut i = 0;
    while i < table.len() {
        let entry = &table[i];
        if entry.first <= ext_id && ext_id <= entry.last {
            return match entry.gate {
                None => Some(entry),
                Some(gate) if env.enabled(gate) => Some(entry),
                Some(_) => None,
            };
        }
        i += 1;
    }
    None
}

/// Whether BASE `probe_extension` of `ext_id` is forwarded to userspace
/// rather than answered (`vcpu_sbi_base.c:36-45`): the experimental and
/// vendor ranges, whatever the status of those extensions.
pub const fn probe_is_forwarded(ext_id: u64) -> bool {
    (SBI_EXT_EXPERIMENTAL_START <= ext_id && ext_id <= SBI_EXT_EXPERIMENTAL_END)
        || (SBI_EXT_VENDOR_START <= ext_id && ext_id <= SBI_EXT_VENDOR_END)
}

/// What BASE `probe_extension` answers for `ext_id` outside the forwarded
/// ranges (`vcpu_sbi_base.c:47-49`): 1 if [`find_ext`] finds a row, else 0.
///
/// Upstream returns the row's probe function instead where it has one
/// (PMU, STA); that function already decided the status when the vCPU was
/// created (`kvm_riscv_vcpu_sbi_init()`) and its inputs do not change
/// later (`init_done` of the vCPU's PMU, `CONFIG_SCHED_INFO`), so an
/// enabled row probes as 1 either way.
pub const fn probe_extension(ext_id: u64, env: &SbiEnv) -> u64 {
    find_ext(ext_id, env).is_some() as u64
}
