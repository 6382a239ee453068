// SPDX-License-Identifier: GPL-2.0

//! G-stage (guest-physical to host-physical) translation formats.
//!
//! RV64 hosts offer Sv39x4, Sv48x4 and Sv57x4. Each is the matching
//! first-stage format widened by two bits at the root: the root table spans
//! four pages (16 KiB, 2048 entries) and the guest-physical space is four
//! times larger than the virtual space of the first-stage format.

/// `hgatp.MODE` field position on RV64.
pub const HGATP_MODE_SHIFT: u32 = 60;

/// Base page size of every G-stage format.
pub const PAGE_SHIFT: u32 = 12;

/// Index bits per page-table level below the root.
const LEVEL_BITS: u32 = 9;

/// Extra index bits of the root table ("x4").
const ROOT_EXTRA_BITS: u32 = 2;

/// A G-stage page table format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GStageMode {
    /// Three levels, 41-bit guest-physical addresses.
    Sv39x4,
    /// Four levels, 50-bit guest-physical addresses.
    Sv48x4,
    /// Five levels, 59-bit guest-physical addresses.
    Sv57x4,
}

impl GStageMode {
    /// Order in which the host probes `hgatp`: the widest format wins.
    pub const PROBE_ORDER: [GStageMode; 3] =
        [GStageMode::Sv57x4, GStageMode::Sv48x4, GStageMode::Sv39x4];

    /// Allocation order (in pages) of the root table: four pages, which
    /// also gives the 16 KiB alignment `hgatp.PPN` requires.
    pub const ROOT_TABLE_ORDER: u32 = ROOT_EXTRA_BITS;

    /// Value of the `hgatp.MODE` field.
    pub const fn hgatp_mode(self) -> u64 {
        match self {
            GStageMode::Sv39x4 => 8,
            GStageMode::Sv48x4 => 9,
            GStageMode::Sv57x4 => 10,
        }
    }

    /// `hgatp` value that selects this mode with VMID 0 and no root table,
    /// as written while probing.
    pub const fn probe_value(self) -> u64 {
        self.hgatp_mode() << HGATP_MODE_SHIFT
    }

    /// Decodes the MODE field of an `hgatp` value read back from hardware.
    pub const fn from_hgatp(hgatp: u64) -> Option<GStageMode> {
        match hgatp >> HGATP_MODE_SHIFT {
            8 => Some(GStageMode::Sv39x4),
            9 => Some(GStageMode::Sv48x4),
            10 => Some(GStageMode::Sv57x4),
            _ => None,
        }
    }

    /// Number of page-table levels.
    pub const fn levels(self) -> u32 {
        match self {
            GStageMode::Sv39x4 => 3,
            GStageMode::Sv48x4 => 4,
            GStageMode::Sv57x4 => 5,
        }
    }

    /// Width of a guest-physical address (`KVM_CAP_VM_GPA_BITS`).
    pub const fn gpa_bits(self) -> u32 {
        PAGE_SHIFT + LEVEL_BITS * self.levels() + ROOT_EXTRA_BITS
    }

    /// Name used in the load-time log line, as upstream prints it.
    pub const fn name(self) -> &'static str {
        match self {
            GStageMode::Sv39x4 => "Sv39x4",
            GStageMode::Sv48x4 => "Sv48x4",
            GStageMode::Sv57x4 => "Sv57x4",
        }
    }

    /// Whether a memslot of `npages` pages at `base_gfn` lies inside the
    /// guest-physical space. Like the C backend, the last page of the space
    /// is never mappable, so a slot must end strictly below the top.
    pub const fn memslot_fits(self, base_gfn: u64, npages: u64) -> bool {
        let limit = 1u64 << (self.gpa_bits() - PAGE_SHIFT);
        match base_gfn.checked_add(npages) {
            Some(end) => end < limit,
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gpa_bits_match_kvm_cap_vm_gpa_bits() {
        assert_eq!(GStageMode::Sv39x4.gpa_bits(), 41);
        assert_eq!(GStageMode::Sv48x4.gpa_bits(), 50);
        assert_eq!(GStageMode::Sv57x4.gpa_bits(), 59);
    }

    #[test]
    fn hgatp_mode_round_trips() {
        for mode in GStageMode::PROBE_ORDER {
            assert_eq!(GStageMode::from_hgatp(mode.probe_value()), Some(mode));
            // VMID and PPN bits do not disturb the decode.
            let busy = mode.probe_value() | (0x3fff << 44) | 0xfff_ffff_ffff;
            assert_eq!(GStageMode::from_hgatp(busy), Some(mode));
        }
    }

    #[test]
    fn unsupported_modes_decode_to_none() {
        // Bare, Sv32x4 and the reserved encodings: a host that keeps any of
        // these after a probe write does not support that format.
        for raw in [0u64, 1, 7, 11, 15] {
            assert_eq!(GStageMode::from_hgatp(raw << HGATP_MODE_SHIFT), None);
        }
    }

    #[test]
    fn probe_order_is_widest_first() {
        let levels = GStageMode::PROBE_ORDER.map(GStageMode::levels);
        assert_eq!(levels, [5, 4, 3]);
    }

    #[test]
    fn root_table_is_four_pages() {
        assert_eq!(
            1u64 << (PAGE_SHIFT + GStageMode::ROOT_TABLE_ORDER),
            16 * 1024
        );
        // 2048 eight-byte entries.
        assert_eq!(
            (1u64 << (PAGE_SHIFT + GStageMode::ROOT_TABLE_ORDER)) / 8,
            2048
        );
    }

    #[test]
    fn memslot_bounds() {
        let m = GStageMode::Sv39x4;
        let top = 1u64 << (41 - PAGE_SHIFT);
        assert!(m.memslot_fits(0, 1));
        assert!(m.memslot_fits(top - 2, 1));
        assert!(!m.memslot_fits(top - 1, 1));
        assert!(!m.memslot_fits(top, 0));
        assert!(!m.memslot_fits(u64::MAX, 2));
        assert!(GStageMode::Sv57x4.memslot_fits(top, 1));
    }
}
