// SPDX-License-Identifier: GPL-2.0

//! Tests of calls, their results and the argument helpers.

use super::*;
use std::vec::Vec;

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
