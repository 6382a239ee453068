// SPDX-License-Identifier: GPL-2.0

//! `KVM_{GET,SET}_ONE_REG` register ids and the `KVM_GET_REG_LIST` list.
//!
//! A RISC-V register id is
//! `arch | size | type << 24 | subtype << 16 | index`, with the fields laid
//! out by `<linux/kvm.h>` and `<asm/kvm.h>`. Userspace (QEMU, kvmtool, the
//! selftests) saves and restores a vCPU by walking the list and passing
//! every id back, and probes features by the errno an id gets, so both the
//! list (contents and order) and every errno are ABI. Everything here
//! mirrors Linux 6.12 (`arch/riscv/kvm/vcpu_onereg.c` and the ONE_REG parts
//! of `vcpu_fp.c`, `vcpu_timer.c`, `vcpu_vector.c`, `vcpu_sbi.c`,
//! `vcpu_sbi_sta.c` and `aia.c`); line numbers below refer to those files.
//!
//! The backend is RV64 only (`Kconfig`: `depends on 64BIT`), so
//! `unsigned long` is 8 bytes throughout.
//!
//! # Where each verdict comes from
//!
//! - [`parse`] decodes an id with no vCPU at hand: the checks that depend
//!   only on the id, in upstream order.
//! - [`lookup`] is the verdict of `KVM_GET_ONE_REG`: [`parse`] plus the
//!   checks on the vCPU's extensions, in upstream order (for FP and vector
//!   registers the extension is checked before the size).
//! - [`set_precheck`] is what `KVM_SET_ONE_REG` rejects before it copies
//!   the value from userspace; a faulting buffer therefore yields `EFAULT`
//!   or one of these errors exactly as upstream would.
//! - [`lookup_set`] is the verdict of `KVM_SET_ONE_REG` on the id once the
//!   value is in: the same as [`lookup`], except that SBI extension
//!   single registers reject a value other than 0 or 1 before the id.
//!
//! Per type, in upstream order (`size` is `KVM_REG_SIZE(id)`, `num` the id
//! without its arch, size and type fields):
//!
//! | type      | checks, first failure wins                                  |
//! |-----------|-------------------------------------------------------------|
//! | CONFIG    | size != 8: EINVAL; num unknown, or Zicbom/Zicboz block size without the extension on the vCPU: ENOENT |
//! | CORE      | size != 8: EINVAL; num >= 33: ENOENT                        |
//! | CSR       | size != 8: EINVAL; subtype GENERAL/AIA: index out of range: ENOENT; subtype SMSTATEEN: host without Smstateen or index != 0: EINVAL; other subtype: ENOENT |
//! | TIMER     | size != 8: EINVAL; num >= 4: ENOENT                         |
//! | FP_F      | vCPU without F: ENOENT; size != 4: EINVAL; num > 32: ENOENT |
//! | FP_D      | vCPU without D: ENOENT; num > 32: ENOENT; size != 4 (fcsr) or 8 (f0..f31): EINVAL |
//! | VECTOR    | vCPU without V: ENOENT; num < 6: size != 8: EINVAL, num 5 (`datap`): ENOENT; num 6..=37: size != vlenb: EINVAL; else ENOENT |
//! | ISA_EXT   | size != 8: EINVAL; SINGLE: id >= 62 or not on the host: ENOENT; MULTI_*: word > 0: ENOENT; other subtype: ENOENT |
//! | SBI_EXT   | size != 8: EINVAL; set only: vCPU ran: EBUSY; SINGLE: set only: value > 1: EINVAL; id >= 11 or unavailable: ENOENT; MULTI_*: word > 0: ENOENT; other subtype: ENOENT |
//! | SBI_STATE | size != 8: EINVAL; subtype != STA: EINVAL; index > 1: EINVAL |
//! | other     | ENOENT                                                      |
//!
//! The arch field is never checked upstream (ids are masked with
//! `~KVM_REG_ARCH_MASK`), so neither is it here. Bits 32..=51 are not
//! masked away either: they end up in `num` and make it out of range.
//!
//! # Left to the caller: checks on the value written
//!
//! These come after every check above and depend on vCPU state, so the
//! kernel layer makes them when it applies a [`RegId`]:
//!
//! - CONFIG `isa`: a bit at or above 26 set: EINVAL; a change after the
//!   vCPU ran: EBUSY (`vcpu_onereg.c:274-306`).
//! - CONFIG Zicbom/Zicboz block size, `satp_mode`: a value other than the
//!   host's: EINVAL (`vcpu_onereg.c:312-319`, `346-347`).
//! - CONFIG `mvendorid`/`marchid`/`mimpid`: a change after the vCPU ran:
//!   EBUSY (`vcpu_onereg.c:321-343`).
//! - TIMER `frequency`: a value other than the timebase: EINVAL
//!   (`vcpu_timer.c:224-225`).
//! - VECTOR `vlenb`: a value other than the vCPU's: EINVAL
//!   (`vcpu_vector.c:191-192`).
//! - ISA_EXT single: a change after the vCPU ran: EBUSY; an enable or
//!   disable the extension does not allow, or a value other than 0/1:
//!   EINVAL (`vcpu_onereg.c:616-634`). MULTI_EN/MULTI_DIS ignore the
//!   per-extension failures (`vcpu_onereg.c:677`).
//! - SBI_STATE STA `shmem_hi`: non-zero on RV64: EINVAL
//!   (`vcpu_sbi_sta.c:203-204`).

mod config_reg;
mod core_reg;
mod csr_reg;
mod decode;
mod encoding;
mod error;
mod fp_reg;
mod index;
mod isa_ext;
mod reg_id;
mod reg_list;
mod sbi_ext;
mod sbi_ext_status;
mod sbi_state_reg;
mod timer_reg;
mod vcpu_desc;
mod vcpu_lookup;
mod vector_reg;

pub use config_reg::ConfigReg;
pub use core_reg::CoreReg;
pub use csr_reg::{AiaCsr, CsrReg, GeneralCsr, SmstateenCsr};
pub use decode::parse;
pub use encoding::{
    reg_size, size_field, KVM_REG_ARCH_MASK, KVM_REG_RISCV, KVM_REG_RISCV_CONFIG,
    KVM_REG_RISCV_CORE, KVM_REG_RISCV_CSR, KVM_REG_RISCV_CSR_AIA, KVM_REG_RISCV_CSR_GENERAL,
    KVM_REG_RISCV_CSR_SMSTATEEN, KVM_REG_RISCV_FP_D, KVM_REG_RISCV_FP_F, KVM_REG_RISCV_ISA_EXT,
    KVM_REG_RISCV_ISA_MULTI_DIS, KVM_REG_RISCV_ISA_MULTI_EN, KVM_REG_RISCV_ISA_MULTI_REG_LAST,
    KVM_REG_RISCV_ISA_SINGLE, KVM_REG_RISCV_SBI_EXT, KVM_REG_RISCV_SBI_MULTI_DIS,
    KVM_REG_RISCV_SBI_MULTI_EN, KVM_REG_RISCV_SBI_MULTI_REG_LAST, KVM_REG_RISCV_SBI_SINGLE,
    KVM_REG_RISCV_SBI_STA, KVM_REG_RISCV_SBI_STATE, KVM_REG_RISCV_SUBTYPE_MASK,
    KVM_REG_RISCV_SUBTYPE_SHIFT, KVM_REG_RISCV_TIMER, KVM_REG_RISCV_TYPE_MASK,
    KVM_REG_RISCV_TYPE_SHIFT, KVM_REG_RISCV_VECTOR, KVM_REG_SIZE_MASK, KVM_REG_SIZE_SHIFT,
    KVM_REG_SIZE_U1024, KVM_REG_SIZE_U128, KVM_REG_SIZE_U16, KVM_REG_SIZE_U2048, KVM_REG_SIZE_U256,
    KVM_REG_SIZE_U32, KVM_REG_SIZE_U512, KVM_REG_SIZE_U64, KVM_REG_SIZE_U8, KVM_RISCV_ISA_EXT_MAX,
    KVM_RISCV_SBI_EXT_MAX,
};
pub use error::RegIdError;
pub use fp_reg::FpReg;
pub use index::{FReg, Gpr, Index, IsaExtId, IsaWord, SbiExtId, SbiWord, SizeLog2, VReg};
pub use isa_ext::IsaExtReg;
pub use reg_id::{encode, RegId};
pub use reg_list::{reg_count, reg_ids, regs, RegIter};
pub use sbi_ext::SbiExtReg;
pub use sbi_ext_status::{SbiExtStatus, SbiExtStatuses};
pub use sbi_state_reg::{SbiStateReg, StaReg};
pub use timer_reg::TimerReg;
pub use vcpu_desc::VcpuDesc;
pub use vcpu_lookup::{lookup, lookup_set, set_precheck};
pub use vector_reg::VectorReg;

#[cfg(test)]
mod tests;
