// SPDX-License-Identifier: GPL-2.0

//! [`IsaWrite`]: what a successful ISA write did.

/// What a successful ISA write did.
#[must_use]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IsaWrite {
    /// Nothing: upstream returned before touching the vCPU.
    Unchanged,
    /// The ISA was rewritten, possibly to the same set (the CONFIG `isa`
    /// coercions can undo a request). Upstream follows every such write
    /// with `kvm_riscv_vcpu_fp_reset()`, and so must the caller: it moves
    /// `sstatus.FS` to Initial or Off, which is observable, so it must not
    /// happen on [`IsaWrite::Unchanged`].
    Written,
}

impl IsaWrite {
    /// Whether the caller must reset the guest's FP state.
    pub const fn needs_fp_reset(self) -> bool {
        matches!(self, IsaWrite::Written)
    }

    pub(super) const fn or(self, other: Self) -> Self {
        match (self, other) {
            (IsaWrite::Unchanged, IsaWrite::Unchanged) => IsaWrite::Unchanged,
            _ => IsaWrite::Written,
        }
    }
}
