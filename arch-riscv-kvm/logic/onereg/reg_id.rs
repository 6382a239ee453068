// SPDX-License-Identifier: GPL-2.0

//! [`RegId`], a register `KVM_{GET,SET}_ONE_REG` knows, and its
//! [`encode`]ing as an id.

use super::config_reg::ConfigReg;
use super::core_reg::CoreReg;
use super::csr_reg::CsrReg;
use super::encoding::{
    size_field, KVM_REG_RISCV, KVM_REG_RISCV_CONFIG, KVM_REG_RISCV_CORE, KVM_REG_RISCV_CSR,
    KVM_REG_RISCV_CSR_AIA, KVM_REG_RISCV_CSR_GENERAL, KVM_REG_RISCV_CSR_SMSTATEEN,
    KVM_REG_RISCV_FP_D, KVM_REG_RISCV_FP_F, KVM_REG_RISCV_ISA_EXT, KVM_REG_RISCV_ISA_MULTI_DIS,
    KVM_REG_RISCV_ISA_MULTI_EN, KVM_REG_RISCV_ISA_SINGLE, KVM_REG_RISCV_SBI_EXT,
    KVM_REG_RISCV_SBI_MULTI_DIS, KVM_REG_RISCV_SBI_MULTI_EN, KVM_REG_RISCV_SBI_SINGLE,
    KVM_REG_RISCV_SBI_STA, KVM_REG_RISCV_SBI_STATE, KVM_REG_RISCV_TIMER, KVM_REG_RISCV_VECTOR,
};
use super::fp_reg::FpReg;
use super::isa_ext::IsaExtReg;
use super::sbi_ext::SbiExtReg;
use super::sbi_state_reg::SbiStateReg;
use super::timer_reg::TimerReg;
use super::vector_reg::VectorReg;

/// A register `KVM_{GET,SET}_ONE_REG` knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegId {
    /// Type 1.
    Config(ConfigReg),
    /// Type 2.
    Core(CoreReg),
    /// Type 3.
    Csr(CsrReg),
    /// Type 4.
    Timer(TimerReg),
    /// Type 5.
    FpF(FpReg),
    /// Type 6.
    FpD(FpReg),
    /// Type 9.
    Vector(VectorReg),
    /// Type 7.
    IsaExt(IsaExtReg),
    /// Type 8.
    SbiExt(SbiExtReg),
    /// Type 10.
    SbiState(SbiStateReg),
}

impl RegId {
    /// The same register with every index in it passed through `clamp`,
    /// see [`Index::clamped`](super::Index::clamped).
    pub fn clamped(self, clamp: impl Fn(usize, usize) -> usize + Copy) -> Self {
        match self {
            Self::Core(CoreReg::X(x)) => Self::Core(CoreReg::X(x.clamped(clamp))),
            Self::FpF(FpReg::F(f)) => Self::FpF(FpReg::F(f.clamped(clamp))),
            Self::FpD(FpReg::F(f)) => Self::FpD(FpReg::F(f.clamped(clamp))),
            Self::Vector(VectorReg::V { reg, size_log2 }) => Self::Vector(VectorReg::V {
                reg: reg.clamped(clamp),
                size_log2: size_log2.clamped(clamp),
            }),
            Self::IsaExt(r) => Self::IsaExt(match r {
                IsaExtReg::Single(e) => IsaExtReg::Single(e.clamped(clamp)),
                IsaExtReg::MultiEn(w) => IsaExtReg::MultiEn(w.clamped(clamp)),
                IsaExtReg::MultiDis(w) => IsaExtReg::MultiDis(w.clamped(clamp)),
            }),
            Self::SbiExt(r) => Self::SbiExt(match r {
                SbiExtReg::Single(e) => SbiExtReg::Single(e.clamped(clamp)),
                SbiExtReg::MultiEn(w) => SbiExtReg::MultiEn(w.clamped(clamp)),
                SbiExtReg::MultiDis(w) => SbiExtReg::MultiDis(w.clamped(clamp)),
            }),
            // The other registers are named, not indexed: their
            // discriminants never address memory.
            other => other,
        }
    }

    /// Log2 of the size in bytes the register's id carries.
    pub const fn size_log2(self) -> u32 {
        match self {
            // struct __riscv_f_ext_state is all __u32.
            RegId::FpF(_) => 2,
            // __u64 f[32] but __u32 fcsr.
            RegId::FpD(FpReg::F(_)) => 3,
            RegId::FpD(FpReg::Fcsr) => 2,
            RegId::Vector(VectorReg::V { size_log2, .. }) => size_log2.get(),
            // Timer registers are __u64, everything else unsigned long;
            // both are 8 bytes on RV64.
            _ => 3,
        }
    }

    /// Size in bytes the register's id carries (`KVM_REG_SIZE`).
    pub const fn size(self) -> u32 {
        1 << self.size_log2()
    }

    /// The type and subtype fields.
    const fn class(self) -> u64 {
        match self {
            RegId::Config(_) => KVM_REG_RISCV_CONFIG,
            RegId::Core(_) => KVM_REG_RISCV_CORE,
            RegId::Csr(CsrReg::General(_)) => KVM_REG_RISCV_CSR | KVM_REG_RISCV_CSR_GENERAL,
            RegId::Csr(CsrReg::Aia(_)) => KVM_REG_RISCV_CSR | KVM_REG_RISCV_CSR_AIA,
            RegId::Csr(CsrReg::Smstateen(_)) => KVM_REG_RISCV_CSR | KVM_REG_RISCV_CSR_SMSTATEEN,
            RegId::Timer(_) => KVM_REG_RISCV_TIMER,
            RegId::FpF(_) => KVM_REG_RISCV_FP_F,
            RegId::FpD(_) => KVM_REG_RISCV_FP_D,
            RegId::Vector(_) => KVM_REG_RISCV_VECTOR,
            RegId::IsaExt(IsaExtReg::Single(_)) => KVM_REG_RISCV_ISA_EXT | KVM_REG_RISCV_ISA_SINGLE,
            RegId::IsaExt(IsaExtReg::MultiEn(_)) => {
                KVM_REG_RISCV_ISA_EXT | KVM_REG_RISCV_ISA_MULTI_EN
            }
            RegId::IsaExt(IsaExtReg::MultiDis(_)) => {
                KVM_REG_RISCV_ISA_EXT | KVM_REG_RISCV_ISA_MULTI_DIS
            }
            RegId::SbiExt(SbiExtReg::Single(_)) => KVM_REG_RISCV_SBI_EXT | KVM_REG_RISCV_SBI_SINGLE,
            RegId::SbiExt(SbiExtReg::MultiEn(_)) => {
                KVM_REG_RISCV_SBI_EXT | KVM_REG_RISCV_SBI_MULTI_EN
            }
            RegId::SbiExt(SbiExtReg::MultiDis(_)) => {
                KVM_REG_RISCV_SBI_EXT | KVM_REG_RISCV_SBI_MULTI_DIS
            }
            RegId::SbiState(SbiStateReg::Sta(_)) => KVM_REG_RISCV_SBI_STATE | KVM_REG_RISCV_SBI_STA,
        }
    }

    /// The index field.
    const fn index(self) -> u64 {
        match self {
            RegId::Config(r) => r as u64,
            RegId::Core(r) => r.index(),
            RegId::Csr(CsrReg::General(r)) => r as u64,
            RegId::Csr(CsrReg::Aia(r)) => r as u64,
            RegId::Csr(CsrReg::Smstateen(r)) => r as u64,
            RegId::Timer(r) => r as u64,
            RegId::FpF(r) | RegId::FpD(r) => r.index(),
            RegId::Vector(r) => r.index(),
            RegId::IsaExt(IsaExtReg::Single(e)) => e.get() as u64,
            RegId::IsaExt(IsaExtReg::MultiEn(w) | IsaExtReg::MultiDis(w)) => w.get() as u64,
            RegId::SbiExt(SbiExtReg::Single(e)) => e.get() as u64,
            RegId::SbiExt(SbiExtReg::MultiEn(w) | SbiExtReg::MultiDis(w)) => w.get() as u64,
            RegId::SbiState(SbiStateReg::Sta(r)) => r as u64,
        }
    }
}

/// The canonical id of `reg`: RISC-V arch, its size, type, subtype and
/// index. `encode(parse(id)?)` is `id` with its arch field set to
/// [`KVM_REG_RISCV`] (upstream ignores that field).
pub const fn encode(reg: RegId) -> u64 {
    KVM_REG_RISCV | size_field(reg.size_log2()) | reg.class() | reg.index()
}
