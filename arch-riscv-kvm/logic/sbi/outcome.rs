// SPDX-License-Identifier: GPL-2.0

//! What the kernel layer does with an SBI call ([`SbiOutcome`]) and the
//! pieces an outcome names: remote fences, system events, legacy hart
//! masks and PMU calls.

use super::call::{Completion, SbiRet};
use super::kvm_abi::{KVM_SYSTEM_EVENT_RESET, KVM_SYSTEM_EVENT_SHUTDOWN};
use super::spec::{
    SBI_PMU_FW_FENCE_I_SENT, SBI_PMU_FW_HFENCE_VVMA_ASID_SENT, SBI_PMU_FW_HFENCE_VVMA_SENT,
    SBI_PMU_FW_IPI_SENT, SBI_PMU_FW_SET_TIMER,
};
use crate::logic::gstage::PAGE_SHIFT;
use crate::logic::hfence::{FullFlush, HfenceKind};

#[cfg(doc)]
use super::call::{forward_return, hart_vcpu_id, hsm_state, IpiTargets, SbiCall};
#[cfg(doc)]
use crate::logic::hfence::hart_selected;

/// A remote fence the guest asks of other harts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RemoteFence {
    /// `fence.i` (`kvm_riscv_fence_i()`).
    FenceI,
    /// Every VS-stage translation (`kvm_riscv_hfence_vvma_all()`).
    VvmaAll,
    /// VS-stage translations of `[start, start + size)` in every ASID
    /// (`kvm_riscv_hfence_vvma_gva()`).
    VvmaGva {
        /// Start of the range.
        start: u64,
        /// Length of the range in bytes.
        size: u64,
    },
    /// Every VS-stage translation of one ASID
    /// (`kvm_riscv_hfence_vvma_asid_all()`).
    VvmaAsidAll {
        /// Guest ASID.
        asid: u64,
    },
    /// VS-stage translations of `[start, start + size)` in one ASID
    /// (`kvm_riscv_hfence_vvma_asid_gva()`).
    VvmaAsidGva {
        /// Start of the range.
        start: u64,
        /// Length of the range in bytes.
        size: u64,
        /// Guest ASID.
        asid: u64,
    },
}

/// How the targets of a [`RemoteFence`] are asked for it (`tlb.c`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FenceRequest {
    /// Raise `KVM_REQ_FENCE_I` on each target.
    FenceI,
    /// Raise the request of a whole-VM flush on each target.
    Flush(FullFlush),
    /// Queue the fence on each target and raise `KVM_REQ_HFENCE`, or the
    /// [`HfenceKind::fallback`] request if some queue is full.
    Queue(HfenceKind),
}

impl RemoteFence {
    /// The request that carries the fence out. Ranged fences step by the
    /// base page size, as upstream.
    pub const fn request(self) -> FenceRequest {
        match self {
            RemoteFence::FenceI => FenceRequest::FenceI,
            RemoteFence::VvmaAll => FenceRequest::Flush(FullFlush::VvmaAll),
            RemoteFence::VvmaGva { start, size } => FenceRequest::Queue(HfenceKind::VvmaGva {
                gva: start,
                size,
                order: PAGE_SHIFT,
            }),
            RemoteFence::VvmaAsidAll { asid } => {
                FenceRequest::Queue(HfenceKind::VvmaAsidAll { asid })
            }
            RemoteFence::VvmaAsidGva { start, size, asid } => {
                FenceRequest::Queue(HfenceKind::VvmaAsidGva {
                    asid,
                    gva: start,
                    size,
                    order: PAGE_SHIFT,
                })
            }
        }
    }

    /// The PMU firmware event the sender counts
    /// (`vcpu_sbi_replace.c:111-130`). Upstream counts `sfence.vma`
    /// requests under the HFENCE events.
    const fn sent_event(self) -> u32 {
        match self {
            RemoteFence::FenceI => SBI_PMU_FW_FENCE_I_SENT,
            RemoteFence::VvmaAll | RemoteFence::VvmaGva { .. } => SBI_PMU_FW_HFENCE_VVMA_SENT,
            RemoteFence::VvmaAsidAll { .. } | RemoteFence::VvmaAsidGva { .. } => {
                SBI_PMU_FW_HFENCE_VVMA_ASID_SENT
            }
        }
    }
}

/// Which system event an SBI reset raises.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SystemEvent {
    /// Power off.
    Shutdown,
    /// Cold or warm reboot (KVM does not tell them apart).
    Reset,
}

impl SystemEvent {
    /// `kvm_run.system_event.type`.
    pub const fn kvm_type(self) -> u32 {
        match self {
            SystemEvent::Shutdown => KVM_SYSTEM_EVENT_SHUTDOWN,
            SystemEvent::Reset => KVM_SYSTEM_EVENT_RESET,
        }
    }
}

/// Where a legacy call's hart mask is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LegacyHartMask {
    /// The `unsigned long` at guest virtual address `addr`, read as the
    /// guest's S-mode would (`kvm_riscv_vcpu_unpriv_read()`). If the read
    /// faults, the fault goes to the guest instead and the call is not
    /// carried out (see the module documentation).
    InGuestMemory {
        /// Guest virtual address of the mask (the call's `a0`).
        addr: u64,
    },
    /// The mask itself (a null pointer named every online vCPU).
    Mask(u64),
}

/// A PMU extension call, once the function id is known
/// (`kvm_sbi_ext_pmu_handler()`, `vcpu_sbi_pmu.c:16-82`). Each answers
/// with the error and value the PMU code computes, or fails with a Linux
/// error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PmuCall {
    /// `num_counters`.
    NumCounters,
    /// `counter_get_info`.
    CounterGetInfo {
        /// Counter index.
        counter: u64,
    },
    /// `counter_config_matching`.
    CounterCfgMatch {
        /// First counter of the mask.
        base: u64,
        /// Counters to choose from, relative to `base`.
        mask: u64,
        /// `SBI_PMU_CFG_FLAG_*`.
        flags: u64,
        /// Event index.
        event_idx: u64,
        /// Event data (`a4`; RV64 has no upper half).
        event_data: u64,
    },
    /// `counter_start`.
    CounterStart {
        /// First counter of the mask.
        base: u64,
        /// Counters to start, relative to `base`.
        mask: u64,
        /// `SBI_PMU_START_FLAG_*`.
        flags: u64,
        /// Initial value (`a3`; RV64 has no upper half).
        initial: u64,
    },
    /// `counter_stop`.
    CounterStop {
        /// First counter of the mask.
        base: u64,
        /// Counters to stop, relative to `base`.
        mask: u64,
        /// `SBI_PMU_STOP_FLAG_*`.
        flags: u64,
    },
    /// `counter_fw_read`.
    CounterFwRead {
        /// Counter index.
        counter: u64,
    },
    /// `snapshot_set_shmem`.
    SnapshotSetShmem {
        /// Low half of the shared memory address.
        lo: u64,
        /// High half.
        hi: u64,
        /// Flags.
        flags: u64,
    },
}

/// What the kernel layer does with an SBI call. Unless a variant says
/// otherwise, it is carried out on the calling vCPU and completes with
/// [`SbiOutcome::completion`] of the [`SbiRet`] it yields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SbiOutcome {
    /// Answered here; nothing to carry out.
    Return(SbiRet),
    /// Exit to userspace with `KVM_EXIT_RISCV_SBI` and
    /// [`SbiCall::forward_exit`], counting `ecall_exit_stat`; the next
    /// `KVM_RUN` completes the call with [`forward_return`].
    ForwardToUser,
    /// Stop every vCPU of the VM (power state stopped, `KVM_REQ_SLEEP`)
    /// and exit to userspace with `KVM_EXIT_SYSTEM_EVENT`, `type`
    /// [`SystemEvent::kvm_type`], `ndata` 1 and `data[0]` `reason`
    /// (`kvm_riscv_vcpu_sbi_system_reset()`, `vcpu_sbi.c:133-152`).
    SystemReset {
        /// Shutdown or reset.
        event: SystemEvent,
        /// The reset reason (32 bits, zero-extended).
        reason: u64,
    },
    /// TIME `set_timer`: program the vCPU's next timer event and clear its
    /// pending timer interrupt (`kvm_riscv_vcpu_timer_next_event()`, whose
    /// error upstream ignores). Yields success, value 0.
    SetTimer {
        /// Absolute `time` value of the event.
        next_cycle: u64,
    },
    /// IPI `send_ipi`: see [`IpiTargets`].
    SendIpi {
        /// Hart mask.
        hart_mask: u64,
        /// Hart mask base (`u64::MAX`: every vCPU).
        hart_mask_base: u64,
    },
    /// RFENCE: ask the vCPUs [`hart_selected`] by the mask for
    /// [`RemoteFence::request`]. Yields success, value 0.
    RemoteFence {
        /// The fence.
        fence: RemoteFence,
        /// Hart mask.
        hart_mask: u64,
        /// Hart mask base (`u64::MAX`: every vCPU).
        hart_mask_base: u64,
    },
    /// HSM `hart_start` (`vcpu_sbi_hsm.c:16-52`), under the target's power
    /// state lock: no vCPU with `vcpu_id` yields `SBI_ERR_INVALID_PARAM`;
    /// a target not stopped `SBI_ERR_ALREADY_AVAILABLE`. Otherwise set the
    /// target's reset context (`sepc` = `start_addr`, `a0` = `hartid`,
    /// `a1` = `opaque`), request `KVM_REQ_VCPU_RESET` on it, power it on
    /// and yield success.
    HsmStart {
        /// The hart id as the guest passed it; the started hart gets it
        /// whole in `a0`.
        hartid: u64,
        /// The vCPU id to look up ([`hart_vcpu_id`] of `hartid`).
        vcpu_id: u32,
        /// Where the hart starts.
        start_addr: u64,
        /// Opaque value for the started hart's `a1`.
        opaque: u64,
    },
    /// HSM `hart_stop`: power the calling vCPU off, or yield
    /// `SBI_ERR_FAILURE` if it is already stopped.
    HsmStop,
    /// HSM `hart_get_status`: no vCPU with `vcpu_id` yields
    /// `SBI_ERR_INVALID_PARAM`, else success with [`hsm_state`] as value.
    HsmStatus {
        /// The vCPU id to look up ([`hart_vcpu_id`] of the hart id).
        vcpu_id: u32,
    },
    /// HSM `hart_suspend`, default retentive type: wait as for `WFI`
    /// (`kvm_riscv_vcpu_wfi()`), then yield success.
    HsmSuspend,
    /// A PMU call. Only reached while PMU is enabled, which upstream only
    /// allows once the vCPU's PMU is initialised.
    Pmu(PmuCall),
    /// STA `set_shmem` of a checked address (`vcpu_sbi_sta.c:105-125`):
    /// an address not in a writable memslot yields
    /// `SBI_ERR_INVALID_ADDRESS`, failing to zero the structure there
    /// `SBI_ERR_FAILURE`; otherwise record it, with the task's current run
    /// delay as the last steal time, and yield success.
    StaSetShmem {
        /// Guest physical address, 64-byte aligned.
        gpa: u64,
    },
    /// STA `set_shmem` with both halves `SBI_SHMEM_DISABLE`: stop
    /// steal-time accounting (shmem `INVALID_GPA`) and yield success.
    StaDisable,
    /// Legacy `set_timer`: as [`SbiOutcome::SetTimer`], except that a
    /// Linux error from the timer fails `KVM_RUN`, no PMU event is
    /// counted, and the result goes to `a0` only.
    LegacySetTimer {
        /// Absolute `time` value of the event.
        next_cycle: u64,
    },
    /// Legacy `clear_ipi`: clear the calling vCPU's pending VS software
    /// interrupt. Yields success.
    LegacyClearIpi,
    /// Legacy `send_ipi`: raise the VS software interrupt of the vCPU
    /// whose id is the index of each set bit. Upstream oopses on a bit
    /// with no such vCPU; skip it. Yields success.
    LegacySendIpi {
        /// The mask.
        harts: LegacyHartMask,
    },
    /// Legacy remote fences: as [`SbiOutcome::RemoteFence`] with mask base
    /// 0, no PMU event counted. Yields success.
    LegacyRemoteFence {
        /// The fence.
        fence: RemoteFence,
        /// The mask.
        harts: LegacyHartMask,
    },
}

impl SbiOutcome {
    /// Whether the outcome answers a legacy v0.1 call: those return in
    /// `a0` only and leave `a1` as the guest set it
    /// (`vcpu_sbi.c:436-439`, `:478-479`).
    pub const fn is_legacy(&self) -> bool {
        matches!(
            self,
            SbiOutcome::LegacySetTimer { .. }
                | SbiOutcome::LegacyClearIpi
                | SbiOutcome::LegacySendIpi { .. }
                | SbiOutcome::LegacyRemoteFence { .. }
        )
    }

    /// How the guest continues once the outcome is carried out and
    /// yielded `ret`. [`SbiOutcome::Return`] completes with its own
    /// answer and ignores `ret`; exits to userspace touch nothing.
    pub const fn completion(&self, ret: SbiRet) -> Completion {
        let ret = match self {
            SbiOutcome::ForwardToUser | SbiOutcome::SystemReset { .. } => {
                return Completion::Exit;
            }
            SbiOutcome::Return(answer) => *answer,
            _ => ret,
        };
        Completion::Resume {
            a0: ret.error as u64,
            a1: if self.is_legacy() {
                None
            } else {
                Some(ret.value)
            },
        }
    }

    /// The PMU firmware event (`SBI_PMU_FW_*`) upstream counts on the
    /// calling vCPU while carrying the outcome out, if any.
    pub const fn pmu_fw_event(&self) -> Option<u32> {
        match self {
            SbiOutcome::SetTimer { .. } => Some(SBI_PMU_FW_SET_TIMER),
            SbiOutcome::SendIpi { .. } => Some(SBI_PMU_FW_IPI_SENT),
            SbiOutcome::RemoteFence { fence, .. } => Some(fence.sent_event()),
            _ => None,
        }
    }
}
