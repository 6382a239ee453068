// SPDX-License-Identifier: GPL-2.0

//! Tests of the extension table, its lookup and BASE `probe_extension`.

use super::*;
use std::vec::Vec;

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
        assert_eq!(initial_status(sta).len(), KVM_RISCV_SBI_EXT_MAX as usize);
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
