// SPDX-License-Identifier: GPL-2.0

//! The G-stage MMU of a VM: its page table, the guest page-fault path and
//! the operations the memslot and MMU-notifier hooks need.
//!
//! Table layout and entry encoding come from `logic::pte`; this module
//! owns the memory and the locking. Every table walk and update runs under
//! `kvm->mmu_lock`; tables below the root come from the faulting vCPU's
//! page cache, topped up before the lock is taken.

use core::sync::atomic::{AtomicU64, Ordering};
use kernel::bindings;
use kernel::prelude::*;

use crate::glue::{self, Pages};
use crate::logic::gstage::{GStageMode, PAGE_SHIFT};
use crate::logic::pte::{self, Perms, Pte};

/// A VM's G-stage page table.
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

/// Memory behind a table entry's PFN.
fn table_of(entry: Pte, level: u32, mode: GStageMode) -> Option<Table> {
    let len = pte::entries(mode, level)?;
    let va = glue::phys_to_virt(entry.phys_addr());
    // SAFETY: Non-leaf entries are only ever written by `map()`, pointing
    // at pages it took from a vCPU's page cache; they stay live until
    // `free_tables()`.
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
    pub(crate) fn root_phys(&self) -> u64 {
        glue::virt_to_phys(self.root.as_ptr())
    }

    fn root(&self) -> Table {
        // SAFETY: The root lives as long as `self`; callers hold mmu_lock.
        unsafe { Table::at(self.root.as_ptr(), pte::PTRS_PER_ROOT) }
    }

    /// Maps `[gpa, gpa + size of level)` to `hpa`. Returns whether an
    /// existing valid translation changed (so TLBs must be flushed).
    ///
    /// # Safety
    ///
    /// The caller holds `kvm->mmu_lock` and `cache` is topped up with at
    /// least as many pages as the table has levels.
    pub(crate) unsafe fn map(
        &self,
        cache: *mut bindings::kvm_mmu_memory_cache,
        gpa: u64,
        hpa: u64,
        level: u32,
        perms: Perms,
    ) -> Result<bool> {
        let leaf = Pte::leaf(hpa >> PAGE_SHIFT, level, perms).ok_or(EINVAL)?;
        let mut flush = false;
        let mut table = self.root();
        let mut cur = pte::root_level(self.mode);
        loop {
            let i = pte::index(self.mode, cur, gpa).ok_or(EINVAL)?;
            let slot = table.entry(i).ok_or(EINVAL)?;
            let old = Pte(slot.load(Ordering::Relaxed));
            if cur == level {
                if old.is_valid() && old != leaf {
                    flush = true;
                }
                slot.store(leaf.raw(), Ordering::Release);
                return Ok(flush);
            }
            if !old.is_table() {
                // Empty, or a block now to be split: hang a fresh table
                // here. Pages of a replaced block fault back in one by one.
                // SAFETY: The caller topped up the cache.
                let page = unsafe { bindings::kvm_mmu_memory_cache_alloc(cache) };
                if page.is_null() {
                    return Err(ENOMEM);
                }
                let next = Pte::table(glue::virt_to_phys(page) >> PAGE_SHIFT).ok_or(EINVAL)?;
                flush |= old.is_valid();
                slot.store(next.raw(), Ordering::Release);
            }
            cur -= 1;
            table = table_of(Pte(slot.load(Ordering::Relaxed)), cur, self.mode).ok_or(EINVAL)?;
        }
    }

    /// Applies `op` to every leaf in `[start, end)`; leaves only partly
    /// inside the range are treated as inside (they fault back in).
    /// Returns whether any leaf changed.
    ///
    /// # Safety
    ///
    /// The caller holds `kvm->mmu_lock`.
    pub(crate) unsafe fn for_each_leaf(
        &self,
        start: u64,
        end: u64,
        mut op: impl FnMut(Pte) -> Option<Pte>,
    ) -> bool {
        self.walk_range(self.root(), pte::root_level(self.mode), start, end, &mut op)
    }

    fn walk_range(
        &self,
        table: Table,
        level: u32,
        start: u64,
        end: u64,
        op: &mut impl FnMut(Pte) -> Option<Pte>,
    ) -> bool {
        let Some(size) = pte::level_to_page_size(level) else {
            return false;
        };
        let mut changed = false;
        let mut addr = start;
        while addr < end {
            let next = pte::next_boundary(addr, end, size);
            let Some(slot) = pte::index(self.mode, level, addr).and_then(|i| table.entry(i)) else {
                break;
            };
            let cur = Pte(slot.load(Ordering::Relaxed));
            if cur.is_leaf() {
                if let Some(new) = op(cur) {
                    if new != cur {
                        slot.store(new.raw(), Ordering::Release);
                        changed = true;
                    }
                }
            } else if cur.is_table() && level > 0 {
                if let Some(sub) = table_of(cur, level - 1, self.mode) {
                    changed |= self.walk_range(sub, level - 1, addr, next, op);
                }
            }
            if next <= addr {
                break;
            }
            addr = next;
        }
        changed
    }

    /// Frees every table below the root.
    ///
    /// # Safety
    ///
    /// Nothing may walk the table any more: no vCPU runs and no hook runs.
    unsafe fn free_tables(&self) {
        free_subtables(self.root(), pte::root_level(self.mode), self.mode);
    }
}

fn free_subtables(table: Table, level: u32, mode: GStageMode) {
    if level == 0 {
        return;
    }
    for i in 0..table.len {
        let Some(slot) = table.entry(i) else { break };
        let e = Pte(slot.load(Ordering::Relaxed));
        if !e.is_table() {
            continue;
        }
        if let Some(sub) = table_of(e, level - 1, mode) {
            free_subtables(sub, level - 1, mode);
        }
        slot.store(0, Ordering::Relaxed);
        // SAFETY: The page came from a vCPU's page cache (a whole page
        // from the page allocator) and nothing refers to it any more.
        unsafe { bindings::free_pages(glue::phys_to_virt(e.phys_addr()) as usize as _, 0) };
    }
}

impl Drop for GStage {
    fn drop(&mut self) {
        // SAFETY: Dropped with the VM: no vCPU and no hook is left.
        unsafe { self.free_tables() };
    }
}
