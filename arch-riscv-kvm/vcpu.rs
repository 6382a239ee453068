// SPDX-License-Identifier: GPL-2.0

//! Virtual CPUs: the Rust-owned container around `struct kvm_vcpu`, its
//! lifetime hooks, power state and the vCPU ioctls.

use core::ptr::addr_of_mut;
use kernel::bindings;
use kernel::ffi::{c_int, c_long, c_uint, c_ulong};
use kernel::prelude::*;
use kernel::sync::{new_spinlock, SpinLock};
use kernel::types::Opaque;

use crate::glue::{self, Request};

/// A vCPU: generic KVM's `struct kvm_vcpu` followed by the backend's state.
///
/// `kvm_init()` is told the size and alignment of `Vcpu`, so the vCPU
/// cache hands out whole containers and every `struct kvm_vcpu` generic KVM
/// passes to the backend is the head of one.
#[repr(C)]
#[pin_data]
pub(crate) struct Vcpu {
    kvm_vcpu: Opaque<bindings::kvm_vcpu>,
    #[pin]
    arch: VcpuArch,
}

/// Backend state of a vCPU. Pin-initialised in place by
/// `kvm_arch_vcpu_create()`, dropped in place by `kvm_arch_vcpu_destroy()`.
#[pin_data]
pub(crate) struct VcpuArch {
    /// Power state, a `KVM_MP_STATE_*` value. The lock orders a power-off
    /// and its sleep request against concurrent power state changes.
    #[pin]
    mp_state: SpinLock<u32>,
}

impl VcpuArch {
    fn new() -> impl PinInit<Self> {
        pin_init!(VcpuArch {
            mp_state <- new_spinlock!(bindings::KVM_MP_STATE_RUNNABLE, "VcpuArch::mp_state"),
        })
    }
}

impl Vcpu {
    /// Pointer to the container of `vcpu`.
    fn container(vcpu: *mut bindings::kvm_vcpu) -> *mut Vcpu {
        // `struct kvm_vcpu` is the first field of the `repr(C)` container.
        vcpu.cast::<Vcpu>()
    }

    /// The vCPU behind `vcpu`.
    ///
    /// # Safety
    ///
    /// `vcpu` must be between a successful `kvm_arch_vcpu_create()` and
    /// `kvm_arch_vcpu_destroy()`.
    unsafe fn from_raw<'a>(vcpu: *mut bindings::kvm_vcpu) -> &'a Vcpu {
        // SAFETY: The vCPU cache allocates whole containers and, by the
        // caller's guarantee, `arch` is initialised; generic KVM keeps the
        // vCPU alive while it calls into the backend.
        unsafe { &*Self::container(vcpu) }
    }

    fn raw(&self) -> *mut bindings::kvm_vcpu {
        self.kvm_vcpu.get()
    }

    /// Powers the vCPU off: it stops entering the guest until powered on.
    fn power_off(&self) {
        let mut state = self.arch.mp_state.lock();
        *state = bindings::KVM_MP_STATE_STOPPED;
        // SAFETY: `self` is a live vCPU.
        unsafe { glue::make_request(Request::Sleep, self.raw()) };
        // SAFETY: `self` is a live vCPU; kicking is allowed in atomic context.
        unsafe { bindings::kvm_vcpu_kick(self.raw()) };
    }
}

/// Nothing to check before a vCPU is created; generic KVM bounds the id.
#[no_mangle]
extern "C" fn kvm_arch_vcpu_precreate(_kvm: *mut bindings::kvm, _id: c_uint) -> c_int {
    0
}

/// Initialises the backend part of a new vCPU.
///
/// # Safety
///
/// `vcpu` must come from the vCPU cache and its `arch` part must not be
/// initialised.
#[no_mangle]
unsafe extern "C" fn kvm_arch_vcpu_create(vcpu: *mut bindings::kvm_vcpu) -> c_int {
    // SAFETY: The vCPU cache allocates whole containers.
    let slot = unsafe { addr_of_mut!((*Vcpu::container(vcpu)).arch) };
    // SAFETY: `slot` is valid, aligned and uninitialised, and the container
    // never moves: it is dropped in place by `kvm_arch_vcpu_destroy()`.
    match unsafe { VcpuArch::new().__pinned_init(slot) } {
        Ok(()) => 0,
        Err(e) => match e {},
    }
}

/// Runs once the vCPU is visible to userspace. vCPU 0 is the boot hart;
/// every other vCPU starts powered off, to be started through SBI HSM.
///
/// # Safety
///
/// `vcpu` must be a created vCPU.
#[no_mangle]
unsafe extern "C" fn kvm_arch_vcpu_postcreate(vcpu: *mut bindings::kvm_vcpu) {
    // SAFETY: The caller guarantees `vcpu` is created.
    let (vcpu, idx) = unsafe { (Vcpu::from_raw(vcpu), (*vcpu).vcpu_idx) };
    if idx != 0 {
        vcpu.power_off();
    }
}

/// Drops the backend part of a vCPU.
///
/// # Safety
///
/// `vcpu` must be a created vCPU that nothing uses any more.
#[no_mangle]
unsafe extern "C" fn kvm_arch_vcpu_destroy(vcpu: *mut bindings::kvm_vcpu) {
    // SAFETY: Initialised by `kvm_arch_vcpu_create()`, dropped only here;
    // the vCPU cache frees the memory afterwards.
    unsafe { core::ptr::drop_in_place(addr_of_mut!((*Vcpu::container(vcpu)).arch)) };
}

/// `KVM_GET_MP_STATE`.
///
/// # Safety
///
/// `vcpu` must be a created vCPU and `mp_state` valid for writes.
#[no_mangle]
unsafe extern "C" fn kvm_arch_vcpu_ioctl_get_mpstate(
    vcpu: *mut bindings::kvm_vcpu,
    mp_state: *mut bindings::kvm_mp_state,
) -> c_int {
    // SAFETY: The caller guarantees `vcpu` is created.
    let state = *unsafe { Vcpu::from_raw(vcpu) }.arch.mp_state.lock();
    // SAFETY: The caller guarantees `mp_state` is valid for writes.
    unsafe { (*mp_state).mp_state = state };
    0
}

/// `KVM_SET_MP_STATE`: RUNNABLE or STOPPED, like the C backend.
///
/// # Safety
///
/// `vcpu` must be a created vCPU and `mp_state` valid for reads.
#[no_mangle]
unsafe extern "C" fn kvm_arch_vcpu_ioctl_set_mpstate(
    vcpu: *mut bindings::kvm_vcpu,
    mp_state: *mut bindings::kvm_mp_state,
) -> c_int {
    // SAFETY: The caller guarantees both pointers are valid.
    let (vcpu, requested) = unsafe { (Vcpu::from_raw(vcpu), (*mp_state).mp_state) };
    match requested {
        bindings::KVM_MP_STATE_RUNNABLE => {
            *vcpu.arch.mp_state.lock() = requested;
            0
        }
        bindings::KVM_MP_STATE_STOPPED => {
            vcpu.power_off();
            0
        }
        _ => -(bindings::EINVAL as c_int),
    }
}

/// `KVM_RUN`. Guest entry is not implemented yet: only the immediate-exit
/// protocol is, so userspace can still kick a vCPU out of `KVM_RUN`.
///
/// # Safety
///
/// `vcpu` must be a created vCPU, loaded by generic KVM's vCPU mutex.
#[no_mangle]
unsafe extern "C" fn kvm_arch_vcpu_ioctl_run(vcpu: *mut bindings::kvm_vcpu) -> c_int {
    // SAFETY: The caller guarantees `vcpu` is live; generic KVM computed
    // `wants_to_run` from `kvm_run::immediate_exit` before calling us.
    if !unsafe { (*vcpu).wants_to_run } {
        return -(bindings::EINTR as c_int);
    }
    -(bindings::EOPNOTSUPP as c_int)
}

/// vCPU ioctls not handled by generic KVM. None is implemented yet.
#[no_mangle]
extern "C" fn kvm_arch_vcpu_ioctl(
    _filp: *mut bindings::file,
    _ioctl: c_uint,
    _arg: c_ulong,
) -> c_long {
    -(bindings::EINVAL as c_long)
}

/// vCPU ioctls that run without the vCPU mutex. None yet: fall back to
/// the ordinary path.
#[no_mangle]
extern "C" fn kvm_arch_vcpu_async_ioctl(
    _filp: *mut bindings::file,
    _ioctl: c_uint,
    _arg: c_ulong,
) -> c_long {
    -(bindings::ENOIOCTLCMD as c_long)
}

/// Whether the vCPU has work: with no interrupt delivery yet, never.
#[no_mangle]
extern "C" fn kvm_arch_vcpu_runnable(_vcpu: *mut bindings::kvm_vcpu) -> c_int {
    0
}

/// Whether a guest timer interrupt is pending: no guest timer exists yet.
#[no_mangle]
extern "C" fn kvm_cpu_has_pending_timer(_vcpu: *mut bindings::kvm_vcpu) -> c_int {
    0
}

/// Whether the vCPU was preempted in guest kernel mode: it never ran.
#[no_mangle]
extern "C" fn kvm_arch_vcpu_in_kernel(_vcpu: *mut bindings::kvm_vcpu) -> bool {
    false
}

/// Whether a kick must IPI the vCPU's CPU: only while it is in the guest.
///
/// # Safety
///
/// `vcpu` must be a live vCPU.
#[no_mangle]
unsafe extern "C" fn kvm_arch_vcpu_should_kick(vcpu: *mut bindings::kvm_vcpu) -> c_int {
    // SAFETY: The caller guarantees `vcpu` is live.
    let mode = unsafe { glue::vcpu_exiting_guest_mode(vcpu) };
    c_int::from(mode == bindings::IN_GUEST_MODE as c_int)
}

/// Faults on the vCPU's mmap beyond `struct kvm_run`: nothing is there.
#[no_mangle]
extern "C" fn kvm_arch_vcpu_fault(
    _vcpu: *mut bindings::kvm_vcpu,
    _vmf: *mut bindings::vm_fault,
) -> bindings::vm_fault_t {
    bindings::vm_fault_reason_VM_FAULT_SIGBUS
}

/// The vCPU is scheduled in on `cpu`. No guest context exists yet.
#[no_mangle]
extern "C" fn kvm_arch_vcpu_load(_vcpu: *mut bindings::kvm_vcpu, _cpu: c_int) {}

/// The vCPU is scheduled out.
#[no_mangle]
extern "C" fn kvm_arch_vcpu_put(_vcpu: *mut bindings::kvm_vcpu) {}

/// The vCPU is about to block in `kvm_vcpu_block()`.
#[no_mangle]
extern "C" fn kvm_arch_vcpu_blocking(_vcpu: *mut bindings::kvm_vcpu) {}

/// The vCPU is done blocking.
#[no_mangle]
extern "C" fn kvm_arch_vcpu_unblocking(_vcpu: *mut bindings::kvm_vcpu) {}

// The legacy register ioctls are not part of the RISC-V ABI (ONE_REG is),
// so they fail with EINVAL exactly as in the C backend.

/// `KVM_GET_REGS`.
#[no_mangle]
extern "C" fn kvm_arch_vcpu_ioctl_get_regs(
    _vcpu: *mut bindings::kvm_vcpu,
    _regs: *mut bindings::kvm_regs,
) -> c_int {
    -(bindings::EINVAL as c_int)
}

/// `KVM_SET_REGS`.
#[no_mangle]
extern "C" fn kvm_arch_vcpu_ioctl_set_regs(
    _vcpu: *mut bindings::kvm_vcpu,
    _regs: *mut bindings::kvm_regs,
) -> c_int {
    -(bindings::EINVAL as c_int)
}

/// `KVM_GET_SREGS`.
#[no_mangle]
extern "C" fn kvm_arch_vcpu_ioctl_get_sregs(
    _vcpu: *mut bindings::kvm_vcpu,
    _sregs: *mut bindings::kvm_sregs,
) -> c_int {
    -(bindings::EINVAL as c_int)
}

/// `KVM_SET_SREGS`.
#[no_mangle]
extern "C" fn kvm_arch_vcpu_ioctl_set_sregs(
    _vcpu: *mut bindings::kvm_vcpu,
    _sregs: *mut bindings::kvm_sregs,
) -> c_int {
    -(bindings::EINVAL as c_int)
}

/// `KVM_GET_FPU`.
#[no_mangle]
extern "C" fn kvm_arch_vcpu_ioctl_get_fpu(
    _vcpu: *mut bindings::kvm_vcpu,
    _fpu: *mut bindings::kvm_fpu,
) -> c_int {
    -(bindings::EINVAL as c_int)
}

/// `KVM_SET_FPU`.
#[no_mangle]
extern "C" fn kvm_arch_vcpu_ioctl_set_fpu(
    _vcpu: *mut bindings::kvm_vcpu,
    _fpu: *mut bindings::kvm_fpu,
) -> c_int {
    -(bindings::EINVAL as c_int)
}

/// `KVM_TRANSLATE`.
#[no_mangle]
extern "C" fn kvm_arch_vcpu_ioctl_translate(
    _vcpu: *mut bindings::kvm_vcpu,
    _tr: *mut bindings::kvm_translation,
) -> c_int {
    -(bindings::EINVAL as c_int)
}

/// `KVM_SET_GUEST_DEBUG`: not supported until guests can run.
#[no_mangle]
extern "C" fn kvm_arch_vcpu_ioctl_set_guest_debug(
    _vcpu: *mut bindings::kvm_vcpu,
    _dbg: *mut bindings::kvm_guest_debug,
) -> c_int {
    -(bindings::EINVAL as c_int)
}
