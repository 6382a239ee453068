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

    /// Whether replacing leaf `self` with leaf `new` only widens access to
    /// the same memory: the same frame and attributes, with every access
    /// right (R, W, X, U) of `self` kept. TLB entries still holding `self`
    /// then allow less than the table, so a hart using one just faults
    /// and fences locally: no remote fence is needed (a write fault under
    /// dirty logging is the common case). The A and D bits do not count.
    pub const fn widened_by(self, new: Pte) -> bool {
        const RIGHTS: u64 = PTE_R | PTE_W | PTE_X | PTE_U;
        const REST: u64 = !(RIGHTS | PTE_A | PTE_D);
        self.is_leaf()
            && new.is_leaf()
            && self.0 & REST == new.0 & REST
            && self.0 & RIGHTS & !new.0 == 0
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
#[path = "pte_tests.rs"]
mod tests;
