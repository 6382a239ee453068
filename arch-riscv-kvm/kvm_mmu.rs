// SPDX-License-Identifier: GPL-2.0

//! `kvm->mmu_lock` and the vCPU page caches the G-stage tables come from.

use core::marker::PhantomData;

use kernel::bindings;
use kernel::ffi::{c_int, c_ulong, c_void};
use kernel::prelude::*;

use crate::addr::Hva;
use crate::kvm::Kvm;

/// Proof that `kvm->mmu_lock` is held, by the caller of a hook generic KVM
/// calls with it held, or by an [`MmuGuard`].
///
/// INVARIANT: `kvm->mmu_lock` is held by the current task while this
/// exists (except inside [`MmuLocked::cond_resched`]), and may be let go
/// for a moment if `may_drop`. Not `Send`.
pub(crate) struct MmuLocked<'a> {
    kvm: &'a Kvm,
    may_drop: bool,
    _task: PhantomData<*mut ()>,
}

impl<'a> MmuLocked<'a> {
    /// The lock a caller of an MMU hook holds; with `may_drop`, it lets
    /// the hook drop it for a moment (`range->may_block`).
    ///
    /// # Safety
    ///
    /// The current task holds `kvm->mmu_lock` of `kvm` for `'a`, and lets
    /// it go for a moment if `may_drop`.
    pub(crate) unsafe fn assume(kvm: &'a Kvm, may_drop: bool) -> Self {
        // INVARIANT: As the caller guarantees.
        MmuLocked {
            kvm,
            may_drop,
            _task: PhantomData,
        }
    }

    /// Whether the notifier sequence moved since `seq` was read: a fault
    /// that read it must not map what it found (`mmu_invalidate_retry()`).
    pub(crate) fn invalidate_retry(&self, seq: c_ulong) -> bool {
        // SAFETY: The VM is live and mmu_lock held.
        unsafe { bindings::kvm_riscv_glue_mmu_invalidate_retry(self.kvm.as_ptr(), seq) }
    }

    /// Page shift of the host mapping of `hva` (a transparent huge page or
    /// not); stable while the lock is held and `invalidate_retry()` said no.
    pub(crate) fn host_mapping_shift(&self, hva: Hva) -> u32 {
        let hva = hva.get() as c_ulong;
        // SAFETY: The VM is live and mmu_lock held.
        unsafe { bindings::kvm_riscv_glue_host_mapping_shift(self.kvm.as_ptr(), hva) }
    }

    /// Whether someone waits for the lock or the CPU
    /// (`spin_needbreak()` or `need_resched()`).
    pub(crate) fn needbreak(&self) -> bool {
        // SAFETY: mmu_lock is held.
        unsafe { bindings::kvm_riscv_glue_mmu_lock_needbreak(self.kvm.as_ptr()) }
    }

    /// Lets the lock go for a moment and reschedules if the task can
    /// (`cond_resched_lock()`), where whoever holds it allows; whatever
    /// was read under the lock may have changed when this returns.
    pub(crate) fn cond_resched(&mut self) {
        if self.may_drop {
            // SAFETY: mmu_lock is held and may be dropped (type invariant);
            // it is retaken before this returns, and the call only sleeps
            // where the task may.
            unsafe { bindings::kvm_riscv_glue_mmu_lock_break(self.kvm.as_ptr()) };
        }
    }
}

/// `kvm->mmu_lock`, held until this is dropped.
pub(crate) struct MmuGuard<'a>(MmuLocked<'a>);

impl<'a> core::ops::Deref for MmuGuard<'a> {
    type Target = MmuLocked<'a>;

    fn deref(&self) -> &MmuLocked<'a> {
        &self.0
    }
}

impl<'a> core::ops::DerefMut for MmuGuard<'a> {
    fn deref_mut(&mut self) -> &mut MmuLocked<'a> {
        &mut self.0
    }
}

impl<'a> MmuGuard<'a> {
    /// Takes `kvm->mmu_lock`.
    pub(crate) fn lock(kvm: &'a Kvm) -> Self {
        // SAFETY: The spinlock embedded in the live VM.
        unsafe { bindings::spin_lock(&raw mut (*kvm.as_ptr()).mmu_lock) };
        // INVARIANT: Taken just above, ours to drop for a moment.
        MmuGuard(MmuLocked {
            kvm,
            may_drop: true,
            _task: PhantomData,
        })
    }
}

impl Drop for MmuGuard<'_> {
    fn drop(&mut self) {
        // SAFETY: Taken in `Kvm::lock_mmu()`, held since (type invariant).
        unsafe { bindings::spin_unlock(&raw mut (*self.0.kvm.as_ptr()).mmu_lock) };
    }
}

/// A vCPU's cache of zeroed pages for G-stage tables
/// (`struct kvm_mmu_memory_cache`): filled where the task may sleep, used
/// under `mmu_lock`.
pub(crate) struct MmuCache(bindings::kvm_mmu_memory_cache);

impl Default for MmuCache {
    fn default() -> Self {
        // SAFETY: All-zero is the empty cache; only `gfp_zero` needs a value.
        let mut cache: bindings::kvm_mmu_memory_cache = unsafe { core::mem::zeroed() };
        cache.gfp_zero = bindings::__GFP_ZERO;
        MmuCache(cache)
    }
}

impl MmuCache {
    /// Fills the cache to at least `min` pages (may sleep).
    pub(crate) fn topup(&mut self, min: u32) -> Result {
        // SAFETY: The cache is ours (`&mut`) and initialised.
        let rc = unsafe { bindings::kvm_mmu_topup_memory_cache(&mut self.0, min as c_int) };
        kernel::error::to_result(rc)
    }

    /// A zeroed page from the cache, `None` if it is empty.
    pub(crate) fn alloc(&mut self) -> Option<core::ptr::NonNull<c_void>> {
        // SAFETY: As in `topup()`; an empty cache yields NULL (with a
        // warning), not a crash.
        core::ptr::NonNull::new(unsafe { bindings::kvm_mmu_memory_cache_alloc(&mut self.0) })
    }
}

impl Drop for MmuCache {
    fn drop(&mut self) {
        // SAFETY: The cache is ours and nothing uses it any more.
        unsafe { bindings::kvm_mmu_free_memory_cache(&mut self.0) };
    }
}
