// SPDX-License-Identifier: GPL-2.0

//! `KVM_RUN`: the run loop, the world switch around it and the completion
//! of exits userspace handled.

use kernel::bindings;
use kernel::ffi::c_int;
use kernel::prelude::*;

use crate::csr;
use crate::glue::NoPreempt;
use crate::kvm::{Request, Stat};
use crate::kvm_run::KvmRun;
use crate::kvm_srcu::{GuestMode, VcpuSrcu};
use crate::switch;
use crate::trap::{Exit, Trap};
use crate::vcpu::OwnedVcpu;
use crate::vcpu_context::PendingExit;
use crate::vcpu_exit::handle_exit;
use crate::vcpu_insn::finish_mmio;

/// `KVM_RUN`.
///
/// # Safety
///
/// `vcpu` must be a created vCPU; generic KVM holds its mutex.
#[no_mangle]
unsafe extern "C" fn kvm_arch_vcpu_ioctl_run(vcpu: *mut bindings::kvm_vcpu) -> c_int {
    // SAFETY: The caller guarantees `vcpu` is created and that this task
    // holds its mutex for the call.
    let mut v = unsafe { OwnedVcpu::from_raw(vcpu) };
    match run(&mut v) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// `KVM_RUN` of the vCPU `v`: `Ok` once `kvm_run` says why userspace is
/// back.
fn run(v: &mut OwnedVcpu<'_>) -> Result {
    let run = KvmRun::of(v.vcpu());
    if !v.ctx().ran_atleast_once {
        v.first_run_setup();
    }
    // SAFETY: This task owns the vCPU (`v`) and holds no other SRCU guard
    // of it: KVM_RUN takes one, here, for its whole length.
    let mut srcu = unsafe { VcpuSrcu::lock(v.vcpu().kvm_vcpu()) };
    complete_user_exit(v, &run);
    if !v.kvm_vcpu().wants_to_run() {
        return Err(EINTR);
    }
    v.loaded(&mut srcu, |v, srcu| {
        run.set_exit_reason(bindings::KVM_EXIT_UNKNOWN);
        loop {
            match run_once(v, srcu, &run)? {
                Exit::Guest => {}
                Exit::User => return Ok(()),
            }
        }
    })
}

/// One round of the run loop: work and requests, then the guest, then the
/// exit it comes back with.
fn run_once(v: &mut OwnedVcpu<'_>, srcu: &mut VcpuSrcu<'_>, run: &KvmRun<'_>) -> Result<Exit> {
    // Signals (KVM_EXIT_INTR), rescheduling and notify-resume work.
    let work = srcu.handle_work();
    if work != 0 {
        return Err(Error::from_errno(work));
    }
    let vm = v.vm();
    vm.update_vmid();
    check_requests(v, srcu);

    let cpu = NoPreempt::new();
    let Ok(guest) = srcu.guest_entry(&cpu, || !vm.vmid_is_current()) else {
        return Ok(Exit::Guest);
    };
    v.sanitize_local_tlb(vm);
    let trap = enter_guest(v, &cpu, &guest);
    guest.exit(trap.as_c());
    drop(cpu);
    handle_exit(v, srcu, run, &trap)
}

/// The world switch proper, with interrupts and preemption off.
fn enter_guest(v: &mut OwnedVcpu<'_>, cpu: &NoPreempt, guest: &GuestMode<'_, '_>) -> Trap {
    let vcpu = v.vcpu();
    let (ctx, load) = v.split(cpu);
    vcpu.flush_interrupts(load);
    guest.timing_enter(ctx.sw.guest.sepc);
    // SAFETY: senvcfg only affects U-mode, which does not run before it
    // is swapped back below.
    ctx.host_senvcfg = unsafe { csr::swap::<csr::Senvcfg>(load.csr.senvcfg) };
    let sstateen0 = load.sstateen0_swap();
    if let Some(smstateen) = sstateen0 {
        // SAFETY: As for senvcfg.
        ctx.host_sstateen0 = unsafe { smstateen.swap_sstateen0(ctx.sstateen0) };
    }
    // SAFETY: Interrupts are off (`guest`) until after the exit below; the
    // vCPU is loaded on this CPU by its owner (this task, in `loaded()`).
    unsafe { load.enter_guest(&mut ctx.sw) };
    // SAFETY: Interrupts are off (`guest`); the load put this vCPU's VS
    // CSRs, hgatp and delegation on this CPU; the guest state came from
    // reset, ONE_REG or the guest, with SPV set.
    unsafe { switch::switch_to_guest(&mut ctx.sw) };
    // SAFETY: Just after the entry `enter_guest` prepared, interrupts off.
    unsafe { load.exit_guest(&ctx.sw) };
    // SAFETY: Restoring the host's value.
    load.csr.senvcfg = unsafe { csr::swap::<csr::Senvcfg>(ctx.host_senvcfg) };
    if let Some(smstateen) = sstateen0 {
        // SAFETY: Restoring the host's value.
        ctx.sstateen0 = unsafe { smstateen.swap_sstateen0(ctx.host_sstateen0) };
    }
    ctx.last_exit_cpu = vcpu.kvm_vcpu().cpu();
    vcpu.kvm_vcpu().count(Stat::Exits);
    // The trap CSRs must be read before interrupts are enabled: an
    // interrupt handler would overwrite them.
    let trap = Trap {
        sepc: ctx.sw.guest.sepc,
        scause: csr::read::<csr::Scause>(),
        stval: csr::read::<csr::Stval>(),
        htval: csr::read::<csr::Htval>(),
        htinst: csr::read::<csr::Htinst>(),
    };
    vcpu.sync_interrupts(ctx, load);
    trap
}

/// Acts on the requests posted to the vCPU.
fn check_requests(v: &mut OwnedVcpu<'_>, srcu: &mut VcpuSrcu<'_>) {
    let kv = v.vcpu().kvm_vcpu();
    if !kv.request_pending() {
        return;
    }
    if kv.check_request(Request::Sleep) {
        srcu.wait_while_stopped();
        // Woken by a signal: go back to sleep after handling it.
        if v.is_stopped() {
            kv.make_request(Request::Sleep);
        }
    }
    if kv.check_request(Request::VcpuReset) {
        // The PMU first: it may sleep, the rest runs with preemption off.
        crate::pmu::reset(v);
        v.reset();
    }
    if kv.check_request(Request::UpdateHgatp) {
        let _cpu = NoPreempt::new();
        v.vm().load_hgatp();
    }
    if kv.check_request(Request::FenceI) {
        v.count_fw_event(crate::logic::sbi::SBI_PMU_FW_FENCE_I_RCVD);
        csr::local_fence_i();
    }
    if kv.check_request(Request::StealUpdate) {
        crate::sta::record(v, srcu);
    }
    crate::tlb::process_fence_requests(v);
}

/// Writes back what userspace answered to the last exit. Each pending
/// exit completes once, however often `KVM_RUN` is called.
fn complete_user_exit(v: &mut OwnedVcpu<'_>, run: &KvmRun<'_>) {
    let pending = core::mem::take(&mut v.ctx().pending);
    match (run.exit_reason(), pending) {
        (bindings::KVM_EXIT_RISCV_SBI, PendingExit::Sbi) => {
            let [a0, a1] = run.sbi_ret();
            v.set_reg(10, a0);
            v.set_reg(11, a1);
            v.skip_insn(4);
        }
        (bindings::KVM_EXIT_MMIO, pending) => finish_mmio(v, pending, &run.mmio_data()),
        (bindings::KVM_EXIT_RISCV_CSR, PendingExit::Csr { rd }) => {
            v.set_reg(rd, run.csr_ret_value() as usize);
            v.skip_insn(4);
        }
        _ => {}
    }
}

crate::exports::c_prototypes! {
    kvm_arch_vcpu_ioctl_run(_);
}
