// SPDX-License-Identifier: GPL-2.0

//! Dispatch: [`dispatch`] finds the extension that answers a call and
//! runs its handler, one per extension, which decodes the function id and
//! arguments into an [`SbiOutcome`].

use super::call::{hart_vcpu_id, online_mask, SbiCall, SbiRet};
use super::ext_table::{find_ext, probe_extension, probe_is_forwarded, SbiExt};
use super::kvm_abi::{KVM_SBI_IMPID, KVM_SBI_SPEC_VERSION};
use super::outcome::{LegacyHartMask, PmuCall, RemoteFence, SbiOutcome, SystemEvent};
use super::spec::*;
use super::vcpu::SbiEnv;

pub(super) const NOT_SUPPORTED: SbiOutcome = SbiOutcome::Return(SbiRet::err(SBI_ERR_NOT_SUPPORTED));
pub(super) const INVALID_PARAM: SbiOutcome = SbiOutcome::Return(SbiRet::err(SBI_ERR_INVALID_PARAM));

/// Decides what SBI call `call` from the vCPU described by `env` takes
/// (`kvm_riscv_vcpu_sbi_ecall()` and the extension handlers).
///
/// An id that finds no enabled extension, or only the handler-less legacy
/// placeholder, is answered `SBI_ERR_NOT_SUPPORTED` with value 0: `a1` is
/// written even for legacy ids, because upstream only treats a call as
/// legacy once the legacy extension takes it (`vcpu_sbi.c:441-445`).
pub const fn dispatch(call: &SbiCall, env: &SbiEnv) -> SbiOutcome {
    let entry = match find_ext(call.ext, env) {
        Some(entry) if entry.handled => entry,
        _ => return NOT_SUPPORTED,
    };
    match entry.ext {
        SbiExt::V01 => legacy(call, env),
        SbiExt::Base => base(call, env),
        SbiExt::Time => time(call),
        SbiExt::Ipi => ipi(call),
        SbiExt::Rfence => rfence(call),
        SbiExt::Srst => srst(call),
        SbiExt::Hsm => hsm(call),
        SbiExt::Pmu => pmu(call),
        SbiExt::Dbcn => dbcn(call),
        SbiExt::Sta => sta(call),
        // vcpu_sbi_base.c:75-85: every function, unconditionally.
        SbiExt::Experimental | SbiExt::Vendor => SbiOutcome::ForwardToUser,
    }
}

/// `vcpu_sbi_base.c:16-66`.
const fn base(call: &SbiCall, env: &SbiEnv) -> SbiOutcome {
    let value = match call.func {
        SBI_EXT_BASE_GET_SPEC_VERSION => KVM_SBI_SPEC_VERSION,
        SBI_EXT_BASE_GET_IMP_ID => KVM_SBI_IMPID,
        SBI_EXT_BASE_GET_IMP_VERSION => env.impl_version,
        SBI_EXT_BASE_PROBE_EXT => {
            // Userspace may implement experimental and vendor extensions
            // KVM has never heard of, so it answers for them.
            if probe_is_forwarded(call.args[0]) {
                return SbiOutcome::ForwardToUser;
            }
            probe_extension(call.args[0], env)
        }
        SBI_EXT_BASE_GET_MVENDORID => env.mvendorid,
        SBI_EXT_BASE_GET_MARCHID => env.marchid,
        SBI_EXT_BASE_GET_MIMPID => env.mimpid,
        _ => return NOT_SUPPORTED,
    };
    SbiOutcome::Return(SbiRet::ok(value))
}

/// `vcpu_sbi_replace.c:17-37`. RV64: the time is `a0` alone.
const fn time(call: &SbiCall) -> SbiOutcome {
    if call.func != SBI_EXT_TIME_SET_TIMER {
        return NOT_SUPPORTED;
    }
    SbiOutcome::SetTimer {
        next_cycle: call.args[0],
    }
}

/// `vcpu_sbi_replace.c:45-90`.
const fn ipi(call: &SbiCall) -> SbiOutcome {
    if call.func != SBI_EXT_IPI_SEND_IPI {
        return NOT_SUPPORTED;
    }
    SbiOutcome::SendIpi {
        hart_mask: call.args[0],
        hart_mask_base: call.args[1],
    }
}

/// The range of an `sfence.vma` request, or `None` for all of it: upstream
/// flushes everything for a zero start and size, and for a size of -1
/// whatever the start (`vcpu_sbi_replace.c:114`, `:122`).
const fn sfence_range(start: u64, size: u64) -> Option<(u64, u64)> {
    if (start == 0 && size == 0) || size == u64::MAX {
        None
    } else {
        Some((start, size))
    }
}

/// `vcpu_sbi_replace.c:98-145`.
const fn rfence(call: &SbiCall) -> SbiOutcome {
    let [hart_mask, hart_mask_base, start, size, asid, _] = call.args;
    let fence = match call.func {
        SBI_EXT_RFENCE_REMOTE_FENCE_I => RemoteFence::FenceI,
        SBI_EXT_RFENCE_REMOTE_SFENCE_VMA => match sfence_range(start, size) {
            None => RemoteFence::VvmaAll,
            Some((start, size)) => RemoteFence::VvmaGva { start, size },
        },
        SBI_EXT_RFENCE_REMOTE_SFENCE_VMA_ASID => match sfence_range(start, size) {
            None => RemoteFence::VvmaAsidAll { asid },
            Some((start, size)) => RemoteFence::VvmaAsidGva { start, size, asid },
        },
        // The HFENCE functions only make sense with nested
        // virtualization, which KVM does not offer; neither does any
        // other function id.
        _ => return NOT_SUPPORTED,
    };
    SbiOutcome::RemoteFence {
        fence,
        hart_mask,
        hart_mask_base,
    }
}

/// `vcpu_sbi_replace.c:153-189`. Type and reason are `u32` there, so the
/// upper halves of `a0` and `a1` are ignored.
const fn srst(call: &SbiCall) -> SbiOutcome {
    if call.func != SBI_EXT_SRST_RESET {
        return NOT_SUPPORTED;
    }
    let event = match call.args[0] as u32 {
        SBI_SRST_RESET_TYPE_SHUTDOWN => SystemEvent::Shutdown,
        SBI_SRST_RESET_TYPE_COLD_REBOOT | SBI_SRST_RESET_TYPE_WARM_REBOOT => SystemEvent::Reset,
        _ => return NOT_SUPPORTED,
    };
    SbiOutcome::SystemReset {
        event,
        reason: call.args[1] as u32 as u64,
    }
}

/// `vcpu_sbi_hsm.c:91-131`.
const fn hsm(call: &SbiCall) -> SbiOutcome {
    let [hartid, start_addr, opaque, ..] = call.args;
    match call.func {
        SBI_EXT_HSM_HART_START => match hart_vcpu_id(hartid) {
            Some(vcpu_id) => SbiOutcome::HsmStart {
                hartid,
                vcpu_id,
                start_addr,
                opaque,
            },
            None => INVALID_PARAM,
        },
        SBI_EXT_HSM_HART_STOP => SbiOutcome::HsmStop,
        SBI_EXT_HSM_HART_STATUS => match hart_vcpu_id(hartid) {
            Some(vcpu_id) => SbiOutcome::HsmStatus { vcpu_id },
            None => INVALID_PARAM,
        },
        // Only the suspend type in the low 32 bits counts; resume address
        // and opaque are unused because only the retentive default type,
        // which returns to the caller, is supported.
        SBI_EXT_HSM_HART_SUSPEND => match hartid as u32 {
            SBI_HSM_SUSPEND_RET_DEFAULT => SbiOutcome::HsmSuspend,
            SBI_HSM_SUSPEND_NON_RET_DEFAULT => NOT_SUPPORTED,
            // Platform-specific types included.
            _ => INVALID_PARAM,
        },
        _ => NOT_SUPPORTED,
    }
}

/// `vcpu_sbi_pmu.c:16-82`.
const fn pmu(call: &SbiCall) -> SbiOutcome {
    let [a0, a1, a2, a3, a4, _] = call.args;
    let pmu_call = match call.func {
        SBI_EXT_PMU_NUM_COUNTERS => PmuCall::NumCounters,
        SBI_EXT_PMU_COUNTER_GET_INFO => PmuCall::CounterGetInfo { counter: a0 },
        SBI_EXT_PMU_COUNTER_CFG_MATCH => PmuCall::CounterCfgMatch {
            base: a0,
            mask: a1,
            flags: a2,
            event_idx: a3,
            event_data: a4,
        },
        SBI_EXT_PMU_COUNTER_START => PmuCall::CounterStart {
            base: a0,
            mask: a1,
            flags: a2,
            initial: a3,
        },
        SBI_EXT_PMU_COUNTER_STOP => PmuCall::CounterStop {
            base: a0,
            mask: a1,
            flags: a2,
        },
        SBI_EXT_PMU_COUNTER_FW_READ => PmuCall::CounterFwRead { counter: a0 },
        // A 64-bit counter has no upper half to read on RV64.
        SBI_EXT_PMU_COUNTER_FW_READ_HI => return SbiOutcome::Return(SbiRet::ok(0)),
        SBI_EXT_PMU_SNAPSHOT_SET_SHMEM => PmuCall::SnapshotSetShmem {
            lo: a0,
            hi: a1,
            flags: a2,
        },
        _ => return NOT_SUPPORTED,
    };
    SbiOutcome::Pmu(pmu_call)
}

/// `vcpu_sbi_replace.c:195-227`: the console lives in userspace.
const fn dbcn(call: &SbiCall) -> SbiOutcome {
    match call.func {
        SBI_EXT_DBCN_CONSOLE_WRITE
        | SBI_EXT_DBCN_CONSOLE_READ
        | SBI_EXT_DBCN_CONSOLE_WRITE_BYTE => SbiOutcome::ForwardToUser,
        _ => NOT_SUPPORTED,
    }
}

/// `vcpu_sbi_sta.c:81-147`, up to the memslot lookup.
const fn sta(call: &SbiCall) -> SbiOutcome {
    if call.func != SBI_EXT_STA_STEAL_TIME_SET_SHMEM {
        return NOT_SUPPORTED;
    }
    let [lo, hi, flags, ..] = call.args;
    // Upstream keeps the flags in a u32.
    if flags as u32 != 0 {
        return INVALID_PARAM;
    }
    if lo == SBI_SHMEM_DISABLE && hi == SBI_SHMEM_DISABLE {
        return SbiOutcome::StaDisable;
    }
    // The structure is 64 bytes and must not straddle a page.
    if lo & 63 != 0 {
        return INVALID_PARAM;
    }
    // RV64 addresses fit the low half; a high half cannot be honoured.
    if hi != 0 {
        return SbiOutcome::Return(SbiRet::err(SBI_ERR_INVALID_ADDRESS));
    }
    SbiOutcome::StaSetShmem { gpa: lo }
}

/// `vcpu_sbi_v01.c:16-107`. The extension id is the function; `a6` is
/// ignored.
const fn legacy(call: &SbiCall, env: &SbiEnv) -> SbiOutcome {
    let [a0, a1, a2, a3, ..] = call.args;
    // A null pointer names every online vCPU.
    let harts = if a0 != 0 {
        LegacyHartMask::InGuestMemory { addr: a0 }
    } else {
        LegacyHartMask::Mask(online_mask(env.online_vcpus))
    };
    // Unlike RFENCE, a size of -1 is a range like any other here.
    let whole = a1 == 0 && a2 == 0;
    let fence = match call.ext {
        SBI_EXT_0_1_SET_TIMER => return SbiOutcome::LegacySetTimer { next_cycle: a0 },
        // The console lives in userspace.
        SBI_EXT_0_1_CONSOLE_PUTCHAR | SBI_EXT_0_1_CONSOLE_GETCHAR => {
            return SbiOutcome::ForwardToUser
        }
        SBI_EXT_0_1_CLEAR_IPI => return SbiOutcome::LegacyClearIpi,
        SBI_EXT_0_1_SEND_IPI => return SbiOutcome::LegacySendIpi { harts },
        SBI_EXT_0_1_SHUTDOWN => {
            return SbiOutcome::SystemReset {
                event: SystemEvent::Shutdown,
                reason: 0,
            }
        }
        SBI_EXT_0_1_REMOTE_FENCE_I => RemoteFence::FenceI,
        SBI_EXT_0_1_REMOTE_SFENCE_VMA if whole => RemoteFence::VvmaAll,
        SBI_EXT_0_1_REMOTE_SFENCE_VMA => RemoteFence::VvmaGva {
            start: a1,
            size: a2,
        },
        SBI_EXT_0_1_REMOTE_SFENCE_VMA_ASID if whole => RemoteFence::VvmaAsidAll { asid: a3 },
        SBI_EXT_0_1_REMOTE_SFENCE_VMA_ASID => RemoteFence::VvmaAsidGva {
            start: a1,
            size: a2,
            asid: a3,
        },
        // Unreachable through the table (its range is 0..=8), kept for
        // parity with upstream's default case.
        _ => return NOT_SUPPORTED,
    };
    SbiOutcome::LegacyRemoteFence { fence, harts }
}
