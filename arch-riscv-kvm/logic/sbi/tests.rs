// SPDX-License-Identifier: GPL-2.0

//! Host tests of `logic::sbi`, in one module so that their names are the ones
//! `selftests/expected-pass` lists: shared fixtures first, then a section
//! per part of the module.

use super::*;
use crate::logic::hfence::{FullFlush, HfenceKind};
use crate::logic::onereg::{SbiExtId, SbiExtStatus, SbiExtStatuses, KVM_RISCV_SBI_EXT_MAX};
use std::vec::Vec;

const ALL_IDS: [SbiExtId; 11] = [
    SbiExtId::V01,
    SbiExtId::TIME,
    SbiExtId::IPI,
    SbiExtId::RFENCE,
    SbiExtId::SRST,
    SbiExtId::HSM,
    SbiExtId::PMU,
    SbiExtId::EXPERIMENTAL,
    SbiExtId::VENDOR,
    SbiExtId::DBCN,
    SbiExtId::STA,
];

/// Upstream's defaults on a host with everything: DBCN starts
/// disabled, the rest enabled. Legacy calls compiled in.
/// Every status an extension can have.
const STATUSES: [SbiExtStatus; 3] = [
    SbiExtStatus::Enabled,
    SbiExtStatus::Disabled,
    SbiExtStatus::Unavailable,
];

fn env() -> SbiEnv {
    let mut sbi = [SbiExtStatus::Enabled; KVM_RISCV_SBI_EXT_MAX as usize];
    sbi[SbiExtId::DBCN.get() as usize] = SbiExtStatus::Disabled;
    SbiEnv {
        sbi: sbi.into(),
        v01: true,
        mvendorid: 0x489,
        marchid: 0x8000_0000_0000_0007,
        mimpid: 0x2022_0101,
        impl_version: kernel_version(6, 12, 117),
        online_vcpus: 4,
    }
}

fn with(status: SbiExtStatus) -> SbiEnv {
    SbiEnv {
        sbi: SbiExtStatuses::all(status),
        ..env()
    }
}

fn call(ext: u64, func: u64, args: [u64; 6]) -> SbiCall {
    SbiCall { ext, func, args }
}

fn go(ext: u64, func: u64, args: [u64; 6]) -> SbiOutcome {
    dispatch(&call(ext, func, args), &env())
}

fn ret(error: i64, value: u64) -> SbiOutcome {
    SbiOutcome::Return(SbiRet { error, value })
}

const NS: SbiOutcome = NOT_SUPPORTED;
const Z: [u64; 6] = [0; 6];

// Tests of calls, their results and the argument helpers.

#[test]
fn forward_exit_and_return() {
    let c = call(SBI_EXT_DBCN, 2, [b'x' as u64, 1, 2, 3, 4, 5]);
    assert_eq!(
        c.forward_exit(),
        SbiExit {
            extension_id: SBI_EXT_DBCN,
            function_id: 2,
            args: [b'x' as u64, 1, 2, 3, 4, 5],
            ret: [(-2i64) as u64, 0],
        }
    );
    assert_eq!(
        forward_return([0, 0x41]),
        Completion::Resume {
            a0: 0,
            a1: Some(0x41)
        }
    );
    assert_eq!(
        SbiOutcome::ForwardToUser.completion(SbiRet::ok(1)),
        Completion::Exit
    );
    assert_eq!(
        SbiCall::from_regs([10, 11, 12, 13, 14, 15, 16, 17]),
        call(17, 16, [10, 11, 12, 13, 14, 15])
    );
}

#[test]
fn ipi_targets_and_error() {
    // Mask 0b101 from base 2 names harts 2 and 4; only vCPUs 0..=3
    // exist, so hart 4 gets nothing and the call fails.
    let mut t = IpiTargets::new(0b101, 2);
    let picked: Vec<u64> = (0..4).filter(|&id| t.selects(id)).collect();
    assert_eq!(picked, [2]);
    for id in picked {
        t.sent(id);
    }
    assert_eq!(t.error(), SBI_ERR_INVALID_PARAM);
    t.sent(4);
    assert_eq!(t.error(), SBI_SUCCESS);
    // Recording a vCPU outside the mask changes nothing.
    t.sent(3);
    t.sent(70);
    t.sent(0);
    assert_eq!(t.error(), SBI_SUCCESS);
    // Base -1: everyone, never an error.
    let t = IpiTargets::new(0, u64::MAX);
    assert!((0..100).all(|id| t.selects(id)));
    assert_eq!(t.error(), SBI_SUCCESS);
    // An empty mask with a real base is fine; vCPUs 64 above the base
    // are never selected.
    let mut t = IpiTargets::new(0, 5);
    assert_eq!(t.error(), SBI_SUCCESS);
    assert!(!t.selects(5 + 64));
    t.sent(u64::MAX);
    assert_eq!(t.error(), SBI_SUCCESS);
    let mut t = IpiTargets::new(1 << 63, 1);
    assert!(t.selects(64));
    t.sent(64);
    assert_eq!(t.error(), SBI_SUCCESS);
}

#[test]
fn hsm_helpers() {
    assert_eq!(hart_vcpu_id(0), Some(0));
    assert_eq!(hart_vcpu_id(1023), Some(1023));
    assert_eq!(hart_vcpu_id(0x7fff_ffff), Some(0x7fff_ffff));
    assert_eq!(hart_vcpu_id(0x8000_0000), None);
    assert_eq!(hart_vcpu_id(1 << 32), Some(0));
    assert_eq!(hart_vcpu_id(u64::MAX), None);
    assert_eq!(hsm_state(true, true), SBI_HSM_STATE_STOPPED);
    assert_eq!(hsm_state(false, true), SBI_HSM_STATE_SUSPENDED);
    assert_eq!(hsm_state(false, false), SBI_HSM_STATE_STARTED);
}

#[test]
fn online_masks() {
    assert_eq!(online_mask(0), 0);
    assert_eq!(online_mask(1), 1);
    assert_eq!(online_mask(4), 0xf);
    assert_eq!(online_mask(63), u64::MAX >> 1);
    assert_eq!(online_mask(64), u64::MAX);
    assert_eq!(online_mask(1024), u64::MAX);
    assert_eq!(online_mask(u32::MAX), u64::MAX);
    let e = SbiEnv {
        online_vcpus: 0,
        ..env()
    };
    assert_eq!(
        dispatch(&call(4, 0, Z), &e),
        SbiOutcome::LegacySendIpi {
            harts: LegacyHartMask::Mask(0)
        }
    );
}

// Tests of dispatch as a whole: which extension answers, gating,
// forwarding, and a sweep of inputs.

#[test]
fn base_cannot_be_disabled() {
    for v01 in [false, true] {
        for status in [SbiExtStatus::Disabled, SbiExtStatus::Unavailable] {
            let e = SbiEnv {
                v01,
                ..with(status)
            };
            let c = call(SBI_EXT_BASE, SBI_EXT_BASE_GET_IMP_ID, Z);
            assert_eq!(dispatch(&c, &e), ret(0, KVM_SBI_IMPID));
            assert_eq!(probe_extension(SBI_EXT_BASE, &e), 1);
        }
    }
}

#[test]
fn probe_every_extension() {
    let probe = |id: u64, e: &SbiEnv| {
        dispatch(
            &call(SBI_EXT_BASE, SBI_EXT_BASE_PROBE_EXT, [id, 0, 0, 0, 0, 0]),
            e,
        )
    };
    for entry in SBI_EXTENSIONS_V01 {
        let Some(gate) = entry.gate else { continue };
        for (status, value) in [
            (SbiExtStatus::Enabled, 1),
            (SbiExtStatus::Disabled, 0),
            (SbiExtStatus::Unavailable, 0),
        ] {
            let mut e = env();
            e.sbi[gate.get() as usize] = status;
            for id in [entry.first, entry.last] {
                let got = probe(id, &e);
                if matches!(entry.ext, SbiExt::Experimental | SbiExt::Vendor) {
                    // Forwarded whatever the status.
                    assert_eq!(got, SbiOutcome::ForwardToUser);
                } else {
                    assert_eq!(got, ret(0, value), "{entry:?} {status:?}");
                }
            }
        }
    }
    // Ids in no row.
    for id in [0x9, 0xf, 0x11, SBI_EXT_SUSP, 0x0a00_0000, 1 << 32] {
        assert_eq!(probe(id, &env()), ret(0, 0), "{id:#x}");
    }
    // Forwarded probe ranges at their boundaries.
    for (id, forwarded) in [
        (SBI_EXT_EXPERIMENTAL_START - 1, false),
        (SBI_EXT_EXPERIMENTAL_START, true),
        (SBI_EXT_EXPERIMENTAL_END, true),
        (SBI_EXT_VENDOR_START, true),
        (SBI_EXT_VENDOR_END, true),
        (SBI_EXT_VENDOR_END + 1, false),
    ] {
        assert_eq!(probe_is_forwarded(id), forwarded, "{id:#x}");
        let got = probe(id, &with(SbiExtStatus::Unavailable));
        assert_eq!(got == SbiOutcome::ForwardToUser, forwarded, "{id:#x}");
    }
}

#[test]
fn unknown_extensions_are_not_supported() {
    for ext in [
        0x9,
        0xf,
        0x11,
        SBI_EXT_SUSP,
        SBI_EXT_EXPERIMENTAL_START - 1,
        SBI_EXT_VENDOR_END + 1,
        0x0a00_0000,
        SBI_EXT_TIME + 1,
        1 << 32 | SBI_EXT_TIME,
        u64::MAX,
    ] {
        for func in [0, 1, u64::MAX] {
            assert_eq!(go(ext, func, [1; 6]), NS, "{ext:#x}");
        }
    }
    // Without legacy calls compiled in: ids 0..=8 and the placeholder.
    let e = SbiEnv {
        v01: false,
        ..env()
    };
    for ext in (0..=8).chain([u64::MAX]) {
        assert_eq!(dispatch(&call(ext, 0, Z), &e), NS);
    }
}

#[test]
fn disabled_extensions_are_not_supported() {
    for entry in SBI_EXTENSIONS_V01 {
        let Some(gate) = entry.gate else { continue };
        for status in [SbiExtStatus::Disabled, SbiExtStatus::Unavailable] {
            let mut e = env();
            e.sbi[gate.get() as usize] = status;
            for ext in [entry.first, entry.last] {
                for func in 0..8 {
                    let c = call(ext, func, Z);
                    assert_eq!(dispatch(&c, &e), NS, "{entry:?}");
                }
            }
        }
    }
}

#[test]
fn unknown_functions_are_not_supported() {
    let cases: [(u64, u64); 9] = [
        (SBI_EXT_BASE, 7),
        (SBI_EXT_TIME, 1),
        (SBI_EXT_IPI, 1),
        (SBI_EXT_RFENCE, 7),
        (SBI_EXT_SRST, 1),
        (SBI_EXT_HSM, 4),
        (SBI_EXT_PMU, 8),
        (SBI_EXT_DBCN, 3),
        (SBI_EXT_STA, 1),
    ];
    let mut e = env();
    e.sbi[SbiExtId::DBCN.get() as usize] = SbiExtStatus::Enabled;
    for (ext, first_unknown) in cases {
        for func in [first_unknown, first_unknown + 1, 1 << 32, u64::MAX] {
            assert_eq!(dispatch(&call(ext, func, Z), &e), NS, "{ext:#x} {func}");
        }
    }
    // RFENCE's nested-virtualization functions exist but are refused.
    for func in 3..=6 {
        assert_eq!(go(SBI_EXT_RFENCE, func, [1; 6]), NS);
    }
}

#[test]
fn forwarding_ranges_at_their_boundaries() {
    for (ext, gate) in [
        (SBI_EXT_EXPERIMENTAL_START, SbiExtId::EXPERIMENTAL),
        (SBI_EXT_EXPERIMENTAL_START + 0x1234, SbiExtId::EXPERIMENTAL),
        (SBI_EXT_EXPERIMENTAL_END, SbiExtId::EXPERIMENTAL),
        (SBI_EXT_VENDOR_START, SbiExtId::VENDOR),
        (SBI_EXT_VENDOR_END, SbiExtId::VENDOR),
    ] {
        for func in [0, 42, u64::MAX] {
            assert_eq!(go(ext, func, [7; 6]), SbiOutcome::ForwardToUser);
        }
        let mut e = env();
        e.sbi[gate.get() as usize] = SbiExtStatus::Disabled;
        assert_eq!(dispatch(&call(ext, 0, Z), &e), NS);
        // The other range's status does not matter.
        let mut e = with(SbiExtStatus::Disabled);
        e.sbi[gate.get() as usize] = SbiExtStatus::Enabled;
        assert_eq!(dispatch(&call(ext, 0, Z), &e), SbiOutcome::ForwardToUser);
    }
    assert_eq!(go(SBI_EXT_EXPERIMENTAL_START - 1, 0, Z), NS);
    assert_eq!(go(SBI_EXT_VENDOR_END + 1, 0, Z), NS);
}

#[test]
fn every_table_row_dispatches_somewhere() {
    // With everything enabled, function 0 of every row reaches its
    // handler rather than the not-found path.
    let e = with(SbiExtStatus::Enabled);
    for entry in SBI_EXTENSIONS_V01 {
        let o = dispatch(&call(entry.first, 0, Z), &e);
        let expect = match entry.ext {
            SbiExt::V01 => SbiOutcome::LegacySetTimer { next_cycle: 0 },
            SbiExt::Base => ret(0, KVM_SBI_SPEC_VERSION),
            SbiExt::Time => SbiOutcome::SetTimer { next_cycle: 0 },
            SbiExt::Ipi => SbiOutcome::SendIpi {
                hart_mask: 0,
                hart_mask_base: 0,
            },
            SbiExt::Rfence => SbiOutcome::RemoteFence {
                fence: RemoteFence::FenceI,
                hart_mask: 0,
                hart_mask_base: 0,
            },
            SbiExt::Srst => SbiOutcome::SystemReset {
                event: SystemEvent::Shutdown,
                reason: 0,
            },
            SbiExt::Hsm => SbiOutcome::HsmStart {
                hartid: 0,
                vcpu_id: 0,
                start_addr: 0,
                opaque: 0,
            },
            SbiExt::Pmu => SbiOutcome::Pmu(PmuCall::NumCounters),
            SbiExt::Sta => SbiOutcome::StaSetShmem { gpa: 0 },
            SbiExt::Dbcn | SbiExt::Experimental | SbiExt::Vendor => SbiOutcome::ForwardToUser,
        };
        assert_eq!(o, expect, "{entry:?}");
    }
}

/// A small deterministic generator, so the sweep needs no crate.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let x = self.0;
        // Favour small values and the edges, where the decisions are.
        match x >> 61 {
            0 => x & 0xf,
            1 => u64::MAX - (x & 3),
            2 => 0x8000_0000 ^ (x & 1),
            _ => x ^ (x >> 29),
        }
    }
}

#[test]
fn no_input_panics_and_invariants_hold() {
    let mut rng = Lcg(0x5eed);
    let mut envs = Vec::new();
    for v01 in [false, true] {
        for status in STATUSES {
            for online_vcpus in [0, 1, 63, 64, u32::MAX] {
                envs.push(SbiEnv {
                    v01,
                    online_vcpus,
                    ..with(status)
                });
            }
        }
    }
    let mut exts: Vec<u64> = SBI_EXTENSIONS_V01
        .iter()
        .flat_map(|e| {
            [
                e.first,
                e.last,
                e.first.wrapping_sub(1),
                e.last.wrapping_add(1),
            ]
        })
        .collect();
    exts.extend([SBI_EXT_SUSP, u64::MAX, 1 << 32]);
    let mut checked = 0u32;
    for e in &envs {
        for &ext in &exts {
            for func in (0..10).chain([1 << 32, u64::MAX]) {
                for _ in 0..8 {
                    let args = [0; 6].map(|_: u64| rng.next());
                    let c = call(ext, func, args);
                    let o = dispatch(&c, e);
                    let found = find_ext(ext, e);
                    // Nothing but a found, handled row does anything.
                    if !found.is_some_and(|r| r.handled) {
                        assert_eq!(o, NS);
                    }
                    // Legacy outcomes only from the legacy row.
                    if o.is_legacy() {
                        assert!(e.v01 && ext <= 8);
                    }
                    // Every answer is a real SBI error code.
                    if let SbiOutcome::Return(r) = o {
                        assert!((-9..=0).contains(&r.error));
                        if r.error != 0 {
                            assert_eq!(r.value, 0);
                        }
                    }
                    let _ = o.completion(SbiRet::ok(rng.next()));
                    let _ = o.pmu_fw_event();
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 50_000);
}

// Tests of the extension table, its lookup and BASE `probe_extension`.

#[test]
fn table_is_upstreams() {
    for v01 in [false, true] {
        let t = sbi_extensions(v01);
        assert_eq!(t.len(), 12);
        // Every KVM SBI id gates exactly one row; BASE has none.
        for id in ALL_IDS {
            assert_eq!(t.iter().filter(|e| e.gate == Some(id)).count(), 1);
        }
        let base: Vec<_> = t.iter().filter(|e| e.gate.is_none()).collect();
        assert_eq!(base.len(), 1);
        assert_eq!(base[0].ext, SbiExt::Base);
        // Ranges are well-formed and do not overlap.
        for (i, a) in t.iter().enumerate() {
            assert!(a.first <= a.last);
            for b in &t[i + 1..] {
                assert!(a.last < b.first || b.last < a.first, "{a:?} {b:?}");
            }
        }
        // Only the legacy placeholder lacks a handler.
        assert_eq!(t.iter().filter(|e| !e.handled).count(), !v01 as usize);
    }
    assert_eq!(SBI_EXTENSIONS_V01[0].first, 0);
    assert_eq!(SBI_EXTENSIONS_V01[0].last, 8);
    assert_eq!(SBI_EXTENSIONS_NO_V01[0].first, u64::MAX);
    assert_eq!(SBI_EXTENSIONS_V01[1..], SBI_EXTENSIONS_NO_V01[1..]);
}

/// Upstream 332fa4a802b1 ("riscv: kvm: Fix out-of-bounds array access",
/// 6.13, also in 6.12.y): BASE's row in the extension table carries
/// `KVM_RISCV_SBI_EXT_MAX` as a marker for "cannot be disabled", and
/// `kvm_riscv_vcpu_sbi_init()` used it to index `ext_status[]`, one past
/// the end. Here the row has no gate at all instead of a marker, and no
/// KVM SBI id of the marker's value can be made, so nothing can index the
/// statuses with it; with a status array of exactly
/// `KVM_RISCV_SBI_EXT_MAX` entries every row is looked up (a Rust index
/// out of range would panic), and BASE is found whatever the statuses.
#[test]
fn fix_out_of_bounds_array_access() {
    // The marker value is not a KVM SBI id, nor is anything above it.
    for n in [
        KVM_RISCV_SBI_EXT_MAX as u64,
        KVM_RISCV_SBI_EXT_MAX as u64 + 1,
        u64::MAX,
    ] {
        assert_eq!(SbiExtId::new(n), None, "id {n}");
    }
    for v01 in [false, true] {
        let table = sbi_extensions(v01);
        for row in table {
            match row.gate {
                // Only BASE is ungated: it is the marker's row upstream.
                None => assert_eq!(row.ext, SbiExt::Base, "{row:?}"),
                Some(gate) => assert!(gate.get() < KVM_RISCV_SBI_EXT_MAX, "{row:?}"),
            }
        }
        for status in STATUSES {
            let e = SbiEnv {
                v01,
                ..with(status)
            };
            assert_eq!(e.sbi.len(), KVM_RISCV_SBI_EXT_MAX as usize);
            for row in table {
                let found = find_ext(row.first, &e);
                let expect = row.gate.is_none() || status == SbiExtStatus::Enabled;
                assert_eq!(found.is_some(), expect, "{row:?} {status:?}");
            }
            let base = find_ext(SBI_EXT_BASE, &e).map(|r| r.ext);
            assert_eq!(base, Some(SbiExt::Base), "{status:?}");
            assert_eq!(probe_extension(SBI_EXT_BASE, &e), 1);
        }
    }
    // A new vCPU's statuses: one per KVM SBI id, the same either way.
    for sta in [false, true] {
        for pmu in [false, true] {
            assert_eq!(
                initial_status(sta, pmu).len(),
                KVM_RISCV_SBI_EXT_MAX as usize
            );
        }
    }
}

#[test]
fn find_ext_respects_the_status() {
    for v01 in [false, true] {
        for entry in sbi_extensions(v01) {
            for status in STATUSES {
                let e = SbiEnv {
                    v01,
                    ..with(status)
                };
                let found = find_ext(entry.first, &e);
                let expect = entry.gate.is_none() || status == SbiExtStatus::Enabled;
                assert_eq!(found, expect.then_some(entry), "{entry:?} {status:?}");
                assert_eq!(find_ext(entry.last, &e), found);
            }
        }
    }
    // Only the gate's own status counts.
    let mut e = with(SbiExtStatus::Disabled);
    e.sbi[SbiExtId::HSM.get() as usize] = SbiExtStatus::Enabled;
    assert_eq!(find_ext(SBI_EXT_HSM, &e).map(|x| x.ext), Some(SbiExt::Hsm));
    assert_eq!(find_ext(SBI_EXT_TIME, &e), None);
}

#[test]
fn probe_of_legacy_ids() {
    let mut e = env();
    for id in 0..=8 {
        assert_eq!(probe_extension(id, &e), 1);
    }
    assert_eq!(probe_extension(u64::MAX, &e), 0);
    e.sbi[0] = SbiExtStatus::Disabled;
    assert_eq!(probe_extension(4, &e), 0);
    // Without CONFIG_RISCV_SBI_V01 the ids are unknown, and the
    // placeholder row answers for -1 while V01 is enabled.
    let mut e = SbiEnv {
        v01: false,
        ..env()
    };
    for id in 0..=8 {
        assert_eq!(probe_extension(id, &e), 0);
    }
    assert_eq!(probe_extension(u64::MAX, &e), 1);
    e.sbi[0] = SbiExtStatus::Disabled;
    assert_eq!(probe_extension(u64::MAX, &e), 0);
}

// Tests of each extension's handler: function ids and argument
// decoding.

#[test]
fn base_functions() {
    let e = env();
    assert_eq!(
        go(SBI_EXT_BASE, SBI_EXT_BASE_GET_SPEC_VERSION, Z),
        ret(0, 0x0200_0000)
    );
    assert_eq!(go(SBI_EXT_BASE, SBI_EXT_BASE_GET_IMP_ID, Z), ret(0, 3));
    assert_eq!(
        go(SBI_EXT_BASE, SBI_EXT_BASE_GET_IMP_VERSION, Z),
        ret(0, 396_405)
    );
    assert_eq!(
        go(SBI_EXT_BASE, SBI_EXT_BASE_GET_MVENDORID, Z),
        ret(0, e.mvendorid)
    );
    assert_eq!(
        go(SBI_EXT_BASE, SBI_EXT_BASE_GET_MARCHID, Z),
        ret(0, e.marchid)
    );
    assert_eq!(
        go(SBI_EXT_BASE, SBI_EXT_BASE_GET_MIMPID, Z),
        ret(0, e.mimpid)
    );
    assert_eq!(
        go(
            SBI_EXT_BASE,
            SBI_EXT_BASE_PROBE_EXT,
            [SBI_EXT_TIME, 0, 0, 0, 0, 0]
        ),
        ret(0, 1)
    );
    // Arguments of the getters are ignored.
    assert_eq!(
        go(SBI_EXT_BASE, SBI_EXT_BASE_GET_IMP_ID, [u64::MAX; 6]),
        ret(0, 3)
    );
    for func in [7, 8, 0x100, 1 << 32, u64::MAX] {
        assert_eq!(go(SBI_EXT_BASE, func, Z), NS, "{func}");
    }
}

#[test]
fn dbcn_is_forwarded_once_enabled() {
    // Disabled by default.
    assert_eq!(go(SBI_EXT_DBCN, SBI_EXT_DBCN_CONSOLE_WRITE, Z), NS);
    let mut e = env();
    e.sbi[SbiExtId::DBCN.get() as usize] = SbiExtStatus::Enabled;
    for func in 0..=2 {
        assert_eq!(
            dispatch(&call(SBI_EXT_DBCN, func, Z), &e),
            SbiOutcome::ForwardToUser
        );
    }
}

#[test]
fn time_set_timer() {
    let o = go(SBI_EXT_TIME, 0, [0x1234_5678_9abc, 0xdead, 0, 0, 0, 0]);
    assert_eq!(
        o,
        SbiOutcome::SetTimer {
            next_cycle: 0x1234_5678_9abc
        }
    );
    assert_eq!(o.pmu_fw_event(), Some(SBI_PMU_FW_SET_TIMER));
    assert_eq!(
        go(SBI_EXT_TIME, 0, [u64::MAX; 6]),
        SbiOutcome::SetTimer {
            next_cycle: u64::MAX
        }
    );
}

#[test]
fn ipi_send() {
    let o = go(SBI_EXT_IPI, 0, [0b101, 2, 9, 9, 9, 9]);
    assert_eq!(
        o,
        SbiOutcome::SendIpi {
            hart_mask: 0b101,
            hart_mask_base: 2
        }
    );
    assert_eq!(o.pmu_fw_event(), Some(SBI_PMU_FW_IPI_SENT));
}

#[test]
fn rfence_decoding() {
    let fence = |func: u64, args: [u64; 6]| match go(SBI_EXT_RFENCE, func, args) {
        SbiOutcome::RemoteFence {
            fence,
            hart_mask,
            hart_mask_base,
        } => {
            assert_eq!((hart_mask, hart_mask_base), (args[0], args[1]));
            fence
        }
        o => panic!("{o:?}"),
    };
    assert_eq!(fence(0, [1, 0, 5, 5, 5, 5]), RemoteFence::FenceI);
    // sfence.vma: all for (0, 0) and for size -1, else the range.
    assert_eq!(fence(1, [3, 0, 0, 0, 0, 0]), RemoteFence::VvmaAll);
    assert_eq!(
        fence(1, [3, 0, 0x1000, u64::MAX, 0, 0]),
        RemoteFence::VvmaAll
    );
    assert_eq!(
        fence(1, [3, 0, 0x1000, 0x2000, 7, 0]),
        RemoteFence::VvmaGva {
            start: 0x1000,
            size: 0x2000
        }
    );
    assert_eq!(
        fence(1, [3, 0, 0x1000, 0, 0, 0]),
        RemoteFence::VvmaGva {
            start: 0x1000,
            size: 0
        }
    );
    assert_eq!(
        fence(1, [3, 0, 0, 0x1000, 0, 0]),
        RemoteFence::VvmaGva {
            start: 0,
            size: 0x1000
        }
    );
    // sfence.vma.asid: the same with the ASID in a4.
    assert_eq!(
        fence(2, [1, u64::MAX, 0, 0, 9, 0]),
        RemoteFence::VvmaAsidAll { asid: 9 }
    );
    assert_eq!(
        fence(2, [1, u64::MAX, 4, u64::MAX, 9, 0]),
        RemoteFence::VvmaAsidAll { asid: 9 }
    );
    assert_eq!(
        fence(2, [1, 0, 0x4000, 0x1000, 9, 0]),
        RemoteFence::VvmaAsidGva {
            start: 0x4000,
            size: 0x1000,
            asid: 9
        }
    );
}

/// Upstream 6aba0cb5bba6 ("RISC-V: KVM: Fix the size parameter check in
/// SBI SFENCE calls", 6.16, also in 6.12.y: 6.12.117 has it): a remote
/// `sfence.vma` (`.asid`) applies to the whole address space when start
/// and size are both 0 *or* when the size is 2^XLEN - 1, whatever the
/// start. Before it, only (0, 0) flushed everything and a size of -1 went
/// out as a range of 2^64 - 1 bytes from `start`. The legacy v0.1 calls
/// were not changed: there only (0, 0) means everything.
#[test]
fn fix_the_size_parameter_check_in_sbi_sfence_calls() {
    let rfence = |func: u64, start: u64, size: u64| match go(
        SBI_EXT_RFENCE,
        func,
        [0b11, 0, start, size, 7, 0],
    ) {
        SbiOutcome::RemoteFence { fence, .. } => fence,
        o => panic!("{o:?}"),
    };
    let starts = [0, 1, 0x1000, 0x8000_0000_0000, u64::MAX - 0xfff, u64::MAX];
    for start in starts {
        let all = rfence(SBI_EXT_RFENCE_REMOTE_SFENCE_VMA, start, u64::MAX);
        assert_eq!(all, RemoteFence::VvmaAll, "start {start:#x}");
        // And it is carried out as a flush of everything, not as a
        // (wrapping) range.
        assert_eq!(all.request(), FenceRequest::Flush(FullFlush::VvmaAll));
        let asid = rfence(SBI_EXT_RFENCE_REMOTE_SFENCE_VMA_ASID, start, u64::MAX);
        assert_eq!(
            asid,
            RemoteFence::VvmaAsidAll { asid: 7 },
            "start {start:#x}"
        );
        assert_eq!(
            asid.request(),
            FenceRequest::Queue(HfenceKind::VvmaAsidAll { asid: 7 })
        );
    }
    // (0, 0) still means everything.
    assert_eq!(
        rfence(SBI_EXT_RFENCE_REMOTE_SFENCE_VMA, 0, 0),
        RemoteFence::VvmaAll
    );
    assert_eq!(
        rfence(SBI_EXT_RFENCE_REMOTE_SFENCE_VMA_ASID, 0, 0),
        RemoteFence::VvmaAsidAll { asid: 7 }
    );
    // Only 2^XLEN - 1 is special: one less is a range.
    let size = u64::MAX - 1;
    assert_eq!(
        rfence(SBI_EXT_RFENCE_REMOTE_SFENCE_VMA, 0, size),
        RemoteFence::VvmaGva { start: 0, size }
    );
    assert_eq!(
        rfence(SBI_EXT_RFENCE_REMOTE_SFENCE_VMA_ASID, 0x1000, size),
        RemoteFence::VvmaAsidGva {
            start: 0x1000,
            size,
            asid: 7
        }
    );
    // The legacy calls kept their (0, 0)-only rule.
    for (ext, ranged) in [
        (
            SBI_EXT_0_1_REMOTE_SFENCE_VMA,
            RemoteFence::VvmaGva {
                start: 0x1000,
                size: u64::MAX,
            },
        ),
        (
            SBI_EXT_0_1_REMOTE_SFENCE_VMA_ASID,
            RemoteFence::VvmaAsidGva {
                start: 0x1000,
                size: u64::MAX,
                asid: 7,
            },
        ),
    ] {
        match dispatch(&call(ext, 0, [0, 0x1000, u64::MAX, 7, 0, 0]), &env()) {
            SbiOutcome::LegacyRemoteFence { fence, .. } => assert_eq!(fence, ranged),
            o => panic!("{o:?}"),
        }
    }
}

#[test]
fn srst_reset() {
    let reset = |args: [u64; 6]| go(SBI_EXT_SRST, SBI_EXT_SRST_RESET, args);
    assert_eq!(
        reset([0, 0, 0, 0, 0, 0]),
        SbiOutcome::SystemReset {
            event: SystemEvent::Shutdown,
            reason: 0
        }
    );
    assert_eq!(
        reset([1, 1, 0, 0, 0, 0]),
        SbiOutcome::SystemReset {
            event: SystemEvent::Reset,
            reason: 1
        }
    );
    assert_eq!(
        reset([2, 0xffff_ffff, 0, 0, 0, 0]),
        SbiOutcome::SystemReset {
            event: SystemEvent::Reset,
            reason: 0xffff_ffff
        }
    );
    // Type and reason are 32-bit: upper halves are dropped.
    assert_eq!(
        reset([1 << 32, 0xaaaa_0000_0000_0005, 0, 0, 0, 0]),
        SbiOutcome::SystemReset {
            event: SystemEvent::Shutdown,
            reason: 5
        }
    );
    for ty in [3, 0xf000_0000, 0xffff_ffff] {
        assert_eq!(reset([ty, 0, 0, 0, 0, 0]), NS);
    }
    assert_eq!(SystemEvent::Shutdown.kvm_type(), 1);
    assert_eq!(SystemEvent::Reset.kvm_type(), 2);
    let o = reset(Z);
    assert_eq!(o.completion(SbiRet::ok(0)), Completion::Exit);
    assert_eq!(o.pmu_fw_event(), None);
}

#[test]
fn hsm_calls() {
    assert_eq!(
        go(
            SBI_EXT_HSM,
            SBI_EXT_HSM_HART_START,
            [2, 0x8020_0000, 0xabc, 9, 9, 9]
        ),
        SbiOutcome::HsmStart {
            hartid: 2,
            vcpu_id: 2,
            start_addr: 0x8020_0000,
            opaque: 0xabc
        }
    );
    // The lookup sees an int; the started hart gets the whole a0.
    assert_eq!(
        go(
            SBI_EXT_HSM,
            SBI_EXT_HSM_HART_START,
            [1 << 32 | 1, 0, 0, 0, 0, 0]
        ),
        SbiOutcome::HsmStart {
            hartid: 1 << 32 | 1,
            vcpu_id: 1,
            start_addr: 0,
            opaque: 0
        }
    );
    for bad in [0x8000_0000, 0xffff_ffff, u64::MAX] {
        assert_eq!(
            go(SBI_EXT_HSM, SBI_EXT_HSM_HART_START, [bad, 0, 0, 0, 0, 0]),
            INVALID_PARAM
        );
        assert_eq!(
            go(SBI_EXT_HSM, SBI_EXT_HSM_HART_STATUS, [bad, 0, 0, 0, 0, 0]),
            INVALID_PARAM
        );
    }
    assert_eq!(
        go(
            SBI_EXT_HSM,
            SBI_EXT_HSM_HART_START,
            [0x7fff_ffff, 0, 0, 0, 0, 0]
        ),
        SbiOutcome::HsmStart {
            hartid: 0x7fff_ffff,
            vcpu_id: 0x7fff_ffff,
            start_addr: 0,
            opaque: 0
        }
    );
    assert_eq!(
        go(SBI_EXT_HSM, SBI_EXT_HSM_HART_STOP, [5; 6]),
        SbiOutcome::HsmStop
    );
    assert_eq!(
        go(SBI_EXT_HSM, SBI_EXT_HSM_HART_STATUS, [3, 0, 0, 0, 0, 0]),
        SbiOutcome::HsmStatus { vcpu_id: 3 }
    );
    // Suspend: the type is the low 32 bits of a0.
    let suspend = |ty: u64| go(SBI_EXT_HSM, SBI_EXT_HSM_HART_SUSPEND, [ty, 1, 2, 0, 0, 0]);
    assert_eq!(suspend(0), SbiOutcome::HsmSuspend);
    assert_eq!(suspend(0xffff_ffff_0000_0000), SbiOutcome::HsmSuspend);
    assert_eq!(suspend(0x8000_0000), NS);
    for ty in [1, 0x1000_0000, 0x7fff_ffff, 0x8000_0001, 0x9000_0000] {
        assert_eq!(suspend(ty), INVALID_PARAM, "{ty:#x}");
    }
    for o in [
        SbiOutcome::HsmStop,
        SbiOutcome::HsmSuspend,
        SbiOutcome::HsmStatus { vcpu_id: 0 },
    ] {
        assert_eq!(o.pmu_fw_event(), None);
        assert_eq!(
            o.completion(SbiRet::ok(SBI_HSM_STATE_SUSPENDED)),
            Completion::Resume { a0: 0, a1: Some(4) }
        );
    }
}

#[test]
fn pmu_calls() {
    let a = [10, 11, 12, 13, 14, 15];
    let pmu = |func: u64| go(SBI_EXT_PMU, func, a);
    assert_eq!(pmu(0), SbiOutcome::Pmu(PmuCall::NumCounters));
    assert_eq!(
        pmu(1),
        SbiOutcome::Pmu(PmuCall::CounterGetInfo { counter: 10 })
    );
    assert_eq!(
        pmu(2),
        SbiOutcome::Pmu(PmuCall::CounterCfgMatch {
            base: 10,
            mask: 11,
            flags: 12,
            event_idx: 13,
            event_data: 14
        })
    );
    assert_eq!(
        pmu(3),
        SbiOutcome::Pmu(PmuCall::CounterStart {
            base: 10,
            mask: 11,
            flags: 12,
            initial: 13
        })
    );
    assert_eq!(
        pmu(4),
        SbiOutcome::Pmu(PmuCall::CounterStop {
            base: 10,
            mask: 11,
            flags: 12
        })
    );
    assert_eq!(
        pmu(5),
        SbiOutcome::Pmu(PmuCall::CounterFwRead { counter: 10 })
    );
    assert_eq!(pmu(6), ret(0, 0));
    assert_eq!(
        pmu(7),
        SbiOutcome::Pmu(PmuCall::SnapshotSetShmem {
            lo: 10,
            hi: 11,
            flags: 12
        })
    );
    assert_eq!(pmu(0).pmu_fw_event(), None);
}

#[test]
fn sta_set_shmem() {
    let sta = |args: [u64; 6]| go(SBI_EXT_STA, SBI_EXT_STA_STEAL_TIME_SET_SHMEM, args);
    assert_eq!(
        sta([0x8000_0040, 0, 0, 0, 0, 0]),
        SbiOutcome::StaSetShmem { gpa: 0x8000_0040 }
    );
    assert_eq!(sta([0, 0, 0, 0, 0, 0]), SbiOutcome::StaSetShmem { gpa: 0 });
    assert_eq!(
        sta([u64::MAX, u64::MAX, 0, 0, 0, 0]),
        SbiOutcome::StaDisable
    );
    // Flags first, as a u32.
    assert_eq!(sta([u64::MAX, u64::MAX, 1, 0, 0, 0]), INVALID_PARAM);
    assert_eq!(sta([0x40, 0, 1 << 31, 0, 0, 0]), INVALID_PARAM);
    assert_eq!(
        sta([0x40, 0, 1 << 32, 0, 0, 0]),
        SbiOutcome::StaSetShmem { gpa: 0x40 }
    );
    // Then alignment, then the high half.
    assert_eq!(sta([0x41, 1, 0, 0, 0, 0]), INVALID_PARAM);
    assert_eq!(sta([0x20, 0, 0, 0, 0, 0]), INVALID_PARAM);
    assert_eq!(sta([u64::MAX, 0, 0, 0, 0, 0]), INVALID_PARAM);
    assert_eq!(sta([0x40, 1, 0, 0, 0, 0]), ret(SBI_ERR_INVALID_ADDRESS, 0));
    assert_eq!(
        sta([0xffff_ffff_ffff_ffc0, u64::MAX, 0, 0, 0, 0]),
        ret(SBI_ERR_INVALID_ADDRESS, 0)
    );
}

#[test]
fn legacy_calls() {
    let e = env();
    let legacy = |ext: u64, args: [u64; 6]| dispatch(&call(ext, 0x77, args), &e);
    assert_eq!(
        legacy(0, [0x99, 1, 0, 0, 0, 0]),
        SbiOutcome::LegacySetTimer { next_cycle: 0x99 }
    );
    assert_eq!(
        legacy(1, [b'a' as u64, 0, 0, 0, 0, 0]),
        SbiOutcome::ForwardToUser
    );
    assert_eq!(legacy(2, Z), SbiOutcome::ForwardToUser);
    assert_eq!(legacy(3, Z), SbiOutcome::LegacyClearIpi);
    // Hart masks: a pointer, or 0 for every online vCPU.
    assert_eq!(
        legacy(4, [0x8000_1000, 0, 0, 0, 0, 0]),
        SbiOutcome::LegacySendIpi {
            harts: LegacyHartMask::InGuestMemory { addr: 0x8000_1000 }
        }
    );
    assert_eq!(
        legacy(4, Z),
        SbiOutcome::LegacySendIpi {
            harts: LegacyHartMask::Mask(0b1111)
        }
    );
    let all = LegacyHartMask::Mask(0b1111);
    let fence = |ext: u64, args: [u64; 6]| match legacy(ext, args) {
        SbiOutcome::LegacyRemoteFence { fence, harts } => (fence, harts),
        o => panic!("{o:?}"),
    };
    assert_eq!(fence(5, Z), (RemoteFence::FenceI, all));
    assert_eq!(
        fence(5, [0x10, 0, 0, 0, 0, 0]),
        (
            RemoteFence::FenceI,
            LegacyHartMask::InGuestMemory { addr: 0x10 }
        )
    );
    // sfence.vma: start a1, size a2; only (0, 0) means all.
    assert_eq!(fence(6, [0, 0, 0, 5, 0, 0]), (RemoteFence::VvmaAll, all));
    assert_eq!(
        fence(6, [0, 0x1000, u64::MAX, 0, 0, 0]),
        (
            RemoteFence::VvmaGva {
                start: 0x1000,
                size: u64::MAX
            },
            all
        )
    );
    // sfence.vma.asid: ASID in a3.
    assert_eq!(
        fence(7, [0, 0, 0, 5, 0, 0]),
        (RemoteFence::VvmaAsidAll { asid: 5 }, all)
    );
    assert_eq!(
        fence(7, [0, 0, 0x2000, 5, 0, 0]),
        (
            RemoteFence::VvmaAsidGva {
                start: 0,
                size: 0x2000,
                asid: 5
            },
            all
        )
    );
    assert_eq!(
        legacy(8, [1, 2, 3, 4, 5, 6]),
        SbiOutcome::SystemReset {
            event: SystemEvent::Shutdown,
            reason: 0
        }
    );
    // a6 plays no part.
    for func in [0, 1, u64::MAX] {
        assert_eq!(dispatch(&call(3, func, Z), &e), SbiOutcome::LegacyClearIpi);
    }
}

// Tests of the SBI specification numbers and KVM's own.

#[test]
fn numbers_match_the_specification() {
    // Extension ids spell their names in ASCII.
    let ascii = |id: u64| -> Vec<u8> {
        id.to_be_bytes()
            .iter()
            .copied()
            .skip_while(|&b| b == 0)
            .collect()
    };
    assert_eq!(ascii(SBI_EXT_TIME), b"TIME");
    assert_eq!(ascii(SBI_EXT_IPI), b"sPI");
    assert_eq!(ascii(SBI_EXT_RFENCE), b"RFNC");
    assert_eq!(ascii(SBI_EXT_HSM), b"HSM");
    assert_eq!(ascii(SBI_EXT_SRST), b"SRST");
    assert_eq!(ascii(SBI_EXT_SUSP), b"SUSP");
    assert_eq!(ascii(SBI_EXT_PMU), b"PMU");
    assert_eq!(ascii(SBI_EXT_DBCN), b"DBCN");
    assert_eq!(ascii(SBI_EXT_STA), b"STA");
    assert_eq!(SBI_EXT_BASE, 0x10);
    assert_eq!(SBI_EXT_EXPERIMENTAL_END + 1, SBI_EXT_VENDOR_START);
    assert_eq!(SBI_EXT_VENDOR_END - SBI_EXT_VENDOR_START, 0xff_ffff);
    // Errors, in specification order.
    assert_eq!(
        [
            SBI_SUCCESS,
            SBI_ERR_FAILURE,
            SBI_ERR_NOT_SUPPORTED,
            SBI_ERR_INVALID_PARAM,
            SBI_ERR_DENIED,
            SBI_ERR_INVALID_ADDRESS,
            SBI_ERR_ALREADY_AVAILABLE,
            SBI_ERR_ALREADY_STARTED,
            SBI_ERR_ALREADY_STOPPED,
            SBI_ERR_NO_SHMEM
        ],
        [0, -1, -2, -3, -4, -5, -6, -7, -8, -9]
    );
    // KVM's identity: SBI v2.0, implementation 3 ("KVM").
    assert_eq!(KVM_SBI_SPEC_VERSION, 0x0200_0000);
    assert_eq!(KVM_SBI_IMPID, 3);
    assert_eq!(kernel_version(6, 12, 117), 396_405);
    assert_eq!(kernel_version(4, 9, 337), 0x0004_09ff);
    assert_eq!(KVM_EXIT_RISCV_SBI, 35);
    // KVM SBI ids follow enum KVM_RISCV_SBI_EXT_ID.
    for (n, id) in ALL_IDS.iter().enumerate() {
        assert_eq!(id.get() as usize, n);
    }
}

// Tests of outcomes: completion, fence requests and PMU events.

#[test]
fn completion_and_the_legacy_a1_rule() {
    let r = SbiRet {
        error: SBI_ERR_INVALID_PARAM,
        value: 9,
    };
    // v0.2 calls write both registers.
    let o = go(SBI_EXT_TIME, 0, [5, 0, 0, 0, 0, 0]);
    assert!(!o.is_legacy());
    assert_eq!(
        o.completion(SbiRet::ok(0)),
        Completion::Resume { a0: 0, a1: Some(0) }
    );
    assert_eq!(
        o.completion(r),
        Completion::Resume {
            a0: (-3i64) as u64,
            a1: Some(9)
        }
    );
    // Return completes with its own answer.
    assert_eq!(
        NS.completion(SbiRet::ok(7)),
        Completion::Resume {
            a0: (-2i64) as u64,
            a1: Some(0)
        }
    );
    // Legacy calls write a0 only.
    for ext in [0, 3, 4, 5, 6, 7] {
        let o = go(ext, 0, [0, 1, 2, 3, 4, 5]);
        assert!(o.is_legacy(), "{ext}");
        assert_eq!(
            o.completion(r),
            Completion::Resume {
                a0: r.error as u64,
                a1: None
            }
        );
    }
    // Legacy calls that exit touch nothing until completion; a
    // forwarded console call then gets both registers.
    for ext in [1, 2, 8] {
        let o = go(ext, 0, Z);
        assert!(!o.is_legacy());
        assert_eq!(o.completion(r), Completion::Exit);
    }
    // A legacy id nobody takes is not a legacy call: a1 is zeroed.
    let mut e = env();
    e.sbi[0] = SbiExtStatus::Disabled;
    let o = dispatch(&call(4, 0, Z), &e);
    assert_eq!(
        o.completion(r),
        Completion::Resume {
            a0: (-2i64) as u64,
            a1: Some(0)
        }
    );
    let o = dispatch(
        &call(4, 0, Z),
        &SbiEnv {
            v01: false,
            ..env()
        },
    );
    assert_eq!(o, NS);
}

#[test]
fn remote_fence_requests_and_events() {
    use FenceRequest::*;
    let cases = [
        (RemoteFence::FenceI, FenceI, SBI_PMU_FW_FENCE_I_SENT),
        (
            RemoteFence::VvmaAll,
            Flush(FullFlush::VvmaAll),
            SBI_PMU_FW_HFENCE_VVMA_SENT,
        ),
        (
            RemoteFence::VvmaGva { start: 1, size: 2 },
            Queue(HfenceKind::VvmaGva {
                gva: 1,
                size: 2,
                order: 12,
            }),
            SBI_PMU_FW_HFENCE_VVMA_SENT,
        ),
        (
            RemoteFence::VvmaAsidAll { asid: 3 },
            Queue(HfenceKind::VvmaAsidAll { asid: 3 }),
            SBI_PMU_FW_HFENCE_VVMA_ASID_SENT,
        ),
        (
            RemoteFence::VvmaAsidGva {
                start: 1,
                size: 2,
                asid: 3,
            },
            Queue(HfenceKind::VvmaAsidGva {
                asid: 3,
                gva: 1,
                size: 2,
                order: 12,
            }),
            SBI_PMU_FW_HFENCE_VVMA_ASID_SENT,
        ),
    ];
    for (fence, request, event) in cases {
        assert_eq!(fence.request(), request);
        let o = SbiOutcome::RemoteFence {
            fence,
            hart_mask: 1,
            hart_mask_base: 0,
        };
        assert_eq!(o.pmu_fw_event(), Some(event));
        // Legacy fences count nothing.
        let o = SbiOutcome::LegacyRemoteFence {
            fence,
            harts: LegacyHartMask::Mask(1),
        };
        assert_eq!(o.pmu_fw_event(), None);
    }
    // A full queue falls back to flushing all VS-stage translations.
    if let Queue(kind) = (RemoteFence::VvmaAsidAll { asid: 1 }).request() {
        assert_eq!(kind.fallback(), FullFlush::VvmaAll);
    }
}

// Tests of the SBI extensions a new vCPU starts with.

#[test]
fn initial_status_as_upstream_offers_it() {
    for (sta, pmu) in [(false, false), (false, true), (true, false), (true, true)] {
        let status = initial_status(sta, pmu);
        for id in ALL_IDS {
            let want = match id {
                SbiExtId::PMU if !pmu => SbiExtStatus::Unavailable,
                SbiExtId::STA if !sta => SbiExtStatus::Unavailable,
                SbiExtId::DBCN => SbiExtStatus::Disabled,
                _ => SbiExtStatus::Enabled,
            };
            assert_eq!(
                status[id.get() as usize],
                want,
                "{id:?} with sta={sta} pmu={pmu}"
            );
        }
    }
}
