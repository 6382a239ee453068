// SPDX-License-Identifier: GPL-2.0

//! `KVM_GET_REG_LIST`: which registers a vCPU lists, in which order, and
//! how many.

use core::iter::FusedIterator;

use super::config_reg::ConfigReg;
use super::core_reg::CoreReg;
use super::csr_reg::{AiaCsr, CsrReg, GeneralCsr, SmstateenCsr};
use super::encoding::{KVM_RISCV_ISA_EXT_MAX, KVM_RISCV_SBI_EXT_MAX};
use super::fp_reg::FpReg;
use super::index::{Index, IsaExtId, SbiExtId, SizeLog2, VReg};
use super::isa_ext::IsaExtReg;
use super::reg_id::{encode, RegId};
use super::sbi_ext::SbiExtReg;
use super::sbi_ext_status::SbiExtStatus;
use super::sbi_state_reg::{SbiStateReg, StaReg};
use super::timer_reg::TimerReg;
use super::vcpu_desc::VcpuDesc;
use super::vector_reg::VectorReg;

/// Registers per class: the UAPI structure sizes in register-sized slots.
const CONFIG_REGS: u64 = 7; // struct kvm_riscv_config
const CORE_REGS: u64 = 33; // struct kvm_riscv_core: pc, x1..x31, mode
const CSR_GENERAL_REGS: u64 = 11; // struct kvm_riscv_csr
const CSR_AIA_REGS: u64 = 7; // struct kvm_riscv_aia_csr
const CSR_SMSTATEEN_REGS: u64 = 1; // struct kvm_riscv_smstateen_csr
const TIMER_REGS: u64 = 4; // struct kvm_riscv_timer
const FP_REGS: u64 = 33; // f0..f31, fcsr (index 32 in both F and D layouts)
const VECTOR_CSR_REGS: u64 = 5; // datap is a slot but not a register
const VECTOR_DATA_REGS: u64 = 32;
const VECTOR_REGS: u64 = VECTOR_CSR_REGS + VECTOR_DATA_REGS;
const SBI_STA_REGS: u64 = 2; // struct kvm_riscv_sbi_sta

impl VcpuDesc {
    /// Whether `KVM_GET_REG_LIST` reports `reg` on this vCPU. Some
    /// registers are accepted without being listed (MULTI words, AIA CSRs
    /// without Ssaia, Smstateen CSRs with host but not vCPU Smstateen,
    /// STA state while STA is not enabled).
    pub const fn lists(&self, reg: RegId) -> bool {
        match reg {
            // vcpu_onereg.c:770-775
            RegId::Config(ConfigReg::ZicbomBlockSize) => self.has(IsaExtId::ZICBOM),
            RegId::Config(ConfigReg::ZicbozBlockSize) => self.has(IsaExtId::ZICBOZ),
            RegId::Config(_) | RegId::Core(_) | RegId::Timer(_) => true,
            // vcpu_onereg.c:839-887
            RegId::Csr(CsrReg::General(_)) => true,
            RegId::Csr(CsrReg::Aia(_)) => self.has(IsaExtId::SSAIA),
            RegId::Csr(CsrReg::Smstateen(_)) => self.has(IsaExtId::SMSTATEEN),
            // vcpu_onereg.c:919, 948, 1080
            RegId::FpF(_) => self.has(IsaExtId::F),
            RegId::FpD(_) => self.has(IsaExtId::D),
            RegId::Vector(_) => self.has(IsaExtId::V),
            // vcpu_onereg.c:995-997
            RegId::IsaExt(IsaExtReg::Single(e)) => self.host_has(e),
            // vcpu_onereg.c:1026 via vcpu_sbi.c:112
            RegId::SbiExt(SbiExtReg::Single(e)) => {
                !matches!(self.sbi_status(e), SbiExtStatus::Unavailable)
            }
            RegId::IsaExt(_) | RegId::SbiExt(_) => false,
            // vcpu_onereg.c:1051
            RegId::SbiState(SbiStateReg::Sta(_)) => {
                matches!(self.sbi_status(SbiExtId::STA), SbiExtStatus::Enabled)
            }
        }
    }

    /// Log2 of `vlenb`, for the size field of the vector data registers.
    /// Upstream takes `__builtin_ctzl(vlenb)`; a vlenb beyond the 4-bit
    /// field (no such hardware) is truncated instead of corrupting the id.
    const fn vlenb_log2(&self) -> SizeLog2 {
        Index((self.vlenb.trailing_zeros() & 0xf) as u8)
    }
}

/// Candidate registers, in the order `kvm_riscv_vcpu_copy_reg_indices()`
/// emits them (vcpu_onereg.c:1153-1209): config, core, CSRs (general, AIA,
/// Smstateen), timer, FP_F, FP_D, vector, ISA_EXT, SBI_EXT, SBI state.
const LIST_SLOTS: u64 = CONFIG_REGS
    + CORE_REGS
    + CSR_GENERAL_REGS
    + CSR_AIA_REGS
    + CSR_SMSTATEEN_REGS
    + TIMER_REGS
    + FP_REGS
    + FP_REGS
    + VECTOR_REGS
    + KVM_RISCV_ISA_EXT_MAX as u64
    + KVM_RISCV_SBI_EXT_MAX as u64
    + SBI_STA_REGS;

/// The register in list slot `n`; whether the vCPU lists it is
/// [`VcpuDesc::lists`]. Within a class the order is the index order.
const fn slot_reg(n: u64, vlenb_log2: SizeLog2) -> Option<RegId> {
    let mut n = n;
    if n < CONFIG_REGS {
        return match ConfigReg::from_index(n) {
            Some(r) => Some(RegId::Config(r)),
            None => None,
        };
    }
    n -= CONFIG_REGS;
    if n < CORE_REGS {
        return match CoreReg::from_index(n) {
            Some(r) => Some(RegId::Core(r)),
            None => None,
        };
    }
    n -= CORE_REGS;
    if n < CSR_GENERAL_REGS {
        return match GeneralCsr::from_index(n) {
            Some(r) => Some(RegId::Csr(CsrReg::General(r))),
            None => None,
        };
    }
    n -= CSR_GENERAL_REGS;
    if n < CSR_AIA_REGS {
        return match AiaCsr::from_index(n) {
            Some(r) => Some(RegId::Csr(CsrReg::Aia(r))),
            None => None,
        };
    }
    n -= CSR_AIA_REGS;
    if n < CSR_SMSTATEEN_REGS {
        return Some(RegId::Csr(CsrReg::Smstateen(SmstateenCsr::Sstateen0)));
    }
    n -= CSR_SMSTATEEN_REGS;
    if n < TIMER_REGS {
        return match TimerReg::from_index(n) {
            Some(r) => Some(RegId::Timer(r)),
            None => None,
        };
    }
    n -= TIMER_REGS;
    if n < FP_REGS {
        return match FpReg::from_index(n) {
            Some(r) => Some(RegId::FpF(r)),
            None => None,
        };
    }
    n -= FP_REGS;
    if n < FP_REGS {
        return match FpReg::from_index(n) {
            Some(r) => Some(RegId::FpD(r)),
            None => None,
        };
    }
    n -= FP_REGS;
    if n < VECTOR_REGS {
        // vcpu_onereg.c:1100-1122: the five CSRs (datap skipped), then
        // v0..v31 sized by vlenb.
        let reg = match n {
            0 => VectorReg::Vstart,
            1 => VectorReg::Vl,
            2 => VectorReg::Vtype,
            3 => VectorReg::Vcsr,
            4 => VectorReg::Vlenb,
            _ => match VReg::new(n - VECTOR_CSR_REGS) {
                Some(reg) => VectorReg::V {
                    reg,
                    size_log2: vlenb_log2,
                },
                None => return None,
            },
        };
        return Some(RegId::Vector(reg));
    }
    n -= VECTOR_REGS;
    if n < KVM_RISCV_ISA_EXT_MAX as u64 {
        return match IsaExtId::new(n) {
            Some(e) => Some(RegId::IsaExt(IsaExtReg::Single(e))),
            None => None,
        };
    }
    n -= KVM_RISCV_ISA_EXT_MAX as u64;
    if n < KVM_RISCV_SBI_EXT_MAX as u64 {
        return match SbiExtId::new(n) {
            Some(e) => Some(RegId::SbiExt(SbiExtReg::Single(e))),
            None => None,
        };
    }
    n -= KVM_RISCV_SBI_EXT_MAX as u64;
    match n {
        0 => Some(RegId::SbiState(SbiStateReg::Sta(StaReg::ShmemLo))),
        1 => Some(RegId::SbiState(SbiStateReg::Sta(StaReg::ShmemHi))),
        _ => None,
    }
}

/// The registers of `KVM_GET_REG_LIST`, in upstream order. See [`regs`].
#[derive(Clone, Debug)]
pub struct RegIter<'a> {
    vcpu: &'a VcpuDesc,
    slot: u64,
}

impl Iterator for RegIter<'_> {
    type Item = RegId;

    fn next(&mut self) -> Option<RegId> {
        let vlenb_log2 = self.vcpu.vlenb_log2();
        while self.slot < LIST_SLOTS {
            let reg = slot_reg(self.slot, vlenb_log2);
            self.slot += 1;
            if let Some(reg) = reg {
                if self.vcpu.lists(reg) {
                    return Some(reg);
                }
            }
        }
        None
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, usize::try_from(LIST_SLOTS - self.slot).ok())
    }
}

impl FusedIterator for RegIter<'_> {}

/// The registers `KVM_GET_REG_LIST` reports for `vcpu`, in the order of
/// `kvm_riscv_vcpu_copy_reg_indices()`. Encode each with [`encode`], or
/// use [`reg_ids`].
pub const fn regs(vcpu: &VcpuDesc) -> RegIter<'_> {
    RegIter { vcpu, slot: 0 }
}

/// The ids `KVM_GET_REG_LIST` reports for `vcpu`, in upstream order.
pub fn reg_ids(vcpu: &VcpuDesc) -> impl Iterator<Item = u64> + '_ {
    regs(vcpu).map(encode)
}

/// How many ids `KVM_GET_REG_LIST` reports for `vcpu`
/// (`kvm_riscv_vcpu_num_regs()`, vcpu_onereg.c:1132-1148): the `n` it
/// answers and the bound it checks the caller's buffer against (`E2BIG`).
pub const fn reg_count(vcpu: &VcpuDesc) -> usize {
    const fn when(cond: bool, n: u64) -> u64 {
        if cond {
            n
        } else {
            0
        }
    }
    let isa_mask = (1u64 << KVM_RISCV_ISA_EXT_MAX) - 1;
    let mut sbi = 0;
    let mut i = 0;
    while i < vcpu.sbi.0.len() {
        if !matches!(vcpu.sbi.0[i], SbiExtStatus::Unavailable) {
            sbi += 1;
        }
        i += 1;
    }
    let n = (CONFIG_REGS - 2)
        + when(vcpu.has(IsaExtId::ZICBOM), 1)
        + when(vcpu.has(IsaExtId::ZICBOZ), 1)
        + CORE_REGS
        + CSR_GENERAL_REGS
        + when(vcpu.has(IsaExtId::SSAIA), CSR_AIA_REGS)
        + when(vcpu.has(IsaExtId::SMSTATEEN), CSR_SMSTATEEN_REGS)
        + TIMER_REGS
        + when(vcpu.has(IsaExtId::F), FP_REGS)
        + when(vcpu.has(IsaExtId::D), FP_REGS)
        + when(vcpu.has(IsaExtId::V), VECTOR_REGS)
        + (vcpu.host_isa & isa_mask).count_ones() as u64
        + sbi
        + when(
            matches!(vcpu.sbi_status(SbiExtId::STA), SbiExtStatus::Enabled),
            SBI_STA_REGS,
        );
    // At most LIST_SLOTS (241), which fits any usize.
    n as usize
}
