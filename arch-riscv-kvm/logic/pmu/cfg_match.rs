// SPDX-License-Identifier: GPL-2.0

//! `counter_config_matching` (`kvm_riscv_vcpu_pmu_ctr_cfg_match()`,
//! `vcpu_pmu.c:665-744`): choose a counter for an event and, for a
//! hardware event, create the perf event that counts it.

use super::bits::{bit, SetBits};
use super::counter::{sample_period, Counter};
use super::event::{event_code, fixed_counter, is_fw_event, perf_config, perf_type};
use super::host::PmuHost;
use super::perf::{PerfAttr, PerfEvent};
use super::spec::{
    FW_MAX, SBI_PMU_CFG_FLAG_AUTO_START, SBI_PMU_CFG_FLAG_CLEAR_VALUE, SBI_PMU_CFG_FLAG_SET_SINH,
    SBI_PMU_CFG_FLAG_SET_UINH, SBI_PMU_CFG_FLAG_SKIP_MATCH,
};
use super::state::{Pmu, FIXED_CTRS};
use crate::logic::sbi::{SbiRet, SBI_ERR_FAILURE, SBI_ERR_INVALID_PARAM, SBI_ERR_NOT_SUPPORTED};

impl<E: PerfEvent> Pmu<E> {
    /// `counter_config_matching` of event `eidx` with data `data` on one
    /// of the counters `mask` names from `base`; the value is the chosen
    /// counter.
    ///
    /// In upstream order: a mask naming no counter, or one past the last,
    /// is invalid; a firmware event past [`FW_MAX`] is not supported; with
    /// `SKIP_MATCH` the mask's first counter is taken if it is in use
    /// (else failure), whatever its type; otherwise cycles and
    /// instructions take counters 0 and 2 whatever the mask, firmware
    /// events the first free firmware counter of the mask, and other
    /// events the first free hardware counter from 3 on (none: not
    /// supported). A hardware event's old perf event is released, then
    /// the new one created (failure: not supported, the counter's use
    /// unchanged); a firmware event only starts counting with
    /// `AUTO_START`.
    pub(super) fn cfg_match<H: PmuHost<Event = E>>(
        &mut self,
        host: &mut H,
        base: u64,
        mask: u64,
        flags: u64,
        eidx: u64,
        data: u64,
    ) -> SbiRet {
        let Some(base) = self.first_counter(base, mask) else {
            return SbiRet::err(SBI_ERR_INVALID_PARAM);
        };
        let code = event_code(eidx);
        let fw = is_fw_event(eidx);
        if fw && code >= FW_MAX {
            return SbiRet::err(SBI_ERR_NOT_SUPPORTED);
        }
        let idx = if flags & SBI_PMU_CFG_FLAG_SKIP_MATCH != 0 {
            // __ffs(mask) <= __fls(mask): a counter (first_counter).
            let first = base.checked_add(mask.trailing_zeros() as usize);
            match first.filter(|&i| self.is_in_use(i)) {
                Some(i) => i,
                None => return SbiRet::err(SBI_ERR_FAILURE),
            }
        } else {
            match self.pick_counter(eidx, base, mask) {
                Some(i) => i,
                None => return SbiRet::err(SBI_ERR_NOT_SUPPORTED),
            }
        };
        // Every index chosen above is a counter; this only keeps the
        // lookup panic-free.
        let Some(ctr) = self.counters.get_mut(idx) else {
            return SbiRet::err(SBI_ERR_INVALID_PARAM);
        };
        if fw {
            if flags & SBI_PMU_CFG_FLAG_AUTO_START != 0 {
                if let Some(fw_event) = self.fw_events.get_mut(code) {
                    fw_event.started = true;
                }
            }
        } else if create_event(host, idx, ctr, flags, eidx, data).is_err() {
            // Perf may fail; the guest goes on without this counter
            // (`vcpu_sbi_pmu.c:43-48`).
            return SbiRet::err(SBI_ERR_NOT_SUPPORTED);
        }
        self.in_use |= bit(idx);
        ctr.event_idx = eidx;
        // idx < 64: the cast never truncates.
        SbiRet::ok(idx as u64)
    }

    /// `pmu_get_pmc_index()` (`vcpu_pmu.c:158-198`): the fixed counter of
    /// cycles and instructions, else the first counter of the mask that
    /// is free and of the event's kind (`base` is [`first_counter`]'s).
    ///
    /// [`first_counter`]: Self::first_counter
    fn pick_counter(&self, eidx: u64, base: usize, mask: u64) -> Option<usize> {
        // Fixed counters have a fixed mapping: their CSRs are 64 bits wide.
        if let Some(idx) = fixed_counter(eidx) {
            return Some(idx);
        }
        let (min, max) = if is_fw_event(eidx) {
            // Firmware counters map 1:1 onto firmware events' counters.
            (self.num_hw, self.num_hw + self.num_fw)
        } else {
            // The first three are the fixed counters.
            (FIXED_CTRS, self.num_hw)
        };
        SetBits(mask)
            .filter_map(|i| base.checked_add(i))
            .find(|&idx| (min..max).contains(&idx) && !self.is_in_use(idx))
    }
}

/// `kvm_pmu_create_perf_event()` (`vcpu_pmu.c:310-340`): counter `idx`
/// (`ctr`) counts event `eidx` with a new perf event.
///
/// The old event is released first, so a failure leaves the counter
/// without one. `CLEAR_VALUE` zeroes the value before the first period is
/// computed from it; `AUTO_START` enables the event without marking the
/// counter started, as upstream.
fn create_event<H: PmuHost>(
    host: &mut H,
    idx: usize,
    ctr: &mut Counter<H::Event>,
    flags: u64,
    eidx: u64,
    data: u64,
) -> Result<(), ()> {
    ctr.event = None;
    let config = perf_config(eidx, data);
    if flags & SBI_PMU_CFG_FLAG_CLEAR_VALUE != 0 {
        ctr.value = 0;
    }
    let attr = PerfAttr {
        kind: perf_type(eidx),
        config,
        // The guest's own period comes with counter_start.
        sample_period: sample_period(ctr.info.width(), ctr.value),
        exclude_user: flags & SBI_PMU_CFG_FLAG_SET_UINH != 0,
        exclude_kernel: flags & SBI_PMU_CFG_FLAG_SET_SINH != 0,
    };
    let event = host.create_event(idx, &attr)?;
    if flags & SBI_PMU_CFG_FLAG_AUTO_START != 0 {
        event.enable();
    }
    ctr.event = Some(event);
    Ok(())
}
