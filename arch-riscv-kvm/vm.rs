// SPDX-License-Identifier: GPL-2.0

//! Virtual machines: the Rust-owned container around `struct kvm`, its
//! lifetime hooks, its VMID and guest time, and `KVM_CHECK_EXTENSION`
//! (the MMU hooks are in `mmu.rs`).

use core::alloc::Layout;
use core::ptr::NonNull;
use kernel::alloc::{allocator::KVmalloc, Allocator};
use kernel::bindings;
use kernel::ffi::{c_int, c_long, c_uint, c_ulong};
use kernel::prelude::*;

use core::sync::atomic::{AtomicU64, Ordering};

use crate::csr;
use crate::glue;
use crate::gstage::GStage;
use crate::host::{HostCaps, Vmids};
use crate::kvm::{Kvm, Request};
use crate::logic::gstage::HGATP_MODE_SHIFT;
use crate::logic::vmid::{VmidSpace, HGATP_VMID_MASK, HGATP_VMID_SHIFT};
use crate::vcpu::Vcpu;

/// A VM: generic KVM's `struct kvm` followed by the backend's own state.
///
/// `kvm_arch_alloc_vm()` allocates the whole container, so every
/// `struct kvm` generic KVM hands the backend is the head of a `Vm`.
#[repr(C)]
#[pin_data]
pub(crate) struct Vm {
    kvm: Kvm,
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
    fn container(kvm: *mut bindings::kvm) -> *mut Vm {
        // `struct kvm` is the first field of the `repr(C)` container.
        kvm.cast::<Vm>()
    }

    /// The VM's arch part, for its pin-init and drop.
    fn arch_slot(kvm: *mut bindings::kvm) -> *mut VmArch {
        kvm.wrapping_byte_add(core::mem::offset_of!(Vm, arch))
            .cast()
    }

    /// The VM behind `kvm`.
    ///
    /// # Safety
    ///
    /// `kvm` must have been returned by `kvm_arch_alloc_vm()` and be between
    /// a successful `kvm_arch_init_vm()` and `kvm_arch_destroy_vm()` for
    /// `'a`.
    pub(crate) unsafe fn from_raw<'a>(kvm: *mut bindings::kvm) -> &'a Vm {
        // SAFETY: By the caller's guarantee the container is allocated and
        // its `arch` part initialised for `'a`.
        unsafe { &*Self::container(kvm) }
    }

    /// The VM whose generic half is `kvm`.
    pub(crate) fn of(kvm: &Kvm) -> &Vm {
        // SAFETY: A `Kvm` is only reached for an initialised VM (its
        // invariant), which heads a `Vm` container.
        unsafe { Self::from_raw(kvm.as_ptr()) }
    }

    /// The VM `v` belongs to.
    pub(crate) fn of_vcpu(v: &Vcpu) -> &Vm {
        Vm::of(v.kvm_vcpu().kvm())
    }

    /// Generic KVM's half of the VM.
    pub(crate) fn kvm(&self) -> &Kvm {
        &self.kvm
    }

    /// The VM's G-stage page table.
    pub(crate) fn gstage(&self) -> &GStage {
        &self.arch.gstage
    }

    /// Calls `f` on each vCPU of the VM with its index.
    pub(crate) fn for_each_vcpu(&self, mut f: impl FnMut(u32, &Vcpu)) {
        let mut i = 0;
        while let Some(v) = self.kvm.vcpu(i) {
            f(i, Vcpu::of(v));
            i += 1;
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
    pub(crate) fn update_vmid(&self) {
        let Some(vmids) = Vmids::get() else { return };
        let version = self.arch.vmid_version.load(Ordering::Acquire);
        if vmids.is_current(version) {
            return;
        }
        if vmids.assign(&self.arch.vmid, &self.arch.vmid_version) {
            self.kvm.request_all(Request::UpdateHgatp);
        }
    }

    /// Points this CPU's `hgatp` at the VM. Called with preemption off.
    pub(crate) fn load_hgatp(&self) {
        let mode = self.arch.gstage.mode();
        let hgatp = (mode.hgatp_mode() << HGATP_MODE_SHIFT)
            | (((self.vmid() as u64) << HGATP_VMID_SHIFT) & HGATP_VMID_MASK)
            | self.arch.gstage.root_phys().pfn();
        // SAFETY: hgatp only steers guest translation on this CPU, which is
        // about to run this VM's vCPU.
        unsafe { csr::write_unchecked::<csr::Hgatp>(hgatp as usize) };
        if crate::host::vmid_bits() == 0 {
            // Without VMIDs, entries of the VM that ran here before are
            // indistinguishable from ours.
            csr::local_hfence_gvma_all();
        }
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
    let slot = Vm::arch_slot(kvm);
    // SAFETY: `kvm` heads a `Vm` container (the caller's guarantee), so
    // `slot` is valid, aligned and uninitialised, and the container
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
    // SAFETY: The caller guarantees `kvm` is initialised.
    let vm = unsafe { Vm::from_raw(kvm) };
    // SAFETY: The last reference is gone: no ioctl runs on the VM any more.
    unsafe { vm.kvm().destroy_vcpus() };
    // SAFETY: Initialised by `kvm_arch_init_vm()`, dropped only here; the
    // memory itself is freed later by `kvm_arch_free_vm()`.
    unsafe { core::ptr::drop_in_place(Vm::arch_slot(kvm)) };
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

crate::exports::c_prototypes! {
    kvm_arch_alloc_vm();
    kvm_arch_free_vm(_);
    kvm_arch_init_vm(_, _);
    kvm_arch_destroy_vm(_);
    kvm_vm_ioctl_check_extension(_, _);
    kvm_arch_vm_ioctl(_, _, _);
    kvm_arch_dev_ioctl(_, _, _);
    kvm_vm_ioctl_irq_line(_, _, _);
}
