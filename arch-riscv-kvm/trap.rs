// SPDX-License-Identifier: GPL-2.0

//! Traps out of the guest: what the world switch reports, what an exit
//! handler answers, delivering a trap to the guest's own handler, and
//! fetching the instruction that trapped.

use kernel::bindings;
use kernel::prelude::*;

use crate::addr::Gpa;
use crate::context::sstatus;
use crate::csr;
use crate::glue::NoPreempt;
use crate::kvm_srcu::VcpuSrcu;
use crate::logic::insn::TrappedInsn;
use crate::switch;
use crate::vcpu::OwnedVcpu;

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
    use core::mem::{align_of, offset_of, size_of};
    type C = bindings::kvm_riscv_glue_trap;
    assert!(size_of::<Trap>() == size_of::<C>());
    assert!(align_of::<Trap>() == align_of::<C>());
    assert!(offset_of!(Trap, sepc) == offset_of!(C, sepc));
    assert!(offset_of!(Trap, scause) == offset_of!(C, scause));
    assert!(offset_of!(Trap, stval) == offset_of!(C, stval));
    assert!(offset_of!(Trap, htval) == offset_of!(C, htval));
    assert!(offset_of!(Trap, htinst) == offset_of!(C, htinst));
};

impl Trap {
    /// The trap as glue.c's struct.
    pub(crate) fn as_c(&self) -> &bindings::kvm_riscv_glue_trap {
        let this: *const Trap = self;
        // SAFETY: The same size, alignment and field offsets (asserted
        // above), and every field a plain integer of the same width.
        unsafe { &*this.cast() }
    }

    /// A trap to hand to the guest as an illegal instruction at `sepc`.
    pub(crate) fn illegal_insn(sepc: usize, insn: usize) -> Trap {
        Trap {
            sepc,
            scause: cause::ILLEGAL_INSN,
            stval: insn,
            htval: 0,
            htinst: 0,
        }
    }

    /// The guest-physical address of a guest-page fault.
    pub(crate) fn fault_gpa(&self) -> Gpa {
        Gpa::of_guest_page_fault(self.htval, self.stval)
    }

    /// Whether this is a guest-page fault.
    pub(crate) fn is_guest_page_fault(scause: usize) -> bool {
        matches!(
            scause,
            cause::FETCH_GUEST_PAGE_FAULT
                | cause::LOAD_GUEST_PAGE_FAULT
                | cause::STORE_GUEST_PAGE_FAULT
        )
    }
}

/// What the run loop does once an exit is handled; an `Err` fails
/// `KVM_RUN` with its errno.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exit {
    /// Re-enter the guest.
    Guest,
    /// Return to userspace, with `kvm_run` filled in.
    User,
}

/// Delivers `trap` to the guest's own trap handler, as if the hardware
/// had delegated it.
pub(crate) fn redirect_trap(v: &mut OwnedVcpu<'_>, trap: &Trap) {
    let _cpu = NoPreempt::new();
    // The guest CSRs are live on this CPU while the vCPU is loaded.
    let vsstatus = csr::read_vsstatus();
    let ctx = v.ctx();
    let guest_sstatus = ctx.sw.guest.sstatus;
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
    ctx.sw.guest.sepc = csr::read::<csr::Vstvec>();
    ctx.sw.guest.sstatus = guest_sstatus | sstatus::SPP;
}

/// Fetches the trapping instruction: from `htinst` when the hardware
/// provided it, else from guest memory. A fault while fetching is sent
/// to the guest and `Err(Exit::Guest)` returned.
pub(crate) fn trapped_insn(
    v: &mut OwnedVcpu<'_>,
    srcu: &VcpuSrcu<'_>,
    trap: &Trap,
) -> core::result::Result<TrappedInsn, Exit> {
    if let Some(i) = TrappedInsn::from_htinst(trap.htinst as u64) {
        return Ok(i);
    }
    fetch_insn(v, srcu, trap.sepc).map(TrappedInsn::fetched)
}

/// Reads the guest instruction at `pc` as the guest would fetch it. A
/// fault is delivered to the guest (a guest-page fault is not, see below)
/// and `Err(Exit::Guest)` returned: re-enter it.
pub(crate) fn fetch_insn(
    v: &mut OwnedVcpu<'_>,
    srcu: &VcpuSrcu<'_>,
    pc: usize,
) -> core::result::Result<u32, Exit> {
    let hstatus = v.hstatus();
    let read =
        crate::tlb::fenced_guest_read(srcu, |irqs| switch::read_guest_insn(pc, hstatus, irqs));
    read.map_err(|t| {
        // A guest-page fault is the host's: the page the guest just ran
        // from was unmapped meanwhile (an MMU notifier). Handing it to the
        // guest, which cannot make sense of it, is what 6.12 did until
        // "RISC-V: KVM: Fix guest page fault within HLV* instructions";
        // re-entering the guest re-executes the instruction, whose own
        // fault maps the page again.
        if Trap::is_guest_page_fault(t.scause) {
            return Exit::Guest;
        }
        let trap = Trap {
            sepc: pc,
            scause: t.scause,
            stval: t.stval,
            htval: 0,
            htinst: 0,
        };
        redirect_trap(v, &trap);
        Exit::Guest
    })
}

/// `EOPNOTSUPP`, which `kernel::error::code` does not name.
pub(crate) fn eopnotsupp() -> Error {
    Error::from_errno(-(bindings::EOPNOTSUPP as i32))
}

/// Logs a failed exit, rate-limited whatever the guests do.
pub(crate) fn report_exit_error(e: Error, trap: &Trap) {
    if crate::glue::exit_error_ratelimit() {
        pr_err!(
            "VCPU exit error {}: sepc {:#x} scause {:#x} stval {:#x} htval {:#x} htinst {:#x}\n",
            e.to_errno(),
            trap.sepc,
            trap.scause,
            trap.stval,
            trap.htval,
            trap.htinst
        );
    }
}
