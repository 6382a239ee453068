// SPDX-License-Identifier: GPL-2.0

//! SBI calls from the guest (`ecall` from VS-mode).
//!
//! `logic::sbi` decides what a call means; this module carries the
//! outcome out on the vCPU and the VM.

use kernel::bindings;
use kernel::prelude::*;

use crate::addr::Gpa;
use crate::kvm::Stat;
use crate::kvm_run::KvmRun;
use crate::kvm_srcu::VcpuSrcu;
use crate::logic::sbi::{self, Completion, LegacyHartMask, SbiCall, SbiEnv, SbiOutcome, SbiRet};
use crate::switch::{self, UnprivTrap};
use crate::tlb;
use crate::trap::{cause, redirect_trap, Exit, Trap};
use crate::vcpu::{Irq, OwnedVcpu, Vcpu};
use crate::vcpu_context::PendingExit;

/// Handles the ecall the guest trapped with.
pub(crate) fn ecall(
    v: &mut OwnedVcpu<'_>,
    srcu: &mut VcpuSrcu<'_>,
    run: &KvmRun<'_>,
) -> Result<Exit> {
    let call = SbiCall::from_regs(v.ctx().sbi_regs());
    let env = env(v);
    let outcome = sbi::dispatch(&call, &env);
    if let Some(fid) = outcome.pmu_fw_event() {
        v.count_fw_event(fid);
    }
    let ret = match outcome {
        SbiOutcome::Return(ret) => ret,
        SbiOutcome::ForwardToUser => {
            forward_to_user(v, run, &call);
            return Ok(Exit::User);
        }
        SbiOutcome::SystemReset { event, reason } => {
            system_event(v, run, event.kvm_type(), reason);
            return Ok(Exit::User);
        }
        SbiOutcome::SetTimer { next_cycle } => {
            v.set_timer(next_cycle);
            SbiRet::ok(0)
        }
        SbiOutcome::SendIpi {
            hart_mask,
            hart_mask_base,
        } => send_ipi(v, hart_mask, hart_mask_base),
        SbiOutcome::RemoteFence {
            fence,
            hart_mask,
            hart_mask_base,
        } => {
            remote_fence(v, fence, hart_mask, hart_mask_base);
            SbiRet::ok(0)
        }
        SbiOutcome::HsmStart {
            vcpu_id,
            hartid,
            start_addr,
            opaque,
        } => match vcpu_by_id(v, vcpu_id) {
            None => SbiRet::err(sbi::SBI_ERR_INVALID_PARAM),
            Some(t) if t.start(start_addr as usize, hartid as usize, opaque as usize) => {
                SbiRet::ok(0)
            }
            Some(_) => SbiRet::err(sbi::SBI_ERR_ALREADY_AVAILABLE),
        },
        SbiOutcome::HsmStop => {
            if v.is_stopped() {
                SbiRet::err(sbi::SBI_ERR_FAILURE)
            } else {
                v.power_off();
                SbiRet::ok(0)
            }
        }
        SbiOutcome::HsmStatus { vcpu_id } => match vcpu_by_id(v, vcpu_id) {
            None => SbiRet::err(sbi::SBI_ERR_INVALID_PARAM),
            Some(t) => SbiRet::ok(sbi::hsm_state(t.is_stopped(), t.kvm_vcpu().is_blocking())),
        },
        SbiOutcome::StaSetShmem { gpa } => crate::sta::set_shmem(v, srcu, Gpa::new(gpa)),
        SbiOutcome::StaDisable => {
            crate::sta::disable(v);
            SbiRet::ok(0)
        }
        SbiOutcome::LegacySetTimer { next_cycle } => {
            v.set_timer(next_cycle);
            SbiRet::ok(0)
        }
        SbiOutcome::LegacyClearIpi => {
            v.unset_interrupt(Irq::Soft);
            SbiRet::ok(0)
        }
        SbiOutcome::LegacySendIpi { harts } => match legacy_hart_mask(v, srcu, harts) {
            Ok(mask) => {
                // Bits naming no vCPU are skipped (upstream oopses).
                for id in (0..u64::BITS).filter(|b| mask & (1 << b) != 0) {
                    if let Some(t) = vcpu_by_id(v, id) {
                        t.set_interrupt(Irq::Soft);
                    }
                }
                SbiRet::ok(0)
            }
            Err(why) => return mask_unread(v, why),
        },
        SbiOutcome::LegacyRemoteFence { fence, harts } => match legacy_hart_mask(v, srcu, harts) {
            Ok(mask) => {
                let harts = tlb::Harts { base: 0, mask };
                tlb::remote(v.vm(), harts, fence.request());
                SbiRet::ok(0)
            }
            Err(why) => return mask_unread(v, why),
        },
        SbiOutcome::HsmSuspend => {
            // The default retentive suspend: wait as for WFI.
            v.halt(srcu);
            SbiRet::ok(0)
        }
        SbiOutcome::Pmu(call) => crate::pmu::call(v, srcu, &call),
    };
    match outcome.completion(ret) {
        Completion::Resume { a0, a1 } => {
            v.set_reg(10, a0 as usize);
            if let Some(a1) = a1 {
                v.set_reg(11, a1 as usize);
            }
            v.skip_insn(4);
            Ok(Exit::Guest)
        }
        Completion::Exit => Ok(Exit::User),
    }
}

/// Why a legacy call's hart mask could not be read.
enum MaskUnread {
    /// The guest takes this fault at its `ecall`.
    Fault(UnprivTrap),
    /// A page the read needs was mapped in the G-stage: the guest runs
    /// its `ecall` again (nothing was done yet), which reads further.
    Retry,
    /// `KVM_RUN` fails with this error.
    Error(Error),
}

/// The hart mask of a legacy call: given, or read from guest memory as
/// the guest's S-mode would.
///
/// A guest-page fault during the read is the host's business, not the
/// guest's: the page is mapped and the call retried, one page per try
/// (the guest's page-table pages may need it too). The C backend hands
/// such a fault to the guest, which cannot make sense of it. Memory no
/// memslot backs makes a load access fault for the guest.
fn legacy_hart_mask(
    v: &mut OwnedVcpu<'_>,
    srcu: &VcpuSrcu<'_>,
    harts: LegacyHartMask,
) -> core::result::Result<u64, MaskUnread> {
    let addr = match harts {
        LegacyHartMask::Mask(mask) => return Ok(mask),
        LegacyHartMask::InGuestMemory { addr } => addr,
    };
    let hstatus = v.hstatus();
    let trap = match tlb::fenced_guest_read(srcu, |irqs| {
        switch::read_guest_ulong(addr as usize, hstatus, irqs)
    }) {
        Ok(mask) => return Ok(mask as u64),
        Err(trap) => trap,
    };
    if trap.scause != cause::LOAD_GUEST_PAGE_FAULT {
        return Err(MaskUnread::Fault(trap));
    }
    let gpa = Gpa::of_guest_page_fault(trap.htval, trap.stval);
    match v.vm().fault_in(v, srcu, gpa, false) {
        Ok(true) => Err(MaskUnread::Retry),
        Ok(false) => Err(MaskUnread::Fault(UnprivTrap {
            scause: cause::LOAD_ACCESS,
            htval: 0,
            htinst: 0,
            ..trap
        })),
        Err(e) => Err(MaskUnread::Error(e)),
    }
}

/// Ends a legacy call whose hart mask could not be read; the `ecall` is
/// neither carried out nor skipped.
fn mask_unread(v: &mut OwnedVcpu<'_>, why: MaskUnread) -> Result<Exit> {
    match why {
        MaskUnread::Fault(fault) => {
            let trap = Trap {
                sepc: v.pc(),
                scause: fault.scause,
                stval: fault.stval,
                htval: fault.htval,
                htinst: fault.htinst,
            };
            redirect_trap(v, &trap);
            Ok(Exit::Guest)
        }
        MaskUnread::Retry => Ok(Exit::Guest),
        MaskUnread::Error(e) => Err(e),
    }
}

fn env(v: &mut OwnedVcpu<'_>) -> SbiEnv {
    let online_vcpus = v.kvm_vcpu().kvm().online_vcpus();
    let c = v.ctx();
    SbiEnv {
        sbi: c.sbi,
        v01: cfg!(CONFIG_RISCV_SBI_V01),
        mvendorid: c.mvendorid,
        marchid: c.marchid,
        mimpid: c.mimpid,
        impl_version: u64::from(bindings::LINUX_VERSION_CODE),
        online_vcpus,
    }
}

/// Hands the call to userspace as `KVM_EXIT_RISCV_SBI`; the next
/// `KVM_RUN` writes its answer back.
fn forward_to_user(v: &mut OwnedVcpu<'_>, run: &KvmRun<'_>, call: &SbiCall) {
    v.kvm_vcpu().count(Stat::EcallExit);
    let exit = call.forward_exit();
    run.set_sbi_exit(exit.extension_id, exit.function_id, exit.args, exit.ret);
    v.set_pending(PendingExit::Sbi);
}

/// SRST: stop every vCPU and report the event to userspace.
fn system_event(v: &Vcpu, run: &KvmRun<'_>, kind: u32, reason: u64) {
    crate::vcpu::power_off_all(v);
    run.set_system_event(kind, reason);
}

/// The vCPU of `v`'s VM with id `vcpu_id`.
fn vcpu_by_id(v: &Vcpu, vcpu_id: u32) -> Option<&Vcpu> {
    v.kvm_vcpu().kvm().vcpu_by_id(vcpu_id).map(Vcpu::of)
}

/// SBI IPI: a VS software interrupt to each selected hart.
fn send_ipi(v: &Vcpu, hart_mask: u64, hart_mask_base: u64) -> SbiRet {
    let mut targets = sbi::IpiTargets::new(hart_mask, hart_mask_base);
    crate::vm::Vm::of_vcpu(v).for_each_vcpu(|_, t| {
        let id = t.id();
        if targets.selects(id) {
            t.set_interrupt(crate::vcpu::Irq::Soft);
            t.count_fw_event(sbi::SBI_PMU_FW_IPI_RCVD);
            targets.sent(id);
        }
    });
    SbiRet {
        error: targets.error(),
        value: 0,
    }
}

/// SBI RFENCE: have each selected hart perform the fence before it next
/// runs guest code, and wait for those running guest code now to stop.
fn remote_fence(v: &Vcpu, fence: sbi::RemoteFence, hart_mask: u64, hart_mask_base: u64) {
    let harts = tlb::Harts {
        base: hart_mask_base,
        mask: hart_mask,
    };
    tlb::remote(crate::vm::Vm::of_vcpu(v), harts, fence.request());
}
