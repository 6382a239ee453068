// SPDX-License-Identifier: GPL-2.0

//! Tests of dispatch as a whole: which extension answers, gating,
//! forwarding, and a sweep of inputs.

use super::*;
use std::vec::Vec;

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
