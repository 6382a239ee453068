// SPDX-License-Identifier: GPL-2.0

//! SBI calls from the guest (`ecall` from VS-mode).
//!
//! `logic::sbi` decides what a call means; this module carries the
//! outcome out on the vCPU and the VM.

use kernel::bindings;
use kernel::ffi::c_int;

use crate::logic::onereg::{SbiExtId, SbiExtStatus};
use crate::logic::sbi::{self, Completion, SbiCall, SbiEnv, SbiOutcome, SbiRet};
use crate::vcpu::{PendingExit, Vcpu};

/// Handles the ecall the guest trapped with; the return value follows
/// the run loop's convention.
pub(crate) fn ecall(v: &Vcpu, run: &mut bindings::kvm_run) -> c_int {
    let mut regs = [0u64; 8];
    for (i, r) in regs.iter_mut().enumerate() {
        *r = v.reg(10 + i as u8) as u64;
    }
    let call = SbiCall::from_regs(regs);
    let env = env(v);
    let outcome = sbi::dispatch(&call, &env);
    let ret = match outcome {
        SbiOutcome::Return(ret) => ret,
        SbiOutcome::ForwardToUser => {
            forward_to_user(v, run, &call);
            return 0;
        }
        SbiOutcome::SystemReset { event, reason } => {
            system_event(v, run, event.kvm_type(), reason);
            return 0;
        }
        // Everything else needs a piece of the backend that does not
        // exist yet; the matching extensions are reported unavailable, so
        // a guest only gets here by calling them regardless.
        _ => SbiRet::err(sbi::SBI_ERR_NOT_SUPPORTED),
    };
    match outcome.completion(ret) {
        Completion::Resume { a0, a1 } => {
            v.set_reg(10, a0 as usize);
            if let Some(a1) = a1 {
                v.set_reg(11, a1 as usize);
            }
            v.skip_insn(4);
            1
        }
        Completion::Exit => 0,
    }
}

/// SBI extensions a new vCPU has: SRST, and forwarding of the
/// experimental and vendor ranges (BASE is always there). The others are
/// unavailable until the code behind them exists.
pub(crate) fn initial_status(
) -> [SbiExtStatus; crate::logic::onereg::KVM_RISCV_SBI_EXT_MAX as usize] {
    let mut status =
        [SbiExtStatus::Unavailable; crate::logic::onereg::KVM_RISCV_SBI_EXT_MAX as usize];
    for id in [SbiExtId::SRST, SbiExtId::EXPERIMENTAL, SbiExtId::VENDOR] {
        if let Some(s) = status.get_mut(id.get() as usize) {
            *s = SbiExtStatus::Enabled;
        }
    }
    status
}

fn env(v: &Vcpu) -> SbiEnv {
    // SAFETY: Copies out of the owner's context, see VcpuContext.
    let (status, mvendorid, marchid, mimpid) = unsafe {
        let c = &*v.ctx();
        (c.sbi, c.mvendorid, c.marchid, c.mimpid)
    };
    // SAFETY: An atomic read of the VM's vCPU count.
    let online = unsafe { bindings::kvm_riscv_glue_online_vcpus(v.kvm()) };
    SbiEnv {
        sbi: status,
        v01: false,
        mvendorid,
        marchid,
        mimpid,
        impl_version: u64::from(bindings::LINUX_VERSION_CODE),
        online_vcpus: online,
    }
}

/// Hands the call to userspace as `KVM_EXIT_RISCV_SBI`; the next
/// `KVM_RUN` writes its answer back.
fn forward_to_user(v: &Vcpu, run: &mut bindings::kvm_run, call: &SbiCall) {
    // SAFETY: `v` is live.
    unsafe { (*v.raw()).stat.ecall_exit_stat += 1 };
    let exit = call.forward_exit();
    run.exit_reason = bindings::KVM_EXIT_RISCV_SBI;
    // Filling the member the exit reason selects.
    run.__bindgen_anon_1.riscv_sbi.extension_id = exit.extension_id as _;
    run.__bindgen_anon_1.riscv_sbi.function_id = exit.function_id as _;
    run.__bindgen_anon_1.riscv_sbi.args = exit.args.map(|a| a as _);
    run.__bindgen_anon_1.riscv_sbi.ret = exit.ret.map(|r| r as _);
    v.set_pending(PendingExit::Sbi);
}

/// SRST: stop every vCPU and report the event to userspace.
fn system_event(v: &Vcpu, run: &mut bindings::kvm_run, kind: u32, reason: u64) {
    crate::vcpu::power_off_all(v);
    run.exit_reason = bindings::KVM_EXIT_SYSTEM_EVENT;
    let mut data = [0u64; 16];
    data[0] = reason;
    // Filling the member the exit reason selects.
    run.__bindgen_anon_1.system_event.type_ = kind;
    run.__bindgen_anon_1.system_event.ndata = 1;
    run.__bindgen_anon_1.system_event.__bindgen_anon_1.data = data;
}
