// SPDX-License-Identifier: GPL-2.0

//! The host's and the vCPU's extensions as bitmaps over KVM ids.

use super::host_ext_id::WORDS;
use super::host_isa::HostIsa;
use super::kvm_ext::{KVM_EXTS, KVM_TO_HOST};
use super::vcpu_isa::VcpuIsa;

/// `bits` (a host-id bitmap) as a bitmap over KVM ids: bit `n` set when
/// KVM id `n`'s host id is in `bits`.
const fn to_kvm_bitmap(bits: &[u64; WORDS]) -> u64 {
    let mut out = 0;
    let mut i = 0;
    while i < KVM_EXTS {
        let (w, bit) = KVM_TO_HOST[i].pos();
        if bits[w] & bit != 0 {
            out |= 1 << i;
        }
        i += 1;
    }
    out
}

// KVM id bitmaps are one u64, as `VcpuDesc` keeps them.
const _: () = assert!(KVM_EXTS <= 64);

/// What the host has, as a bitmap over KVM ids: `VcpuDesc::host_isa` of
/// [`super::onereg`](super::super::onereg).
pub const fn kvm_isa_bitmap(host: &HostIsa) -> u64 {
    to_kvm_bitmap(&host.0)
}

/// What the vCPU has enabled, as a bitmap over KVM ids:
/// `VcpuDesc::isa` of [`super::onereg`](super::super::onereg).
pub const fn vcpu_kvm_isa_bitmap(vcpu: &VcpuIsa) -> u64 {
    to_kvm_bitmap(&vcpu.0)
}
