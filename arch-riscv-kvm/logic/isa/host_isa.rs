// SPDX-License-Identifier: GPL-2.0

//! [`HostIsa`]: the host's ISA extensions, as a bitmap over host ids.

use super::host_ext_id::{HostExtId, WORDS};
use super::kvm_ext::IsaExt;

/// The host's ISA extensions: a bitmap over host ids, as the kernel's
/// `riscv_isa[]` (word `n` holds ids `64 * n ..`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HostIsa(pub [u64; WORDS]);

impl HostIsa {
    /// No extension at all.
    pub const EMPTY: Self = Self([0; WORDS]);

    /// Whether the host has `ext` (`__riscv_isa_extension_available(NULL,
    /// ext)`).
    pub const fn has(&self, ext: HostExtId) -> bool {
        let (w, bit) = ext.pos();
        self.0[w] & bit != 0
    }

    /// Whether the host has the extension behind KVM id `ext`.
    pub const fn has_ext(&self, ext: IsaExt) -> bool {
        self.has(ext.host_id())
    }

    /// `self` with `ext` added; for building a host description.
    #[must_use]
    pub const fn with(mut self, ext: HostExtId) -> Self {
        let (w, bit) = ext.pos();
        self.0[w] |= bit;
        self
    }

    /// Word 0: the single letters and the first multi-letter ids
    /// (`riscv_isa_extension_base(NULL)`).
    pub const fn base(&self) -> u64 {
        self.0[0]
    }
}
