// SPDX-License-Identifier: GPL-2.0

//! Virtual machine identifiers (`hgatp.VMID`).
//!
//! The hardware implements between 0 and 14 VMID bits. VMIDs are handed
//! out by a versioned allocator: a VM's VMID is valid only while the VM's
//! version equals the allocator's. When the space runs out the version is
//! bumped, every guest TLB entry is flushed on every CPU and each VM picks
//! up a fresh VMID the next time one of its vCPUs enters the guest.

/// `hgatp.VMID` field position on RV64.
pub const HGATP_VMID_SHIFT: u32 = 44;

/// `hgatp.VMID` field mask on RV64 (14 bits).
pub const HGATP_VMID_MASK: u64 = 0x3fff << HGATP_VMID_SHIFT;

/// VMID bits the hardware implements, from `hgatp` read back after all
/// VMID bits were written as ones (WARL: unimplemented bits read as zero,
/// implemented ones form the low end of the field).
pub const fn implemented_bits(hgatp_readback: u64) -> u32 {
    let field = (hgatp_readback & HGATP_VMID_MASK) >> HGATP_VMID_SHIFT;
    u64::BITS - field.leading_zeros()
}

/// VMID bits worth using. With fewer VMIDs than CPUs, rollovers would
/// flush guest TLBs constantly, so such hosts run every VM with VMID 0 and
/// flush on every switch instead.
pub const fn usable_bits(implemented: u32, possible_cpus: u32) -> u32 {
    if (1u64 << implemented) < possible_cpus as u64 {
        0
    } else {
        implemented
    }
}

/// A VMID handed to a VM, tagged with the allocator version it belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VmidAssignment {
    /// The VMID to program into `hgatp`.
    pub vmid: u64,
    /// Allocator version at assignment time.
    pub version: u64,
    /// This assignment started a new version: all VMIDs handed out before
    /// it are stale and all guest TLBs must be flushed on all CPUs.
    pub rolled_over: bool,
}

/// The allocator. The kernel keeps one, under a lock.
#[derive(Debug)]
pub struct VmidSpace {
    bits: u32,
    version: u64,
    next: u64,
}

impl VmidSpace {
    /// Version a VM holds before its first assignment; never current.
    pub const UNASSIGNED_VERSION: u64 = 0;

    /// A fresh allocator for `bits` usable VMID bits. VMID 0 is never
    /// handed out while bits are available: it is what a VM without a
    /// VMID and the probe at load time use.
    pub const fn new(bits: u32) -> Self {
        VmidSpace {
            bits,
            version: 1,
            next: 1,
        }
    }

    /// Number of usable VMID bits.
    pub const fn bits(&self) -> u32 {
        self.bits
    }

    /// Whether a VM holding `version` may keep using its VMID. Without
    /// VMID bits every VM shares VMID 0 and nothing is ever reassigned.
    pub const fn is_current(&self, version: u64) -> bool {
        self.bits == 0 || version == self.version
    }

    /// Hands out the next VMID, starting a new version when the space is
    /// exhausted.
    pub fn allocate(&mut self) -> VmidAssignment {
        if self.bits == 0 {
            return VmidAssignment {
                vmid: 0,
                version: self.version,
                rolled_over: false,
            };
        }
        let mut rolled_over = false;
        if self.next >> self.bits != 0 {
            self.version = self.version.wrapping_add(1);
            if self.version == Self::UNASSIGNED_VERSION {
                self.version = 1;
            }
            self.next = 1;
            rolled_over = true;
        }
        let vmid = self.next;
        self.next += 1;
        VmidAssignment {
            vmid,
            version: self.version,
            rolled_over,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn implemented_bits_from_readback() {
        assert_eq!(implemented_bits(0), 0);
        assert_eq!(implemented_bits(HGATP_VMID_MASK), 14);
        assert_eq!(implemented_bits(0x7f << HGATP_VMID_SHIFT), 7);
        assert_eq!(implemented_bits(1 << HGATP_VMID_SHIFT), 1);
        // MODE and PPN bits are ignored.
        assert_eq!(implemented_bits((8 << 60) | 0xfff_ffff_ffff), 0);
    }

    #[test]
    fn too_few_vmids_for_the_cpus_disables_them() {
        assert_eq!(usable_bits(14, 8), 14);
        assert_eq!(usable_bits(3, 8), 3);
        assert_eq!(usable_bits(2, 8), 0);
        assert_eq!(usable_bits(0, 1), 0);
        assert_eq!(usable_bits(0, 2), 0);
    }

    #[test]
    fn fresh_vm_is_not_current() {
        let space = VmidSpace::new(4);
        assert!(!space.is_current(VmidSpace::UNASSIGNED_VERSION));
    }

    #[test]
    fn vmids_are_unique_within_a_version() {
        let mut space = VmidSpace::new(4);
        let mut seen = HashSet::new();
        for _ in 0..15 {
            let a = space.allocate();
            assert!(!a.rolled_over);
            assert_ne!(a.vmid, 0);
            assert!(a.vmid < 16);
            assert!(seen.insert(a.vmid));
            assert!(space.is_current(a.version));
        }
    }

    #[test]
    fn exhaustion_starts_a_new_version() {
        let mut space = VmidSpace::new(2);
        let first: std::vec::Vec<_> = (0..3).map(|_| space.allocate()).collect();
        let next = space.allocate();
        assert!(next.rolled_over);
        assert_eq!(next.vmid, 1);
        assert_ne!(next.version, first[0].version);
        for old in &first {
            assert!(!space.is_current(old.version));
        }
        assert!(space.is_current(next.version));
        assert!(!space.allocate().rolled_over);
    }

    #[test]
    fn without_vmid_bits_everyone_shares_vmid_zero() {
        let mut space = VmidSpace::new(0);
        for _ in 0..10 {
            let a = space.allocate();
            assert_eq!(a.vmid, 0);
            assert!(!a.rolled_over);
        }
        assert!(space.is_current(VmidSpace::UNASSIGNED_VERSION));
    }

    #[test]
    fn version_never_wraps_to_unassigned() {
        let mut space = VmidSpace {
            bits: 1,
            version: u64::MAX,
            next: 2,
        };
        let a = space.allocate();
        assert!(a.rolled_over);
        assert_ne!(a.version, VmidSpace::UNASSIGNED_VERSION);
    }
}
