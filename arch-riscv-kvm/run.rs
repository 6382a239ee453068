// SPDX-License-Identifier: GPL-2.0

//! `KVM_RUN`: the run loop, trap dispatch and the completion of exits
//! userspace handled.

use kernel::bindings;
use kernel::ffi::c_int;
use kernel::prelude::*;

use crate::context::sstatus;
use crate::csr;
use crate::glue::{self, NoPreempt, Request};
use crate::kvm_run::KvmRun;
use crate::logic::csr_emul::{self, CsrEnv, CsrOutcome};
use crate::logic::insn::{self, CsrInsn, MmioAccess, SystemInsn, TrappedInsn};
use crate::logic::isa::HostExtId;
use crate::switch;
use crate::vcpu::{PendingExit, Vcpu};
use crate::vcpu_stat::Stat;
use crate::vm::Vm;

/// `scause` values the dispatcher distinguishes.
pub(crate) mod cause {
    pub(crate) const INTERRUPT: usize = 1 << 63;
    pub(crate) const FETCH_ACCESS: usize = 1;
    pub(crate) const ILLEGAL_INSN: usize = 2;
    pub(crate) const BREAKPOINT: usize = 3;
    pub(crate) const LOAD_MISALIGNED: usize = 4;
    pub(crate) const LOAD_ACCESS: usize = 5;
    pub(crate) const STORE_MISALIGNED: usize = 6;
    pub(crate) const STORE_ACCESS: usize = 7;
    pub(crate) const VS_ECALL: usize = 10;
    pub(crate) const FETCH_GUEST_PAGE_FAULT: usize = 20;
    pub(crate) const LOAD_GUEST_PAGE_FAULT: usize = 21;
    pub(crate) const VIRTUAL_INSN: usize = 22;
    pub(crate) const STORE_GUEST_PAGE_FAULT: usize = 23;
}

/// A trap out of the guest, as read right after the world switch. Laid
/// out as glue.c's `struct kvm_riscv_glue_trap`, which the trace event
/// reads.
#[derive(Clone, Copy, Default)]
#[repr(C)]
pub(crate) struct Trap {
    pub(crate) sepc: usize,
    pub(crate) scause: usize,
    pub(crate) stval: usize,
    pub(crate) htval: usize,
    pub(crate) htinst: usize,
}

// The layout glue.c reads.
const _: () = {
    use core::mem::{offset_of, size_of};
    type C = bindings::kvm_riscv_glue_trap;
    assert!(size_of::<Trap>() == size_of::<C>());
    assert!(offset_of!(Trap, sepc) == offset_of!(C, sepc));
    assert!(offset_of!(Trap, scause) == offset_of!(C, scause));
    assert!(offset_of!(Trap, stval) == offset_of!(C, stval));
    assert!(offset_of!(Trap, htval) == offset_of!(C, htval));
    assert!(offset_of!(Trap, htinst) == offset_of!(C, htinst));
};

fn errno(e: u32) -> c_int {
    -(e as c_int)
}

/// `KVM_RUN`.
///
/// # Safety
///
/// `vcpu` must be a created vCPU; generic KVM holds its mutex.
#[no_mangle]
unsafe extern "C" fn kvm_arch_vcpu_ioctl_run(vcpu: *mut bindings::kvm_vcpu) -> c_int {
    // SAFETY: The caller guarantees `vcpu` is live and owned by this task.
    let v = unsafe { Vcpu::from_raw(vcpu) };
    let run = KvmRun::of(v);
    if !v.ran() {
        v.first_run_setup();
    }

    // SAFETY: Pairs with the unlocks below; the task owns the vCPU.
    unsafe { bindings::kvm_riscv_glue_srcu_read_lock(vcpu) };
    let done = complete_user_exit(v, &run);
    // SAFETY: `vcpu` is live.
    if done != 0 || !unsafe { (*vcpu).wants_to_run } {
        // SAFETY: Locked above.
        unsafe { bindings::kvm_riscv_glue_srcu_read_unlock(vcpu) };
        return if done != 0 {
            done
        } else {
            errno(bindings::EINTR)
        };
    }

    // SAFETY: The task owns the vCPU; both are undone below.
    unsafe {
        bindings::vcpu_load(vcpu);
        bindings::kvm_sigset_activate(vcpu);
    }
    run.set_exit_reason(bindings::KVM_EXIT_UNKNOWN);
    let vm = Vm::of_vcpu(v);
    let mut ret: c_int = 1;
    while ret > 0 {
        // Signals (KVM_EXIT_INTR), rescheduling and notify-resume work.
        // SAFETY: `vcpu` is loaded by this task.
        ret = unsafe { bindings::xfer_to_guest_mode_handle_work(vcpu) };
        if ret != 0 {
            continue;
        }
        ret = 1;
        vm.update_vmid(v);
        check_requests(v);

        let cpu = NoPreempt::new();
        // SAFETY: The task owns the loaded vCPU and holds its SRCU read
        // lock; preemption is off (`cpu`). Undone on both paths below.
        let must_retry = unsafe { glue::guest_entry_begin(vcpu) } || !vm.vmid_is_current();
        if must_retry {
            // SAFETY: The guest was not entered; preemption is still off.
            unsafe { glue::guest_entry_abort(vcpu) };
            drop(cpu);
            continue;
        }
        v.sanitize_local_tlb(vm);

        let trap = enter_guest(v);

        // SAFETY: The guest has just exited; interrupts and preemption
        // are still off.
        unsafe { glue::guest_exit(vcpu, &trap) };
        drop(cpu);
        ret = handle_exit(v, &run, &trap);
    }

    // SAFETY: Undoes the load and the sigset and the srcu lock above.
    unsafe {
        bindings::kvm_sigset_deactivate(vcpu);
        bindings::vcpu_put(vcpu);
        bindings::kvm_riscv_glue_srcu_read_unlock(vcpu);
    }
    ret
}

/// The world switch proper, with interrupts and preemption off.
fn enter_guest(v: &Vcpu) -> Trap {
    // SAFETY: Called with preemption and interrupts off, so the notifiers
    // cannot run and this is the only reference into the context.
    let ctx = unsafe { &mut *v.ctx() };
    v.flush_interrupts(ctx);
    // SAFETY: Interrupts are off; the switch follows.
    unsafe { glue::guest_timing_enter(ctx.sw.guest.sepc) };
    // SAFETY: senvcfg only affects U-mode, which does not run before it
    // is swapped back below.
    ctx.host_senvcfg = unsafe { csr::swap::<csr::Senvcfg>(ctx.csr.senvcfg) };
    // SAFETY: vcpu_load() put this vCPU's VS CSRs, hgatp and delegation
    // on this CPU; the guest state came from reset, ONE_REG or the guest.
    unsafe { switch::switch_to_guest(&mut ctx.sw) };
    // SAFETY: Restoring the host's value.
    ctx.csr.senvcfg = unsafe { csr::swap::<csr::Senvcfg>(ctx.host_senvcfg) };
    // SAFETY: `vcpu` is live and loaded on this CPU.
    ctx.last_exit_cpu = unsafe { (*v.raw()).cpu };
    v.count(Stat::Exits);
    // The trap CSRs must be read before interrupts are enabled: an
    // interrupt handler would overwrite them.
    let trap = Trap {
        sepc: ctx.sw.guest.sepc,
        scause: csr::read::<csr::Scause>(),
        stval: csr::read::<csr::Stval>(),
        htval: csr::read::<csr::Htval>(),
        htinst: csr::read::<csr::Htinst>(),
    };
    v.sync_interrupts(ctx);
    trap
}

/// Acts on the requests posted to the vCPU.
fn check_requests(v: &Vcpu) {
    let vcpu = v.raw();
    // SAFETY: `vcpu` is live and owned by this task for all calls below.
    unsafe {
        if !glue::request_pending(vcpu) {
            return;
        }
        if glue::check_request(Request::Sleep, vcpu) {
            bindings::kvm_riscv_glue_srcu_read_unlock(vcpu);
            bindings::kvm_riscv_glue_wait_while_stopped(vcpu);
            bindings::kvm_riscv_glue_srcu_read_lock(vcpu);
            // Woken by a signal: go back to sleep after handling it.
            if v.is_stopped() {
                glue::make_request(Request::Sleep, vcpu);
            }
        }
        if glue::check_request(Request::VcpuReset, vcpu) {
            v.reset();
        }
        if glue::check_request(Request::UpdateHgatp, vcpu) {
            let _cpu = NoPreempt::new();
            Vm::of_vcpu(v).load_hgatp();
        }
        if glue::check_request(Request::FenceI, vcpu) {
            csr::local_fence_i();
        }
        if glue::check_request(Request::StealUpdate, vcpu) {
            crate::sta::record(v);
        }
    }
    crate::tlb::process_fence_requests(v);
}

/// Writes back what userspace answered to the last exit. Each pending
/// exit completes once, however often `KVM_RUN` is called.
fn complete_user_exit(v: &Vcpu, run: &KvmRun<'_>) -> c_int {
    match (run.exit_reason(), v.take_pending()) {
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
    0
}

/// Completes an emulated MMIO access with the bytes the device returned.
fn finish_mmio(v: &Vcpu, pending: PendingExit, data: &[u8; 8]) {
    match pending {
        PendingExit::MmioLoad {
            rd,
            width,
            signed,
            len,
        } => {
            let raw = insn::unpack_mmio_data(width, data);
            v.set_reg(rd, insn::load_result(width, signed, raw) as usize);
            v.skip_insn(len);
        }
        PendingExit::MmioStore { len } => v.skip_insn(len),
        _ => {}
    }
}

/// Dispatches a trap; > 0 re-enters the guest, 0 returns to userspace
/// with `run` filled in, < 0 fails `KVM_RUN` with that errno.
fn handle_exit(v: &Vcpu, run: &KvmRun<'_>, trap: &Trap) -> c_int {
    if trap.scause & cause::INTERRUPT != 0 {
        // A host interrupt, already handled when interrupts came back on.
        return 1;
    }
    run.set_exit_reason(bindings::KVM_EXIT_UNKNOWN);
    let from_guest = v.hstatus() & crate::context::hstatus::SPV != 0;
    let ret = match trap.scause {
        cause::FETCH_ACCESS
        | cause::ILLEGAL_INSN
        | cause::LOAD_MISALIGNED
        | cause::STORE_MISALIGNED
        | cause::LOAD_ACCESS
        | cause::STORE_ACCESS
            if from_guest =>
        {
            redirect_trap(v, trap);
            1
        }
        cause::VIRTUAL_INSN if from_guest => virtual_insn(v, run, trap),
        cause::FETCH_GUEST_PAGE_FAULT
        | cause::LOAD_GUEST_PAGE_FAULT
        | cause::STORE_GUEST_PAGE_FAULT
            if from_guest =>
        {
            guest_page_fault(v, run, trap)
        }
        cause::VS_ECALL if from_guest => crate::sbi::ecall(v, run),
        cause::BREAKPOINT => {
            run.set_exit_reason(bindings::KVM_EXIT_DEBUG);
            0
        }
        _ => errno(bindings::EFAULT),
    };
    if ret < 0 && glue::exit_error_ratelimit() {
        pr_err!(
            "VCPU exit error {}: sepc {:#x} scause {:#x} stval {:#x} htval {:#x} htinst {:#x}\n",
            ret,
            trap.sepc,
            trap.scause,
            trap.stval,
            trap.htval,
            trap.htinst
        );
    }
    ret
}

/// Delivers `trap` to the guest's own trap handler, as if the hardware
/// had delegated it.
pub(crate) fn redirect_trap(v: &Vcpu, trap: &Trap) {
    let _cpu = NoPreempt::new();
    // The guest CSRs are live on this CPU while the vCPU is loaded.
    let vsstatus = csr::read_vsstatus();
    let guest_sstatus = v.guest_sstatus();
    // The guest's handler runs with interrupts off, returning to where
    // the trap came from and with the interrupt state it had.
    let mut entry = guest_sstatus & sstatus::SPP;
    if vsstatus.bits() & sstatus::SIE != 0 {
        entry |= sstatus::SPIE;
    }
    csr::write_vsstatus(vsstatus.with(sstatus::SPP | sstatus::SPIE | sstatus::SIE, entry));
    csr::write::<csr::Vscause>(trap.scause);
    csr::write::<csr::Vstval>(trap.stval);
    csr::write::<csr::Vsepc>(trap.sepc);
    v.set_pc(csr::read::<csr::Vstvec>());
    v.set_guest_sstatus(guest_sstatus | sstatus::SPP);
}

/// Fetches the trapping instruction: from `htinst` when the hardware
/// provided it, else from guest memory. A fault while fetching is sent
/// to the guest and `Err(1)` returned (re-enter it).
fn trapped_insn(v: &Vcpu, trap: &Trap) -> Result<TrappedInsn, c_int> {
    if let Some(i) = TrappedInsn::from_htinst(trap.htinst as u64) {
        return Ok(i);
    }
    fetch_insn(v, trap.sepc).map(TrappedInsn::fetched)
}

/// Reads the guest instruction at `pc` as the guest would fetch it. A
/// fault is delivered to the guest (a guest-page fault is not, see below)
/// and `Err(1)` returned: re-enter it.
fn fetch_insn(v: &Vcpu, pc: usize) -> Result<u32, c_int> {
    let hstatus = v.hstatus();
    let read = crate::tlb::fenced_guest_read(v, |irqs| switch::read_guest_insn(pc, hstatus, irqs));
    read.map_err(|t| {
        // A guest-page fault is the host's: the page the guest just ran
        // from was unmapped meanwhile (an MMU notifier). Handing it to the
        // guest, which cannot make sense of it, is what 6.12 did until
        // "RISC-V: KVM: Fix guest page fault within HLV* instructions";
        // re-entering the guest re-executes the instruction, whose own
        // fault maps the page again.
        if matches!(
            t.scause,
            cause::FETCH_GUEST_PAGE_FAULT
                | cause::LOAD_GUEST_PAGE_FAULT
                | cause::STORE_GUEST_PAGE_FAULT
        ) {
            return 1;
        }
        redirect_trap(
            v,
            &Trap {
                sepc: pc,
                scause: t.scause,
                stval: t.stval,
                htval: 0,
                htinst: 0,
            },
        );
        1
    })
}

/// A guest-page fault: map the page, or emulate the access as MMIO.
fn guest_page_fault(v: &Vcpu, run: &KvmRun<'_>, trap: &Trap) -> c_int {
    let gpa = ((trap.htval as u64) << 2) | (trap.stval as u64 & 0x3);
    let is_write = trap.scause == cause::STORE_GUEST_PAGE_FAULT;
    match crate::vm::Vm::of_vcpu(v).fault_in(v, gpa, is_write) {
        Ok(true) => 1,
        Ok(false) => match trap.scause {
            cause::LOAD_GUEST_PAGE_FAULT | cause::STORE_GUEST_PAGE_FAULT => mmio(v, run, trap, gpa),
            _ => errno(bindings::EOPNOTSUPP),
        },
        Err(e) => e.to_errno(),
    }
}

/// Emulates a load or store to an address no memslot backs: first on the
/// in-kernel MMIO bus (coalesced MMIO, ioeventfd), else in userspace.
fn mmio(v: &Vcpu, run: &KvmRun<'_>, trap: &Trap, gpa: u64) -> c_int {
    let insn = match trapped_insn(v, trap) {
        Ok(i) => i,
        Err(r) => return r,
    };
    let Some(access) = insn::decode_mmio(insn.word) else {
        return errno(bindings::EOPNOTSUPP);
    };
    let width = access.width();
    let len = width.bytes();
    // Misaligned MMIO is not emulated, as in the C backend.
    if !width.is_aligned(gpa) {
        return errno(bindings::EIO);
    }
    let mut data = [0u8; 8];
    let (is_write, pending) = match access {
        MmioAccess::Load { rd, width, signed } => (
            false,
            PendingExit::MmioLoad {
                rd,
                width,
                signed,
                len: insn.len,
            },
        ),
        MmioAccess::Store { rs2, width } => {
            let value = insn::store_value(width, v.reg(rs2) as u64);
            data = insn::pack_mmio_data(width, value);
            (true, PendingExit::MmioStore { len: insn.len })
        }
    };
    let kvm_run_len = len as c_int;
    // SAFETY: `v` is loaded by this task; `data` outlives the call.
    let handled = unsafe {
        if is_write {
            bindings::kvm_io_bus_write(
                v.raw(),
                bindings::kvm_bus_KVM_MMIO_BUS,
                gpa,
                kvm_run_len,
                data.as_ptr().cast(),
            ) == 0
        } else {
            bindings::kvm_io_bus_read(
                v.raw(),
                bindings::kvm_bus_KVM_MMIO_BUS,
                gpa,
                kvm_run_len,
                data.as_mut_ptr().cast(),
            ) == 0
        }
    };
    if handled {
        v.count(Stat::MmioExitKernel);
        finish_mmio(v, pending, &data);
        return 1;
    }
    v.count(Stat::MmioExitUser);
    run.set_mmio_exit(gpa, len, is_write, data);
    v.set_pending(pending);
    0
}

/// A virtual-instruction trap: WFI and friends are emulated; anything
/// else is an illegal instruction as far as the guest is concerned.
fn virtual_insn(v: &Vcpu, run: &KvmRun<'_>, trap: &Trap) -> c_int {
    // stval holds the instruction when the hardware reports it; a
    // compressed-looking value (0 included) means it did not.
    let mut word = trap.stval as u32;
    if insn::insn_len(word) != 4 {
        word = match fetch_insn(v, trap.sepc) {
            Ok(w) => w,
            Err(r) => return r,
        };
    }
    match insn::decode_system(word) {
        Some(SystemInsn::Wfi) => {
            v.count(Stat::WfiExit);
            v.skip_insn(4);
            v.halt();
            1
        }
        Some(SystemInsn::WrsNto) => {
            v.count(Stat::WrsExit);
            v.skip_insn(4);
            // SAFETY: Yielding to another vCPU of the VM is always allowed.
            unsafe { bindings::kvm_vcpu_on_spin(v.raw(), v.guest_sstatus() & sstatus::SPP != 0) };
            1
        }
        Some(SystemInsn::Csr(c)) => csr_insn(v, run, c, word, trap.sepc),
        // WRS.STO traps like the C backend, which only knows WRS.NTO.
        Some(SystemInsn::WrsSto) | None => {
            redirect_trap(
                v,
                &Trap {
                    sepc: trap.sepc,
                    scause: cause::ILLEGAL_INSN,
                    stval: trap.stval,
                    htval: 0,
                    htinst: 0,
                },
            );
            1
        }
    }
}

/// A CSR access the guest may not make itself: emulated in the kernel,
/// by userspace (`KVM_EXIT_RISCV_CSR`), or an illegal instruction for the
/// guest, as `logic::csr_emul`'s table says.
fn csr_insn(v: &Vcpu, run: &KvmRun<'_>, c: CsrInsn, word: u32, pc: usize) -> c_int {
    let update = c.update(v.reg(c.rs1()) as u64);
    let env = CsrEnv {
        // SAFETY: A copy out of the owner's context, see VcpuContext.
        zkr: unsafe { (*v.ctx()).isa.has(HostExtId::ZKR) },
    };
    match csr_emul::emulate(&c, update, &env) {
        CsrOutcome::Done { old } => {
            v.count(Stat::CsrExitKernel);
            v.set_reg(c.rd, old as usize);
            v.skip_insn(4);
            1
        }
        CsrOutcome::ExitToUser(exit) => {
            v.count(Stat::CsrExitUser);
            run.set_csr_exit(
                exit.csr_num,
                exit.new_value,
                exit.write_mask,
                exit.ret_value,
            );
            v.set_pending(PendingExit::Csr { rd: c.rd });
            0
        }
        CsrOutcome::IllegalInsn => {
            redirect_trap(
                v,
                &Trap {
                    sepc: pc,
                    scause: cause::ILLEGAL_INSN,
                    stval: word as usize,
                    htval: 0,
                    htinst: 0,
                },
            );
            1
        }
    }
}
