// SPDX-License-Identifier: GPL-2.0

//! `counter_stop` (`kvm_riscv_vcpu_pmu_ctr_stop()`,
//! `vcpu_pmu.c:568-663`).

use core::sync::atomic::{AtomicU64, Ordering};

use super::bits::{bit, SetBits};
use super::event::event_code;
use super::host::PmuHost;
use super::perf::PerfEvent;
use super::spec::{
    FW_MAX, SBI_PMU_EVENT_IDX_INVALID, SBI_PMU_STOP_FLAG_RESET, SBI_PMU_STOP_FLAG_TAKE_SNAPSHOT,
};
use super::state::Pmu;
use crate::logic::sbi::{
    SbiRet, SBI_ERR_ALREADY_STOPPED, SBI_ERR_FAILURE, SBI_ERR_INVALID_PARAM, SBI_ERR_NO_SHMEM,
    SBI_SUCCESS,
};

impl<E: PerfEvent> Pmu<E> {
    /// `counter_stop` of the counters `mask` names from `base`.
    ///
    /// A mask naming no counter, or one past the last, is invalid;
    /// `TAKE_SNAPSHOT` without a snapshot area is no shared memory. Then,
    /// for each counter in use, in index order (counters not in use are
    /// skipped silently):
    ///
    /// - a firmware counter whose event code is past [`FW_MAX`] ends the
    ///   call as invalid, the snapshot area unwritten; one whose event
    ///   does not count answers already stopped; otherwise the event stops
    ///   and its count becomes the counter's value;
    /// - a hardware counter with a started perf event pauses it and adds
    ///   its count (which perf resets) to the value; one not started
    ///   answers already stopped; with `RESET` the event is released
    ///   either way;
    /// - a hardware counter without one answers invalid;
    /// - with `TAKE_SNAPSHOT`, while the loop has met no error so far
    ///   (upstream tests the call's error, not the counter's), the
    ///   counter's overflow bit is added to the snapshot's mask and its
    ///   value saved, both relative to `base`;
    /// - with `RESET`, the counter is free again, its overflow bit clear
    ///   (and with `TAKE_SNAPSHOT` its snapshot overflow bit too).
    ///
    /// If the snapshot changed, it is written back to the guest (error:
    /// failure). The call's error is the last one met.
    pub(super) fn stop<H: PmuHost<Event = E>>(
        &mut self,
        host: &mut H,
        overflown: &AtomicU64,
        base: u64,
        mask: u64,
        flags: u64,
    ) -> SbiRet {
        let Some(base) = self.first_counter(base, mask) else {
            return SbiRet::err(SBI_ERR_INVALID_PARAM);
        };
        let take_snapshot = flags & SBI_PMU_STOP_FLAG_TAKE_SNAPSHOT != 0;
        let reset = flags & SBI_PMU_STOP_FLAG_RESET != 0;
        if take_snapshot && self.snapshot.is_none() {
            return SbiRet::err(SBI_ERR_NO_SHMEM);
        }
        let mut error = SBI_SUCCESS;
        let mut snapshot_changed = false;
        for i in SetBits(mask) {
            // In range by first_counter.
            let Some(idx) = base.checked_add(i) else {
                continue;
            };
            if !self.is_in_use(idx) {
                continue;
            }
            let Some(ctr) = self.counters.get_mut(idx) else {
                continue;
            };
            if ctr.info.is_fw() {
                let code = event_code(ctr.event_idx);
                let fw_event = match self.fw_events.get_mut(code) {
                    Some(fw_event) if code < FW_MAX => fw_event,
                    _ => return SbiRet::err(SBI_ERR_INVALID_PARAM),
                };
                if fw_event.started {
                    fw_event.started = false;
                    ctr.value = fw_event.value;
                } else {
                    error = SBI_ERR_ALREADY_STOPPED;
                }
            } else if let Some(event) = &ctr.event {
                if ctr.started {
                    // Fold the count into the value; perf resets it, so
                    // the next stop does not add it again.
                    ctr.value = ctr.value.wrapping_add(event.pause_reset());
                    ctr.started = false;
                } else {
                    error = SBI_ERR_ALREADY_STOPPED;
                }
                if reset {
                    ctr.event = None;
                }
            } else {
                error = SBI_ERR_INVALID_PARAM;
            }
            let snapshot = self
                .snapshot
                .as_mut()
                .map(|(_, snapshot)| snapshot)
                .filter(|_| take_snapshot);
            if let Some(snapshot) = snapshot {
                if error == SBI_SUCCESS {
                    // Snapshot bits and values are relative to the base.
                    if overflown.load(Ordering::Relaxed) & bit(idx) != 0 {
                        snapshot.overflow_mask |= bit(i);
                    }
                    if let Some(value) = snapshot.values.get_mut(i) {
                        *value = ctr.value;
                    }
                    snapshot_changed = true;
                }
                if reset {
                    // The caller checks both the overflow mask and the
                    // counters configured: clear this counter's bit only.
                    snapshot.overflow_mask &= !bit(i);
                    snapshot_changed = true;
                }
            }
            if reset {
                ctr.event_idx = SBI_PMU_EVENT_IDX_INVALID;
                self.in_use &= !bit(idx);
                overflown.fetch_and(!bit(idx), Ordering::Relaxed);
            }
        }
        if snapshot_changed {
            if let Some((gpa, snapshot)) = &self.snapshot {
                if host.write_guest(*gpa, &snapshot.to_bytes()).is_err() {
                    error = SBI_ERR_FAILURE;
                }
            }
        }
        SbiRet::err(error)
    }
}
