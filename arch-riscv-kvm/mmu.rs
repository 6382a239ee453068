// SPDX-License-Identifier: GPL-2.0

//! The G-stage MMU of a VM: the guest page-fault path and the memslot,
//! MMU-notifier and dirty-logging hooks generic KVM calls (upstream's
//! `mmu.c`). The table itself is `gstage.rs`.

use kernel::bindings;
use kernel::ffi::{c_int, c_ulong};
use kernel::prelude::*;

use crate::addr::{Gpa, Hpa, Hva};
use crate::csr;
use crate::gstage::MapChange;
use crate::host::HostCaps;
use crate::kvm_mmu::{MmuGuard, MmuLocked};
use crate::kvm_srcu::{self, PfnError, VcpuSrcu};
use crate::logic::gstage::{GStageMode, PAGE_SHIFT};
use crate::logic::hfence::FlushRange;
use crate::logic::pte::{self, Perms, Pte, SlotSpan};
use crate::tlb;
use crate::vcpu::OwnedVcpu;
use crate::vm::Vm;

/// Entries an unmap visits between chances to reschedule: one table.
const UNMAP_RESCHED_BUDGET: usize = 512;

impl Vm {
    /// Handles a guest-page fault at `gpa`: maps the page backing it.
    /// `Ok(false)` means no writable memslot backs it: emulate as MMIO.
    pub(crate) fn fault_in(
        &self,
        v: &mut OwnedVcpu<'_>,
        srcu: &VcpuSrcu<'_>,
        fault: Gpa,
        is_write: bool,
    ) -> Result<bool> {
        let (gpa, gfn) = (fault.get(), fault.gfn());
        let Some(slot) = srcu.memslot(fault) else {
            return Ok(false);
        };
        let Some((hva, writable)) = slot.hva(fault) else {
            return Ok(false);
        };
        if is_write && !writable {
            return Ok(false);
        }
        let slot = slot.get();
        let gstage = self.gstage();
        let mode = gstage.mode();
        v.ctx().mmu_cache.topup(mode.levels())?;
        let info = self.kvm().vma_info(hva)?;
        let logging = !slot.dirty_bitmap.is_null() && slot.flags & bindings::KVM_MEM_READONLY == 0;
        let host_size = if logging || info.pfnmap {
            pte::PAGE_SIZE
        } else {
            1u64 << info.page_shift
        };
        let span = SlotSpan {
            base_gfn: slot.base_gfn,
            npages: slot.npages as u64,
            userspace_addr: slot.userspace_addr as u64,
        };
        let level = pte::fault_map_level(mode, host_size, gpa, &span).ok_or(EFAULT)?;
        let block = pte::level_to_page_size(level).ok_or(EFAULT)?;
        let block_gfn = pte::align_down(gpa, block) >> PAGE_SHIFT;
        // Plain anonymous memory may sit in a transparent huge page; that
        // is only known from the host page table, read below.
        let maybe_thp = !logging && !info.pfnmap && host_size == pte::PAGE_SIZE;
        let page = match srcu.pin_pfn(block_gfn, is_write) {
            Ok(page) => page,
            Err(PfnError::HwPoison) => {
                kvm_srcu::send_hwpoison(hva, info.page_shift);
                return Ok(true);
            }
            Err(PfnError::SigPending) => return Err(EINTR),
            Err(PfnError::Fault) => return Err(EFAULT),
        };
        let pfn = page.pfn();
        // While dirty logging, only a write makes a page writable, so that
        // the first write of each page is seen.
        let writable = page.writable() && (is_write || !logging);
        let perms = if writable {
            Perms::READ_WRITE_EXEC
        } else {
            Perms::READ_EXEC
        };
        let mut result = Ok(true);
        let mut changed = FlushRange::EMPTY;
        let mut orphan = None;
        let lock = MmuGuard::lock(self.kvm());
        if !lock.invalidate_retry(info.mmu_seq) {
            let (mut level, mut map_pfn) = (level, pfn);
            if maybe_thp {
                // The notifier sequence is unchanged, so the host mapping
                // of `hva` stays what it is until the lock is dropped.
                let shift = lock.host_mapping_shift(hva);
                if let Some(thp) = thp_level(mode, shift, gpa, &span) {
                    let pages =
                        pte::level_to_page_size(thp).unwrap_or(pte::PAGE_SIZE) >> PAGE_SHIFT;
                    level = thp;
                    // The huge page is naturally aligned in host memory.
                    map_pfn = pte::align_down(pfn, pages);
                }
            }
            let block = pte::level_to_page_size(level).unwrap_or(pte::PAGE_SIZE);
            let block_gpa = pte::align_down(gpa, block);
            if writable {
                page.set_dirty();
                srcu.mark_page_dirty(gfn);
            }
            let cache = &mut v.ctx().mmu_cache;
            let (to, from) = (Gpa::new(block_gpa), Hpa::of_pfn(map_pfn));
            match gstage.map(&lock, cache, to, from, level, perms) {
                Ok(MapChange::New) => {
                    // A new translation: without Svvptc the hardware may
                    // have cached the invalid entry, so fence it here,
                    // where the guest retries the access. Other harts
                    // fence it when they fault on it.
                    csr::local_hfence_gvma_vmid_gpa(fault, self.vmid());
                }
                // A translation other CPUs may cache changed.
                Ok(MapChange::Changed) => changed.add(block_gpa, block),
                Ok(MapChange::ReplacedTable(old)) => {
                    changed.add(block_gpa, block);
                    orphan = Some(old);
                }
                Err(e) => result = Err(e),
            }
        }
        drop(lock);
        if let Some(old) = orphan {
            // TLBs may cache pointers into the old tables, which a ranged
            // fence would leave: a full flush, waited for.
            tlb::remote_gvma_all(self);
            // SAFETY: Unlinked under mmu_lock, so no software walk reaches
            // it; every vCPU was asked for a full flush just now with a
            // waiting request.
            unsafe { old.free() };
        } else {
            tlb::remote_gvma(self, changed);
        }
        result
    }

    /// Applies `op` to the leaves of `[start, end)` and returns where
    /// translations changed.
    fn leaves(
        &self,
        lock: &MmuLocked<'_>,
        start: u64,
        end: u64,
        op: impl FnMut(Pte) -> Option<Pte>,
    ) -> FlushRange {
        self.gstage()
            .for_each_leaf(lock, start, end, usize::MAX, op)
            .changed
    }

    /// Applies `op` to the leaves of `[start, end)`, [`UNMAP_RESCHED_BUDGET`]
    /// entries at a time, letting `mmu_lock` go between chunks when someone
    /// waits for it or for the CPU (a whole-VM walk is millions of
    /// entries). What changed is fenced once, at the end, or before the
    /// lock goes: whoever takes it next and finds the entries changed must
    /// be able to rely on no TLB holding the old ones. `op` rewrites single
    /// leaves, so the table stays consistent for other lock holders, and
    /// the walk resumes from the root.
    fn leaves_resched(
        &self,
        lock: &mut MmuLocked<'_>,
        start: u64,
        end: u64,
        mut op: impl FnMut(Pte) -> Option<Pte>,
    ) {
        let mut unfenced = FlushRange::EMPTY;
        let mut at = start;
        loop {
            let walked = self
                .gstage()
                .for_each_leaf(lock, at, end, UNMAP_RESCHED_BUDGET, &mut op);
            unfenced.merge(walked.changed);
            let Some(next) = walked.resume else { break };
            if lock.needbreak() {
                tlb::remote_gvma(self, core::mem::replace(&mut unfenced, FlushRange::EMPTY));
                lock.cond_resched();
            }
            at = next;
        }
        tlb::remote_gvma(self, unfenced);
    }

    /// Unmaps `[start, end)` with mmu_lock taken here, then flushes TLBs
    /// (the caller may sleep, and no fault maps the range again meanwhile:
    /// the memslot is gone or invalidated, or the mm is).
    fn unmap_and_flush(&self, start: u64, end: u64) {
        let mut lock = MmuGuard::lock(self.kvm());
        self.leaves_resched(&mut lock, start, end, |_| Some(Pte(0)));
    }
}

/// The level of a block mapping a fault in a transparent huge page of
/// `1 << host_shift` bytes may use, if any.
fn thp_level(mode: GStageMode, host_shift: u32, gpa: u64, span: &SlotSpan) -> Option<u32> {
    let size = 1u64.checked_shl(host_shift)?;
    pte::fault_map_level(mode, size, gpa, span).filter(|&level| level > 0)
}

fn gfn_range(range: &bindings::kvm_gfn_range) -> (u64, u64) {
    (
        range.start.saturating_mul(1 << PAGE_SHIFT),
        range.end.saturating_mul(1 << PAGE_SHIFT),
    )
}

fn slot_range(slot: &bindings::kvm_memory_slot) -> (u64, u64) {
    let start = slot.base_gfn << PAGE_SHIFT;
    (start, start + ((slot.npages as u64) << PAGE_SHIFT))
}

/// Validates a memslot change before generic KVM commits it.
///
/// # Safety
///
/// `kvm` must be an initialised VM and `new` a valid memslot for every
/// change but `KVM_MR_DELETE`.
#[no_mangle]
unsafe extern "C" fn kvm_arch_prepare_memory_region(
    kvm: *mut bindings::kvm,
    _old: *const bindings::kvm_memory_slot,
    new: *mut bindings::kvm_memory_slot,
    change: bindings::kvm_mr_change,
) -> c_int {
    if change == bindings::kvm_mr_change_KVM_MR_DELETE {
        return 0;
    }
    // SAFETY: The caller guarantees `kvm` is initialised and `new` valid.
    let (vm, new) = unsafe { (Vm::from_raw(kvm), &*new) };
    // A slot outside the guest-physical space could never be mapped.
    if !vm
        .gstage()
        .mode()
        .memslot_fits(new.base_gfn, new.npages as u64)
    {
        return -(bindings::EFAULT as c_int);
    }
    let writable = new.flags & bindings::KVM_MEM_READONLY == 0;
    let logging = new.flags & bindings::KVM_MEM_LOG_DIRTY_PAGES != 0;
    crate::glue::check_slot_vmas(
        Hva::new(new.userspace_addr),
        (new.npages as u64) << PAGE_SHIFT,
        writable,
        logging,
    )
}

/// A memslot change was committed: start dirty logging by
/// write-protecting the slot.
///
/// # Safety
///
/// `kvm` must be an initialised VM and `new` valid unless deleting.
#[no_mangle]
unsafe extern "C" fn kvm_arch_commit_memory_region(
    kvm: *mut bindings::kvm,
    _old: *mut bindings::kvm_memory_slot,
    new: *const bindings::kvm_memory_slot,
    change: bindings::kvm_mr_change,
) {
    if change == bindings::kvm_mr_change_KVM_MR_DELETE {
        return;
    }
    // SAFETY: The caller guarantees both are valid.
    let (vm, new) = unsafe { (Vm::from_raw(kvm), &*new) };
    if new.flags & bindings::KVM_MEM_LOG_DIRTY_PAGES == 0 {
        return;
    }
    let (start, end) = slot_range(new);
    let mut lock = MmuGuard::lock(vm.kvm());
    // A fault between two chunks that makes an entry writable again also
    // logs the page.
    vm.leaves_resched(&mut lock, start, end, |p| Some(p.with_write_protect()));
}

/// A memslot is freed: nothing is kept per memslot.
#[no_mangle]
extern "C" fn kvm_arch_free_memslot(
    _kvm: *mut bindings::kvm,
    _slot: *mut bindings::kvm_memory_slot,
) {
}

/// The memslot generation changed: nothing caches it.
#[no_mangle]
extern "C" fn kvm_arch_memslots_updated(_kvm: *mut bindings::kvm, _gen: u64) {}

/// Drops every G-stage mapping of the VM (its mm is going away).
///
/// # Safety
///
/// `kvm` must be an initialised VM.
#[no_mangle]
unsafe extern "C" fn kvm_arch_flush_shadow_all(kvm: *mut bindings::kvm) {
    let top = pte::gpa_space_size(HostCaps::get().gstage);
    // SAFETY: The caller guarantees `kvm` is initialised.
    unsafe { Vm::from_raw(kvm) }.unmap_and_flush(0, top);
}

/// Drops the G-stage mappings of one memslot.
///
/// # Safety
///
/// `kvm` must be an initialised VM and `slot` valid.
#[no_mangle]
unsafe extern "C" fn kvm_arch_flush_shadow_memslot(
    kvm: *mut bindings::kvm,
    slot: *mut bindings::kvm_memory_slot,
) {
    // SAFETY: The caller guarantees both are valid.
    let (vm, slot) = unsafe { (Vm::from_raw(kvm), &*slot) };
    let (start, end) = slot_range(slot);
    vm.unmap_and_flush(start, end);
}

/// The VM and range of an MMU-notifier hook, and the lock its caller
/// holds, which the hook may drop for a moment if `range->may_block`.
///
/// # Safety
///
/// `kvm` must be an initialised VM, `range` valid, mmu_lock held, for `'a`.
unsafe fn notifier_args<'a>(
    kvm: *mut bindings::kvm,
    range: *mut bindings::kvm_gfn_range,
) -> (&'a Vm, &'a bindings::kvm_gfn_range, MmuLocked<'a>) {
    // SAFETY: As the caller guarantees.
    let (vm, range) = unsafe { (Vm::from_raw(kvm), &*range) };
    // SAFETY: Generic KVM's contract for the notifier hooks: mmu_lock held,
    // and a blocking range lets the hook drop it for a moment.
    let lock = unsafe { MmuLocked::assume(vm.kvm(), range.may_block) };
    (vm, range, lock)
}

/// MMU notifier: unmap a host range (mmu_lock held by the caller, who may
/// let it be dropped to reschedule if `range->may_block`). The TLBs are
/// flushed here, for just the range, so generic KVM is told not to.
///
/// # Safety
///
/// `kvm` must be an initialised VM, `range` valid, mmu_lock held.
#[no_mangle]
unsafe extern "C" fn kvm_unmap_gfn_range(
    kvm: *mut bindings::kvm,
    range: *mut bindings::kvm_gfn_range,
) -> bool {
    // SAFETY: The caller guarantees all of it.
    let (vm, range, mut lock) = unsafe { notifier_args(kvm, range) };
    let (start, end) = gfn_range(range);
    if range.may_block {
        // The invalidation in progress keeps faults from mapping the range
        // while the lock is dropped.
        vm.leaves_resched(&mut lock, start, end, |_| Some(Pte(0)));
    } else {
        let changed = vm.leaves(&lock, start, end, |_| Some(Pte(0)));
        // Fenced before the lock goes: a concurrent invalidation of the
        // same pages finds them clear and returns, and its caller frees
        // them; no TLB may still map them by then.
        tlb::remote_gvma(vm, changed);
    }
    false
}

/// Whether any page of `range` was accessed since last asked; with
/// `clear`, also forgets that it was.
fn young(vm: &Vm, range: &bindings::kvm_gfn_range, lock: &MmuLocked<'_>, clear: bool) -> bool {
    let (start, end) = gfn_range(range);
    let mut young = false;
    // Like the primary MMU's, a cleared accessed bit is not fenced: a
    // TLB that still has the translation only delays the next aging.
    let _ = vm.leaves(lock, start, end, |p| {
        young |= p.accessed();
        clear.then(|| p.with_accessed_cleared())
    });
    young
}

/// MMU notifier: clear the accessed bits of a range; whether any was set.
///
/// # Safety
///
/// As for `kvm_unmap_gfn_range()`.
#[no_mangle]
unsafe extern "C" fn kvm_age_gfn(
    kvm: *mut bindings::kvm,
    range: *mut bindings::kvm_gfn_range,
) -> bool {
    // SAFETY: The caller guarantees all of it.
    let (vm, range, lock) = unsafe { notifier_args(kvm, range) };
    young(vm, range, &lock, true)
}

/// MMU notifier: whether any page of a range was accessed.
///
/// # Safety
///
/// As for `kvm_unmap_gfn_range()`.
#[no_mangle]
unsafe extern "C" fn kvm_test_age_gfn(
    kvm: *mut bindings::kvm,
    range: *mut bindings::kvm_gfn_range,
) -> bool {
    // SAFETY: The caller guarantees all of it.
    let (vm, range, lock) = unsafe { notifier_args(kvm, range) };
    young(vm, range, &lock, false)
}

/// Dirty logging: write-protect the pages of `mask` again (mmu_lock held
/// by generic KVM, which flushes TLBs afterwards).
///
/// # Safety
///
/// `kvm` must be an initialised VM and `slot` valid; mmu_lock held.
#[no_mangle]
unsafe extern "C" fn kvm_arch_mmu_enable_log_dirty_pt_masked(
    kvm: *mut bindings::kvm,
    slot: *mut bindings::kvm_memory_slot,
    gfn_offset: bindings::gfn_t,
    mask: c_ulong,
) {
    if mask == 0 {
        return;
    }
    // SAFETY: The caller guarantees all of it; it does not let the lock go.
    let (vm, slot) = unsafe { (Vm::from_raw(kvm), &*slot) };
    // SAFETY: As above.
    let lock = unsafe { MmuLocked::assume(vm.kvm(), false) };
    let base = slot.base_gfn + gfn_offset;
    let first = base + u64::from(mask.trailing_zeros());
    let last = base + u64::from(63 - mask.leading_zeros());
    // Generic KVM flushes the slot's translations afterwards.
    let _ = vm.leaves(&lock, first << PAGE_SHIFT, (last + 1) << PAGE_SHIFT, |p| {
        Some(p.with_write_protect())
    });
}

/// Dirty logging: nothing is buffered outside the dirty bitmap.
#[no_mangle]
extern "C" fn kvm_arch_sync_dirty_log(
    _kvm: *mut bindings::kvm,
    _memslot: *mut bindings::kvm_memory_slot,
) {
}

crate::exports::c_prototypes! {
    kvm_arch_prepare_memory_region(_, _, _, _);
    kvm_arch_commit_memory_region(_, _, _, _);
    kvm_arch_free_memslot(_, _);
    kvm_arch_memslots_updated(_, _);
    kvm_arch_flush_shadow_all(_);
    kvm_arch_flush_shadow_memslot(_, _);
    kvm_unmap_gfn_range(_, _);
    kvm_age_gfn(_, _);
    kvm_test_age_gfn(_, _);
    kvm_arch_mmu_enable_log_dirty_pt_masked(_, _, _, _);
    kvm_arch_sync_dirty_log(_, _);
}
