// SPDX-License-Identifier: GPL-2.0

//! The vCPU's `henvcfg` and `hstateen0`, derived from its ISA on the first
//! run.

use super::host_ext_id::HostExtId;
use super::vcpu_isa::VcpuIsa;

/// `henvcfg.CBIE`: cache-block invalidate instructions enabled (value 3,
/// invalidate) for the guest.
pub const ENVCFG_CBIE: u64 = 0x3 << 4;
/// `henvcfg.CBCFE`: cache-block clean and flush instructions enabled.
pub const ENVCFG_CBCFE: u64 = 1 << 6;
/// `henvcfg.CBZE`: cache-block zero instructions enabled.
pub const ENVCFG_CBZE: u64 = 1 << 7;
/// `henvcfg.PBMTE`: Svpbmt memory types honoured in VS-stage tables.
pub const ENVCFG_PBMTE: u64 = 1 << 62;
/// `henvcfg.STCE`: the guest's `stimecmp` is live.
pub const ENVCFG_STCE: u64 = 1 << 63;

/// `hstateen0` bit 58: the guest may reach the IMSIC guest file.
pub const SMSTATEEN0_AIA_IMSIC: u64 = 1 << 58;
/// `hstateen0` bit 59: the guest may reach the other AIA state.
pub const SMSTATEEN0_AIA: u64 = 1 << 59;
/// `hstateen0` bit 60: the guest may reach `siselect`/`sireg`.
pub const SMSTATEEN0_AIA_ISEL: u64 = 1 << 60;
/// `hstateen0` bit 62: the guest may reach `senvcfg`.
pub const SMSTATEEN0_HSENVCFG: u64 = 1 << 62;
/// `hstateen0` bit 63: the guest may reach `sstateen0`.
pub const SMSTATEEN0_SSTATEEN0: u64 = 1 << 63;

/// The vCPU's `henvcfg` (`kvm_riscv_vcpu_setup_config()`, vcpu.c:564-574):
/// each guest-visible feature `henvcfg` gates is switched on exactly when
/// the extension is enabled on the vCPU. Upstream computes it on the first
/// `KVM_RUN` (vcpu.c:766-767), when the ISA is frozen.
pub const fn henvcfg(vcpu: &VcpuIsa) -> u64 {
    let mut v = 0;
    if vcpu.has(HostExtId::SVPBMT) {
        v |= ENVCFG_PBMTE;
    }
    if vcpu.has(HostExtId::SSTC) {
        v |= ENVCFG_STCE;
    }
    if vcpu.has(HostExtId::ZICBOM) {
        v |= ENVCFG_CBIE | ENVCFG_CBCFE;
    }
    if vcpu.has(HostExtId::ZICBOZ) {
        v |= ENVCFG_CBZE;
    }
    v
}

/// The vCPU's `hstateen0` (vcpu.c:576-584): 0 without host Smstateen (the
/// CSR does not exist); otherwise `senvcfg` access, plus the AIA state
/// with Ssaia and `sstateen0` with Smstateen on the vCPU. A clear bit
/// makes the guest's access trap, which is how Ssaia is disabled.
pub const fn hstateen0(vcpu: &VcpuIsa, host_has_smstateen: bool) -> u64 {
    if !host_has_smstateen {
        return 0;
    }
    let mut v = SMSTATEEN0_HSENVCFG;
    if vcpu.has(HostExtId::SSAIA) {
        v |= SMSTATEEN0_AIA_IMSIC | SMSTATEEN0_AIA | SMSTATEEN0_AIA_ISEL;
    }
    if vcpu.has(HostExtId::SMSTATEEN) {
        v |= SMSTATEEN0_SSTATEEN0;
    }
    v
}
