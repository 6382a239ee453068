// SPDX-License-Identifier: GPL-2.0

//! The per-vCPU PMU ([`Pmu`], upstream's `struct kvm_pmu`): its counters,
//! how it is set up and reset, and the calls that only read it
//! (`num_counters`, `counter_get_info`, `counter_fw_read`, counter CSR
//! reads, firmware event counting).

use core::sync::atomic::{AtomicU64, Ordering};

use super::bits::bit;
use super::counter::{Counter, CounterInfo, FwEvent};
use super::event::event_code;
use super::host::PmuHost;
use super::perf::PerfEvent;
use super::snapshot::Snapshot;
use super::spec::{FW_MAX, MAX_COUNTERS, MAX_FW_CTRS, MAX_HW_CTRS, SBI_PMU_EVENT_IDX_INVALID};
use crate::logic::csr_emul::{CSR_CYCLE, CSR_INSTRET};
use crate::logic::sbi::{PmuCall, SbiRet, SBI_ERR_INVALID_PARAM, SBI_ERR_NOT_SUPPORTED};

/// Counters below this index are `cycle`, `time` and `instret`, whose
/// CSRs are 64 bits wide (`vcpu_pmu.c:817-819`) and which only the fixed
/// events get (`vcpu_pmu.c:170-171`).
pub(super) const FIXED_CTRS: usize = 3;
/// The `time` slot: never a counter, rejected wherever upstream checks
/// `cidx == 1`.
pub(super) const TIME_CTR: usize = 1;
/// Width field of the 64-bit counters.
const WIDTH_64: u32 = 63;
/// Number of counter CSRs, `cycle` to `hpmcounter31`.
const COUNTER_CSRS: u16 = 32;

/// Per-vCPU PMU (upstream's `struct kvm_pmu`, `kvm_vcpu_pmu.h:38-56`),
/// owned by the vCPU's task.
///
/// The overflow bitmap (`pmc_overflown`) lives outside it, as an
/// [`AtomicU64`] (bit = counter index) that the perf overflow handler sets
/// from interrupt context; every method that needs it takes it as
/// `overflown`.
pub struct Pmu<E> {
    /// Whether the vCPU has a PMU at all.
    pub(super) init_done: bool,
    /// Hardware counters, the `time` slot included.
    pub(super) num_hw: usize,
    /// Firmware counters, after the hardware ones.
    pub(super) num_fw: usize,
    /// Every counter slot, used or not.
    pub(super) counters: [Counter<E>; MAX_COUNTERS],
    /// Firmware events by event code; entries from [`FW_MAX`] on stay
    /// zero, as upstream's do.
    pub(super) fw_events: [FwEvent; MAX_FW_CTRS],
    /// `pmc_in_use`: counters configured by `counter_config_matching`.
    pub(super) in_use: u64,
    /// The snapshot area: its guest-physical address and KVM's copy.
    pub(super) snapshot: Option<(u64, Snapshot)>,
}

impl<E> Default for Pmu<E> {
    fn default() -> Self {
        Self::disabled()
    }
}

impl<E> Pmu<E> {
    /// No PMU (upstream's `init_done` false): the host lacks Sscofpmf or
    /// its SBI PMU gave no counters. Every SBI PMU call is not supported.
    pub const fn disabled() -> Self {
        Pmu {
            init_done: false,
            num_hw: 0,
            num_fw: 0,
            counters: [const { Counter::EMPTY }; MAX_COUNTERS],
            fw_events: [FwEvent::ZERO; MAX_FW_CTRS],
            in_use: 0,
            snapshot: None,
        }
    }

    /// `kvm_riscv_vcpu_pmu_init()` (`vcpu_pmu.c:770-836`) with what
    /// `riscv_pmu_get_hpm_info()` reported; the caller checked Sscofpmf
    /// and that both numbers are nonzero.
    ///
    /// There are `num_hw_ctrs + 1` hardware counters (the `time` slot),
    /// at most [`MAX_HW_CTRS`], read through CSRs `cycle + i`: counters
    /// 0 and 2 are 64 bits wide, the others `hpm_width + 1` (the field
    /// keeps its low six bits, as upstream's bitfield does). Then come
    /// [`FW_MAX`] 64-bit firmware counters.
    pub fn new(hpm_width: u32, num_hw_ctrs: u32) -> Self {
        let mut pmu = Self::disabled();
        pmu.setup(hpm_width, num_hw_ctrs);
        pmu
    }

    /// Makes a [`Pmu::disabled`] one what [`Pmu::new`] returns, in place:
    /// a `Pmu` is some 3.6 KiB, too much to build on a kernel stack and
    /// move, so the kernel layer allocates a disabled one and sets it up
    /// where it lies.
    pub fn setup(&mut self, hpm_width: u32, num_hw_ctrs: u32) {
        let pmu = self;
        let num_hw = (num_hw_ctrs as usize).saturating_add(1).min(MAX_HW_CTRS);
        pmu.num_hw = num_hw;
        pmu.num_fw = FW_MAX;
        for (i, ctr) in pmu.counters.iter_mut().enumerate().take(num_hw + FW_MAX) {
            // The TIME CSR is not read through perf: its slot stays empty.
            if i == TIME_CTR {
                continue;
            }
            ctr.event_idx = SBI_PMU_EVENT_IDX_INVALID;
            ctr.info = if i < num_hw {
                let width = if i < FIXED_CTRS { WIDTH_64 } else { hpm_width };
                // The CSR numbers follow the counter indices, whatever
                // counter of the host ends up counting (`vcpu_pmu.c:822-828`).
                // i < 32: the cast never truncates.
                CounterInfo::hw(CSR_CYCLE + i as u16, width)
            } else {
                CounterInfo::fw(WIDTH_64)
            };
        }
        pmu.init_done = true;
    }

    /// Whether the vCPU has a PMU (and so the SBI PMU extension).
    pub fn init_done(&self) -> bool {
        self.init_done
    }

    /// Number of counters (`kvm_pmu_num_counters()`), 0 without a PMU.
    pub fn num_counters(&self) -> usize {
        self.num_hw + self.num_fw
    }

    /// Whether counter `idx` is configured.
    pub(super) fn is_in_use(&self, idx: usize) -> bool {
        self.in_use & bit(idx) != 0
    }

    /// The first counter of a call's `base` and `mask`, if every counter
    /// the mask names exists (`kvm_pmu_validate_counter_mask()`,
    /// `vcpu_pmu.c:259-267`): then `base + i` is a counter for every set
    /// bit `i`.
    ///
    /// Upstream computes `ctr_base + __fls(ctr_mask)` unchecked, so a
    /// base near `u64::MAX` wraps and passes, and counter indices wrap
    /// with it; here that sum overflowing is invalid too.
    pub(super) fn first_counter(&self, base: u64, mask: u64) -> Option<usize> {
        if mask == 0 {
            return None;
        }
        let base = usize::try_from(base).ok()?;
        // __fls(): mask != 0, so leading_zeros() <= 63.
        let fls = (u64::BITS - 1 - mask.leading_zeros()) as usize;
        let last = base.checked_add(fls)?;
        (last < self.num_counters()).then_some(base)
    }

    /// `kvm_riscv_vcpu_pmu_ctr_info()` (`vcpu_pmu.c:477-490`).
    ///
    /// Upstream rejects only `cidx > RISCV_KVM_MAX_COUNTERS` (line 482),
    /// so counter 64 reads past `pmc[]`, and the slots past the last
    /// counter answer success with 0. Every index that is not a counter
    /// is invalid here, as the SBI specification says.
    fn counter_info(&self, cidx: u64) -> SbiRet {
        let info = usize::try_from(cidx)
            .ok()
            .filter(|&i| i < self.num_counters() && i != TIME_CTR)
            .and_then(|i| self.counters.get(i));
        match info {
            Some(ctr) => SbiRet::ok(ctr.info.0),
            None => SbiRet::err(SBI_ERR_INVALID_PARAM),
        }
    }

    /// `kvm_riscv_vcpu_pmu_incr_fw()` (`vcpu_pmu.c:342-355`): one more
    /// firmware event `fid`, if a counter started counting it. Unknown
    /// events are ignored.
    pub fn incr_fw(&mut self, fid: u32) {
        self.incr_fw_by(fid, 1);
    }

    /// `n` firmware events `fid` at once, as `n` calls of
    /// [`incr_fw`](Self::incr_fw) would count them: for a kernel layer
    /// that tallies events where the PMU is out of reach (another vCPU's
    /// IPI or fence) and folds them in on the vCPU's task. The count wraps
    /// as upstream's `value++` does.
    pub fn incr_fw_by(&mut self, fid: u32, n: u64) {
        let Some(fw) = usize::try_from(fid)
            .ok()
            .filter(|&i| i < FW_MAX)
            .and_then(|i| self.fw_events.get_mut(i))
        else {
            return;
        };
        if fw.started {
            fw.value = fw.value.wrapping_add(n);
        }
    }

    /// `kvm_riscv_vcpu_pmu_deinit()`/`_reset()` (`vcpu_pmu.c:838-862`):
    /// releases every perf event and clears the in-use, overflow and
    /// firmware state and the snapshot area. Must be called in process
    /// context: dropping an event may sleep.
    ///
    /// Every counter comes back as a new vCPU has it: stopped, value 0,
    /// no event. Upstream zeroes only the counters in use and leaves every
    /// counter's `started` flag, so after a reset (SBI HSM start of the
    /// hart) a hardware counter that was counting answers
    /// `SBI_ERR_ALREADY_STARTED` to the next `counter_start` and does not
    /// count, and one not in use keeps its old value. Upstream also
    /// releases only the events of counters in use; an event can outlive
    /// its counter's use (a hardware event configured with `SKIP_MATCH` on
    /// a firmware counter survives `counter_stop` with `RESET`) and would
    /// leak. Here every event is released.
    pub fn reset(&mut self, overflown: &AtomicU64) {
        for ctr in self.counters.iter_mut() {
            ctr.value = 0;
            ctr.event_idx = SBI_PMU_EVENT_IDX_INVALID;
            ctr.started = false;
            ctr.event = None;
        }
        self.in_use = 0;
        overflown.store(0, Ordering::Relaxed);
        self.fw_events = [FwEvent::ZERO; MAX_FW_CTRS];
        self.snapshot = None;
    }
}

impl<E: PerfEvent> Pmu<E> {
    /// One SBI PMU call, answered as `kvm_sbi_ext_pmu_handler()`
    /// (`vcpu_sbi_pmu.c:16-81`) and `vcpu_pmu.c` answer it. Without a PMU
    /// every call is not supported (`vcpu_sbi_pmu.c:25-28`).
    pub fn call<H: PmuHost<Event = E>>(
        &mut self,
        host: &mut H,
        overflown: &AtomicU64,
        call: &PmuCall,
    ) -> SbiRet {
        if !self.init_done {
            return SbiRet::err(SBI_ERR_NOT_SUPPORTED);
        }
        match *call {
            // At most 54: the cast never truncates.
            PmuCall::NumCounters => SbiRet::ok(self.num_counters() as u64),
            PmuCall::CounterGetInfo { counter } => self.counter_info(counter),
            PmuCall::CounterCfgMatch {
                base,
                mask,
                flags,
                event_idx,
                event_data,
            } => self.cfg_match(host, base, mask, flags, event_idx, event_data),
            PmuCall::CounterStart {
                base,
                mask,
                flags,
                initial,
            } => self.start(host, overflown, base, mask, flags, initial),
            PmuCall::CounterStop { base, mask, flags } => {
                self.stop(host, overflown, base, mask, flags)
            }
            PmuCall::CounterFwRead { counter } => match self.read_counter(counter) {
                Ok(value) => SbiRet::ok(value),
                Err(()) => SbiRet::err(SBI_ERR_INVALID_PARAM),
            },
            PmuCall::SnapshotSetShmem { lo, hi, flags } => self.set_shmem(host, lo, hi, flags),
        }
    }

    /// `pmu_ctr_read()` (`vcpu_pmu.c:230-257`): a firmware counter's event
    /// count (which becomes its value), or a hardware counter's value plus
    /// its perf event's count.
    ///
    /// Upstream indexes `fw_event[]` with the code of the counter's event
    /// index unchecked (line 246-247): a firmware counter with no event has
    /// `SBI_PMU_EVENT_IDX_INVALID`, code `0xffff`, and reads far past the
    /// array. Here a code past the array is invalid, like a hardware
    /// counter with no event; codes up to the array's end read its
    /// always-zero entries as upstream does.
    fn read_counter(&mut self, cidx: u64) -> Result<u64, ()> {
        let num = self.num_counters();
        let idx = usize::try_from(cidx)
            .ok()
            .filter(|&i| i < num && i != TIME_CTR)
            .ok_or(())?;
        let ctr = self.counters.get_mut(idx).ok_or(())?;
        if ctr.info.is_fw() {
            // A firmware counter with no event (never configured, or
            // stopped with RESET) reads its own last value, 0 for a new
            // one. Upstream indexes `fw_event[]` with that event's code
            // (0xffff of `SBI_PMU_EVENT_IDX_INVALID`), far out of bounds
            // (vcpu_pmu.c:246-247), and its sbi_pmu_test reads every
            // firmware counter before configuring any, expecting success.
            if let Some(fw) = self.fw_events.get(event_code(ctr.event_idx)) {
                ctr.value = fw.value;
            }
            Ok(ctr.value)
        } else if let Some(event) = &ctr.event {
            Ok(ctr.value.wrapping_add(event.read()))
        } else {
            Err(())
        }
    }

    /// `kvm_riscv_vcpu_pmu_read_hpm()` (`vcpu_pmu.c:357-390`) for a
    /// trapped access to counter CSR `csr` (`cycle` to `hpmcounter31`)
    /// writing the bits of `write_mask`: `Ok(value)` if `rd` gets `value`
    /// and the instruction retires, `Err(())` for an illegal-instruction
    /// exception.
    ///
    /// Without a PMU, `cycle` and `instret` read 0 for a legacy PMU driver
    /// and the other counters are illegal; upstream does not look at the
    /// write mask then (the hardware never traps a write to these
    /// read-only CSRs to KVM anyway). With a PMU any write is illegal, and
    /// a read is `counter_fw_read`'s of counter `csr - cycle` (illegal
    /// where that call is invalid). A CSR outside the counters, which
    /// upstream's CSR table never routes here, is illegal.
    // The error is the one thing a caller needs: the guest traps.
    #[allow(clippy::result_unit_err)]
    pub fn read_hpm(&mut self, csr: u16, write_mask: u64) -> Result<u64, ()> {
        if !self.init_done {
            return read_hpm_without_pmu(csr);
        }
        if write_mask != 0 {
            return Err(());
        }
        let cidx = csr
            .checked_sub(CSR_CYCLE)
            .filter(|&i| i < COUNTER_CSRS)
            .ok_or(())?;
        self.read_counter(u64::from(cidx))
    }
}

/// [`Pmu::read_hpm`] of a vCPU with no PMU at all, which need not build
/// one (a [`Pmu`] is some 3.6 KiB): `cycle` and `instret` read 0 for a
/// legacy PMU driver, the other counters are illegal.
// As for `Pmu::read_hpm`.
#[allow(clippy::result_unit_err)]
pub fn read_hpm_without_pmu(csr: u16) -> Result<u64, ()> {
    match csr {
        CSR_CYCLE | CSR_INSTRET => Ok(0),
        _ => Err(()),
    }
}
