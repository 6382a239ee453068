// SPDX-License-Identifier: GPL-2.0

//! Virtual machines: the Rust-owned container around `struct kvm`, its
//! lifetime hooks, `KVM_CHECK_EXTENSION` and the memslot and MMU-notifier
//! hooks generic KVM calls.

use core::alloc::Layout;
use core::ptr::{addr_of_mut, NonNull};
use kernel::alloc::{allocator::KVmalloc, Allocator};
use kernel::bindings;
use kernel::ffi::{c_int, c_long, c_uint, c_ulong};
use kernel::prelude::*;
use kernel::types::Opaque;

use core::sync::atomic::{AtomicU64, Ordering};

use crate::csr;
use crate::glue;
use crate::host::{HostCaps, Vmids};
use crate::logic::gstage::{GStageMode, HGATP_MODE_SHIFT, PAGE_SHIFT};
use crate::logic::hfence::FlushRange;
use crate::logic::pte::{self, Perms, Pte, SlotSpan};
use crate::logic::vmid::{VmidSpace, HGATP_VMID_MASK, HGATP_VMID_SHIFT};
use crate::mmu::{GStage, MapChange};
use crate::tlb;
use crate::vcpu::Vcpu;

/// A VM: generic KVM's `struct kvm` followed by the backend's own state.
///
/// `kvm_arch_alloc_vm()` allocates the whole container, so every
/// `struct kvm` generic KVM hands the backend is the head of a `Vm`.
#[repr(C)]
#[pin_data]
pub(crate) struct Vm {
    kvm: Opaque<bindings::kvm>,
    #[pin]
    arch: VmArch,
}

/// Backend state of a VM. Initialised in `kvm_arch_init_vm()`, dropped in
/// `kvm_arch_destroy_vm()`.
#[pin_data]
pub(crate) struct VmArch {
    gstage: GStage,
    /// The VM's VMID and the allocator version it belongs to.
    vmid: AtomicU64,
    vmid_version: AtomicU64,
    /// Guest `time` minus host `time` (`htimedelta`).
    time_delta: AtomicU64,
}

impl VmArch {
    fn new(caps: HostCaps) -> impl PinInit<Self, Error> {
        try_pin_init!(VmArch {
            gstage: GStage::new(caps.gstage)?,
            vmid: AtomicU64::new(0),
            vmid_version: AtomicU64::new(VmidSpace::UNASSIGNED_VERSION),
            // A guest's time starts at zero when it is created.
            time_delta: AtomicU64::new(0u64.wrapping_sub(crate::host::read_time())),
        })
    }
}

impl Vm {
    const LAYOUT: Layout = Layout::new::<Vm>();

    /// Pointer to the container of `kvm`.
    ///
    /// # Safety
    ///
    /// `kvm` must have been returned by `kvm_arch_alloc_vm()`.
    unsafe fn container(kvm: *mut bindings::kvm) -> *mut Vm {
        // `struct kvm` is the first field of the `repr(C)` container.
        kvm.cast::<Vm>()
    }

    /// The VM behind `kvm`.
    ///
    /// # Safety
    ///
    /// `kvm` must have been returned by `kvm_arch_alloc_vm()` and be between
    /// a successful `kvm_arch_init_vm()` and `kvm_arch_destroy_vm()`.
    unsafe fn from_raw<'a>(kvm: *mut bindings::kvm) -> &'a Vm {
        // SAFETY: By the caller's guarantee the container is allocated and
        // its `arch` part initialised; generic KVM keeps the VM alive for
        // the duration of any hook it calls.
        unsafe { &*Self::container(kvm) }
    }
}

impl Vm {
    /// The VM `v` belongs to.
    pub(crate) fn of_vcpu(v: &Vcpu) -> &Vm {
        // SAFETY: A live vCPU's VM is initialised and outlives it.
        unsafe { Vm::from_raw(v.kvm()) }
    }

    pub(crate) fn raw(&self) -> *mut bindings::kvm {
        self.kvm.get()
    }

    /// Calls `f` on each vCPU of the VM with its index.
    pub(crate) fn for_each_vcpu(&self, mut f: impl FnMut(usize, &Vcpu)) {
        for i in 0.. {
            // SAFETY: The VM is live while `self` is borrowed; the lookup
            // is safe against concurrent vCPU creation.
            let raw = unsafe { bindings::kvm_riscv_glue_get_vcpu(self.raw(), i) };
            if raw.is_null() {
                break;
            }
            // SAFETY: A vCPU found in the VM is created and lives as long
            // as the VM.
            f(i as usize, unsafe { Vcpu::from_raw(raw) });
        }
    }

    /// Guest time minus host time.
    pub(crate) fn time_delta(&self) -> u64 {
        self.arch.time_delta.load(Ordering::Relaxed)
    }

    /// Sets guest time minus host time; vCPUs load it at their next load.
    pub(crate) fn set_time_delta(&self, delta: u64) {
        self.arch.time_delta.store(delta, Ordering::Relaxed);
    }

    /// The VM's current VMID.
    pub(crate) fn vmid(&self) -> usize {
        self.arch.vmid.load(Ordering::Acquire) as usize
    }

    /// Whether the VM's VMID is still valid.
    pub(crate) fn vmid_is_current(&self) -> bool {
        let version = self.arch.vmid_version.load(Ordering::Acquire);
        Vmids::get().is_some_and(|v| v.is_current(version))
    }

    /// Gives the VM a fresh VMID if its current one went stale, and has
    /// every vCPU reload `hgatp`.
    pub(crate) fn update_vmid(&self, _v: &Vcpu) {
        let Some(vmids) = Vmids::get() else { return };
        let version = self.arch.vmid_version.load(Ordering::Acquire);
        if vmids.is_current(version) {
            return;
        }
        if vmids.assign(&self.arch.vmid, &self.arch.vmid_version) {
            glue::request_all(self.raw(), glue::Request::UpdateHgatp);
        }
    }

    /// Points this CPU's `hgatp` at the VM. Called with preemption off.
    pub(crate) fn load_hgatp(&self) {
        let mode = self.arch.gstage.mode();
        let hgatp = (mode.hgatp_mode() << HGATP_MODE_SHIFT)
            | (((self.vmid() as u64) << HGATP_VMID_SHIFT) & HGATP_VMID_MASK)
            | (self.arch.gstage.root_phys() >> PAGE_SHIFT);
        // SAFETY: hgatp only steers guest translation on this CPU, which is
        // about to run this VM's vCPU.
        unsafe { csr::write_unchecked::<csr::Hgatp>(hgatp as usize) };
        if crate::host::vmid_bits() == 0 {
            // Without VMIDs, entries of the VM that ran here before are
            // indistinguishable from ours.
            csr::local_hfence_gvma_all();
        }
    }

    /// Handles a guest-page fault at `gpa`: maps the page backing it.
    /// `Ok(false)` means no writable memslot backs it: emulate as MMIO.
    pub(crate) fn fault_in(&self, v: &Vcpu, gpa: u64, is_write: bool) -> Result<bool> {
        let kvm = self.raw();
        let gfn = gpa >> PAGE_SHIFT;
        // SAFETY: The caller holds the srcu read lock that protects memslots.
        let slot = unsafe { bindings::gfn_to_memslot(kvm, gfn) };
        let mut writable = false;
        // SAFETY: `slot` may be NULL, which yields an error hva.
        let hva = unsafe { bindings::gfn_to_hva_memslot_prot(slot, gfn, &mut writable) };
        // SAFETY: Pure check.
        if unsafe { bindings::kvm_riscv_glue_is_error_hva(hva) } || (is_write && !writable) {
            return Ok(false);
        }
        // SAFETY: Not NULL: the hva is valid.
        let slot = unsafe { &*slot };
        let mode = self.arch.gstage.mode();
        let (cache, levels) = (v.mmu_cache(), mode.levels() as i32);
        // SAFETY: The vCPU's own cache, used only by this task.
        let rc = unsafe { bindings::kvm_mmu_topup_memory_cache(cache, levels) };
        if rc != 0 {
            return Err(Error::from_errno(rc));
        }
        let mut info = bindings::kvm_riscv_glue_vma_info::default();
        // SAFETY: `info` is valid for writes; `kvm` is live.
        let rc = unsafe { bindings::kvm_riscv_glue_vma_info(hva, &mut info, kvm) };
        if rc != 0 {
            return Err(Error::from_errno(rc));
        }
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
        // SAFETY: `kvm` is live; srcu is held.
        let pfn = unsafe { bindings::gfn_to_pfn_prot(kvm, block_gfn, is_write, &mut writable) };
        // SAFETY: Pure classification.
        match unsafe { bindings::kvm_riscv_glue_pfn_status(pfn) } {
            bindings::kvm_riscv_glue_pfn_status_KVM_RISCV_GLUE_PFN_OK => {}
            bindings::kvm_riscv_glue_pfn_status_KVM_RISCV_GLUE_PFN_HWPOISON => {
                // SAFETY: Signals the current task about its own address.
                unsafe { bindings::kvm_riscv_glue_send_hwpoison(hva, info.page_shift) };
                return Ok(true);
            }
            bindings::kvm_riscv_glue_pfn_status_KVM_RISCV_GLUE_PFN_SIGPENDING => return Err(EINTR),
            _ => return Err(EFAULT),
        }
        // While dirty logging, only a write makes a page writable, so that
        // the first write of each page is seen.
        if logging && !is_write {
            writable = false;
        }
        let perms = if writable {
            Perms::READ_WRITE_EXEC
        } else {
            Perms::READ_EXEC
        };
        let mut result = Ok(true);
        let mut changed = FlushRange::EMPTY;
        let mut orphan = None;
        // SAFETY: mmu_lock is a spinlock embedded in the live VM.
        unsafe { bindings::spin_lock(&raw mut (*kvm).mmu_lock) };
        // SAFETY: `kvm` is live and mmu_lock held.
        if !unsafe { bindings::kvm_riscv_glue_mmu_invalidate_retry(kvm, info.mmu_seq) } {
            let (mut level, mut map_pfn) = (level, pfn);
            if maybe_thp {
                // SAFETY: `kvm` is live; mmu_lock is held and the notifier
                // sequence unchanged, so the host mapping of `hva` stays
                // what it is until the lock is dropped.
                let shift = unsafe { bindings::kvm_riscv_glue_host_mapping_shift(kvm, hva) };
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
                // SAFETY: `pfn` is a valid, referenced pfn; srcu is held.
                unsafe {
                    bindings::kvm_set_pfn_dirty(pfn);
                    bindings::mark_page_dirty(kvm, gfn);
                }
            }
            // SAFETY: mmu_lock is held and the cache was topped up.
            match unsafe {
                self.arch.gstage.map(
                    v.mmu_cache(),
                    block_gpa,
                    map_pfn << PAGE_SHIFT,
                    level,
                    perms,
                )
            } {
                Ok(MapChange::New) => {
                    // A new translation: without Svvptc the hardware may
                    // have cached the invalid entry, so fence it here,
                    // where the guest retries the access. Other harts
                    // fence it when they fault on it.
                    csr::local_hfence_gvma_vmid_gpa(gpa, self.vmid());
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
        // SAFETY: Locked above.
        unsafe { bindings::spin_unlock(&raw mut (*kvm).mmu_lock) };
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
        // SAFETY: Drops the reference gfn_to_pfn_prot() took.
        unsafe {
            bindings::kvm_set_pfn_accessed(pfn);
            bindings::kvm_release_pfn_clean(pfn);
        }
        result
    }

    /// Applies `op` to the leaves of `[start, end)` and returns where
    /// translations changed.
    ///
    /// # Safety
    ///
    /// The caller holds `kvm->mmu_lock`.
    unsafe fn leaves(
        &self,
        start: u64,
        end: u64,
        op: impl FnMut(Pte) -> Option<Pte>,
    ) -> FlushRange {
        // SAFETY: The caller holds mmu_lock.
        unsafe { self.arch.gstage.for_each_leaf(start, end, usize::MAX, op) }.changed
    }

    /// Applies `op` to the leaves of `[start, end)`, [`UNMAP_RESCHED_BUDGET`]
    /// entries at a time, letting `mmu_lock` go between chunks when someone
    /// waits for it or for the CPU (a whole-VM walk is millions of
    /// entries). What changed is fenced once, at the end, or before the
    /// lock goes: whoever takes it next and finds the entries changed must
    /// be able to rely on no TLB holding the old ones.
    ///
    /// # Safety
    ///
    /// The caller holds `kvm->mmu_lock` and may sleep, and `op` keeps the
    /// table consistent when other lock holders run between chunks.
    unsafe fn leaves_resched(&self, start: u64, end: u64, mut op: impl FnMut(Pte) -> Option<Pte>) {
        let kvm = self.raw();
        let mut unfenced = FlushRange::EMPTY;
        let mut at = start;
        loop {
            // SAFETY: The caller holds mmu_lock (retaken below if dropped).
            let walked = unsafe {
                self.arch
                    .gstage
                    .for_each_leaf(at, end, UNMAP_RESCHED_BUDGET, &mut op)
            };
            unfenced.merge(walked.changed);
            let Some(next) = walked.resume else { break };
            // SAFETY: mmu_lock is held by the caller.
            if unsafe { bindings::kvm_riscv_glue_mmu_lock_needbreak(kvm) } {
                tlb::remote_gvma(self, core::mem::replace(&mut unfenced, FlushRange::EMPTY));
                // SAFETY: mmu_lock is held, the caller may sleep, and the
                // walk resumes from the root: tables may change meanwhile.
                unsafe { bindings::kvm_riscv_glue_mmu_lock_break(kvm) };
            }
            at = next;
        }
        tlb::remote_gvma(self, unfenced);
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

/// Allocates a zeroed VM container (`__KVM_HAVE_ARCH_VM_ALLOC`).
#[no_mangle]
extern "C" fn kvm_arch_alloc_vm() -> *mut bindings::kvm {
    match KVmalloc::alloc(Vm::LAYOUT, GFP_KERNEL_ACCOUNT | __GFP_ZERO) {
        Ok(mem) => mem.cast::<bindings::kvm>().as_ptr(),
        Err(_) => core::ptr::null_mut(),
    }
}

/// Frees a VM container (`__KVM_HAVE_ARCH_VM_FREE`).
///
/// # Safety
///
/// `kvm` must come from `kvm_arch_alloc_vm()`, its `arch` part must not be
/// initialised (never, or already dropped) and nothing may use it again.
#[no_mangle]
unsafe extern "C" fn kvm_arch_free_vm(kvm: *mut bindings::kvm) {
    if let Some(mem) = NonNull::new(kvm.cast::<u8>()) {
        // SAFETY: Allocated by `KVmalloc` with `Vm::LAYOUT` in
        // `kvm_arch_alloc_vm()`; the caller guarantees it is unused.
        unsafe { KVmalloc::free(mem, Vm::LAYOUT) };
    }
}

/// Initialises the backend part of a new VM. The VM type is ignored, as
/// in the C backend.
///
/// # Safety
///
/// `kvm` must come from `kvm_arch_alloc_vm()` and not be initialised yet.
#[no_mangle]
unsafe extern "C" fn kvm_arch_init_vm(kvm: *mut bindings::kvm, _type: c_ulong) -> c_int {
    // SAFETY: The caller guarantees `kvm` heads a `Vm` container.
    let slot = unsafe { addr_of_mut!((*Vm::container(kvm)).arch) };
    // SAFETY: `slot` is valid, aligned and uninitialised, and the container
    // never moves: it is dropped in place by `kvm_arch_destroy_vm()`.
    match unsafe { VmArch::new(HostCaps::get()).__pinned_init(slot) } {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// Tears a VM down: its vCPUs, then the backend state.
///
/// # Safety
///
/// `kvm` must have been initialised by `kvm_arch_init_vm()`; generic KVM
/// calls this once, when the last reference to the VM is gone.
#[no_mangle]
unsafe extern "C" fn kvm_arch_destroy_vm(kvm: *mut bindings::kvm) {
    // SAFETY: `kvm` is live and no ioctl can run on it any more.
    unsafe { bindings::kvm_destroy_vcpus(kvm) };
    // SAFETY: Initialised by `kvm_arch_init_vm()`, dropped only here; the
    // memory itself is freed later by `kvm_arch_free_vm()`.
    unsafe { core::ptr::drop_in_place(addr_of_mut!((*Vm::container(kvm)).arch)) };
}

/// `KVM_CHECK_EXTENSION` on /dev/kvm (`kvm == NULL`) or on a VM. Only what
/// this backend implements is advertised.
#[no_mangle]
extern "C" fn kvm_vm_ioctl_check_extension(_kvm: *mut bindings::kvm, ext: c_long) -> c_int {
    let Ok(ext) = u32::try_from(ext) else {
        return 0;
    };
    match ext {
        bindings::KVM_CAP_IOEVENTFD
        | bindings::KVM_CAP_USER_MEMORY
        | bindings::KVM_CAP_SYNC_MMU
        | bindings::KVM_CAP_DESTROY_MEMORY_REGION_WORKS
        | bindings::KVM_CAP_ONE_REG
        | bindings::KVM_CAP_READONLY_MEM
        | bindings::KVM_CAP_MP_STATE
        | bindings::KVM_CAP_IMMEDIATE_EXIT
        | bindings::KVM_CAP_SET_GUEST_DEBUG => 1,
        bindings::KVM_CAP_NR_VCPUS => glue::num_online_cpus().min(bindings::KVM_MAX_VCPUS) as c_int,
        bindings::KVM_CAP_MAX_VCPUS => bindings::KVM_MAX_VCPUS as c_int,
        bindings::KVM_CAP_NR_MEMSLOTS => glue::user_mem_slots(),
        bindings::KVM_CAP_VM_GPA_BITS => HostCaps::get().gstage.gpa_bits() as c_int,
        _ => 0,
    }
}

/// VM ioctls not handled by generic KVM. None yet, as in the C backend.
#[no_mangle]
extern "C" fn kvm_arch_vm_ioctl(
    _filp: *mut bindings::file,
    _ioctl: c_uint,
    _arg: c_ulong,
) -> c_int {
    -(bindings::EINVAL as c_int)
}

/// /dev/kvm ioctls not handled by generic KVM. None, as in the C backend.
#[no_mangle]
extern "C" fn kvm_arch_dev_ioctl(
    _filp: *mut bindings::file,
    _ioctl: c_uint,
    _arg: c_ulong,
) -> c_long {
    -(bindings::EINVAL as c_long)
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
        .arch
        .gstage
        .mode()
        .memslot_fits(new.base_gfn, new.npages as u64)
    {
        return -(bindings::EFAULT as c_int);
    }
    let writable = new.flags & bindings::KVM_MEM_READONLY == 0;
    let logging = new.flags & bindings::KVM_MEM_LOG_DIRTY_PAGES != 0;
    // SAFETY: Walks the current task's VMAs under its mmap lock.
    unsafe {
        bindings::kvm_riscv_glue_check_slot_vmas(
            new.userspace_addr as _,
            new.npages << PAGE_SHIFT,
            writable,
            logging,
        )
    }
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
    let start = new.base_gfn << PAGE_SHIFT;
    let end = start + ((new.npages as u64) << PAGE_SHIFT);
    // SAFETY: mmu_lock of the live VM.
    unsafe { bindings::spin_lock(&raw mut (*kvm).mmu_lock) };
    // SAFETY: mmu_lock held; a memslot commit may sleep. A fault between
    // two chunks that makes an entry writable again also logs the page.
    unsafe { vm.leaves_resched(start, end, |p| Some(p.with_write_protect())) };
    // SAFETY: Locked above.
    unsafe { bindings::spin_unlock(&raw mut (*kvm).mmu_lock) };
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

/// Unmaps `[start, end)` with mmu_lock taken, then flushes TLBs.
///
/// # Safety
///
/// `kvm` must be an initialised VM.
unsafe fn unmap_and_flush(kvm: *mut bindings::kvm, start: u64, end: u64) {
    // SAFETY: The caller guarantees `kvm` is initialised.
    let vm = unsafe { Vm::from_raw(kvm) };
    // SAFETY: mmu_lock of the live VM.
    unsafe { bindings::spin_lock(&raw mut (*kvm).mmu_lock) };
    // SAFETY: mmu_lock held; both callers may sleep, and no fault maps
    // the range again meanwhile (the memslot is gone or invalidated, or
    // the mm is).
    unsafe { vm.leaves_resched(start, end, |_| Some(Pte(0))) };
    // SAFETY: Locked above.
    unsafe { bindings::spin_unlock(&raw mut (*kvm).mmu_lock) };
}

/// Drops every G-stage mapping of the VM (its mm is going away).
///
/// # Safety
///
/// `kvm` must be an initialised VM.
#[no_mangle]
unsafe extern "C" fn kvm_arch_flush_shadow_all(kvm: *mut bindings::kvm) {
    let top = pte::gpa_space_size(HostCaps::get().gstage);
    // SAFETY: The caller guarantees `kvm` is initialised.
    unsafe { unmap_and_flush(kvm, 0, top) };
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
    // SAFETY: The caller guarantees `slot` is valid.
    let slot = unsafe { &*slot };
    let start = slot.base_gfn << PAGE_SHIFT;
    let end = start + ((slot.npages as u64) << PAGE_SHIFT);
    // SAFETY: The caller guarantees `kvm` is initialised.
    unsafe { unmap_and_flush(kvm, start, end) };
}

/// Entries an unmap visits between chances to reschedule: one table.
const UNMAP_RESCHED_BUDGET: usize = 512;

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
    let (vm, range) = unsafe { (Vm::from_raw(kvm), &*range) };
    let (start, end) = gfn_range(range);
    if range.may_block {
        // SAFETY: The caller holds mmu_lock and lets it be dropped; the
        // invalidation in progress keeps faults from mapping the range.
        unsafe { vm.leaves_resched(start, end, |_| Some(Pte(0))) };
    } else {
        // SAFETY: The caller holds mmu_lock.
        let changed = unsafe { vm.leaves(start, end, |_| Some(Pte(0))) };
        // Fenced before the lock goes: a concurrent invalidation of the
        // same pages finds them clear and returns, and its caller frees
        // them; no TLB may still map them by then.
        tlb::remote_gvma(vm, changed);
    }
    false
}

/// Whether any page of `range` was accessed since last asked; with
/// `clear`, also forgets that it was.
///
/// # Safety
///
/// As for `kvm_unmap_gfn_range()`.
unsafe fn young(kvm: *mut bindings::kvm, range: *mut bindings::kvm_gfn_range, clear: bool) -> bool {
    // SAFETY: The caller guarantees all of it.
    let (vm, range) = unsafe { (Vm::from_raw(kvm), &*range) };
    let (start, end) = gfn_range(range);
    let mut young = false;
    // Like the primary MMU's, a cleared accessed bit is not fenced: a
    // TLB that still has the translation only delays the next aging.
    // SAFETY: The caller holds mmu_lock.
    let _ = unsafe {
        vm.leaves(start, end, |p| {
            young |= p.accessed();
            clear.then(|| p.with_accessed_cleared())
        })
    };
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
    // SAFETY: Forwarded from the caller.
    unsafe { young(kvm, range, true) }
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
    // SAFETY: Forwarded from the caller.
    unsafe { young(kvm, range, false) }
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
    // SAFETY: The caller guarantees all of it.
    let (vm, slot) = unsafe { (Vm::from_raw(kvm), &*slot) };
    let base = slot.base_gfn + gfn_offset;
    let first = base + u64::from(mask.trailing_zeros());
    let last = base + u64::from(63 - mask.leading_zeros());
    // Generic KVM flushes the slot's translations afterwards.
    // SAFETY: The caller holds mmu_lock.
    let _ = unsafe {
        vm.leaves(first << PAGE_SHIFT, (last + 1) << PAGE_SHIFT, |p| {
            Some(p.with_write_protect())
        })
    };
}

/// Dirty logging: nothing is buffered outside the dirty bitmap.
#[no_mangle]
extern "C" fn kvm_arch_sync_dirty_log(
    _kvm: *mut bindings::kvm,
    _memslot: *mut bindings::kvm_memory_slot,
) {
}

/// `KVM_IRQ_LINE`: drives a line of the in-kernel interrupt controller.
/// There is none, so, as the C backend without an AIA irqchip: ENXIO.
#[no_mangle]
extern "C" fn kvm_vm_ioctl_irq_line(
    _kvm: *mut bindings::kvm,
    _irq_event: *mut bindings::kvm_irq_level,
    _line_status: bool,
) -> c_int {
    -(bindings::ENXIO as c_int)
}
