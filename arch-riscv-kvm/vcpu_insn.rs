// SPDX-License-Identifier: GPL-2.0

//! Instructions the backend emulates for the guest (upstream's
//! `vcpu_insn.c`): loads and stores to MMIO, WFI, WRS and the CSR accesses
//! that trap as virtual instructions.

use kernel::prelude::*;

use crate::addr::Gpa;
use crate::context::sstatus;
use crate::kvm::Stat;
use crate::kvm_run::KvmRun;
use crate::kvm_srcu::VcpuSrcu;
use crate::logic::csr_emul::{self, CsrEnv, CsrOutcome};
use crate::logic::insn::{self, CsrInsn, MmioAccess, SystemInsn};
use crate::logic::isa::HostExtId;
use crate::trap::{self, redirect_trap, Exit, Trap};
use crate::vcpu::OwnedVcpu;
use crate::vcpu_context::PendingExit;

/// Completes an emulated MMIO access with the bytes the device returned.
pub(crate) fn finish_mmio(v: &mut OwnedVcpu<'_>, pending: PendingExit, data: &[u8; 8]) {
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

/// Emulates a load or store to an address no memslot backs: first on the
/// in-kernel MMIO bus (coalesced MMIO, ioeventfd), else in userspace.
pub(crate) fn mmio(
    v: &mut OwnedVcpu<'_>,
    srcu: &VcpuSrcu<'_>,
    run: &KvmRun<'_>,
    trap: &Trap,
    gpa: Gpa,
) -> Result<Exit> {
    let insn = match trap::trapped_insn(v, srcu, trap) {
        Ok(i) => i,
        Err(exit) => return Ok(exit),
    };
    let access = insn::decode_mmio(insn.word).ok_or_else(trap::eopnotsupp)?;
    let width = access.width();
    let len = width.bytes();
    // Misaligned MMIO is not emulated, as in the C backend.
    if !width.is_aligned(gpa.get()) {
        return Err(EIO);
    }
    let mut data = [0u8; 8];
    let (handled, is_write, pending) = match access {
        MmioAccess::Load { rd, width, signed } => (
            srcu.mmio_read(gpa, data.get_mut(..len as usize).ok_or(EINVAL)?),
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
            let bytes = data.get(..len as usize).ok_or(EINVAL)?;
            (
                srcu.mmio_write(gpa, bytes),
                true,
                PendingExit::MmioStore { len: insn.len },
            )
        }
    };
    if handled {
        v.kvm_vcpu().count(Stat::MmioExitKernel);
        finish_mmio(v, pending, &data);
        return Ok(Exit::Guest);
    }
    v.kvm_vcpu().count(Stat::MmioExitUser);
    run.set_mmio_exit(gpa.get(), len, is_write, data);
    v.set_pending(pending);
    Ok(Exit::User)
}

/// A virtual-instruction trap: WFI and friends are emulated; anything
/// else is an illegal instruction as far as the guest is concerned.
pub(crate) fn virtual_insn(
    v: &mut OwnedVcpu<'_>,
    srcu: &mut VcpuSrcu<'_>,
    run: &KvmRun<'_>,
    trap: &Trap,
) -> Result<Exit> {
    // stval holds the instruction when the hardware reports it; a
    // compressed-looking value (0 included) means it did not.
    let mut word = trap.stval as u32;
    if insn::insn_len(word) != 4 {
        word = match trap::fetch_insn(v, srcu, trap.sepc) {
            Ok(w) => w,
            Err(exit) => return Ok(exit),
        };
    }
    match insn::decode_system(word) {
        Some(SystemInsn::Wfi) => {
            v.kvm_vcpu().count(Stat::WfiExit);
            v.skip_insn(4);
            v.halt(srcu);
            Ok(Exit::Guest)
        }
        Some(SystemInsn::WrsNto) => {
            v.kvm_vcpu().count(Stat::WrsExit);
            v.skip_insn(4);
            let in_kernel = v.ctx().sw.guest.sstatus & sstatus::SPP != 0;
            srcu.yield_to_other(in_kernel);
            Ok(Exit::Guest)
        }
        Some(SystemInsn::Csr(c)) => Ok(csr_insn(v, run, c, word, trap.sepc)),
        // WRS.STO traps like the C backend, which only knows WRS.NTO.
        Some(SystemInsn::WrsSto) | None => {
            redirect_trap(v, &Trap::illegal_insn(trap.sepc, trap.stval));
            Ok(Exit::Guest)
        }
    }
}

/// A CSR access the guest may not make itself: emulated in the kernel,
/// by userspace (`KVM_EXIT_RISCV_CSR`), or an illegal instruction for the
/// guest, as `logic::csr_emul`'s table says.
fn csr_insn(v: &mut OwnedVcpu<'_>, run: &KvmRun<'_>, c: CsrInsn, word: u32, pc: usize) -> Exit {
    let update = c.update(v.reg(c.rs1()) as u64);
    let env = CsrEnv {
        zkr: v.ctx().isa.has(HostExtId::ZKR),
    };
    let mut outcome = csr_emul::emulate(&c, update, &env);
    // A counter is the vCPU's PMU's to answer.
    if let CsrOutcome::ReadCounter { csr, write_mask } = outcome {
        outcome = match crate::pmu::read_hpm(v, csr, write_mask) {
            Some(old) => CsrOutcome::Done { old },
            None => CsrOutcome::IllegalInsn,
        };
    }
    match outcome {
        CsrOutcome::Done { old } => {
            v.kvm_vcpu().count(Stat::CsrExitKernel);
            v.set_reg(c.rd, old as usize);
            v.skip_insn(4);
            Exit::Guest
        }
        CsrOutcome::ExitToUser(exit) => {
            v.kvm_vcpu().count(Stat::CsrExitUser);
            run.set_csr_exit(
                exit.csr_num,
                exit.new_value,
                exit.write_mask,
                exit.ret_value,
            );
            v.set_pending(PendingExit::Csr { rd: c.rd });
            Exit::User
        }
        // ReadCounter was answered above.
        CsrOutcome::IllegalInsn | CsrOutcome::ReadCounter { .. } => {
            redirect_trap(v, &Trap::illegal_insn(pc, word as usize));
            Exit::Guest
        }
    }
}
