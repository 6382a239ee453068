// SPDX-License-Identifier: GPL-2.0

//! Dispatch of a trap out of the guest to its handler (upstream's
//! `vcpu_exit.c`).

use kernel::bindings;
use kernel::prelude::*;

use crate::context::hstatus;
use crate::kvm_run::KvmRun;
use crate::kvm_srcu::VcpuSrcu;
use crate::trap::{self, cause, redirect_trap, report_exit_error, Exit, Trap};
use crate::vcpu::OwnedVcpu;
use crate::vcpu_insn;

/// Handles the trap the guest exited with.
pub(crate) fn handle_exit(
    v: &mut OwnedVcpu<'_>,
    srcu: &mut VcpuSrcu<'_>,
    run: &KvmRun<'_>,
    trap: &Trap,
) -> Result<Exit> {
    if trap.scause & cause::INTERRUPT != 0 {
        // A host interrupt, already handled when interrupts came back on.
        return Ok(Exit::Guest);
    }
    run.set_exit_reason(bindings::KVM_EXIT_UNKNOWN);
    let from_guest = v.hstatus() & hstatus::SPV != 0;
    let r = match trap.scause {
        cause::FETCH_ACCESS
        | cause::ILLEGAL_INSN
        | cause::LOAD_MISALIGNED
        | cause::STORE_MISALIGNED
        | cause::LOAD_ACCESS
        | cause::STORE_ACCESS
            if from_guest =>
        {
            redirect_trap(v, trap);
            Ok(Exit::Guest)
        }
        cause::VIRTUAL_INSN if from_guest => vcpu_insn::virtual_insn(v, srcu, run, trap),
        s if from_guest && Trap::is_guest_page_fault(s) => guest_page_fault(v, srcu, run, trap),
        cause::VS_ECALL if from_guest => crate::sbi::ecall(v, srcu, run),
        cause::BREAKPOINT => {
            run.set_exit_reason(bindings::KVM_EXIT_DEBUG);
            Ok(Exit::User)
        }
        _ => Err(EFAULT),
    };
    if let Err(e) = r {
        report_exit_error(e, trap);
    }
    r
}

/// A guest-page fault: map the page, or emulate the access as MMIO.
fn guest_page_fault(
    v: &mut OwnedVcpu<'_>,
    srcu: &VcpuSrcu<'_>,
    run: &KvmRun<'_>,
    trap: &Trap,
) -> Result<Exit> {
    let gpa = trap.fault_gpa();
    let is_write = trap.scause == cause::STORE_GUEST_PAGE_FAULT;
    if v.vm().fault_in(v, srcu, gpa, is_write)? {
        return Ok(Exit::Guest);
    }
    match trap.scause {
        cause::LOAD_GUEST_PAGE_FAULT | cause::STORE_GUEST_PAGE_FAULT => {
            vcpu_insn::mmio(v, srcu, run, trap, gpa)
        }
        _ => Err(trap::eopnotsupp()),
    }
}
