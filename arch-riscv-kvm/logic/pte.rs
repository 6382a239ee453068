// SPDX-License-Identifier: GPL-2.0

//! G-stage page-table entries and the address arithmetic around them.
//!
//! A G-stage table has the layout of the matching first-stage format:
//! eight-byte entries, 512 per table, nine index bits per level, except the
//! root, which is four pages long (2048 entries, eleven index bits). Level 0
//! maps 4 KiB pages; every level above can hold a leaf ("block") covering
//! 512 times the span of the level below, the root included.
//!
//! Nothing here reads or writes a table: the kernel glue owns the memory
//! and uses these helpers to build entries, find indices and drive its
//! unmap and write-protect loops.

use super::gstage::{GStageMode, PAGE_SHIFT};

/// Valid.
pub const PTE_V: u64 = 1 << 0;
/// Readable.
pub const PTE_R: u64 = 1 << 1;
/// Writable. Writable without readable is a reserved encoding.
pub const PTE_W: u64 = 1 << 2;
/// Executable.
pub const PTE_X: u64 = 1 << 3;
/// User. G-stage accesses are all checked as user accesses, so a G-stage
/// leaf without U faults on every access.
pub const PTE_U: u64 = 1 << 4;
/// Global. Meaningless in G-stage tables; never set here.
pub const PTE_G: u64 = 1 << 5;
/// Accessed.
pub const PTE_A: u64 = 1 << 6;
/// Dirty.
pub const PTE_D: u64 = 1 << 7;

/// Any of these makes a valid entry a leaf; none makes it a pointer to the
/// next table.
pub const PTE_LEAF: u64 = PTE_R | PTE_W | PTE_X;

/// Position of the PFN in an entry.
pub const PFN_SHIFT: u32 = 10;

/// Width of the PFN field (bits 10..=53): 56-bit host-physical addresses.
pub const PFN_BITS: u32 = 44;

/// The PFN field (`_PAGE_PFN_MASK`, `GENMASK(53, 10)`).
pub const PFN_MASK: u64 = ((1 << PFN_BITS) - 1) << PFN_SHIFT;

/// Largest PFN an entry can hold.
pub const MAX_PFN: u64 = (1 << PFN_BITS) - 1;

/// Index bits of a table below the root.
pub const INDEX_BITS: u32 = 9;

/// Entries of a table below the root (`PTRS_PER_PTE`).
pub const PTRS_PER_TABLE: usize = 1 << INDEX_BITS;

/// Entries of the root table: four pages' worth.
pub const PTRS_PER_ROOT: usize = PTRS_PER_TABLE << GStageMode::ROOT_TABLE_ORDER;

/// Highest level any format has (the Sv57x4 root). Leaves may sit at any
/// level up to a format's root, so this also bounds block sizes.
pub const MAX_LEVEL: u32 = 4;

/// Base page size.
pub const PAGE_SIZE: u64 = 1 << PAGE_SHIFT;

/// Host PMD size: a hugetlb page the fault path can map with a level-1
/// block.
pub const PMD_SIZE: u64 = 1 << 21;

/// Host PUD size: a hugetlb page the fault path can map with a level-2
/// block.
pub const PUD_SIZE: u64 = 1 << 30;

/// Access rights of a leaf.
///
/// Read is always granted: write without read is reserved by the
/// architecture, and upstream never builds execute-only G-stage mappings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Perms {
    /// Guest writes are allowed.
    pub write: bool,
    /// Guest instruction fetches are allowed.
    pub exec: bool,
}

impl Perms {
    /// Read only (`PAGE_READ`).
    pub const READ: Perms = Perms {
        write: false,
        exec: false,
    };
    /// Read and write (`PAGE_WRITE`).
    pub const READ_WRITE: Perms = Perms {
        write: true,
        exec: false,
    };
    /// Read and execute (`PAGE_READ_EXEC`): what the fault path maps for a
    /// page it may not make writable.
    pub const READ_EXEC: Perms = Perms {
        write: false,
        exec: true,
    };
    /// Read, write and execute (`PAGE_WRITE_EXEC`): what the fault path
    /// maps for a writable page.
    pub const READ_WRITE_EXEC: Perms = Perms {
        write: true,
        exec: true,
    };

    const fn bits(self) -> u64 {
        let mut bits = PTE_R;
        if self.write {
            bits |= PTE_W;
        }
        if self.exec {
            bits |= PTE_X;
        }
        bits
    }
}

/// One G-stage page-table entry, as stored in the table.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(transparent)]
pub struct Pte(pub u64);

impl Pte {
    /// The empty entry: nothing mapped below it.
    pub const EMPTY: Pte = Pte(0);

    /// A leaf mapping the 4 KiB page or the block at `level` that starts at
    /// host frame `pfn`.
    ///
    /// Like upstream's `gstage_map_page()`, the entry is user (every
    /// G-stage access is a user access) and has A and D already set, also
    /// when read-only: hardware that does not update A/D itself (Svade)
    /// would otherwise fault on first access or write. Dirty logging works
    /// by write-protecting, not by clearing D.
    ///
    /// Returns `None` if `pfn` does not fit the PFN field, if `level` is
    /// above [`MAX_LEVEL`], or if `pfn` is not aligned to the block size
    /// (the hardware raises a guest-page fault on a misaligned superpage).
    pub const fn leaf(pfn: u64, level: u32, perms: Perms) -> Option<Pte> {
        if pfn > MAX_PFN || level > MAX_LEVEL {
            return None;
        }
        let block_pages_mask = (1u64 << (INDEX_BITS * level)) - 1;
        if pfn & block_pages_mask != 0 {
            return None;
        }
        Some(Pte((pfn << PFN_SHIFT)
            | PTE_V
            | PTE_U
            | PTE_A
            | PTE_D
            | perms.bits()))
    }

    /// A pointer to the next-level table at host frame `pfn`. Only V is
    /// set (`_PAGE_TABLE`): A, D and U are reserved in non-leaf entries.
    ///
    /// Returns `None` if `pfn` does not fit the PFN field.
    pub const fn table(pfn: u64) -> Option<Pte> {
        if pfn > MAX_PFN {
            return None;
        }
        Some(Pte((pfn << PFN_SHIFT) | PTE_V))
    }

    /// The raw value.
    pub const fn raw(self) -> u64 {
        self.0
    }

    /// V is set.
    pub const fn is_valid(self) -> bool {
        self.0 & PTE_V != 0
    }

    /// Valid and maps memory (any of R, W, X).
    pub const fn is_leaf(self) -> bool {
        self.is_valid() && self.0 & PTE_LEAF != 0
    }

    /// Valid and points to a next-level table.
    pub const fn is_table(self) -> bool {
        self.is_valid() && self.0 & PTE_LEAF == 0
    }

    /// Host frame the entry maps or points to.
    pub const fn pfn(self) -> u64 {
        (self.0 & PFN_MASK) >> PFN_SHIFT
    }

    /// Host-physical address the entry maps or points to. Cannot overflow:
    /// the PFN has 44 bits.
    pub const fn phys_addr(self) -> u64 {
        self.pfn() << PAGE_SHIFT
    }

    /// R is set.
    pub const fn readable(self) -> bool {
        self.0 & PTE_R != 0
    }

    /// W is set.
    pub const fn writable(self) -> bool {
        self.0 & PTE_W != 0
    }

    /// X is set.
    pub const fn executable(self) -> bool {
        self.0 & PTE_X != 0
    }

    /// U is set.
    pub const fn user(self) -> bool {
        self.0 & PTE_U != 0
    }

    /// A is set: the guest used the mapping since A was last cleared.
    pub const fn accessed(self) -> bool {
        self.0 & PTE_A != 0
    }

    /// D is set.
    pub const fn dirty(self) -> bool {
        self.0 & PTE_D != 0
    }

    /// The entry with W cleared, as dirty logging installs it: the next
    /// guest write faults and is recorded. Everything else is kept.
    pub const fn with_write_protect(self) -> Pte {
        Pte(self.0 & !PTE_W)
    }

    /// The entry with A cleared, for page aging (`kvm_age_gfn`).
    pub const fn with_accessed_cleared(self) -> Pte {
        Pte(self.0 & !PTE_A)
    }
}

/// Level of the root table of `mode`. It is also the highest level that
/// may hold a leaf: upstream maps blocks up to the root's span.
pub const fn root_level(mode: GStageMode) -> u32 {
    mode.levels() - 1
}

/// Highest level at which `mode` allows a leaf (see [`root_level`]).
pub const fn max_block_level(mode: GStageMode) -> u32 {
    root_level(mode)
}

/// Size of the guest-physical space of `mode`, the end of the range that
/// tearing down a VM unmaps.
pub const fn gpa_space_size(mode: GStageMode) -> u64 {
    1 << mode.gpa_bits()
}

/// Number of entries of a table at `level` in `mode`, or `None` if the
/// format has no such level.
pub const fn entries(mode: GStageMode, level: u32) -> Option<usize> {
    if level > root_level(mode) {
        None
    } else if level == root_level(mode) {
        Some(PTRS_PER_ROOT)
    } else {
        Some(PTRS_PER_TABLE)
    }
}

/// log2 of the span of one entry at `level`, or `None` above [`MAX_LEVEL`].
pub const fn level_to_page_shift(level: u32) -> Option<u32> {
    if level > MAX_LEVEL {
        None
    } else {
        Some(PAGE_SHIFT + INDEX_BITS * level)
    }
}

/// Span of one entry at `level`: 4 KiB, 2 MiB, 1 GiB, 512 GiB, 256 TiB.
/// `None` above [`MAX_LEVEL`].
///
/// Upstream's `gstage_level_to_page_order()` accepts one level more than
/// the format has; callers never pass it. Here a level either exists in
/// some format or is refused.
pub const fn level_to_page_size(level: u32) -> Option<u64> {
    match level_to_page_shift(level) {
        Some(shift) => Some(1 << shift),
        None => None,
    }
}

/// Level whose entries span exactly `size` bytes in `mode`, or `None` if no
/// level of the format does (not a supported block size).
pub const fn page_size_to_level(size: u64, mode: GStageMode) -> Option<u32> {
    let mut level = 0;
    while level <= root_level(mode) {
        if size == 1 << (PAGE_SHIFT + INDEX_BITS * level) {
            return Some(level);
        }
        level += 1;
    }
    None
}

/// Index of the entry covering `gpa` in the table at `level`, or `None`
/// if `mode` has no such level.
///
/// The root uses eleven index bits, lower levels nine. Bits above the
/// format's guest-physical width are ignored, as in upstream: callers keep
/// addresses inside the space (see [`GStageMode::memslot_fits`]).
pub const fn index(mode: GStageMode, level: u32, gpa: u64) -> Option<usize> {
    let count = match entries(mode, level) {
        Some(count) => count,
        None => return None,
    };
    // `entries` bounds `level` to 4 at most, so the shift is below 64.
    let shift = PAGE_SHIFT + INDEX_BITS * level;
    Some(((gpa >> shift) as usize) & (count - 1))
}

/// `addr` rounded down to a multiple of `size`, a power of two. Any other
/// `size` leaves `addr` unchanged.
pub const fn align_down(addr: u64, size: u64) -> u64 {
    if size.is_power_of_two() {
        addr & !(size - 1)
    } else {
        addr
    }
}

/// Where the walk of `[addr, end)` continues after the entry of span
/// `page_size` that covers `addr`: the start of the next entry, but never
/// past `end`.
///
/// This drives the unmap and write-protect loops. Upstream advances by
/// `addr += page_size`, which from an address not aligned to `page_size`
/// lands inside the next entry and skips its head; this helper always
/// moves to the entry boundary. The result is `end` when `addr >= end`,
/// when the boundary lies beyond `u64::MAX`, or when `page_size` is not a
/// power of two, so every loop driven by it terminates, and it is above
/// `addr` whenever `addr < end`.
pub const fn next_boundary(addr: u64, end: u64, page_size: u64) -> u64 {
    if addr >= end || !page_size.is_power_of_two() {
        return end;
    }
    match align_down(addr, page_size).checked_add(page_size) {
        Some(next) if next < end => next,
        _ => end,
    }
}

/// Whether the entry of span `page_size` at `addr` lies wholly inside
/// `[addr, end)`: `addr` is aligned and at least `page_size` bytes remain.
/// Upstream only clears or write-protects such entries; a block that the
/// range covers partly is left alone.
pub const fn covers_block(addr: u64, end: u64, page_size: u64) -> bool {
    page_size.is_power_of_two()
        && addr & (page_size - 1) == 0
        && addr < end
        && end - addr >= page_size
}

/// A memslot as the fault path sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SlotSpan {
    /// First guest frame of the slot.
    pub base_gfn: u64,
    /// Length of the slot in pages.
    pub npages: u64,
    /// Host-virtual address backing `base_gfn`.
    pub userspace_addr: u64,
}

/// Level at which to map a G-stage fault at `gpa` in `slot`, given the
/// size of the host page that backs it.
///
/// `host_page_size` is what upstream calls `vma_pagesize`: the hugetlb page
/// size of the VMA, or [`PAGE_SIZE`] for other VMAs, for `VM_PFNMAP` VMAs
/// and while the slot logs dirty pages (the caller decides those cases).
/// Sizes other than [`PAGE_SIZE`], [`PMD_SIZE`] and [`PUD_SIZE`] give
/// `None`, upstream's `-EFAULT` ("Invalid VMA page size").
///
/// A block is used only if the whole block lies inside the slot and the
/// slot's guest-physical and host-virtual addresses agree modulo the block
/// size; otherwise the next smaller level is tried, down to a 4 KiB page,
/// which always works. The level is also clamped to what `mode` supports.
/// Upstream 6.12 checks none of this and maps the host-sized block
/// regardless, which maps memory outside the slot, or the wrong memory,
/// when the slot is not laid out on block boundaries.
///
/// The caller aligns the frame it resolves to the returned level's size
/// (see [`align_down`]) so that the PFN it gets is the start of the block.
pub const fn fault_map_level(
    mode: GStageMode,
    host_page_size: u64,
    gpa: u64,
    slot: &SlotSpan,
) -> Option<u32> {
    let host_level = match host_page_size {
        PAGE_SIZE => 0,
        PMD_SIZE => 1,
        PUD_SIZE => 2,
        _ => return None,
    };
    let mut level = if host_level < max_block_level(mode) {
        host_level
    } else {
        max_block_level(mode)
    };
    while level > 0 {
        if block_fits_slot(level, gpa, slot) {
            return Some(level);
        }
        level -= 1;
    }
    Some(0)
}

/// Whether a block at `level` around `gpa` can back the slot: inside it,
/// and with host-virtual and guest-physical offsets in step.
const fn block_fits_slot(level: u32, gpa: u64, slot: &SlotSpan) -> bool {
    // Work in frames: no shift of a guest-supplied frame number can
    // overflow that way. `level` is at most `MAX_LEVEL` here.
    let block_pages = 1u64 << (INDEX_BITS * level);
    let mask = block_pages - 1;
    if slot.userspace_addr & (PAGE_SIZE - 1) != 0 {
        return false;
    }
    let hva_frame = slot.userspace_addr >> PAGE_SHIFT;
    // Congruence modulo a power of two survives wrapping subtraction.
    if hva_frame.wrapping_sub(slot.base_gfn) & mask != 0 {
        return false;
    }
    let slot_end = match slot.base_gfn.checked_add(slot.npages) {
        Some(end) => end,
        None => return false,
    };
    let block_start = (gpa >> PAGE_SHIFT) & !mask;
    let block_end = match block_start.checked_add(block_pages) {
        Some(end) => end,
        None => return false,
    };
    block_start >= slot.base_gfn && block_end <= slot_end
}

/// Outcome of walking the table for one guest-physical address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Walk {
    /// A leaf maps the address.
    Leaf {
        /// Level of the leaf; its span is `level_to_page_size(level)`.
        level: u32,
        /// Frame of the table holding the leaf.
        table_pfn: u64,
        /// Index of the leaf in that table.
        index: usize,
        /// The leaf.
        pte: Pte,
    },
    /// Nothing maps the address, nor anything else in the entry-sized
    /// region around it at `level`.
    Hole {
        /// Level at which the walk found nothing.
        level: u32,
    },
}

/// Walks the tables of `mode` from the root at `root_pfn` down to the entry
/// that decides `gpa`, like upstream's `gstage_get_leaf_entry()`.
///
/// `read(table_pfn, index)` returns one entry of a table; it is called at
/// most `mode.levels()` times, with `index` in range for the table's level.
/// A pointer entry at level 0 is malformed (the hardware faults on it) and
/// reads as a hole.
pub fn walk<F>(mode: GStageMode, root_pfn: u64, gpa: u64, mut read: F) -> Walk
where
    F: FnMut(u64, usize) -> Pte,
{
    let mut level = root_level(mode);
    let mut table_pfn = root_pfn;
    loop {
        let index = match index(mode, level, gpa) {
            Some(index) => index,
            None => return Walk::Hole { level },
        };
        let pte = read(table_pfn, index);
        if pte.is_leaf() {
            return Walk::Leaf {
                level,
                table_pfn,
                index,
                pte,
            };
        }
        if !pte.is_table() || level == 0 {
            return Walk::Hole { level };
        }
        level -= 1;
        table_pfn = pte.pfn();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::vec::Vec;

    const MODES: [GStageMode; 3] = GStageMode::PROBE_ORDER;

    #[test]
    fn bits_match_pgtable_bits_h() {
        assert_eq!(
            [PTE_V, PTE_R, PTE_W, PTE_X, PTE_U, PTE_G, PTE_A, PTE_D],
            [0x1, 0x2, 0x4, 0x8, 0x10, 0x20, 0x40, 0x80]
        );
        assert_eq!(PFN_MASK, 0x003f_ffff_ffff_fc00);
        assert_eq!(PTRS_PER_TABLE, 512);
        assert_eq!(PTRS_PER_ROOT, 2048);
    }

    #[test]
    fn index_bits_agree_with_gpa_bits() {
        for mode in MODES {
            assert_eq!(
                PAGE_SHIFT + INDEX_BITS * mode.levels() + GStageMode::ROOT_TABLE_ORDER,
                mode.gpa_bits()
            );
        }
        assert_eq!(root_level(GStageMode::Sv57x4), MAX_LEVEL);
    }

    #[test]
    fn leaf_permissions_as_upstream_builds_them() {
        // pfn_pte(pfn, PAGE_*) | _PAGE_DIRTY: V, U and A from _PAGE_BASE,
        // R always, D always, G never.
        let base = PTE_V | PTE_U | PTE_A | PTE_D | PTE_R;
        let cases = [
            (Perms::READ, base),
            (Perms::READ_WRITE, base | PTE_W),
            (Perms::READ_EXEC, base | PTE_X),
            (Perms::READ_WRITE_EXEC, base | PTE_W | PTE_X),
        ];
        for (perms, bits) in cases {
            let pte = Pte::leaf(0x1234, 0, perms).unwrap();
            assert_eq!(pte.raw(), (0x1234 << 10) | bits);
            assert!(pte.is_valid() && pte.is_leaf() && !pte.is_table());
            assert!(pte.readable() && pte.user() && pte.accessed() && pte.dirty());
            assert_eq!(pte.writable(), perms.write);
            assert_eq!(pte.executable(), perms.exec);
            assert_eq!(pte.raw() & PTE_G, 0);
        }
        assert_eq!(Pte::leaf(0, 0, Perms::READ_WRITE_EXEC).unwrap().raw(), 0xdf);
        assert_eq!(Pte::leaf(0, 0, Perms::READ_EXEC).unwrap().raw(), 0xdb);
    }

    #[test]
    fn pfn_round_trips() {
        for pfn in [0, 1, 0x8_0000, 0xabc_def0_1234, MAX_PFN] {
            let leaf = Pte::leaf(pfn, 0, Perms::READ).unwrap();
            assert_eq!(leaf.pfn(), pfn);
            assert_eq!(leaf.phys_addr(), pfn << 12);
            let table = Pte::table(pfn).unwrap();
            assert_eq!(table.pfn(), pfn);
            assert_eq!(table.raw(), (pfn << 10) | PTE_V);
        }
        assert_eq!(Pte::leaf(MAX_PFN + 1, 0, Perms::READ), None);
        assert_eq!(Pte::table(MAX_PFN + 1), None);
        assert_eq!(Pte::table(u64::MAX), None);
        // Bits above the PFN field (PBMT, N) do not leak into the PFN.
        assert_eq!(Pte(u64::MAX).pfn(), MAX_PFN);
    }

    #[test]
    fn block_leaves_need_aligned_frames() {
        assert!(Pte::leaf(512, 1, Perms::READ).is_some());
        assert_eq!(Pte::leaf(513, 1, Perms::READ), None);
        assert!(Pte::leaf(1 << 18, 2, Perms::READ).is_some());
        assert_eq!(Pte::leaf(512, 2, Perms::READ), None);
        assert!(Pte::leaf(0, 4, Perms::READ).is_some());
        assert_eq!(Pte::leaf(1 << 27, 4, Perms::READ), None);
        assert!(Pte::leaf(1 << 36, 4, Perms::READ).is_some());
        assert_eq!(Pte::leaf(0, 5, Perms::READ), None);
        assert_eq!(Pte::leaf(0, u32::MAX, Perms::READ), None);
    }

    #[test]
    fn table_entries_are_not_leaves() {
        let t = Pte::table(42).unwrap();
        assert!(t.is_valid() && t.is_table() && !t.is_leaf());
        assert!(!t.user() && !t.accessed() && !t.dirty());
        assert!(!Pte::EMPTY.is_valid());
        assert!(!Pte::EMPTY.is_leaf() && !Pte::EMPTY.is_table());
        // RWX without V is not a leaf either.
        assert!(!Pte(PTE_R | PTE_W).is_leaf());
    }

    #[test]
    fn write_protect_and_age_touch_one_bit() {
        let pte = Pte::leaf(0x777, 0, Perms::READ_WRITE_EXEC).unwrap();
        let wp = pte.with_write_protect();
        assert_eq!(wp.raw(), pte.raw() & !PTE_W);
        assert!(!wp.writable() && wp.is_leaf() && wp.readable() && wp.dirty());
        assert_eq!(wp.with_write_protect(), wp);
        let old = pte.with_accessed_cleared();
        assert_eq!(old.raw(), pte.raw() & !PTE_A);
        assert!(!old.accessed() && old.writable() && old.is_leaf());
        assert_eq!(old.pfn(), 0x777);
    }

    #[test]
    fn level_page_size_conversion() {
        let sizes = [1u64 << 12, 1 << 21, 1 << 30, 1 << 39, 1 << 48];
        for (level, size) in sizes.iter().enumerate() {
            assert_eq!(level_to_page_size(level as u32), Some(*size));
        }
        assert_eq!(level_to_page_size(2), Some(PUD_SIZE));
        assert_eq!(level_to_page_size(5), None);
        assert_eq!(level_to_page_size(u32::MAX), None);

        for mode in MODES {
            for level in 0..=MAX_LEVEL {
                let size = level_to_page_size(level).unwrap();
                let expect = if level <= max_block_level(mode) {
                    Some(level)
                } else {
                    None
                };
                assert_eq!(page_size_to_level(size, mode), expect);
            }
            for bad in [0, 1, 3, 1 << 13, (1 << 21) + 4096, 1 << 63, u64::MAX] {
                assert_eq!(page_size_to_level(bad, mode), None);
            }
        }
        assert_eq!(max_block_level(GStageMode::Sv39x4), 2);
        assert_eq!(max_block_level(GStageMode::Sv48x4), 3);
        assert_eq!(max_block_level(GStageMode::Sv57x4), 4);
    }

    #[test]
    fn entries_per_level() {
        for mode in MODES {
            let root = root_level(mode);
            for level in 0..root {
                assert_eq!(entries(mode, level), Some(512));
            }
            assert_eq!(entries(mode, root), Some(2048));
            assert_eq!(entries(mode, root + 1), None);
        }
    }

    #[test]
    fn indices_at_boundaries() {
        for mode in MODES {
            let root = root_level(mode);
            for level in 0..=root {
                let shift = level_to_page_shift(level).unwrap();
                for other in 0..=root {
                    assert_eq!(index(mode, other, 0), Some(0));
                    // First address of entry 1 at `level`.
                    let want = if other == level { 1 } else { 0 };
                    assert_eq!(index(mode, other, 1 << shift), Some(want));
                    // Last byte of entry 0 at `level`: all ones below.
                    let last = (1u64 << shift) - 1;
                    let want = if other < level {
                        entries(mode, other).unwrap() - 1
                    } else {
                        0
                    };
                    assert_eq!(index(mode, other, last), Some(want));
                }
            }
            // The top guest-physical address: last entry everywhere.
            let top = gpa_space_size(mode) - 1;
            assert_eq!(index(mode, root, top), Some(2047));
            for level in 0..root {
                assert_eq!(index(mode, level, top), Some(511));
            }
            // Bits above the space are ignored.
            for level in 0..=root {
                assert_eq!(index(mode, level, gpa_space_size(mode)), Some(0));
                assert_eq!(index(mode, level, u64::MAX), index(mode, level, top));
            }
            assert_eq!(index(mode, root + 1, 0), None);
            assert_eq!(index(mode, u32::MAX, u64::MAX), None);
        }
    }

    #[test]
    fn indices_rebuild_the_address() {
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for mode in MODES {
            for _ in 0..1000 {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let gpa = x & (gpa_space_size(mode) - 1);
                let mut rebuilt = gpa & 0xfff;
                for level in 0..=root_level(mode) {
                    let i = index(mode, level, gpa).unwrap() as u64;
                    rebuilt |= i << level_to_page_shift(level).unwrap();
                }
                assert_eq!(rebuilt, gpa);
            }
        }
    }

    #[test]
    fn sv39x4_known_indices() {
        let m = GStageMode::Sv39x4;
        // 0x1_8040_3000: root 6, level 1 entry 2, level 0 entry 3.
        let gpa = (6u64 << 30) | (2 << 21) | (3 << 12) | 0x10;
        assert_eq!(index(m, 2, gpa), Some(6));
        assert_eq!(index(m, 1, gpa), Some(2));
        assert_eq!(index(m, 0, gpa), Some(3));
        // The x4 bits: 1 TiB is root entry 1024.
        assert_eq!(index(m, 2, 1 << 40), Some(1024));
    }

    #[test]
    fn alignment_helpers() {
        assert_eq!(align_down(0x20_1234, PMD_SIZE), 0x20_0000);
        assert_eq!(align_down(u64::MAX, PAGE_SIZE), u64::MAX - 0xfff);
        assert_eq!(align_down(0x1234, 0), 0x1234);
        assert_eq!(align_down(0x1234, 3), 0x1234);
    }

    #[test]
    fn next_boundary_moves_to_entry_starts() {
        let m2 = PMD_SIZE;
        assert_eq!(next_boundary(0, 1 << 40, m2), m2);
        // Unaligned: to the start of the next 2 MiB entry, not addr + 2 MiB.
        assert_eq!(next_boundary(0x1000, 1 << 40, m2), m2);
        assert_eq!(next_boundary(m2 - 1, 1 << 40, m2), m2);
        // Clamped by the end.
        assert_eq!(next_boundary(0, 0x5000, m2), 0x5000);
        assert_eq!(next_boundary(0, m2, m2), m2);
        // Already at or past the end.
        assert_eq!(next_boundary(0x5000, 0x5000, PAGE_SIZE), 0x5000);
        assert_eq!(next_boundary(0x6000, 0x5000, PAGE_SIZE), 0x5000);
        // Bad sizes end the loop rather than spin.
        assert_eq!(next_boundary(0, 0x5000, 0), 0x5000);
        assert_eq!(next_boundary(0, 0x5000, 0x3000), 0x5000);
        // No overflow at the top of the address space.
        let top = u64::MAX - 0xfff;
        assert_eq!(next_boundary(top, u64::MAX, PAGE_SIZE), u64::MAX);
        assert_eq!(next_boundary(u64::MAX - 1, u64::MAX, 1 << 63), u64::MAX);
    }

    #[test]
    fn boundary_loops_terminate_and_visit_every_entry() {
        let cases = [
            (0u64, 1u64 << 22, PAGE_SIZE),
            (0x1234, 0x40_0000, PMD_SIZE),
            (u64::MAX - (3 << 12), u64::MAX, PAGE_SIZE),
            (u64::MAX - (3 << 12), u64::MAX, PUD_SIZE),
            (0, u64::MAX, 1 << 62),
        ];
        for (start, end, size) in cases {
            let mut addr = start;
            let mut steps = Vec::new();
            while addr < end {
                let next = next_boundary(addr, end, size);
                assert!(next > addr);
                steps.push(addr);
                addr = next;
            }
            assert_eq!(addr, end);
            // After the first step every visited address is aligned.
            assert!(steps[1..].iter().all(|a| a % size == 0));
        }
        // 4 pages from 0: exactly 4 visits.
        let mut addr = 0;
        let mut n = 0;
        while addr < 0x4000 {
            addr = next_boundary(addr, 0x4000, PAGE_SIZE);
            n += 1;
        }
        assert_eq!(n, 4);
    }

    #[test]
    fn covers_block_needs_alignment_and_room() {
        assert!(covers_block(0, PMD_SIZE, PMD_SIZE));
        assert!(covers_block(PMD_SIZE, 3 * PMD_SIZE, PMD_SIZE));
        assert!(!covers_block(0x1000, 3 * PMD_SIZE, PMD_SIZE));
        assert!(!covers_block(0, PMD_SIZE - 1, PMD_SIZE));
        assert!(!covers_block(PMD_SIZE, 0, PMD_SIZE));
        assert!(!covers_block(0, PMD_SIZE, 0));
        let top = u64::MAX - 0xfff;
        assert!(!covers_block(top, u64::MAX, PAGE_SIZE));
        assert!(covers_block(top - PAGE_SIZE, u64::MAX, PAGE_SIZE));
    }

    fn slot(base_gfn: u64, npages: u64, userspace_addr: u64) -> SlotSpan {
        SlotSpan {
            base_gfn,
            npages,
            userspace_addr,
        }
    }

    #[test]
    fn fault_level_follows_host_page_size() {
        // 4 GiB at GPA 2 GiB, backed by 1 GiB-aligned memory.
        let s = slot(0x8_0000, 0x10_0000, 0x40_0000_0000);
        let gpa = 0x9234_5678;
        for mode in MODES {
            assert_eq!(fault_map_level(mode, PAGE_SIZE, gpa, &s), Some(0));
            assert_eq!(fault_map_level(mode, PMD_SIZE, gpa, &s), Some(1));
            assert_eq!(fault_map_level(mode, PUD_SIZE, gpa, &s), Some(2));
            for bad in [0, 1, 1 << 16, 1 << 39, u64::MAX] {
                assert_eq!(fault_map_level(mode, bad, gpa, &s), None);
            }
        }
    }

    #[test]
    fn fault_level_falls_back_when_offsets_disagree() {
        // The host address is 2 MiB aligned but 1 GiB misaligned against
        // the guest address: 1 GiB hugetlb falls back to 2 MiB blocks.
        let s = slot(0x8_0000, 0x10_0000, 0x40_0020_0000);
        let gpa = 0x9234_5678;
        let m = GStageMode::Sv39x4;
        assert_eq!(fault_map_level(m, PUD_SIZE, gpa, &s), Some(1));
        // Misaligned by one page: only 4 KiB pages are safe.
        let s = slot(0x8_0000, 0x10_0000, 0x40_0000_1000);
        assert_eq!(fault_map_level(m, PUD_SIZE, gpa, &s), Some(0));
        assert_eq!(fault_map_level(m, PMD_SIZE, gpa, &s), Some(0));
        // An unaligned host address (never accepted by KVM) gets pages.
        let s = slot(0x8_0000, 0x10_0000, 0x40_0000_0800);
        assert_eq!(fault_map_level(m, PMD_SIZE, gpa, &s), Some(0));
        // Slot and backing both start at odd 2 MiB offsets, in step: 2 MiB
        // blocks are fine.
        let s = slot(0x8_0200, 0x10_0000, 0x40_0020_0000);
        assert_eq!(fault_map_level(m, PMD_SIZE, 0x8040_0000, &s), Some(1));
    }

    #[test]
    fn fault_level_falls_back_at_slot_edges() {
        let m = GStageMode::Sv48x4;
        // 1 GiB + 2 MiB slot at 1 GiB: the first GiB takes a 1 GiB block,
        // the trailing 2 MiB only a 2 MiB one.
        let s = slot(0x4_0000, 0x4_0200, 0x80_0000_0000);
        assert_eq!(fault_map_level(m, PUD_SIZE, 0x4000_0000, &s), Some(2));
        assert_eq!(fault_map_level(m, PUD_SIZE, 0x8000_1000, &s), Some(1));
        // A slot smaller than 2 MiB gets pages only.
        let s = slot(0x4_0000, 0x100, 0x80_0000_0000);
        assert_eq!(fault_map_level(m, PMD_SIZE, 0x4000_0000, &s), Some(0));
        // A slot starting mid-block: the first partial block gets pages.
        let s = slot(0x4_0100, 0x1000, 0x80_0010_0000);
        assert_eq!(fault_map_level(m, PMD_SIZE, 0x4010_0000, &s), Some(0));
        assert_eq!(fault_map_level(m, PMD_SIZE, 0x4020_0000, &s), Some(1));
        // An address outside the slot never gets a block.
        assert_eq!(fault_map_level(m, PMD_SIZE, 0, &s), Some(0));
    }

    #[test]
    fn fault_level_survives_absurd_slots() {
        let m = GStageMode::Sv57x4;
        let s = slot(u64::MAX - 10, 100, 0);
        assert_eq!(fault_map_level(m, PUD_SIZE, u64::MAX, &s), Some(0));
        let s = slot(0, u64::MAX, 0);
        assert_eq!(fault_map_level(m, PUD_SIZE, u64::MAX, &s), Some(2));
        let s = slot(u64::MAX, 0, u64::MAX);
        assert_eq!(fault_map_level(m, PMD_SIZE, 0, &s), Some(0));
    }

    /// In-memory tables for the walker: frame -> entries.
    struct Tables(HashMap<u64, Vec<Pte>>);

    impl Tables {
        fn new(root: u64, mode: GStageMode) -> Self {
            let mut t = HashMap::new();
            t.insert(
                root,
                std::vec![Pte::EMPTY; entries(mode, root_level(mode)).unwrap()],
            );
            Tables(t)
        }

        fn set(&mut self, table: u64, index: usize, pte: Pte) {
            self.0
                .entry(table)
                .or_insert_with(|| std::vec![Pte::EMPTY; 512])[index] = pte;
        }

        fn read(&self, table: u64, index: usize) -> Pte {
            self.0[&table][index]
        }
    }

    #[test]
    fn walk_finds_leaves_and_holes() {
        let m = GStageMode::Sv39x4;
        let mut t = Tables::new(0x100, m);
        // 0x8000_0000 (root 2) -> table 0x200 -> entry 0 -> table 0x300
        // -> entry 5: a 4 KiB page.
        t.set(0x100, 2, Pte::table(0x200).unwrap());
        t.set(0x200, 0, Pte::table(0x300).unwrap());
        let page = Pte::leaf(0x5000, 0, Perms::READ_WRITE_EXEC).unwrap();
        t.set(0x300, 5, page);
        // 0x8020_0000 (root 2, entry 1): a 2 MiB block.
        let block = Pte::leaf(0x8_0000, 1, Perms::READ_EXEC).unwrap();
        t.set(0x200, 1, block);
        // Root 3: a 1 GiB block.
        let giant = Pte::leaf(0x4_0000, 2, Perms::READ).unwrap();
        t.set(0x100, 3, giant);
        // 0x8040_0000 (root 2, entry 2): a malformed pointer at level 0.
        t.set(0x200, 2, Pte::table(0x400).unwrap());
        t.set(0x400, 0, Pte::table(0x500).unwrap());

        let mut reads = 0;
        let mut walk_at = |gpa| {
            walk(m, 0x100, gpa, |pfn, i| {
                reads += 1;
                t.read(pfn, i)
            })
        };
        assert_eq!(
            walk_at(0x8000_5123),
            Walk::Leaf {
                level: 0,
                table_pfn: 0x300,
                index: 5,
                pte: page
            }
        );
        assert_eq!(walk_at(0x8000_6000), Walk::Hole { level: 0 });
        assert_eq!(
            walk_at(0x802f_ffff),
            Walk::Leaf {
                level: 1,
                table_pfn: 0x200,
                index: 1,
                pte: block
            }
        );
        assert_eq!(
            walk_at(0xc000_0000),
            Walk::Leaf {
                level: 2,
                table_pfn: 0x100,
                index: 3,
                pte: giant
            }
        );
        assert_eq!(walk_at(0), Walk::Hole { level: 2 });
        assert_eq!(walk_at(0x80a0_0000), Walk::Hole { level: 1 });
        assert_eq!(walk_at(0x8040_0000), Walk::Hole { level: 0 });
        assert!(reads <= 7 * 3);
    }

    #[test]
    fn walk_reads_at_most_one_entry_per_level() {
        for mode in MODES {
            // Every entry points to a table: the walk must still stop.
            let mut reads = 0u32;
            let w = walk(mode, 1, u64::MAX, |_, _| {
                reads += 1;
                Pte::table(1).unwrap()
            });
            assert_eq!(w, Walk::Hole { level: 0 });
            assert_eq!(reads, mode.levels());
        }
    }
}
