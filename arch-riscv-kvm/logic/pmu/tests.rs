// SPDX-License-Identifier: GPL-2.0

//! Host tests of `logic::pmu`, in one module so that their names are the ones
//! `selftests/expected-pass` lists: a fake host (perf events whose counts
//! the tests advance, and a small guest memory) first, then a section per
//! SBI call, then counter CSR reads, firmware events, reset, and a sweep
//! of inputs.

use super::*;
use crate::logic::sbi::{
    PmuCall, SbiRet, SBI_ERR_ALREADY_STARTED, SBI_ERR_ALREADY_STOPPED, SBI_ERR_FAILURE,
    SBI_ERR_INVALID_ADDRESS, SBI_ERR_INVALID_PARAM, SBI_ERR_NOT_SUPPORTED, SBI_ERR_NO_SHMEM,
    SBI_PMU_FW_IPI_SENT, SBI_PMU_FW_SET_TIMER, SBI_SHMEM_DISABLE, SBI_SUCCESS,
};
use core::sync::atomic::{AtomicU64, Ordering};
use std::cell::RefCell;
use std::rc::Rc;
use std::vec;
use std::vec::Vec;

// The fake host.

/// What a fake perf event went through.
#[derive(Clone, Debug)]
struct EventLog {
    counter: usize,
    attr: PerfAttr,
    enabled: bool,
    enables: usize,
    periods: Vec<u64>,
    count: u64,
    pauses: usize,
    released: bool,
}

/// Every event the fake host ever created, by creation order.
type Events = Rc<RefCell<Vec<EventLog>>>;

/// A perf event of the fake host: entry `id` of the log.
struct FakeEvent {
    id: usize,
    events: Events,
}

impl FakeEvent {
    fn with<R>(&self, f: impl FnOnce(&mut EventLog) -> R) -> R {
        f(&mut self.events.borrow_mut()[self.id])
    }
}

impl PerfEvent for FakeEvent {
    fn enable(&self) {
        self.with(|e| {
            e.enabled = true;
            e.enables += 1;
        });
    }

    fn set_period(&self, period: u64) {
        self.with(|e| e.periods.push(period));
    }

    fn pause_reset(&self) -> u64 {
        self.with(|e| {
            e.enabled = false;
            e.pauses += 1;
            core::mem::take(&mut e.count)
        })
    }

    fn read(&self) -> u64 {
        self.with(|e| e.count)
    }
}

impl Drop for FakeEvent {
    fn drop(&mut self) {
        self.with(|e| {
            assert!(!e.released, "event {} released twice", e.counter);
            e.released = true;
            e.enabled = false;
        });
    }
}

/// Guest RAM: four pages, the last one read-only.
const RAM: u64 = 0x8000_0000;
const PAGE: u64 = 4096;
const RAM_PAGES: u64 = 4;
const ROM: u64 = RAM + 3 * PAGE;
const RAM_END: u64 = RAM + RAM_PAGES * PAGE;

struct FakeHost {
    events: Events,
    mem: Vec<u8>,
    fail_create: bool,
    fail_read: bool,
    fail_write: bool,
    /// Live events of the counter at each creation, in creation order.
    live_at_create: Vec<usize>,
    reads: Vec<(u64, usize)>,
    writes: Vec<(u64, usize)>,
}

impl FakeHost {
    fn new() -> Self {
        FakeHost {
            events: Rc::default(),
            mem: vec![0xaa; (RAM_PAGES * PAGE) as usize],
            fail_create: false,
            fail_read: false,
            fail_write: false,
            live_at_create: Vec::new(),
            reads: Vec::new(),
            writes: Vec::new(),
        }
    }

    fn live(&self) -> usize {
        self.events.borrow().iter().filter(|e| !e.released).count()
    }

    /// The live event of `counter`.
    fn event(&self, counter: usize) -> EventLog {
        let events = self.events.borrow();
        let mut live = events
            .iter()
            .filter(|e| e.counter == counter && !e.released);
        let e = live.next().expect("no live event").clone();
        assert!(live.next().is_none(), "two live events on {counter}");
        e
    }

    fn has_event(&self, counter: usize) -> bool {
        self.events
            .borrow()
            .iter()
            .any(|e| e.counter == counter && !e.released)
    }

    /// `n` more events counted on `counter`'s live event.
    fn advance(&self, counter: usize, n: u64) {
        let mut events = self.events.borrow_mut();
        let e = events
            .iter_mut()
            .find(|e| e.counter == counter && !e.released)
            .expect("no live event");
        e.count += n;
    }

    fn offset(gpa: u64) -> usize {
        (gpa - RAM) as usize
    }

    fn put(&mut self, gpa: u64, value: u64) {
        let o = Self::offset(gpa);
        self.mem[o..o + 8].copy_from_slice(&value.to_le_bytes());
    }

    fn get(&self, gpa: u64) -> u64 {
        let o = Self::offset(gpa);
        u64::from_le_bytes(self.mem[o..o + 8].try_into().unwrap())
    }
}

impl PmuHost for FakeHost {
    type Event = FakeEvent;

    fn create_event(&mut self, counter: usize, attr: &PerfAttr) -> Result<FakeEvent, ()> {
        let live = self
            .events
            .borrow()
            .iter()
            .filter(|e| e.counter == counter && !e.released)
            .count();
        self.live_at_create.push(live);
        if self.fail_create {
            return Err(());
        }
        let mut events = self.events.borrow_mut();
        events.push(EventLog {
            counter,
            attr: *attr,
            enabled: false,
            enables: 0,
            periods: Vec::new(),
            count: 0,
            pauses: 0,
            released: false,
        });
        Ok(FakeEvent {
            id: events.len() - 1,
            events: self.events.clone(),
        })
    }

    fn writable(&mut self, gpa: u64) -> bool {
        (RAM..ROM).contains(&gpa)
    }

    /// Reads up to the end of RAM; past it, the part before is read and
    /// the read fails, like `kvm_vcpu_read_guest()`.
    fn read_guest(&mut self, gpa: u64, buf: &mut [u8]) -> Result<(), ()> {
        self.reads.push((gpa, buf.len()));
        if self.fail_read || gpa < RAM {
            return Err(());
        }
        for (k, b) in buf.iter_mut().enumerate() {
            let at = gpa + k as u64;
            if at >= RAM_END {
                return Err(());
            }
            *b = self.mem[Self::offset(at)];
        }
        Ok(())
    }

    /// Writes up to the read-only page; from there, fails.
    fn write_guest(&mut self, gpa: u64, buf: &[u8]) -> Result<(), ()> {
        self.writes.push((gpa, buf.len()));
        if self.fail_write || gpa < RAM {
            return Err(());
        }
        for (k, b) in buf.iter().enumerate() {
            let at = gpa.checked_add(k as u64).ok_or(())?;
            if at >= ROM {
                return Err(());
            }
            self.mem[Self::offset(at)] = *b;
        }
        Ok(())
    }
}

/// Counter width field of the host's programmable counters.
const HPM_WIDTH: u32 = 47;
/// The host's hardware counters: `num_hw` is one more.
const HOST_CTRS: u32 = 6;
const NUM_HW: usize = 7;
/// The first firmware counter.
const FW0: usize = NUM_HW;
const NUM: usize = NUM_HW + FW_MAX;

/// A vCPU's PMU with its host and overflow bitmap.
struct Rig {
    pmu: Pmu<FakeEvent>,
    host: FakeHost,
    ovf: AtomicU64,
}

impl Rig {
    fn new() -> Self {
        Self::with(Pmu::new(HPM_WIDTH, HOST_CTRS))
    }

    fn with(pmu: Pmu<FakeEvent>) -> Self {
        Rig {
            pmu,
            host: FakeHost::new(),
            ovf: AtomicU64::new(0),
        }
    }

    fn call(&mut self, call: PmuCall) -> SbiRet {
        self.pmu.call(&mut self.host, &self.ovf, &call)
    }

    fn cfg(&mut self, base: u64, mask: u64, flags: u64, event_idx: u64, event_data: u64) -> SbiRet {
        self.call(PmuCall::CounterCfgMatch {
            base,
            mask,
            flags,
            event_idx,
            event_data,
        })
    }

    /// Configures `eidx` on exactly counter `idx`, which it must get.
    fn cfg_on(&mut self, idx: usize, flags: u64, eidx: u64) {
        assert_eq!(self.cfg(idx as u64, 1, flags, eidx, 0), ok(idx as u64));
    }

    fn start(&mut self, base: u64, mask: u64, flags: u64, initial: u64) -> SbiRet {
        self.call(PmuCall::CounterStart {
            base,
            mask,
            flags,
            initial,
        })
    }

    fn stop(&mut self, base: u64, mask: u64, flags: u64) -> SbiRet {
        self.call(PmuCall::CounterStop { base, mask, flags })
    }

    fn read(&mut self, counter: u64) -> SbiRet {
        self.call(PmuCall::CounterFwRead { counter })
    }

    fn info(&mut self, counter: u64) -> SbiRet {
        self.call(PmuCall::CounterGetInfo { counter })
    }

    fn shmem(&mut self, lo: u64, hi: u64, flags: u64) -> SbiRet {
        self.call(PmuCall::SnapshotSetShmem { lo, hi, flags })
    }

    fn overflow(&self, idx: usize) {
        self.ovf.fetch_or(1 << idx, Ordering::Relaxed);
    }

    fn reset(&mut self) {
        self.pmu.reset(&self.ovf);
    }
}

fn ok(value: u64) -> SbiRet {
    SbiRet::ok(value)
}

fn err(error: i64) -> SbiRet {
    SbiRet::err(error)
}

fn hw(code: u64) -> u64 {
    (SBI_PMU_EVENT_TYPE_HW << 16) | code
}

fn cache(code: u64) -> u64 {
    (SBI_PMU_EVENT_TYPE_CACHE << 16) | code
}

fn raw() -> u64 {
    SBI_PMU_EVENT_TYPE_RAW << 16
}

fn fw(code: u32) -> u64 {
    (SBI_PMU_EVENT_TYPE_FW << 16) | u64::from(code)
}

const CYCLES: u64 = SBI_PMU_HW_CPU_CYCLES;
const INSNS: u64 = SBI_PMU_HW_INSTRUCTIONS;
const MISSES: u64 = SBI_PMU_HW_CACHE_MISSES;
const ALL: u64 = u64::MAX;
/// Every counter, from base 0.
const EVERY: u64 = (1 << NUM) - 1;
const HPM_MASK: u64 = (1 << 48) - 1;

/// Every call once, with arguments that would succeed on a PMU.
fn every_call() -> [PmuCall; 7] {
    [
        PmuCall::NumCounters,
        PmuCall::CounterGetInfo { counter: 0 },
        PmuCall::CounterCfgMatch {
            base: 0,
            mask: 1,
            flags: 0,
            event_idx: hw(CYCLES),
            event_data: 0,
        },
        PmuCall::CounterStart {
            base: 0,
            mask: 1,
            flags: 0,
            initial: 0,
        },
        PmuCall::CounterStop {
            base: 0,
            mask: 1,
            flags: 0,
        },
        PmuCall::CounterFwRead { counter: 0 },
        PmuCall::SnapshotSetShmem {
            lo: RAM,
            hi: 0,
            flags: 0,
        },
    ]
}

// Tests of the numbers.

#[test]
fn numbers_match_the_headers() {
    assert_eq!(
        (MAX_HW_CTRS, MAX_FW_CTRS, MAX_COUNTERS, FW_MAX),
        (32, 32, 64, 22)
    );
    // SBI_PMU_FW_MAX follows SBI_PMU_FW_HFENCE_VVMA_ASID_RCVD = 21.
    assert_eq!(FW_MAX, 21 + 1);
    assert_eq!(SBI_PMU_EVENT_IDX_TYPE_MASK, 0xf0000);
    assert_eq!(SBI_PMU_EVENT_IDX_CODE_MASK, 0xffff);
    assert_eq!(SBI_PMU_EVENT_IDX_INVALID, 0xffff_ffff);
    assert_eq!(
        [
            SBI_PMU_EVENT_TYPE_HW,
            SBI_PMU_EVENT_TYPE_CACHE,
            SBI_PMU_EVENT_TYPE_RAW,
            SBI_PMU_EVENT_TYPE_FW
        ],
        [0, 1, 2, 15]
    );
    assert_eq!(
        [
            SBI_PMU_HW_NO_EVENT,
            SBI_PMU_HW_CPU_CYCLES,
            SBI_PMU_HW_INSTRUCTIONS,
            SBI_PMU_HW_CACHE_REFERENCES,
            SBI_PMU_HW_CACHE_MISSES,
            SBI_PMU_HW_BRANCH_INSTRUCTIONS,
            SBI_PMU_HW_BRANCH_MISSES,
            SBI_PMU_HW_BUS_CYCLES,
            SBI_PMU_HW_STALLED_CYCLES_FRONTEND,
            SBI_PMU_HW_STALLED_CYCLES_BACKEND,
            SBI_PMU_HW_REF_CPU_CYCLES,
            SBI_PMU_HW_GENERAL_MAX
        ],
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]
    );
    assert_eq!(SBI_PMU_EVENT_CACHE_ID_CODE_MASK, 0xfff8);
    assert_eq!(SBI_PMU_EVENT_CACHE_OP_ID_CODE_MASK, 0x6);
    assert_eq!(SBI_PMU_EVENT_CACHE_RESULT_ID_CODE_MASK, 0x1);
    assert_eq!(
        [
            SBI_PMU_CFG_FLAG_SKIP_MATCH,
            SBI_PMU_CFG_FLAG_CLEAR_VALUE,
            SBI_PMU_CFG_FLAG_AUTO_START,
            SBI_PMU_CFG_FLAG_SET_VUINH,
            SBI_PMU_CFG_FLAG_SET_VSINH,
            SBI_PMU_CFG_FLAG_SET_UINH,
            SBI_PMU_CFG_FLAG_SET_SINH,
            SBI_PMU_CFG_FLAG_SET_MINH
        ],
        [1, 2, 4, 8, 16, 32, 64, 128]
    );
    assert_eq!(SBI_PMU_START_FLAG_SET_INIT_VALUE, 1);
    assert_eq!(SBI_PMU_START_FLAG_INIT_SNAPSHOT, 2);
    assert_eq!(SBI_PMU_STOP_FLAG_RESET, 1);
    assert_eq!(SBI_PMU_STOP_FLAG_TAKE_SNAPSHOT, 2);
    assert_eq!(RISCV_PMU_RAW_EVENT_MASK, 0xffff_ffff_ffff);
    assert_eq!(RISCV_PMU_CONFIG1_GUEST_EVENTS, 1);
    // perf's UAPI.
    assert_eq!(
        [
            PERF_TYPE_HARDWARE,
            PERF_TYPE_HW_CACHE,
            PERF_TYPE_RAW,
            PERF_TYPE_MAX
        ],
        [0, 3, 4, 6]
    );
    assert_eq!(
        [
            PERF_COUNT_HW_CPU_CYCLES,
            PERF_COUNT_HW_INSTRUCTIONS,
            PERF_COUNT_HW_CACHE_REFERENCES,
            PERF_COUNT_HW_CACHE_MISSES,
            PERF_COUNT_HW_BRANCH_INSTRUCTIONS,
            PERF_COUNT_HW_BRANCH_MISSES,
            PERF_COUNT_HW_BUS_CYCLES,
            PERF_COUNT_HW_STALLED_CYCLES_FRONTEND,
            PERF_COUNT_HW_STALLED_CYCLES_BACKEND,
            PERF_COUNT_HW_REF_CPU_CYCLES
        ],
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
    );
    assert_eq!(
        (
            PERF_COUNT_HW_CACHE_MAX,
            PERF_COUNT_HW_CACHE_OP_MAX,
            PERF_COUNT_HW_CACHE_RESULT_MAX
        ),
        (7, 3, 2)
    );
    // struct riscv_pmu_snapshot_data: mask, 64 values, 447 reserved words.
    assert_eq!(SNAPSHOT_AREA_SIZE, 8 + 64 * 8 + 447 * 8);
    assert_eq!(SNAPSHOT_BYTES, 520);
}

#[test]
fn counter_info_encoding() {
    let info = CounterInfo::hw(0xc03, 47);
    assert_eq!(info.0, 0xc03 | (47 << 12));
    assert_eq!((info.csr(), info.width(), info.is_fw()), (0xc03, 47, false));
    let info = CounterInfo::fw(63);
    assert_eq!(info.0, (1 << 63) | (63 << 12));
    assert_eq!((info.csr(), info.width(), info.is_fw()), (0, 63, true));
    // Bitfields keep their low bits.
    assert_eq!(CounterInfo::hw(0x1c05, 64 + 5).0, 0xc05 | (5 << 12));
    assert_eq!(CounterInfo::NONE.0, 0);
}

#[test]
fn sample_period_is_what_is_left_until_the_counter_wraps() {
    assert_eq!(sample_period(63, 0), u64::MAX);
    assert_eq!(sample_period(63, 1), u64::MAX);
    assert_eq!(sample_period(63, u64::MAX - 9), 10);
    assert_eq!(sample_period(47, 0), HPM_MASK);
    assert_eq!(sample_period(47, HPM_MASK - 99), 100);
    // Only the counter's bits count: 2^48 wraps to a period of 0.
    assert_eq!(sample_period(47, 1 << 48), 0);
    assert_eq!(sample_period(0, 0), 1);
    assert_eq!(sample_period(0, 1), 1);
}

#[test]
fn event_index_fields() {
    assert_eq!(event_type(0xf_0005), SBI_PMU_EVENT_TYPE_FW);
    assert_eq!(event_code(0xf_0005), 5);
    // Bits past the 20-bit index are ignored.
    assert_eq!(event_type(0xfff0_0000_0002_0001), SBI_PMU_EVENT_TYPE_RAW);
    assert_eq!(event_code(0xfff0_0000_0002_0001), 1);
    assert!(is_fw_event(fw(0)));
    assert!(!is_fw_event(raw()));
    assert_eq!(event_code(SBI_PMU_EVENT_IDX_INVALID), 0xffff);
    assert_eq!(event_type(SBI_PMU_EVENT_IDX_INVALID), 0xf);
}

#[test]
fn perf_type_of_each_event_type() {
    assert_eq!(perf_type(hw(CYCLES)), PERF_TYPE_HARDWARE);
    assert_eq!(perf_type(cache(0)), PERF_TYPE_HW_CACHE);
    assert_eq!(perf_type(raw()), PERF_TYPE_RAW);
    assert_eq!(perf_type(fw(0)), PERF_TYPE_RAW);
    for t in 3..15 {
        assert_eq!(perf_type(t << 16), PERF_TYPE_MAX, "type {t}");
    }
}

#[test]
fn perf_config_of_hardware_events_and_the_unset_entry_zero() {
    // hw_event_perf_map[0] is left zero: CPU_CYCLES.
    assert_eq!(perf_config(hw(SBI_PMU_HW_NO_EVENT), 0), 0);
    for code in 1..=10 {
        assert_eq!(perf_config(hw(code), 0), code - 1, "code {code}");
    }
    assert_eq!(perf_config(hw(11), 0), PERF_CONFIG_INVALID);
    assert_eq!(perf_config(hw(0xffff), 0), PERF_CONFIG_INVALID);
}

#[test]
fn perf_config_of_cache_raw_and_firmware_events() {
    // LL (2), write (1), miss (1).
    assert_eq!(
        cache_config((2 << 3) | (1 << 1) | 1),
        2 | (1 << 8) | (1 << 16)
    );
    assert_eq!(perf_config(cache((6 << 3) | (2 << 1)), 0), 6 | (2 << 8));
    // Cache 7 and operation 3 are not perf's.
    assert_eq!(cache_config(7 << 3), PERF_CONFIG_INVALID);
    assert_eq!(cache_config(3 << 1), PERF_CONFIG_INVALID);
    assert_eq!(cache_config(0xffff), PERF_CONFIG_INVALID);
    // Raw events keep 48 bits of the data.
    assert_eq!(perf_config(raw(), u64::MAX), HPM_MASK);
    assert_eq!(perf_config(raw() | 0x1234, 0x55), 0x55);
    assert_eq!(perf_config(fw(21), 0), (1 << 63) | 21);
    assert_eq!(perf_config(fw(22), 0), PERF_CONFIG_INVALID);
    assert_eq!(perf_config(3 << 16, 0), PERF_CONFIG_INVALID);
}

#[test]
fn only_cycles_and_instructions_have_fixed_counters() {
    assert_eq!(fixed_counter(hw(CYCLES)), Some(0));
    assert_eq!(fixed_counter(hw(INSNS)), Some(2));
    assert_eq!(fixed_counter(hw(0)), None);
    assert_eq!(fixed_counter(hw(MISSES)), None);
    assert_eq!(fixed_counter(cache(CYCLES)), None);
    assert_eq!(fixed_counter(fw(1)), None);
}

#[test]
fn snapshot_bytes_round_trip_little_endian() {
    let mut s = Snapshot::ZERO;
    s.overflow_mask = 0x0102_0304_0506_0708;
    for (i, v) in s.values.iter_mut().enumerate() {
        *v = (i as u64) << 32 | 0xab;
    }
    let bytes = s.to_bytes();
    assert_eq!(bytes[..8], [8, 7, 6, 5, 4, 3, 2, 1]);
    assert_eq!(bytes[8..16], 0xab_u64.to_le_bytes());
    assert_eq!(bytes[512..520], (63u64 << 32 | 0xab).to_le_bytes());
    assert_eq!(Snapshot::from_bytes(&bytes), s);
    assert_eq!(Snapshot::from_bytes(&[0; SNAPSHOT_BYTES]), Snapshot::ZERO);
}

// Tests of setting up the PMU.

#[test]
fn disabled_pmu_answers_not_supported_to_every_call() {
    let mut rig = Rig::with(Pmu::disabled());
    assert!(!rig.pmu.init_done());
    assert_eq!(rig.pmu.num_counters(), 0);
    for call in every_call() {
        assert_eq!(rig.call(call), err(SBI_ERR_NOT_SUPPORTED), "{call:?}");
    }
    assert_eq!(rig.host.live(), 0);
    assert!(rig.host.writes.is_empty());
    let default: Pmu<FakeEvent> = Pmu::default();
    assert!(!default.init_done());
}

#[test]
fn new_lays_the_counters_out_like_upstream() {
    let mut rig = Rig::new();
    assert!(rig.pmu.init_done());
    assert_eq!(rig.pmu.num_counters(), NUM);
    assert_eq!(rig.call(PmuCall::NumCounters), ok(NUM as u64));
    for (i, width) in [(0, 63), (2, 63), (3, HPM_WIDTH), (6, HPM_WIDTH)] {
        let want = CounterInfo::hw(0xc00 + i as u16, width);
        assert_eq!(rig.info(i), ok(want.0), "counter {i}");
    }
    for i in FW0..NUM {
        assert_eq!(rig.info(i as u64), ok(CounterInfo::fw(63).0), "counter {i}");
    }
    // The time slot is never a counter.
    assert_eq!(rig.info(1), err(SBI_ERR_INVALID_PARAM));
}

#[test]
fn new_caps_hardware_counters_at_32() {
    for host in [31, 32, 40, u32::MAX] {
        let pmu: Pmu<FakeEvent> = Pmu::new(HPM_WIDTH, host);
        assert_eq!(pmu.num_counters(), MAX_HW_CTRS + FW_MAX, "{host}");
    }
    let mut rig = Rig::with(Pmu::new(HPM_WIDTH, 31));
    assert_eq!(rig.info(31), ok(CounterInfo::hw(0xc1f, HPM_WIDTH).0));
    assert_eq!(rig.info(32), ok(CounterInfo::fw(63).0));
    assert_eq!(rig.info(53), ok(CounterInfo::fw(63).0));
    assert_eq!(rig.info(54), err(SBI_ERR_INVALID_PARAM));
}

#[test]
fn new_keeps_the_low_six_bits_of_the_width() {
    let mut rig = Rig::with(Pmu::new(64 + 31, HOST_CTRS));
    assert_eq!(rig.info(3), ok(CounterInfo::hw(0xc03, 31).0));
    assert_eq!(rig.info(0), ok(CounterInfo::hw(0xc00, 63).0));
}

// Tests of counter_get_info.

#[test]
fn counter_info_rejects_every_index_that_is_no_counter() {
    let mut rig = Rig::new();
    // Upstream answers 0 up to 64 and reads pmc[64] at 64.
    for cidx in [1, NUM as u64, 63, 64, 65, 1 << 32, u64::MAX] {
        assert_eq!(rig.info(cidx), err(SBI_ERR_INVALID_PARAM), "{cidx}");
    }
    assert_eq!(rig.info(NUM as u64 - 1), ok(CounterInfo::fw(63).0));
}

// Tests of counter_config_matching.

#[test]
fn cfg_match_rejects_masks_naming_no_counter() {
    let mut rig = Rig::new();
    let n = NUM as u64;
    for (base, mask) in [
        (0, 0),
        (n, 1),
        (0, 1 << n),
        (n - 1, 2),
        (u64::MAX, 1),
        // base + fls wraps to 0 upstream, which then accepts it.
        (u64::MAX, 2),
        (u64::MAX - 62, 1 << 63),
        (1 << 32, 1),
    ] {
        assert_eq!(
            rig.cfg(base, mask, 0, hw(MISSES), 0),
            err(SBI_ERR_INVALID_PARAM),
            "{base:#x} {mask:#x}"
        );
        assert_eq!(rig.start(base, mask, 0, 0), err(SBI_ERR_INVALID_PARAM));
        assert_eq!(rig.stop(base, mask, 0), err(SBI_ERR_INVALID_PARAM));
    }
    assert_eq!(rig.host.live(), 0);
    assert!(rig.host.live_at_create.is_empty());
}

#[test]
fn cfg_match_gives_cycles_and_instructions_counters_0_and_2_whatever_the_mask() {
    let mut rig = Rig::new();
    assert_eq!(rig.cfg(5, 1, 0, hw(CYCLES), 0), ok(0));
    assert_eq!(rig.cfg(FW0 as u64, 1, 0, hw(INSNS), 0), ok(2));
    let e = rig.host.event(0);
    assert_eq!(
        e.attr,
        PerfAttr {
            kind: PERF_TYPE_HARDWARE,
            config: PERF_COUNT_HW_CPU_CYCLES,
            sample_period: u64::MAX,
            exclude_user: false,
            exclude_kernel: false,
        }
    );
    assert!(!e.enabled);
    assert_eq!(rig.host.event(2).attr.config, PERF_COUNT_HW_INSTRUCTIONS);
    // In use already: the same counter, with a new event.
    assert_eq!(rig.cfg(0, ALL >> 40, 0, hw(CYCLES), 0), ok(0));
    assert_eq!(rig.host.live(), 2);
}

#[test]
fn cfg_match_picks_the_first_free_programmable_counter_of_the_mask() {
    let mut rig = Rig::new();
    assert_eq!(rig.cfg(0, ALL >> 40, 0, hw(MISSES), 0), ok(3));
    assert_eq!(rig.cfg(0, ALL >> 40, 0, cache(0), 0), ok(4));
    assert_eq!(rig.cfg(0, 1 << 6 | 1 << 5, 0, raw(), 7), ok(5));
    assert_eq!(
        rig.cfg(4, 0b11, 0, hw(MISSES), 0),
        err(SBI_ERR_NOT_SUPPORTED)
    );
    assert_eq!(rig.cfg(4, 0b111, 0, hw(MISSES), 0), ok(6));
    // Counters 0..3 are the fixed ones, firmware counters are not
    // hardware ones, and counters 3..7 are all in use.
    assert_eq!(
        rig.cfg(0, 0b111, 0, hw(MISSES), 0),
        err(SBI_ERR_NOT_SUPPORTED)
    );
    assert_eq!(
        rig.cfg(0, ALL >> 40, 0, hw(MISSES), 0),
        err(SBI_ERR_NOT_SUPPORTED)
    );
    assert_eq!(
        rig.cfg(FW0 as u64, 1, 0, hw(MISSES), 0),
        err(SBI_ERR_NOT_SUPPORTED)
    );
    let e = rig.host.event(4);
    assert_eq!((e.attr.kind, e.attr.config), (PERF_TYPE_HW_CACHE, 0));
    let e = rig.host.event(5);
    assert_eq!((e.attr.kind, e.attr.config), (PERF_TYPE_RAW, 7));
    assert_eq!(e.attr.sample_period, HPM_MASK);
}

#[test]
fn cfg_match_puts_firmware_events_on_firmware_counters_without_perf() {
    let mut rig = Rig::new();
    assert_eq!(
        rig.cfg(0, EVERY, 0, fw(SBI_PMU_FW_SET_TIMER), 0),
        ok(FW0 as u64)
    );
    assert_eq!(
        rig.cfg(0, EVERY, 0, fw(SBI_PMU_FW_SET_TIMER), 0),
        ok(FW0 as u64 + 1)
    );
    // Hardware counters are not firmware ones.
    assert_eq!(rig.cfg(0, 0b1111, 0, fw(0), 0), err(SBI_ERR_NOT_SUPPORTED));
    assert_eq!(rig.host.live(), 0);
    assert!(rig.host.live_at_create.is_empty());
}

#[test]
fn cfg_match_rejects_firmware_events_past_fw_max() {
    let mut rig = Rig::new();
    for code in [FW_MAX as u32, 31, 0xffff] {
        assert_eq!(
            rig.cfg(0, EVERY, 0, fw(code), 0),
            err(SBI_ERR_NOT_SUPPORTED)
        );
    }
    assert_eq!(rig.cfg(0, EVERY, 0, fw(21), 0), ok(FW0 as u64));
}

#[test]
fn cfg_match_skip_match_needs_the_first_counter_of_the_mask_in_use() {
    let mut rig = Rig::new();
    let skip = SBI_PMU_CFG_FLAG_SKIP_MATCH;
    assert_eq!(rig.cfg(3, 0b10, skip, hw(MISSES), 0), err(SBI_ERR_FAILURE));
    rig.cfg_on(4, 0, hw(MISSES));
    // The first set bit names counter 4; the others do not matter.
    assert_eq!(rig.cfg(3, 0b1110, skip, raw(), 9), ok(4));
    let e = rig.host.event(4);
    assert_eq!((e.attr.kind, e.attr.config), (PERF_TYPE_RAW, 9));
    // The old event was released before the new one was created.
    assert_eq!(rig.host.live_at_create, [0, 0]);
    assert_eq!(rig.host.live(), 1);
}

#[test]
fn cfg_match_skip_match_takes_any_counter_in_use_whatever_its_type() {
    let mut rig = Rig::new();
    let skip = SBI_PMU_CFG_FLAG_SKIP_MATCH;
    rig.cfg_on(3, 0, hw(MISSES));
    // A firmware event on a hardware counter keeps its perf event, which
    // counter_start then starts.
    assert_eq!(rig.cfg(3, 1, skip, fw(SBI_PMU_FW_IPI_SENT), 0), ok(3));
    assert!(rig.host.has_event(3));
    assert_eq!(rig.start(3, 1, 0, 0), ok(0));
    assert!(rig.host.event(3).enabled);
    // A hardware event on a firmware counter gets a perf event, but the
    // counter counts as a firmware one: event code 4 is firmware event 4.
    rig.cfg_on(FW0, 0, fw(0));
    assert_eq!(rig.cfg(FW0 as u64, 1, skip, hw(MISSES), 0), ok(FW0 as u64));
    assert!(rig.host.has_event(FW0));
    assert_eq!(
        rig.start(FW0 as u64, 1, SBI_PMU_START_FLAG_SET_INIT_VALUE, 40),
        ok(0)
    );
    rig.pmu.incr_fw(MISSES as u32);
    assert_eq!(rig.read(FW0 as u64), ok(41));
    assert!(!rig.host.event(FW0).enabled);
}

#[test]
fn cfg_match_creation_failure_is_not_supported_and_leaves_no_event() {
    let mut rig = Rig::new();
    rig.host.fail_create = true;
    assert_eq!(
        rig.cfg(0, ALL >> 40, 0, hw(MISSES), 0),
        err(SBI_ERR_NOT_SUPPORTED)
    );
    // Not in use: the next one gets the same counter.
    rig.host.fail_create = false;
    assert_eq!(rig.cfg(0, ALL >> 40, 0, hw(MISSES), 0), ok(3));
    // A failed reconfiguration keeps the counter in use, its old event
    // released: starting it is then invalid.
    rig.host.fail_create = true;
    assert_eq!(
        rig.cfg(3, 1, SBI_PMU_CFG_FLAG_SKIP_MATCH, hw(MISSES), 0),
        err(SBI_ERR_NOT_SUPPORTED)
    );
    assert_eq!(rig.host.live(), 0);
    assert_eq!(rig.start(3, 1, 0, 0), err(SBI_ERR_INVALID_PARAM));
    assert_eq!(rig.read(3), err(SBI_ERR_INVALID_PARAM));
    assert_eq!(
        rig.stop(3, 1, SBI_PMU_STOP_FLAG_RESET),
        err(SBI_ERR_INVALID_PARAM)
    );
    // The reset still freed it.
    rig.host.fail_create = false;
    assert_eq!(rig.cfg(3, 1, 0, hw(MISSES), 0), ok(3));
}

#[test]
fn cfg_match_passes_unknown_event_types_to_perf_as_type_max() {
    let mut rig = Rig::new();
    assert_eq!(rig.cfg(0, ALL >> 40, 0, 3 << 16, 0), ok(3));
    let e = rig.host.event(3);
    assert_eq!(
        (e.attr.kind, e.attr.config),
        (PERF_TYPE_MAX, PERF_CONFIG_INVALID)
    );
    assert_eq!(rig.cfg(0, ALL >> 40, 0, hw(11), 0), ok(4));
    let e = rig.host.event(4);
    assert_eq!(
        (e.attr.kind, e.attr.config),
        (PERF_TYPE_HARDWARE, PERF_CONFIG_INVALID)
    );
}

#[test]
fn cfg_match_mode_flags_set_exclude_user_and_kernel_only() {
    let mut rig = Rig::new();
    let ignored =
        SBI_PMU_CFG_FLAG_SET_VUINH | SBI_PMU_CFG_FLAG_SET_VSINH | SBI_PMU_CFG_FLAG_SET_MINH;
    for (flags, user, kernel) in [
        (ignored, false, false),
        (SBI_PMU_CFG_FLAG_SET_UINH, true, false),
        (SBI_PMU_CFG_FLAG_SET_SINH, false, true),
        (
            SBI_PMU_CFG_FLAG_SET_UINH | SBI_PMU_CFG_FLAG_SET_SINH,
            true,
            true,
        ),
    ] {
        assert_eq!(rig.cfg(0, 1, flags, hw(CYCLES), 0), ok(0));
        let e = rig.host.event(0);
        assert_eq!(
            (e.attr.exclude_user, e.attr.exclude_kernel),
            (user, kernel),
            "{flags:#x}"
        );
    }
}

#[test]
fn cfg_match_first_period_follows_the_value_unless_cleared() {
    let mut rig = Rig::new();
    rig.cfg_on(3, 0, hw(MISSES));
    let set = SBI_PMU_START_FLAG_SET_INIT_VALUE;
    assert_eq!(rig.start(3, 1, set, HPM_MASK - 99), ok(0));
    assert_eq!(rig.stop(3, 1, 0), ok(0));
    // Reconfigured without CLEAR_VALUE: the value stays.
    assert_eq!(
        rig.cfg(3, 1, SBI_PMU_CFG_FLAG_SKIP_MATCH, hw(MISSES), 0),
        ok(3)
    );
    assert_eq!(rig.host.event(3).attr.sample_period, 100);
    assert_eq!(rig.read(3), ok(HPM_MASK - 99));
    let flags = SBI_PMU_CFG_FLAG_SKIP_MATCH | SBI_PMU_CFG_FLAG_CLEAR_VALUE;
    assert_eq!(rig.cfg(3, 1, flags, hw(MISSES), 0), ok(3));
    assert_eq!(rig.host.event(3).attr.sample_period, HPM_MASK);
    assert_eq!(rig.read(3), ok(0));
}

#[test]
fn cfg_match_auto_start_enables_the_event_without_starting_the_counter() {
    let mut rig = Rig::new();
    assert_eq!(
        rig.cfg(0, 1, SBI_PMU_CFG_FLAG_AUTO_START, hw(CYCLES), 0),
        ok(0)
    );
    let e = rig.host.event(0);
    assert!(e.enabled);
    assert_eq!(e.enables, 1);
    // The counter is not marked started: stop says so and leaves it
    // counting, start enables it again.
    assert_eq!(rig.stop(0, 1, 0), err(SBI_ERR_ALREADY_STOPPED));
    assert!(rig.host.event(0).enabled);
    assert_eq!(rig.start(0, 1, 0, 0), ok(0));
    assert_eq!(rig.host.event(0).enables, 2);
}

#[test]
fn cfg_match_auto_start_starts_a_firmware_event() {
    let mut rig = Rig::new();
    let ev = fw(SBI_PMU_FW_SET_TIMER);
    assert_eq!(
        rig.cfg(0, EVERY, SBI_PMU_CFG_FLAG_AUTO_START, ev, 0),
        ok(FW0 as u64)
    );
    rig.pmu.incr_fw(SBI_PMU_FW_SET_TIMER);
    rig.pmu.incr_fw(SBI_PMU_FW_SET_TIMER);
    assert_eq!(rig.read(FW0 as u64), ok(2));
    // CLEAR_VALUE does nothing to a firmware event.
    let flags = SBI_PMU_CFG_FLAG_SKIP_MATCH | SBI_PMU_CFG_FLAG_CLEAR_VALUE;
    assert_eq!(rig.cfg(FW0 as u64, 1, flags, ev, 0), ok(FW0 as u64));
    assert_eq!(rig.read(FW0 as u64), ok(2));
    assert_eq!(rig.start(FW0 as u64, 1, 0, 0), err(SBI_ERR_ALREADY_STARTED));
}

#[test]
fn cfg_match_instructions_on_a_host_with_one_counter_land_on_a_firmware_slot() {
    // num_hw = 2: counter 2 is the first firmware counter, yet the fixed
    // mapping still gives it to instructions, with a perf event.
    let mut rig = Rig::with(Pmu::new(HPM_WIDTH, 1));
    assert_eq!(rig.pmu.num_counters(), 2 + FW_MAX);
    assert_eq!(rig.info(2), ok(CounterInfo::fw(63).0));
    assert_eq!(rig.cfg(0, 1, 0, hw(INSNS), 0), ok(2));
    assert!(rig.host.has_event(2));
    // As a firmware counter it counts firmware event 2 (the code).
    assert_eq!(rig.start(2, 1, 0, 0), ok(0));
    rig.pmu.incr_fw(2);
    assert_eq!(rig.read(2), ok(1));
    // No hardware counter is programmable.
    assert_eq!(
        rig.cfg(0, 0b11, 0, hw(MISSES), 0),
        err(SBI_ERR_NOT_SUPPORTED)
    );
}

// Tests of counter_start.

#[test]
fn start_sets_the_period_and_enables_the_event() {
    let mut rig = Rig::new();
    rig.cfg_on(3, 0, hw(MISSES));
    assert_eq!(rig.start(3, 1, 0, 0), ok(0));
    let e = rig.host.event(3);
    assert!(e.enabled);
    assert_eq!(e.periods, [HPM_MASK]);
    rig.host.advance(3, 5);
    assert_eq!(rig.read(3), ok(5));
    assert_eq!(rig.pmu.read_hpm(0xc03, 0), Ok(5));
}

#[test]
fn start_with_an_initial_value_counts_from_it() {
    let mut rig = Rig::new();
    rig.cfg_on(0, 0, hw(CYCLES));
    rig.cfg_on(3, 0, hw(MISSES));
    let set = SBI_PMU_START_FLAG_SET_INIT_VALUE;
    assert_eq!(rig.start(0, 0b1001, set, u64::MAX - 9), ok(0));
    assert_eq!(rig.host.event(0).periods, [10]);
    // The same value in the 48-bit counter leaves the same 10 events.
    assert_eq!(rig.host.event(3).periods, [10]);
    rig.host.advance(0, 4);
    assert_eq!(rig.read(0), ok(u64::MAX - 5));
    // The sum wraps as upstream's.
    rig.host.advance(0, 10);
    assert_eq!(rig.read(0), ok(4));
}

#[test]
fn start_skips_counters_not_in_use_and_errors_do_not_stop_the_loop() {
    let mut rig = Rig::new();
    rig.cfg_on(0, 0, hw(CYCLES));
    rig.cfg_on(3, 0, hw(MISSES));
    rig.cfg_on(4, 0, hw(MISSES));
    assert_eq!(rig.start(3, 1, 0, 0), ok(0));
    // 0 and 4 start; 3 was started; 5 and 6 are not in use.
    assert_eq!(rig.start(0, 0b111_1001, 0, 0), err(SBI_ERR_ALREADY_STARTED));
    assert!(rig.host.event(0).enabled);
    assert!(rig.host.event(4).enabled);
    assert_eq!(rig.host.event(3).periods.len(), 1);
    assert_eq!(rig.start(5, 0b11, 0, 0), ok(0));
}

#[test]
fn start_takes_the_last_error_of_the_loop() {
    let mut rig = Rig::new();
    rig.cfg_on(3, 0, hw(MISSES));
    rig.cfg_on(4, 0, hw(MISSES));
    assert_eq!(rig.start(3, 1, 0, 0), ok(0));
    rig.host.fail_create = true;
    let _ = rig.cfg(4, 1, SBI_PMU_CFG_FLAG_SKIP_MATCH, hw(MISSES), 0);
    // 3: already started, then 4: no event, invalid.
    assert_eq!(rig.start(3, 0b11, 0, 0), err(SBI_ERR_INVALID_PARAM));
}

#[test]
fn start_clears_the_overflow_bit_of_each_counter_it_starts() {
    let mut rig = Rig::new();
    rig.cfg_on(3, 0, hw(MISSES));
    rig.overflow(3);
    rig.overflow(4);
    assert_eq!(rig.start(3, 0b11, 0, 0), ok(0));
    // 4 is not in use: untouched.
    assert_eq!(rig.ovf.load(Ordering::Relaxed), 1 << 4);
    // Also when the counter was already started.
    rig.overflow(3);
    assert_eq!(rig.start(3, 1, 0, 0), err(SBI_ERR_ALREADY_STARTED));
    assert_eq!(rig.ovf.load(Ordering::Relaxed), 1 << 4);
}

#[test]
fn start_of_a_firmware_counter_counts_from_its_value() {
    let mut rig = Rig::new();
    rig.cfg_on(FW0, 0, fw(SBI_PMU_FW_IPI_SENT));
    rig.pmu.incr_fw(SBI_PMU_FW_IPI_SENT);
    assert_eq!(rig.read(FW0 as u64), ok(0));
    let set = SBI_PMU_START_FLAG_SET_INIT_VALUE;
    assert_eq!(rig.start(FW0 as u64, 1, set, 100), ok(0));
    rig.pmu.incr_fw(SBI_PMU_FW_IPI_SENT);
    assert_eq!(rig.read(FW0 as u64), ok(101));
    // A second counter of the same event shares it, already started.
    rig.cfg_on(FW0 + 1, 0, fw(SBI_PMU_FW_IPI_SENT));
    assert_eq!(
        rig.start(FW0 as u64 + 1, 1, set, 7),
        err(SBI_ERR_ALREADY_STARTED)
    );
    assert_eq!(rig.read(FW0 as u64 + 1), ok(101));
    assert_eq!(rig.host.live(), 0);
}

#[test]
fn start_with_init_snapshot_needs_a_snapshot_area() {
    let mut rig = Rig::new();
    rig.cfg_on(3, 0, hw(MISSES));
    let flags = SBI_PMU_START_FLAG_INIT_SNAPSHOT;
    assert_eq!(rig.start(3, 1, flags, 0), err(SBI_ERR_NO_SHMEM));
    assert!(!rig.host.event(3).enabled);
    assert!(rig.host.reads.is_empty());
}

#[test]
fn start_with_init_snapshot_takes_values_relative_to_the_base() {
    let mut rig = Rig::new();
    assert_eq!(rig.shmem(RAM, 0, 0), ok(0));
    rig.cfg_on(3, 0, hw(MISSES));
    rig.cfg_on(5, 0, hw(MISSES));
    // Counter 3 is value 0 and counter 5 value 2 of base 3.
    rig.host.put(RAM + 8, HPM_MASK - 9);
    rig.host.put(RAM + 8 + 2 * 8, 1000);
    let flags = SBI_PMU_START_FLAG_INIT_SNAPSHOT;
    assert_eq!(rig.start(3, 0b101, flags, 0), ok(0));
    assert_eq!(rig.host.reads, [(RAM, SNAPSHOT_BYTES)]);
    assert_eq!(rig.host.event(3).periods, [10]);
    assert_eq!(rig.read(5), ok(1000));
}

#[test]
fn start_initial_value_wins_over_the_snapshot() {
    let mut rig = Rig::new();
    assert_eq!(rig.shmem(RAM, 0, 0), ok(0));
    rig.cfg_on(3, 0, hw(MISSES));
    rig.host.put(RAM + 8, 1000);
    let flags = SBI_PMU_START_FLAG_INIT_SNAPSHOT | SBI_PMU_START_FLAG_SET_INIT_VALUE;
    assert_eq!(rig.start(3, 1, flags, 5), ok(0));
    assert_eq!(rig.read(3), ok(5));
    // What stop saves is the counter's value, not the snapshot's.
    assert_eq!(rig.stop(3, 1, SBI_PMU_STOP_FLAG_TAKE_SNAPSHOT), ok(0));
    assert_eq!(rig.host.get(RAM + 8), 5);
}

#[test]
fn start_snapshot_read_failure_is_failure_and_starts_nothing() {
    let mut rig = Rig::new();
    assert_eq!(rig.shmem(RAM, 0, 0), ok(0));
    rig.cfg_on(3, 0, hw(MISSES));
    rig.host.fail_read = true;
    let flags = SBI_PMU_START_FLAG_INIT_SNAPSHOT;
    assert_eq!(rig.start(3, 1, flags, 0), err(SBI_ERR_FAILURE));
    assert!(!rig.host.event(3).enabled);
}

#[test]
fn start_snapshot_partial_read_keeps_what_was_read() {
    // An area 8 bytes short of the end of RAM: the mask reads, the values
    // do not, and KVM's copy holds the mask as upstream's would.
    let mut rig = Rig::new();
    let gpa = RAM_END - 8;
    rig.pmu.snapshot = Some((gpa, Snapshot::ZERO));
    rig.host.put(gpa, 0xf0);
    rig.cfg_on(3, 0, hw(MISSES));
    let flags = SBI_PMU_START_FLAG_INIT_SNAPSHOT;
    assert_eq!(rig.start(3, 1, flags, 0), err(SBI_ERR_FAILURE));
    assert_eq!(rig.pmu.snapshot.unwrap().1.overflow_mask, 0xf0);
}

#[test]
fn start_of_a_firmware_counter_without_event_code_ends_the_call() {
    // A hardware event configured (SKIP_MATCH) on a firmware counter with
    // a code past FW_MAX: upstream's guard, mirrored.
    let mut rig = Rig::new();
    rig.cfg_on(FW0, 0, fw(0));
    let skip = SBI_PMU_CFG_FLAG_SKIP_MATCH;
    assert_eq!(rig.cfg(FW0 as u64, 1, skip, cache(0x40), 0), ok(FW0 as u64));
    rig.cfg_on(FW0 + 1, 0, fw(1));
    rig.overflow(FW0);
    rig.overflow(FW0 + 1);
    assert_eq!(
        rig.start(FW0 as u64, 0b11, 0, 0),
        err(SBI_ERR_INVALID_PARAM)
    );
    // The first counter's bit was cleared, the loop ended before the
    // second.
    assert_eq!(rig.ovf.load(Ordering::Relaxed), 1 << (FW0 + 1));
    assert_eq!(rig.stop(FW0 as u64, 0b11, 0), err(SBI_ERR_INVALID_PARAM));
    // The event has no firmware entry: the counter reads its value.
    assert_eq!(rig.read(FW0 as u64), ok(0));
}

// Tests of counter_stop.

#[test]
fn stop_folds_the_count_into_the_value() {
    let mut rig = Rig::new();
    rig.cfg_on(3, 0, hw(MISSES));
    assert_eq!(
        rig.start(3, 1, SBI_PMU_START_FLAG_SET_INIT_VALUE, 10),
        ok(0)
    );
    rig.host.advance(3, 5);
    assert_eq!(rig.stop(3, 1, 0), ok(0));
    let e = rig.host.event(3);
    assert!(!e.enabled);
    assert_eq!((e.pauses, e.count), (1, 0));
    assert_eq!(rig.read(3), ok(15));
    // Started again, the value goes on from there.
    assert_eq!(rig.start(3, 1, 0, 0), ok(0));
    assert_eq!(rig.host.event(3).periods, [HPM_MASK - 9, HPM_MASK - 14]);
    rig.host.advance(3, 1);
    assert_eq!(rig.stop(3, 1, 0), ok(0));
    assert_eq!(rig.read(3), ok(16));
}

#[test]
fn stop_of_a_stopped_counter_says_so_and_goes_on() {
    let mut rig = Rig::new();
    rig.cfg_on(3, 0, hw(MISSES));
    rig.cfg_on(4, 0, hw(MISSES));
    assert_eq!(rig.start(4, 1, 0, 0), ok(0));
    rig.host.advance(4, 3);
    assert_eq!(rig.stop(3, 0b111, 0), err(SBI_ERR_ALREADY_STOPPED));
    assert_eq!(rig.host.event(4).pauses, 1);
    assert_eq!(rig.read(4), ok(3));
    assert_eq!(rig.host.event(3).pauses, 0);
}

#[test]
fn stop_with_reset_releases_the_event_and_frees_the_counter() {
    let mut rig = Rig::new();
    rig.cfg_on(3, 0, hw(MISSES));
    rig.cfg_on(4, 0, hw(MISSES));
    assert_eq!(rig.start(3, 1, 0, 0), ok(0));
    rig.overflow(3);
    rig.overflow(4);
    // 4 was never started: already stopped, but reset all the same.
    assert_eq!(
        rig.stop(3, 0b11, SBI_PMU_STOP_FLAG_RESET),
        err(SBI_ERR_ALREADY_STOPPED)
    );
    assert_eq!(rig.host.live(), 0);
    assert_eq!(rig.ovf.load(Ordering::Relaxed), 0);
    assert_eq!(rig.read(3), err(SBI_ERR_INVALID_PARAM));
    // Free: stop skips them, cfg_match hands them out again.
    assert_eq!(rig.stop(3, 0b11, 0), ok(0));
    assert_eq!(rig.cfg(0, ALL >> 40, 0, hw(MISSES), 0), ok(3));
}

#[test]
fn stop_of_a_firmware_counter_keeps_the_event_count() {
    let mut rig = Rig::new();
    rig.cfg_on(FW0, 0, fw(SBI_PMU_FW_IPI_SENT));
    assert_eq!(rig.stop(FW0 as u64, 1, 0), err(SBI_ERR_ALREADY_STOPPED));
    assert_eq!(rig.start(FW0 as u64, 1, 0, 0), ok(0));
    rig.pmu.incr_fw(SBI_PMU_FW_IPI_SENT);
    assert_eq!(rig.stop(FW0 as u64, 1, 0), ok(0));
    rig.pmu.incr_fw(SBI_PMU_FW_IPI_SENT);
    assert_eq!(rig.read(FW0 as u64), ok(1));
    assert_eq!(
        rig.stop(FW0 as u64, 1, SBI_PMU_STOP_FLAG_RESET),
        err(SBI_ERR_ALREADY_STOPPED)
    );
    // Reset: the counter has no event any more and reads the value it
    // stopped with. Upstream reads fw_event[0xffff] here.
    assert_eq!(rig.read(FW0 as u64), ok(1));
    assert_eq!(rig.pmu.read_hpm(0xc00 + FW0 as u16, 0), Ok(1));
}

#[test]
fn stop_with_take_snapshot_needs_a_snapshot_area() {
    let mut rig = Rig::new();
    rig.cfg_on(3, 0, hw(MISSES));
    assert_eq!(rig.start(3, 1, 0, 0), ok(0));
    let flags = SBI_PMU_STOP_FLAG_TAKE_SNAPSHOT | SBI_PMU_STOP_FLAG_RESET;
    assert_eq!(rig.stop(3, 1, flags), err(SBI_ERR_NO_SHMEM));
    assert!(rig.host.event(3).enabled);
}

#[test]
fn stop_with_take_snapshot_saves_values_and_overflows_relative_to_the_base() {
    let mut rig = Rig::new();
    assert_eq!(rig.shmem(RAM, 0, 0), ok(0));
    rig.host.writes.clear();
    rig.cfg_on(3, 0, hw(MISSES));
    rig.cfg_on(5, 0, hw(MISSES));
    rig.cfg_on(FW0, 0, fw(SBI_PMU_FW_SET_TIMER));
    assert_eq!(rig.start(3, 0b101, 0, 0), ok(0));
    assert_eq!(rig.start(FW0 as u64, 1, 0, 0), ok(0));
    rig.host.advance(3, 30);
    rig.host.advance(5, 50);
    rig.pmu.incr_fw(SBI_PMU_FW_SET_TIMER);
    rig.overflow(5);
    let flags = SBI_PMU_STOP_FLAG_TAKE_SNAPSHOT;
    assert_eq!(rig.stop(3, 0b101 | 1 << (FW0 - 3), flags), ok(0));
    assert_eq!(rig.host.writes, [(RAM, SNAPSHOT_BYTES)]);
    assert_eq!(rig.host.get(RAM), 1 << 2);
    assert_eq!(rig.host.get(RAM + 8), 30);
    assert_eq!(rig.host.get(RAM + 8 + 2 * 8), 50);
    assert_eq!(rig.host.get(RAM + 8 + (FW0 as u64 - 3) * 8), 1);
    // The overflow bit stays until a start or a reset.
    assert_eq!(rig.ovf.load(Ordering::Relaxed), 1 << 5);
    // KVM's copy is what is written: the guest's changes are lost
    // unless read back with INIT_SNAPSHOT.
    rig.host.put(RAM + 8 + 8, 0x77);
    assert_eq!(rig.start(3, 1, 0, 0), ok(0));
    assert_eq!(rig.stop(3, 1, flags), ok(0));
    assert_eq!(rig.host.get(RAM + 8 + 8), 0);
    // The reserved part of the area is the guest's.
    assert_eq!(rig.host.get(RAM + SNAPSHOT_BYTES as u64), 0);
}

#[test]
fn stop_snapshot_is_skipped_once_the_loop_met_an_error() {
    let mut rig = Rig::new();
    assert_eq!(rig.shmem(RAM, 0, 0), ok(0));
    rig.host.writes.clear();
    rig.cfg_on(3, 0, hw(MISSES));
    rig.cfg_on(4, 0, hw(MISSES));
    assert_eq!(rig.start(4, 1, 0, 0), ok(0));
    rig.host.advance(4, 9);
    // 3 is already stopped: 4 stops but is not saved, and nothing
    // changed, so nothing is written.
    let flags = SBI_PMU_STOP_FLAG_TAKE_SNAPSHOT;
    assert_eq!(rig.stop(3, 0b11, flags), err(SBI_ERR_ALREADY_STOPPED));
    assert!(rig.host.writes.is_empty());
    assert_eq!(rig.read(4), ok(9));
    // The other way round, 4 would be saved.
    assert_eq!(rig.start(4, 1, 0, 0), ok(0));
    assert_eq!(rig.stop(4, 1, flags), ok(0));
    assert_eq!(rig.host.get(RAM + 8), 9);
}

#[test]
fn stop_reset_with_snapshot_clears_the_counter_overflow_bit_there() {
    let mut rig = Rig::new();
    assert_eq!(rig.shmem(RAM, 0, 0), ok(0));
    rig.cfg_on(3, 0, hw(MISSES));
    rig.cfg_on(4, 0, hw(MISSES));
    assert_eq!(rig.start(3, 0b11, 0, 0), ok(0));
    rig.overflow(3);
    rig.overflow(4);
    let snap = SBI_PMU_STOP_FLAG_TAKE_SNAPSHOT;
    assert_eq!(rig.stop(3, 0b11, snap), ok(0));
    assert_eq!(rig.host.get(RAM), 0b11);
    // Already stopped, so not saved again, but the reset clears the bit
    // of 3 and the area is written.
    rig.host.writes.clear();
    assert_eq!(
        rig.stop(3, 1, snap | SBI_PMU_STOP_FLAG_RESET),
        err(SBI_ERR_ALREADY_STOPPED)
    );
    assert_eq!(rig.host.writes, [(RAM, SNAPSHOT_BYTES)]);
    assert_eq!(rig.host.get(RAM), 0b10);
    assert_eq!(rig.ovf.load(Ordering::Relaxed), 1 << 4);
}

#[test]
fn stop_snapshot_write_failure_is_failure_after_stopping() {
    let mut rig = Rig::new();
    assert_eq!(rig.shmem(RAM, 0, 0), ok(0));
    rig.cfg_on(3, 0, hw(MISSES));
    assert_eq!(rig.start(3, 1, 0, 0), ok(0));
    rig.host.fail_write = true;
    let flags = SBI_PMU_STOP_FLAG_TAKE_SNAPSHOT;
    assert_eq!(rig.stop(3, 1, flags), err(SBI_ERR_FAILURE));
    assert!(!rig.host.event(3).enabled);
}

// Tests of snapshot_set_shmem.

#[test]
fn set_shmem_zeroes_the_area_in_small_writes() {
    let mut rig = Rig::new();
    assert_eq!(rig.shmem(RAM + PAGE, 0, 0), ok(0));
    assert!(rig.host.writes.iter().all(|&(_, len)| len <= 512));
    let total: usize = rig.host.writes.iter().map(|&(_, len)| len).sum();
    assert_eq!(total, SNAPSHOT_AREA_SIZE);
    let mut at = RAM + PAGE;
    for &(gpa, len) in &rig.host.writes {
        assert_eq!(gpa, at);
        at += len as u64;
    }
    let o = PAGE as usize;
    assert!(rig.host.mem[o..o + SNAPSHOT_AREA_SIZE]
        .iter()
        .all(|&b| b == 0));
    // The bytes around it are untouched.
    assert_eq!(rig.host.mem[o - 1], 0xaa);
    assert_eq!(rig.host.mem[o + SNAPSHOT_AREA_SIZE], 0xaa);
    assert_eq!(rig.pmu.snapshot, Some((RAM + PAGE, Snapshot::ZERO)));
}

#[test]
fn set_shmem_rejects_flags_and_bad_addresses() {
    let mut rig = Rig::new();
    assert_eq!(rig.shmem(RAM, 0, 1), err(SBI_ERR_INVALID_PARAM));
    assert_eq!(
        rig.shmem(SBI_SHMEM_DISABLE, SBI_SHMEM_DISABLE, 1),
        err(SBI_ERR_INVALID_PARAM)
    );
    // RV64 has no upper half.
    assert_eq!(rig.shmem(RAM, 1, 0), err(SBI_ERR_INVALID_ADDRESS));
    assert_eq!(
        rig.shmem(SBI_SHMEM_DISABLE, 0, 0),
        err(SBI_ERR_INVALID_ADDRESS)
    );
    assert_eq!(
        rig.shmem(0, SBI_SHMEM_DISABLE, 0),
        err(SBI_ERR_INVALID_ADDRESS)
    );
    // Not RAM, or read-only.
    assert_eq!(rig.shmem(0x1000, 0, 0), err(SBI_ERR_INVALID_ADDRESS));
    assert_eq!(rig.shmem(ROM, 0, 0), err(SBI_ERR_INVALID_ADDRESS));
    assert!(rig.host.writes.is_empty());
    assert_eq!(rig.pmu.snapshot, None);
}

#[test]
fn set_shmem_needs_no_alignment_but_the_whole_area_writable() {
    let mut rig = Rig::new();
    // 6.12 checks no alignment: any address in a writable page does.
    assert_eq!(rig.shmem(RAM + 8, 0, 0), ok(0));
    assert_eq!(rig.shmem(RAM + 2 * PAGE - 1, 0, 0), ok(0));
    // Only the first page is checked; the area running into the
    // read-only page fails when zeroed, and leaves no area at all.
    assert_eq!(rig.shmem(RAM + 2 * PAGE + 8, 0, 0), err(SBI_ERR_FAILURE));
    assert_eq!(rig.pmu.snapshot, None);
    let flags = SBI_PMU_STOP_FLAG_TAKE_SNAPSHOT;
    rig.cfg_on(3, 0, hw(MISSES));
    assert_eq!(rig.stop(3, 1, flags), err(SBI_ERR_NO_SHMEM));
}

#[test]
fn set_shmem_replaces_and_disables_the_area() {
    let mut rig = Rig::new();
    assert_eq!(rig.shmem(RAM, 0, 0), ok(0));
    rig.cfg_on(3, 0, hw(MISSES));
    assert_eq!(
        rig.start(3, 1, SBI_PMU_START_FLAG_SET_INIT_VALUE, 42),
        ok(0)
    );
    assert_eq!(rig.stop(3, 1, SBI_PMU_STOP_FLAG_TAKE_SNAPSHOT), ok(0));
    assert_eq!(rig.host.get(RAM + 8), 42);
    // A new area starts from zero; the old one is left as it was.
    assert_eq!(rig.shmem(RAM + PAGE, 0, 0), ok(0));
    assert_eq!(rig.pmu.snapshot, Some((RAM + PAGE, Snapshot::ZERO)));
    assert_eq!(rig.host.get(RAM + 8), 42);
    rig.host.writes.clear();
    assert_eq!(rig.shmem(SBI_SHMEM_DISABLE, SBI_SHMEM_DISABLE, 0), ok(0));
    assert!(rig.host.writes.is_empty());
    assert_eq!(rig.pmu.snapshot, None);
    let flags = SBI_PMU_START_FLAG_INIT_SNAPSHOT;
    assert_eq!(rig.start(3, 1, flags, 0), err(SBI_ERR_NO_SHMEM));
    // Disabling with no area succeeds too.
    assert_eq!(rig.shmem(SBI_SHMEM_DISABLE, SBI_SHMEM_DISABLE, 0), ok(0));
}

#[test]
fn set_shmem_write_failure_is_failure() {
    let mut rig = Rig::new();
    assert_eq!(rig.shmem(RAM, 0, 0), ok(0));
    rig.host.fail_write = true;
    assert_eq!(rig.shmem(RAM + PAGE, 0, 0), err(SBI_ERR_FAILURE));
    // The old area is gone too.
    assert_eq!(rig.pmu.snapshot, None);
}

#[test]
fn snapshot_round_trip_through_start_and_stop() {
    let mut rig = Rig::new();
    assert_eq!(rig.shmem(RAM + PAGE, 0, 0), ok(0));
    let area = RAM + PAGE;
    rig.cfg_on(0, 0, hw(CYCLES));
    rig.cfg_on(2, 0, hw(INSNS));
    // The guest writes initial values for counters 0 and 2 (base 0).
    rig.host.put(area + 8, 1000);
    rig.host.put(area + 8 + 2 * 8, 2000);
    assert_eq!(
        rig.start(0, 0b101, SBI_PMU_START_FLAG_INIT_SNAPSHOT, 0),
        ok(0)
    );
    rig.host.advance(0, 11);
    rig.host.advance(2, 22);
    rig.overflow(2);
    let flags = SBI_PMU_STOP_FLAG_TAKE_SNAPSHOT | SBI_PMU_STOP_FLAG_RESET;
    assert_eq!(rig.stop(0, 0b101, flags), ok(0));
    assert_eq!(rig.host.get(area + 8), 1011);
    assert_eq!(rig.host.get(area + 8 + 2 * 8), 2022);
    // Saved, then cleared by the reset.
    assert_eq!(rig.host.get(area), 0);
    assert_eq!(rig.host.live(), 0);
    assert_eq!(rig.ovf.load(Ordering::Relaxed), 0);
    // Read back, reconfigured and restarted from the snapshot.
    rig.cfg_on(0, 0, hw(CYCLES));
    assert_eq!(rig.start(0, 1, SBI_PMU_START_FLAG_INIT_SNAPSHOT, 0), ok(0));
    assert_eq!(rig.read(0), ok(1011));
}

// Tests of counter_fw_read.

#[test]
fn fw_read_rejects_time_unknown_and_unconfigured_hardware_counters() {
    let mut rig = Rig::new();
    for cidx in [1, NUM as u64, 64, u64::MAX] {
        assert_eq!(rig.read(cidx), err(SBI_ERR_INVALID_PARAM), "{cidx}");
    }
    // A hardware counter with no perf event.
    assert_eq!(rig.read(0), err(SBI_ERR_INVALID_PARAM));
    assert_eq!(rig.read(3), err(SBI_ERR_INVALID_PARAM));
    // A firmware counter with no event reads 0, its value (upstream reads
    // fw_event[0xffff]; its sbi_pmu_test expects success).
    for cidx in FW0..NUM {
        assert_eq!(rig.read(cidx as u64), ok(0), "{cidx}");
    }
}

#[test]
fn fw_read_of_a_configured_counter_reads_even_when_stopped() {
    let mut rig = Rig::new();
    rig.cfg_on(3, 0, hw(MISSES));
    rig.host.advance(3, 2);
    // Never started: the event's count still shows.
    assert_eq!(rig.read(3), ok(2));
    rig.cfg_on(FW0, 0, fw(0));
    assert_eq!(rig.read(FW0 as u64), ok(0));
}

#[test]
fn fw_read_of_codes_past_fw_max_within_the_array_reads_zero() {
    // A firmware counter given a cache event with code 25 (SKIP_MATCH):
    // fw_event[25] exists upstream and stays zero.
    let mut rig = Rig::new();
    rig.cfg_on(FW0, 0, fw(0));
    let skip = SBI_PMU_CFG_FLAG_SKIP_MATCH;
    assert_eq!(rig.cfg(FW0 as u64, 1, skip, cache(25), 0), ok(FW0 as u64));
    assert_eq!(rig.read(FW0 as u64), ok(0));
    assert_eq!(rig.start(FW0 as u64, 1, 0, 0), err(SBI_ERR_INVALID_PARAM));
}

// Tests of counter CSR reads.

#[test]
fn read_hpm_without_pmu_reads_cycle_and_instret_as_zero() {
    let mut pmu: Pmu<FakeEvent> = Pmu::disabled();
    assert_eq!(pmu.read_hpm(0xc00, 0), Ok(0));
    assert_eq!(pmu.read_hpm(0xc02, 0), Ok(0));
    // Upstream does not look at the write mask without a PMU.
    assert_eq!(pmu.read_hpm(0xc00, u64::MAX), Ok(0));
    for csr in [0xc01, 0xc03, 0xc1f, 0xc80, 0] {
        assert_eq!(pmu.read_hpm(csr, 0), Err(()), "{csr:#x}");
    }
    // The same without a `Pmu` at all.
    for csr in [0xc00, 0xc01, 0xc02, 0xc03, 0xc1f, 0xc80, 0] {
        assert_eq!(read_hpm_without_pmu(csr), pmu.read_hpm(csr, 0), "{csr:#x}");
    }
}

#[test]
fn read_hpm_with_pmu_reads_configured_counters_only() {
    let mut rig = Rig::new();
    rig.cfg_on(0, 0, hw(CYCLES));
    rig.cfg_on(FW0, 0, fw(SBI_PMU_FW_SET_TIMER));
    assert_eq!(
        rig.start(0, 1, SBI_PMU_START_FLAG_SET_INIT_VALUE, 100),
        ok(0)
    );
    assert_eq!(rig.start(FW0 as u64, 1, 0, 0), ok(0));
    rig.host.advance(0, 23);
    rig.pmu.incr_fw(SBI_PMU_FW_SET_TIMER);
    assert_eq!(rig.pmu.read_hpm(0xc00, 0), Ok(123));
    // A firmware counter within the 32 CSRs reads like counter_fw_read.
    assert_eq!(rig.pmu.read_hpm(0xc00 + FW0 as u16, 0), Ok(1));
    // A firmware counter without event reads its value, 0.
    assert_eq!(rig.pmu.read_hpm(0xc00 + FW0 as u16 + 1, 0), Ok(0));
    // Writes, time, hardware counters without event, CSRs past the
    // counters.
    assert_eq!(rig.pmu.read_hpm(0xc00, 1), Err(()));
    assert_eq!(rig.pmu.read_hpm(0xc01, 0), Err(()));
    assert_eq!(rig.pmu.read_hpm(0xc02, 0), Err(()));
    assert_eq!(rig.pmu.read_hpm(0xc03, 0), Err(()));
    assert_eq!(rig.pmu.read_hpm(0xc20, 0), Err(()));
    assert_eq!(rig.pmu.read_hpm(0xbff, 0), Err(()));
}

// Tests of firmware event counting.

#[test]
fn incr_fw_counts_only_started_events() {
    let mut rig = Rig::new();
    rig.cfg_on(FW0, 0, fw(SBI_PMU_FW_IPI_SENT));
    rig.pmu.incr_fw(SBI_PMU_FW_IPI_SENT);
    assert_eq!(rig.start(FW0 as u64, 1, 0, 0), ok(0));
    rig.pmu.incr_fw(SBI_PMU_FW_IPI_SENT);
    rig.pmu.incr_fw(SBI_PMU_FW_SET_TIMER);
    assert_eq!(rig.read(FW0 as u64), ok(1));
    // Unknown events are ignored, without a PMU too.
    for fid in [FW_MAX as u32, 31, 32, u32::MAX] {
        rig.pmu.incr_fw(fid);
    }
    let mut none: Pmu<FakeEvent> = Pmu::disabled();
    none.incr_fw(SBI_PMU_FW_IPI_SENT);
    assert_eq!(rig.read(FW0 as u64), ok(1));
}

#[test]
fn incr_fw_by_counts_n_events_at_once() {
    let mut rig = Rig::new();
    rig.cfg_on(FW0, 0, fw(SBI_PMU_FW_IPI_SENT));
    rig.pmu.incr_fw_by(SBI_PMU_FW_IPI_SENT, 5);
    assert_eq!(rig.start(FW0 as u64, 1, 0, 0), ok(0));
    rig.pmu.incr_fw_by(SBI_PMU_FW_IPI_SENT, 5);
    rig.pmu.incr_fw_by(SBI_PMU_FW_IPI_SENT, 0);
    rig.pmu.incr_fw_by(FW_MAX as u32, 5);
    assert_eq!(rig.read(FW0 as u64), ok(5));
    rig.pmu.incr_fw_by(SBI_PMU_FW_IPI_SENT, u64::MAX);
    assert_eq!(rig.read(FW0 as u64), ok(4));
}

#[test]
fn incr_fw_wraps_like_upstream() {
    let mut rig = Rig::new();
    rig.cfg_on(FW0, 0, fw(0));
    let set = SBI_PMU_START_FLAG_SET_INIT_VALUE;
    assert_eq!(rig.start(FW0 as u64, 1, set, u64::MAX), ok(0));
    rig.pmu.incr_fw(0);
    assert_eq!(rig.read(FW0 as u64), ok(0));
}

// Tests of reset.

#[test]
fn reset_releases_every_event_and_clears_the_state() {
    let mut rig = Rig::new();
    assert_eq!(rig.shmem(RAM, 0, 0), ok(0));
    rig.cfg_on(0, 0, hw(CYCLES));
    rig.cfg_on(3, 0, hw(MISSES));
    rig.cfg_on(FW0, SBI_PMU_CFG_FLAG_AUTO_START, fw(SBI_PMU_FW_SET_TIMER));
    assert_eq!(rig.start(3, 1, 0, 0), ok(0));
    rig.overflow(3);
    rig.overflow(40);
    assert_eq!(rig.host.live(), 2);
    rig.reset();
    assert_eq!(rig.host.live(), 0);
    assert_eq!(rig.ovf.load(Ordering::Relaxed), 0);
    assert_eq!(rig.pmu.snapshot, None);
    assert!(rig.pmu.init_done());
    assert_eq!(rig.pmu.num_counters(), NUM);
    // Nothing in use, no firmware event counting.
    assert_eq!(rig.start(0, ALL >> 40, 0, 0), ok(0));
    rig.pmu.incr_fw(SBI_PMU_FW_SET_TIMER);
    assert_eq!(rig.read(FW0 as u64), ok(0));
    assert_eq!(
        rig.start(0, 1, SBI_PMU_START_FLAG_INIT_SNAPSHOT, 0),
        err(SBI_ERR_NO_SHMEM)
    );
    assert_eq!(rig.cfg(0, ALL >> 40, 0, hw(MISSES), 0), ok(3));
    assert_eq!(rig.cfg(0, EVERY, 0, fw(0), 0), ok(FW0 as u64));
    // Idempotent, and harmless without a PMU.
    rig.reset();
    rig.reset();
    let mut none = Rig::with(Pmu::disabled());
    none.reset();
    assert!(!none.pmu.init_done());
}

#[test]
fn reset_releases_events_of_counters_no_longer_in_use() {
    // A hardware event on a firmware counter survives stop with RESET
    // (the firmware path releases nothing), and upstream's reset, which
    // releases the events of counters in use only, leaks it. Here it is
    // released.
    let mut rig = Rig::new();
    rig.cfg_on(FW0, 0, fw(0));
    let skip = SBI_PMU_CFG_FLAG_SKIP_MATCH;
    assert_eq!(rig.cfg(FW0 as u64, 1, skip, hw(MISSES), 0), ok(FW0 as u64));
    assert_eq!(rig.start(FW0 as u64, 1, 0, 0), ok(0));
    assert_eq!(rig.stop(FW0 as u64, 1, SBI_PMU_STOP_FLAG_RESET), ok(0));
    assert_eq!(rig.host.live(), 1);
    rig.reset();
    assert_eq!(rig.host.live(), 0);
}

#[test]
fn reset_returns_every_counter_to_its_initial_state() {
    let mut rig = Rig::new();
    rig.cfg_on(0, 0, hw(CYCLES));
    rig.cfg_on(3, 0, hw(MISSES));
    assert_eq!(rig.start(0, 1, 0, 0), ok(0));
    assert_eq!(rig.start(3, 1, SBI_PMU_START_FLAG_SET_INIT_VALUE, 9), ok(0));
    assert_eq!(rig.stop(3, 1, SBI_PMU_STOP_FLAG_RESET), ok(0));
    rig.reset();
    // Counter 0 was counting: after the reset it starts like a new one
    // (upstream keeps it marked started: ALREADY_STARTED, not counting).
    rig.cfg_on(0, 0, hw(CYCLES));
    assert_eq!(rig.start(0, 1, 0, 0), ok(0));
    assert!(rig.host.event(0).enabled);
    // Counter 3 was not in use at the reset: its value is gone too
    // (upstream keeps 9).
    rig.cfg_on(3, 0, hw(MISSES));
    assert_eq!(rig.read(3), ok(0));
}

#[test]
fn dropping_the_pmu_releases_its_events() {
    let mut rig = Rig::new();
    rig.cfg_on(0, 0, hw(CYCLES));
    rig.cfg_on(3, SBI_PMU_CFG_FLAG_AUTO_START, hw(MISSES));
    assert_eq!(rig.host.live(), 2);
    let Rig { pmu, host, .. } = rig;
    drop(pmu);
    assert_eq!(host.live(), 0);
}

// A sweep of inputs.

/// xorshift64*, for a reproducible sweep.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Mostly small or edge values, sometimes anything.
    fn arg(&mut self) -> u64 {
        const EDGES: [u64; 8] = [0, 1, 2, 3, 63, 64, u64::MAX, u64::MAX - 1];
        match self.next() % 4 {
            0 => EDGES[(self.next() % 8) as usize],
            1 => self.next() % 64,
            2 => self.next(),
            _ => 1 << (self.next() % 64),
        }
    }

    fn eidx(&mut self) -> u64 {
        let t = [0, 1, 2, 3, 0xf][(self.next() % 5) as usize];
        let code = match self.next() % 3 {
            0 => self.next() % 24,
            1 => self.next() & 0xffff,
            _ => self.next() % 12,
        };
        (t << 16)
            | code
            | if self.next().is_multiple_of(8) {
                self.next() << 20
            } else {
                0
            }
    }

    fn call(&mut self) -> PmuCall {
        match self.next() % 7 {
            0 => PmuCall::NumCounters,
            1 => PmuCall::CounterGetInfo {
                counter: self.arg(),
            },
            2 => PmuCall::CounterCfgMatch {
                base: self.arg(),
                mask: self.arg(),
                flags: self.next() & 0xff,
                event_idx: self.eidx(),
                event_data: self.next(),
            },
            3 => PmuCall::CounterStart {
                base: self.arg(),
                mask: self.arg(),
                flags: self.next() & 3,
                initial: self.arg(),
            },
            4 => PmuCall::CounterStop {
                base: self.arg(),
                mask: self.arg(),
                flags: self.next() & 3,
            },
            5 => PmuCall::CounterFwRead {
                counter: self.arg(),
            },
            _ => PmuCall::SnapshotSetShmem {
                lo: [RAM, RAM + 8, ROM - 8, 0, u64::MAX, u64::MAX - 7][(self.next() % 6) as usize],
                hi: [0, 0, 0, u64::MAX, 1][(self.next() % 5) as usize],
                flags: u64::from(self.next().is_multiple_of(8)),
            },
        }
    }
}

#[test]
fn no_input_panics_and_invariants_hold() {
    let pmus: [fn() -> Pmu<FakeEvent>; 4] = [
        Pmu::disabled,
        || Pmu::new(HPM_WIDTH, HOST_CTRS),
        || Pmu::new(63, 1),
        || Pmu::new(0, 64),
    ];
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for make in pmus {
        let mut rig = Rig::with(make());
        let num = rig.pmu.num_counters();
        for step in 0..20_000 {
            let call = rng.call();
            rig.host.fail_create = rng.next().is_multiple_of(16);
            rig.host.fail_read = rng.next().is_multiple_of(16);
            rig.host.fail_write = rng.next().is_multiple_of(16);
            let ret = rig.call(call);
            if ret.error != SBI_SUCCESS {
                assert_eq!(ret.value, 0, "{call:?}");
            }
            if !rig.pmu.init_done() {
                assert_eq!(ret, err(SBI_ERR_NOT_SUPPORTED));
            }
            match rng.next() % 8 {
                0 => rig.host.advance_any(&mut rng),
                1 => rig.pmu.incr_fw((rng.next() % 40) as u32),
                2 => {
                    let csr = 0xbf0 + (rng.next() % 64) as u16;
                    let _ = rig.pmu.read_hpm(csr, rng.next() % 2);
                }
                3 => {
                    rig.ovf.fetch_or(rng.arg(), Ordering::Relaxed);
                }
                _ => {}
            }
            if step % 5000 == 4999 {
                rig.reset();
            }
            // Events only on counters, at most one each, none without a
            // PMU; counters in use are counters.
            let counters: Vec<usize> = rig
                .host
                .events
                .borrow()
                .iter()
                .filter(|e| !e.released)
                .map(|e| e.counter)
                .collect();
            assert!(counters.iter().all(|&c| c < num && c != 1));
            let mut distinct = counters.clone();
            distinct.sort_unstable();
            distinct.dedup();
            assert_eq!(distinct.len(), counters.len());
            let valid = if num >= 64 { u64::MAX } else { (1 << num) - 1 };
            assert_eq!(rig.pmu.in_use & !valid, 0);
            assert_eq!(rig.pmu.in_use & 0b10, 0);
        }
        rig.reset();
        assert_eq!(rig.host.live(), 0);
    }
}

impl FakeHost {
    /// Advances a random live event, if any.
    fn advance_any(&self, rng: &mut Rng) {
        let mut events = self.events.borrow_mut();
        let live: Vec<usize> = (0..events.len()).filter(|&i| !events[i].released).collect();
        if let Some(&i) = live.get((rng.next() % 8) as usize) {
            events[i].count = events[i].count.wrapping_add(rng.arg());
        }
    }
}
