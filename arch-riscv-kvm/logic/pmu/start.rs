// SPDX-License-Identifier: GPL-2.0

//! `counter_start` (`kvm_riscv_vcpu_pmu_ctr_start()`,
//! `vcpu_pmu.c:492-566`).

use core::sync::atomic::{AtomicU64, Ordering};

use super::bits::{bit, SetBits};
use super::counter::sample_period;
use super::event::event_code;
use super::host::PmuHost;
use super::perf::PerfEvent;
use super::snapshot::{Snapshot, SNAPSHOT_BYTES};
use super::spec::{FW_MAX, SBI_PMU_START_FLAG_INIT_SNAPSHOT, SBI_PMU_START_FLAG_SET_INIT_VALUE};
use super::state::Pmu;
use crate::logic::sbi::{
    SbiRet, SBI_ERR_ALREADY_STARTED, SBI_ERR_FAILURE, SBI_ERR_INVALID_PARAM, SBI_ERR_NO_SHMEM,
    SBI_SUCCESS,
};

impl<E: PerfEvent> Pmu<E> {
    /// `counter_start` of the counters `mask` names from `base`.
    ///
    /// A mask naming no counter, or one past the last, is invalid. With
    /// `INIT_SNAPSHOT` the snapshot area is read first (none: no shared
    /// memory; read error: failure). Then, for each counter in use, in
    /// index order (counters not in use are skipped silently):
    ///
    /// - its overflow bit is cleared;
    /// - its value becomes `initial` with `SET_INIT_VALUE`, else its
    ///   snapshot value (relative to `base`) with `INIT_SNAPSHOT`;
    /// - a firmware counter whose event code is past [`FW_MAX`] ends the
    ///   call as invalid; one whose event already counts answers already
    ///   started and the loop goes on; otherwise the event counts from the
    ///   counter's value;
    /// - a hardware counter with a perf event that is already started
    ///   answers already started and the loop goes on; otherwise the
    ///   event gets the period left until the counter wraps and is
    ///   enabled;
    /// - a hardware counter without one answers invalid and the loop goes
    ///   on.
    ///
    /// The call's error is the last one the loop met.
    pub(super) fn start<H: PmuHost<Event = E>>(
        &mut self,
        host: &mut H,
        overflown: &AtomicU64,
        base: u64,
        mask: u64,
        flags: u64,
        initial: u64,
    ) -> SbiRet {
        let Some(base) = self.first_counter(base, mask) else {
            return SbiRet::err(SBI_ERR_INVALID_PARAM);
        };
        let from_snapshot = flags & SBI_PMU_START_FLAG_INIT_SNAPSHOT != 0;
        if from_snapshot {
            let Some((gpa, snapshot)) = self.snapshot.as_mut() else {
                return SbiRet::err(SBI_ERR_NO_SHMEM);
            };
            // Upstream reads into its copy in place, so a failed read
            // leaves whatever part it got there (`vcpu_pmu.c:512-517`);
            // starting from the current copy and taking the buffer back
            // whatever happens does the same.
            let mut buf: [u8; SNAPSHOT_BYTES] = snapshot.to_bytes();
            let read = host.read_guest(*gpa, &mut buf);
            *snapshot = Snapshot::from_bytes(&buf);
            if read.is_err() {
                return SbiRet::err(SBI_ERR_FAILURE);
            }
        }
        let mut error = SBI_SUCCESS;
        for i in SetBits(mask) {
            // In range by first_counter.
            let Some(idx) = base.checked_add(i) else {
                continue;
            };
            if !self.is_in_use(idx) {
                continue;
            }
            // The guest starts the counter again: forget its overflow.
            overflown.fetch_and(!bit(idx), Ordering::Relaxed);
            let Some(ctr) = self.counters.get_mut(idx) else {
                continue;
            };
            if flags & SBI_PMU_START_FLAG_SET_INIT_VALUE != 0 {
                ctr.value = initial;
            } else if from_snapshot {
                // Snapshot values are relative to the counter base.
                if let Some(value) = self
                    .snapshot
                    .as_ref()
                    .and_then(|(_, snapshot)| snapshot.values.get(i))
                {
                    ctr.value = *value;
                }
            }
            if ctr.info.is_fw() {
                let code = event_code(ctr.event_idx);
                let fw_event = match self.fw_events.get_mut(code) {
                    Some(fw_event) if code < FW_MAX => fw_event,
                    _ => return SbiRet::err(SBI_ERR_INVALID_PARAM),
                };
                if fw_event.started {
                    error = SBI_ERR_ALREADY_STARTED;
                    continue;
                }
                fw_event.started = true;
                fw_event.value = ctr.value;
            } else if let Some(event) = &ctr.event {
                if ctr.started {
                    error = SBI_ERR_ALREADY_STARTED;
                    continue;
                }
                event.set_period(sample_period(ctr.info.width(), ctr.value));
                event.enable();
                ctr.started = true;
            } else {
                error = SBI_ERR_INVALID_PARAM;
            }
        }
        SbiRet::err(error)
    }
}
