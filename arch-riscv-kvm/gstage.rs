// SPDX-License-Identifier: GPL-2.0

//! A VM's G-stage page table: the memory, the walks and the updates the
//! fault path and the memslot and MMU-notifier hooks (`mmu.rs`) need.
//!
//! Table layout and entry encoding come from `logic::pte`; this module
//! owns the memory. Every walk and update runs under `kvm->mmu_lock`,
//! which the operations take as an [`MmuLocked`]; tables below the root
//! come from the faulting vCPU's page cache, topped up before the lock is
//! taken.

use core::sync::atomic::{AtomicU64, Ordering};
use kernel::prelude::*;

use crate::addr::{Gpa, Hpa};
use crate::glue::{self, Pages};
use crate::kvm_mmu::{MmuCache, MmuLocked};
use crate::logic::gstage::GStageMode;
use crate::logic::hfence::FlushRange;
use crate::logic::pte::{self, Perms, Pte};

/// A VM's G-stage page table.
///
/// INVARIANT: every non-leaf entry of the tree points at a page-table page
/// of the tree's next level, a whole page taken from a vCPU's page cache
/// by [`GStage::map`] and owned by the tree until it is unlinked (and then
/// by an [`Orphan`]) or the tree is dropped.
pub(crate) struct GStage {
    mode: GStageMode,
    root: Pages,
}

/// Entries of one table page (or the four-page root).
struct Table {
    entries: *const AtomicU64,
    len: usize,
}

impl Table {
    /// # Safety
    ///
    /// `va` must be a live page-table page of `len` entries, only changed
    /// under `mmu_lock` (which the caller holds) or by the hardware walker
    /// setting A/D bits.
    unsafe fn at(va: *mut core::ffi::c_void, len: usize) -> Table {
        Table {
            entries: va.cast::<AtomicU64>(),
            len,
        }
    }

    fn entry(&self, i: usize) -> Option<&AtomicU64> {
        if i >= self.len {
            return None;
        }
        // SAFETY: `i` is in bounds and the page is live, by `at()`.
        Some(unsafe { &*self.entries.add(i) })
    }
}

/// The table a non-leaf entry points at.
///
/// # Safety
///
/// `entry` must have been read from a table of a [`GStage`] tree (or an
/// [`Orphan`]) whose pages stay live while the result is used: under
/// `mmu_lock`, or with the tree owned exclusively.
unsafe fn table_of(entry: Pte, level: u32, mode: GStageMode) -> Option<Table> {
    let len = pte::entries(mode, level)?;
    let va = glue::phys_to_virt(Hpa::new(entry.phys_addr()));
    // SAFETY: By the tree's invariant a non-leaf entry points at a live
    // table page of `level`, which the caller keeps live.
    Some(unsafe { Table::at(va, len) })
}

impl GStage {
    /// Allocates an empty table in `mode`.
    pub(crate) fn new(mode: GStageMode) -> Result<Self> {
        Ok(GStage {
            mode,
            root: Pages::zeroed(GStageMode::ROOT_TABLE_ORDER)?,
        })
    }

    /// The table's format.
    pub(crate) fn mode(&self) -> GStageMode {
        self.mode
    }

    /// Physical address of the root table, for `hgatp`.
    pub(crate) fn root_phys(&self) -> Hpa {
        glue::virt_to_phys(self.root.as_ptr())
    }

    fn root(&self) -> Table {
        // SAFETY: The root is `self`'s own pages, of `PTRS_PER_ROOT`
        // entries; the table does not outlive the walk that borrows `self`.
        unsafe { Table::at(self.root.as_ptr(), pte::PTRS_PER_ROOT) }
    }

    /// Maps `[gpa, gpa + size of level)` to `hpa`, with tables from
    /// `cache` (topped up with as many pages as the table has levels, or
    /// the map fails with `ENOMEM`). `_lock` is the VM's `mmu_lock`.
    pub(crate) fn map(
        &self,
        _lock: &MmuLocked<'_>,
        cache: &mut MmuCache,
        gpa: Gpa,
        hpa: Hpa,
        level: u32,
        perms: Perms,
    ) -> Result<MapChange> {
        let leaf = Pte::leaf(hpa.pfn(), level, perms).ok_or(EINVAL)?;
        let gpa = gpa.get();
        let mut flush = false;
        let mut table = self.root();
        let mut cur = pte::root_level(self.mode);
        loop {
            let i = pte::index(self.mode, cur, gpa).ok_or(EINVAL)?;
            let slot = table.entry(i).ok_or(EINVAL)?;
            let old = Pte(slot.load(Ordering::Relaxed));
            if cur == level {
                slot.store(leaf.raw(), Ordering::Release);
                if old.is_table() && cur > 0 {
                    // A block replaces a table (say, dirty logging ended
                    // over hugetlb memory): the subtree is unreachable now
                    // and is freed once no TLB can still use it.
                    // INVARIANT: `old` was a table entry of level `cur`,
                    // just unlinked under mmu_lock.
                    return Ok(MapChange::ReplacedTable(Orphan {
                        entry: old,
                        level: cur - 1,
                        mode: self.mode,
                    }));
                }
                // Other harts only need a fence if they may hold a
                // translation that allows more than the new one.
                let stale = old.is_valid() && old != leaf && !old.widened_by(leaf);
                return Ok(if flush || stale {
                    MapChange::Changed
                } else {
                    MapChange::New
                });
            }
            if !old.is_table() {
                // Empty, or a block now to be split: hang a fresh table
                // here. Pages of a replaced block fault back in one by one.
                let page = cache.alloc().ok_or(ENOMEM)?;
                let next = Pte::table(glue::virt_to_phys(page.as_ptr()).pfn()).ok_or(EINVAL)?;
                // INVARIANT: A whole zeroed page from the cache, now the
                // tree's.
                flush |= old.is_valid();
                slot.store(next.raw(), Ordering::Release);
            }
            cur -= 1;
            // SAFETY: Read from the tree under mmu_lock (`_lock`).
            table = unsafe { table_of(Pte(slot.load(Ordering::Relaxed)), cur, self.mode) }
                .ok_or(EINVAL)?;
        }
    }

    /// Applies `op` to every leaf in `[start, end)`; leaves only partly
    /// inside the range are treated as inside (they fault back in).
    ///
    /// The walk stops after visiting `budget` entries, at any level, and
    /// says where to resume: a caller may then drop `mmu_lock` for a while,
    /// since every walk starts again from the root.
    ///
    /// `_lock` is the VM's `mmu_lock`.
    pub(crate) fn for_each_leaf(
        &self,
        _lock: &MmuLocked<'_>,
        start: u64,
        end: u64,
        budget: usize,
        mut op: impl FnMut(Pte) -> Option<Pte>,
    ) -> Walked {
        let mut walk = Walk {
            op: &mut op,
            budget,
            done: Walked {
                changed: FlushRange::EMPTY,
                resume: None,
            },
        };
        self.walk_range(
            self.root(),
            pte::root_level(self.mode),
            start,
            end,
            &mut walk,
        );
        walk.done
    }

    fn walk_range<F: FnMut(Pte) -> Option<Pte>>(
        &self,
        table: Table,
        level: u32,
        start: u64,
        end: u64,
        walk: &mut Walk<'_, F>,
    ) {
        let Some(size) = pte::level_to_page_size(level) else {
            return;
        };
        let mut addr = start;
        while addr < end {
            if walk.budget == 0 {
                walk.done.resume = Some(addr);
                return;
            }
            walk.budget -= 1;
            let next = pte::next_boundary(addr, end, size);
            let Some(slot) = pte::index(self.mode, level, addr).and_then(|i| table.entry(i)) else {
                break;
            };
            let cur = Pte(slot.load(Ordering::Relaxed));
            if cur.is_leaf() {
                if let Some(new) = (walk.op)(cur) {
                    if new != cur {
                        slot.store(new.raw(), Ordering::Release);
                        walk.done.changed.add(pte::align_down(addr, size), size);
                    }
                }
            } else if cur.is_table() && level > 0 {
                // SAFETY: Read from the tree; the walk runs under mmu_lock
                // (`for_each_leaf()`'s `_lock`).
                if let Some(sub) = unsafe { table_of(cur, level - 1, self.mode) } {
                    self.walk_range(sub, level - 1, addr, next, walk);
                    if walk.done.resume.is_some() {
                        return;
                    }
                }
            }
            if next <= addr {
                break;
            }
            addr = next;
        }
    }
}

/// What [`GStage::map`] did to the table.
#[must_use]
pub(crate) enum MapChange {
    /// The entry was empty, or only gained access rights: only this CPU
    /// faulted on it and needs a (local) fence; other CPUs fault and fence
    /// themselves if they use what they may have cached.
    New,
    /// A valid translation changed: other CPUs' TLBs must drop it.
    Changed,
    /// A block replaced a table: TLBs must drop the old translations,
    /// then the old tables must be freed.
    ReplacedTable(Orphan),
}

/// A subtree of tables unlinked from a G-stage table, still in memory
/// because TLBs and page-table walkers may use it until a fence.
#[must_use = "an orphaned subtree must be freed after the TLB flush"]
pub(crate) struct Orphan {
    /// The table entry that pointed at the subtree.
    entry: Pte,
    /// Level of the subtree's top table.
    level: u32,
    mode: GStageMode,
}

impl Orphan {
    /// Frees the subtree.
    ///
    /// # Safety
    ///
    /// No hart may walk the subtree any more, nor hold a TLB entry that
    /// points into it: every vCPU of the VM has been asked for a full
    /// G-stage flush with a waiting request since the subtree was unlinked
    /// (see `tlb::fenced_guest_read()` for why that covers the vCPUs
    /// outside guest mode too).
    pub(crate) unsafe fn free(self) {
        // SAFETY: The entry was read from the tree when it was unlinked; the
        // subtree is the orphan's alone now and unreachable, by the
        // caller's guarantee.
        unsafe { free_table(self.entry, self.level, self.mode) };
    }
}

/// Result of a [`GStage::for_each_leaf`] walk.
pub(crate) struct Walked {
    /// Where translations changed.
    pub(crate) changed: FlushRange,
    /// Where the walk stopped for lack of budget, if it did.
    pub(crate) resume: Option<u64>,
}

/// State of one walk.
struct Walk<'a, F> {
    op: &'a mut F,
    budget: usize,
    done: Walked,
}

/// Frees the tables below `table`, a table of `level`.
///
/// # Safety
///
/// `table` must be a table of a tree (or orphan) that no hart and no walk
/// reaches any more, and that nothing else frees.
unsafe fn free_children(table: &Table, level: u32, mode: GStageMode) {
    if level == 0 {
        return;
    }
    for i in 0..table.len {
        let Some(slot) = table.entry(i) else { break };
        let e = Pte(slot.swap(0, Ordering::Relaxed));
        if e.is_table() {
            // SAFETY: Read from the unreachable tree, which the caller
            // owns, and unlinked just now.
            unsafe { free_table(e, level - 1, mode) };
        }
    }
}

/// Frees the table `entry` points at, a table of `level`, and every table
/// below it.
///
/// # Safety
///
/// `entry` must have been read from a tree (or orphan) that no hart and
/// no walk reaches any more, and be freed by nothing else.
unsafe fn free_table(entry: Pte, level: u32, mode: GStageMode) {
    // SAFETY: The tree's pages are the caller's alone; the table and its
    // children are unreachable (the caller's guarantee).
    if let Some(table) = unsafe { table_of(entry, level, mode) } {
        // SAFETY: As above.
        unsafe { free_children(&table, level, mode) };
    }
    // SAFETY: A table page from a vCPU's page cache (the tree's
    // invariant) that nothing refers to any more.
    unsafe { glue::free_page_phys(Hpa::new(entry.phys_addr())) };
}

impl Drop for GStage {
    fn drop(&mut self) {
        // SAFETY: Dropped with the VM: no vCPU, no hook and no hart walks
        // the tree any more.
        unsafe { free_children(&self.root(), pte::root_level(self.mode), self.mode) };
    }
}
