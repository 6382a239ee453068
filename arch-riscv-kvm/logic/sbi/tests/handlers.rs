// SPDX-License-Identifier: GPL-2.0

//! Tests of each extension's handler: function ids and argument
//! decoding.

use super::*;
use crate::logic::hfence::{FullFlush, HfenceKind};

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
