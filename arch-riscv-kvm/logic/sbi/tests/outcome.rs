// SPDX-License-Identifier: GPL-2.0

//! Tests of outcomes: completion, fence requests and PMU events.

use super::*;
use crate::logic::hfence::{FullFlush, HfenceKind};

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
