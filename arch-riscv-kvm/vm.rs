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

use crate::glue;
use crate::gstage::GStage;
use crate::host::HostCaps;

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
}

impl VmArch {
    fn new(caps: HostCaps) -> impl PinInit<Self, Error> {
        try_pin_init!(VmArch {
            gstage: GStage::new(caps.gstage)?,
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
        bindings::KVM_CAP_IMMEDIATE_EXIT | bindings::KVM_CAP_MP_STATE => 1,
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
    0
}

// The hooks below maintain G-stage mappings. No mapping is ever created
// before the fault-in path exists, so there is nothing to update yet.

/// A memslot change was committed.
#[no_mangle]
extern "C" fn kvm_arch_commit_memory_region(
    _kvm: *mut bindings::kvm,
    _old: *mut bindings::kvm_memory_slot,
    _new: *const bindings::kvm_memory_slot,
    _change: bindings::kvm_mr_change,
) {
}

/// A memslot is freed.
#[no_mangle]
extern "C" fn kvm_arch_free_memslot(
    _kvm: *mut bindings::kvm,
    _slot: *mut bindings::kvm_memory_slot,
) {
}

/// The memslot generation changed.
#[no_mangle]
extern "C" fn kvm_arch_memslots_updated(_kvm: *mut bindings::kvm, _gen: u64) {}

/// Drop every G-stage mapping of the VM.
#[no_mangle]
extern "C" fn kvm_arch_flush_shadow_all(_kvm: *mut bindings::kvm) {}

/// Drop the G-stage mappings of one memslot.
#[no_mangle]
extern "C" fn kvm_arch_flush_shadow_memslot(
    _kvm: *mut bindings::kvm,
    _slot: *mut bindings::kvm_memory_slot,
) {
}

/// MMU notifier: unmap a host range. Returns whether a TLB flush is needed.
#[no_mangle]
extern "C" fn kvm_unmap_gfn_range(
    _kvm: *mut bindings::kvm,
    _range: *mut bindings::kvm_gfn_range,
) -> bool {
    false
}

/// MMU notifier: clear the accessed bits of a range; whether any was set.
#[no_mangle]
extern "C" fn kvm_age_gfn(_kvm: *mut bindings::kvm, _range: *mut bindings::kvm_gfn_range) -> bool {
    false
}

/// MMU notifier: whether any page of a range was accessed.
#[no_mangle]
extern "C" fn kvm_test_age_gfn(
    _kvm: *mut bindings::kvm,
    _range: *mut bindings::kvm_gfn_range,
) -> bool {
    false
}

/// Dirty logging: write-protect the pages of `mask` again.
#[no_mangle]
extern "C" fn kvm_arch_mmu_enable_log_dirty_pt_masked(
    _kvm: *mut bindings::kvm,
    _slot: *mut bindings::kvm_memory_slot,
    _gfn_offset: bindings::gfn_t,
    _mask: c_ulong,
) {
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
