// SPDX-License-Identifier: GPL-2.0

//! Host tests of `logic::isa`: the fixtures they share, and one file per
//! part of the module.

use super::*;
use crate::logic::onereg::{IsaExtId, IsaExtReg, IsaWord, RegIdError, KVM_RISCV_ISA_EXT_MAX};
use std::collections::BTreeSet;

mod config_isa;
mod derived_csrs;
mod error;
mod ids;
mod invariants;
mod isa_ext_reg;
mod kvm_bitmap;
mod policy;
mod upstream_sources;

const ENOENT: i32 = -2;
const EBUSY: i32 = -16;
const EINVAL: i32 = -22;

fn host_of(exts: &[HostExtId]) -> HostIsa {
    exts.iter().fold(HostIsa::EMPTY, |h, &e| h.with(e))
}

fn id(ext: IsaExt) -> IsaExtId {
    IsaExtId::new(u64::from(ext.index())).unwrap()
}

fn word0() -> IsaWord {
    IsaWord::new(0).unwrap()
}

/// A QEMU `virt` rv64 host with its default extensions, H included,
/// without AIA (no Ssaia), vector or Smstateen.
fn qemu_like() -> HostIsa {
    use HostExtId as H;
    host_of(&[
        H::A,
        H::C,
        H::D,
        H::F,
        H::H,
        H::I,
        H::M,
        H::ZICBOM,
        H::ZICBOZ,
        H::ZICNTR,
        H::ZICSR,
        H::ZIFENCEI,
        H::ZIHINTNTL,
        H::ZIHINTPAUSE,
        H::ZIHPM,
        H::ZAWRS,
        H::ZFA,
        H::ZBA,
        H::ZBB,
        H::ZBC,
        H::ZBS,
        H::SSCOFPMF,
        H::SSTC,
        H::SVINVAL,
        H::SVNAPOT,
        H::SVPBMT,
        // Kernel-internal ids KVM does not expose.
        H::XLINUXENVCFG,
        H::Q,
    ])
}

/// Every host id set.
fn everything() -> HostIsa {
    HostIsa([!0, !0])
}

/// The vCPU's ISA minus what is only in the host, for comparisons.
fn kvm_set(isa: &VcpuIsa) -> BTreeSet<IsaExt> {
    IsaExt::ALL
        .into_iter()
        .filter(|&e| isa.has_ext(e))
        .collect()
}
