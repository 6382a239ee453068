// SPDX-License-Identifier: GPL-2.0

//! [`lookup`], [`set_precheck`] and [`lookup_set`]: the verdicts of
//! `KVM_{GET,SET}_ONE_REG` on an id for a vCPU.

use super::config_reg::ConfigReg;
use super::csr_reg::CsrReg;
use super::decode::parse;
use super::encoding::{
    reg_size, KVM_REG_RISCV_CONFIG, KVM_REG_RISCV_CSR, KVM_REG_RISCV_FP_D, KVM_REG_RISCV_FP_F,
    KVM_REG_RISCV_ISA_EXT, KVM_REG_RISCV_SBI_EXT, KVM_REG_RISCV_SBI_SINGLE,
    KVM_REG_RISCV_SBI_STATE, KVM_REG_RISCV_SUBTYPE_MASK, KVM_REG_RISCV_TYPE_MASK,
    KVM_REG_RISCV_VECTOR, ULONG_SIZE,
};
use super::error::RegIdError;
use super::index::IsaExtId;
use super::isa_ext::IsaExtReg;
use super::reg_id::RegId;
use super::sbi_ext::SbiExtReg;
use super::sbi_ext_status::SbiExtStatus;
use super::vcpu_desc::VcpuDesc;
use super::vector_reg::VectorReg;

/// The verdict of `KVM_GET_ONE_REG` on `id` for `vcpu`: the register, or
/// the error upstream returns (see the table in the
/// [module documentation](super)).
pub const fn lookup(id: u64, vcpu: &VcpuDesc) -> Result<RegId, RegIdError> {
    // FP and vector registers check the extension before anything else
    // (vcpu_fp.c:89-90/100-101/113-114, vcpu_vector.c:154-155/180-181).
    let gate = match id & KVM_REG_RISCV_TYPE_MASK {
        KVM_REG_RISCV_FP_F => Some(IsaExtId::F),
        KVM_REG_RISCV_FP_D => Some(IsaExtId::D),
        KVM_REG_RISCV_VECTOR => Some(IsaExtId::V),
        _ => None,
    };
    if let Some(ext) = gate {
        if !vcpu.has(ext) {
            return Err(RegIdError::NotFound);
        }
    }
    let reg = match parse(id) {
        Ok(r) => r,
        Err(e) => return Err(e),
    };
    // The remaining vCPU checks come after everything parse() checks.
    let ok = match reg {
        // vcpu_onereg.c:221-222/226-227 (get), 310-311/316-317 (set).
        RegId::Config(ConfigReg::ZicbomBlockSize) => vcpu.has(IsaExtId::ZICBOM),
        RegId::Config(ConfigReg::ZicbozBlockSize) => vcpu.has(IsaExtId::ZICBOZ),
        // vcpu_onereg.c:521-522 (get), 566-567 (set): the host's
        // Smstateen, not the vCPU's, and EINVAL.
        RegId::Csr(CsrReg::Smstateen(_)) => {
            if !vcpu.host_has(IsaExtId::SMSTATEEN) {
                return Err(RegIdError::Invalid);
            }
            true
        }
        // vcpu_vector.c:130-131.
        RegId::Vector(VectorReg::V { size_log2, .. }) => {
            if (1u64 << size_log2.get()) != vcpu.vlenb {
                return Err(RegIdError::BadSize);
            }
            true
        }
        // vcpu_onereg.c:591-593 (get), 612-614 (set).
        RegId::IsaExt(IsaExtReg::Single(e)) => vcpu.host_has(e),
        // vcpu_sbi.c:202-204 (get), 184-186 (set).
        RegId::SbiExt(SbiExtReg::Single(e)) => {
            !matches!(vcpu.sbi_status(e), SbiExtStatus::Unavailable)
        }
        _ => true,
    };
    if ok {
        Ok(reg)
    } else {
        Err(RegIdError::NotFound)
    }
}

/// What `KVM_SET_ONE_REG` rejects before it copies the value from
/// userspace. The caller copies the value (`EFAULT` on a bad buffer) only
/// after this passed, then calls [`lookup_set`]: where upstream copies
/// early (CONFIG, CSR, ISA_EXT, SBI_EXT, SBI_STATE) an unknown register
/// with a faulting buffer is `EFAULT`; where it copies late (CORE, TIMER,
/// FP, VECTOR) it is the register error.
pub const fn set_precheck(
    id: u64,
    vcpu: &VcpuDesc,
    ran_at_least_once: bool,
) -> Result<(), RegIdError> {
    let size_ok = reg_size(id) == ULONG_SIZE;
    match id & KVM_REG_RISCV_TYPE_MASK {
        // Copy right after the size check: vcpu_onereg.c:262-265,
        // 550-553, 733-739; vcpu_sbi.c:341-344.
        KVM_REG_RISCV_CONFIG
        | KVM_REG_RISCV_CSR
        | KVM_REG_RISCV_ISA_EXT
        | KVM_REG_RISCV_SBI_STATE => {
            if size_ok {
                Ok(())
            } else {
                Err(RegIdError::BadSize)
            }
        }
        // vcpu_sbi.c:265-274: size, then EBUSY, then the copy.
        KVM_REG_RISCV_SBI_EXT => {
            if !size_ok {
                Err(RegIdError::BadSize)
            } else if ran_at_least_once {
                Err(RegIdError::Busy)
            } else {
                Ok(())
            }
        }
        // Copy after every id check: vcpu_onereg.c:400-405,
        // vcpu_timer.c:214-219, vcpu_fp.c:134-161, vcpu_vector.c:180-201.
        // An unknown type is rejected without a copy (vcpu_onereg.c:1241).
        _ => match lookup(id, vcpu) {
            Ok(_) => Ok(()),
            Err(e) => Err(e),
        },
    }
}

/// The verdict of `KVM_SET_ONE_REG` on `id` once `value` (the first
/// `unsigned long` of what userspace wrote) is in, after [`set_precheck`]
/// passed. The same as [`lookup`] except that SBI extension single
/// registers check the value first (vcpu_sbi.c:181-182). Checks on the
/// value that come after the id checks are the caller's (see the
/// [module documentation](super)).
pub const fn lookup_set(id: u64, value: u64, vcpu: &VcpuDesc) -> Result<RegId, RegIdError> {
    if id & KVM_REG_RISCV_TYPE_MASK == KVM_REG_RISCV_SBI_EXT
        && reg_size(id) == ULONG_SIZE
        && id & KVM_REG_RISCV_SUBTYPE_MASK == KVM_REG_RISCV_SBI_SINGLE
        && value > 1
    {
        return Err(RegIdError::BadValue);
    }
    lookup(id, vcpu)
}
