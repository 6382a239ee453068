// SPDX-License-Identifier: GPL-2.0

//! The vCPU's ISA: which extensions a guest sees, and the ONE_REG rules for
//! changing them.
//!
//! Two id spaces meet here:
//!
//! - host ids ([`HostExtId`], `RISCV_ISA_EXT_*` of `<asm/hwcap.h>`): single
//!   letters at `letter - 'a'` (0..26), multi-letter extensions from
//!   [`RISCV_ISA_EXT_BASE`] up, below [`RISCV_ISA_EXT_MAX`]. These are
//!   kernel-internal and renumber between releases;
//! - KVM ids ([`IsaExt`], `KVM_RISCV_ISA_EXT_*` of `<asm/kvm.h>`), the
//!   stable userspace ABI: dense, never reused.
//!
//! Like upstream's `vcpu->arch.isa`, the vCPU's enabled set ([`VcpuIsa`])
//! is kept in host-id space, so that a guest-visible extension is tested
//! with the same id as the host's. [`KVM_TO_HOST`] links the two.
//!
//! Everything mirrors Linux 6.12; line numbers refer to
//! `arch/riscv/kvm/vcpu_onereg.c` unless another file is named.
//!
//! # Who may change what
//!
//! | rule | upstream |
//! |------|----------|
//! | initial ISA: on the host and [`enable_allowed`] | `setup_isa`, 191-201 |
//! | never enabled: H; Sscofpmf without host Ssaia; V unless the calling task may use vector | `isa_enable_allowed`, 105-120 |
//! | never disabled: A, C, I, M and 49 multi-letter extensions with no off switch; Ssaia without host Smstateen | `isa_disable_allowed`, 122-189 |
//!
//! # Errors
//!
//! | register | checks, first failure wins |
//! |----------|----------------------------|
//! | CONFIG `isa` set | a bit in 25..=31 set: `EINVAL`; value equal to the current one: no-op; vCPU ran: `EBUSY`; else coerced, never rejected (274-306) |
//! | ISA_EXT single get | no such KVM id, or not on the host: `ENOENT` (587-593) |
//! | ISA_EXT single set | no such KVM id, or not on the host: `ENOENT`; value equal to the current 0/1: no-op; vCPU ran: `EBUSY`; value 1 not [`enable_allowed`], 0 not [`disable_allowed`], or any other value: `EINVAL` (608-634) |
//! | ISA_EXT MULTI_EN/MULTI_DIS set | never fails: each set bit is a single set whose error is dropped (672-678) |
//!
//! The id checks (size, subtype, word number) are [`super::onereg`]'s.
//!
//! Every successful write that reaches the "not yet run" branch is followed
//! upstream by `kvm_riscv_vcpu_fp_reset()` (304, 632), which recomputes
//! `sstatus.FS` from F/D. That reset is state outside this module, so the
//! setters report it as [`IsaWrite::Written`] for the caller to act on.

mod config_isa;
mod derived_csrs;
mod error;
mod host_ext_id;
mod host_isa;
mod isa_ext_reg;
mod isa_write;
mod kvm_bitmap;
mod kvm_ext;
mod policy;
mod vcpu_isa;

pub use config_isa::{config_isa_value, set_config_isa, KVM_RISCV_BASE_ISA_MASK};
pub use derived_csrs::{
    henvcfg, hstateen0, ENVCFG_CBCFE, ENVCFG_CBIE, ENVCFG_CBZE, ENVCFG_PBMTE, ENVCFG_STCE,
    SMSTATEEN0_AIA, SMSTATEEN0_AIA_IMSIC, SMSTATEEN0_AIA_ISEL, SMSTATEEN0_HSENVCFG,
    SMSTATEEN0_SSTATEEN0,
};
pub use error::IsaError;
pub use host_ext_id::{HostExtId, RISCV_ISA_EXT_BASE, RISCV_ISA_EXT_MAX};
pub use host_isa::HostIsa;
pub use isa_ext_reg::{ext_get, ext_get_multi, ext_set, ext_set_multi, get_reg, set_reg};
pub use isa_write::IsaWrite;
pub use kvm_bitmap::{kvm_isa_bitmap, vcpu_kvm_isa_bitmap};
pub use kvm_ext::{IsaExt, KVM_TO_HOST};
pub use policy::{
    disable_allowed, enable_allowed, initial_vcpu_isa, upstream_enable_allowed, virtualised,
};
pub use vcpu_isa::VcpuIsa;

#[cfg(test)]
mod tests;
