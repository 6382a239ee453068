// SPDX-License-Identifier: GPL-2.0

//! An SBI call and its results: the registers in, [`SbiRet`] and
//! [`Completion`] out, and the helpers that decode a call's arguments
//! (hart ids, hart masks, IPI targets).

use super::spec::{
    SBI_ERR_INVALID_PARAM, SBI_ERR_NOT_SUPPORTED, SBI_HSM_STATE_STARTED, SBI_HSM_STATE_STOPPED,
    SBI_HSM_STATE_SUSPENDED, SBI_SUCCESS,
};
use crate::logic::hfence::hart_selected;

/// An SBI call: the guest's `a7`, `a6` and `a0..=a5` at the `ecall`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SbiCall {
    /// Extension id (`a7`).
    pub ext: u64,
    /// Function id (`a6`); legacy calls ignore it.
    pub func: u64,
    /// Arguments (`a0..=a5`).
    pub args: [u64; 6],
}

impl SbiCall {
    /// The call in guest registers `a0..=a7`.
    pub const fn from_regs(a: [u64; 8]) -> Self {
        SbiCall {
            ext: a[7],
            func: a[6],
            args: [a[0], a[1], a[2], a[3], a[4], a[5]],
        }
    }

    /// What `KVM_EXIT_RISCV_SBI` reports to userspace for this call
    /// (`kvm_riscv_vcpu_sbi_forward()`, `vcpu_sbi.c:114-131`).
    pub const fn forward_exit(&self) -> SbiExit {
        SbiExit {
            extension_id: self.ext,
            function_id: self.func,
            args: self.args,
            // Answered "not supported" unless userspace says otherwise.
            ret: [SBI_ERR_NOT_SUPPORTED as u64, 0],
        }
    }
}

/// `kvm_run.riscv_sbi` of a forwarded call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SbiExit {
    /// The call's `a7`.
    pub extension_id: u64,
    /// The call's `a6`.
    pub function_id: u64,
    /// The call's `a0..=a5`.
    pub args: [u64; 6],
    /// Preset results, which userspace overwrites to answer.
    pub ret: [u64; 2],
}

/// The result of an SBI call: `a0` and `a1` of the SBI calling convention.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SbiRet {
    /// `SBI_SUCCESS` or an `SBI_ERR_*` code.
    pub error: i64,
    /// The function's value.
    pub value: u64,
}

impl SbiRet {
    /// Success with `value`.
    pub const fn ok(value: u64) -> Self {
        SbiRet {
            error: SBI_SUCCESS,
            value,
        }
    }

    /// Failure with `error` (an `SBI_ERR_*` code) and value 0, as upstream
    /// leaves `out_val` on every error path.
    pub const fn err(error: i64) -> Self {
        SbiRet { error, value: 0 }
    }
}

/// How the guest continues once the kernel layer has carried a call out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Completion {
    /// Step over the `ecall` (`sepc += 4`), write `a0`, and `a1` when it is
    /// `Some`, and re-enter the guest.
    Resume {
        /// New `a0`: the error code.
        a0: u64,
        /// New `a1`: the value; `None` leaves `a1` as the guest set it.
        a1: Option<u64>,
    },
    /// Exit to userspace with `sepc`, `a0` and `a1` untouched.
    Exit,
}

/// How a forwarded call completes on the next `KVM_RUN`, from the
/// `kvm_run.riscv_sbi.ret` userspace left (`kvm_riscv_vcpu_sbi_return()`,
/// `vcpu_sbi.c:154-172`, once per exit): both registers are written, for
/// legacy calls too.
pub const fn forward_return(ret: [u64; 2]) -> Completion {
    Completion::Resume {
        a0: ret[0],
        a1: Some(ret[1]),
    }
}

/// Target vCPU id of an HSM call naming hart `hartid`.
///
/// Upstream passes the `unsigned long` to `kvm_get_vcpu_by_id(kvm, int)`:
/// the id is truncated to 32 bits and a negative result finds no vCPU. So
/// hart `1 << 32` is vCPU 0, and `0x8000_0000` is no vCPU.
pub const fn hart_vcpu_id(hartid: u64) -> Option<u32> {
    let id = hartid as u32;
    if id > i32::MAX as u32 {
        None
    } else {
        Some(id)
    }
}

/// The HSM state upstream reports for a vCPU
/// (`kvm_sbi_hsm_vcpu_get_status()`, `vcpu_sbi_hsm.c:74-89`): stopped if
/// its power state is stopped, suspended while it blocks (in WFI or a
/// retentive suspend), started otherwise.
pub const fn hsm_state(stopped: bool, blocking: bool) -> u64 {
    if stopped {
        SBI_HSM_STATE_STOPPED
    } else if blocking {
        SBI_HSM_STATE_SUSPENDED
    } else {
        SBI_HSM_STATE_STARTED
    }
}

/// Harts named by a legacy hart mask of 0: the first `online_vcpus` vCPU
/// ids (`vcpu_sbi_v01.c:52`, `:74`). Upstream's `(1UL << n) - 1` is
/// undefined from 64 on; all 64 bits are set instead.
pub const fn online_mask(online_vcpus: u32) -> u64 {
    if online_vcpus >= u64::BITS {
        u64::MAX
    } else {
        (1u64 << online_vcpus) - 1
    }
}

/// The bookkeeping of an IPI extension `send_ipi` over the VM's vCPUs
/// (`kvm_sbi_ext_ipi_handler()`, `vcpu_sbi_replace.c:45-90`).
///
/// For each vCPU, in any order: if [`IpiTargets::selects`] it, raise its
/// VS software interrupt, count `SBI_PMU_FW_IPI_RCVD` on it, then
/// [`IpiTargets::sent`]. The call's error is [`IpiTargets::error`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpiTargets {
    mask: u64,
    base: u64,
    sent: u64,
}

impl IpiTargets {
    /// The targets of `hart_mask` relative to `hart_mask_base`
    /// (`u64::MAX` for every vCPU).
    pub const fn new(hart_mask: u64, hart_mask_base: u64) -> Self {
        IpiTargets {
            mask: hart_mask,
            base: hart_mask_base,
            sent: 0,
        }
    }

    /// Whether the vCPU with `vcpu_id` is a target.
    pub const fn selects(&self, vcpu_id: u64) -> bool {
        hart_selected(self.base, self.mask, vcpu_id)
    }

    /// Records that the vCPU with `vcpu_id` got its interrupt.
    pub fn sent(&mut self, vcpu_id: u64) {
        if self.selects(vcpu_id) && self.base != u64::MAX {
            // `selects` guarantees vcpu_id - base < 64.
            let bit = vcpu_id.wrapping_sub(self.base);
            self.sent |= 1u64.wrapping_shl(bit as u32);
        }
    }

    /// `SBI_ERR_INVALID_PARAM` if the mask named a hart that got no
    /// interrupt (no vCPU with that id), else `SBI_SUCCESS`. A base of
    /// `u64::MAX` never fails.
    pub const fn error(&self) -> i64 {
        if self.base != u64::MAX && self.mask != self.sent {
            SBI_ERR_INVALID_PARAM
        } else {
            SBI_SUCCESS
        }
    }
}
