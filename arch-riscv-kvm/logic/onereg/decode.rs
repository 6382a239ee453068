// SPDX-License-Identifier: GPL-2.0

//! [`parse`]: decoding a register id with no vCPU at hand.

use super::config_reg::ConfigReg;
use super::core_reg::CoreReg;
use super::csr_reg::{AiaCsr, CsrReg, GeneralCsr, SmstateenCsr};
use super::encoding::{
    reg_size, KVM_REG_ARCH_MASK, KVM_REG_RISCV_CONFIG, KVM_REG_RISCV_CORE, KVM_REG_RISCV_CSR,
    KVM_REG_RISCV_CSR_AIA, KVM_REG_RISCV_CSR_GENERAL, KVM_REG_RISCV_CSR_SMSTATEEN,
    KVM_REG_RISCV_FP_D, KVM_REG_RISCV_FP_F, KVM_REG_RISCV_ISA_EXT, KVM_REG_RISCV_ISA_MULTI_DIS,
    KVM_REG_RISCV_ISA_MULTI_EN, KVM_REG_RISCV_ISA_SINGLE, KVM_REG_RISCV_SBI_EXT,
    KVM_REG_RISCV_SBI_MULTI_DIS, KVM_REG_RISCV_SBI_MULTI_EN, KVM_REG_RISCV_SBI_SINGLE,
    KVM_REG_RISCV_SBI_STA, KVM_REG_RISCV_SBI_STATE, KVM_REG_RISCV_SUBTYPE_MASK,
    KVM_REG_RISCV_TIMER, KVM_REG_RISCV_TYPE_MASK, KVM_REG_RISCV_VECTOR, KVM_REG_SIZE_MASK,
    KVM_REG_SIZE_SHIFT, ULONG_SIZE,
};
use super::error::RegIdError;
use super::fp_reg::FpReg;
use super::index::{Index, IsaExtId, IsaWord, SbiExtId, SbiWord, SizeLog2, VReg};
use super::isa_ext::IsaExtReg;
use super::reg_id::RegId;
use super::sbi_ext::SbiExtReg;
use super::sbi_state_reg::{SbiStateReg, StaReg};
use super::timer_reg::TimerReg;
use super::vector_reg::{VectorReg, VECTOR_CSR_SLOTS};

/// `num`: the id without its arch, size and type fields. Upstream keeps the
/// subtype and bits 32..=51 in it, which is how ids with stray bits there
/// fail the index checks.
const NUM_MASK: u64 = !(KVM_REG_ARCH_MASK | KVM_REG_SIZE_MASK | KVM_REG_RISCV_TYPE_MASK);

/// Decodes `id` without a vCPU: applies, in upstream order, every check
/// that depends on the id alone. An id fails here exactly when it fails on
/// every vCPU; on a vCPU with every optional register (F, D, V, Zicbom,
/// Zicboz, host Smstateen, the extension in question available) the error
/// is the one upstream returns. The size of a vector data register is not
/// checked: it must equal the vCPU's `vlenb` (see [`lookup`](super::lookup)).
pub const fn parse(id: u64) -> Result<RegId, RegIdError> {
    let size = reg_size(id);
    let num = id & NUM_MASK;
    let sub = num & KVM_REG_RISCV_SUBTYPE_MASK;
    let idx = num & !KVM_REG_RISCV_SUBTYPE_MASK;
    match id & KVM_REG_RISCV_TYPE_MASK {
        KVM_REG_RISCV_CONFIG => {
            // vcpu_onereg.c:213/262, then the switch at 216/268 (ENOENT at
            // 243/350). Subtype bits stay in num, so any subtype is unknown.
            if size != ULONG_SIZE {
                return Err(RegIdError::BadSize);
            }
            match ConfigReg::from_index(num) {
                Some(r) => Ok(RegId::Config(r)),
                None => Err(RegIdError::NotFound),
            }
        }
        KVM_REG_RISCV_CORE => {
            // vcpu_onereg.c:367-370 (get), 400-403 (set).
            if size != ULONG_SIZE {
                return Err(RegIdError::BadSize);
            }
            match CoreReg::from_index(num) {
                Some(r) => Ok(RegId::Core(r)),
                None => Err(RegIdError::NotFound),
            }
        }
        KVM_REG_RISCV_CSR => {
            // vcpu_onereg.c:508 (get), 550 (set), then the subtype switch.
            if size != ULONG_SIZE {
                return Err(RegIdError::BadSize);
            }
            match sub {
                // vcpu_onereg.c:430-431 (get), 450-451 (set).
                KVM_REG_RISCV_CSR_GENERAL => match GeneralCsr::from_index(idx) {
                    Some(r) => Ok(RegId::Csr(CsrReg::General(r))),
                    None => Err(RegIdError::NotFound),
                },
                // aia.c:191-192 (get), 210-211 (set).
                KVM_REG_RISCV_CSR_AIA => match AiaCsr::from_index(idx) {
                    Some(r) => Ok(RegId::Csr(CsrReg::Aia(r))),
                    None => Err(RegIdError::NotFound),
                },
                // vcpu_onereg.c:489-491 (get), 475-477 (set): EINVAL, not
                // ENOENT, for an index past the structure.
                KVM_REG_RISCV_CSR_SMSTATEEN => {
                    if idx == SmstateenCsr::Sstateen0 as u64 {
                        Ok(RegId::Csr(CsrReg::Smstateen(SmstateenCsr::Sstateen0)))
                    } else {
                        Err(RegIdError::Invalid)
                    }
                }
                // vcpu_onereg.c:527 (get), 572 (set).
                _ => Err(RegIdError::NotFound),
            }
        }
        KVM_REG_RISCV_TIMER => {
            // vcpu_timer.c:173-176 (get), 214-217 (set).
            if size != 8 {
                return Err(RegIdError::BadSize);
            }
            match TimerReg::from_index(num) {
                Some(r) => Ok(RegId::Timer(r)),
                None => Err(RegIdError::NotFound),
            }
        }
        KVM_REG_RISCV_FP_F => {
            // vcpu_fp.c:91-99 (get), 136-144 (set): size before index.
            if size != 4 {
                return Err(RegIdError::BadSize);
            }
            match FpReg::from_index(num) {
                Some(r) => Ok(RegId::FpF(r)),
                None => Err(RegIdError::NotFound),
            }
        }
        KVM_REG_RISCV_FP_D => {
            // vcpu_fp.c:102-112 (get), 147-157 (set): index before size,
            // because the size depends on the register.
            let reg = match FpReg::from_index(num) {
                Some(r) => r,
                None => return Err(RegIdError::NotFound),
            };
            if size != RegId::FpD(reg).size() {
                return Err(RegIdError::BadSize);
            }
            Ok(RegId::FpD(reg))
        }
        KVM_REG_RISCV_VECTOR => parse_vector(id, num),
        KVM_REG_RISCV_ISA_EXT => {
            // vcpu_onereg.c:694 (get), 733 (set), then the subtype switch.
            if size != ULONG_SIZE {
                return Err(RegIdError::BadSize);
            }
            let reg = match sub {
                // vcpu_onereg.c:587-589 (get), 608-610 (set).
                KVM_REG_RISCV_ISA_SINGLE => match IsaExtId::new(idx) {
                    Some(e) => IsaExtReg::Single(e),
                    None => return Err(RegIdError::NotFound),
                },
                // vcpu_onereg.c:646 (get), 669 (set).
                KVM_REG_RISCV_ISA_MULTI_EN => match IsaWord::new(idx) {
                    Some(w) => IsaExtReg::MultiEn(w),
                    None => return Err(RegIdError::NotFound),
                },
                KVM_REG_RISCV_ISA_MULTI_DIS => match IsaWord::new(idx) {
                    Some(w) => IsaExtReg::MultiDis(w),
                    None => return Err(RegIdError::NotFound),
                },
                // vcpu_onereg.c:712 (get), 750 (set).
                _ => return Err(RegIdError::NotFound),
            };
            Ok(RegId::IsaExt(reg))
        }
        KVM_REG_RISCV_SBI_EXT => {
            // vcpu_sbi.c:302 (get), 265 (set), then the subtype switch.
            if size != ULONG_SIZE {
                return Err(RegIdError::BadSize);
            }
            let reg = match sub {
                // vcpu_sbi.c:92 via 202-204 (get), 184-186 (set).
                KVM_REG_RISCV_SBI_SINGLE => match SbiExtId::new(idx) {
                    Some(e) => SbiExtReg::Single(e),
                    None => return Err(RegIdError::NotFound),
                },
                // vcpu_sbi.c:238 (get), 218 (set).
                KVM_REG_RISCV_SBI_MULTI_EN => match SbiWord::new(idx) {
                    Some(w) => SbiExtReg::MultiEn(w),
                    None => return Err(RegIdError::NotFound),
                },
                KVM_REG_RISCV_SBI_MULTI_DIS => match SbiWord::new(idx) {
                    Some(w) => SbiExtReg::MultiDis(w),
                    None => return Err(RegIdError::NotFound),
                },
                // vcpu_sbi.c:320 (get), 285 (set).
                _ => return Err(RegIdError::NotFound),
            };
            Ok(RegId::SbiExt(reg))
        }
        KVM_REG_RISCV_SBI_STATE => {
            // vcpu_sbi.c:371 (get), 341 (set).
            if size != ULONG_SIZE {
                return Err(RegIdError::BadSize);
            }
            // vcpu_sbi.c:382 (get), 354 (set): unknown subtype is EINVAL.
            if sub != KVM_REG_RISCV_SBI_STA {
                return Err(RegIdError::Invalid);
            }
            // vcpu_sbi_sta.c:176 (get), 208 (set): so is an unknown index.
            match idx {
                0 => Ok(RegId::SbiState(SbiStateReg::Sta(StaReg::ShmemLo))),
                1 => Ok(RegId::SbiState(SbiStateReg::Sta(StaReg::ShmemHi))),
                _ => Err(RegIdError::Invalid),
            }
        }
        // vcpu_onereg.c:1241 (set), 1274 (get).
        _ => Err(RegIdError::NotFound),
    }
}

/// Vector ids: `kvm_riscv_vcpu_vreg_addr()`, vcpu_vector.c:106-136.
const fn parse_vector(id: u64, num: u64) -> Result<RegId, RegIdError> {
    if num < VECTOR_CSR_SLOTS {
        if reg_size(id) != ULONG_SIZE {
            return Err(RegIdError::BadSize);
        }
        let reg = match num {
            0 => VectorReg::Vstart,
            1 => VectorReg::Vl,
            2 => VectorReg::Vtype,
            3 => VectorReg::Vcsr,
            4 => VectorReg::Vlenb,
            // datap (vcpu_vector.c:125-127): a slot with no register.
            _ => return Err(RegIdError::NotFound),
        };
        return Ok(RegId::Vector(reg));
    }
    let reg = match VReg::new(num - VECTOR_CSR_SLOTS) {
        Some(r) => r,
        None => return Err(RegIdError::NotFound),
    };
    // The size field is 4 bits, so this always fits; the vCPU's vlenb
    // decides whether it is right (vcpu_vector.c:130-131).
    let size_log2: SizeLog2 = Index(((id & KVM_REG_SIZE_MASK) >> KVM_REG_SIZE_SHIFT) as u8);
    Ok(RegId::Vector(VectorReg::V { reg, size_log2 }))
}
