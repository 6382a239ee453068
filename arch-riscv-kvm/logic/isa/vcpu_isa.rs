// SPDX-License-Identifier: GPL-2.0

//! [`VcpuIsa`]: the extensions enabled on a vCPU, as a bitmap over host
//! ids.

use super::host_ext_id::{HostExtId, WORDS};
use super::kvm_ext::IsaExt;

/// The extensions enabled on a vCPU: a bitmap over host ids, as upstream's
/// `vcpu->arch.isa`.
///
/// Only this module's functions change it, so it holds only extensions
/// that KVM exposes, the host has (given the same [`HostIsa`] every time)
/// and that [`enable_allowed`] admitted at some point; in particular never
/// H.
///
/// [`HostIsa`]: super::HostIsa
/// [`enable_allowed`]: super::enable_allowed
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VcpuIsa(pub(super) [u64; WORDS]);

impl VcpuIsa {
    /// No extension at all: a vCPU before `kvm_riscv_vcpu_setup_isa()`
    /// (`bitmap_zero()` in `kvm_arch_vcpu_create()`, vcpu.c:119).
    pub const EMPTY: Self = Self([0; WORDS]);

    /// The bitmap words.
    pub const fn words(&self) -> [u64; WORDS] {
        self.0
    }

    /// Whether `ext` is enabled (`__riscv_isa_extension_available(
    /// vcpu->arch.isa, ext)`).
    pub const fn has(&self, ext: HostExtId) -> bool {
        let (w, bit) = ext.pos();
        self.0[w] & bit != 0
    }

    /// Whether the extension behind KVM id `ext` is enabled.
    pub const fn has_ext(&self, ext: IsaExt) -> bool {
        self.has(ext.host_id())
    }

    pub(super) const fn set(&mut self, ext: HostExtId, on: bool) {
        let (w, bit) = ext.pos();
        if on {
            self.0[w] |= bit;
        } else {
            self.0[w] &= !bit;
        }
    }
}
