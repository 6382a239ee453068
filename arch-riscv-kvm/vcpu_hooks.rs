// SPDX-License-Identifier: GPL-2.0

//! The `kvm_arch_vcpu_*` hooks generic KVM calls for a vCPU's life, power
//! state, loading and ioctls (`KVM_RUN` is in `run.rs`).
//!
//! Each hook turns its raw pointers into the backend's handles at once:
//! [`Vcpu::from_raw`] where any task may call it, [`OwnedVcpu::from_raw`]
//! where generic KVM holds the vCPU mutex.

use kernel::bindings;
use kernel::ffi::{c_int, c_long, c_uint, c_ulong};
use kernel::prelude::*;

use crate::vcpu::{load_state_on_cpu, put_state_from_cpu, Irq, OwnedVcpu, Vcpu, VcpuArch};
use crate::vm::Vm;

fn errno(e: u32) -> c_int {
    -(e as c_int)
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
    let pmu = match crate::pmu::new_vcpu_pmu() {
        Ok(pmu) => pmu,
        Err(e) => return e.to_errno(),
    };
    let isa = crate::vcpu::initial_isa();
    let vector = match crate::vcpu_vector::new_vcpu_vector(&isa) {
        Ok(vector) => vector,
        Err(e) => return e.to_errno(),
    };
    let slot = Vcpu::arch_slot(vcpu);
    // SAFETY: The vCPU cache allocates whole containers, so `slot` is valid
    // and aligned; it is uninitialised, and the container never moves: it
    // is dropped in place by `kvm_arch_vcpu_destroy()`.
    match unsafe { VcpuArch::new(isa, pmu, vector).__pinned_init(slot) } {
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
    let v = unsafe { Vcpu::from_raw(vcpu) };
    if v.kvm_vcpu().idx() != 0 {
        v.power_off();
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
    unsafe { core::ptr::drop_in_place(Vcpu::arch_slot(vcpu)) };
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
    // SAFETY: The caller guarantees `vcpu` is created and `mp_state`
    // valid for writes.
    unsafe { (*mp_state).mp_state = Vcpu::from_raw(vcpu).mp_state() };
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
            vcpu.set_runnable();
            0
        }
        bindings::KVM_MP_STATE_STOPPED => {
            vcpu.power_off();
            0
        }
        _ => errno(bindings::EINVAL),
    }
}

/// vCPU ioctls not handled by generic KVM: ONE_REG and the register list.
///
/// # Safety
///
/// `filp` must be an open vCPU file; generic KVM holds the vCPU mutex.
#[no_mangle]
unsafe extern "C" fn kvm_arch_vcpu_ioctl(
    filp: *mut bindings::file,
    ioctl: c_uint,
    arg: c_ulong,
) -> c_long {
    // SAFETY: A vCPU file's private data is its `struct kvm_vcpu`, whose
    // mutex generic KVM holds around this call.
    let mut v = unsafe { OwnedVcpu::from_raw((*filp).private_data.cast()) };
    crate::vcpu_onereg::ioctl(&mut v, ioctl, arg).unwrap_or(-(bindings::EINVAL as c_long))
}

/// vCPU ioctls that run without the vCPU mutex: `KVM_INTERRUPT` drives
/// the guest's VS-level external interrupt line.
///
/// # Safety
///
/// `filp` must be an open vCPU file.
#[no_mangle]
unsafe extern "C" fn kvm_arch_vcpu_async_ioctl(
    filp: *mut bindings::file,
    ioctl: c_uint,
    arg: c_ulong,
) -> c_long {
    const INTERRUPT: u32 = kernel::ioctl::_IOW::<bindings::kvm_interrupt>(0xae, 0x86);
    if ioctl != INTERRUPT {
        return -(bindings::ENOIOCTLCMD as c_long);
    }
    let mut reader = kernel::uaccess::UserSlice::new(arg as _, 4).reader();
    let Ok(irq) = reader.read::<u32>() else {
        return -(bindings::EFAULT as c_long);
    };
    // SAFETY: A vCPU file's private data is its `struct kvm_vcpu`.
    let v = unsafe { Vcpu::from_raw((*filp).private_data.cast()) };
    if irq == bindings::KVM_INTERRUPT_SET as u32 {
        v.set_interrupt(Irq::External);
    } else {
        v.unset_interrupt(Irq::External);
    }
    0
}

/// Whether the vCPU has work: an enabled interrupt pending, and powered on.
///
/// # Safety
///
/// `vcpu` must be a created vCPU.
#[no_mangle]
unsafe extern "C" fn kvm_arch_vcpu_runnable(vcpu: *mut bindings::kvm_vcpu) -> c_int {
    // SAFETY: The caller guarantees `vcpu` is created.
    c_int::from(unsafe { Vcpu::from_raw(vcpu) }.runnable())
}

/// Whether the Sstc timer has fired while the vCPU slept.
///
/// # Safety
///
/// `vcpu` must be a created vCPU.
#[no_mangle]
unsafe extern "C" fn kvm_cpu_has_pending_timer(vcpu: *mut bindings::kvm_vcpu) -> c_int {
    // SAFETY: The caller guarantees `vcpu` is created.
    let v = unsafe { Vcpu::from_raw(vcpu) };
    let t = v.timer();
    c_int::from(t.sstc() && t.expired(Vm::of_vcpu(v).time_delta()))
}

/// Whether the vCPU was preempted in guest kernel (VS) mode.
///
/// # Safety
///
/// `vcpu` must be a created vCPU.
#[no_mangle]
unsafe extern "C" fn kvm_arch_vcpu_in_kernel(vcpu: *mut bindings::kvm_vcpu) -> bool {
    // SAFETY: The caller guarantees `vcpu` is created.
    unsafe { Vcpu::from_raw(vcpu) }.in_kernel()
}

/// Whether a kick must IPI the vCPU's CPU: only while it is in the guest.
///
/// # Safety
///
/// `vcpu` must be a created vCPU.
#[no_mangle]
unsafe extern "C" fn kvm_arch_vcpu_should_kick(vcpu: *mut bindings::kvm_vcpu) -> c_int {
    // SAFETY: The caller guarantees `vcpu` is created.
    let v = unsafe { Vcpu::from_raw(vcpu) };
    c_int::from(v.kvm_vcpu().exiting_guest_mode())
}

/// Faults on the vCPU's mmap beyond `struct kvm_run`: nothing is there.
#[no_mangle]
extern "C" fn kvm_arch_vcpu_fault(
    _vcpu: *mut bindings::kvm_vcpu,
    _vmf: *mut bindings::vm_fault,
) -> bindings::vm_fault_t {
    bindings::vm_fault_reason_VM_FAULT_SIGBUS
}

/// Loads the vCPU's VS-level state, translation and FP registers onto
/// `cpu` (from `vcpu_load()` or the sched-in notifier).
///
/// # Safety
///
/// `vcpu` must be a created vCPU owned by the current task, preemption
/// disabled.
#[no_mangle]
unsafe extern "C" fn kvm_arch_vcpu_load(vcpu: *mut bindings::kvm_vcpu, cpu: c_int) {
    // SAFETY: A load hook, called as that needs.
    let (v, state) = unsafe { Vcpu::for_load_hook(vcpu) };
    // SAFETY: Generic KVM loads a vCPU that is not loaded, on its owner's
    // task with preemption off, and pairs it with the put hook.
    unsafe { load_state_on_cpu(v, state, cpu) };
}

/// Saves what `kvm_arch_vcpu_load()` loaded.
///
/// # Safety
///
/// `vcpu` must be a created vCPU loaded on this CPU by the current task,
/// preemption disabled.
#[no_mangle]
unsafe extern "C" fn kvm_arch_vcpu_put(vcpu: *mut bindings::kvm_vcpu) {
    // SAFETY: A put hook, called as that needs.
    let (v, state) = unsafe { Vcpu::for_load_hook(vcpu) };
    // SAFETY: Generic KVM puts the vCPU it loaded on this CPU, on the same
    // task with preemption off.
    unsafe { put_state_from_cpu(v, state) };
}

/// Whether the vCPU is powered off, for the C side of KVM_REQ_SLEEP.
///
/// # Safety
///
/// `vcpu` must be a created vCPU.
#[no_mangle]
unsafe extern "C" fn kvm_riscv_vcpu_is_stopped(vcpu: *mut bindings::kvm_vcpu) -> bool {
    // SAFETY: The caller guarantees `vcpu` is created.
    unsafe { Vcpu::from_raw(vcpu) }.is_stopped()
}

/// The vCPU is about to block in `kvm_vcpu_block()`.
///
/// # Safety
///
/// `vcpu` must be a created vCPU.
#[no_mangle]
unsafe extern "C" fn kvm_arch_vcpu_blocking(vcpu: *mut bindings::kvm_vcpu) {
    // SAFETY: The caller guarantees `vcpu` is created.
    let v = unsafe { Vcpu::from_raw(vcpu) };
    v.timer().blocking(Vm::of_vcpu(v).time_delta());
}

/// The vCPU is done blocking.
///
/// # Safety
///
/// `vcpu` must be a created vCPU.
#[no_mangle]
unsafe extern "C" fn kvm_arch_vcpu_unblocking(vcpu: *mut bindings::kvm_vcpu) {
    // SAFETY: The caller guarantees `vcpu` is created.
    unsafe { Vcpu::from_raw(vcpu) }.timer().unblocking();
}

/// The legacy register ioctls are not part of the RISC-V ABI (ONE_REG is),
/// so they fail with EINVAL exactly as in the C backend.
macro_rules! unsupported_reg_ioctls {
    ($($(#[$doc:meta])* $name:ident($arg:ty);)*) => {$(
        $(#[$doc])*
        #[no_mangle]
        extern "C" fn $name(_vcpu: *mut bindings::kvm_vcpu, _arg: *mut $arg) -> c_int {
            errno(bindings::EINVAL)
        }
    )*};
}

unsupported_reg_ioctls! {
    /// `KVM_GET_REGS`.
    kvm_arch_vcpu_ioctl_get_regs(bindings::kvm_regs);
    /// `KVM_SET_REGS`.
    kvm_arch_vcpu_ioctl_set_regs(bindings::kvm_regs);
    /// `KVM_GET_SREGS`.
    kvm_arch_vcpu_ioctl_get_sregs(bindings::kvm_sregs);
    /// `KVM_SET_SREGS`.
    kvm_arch_vcpu_ioctl_set_sregs(bindings::kvm_sregs);
    /// `KVM_GET_FPU`.
    kvm_arch_vcpu_ioctl_get_fpu(bindings::kvm_fpu);
    /// `KVM_SET_FPU`.
    kvm_arch_vcpu_ioctl_set_fpu(bindings::kvm_fpu);
    /// `KVM_TRANSLATE`.
    kvm_arch_vcpu_ioctl_translate(bindings::kvm_translation);
}

/// `KVM_SET_GUEST_DEBUG`: with debugging on, guest breakpoints exit to
/// userspace (`KVM_EXIT_DEBUG`) instead of going to the guest.
///
/// # Safety
///
/// `vcpu` must be a created vCPU whose mutex the current task holds, and
/// `dbg` valid for reads.
#[no_mangle]
unsafe extern "C" fn kvm_arch_vcpu_ioctl_set_guest_debug(
    vcpu: *mut bindings::kvm_vcpu,
    dbg: *mut bindings::kvm_guest_debug,
) -> c_int {
    const BREAKPOINT: usize = 1 << 3;
    // SAFETY: The caller guarantees both pointers are valid and that this
    // task holds the vCPU mutex.
    let (mut v, control) = unsafe { (OwnedVcpu::from_raw(vcpu), (*dbg).control) };
    let enable = control & bindings::KVM_GUESTDBG_ENABLE != 0;
    v.kvm_vcpu()
        .set_guest_debug(if enable { control as usize } else { 0 });
    // Not loaded outside KVM_RUN; hedeleg takes effect at the next load.
    if let Some((_, load)) = v.unloaded() {
        if enable {
            load.hedeleg &= !BREAKPOINT;
        } else {
            load.hedeleg |= BREAKPOINT;
        }
    }
    0
}

crate::exports::c_prototypes! {
    kvm_arch_vcpu_precreate(_, _);
    kvm_arch_vcpu_create(_);
    kvm_arch_vcpu_postcreate(_);
    kvm_arch_vcpu_destroy(_);
    kvm_arch_vcpu_ioctl_get_mpstate(_, _);
    kvm_arch_vcpu_ioctl_set_mpstate(_, _);
    kvm_arch_vcpu_ioctl(_, _, _);
    kvm_arch_vcpu_async_ioctl(_, _, _);
    kvm_arch_vcpu_runnable(_);
    kvm_cpu_has_pending_timer(_);
    kvm_arch_vcpu_in_kernel(_);
    kvm_arch_vcpu_should_kick(_);
    kvm_arch_vcpu_fault(_, _);
    kvm_arch_vcpu_load(_, _);
    kvm_arch_vcpu_put(_);
    kvm_riscv_vcpu_is_stopped(_);
    kvm_arch_vcpu_blocking(_);
    kvm_arch_vcpu_unblocking(_);
    kvm_arch_vcpu_ioctl_set_guest_debug(_, _);
    kvm_arch_vcpu_ioctl_get_regs(_, _);
    kvm_arch_vcpu_ioctl_set_regs(_, _);
    kvm_arch_vcpu_ioctl_get_sregs(_, _);
    kvm_arch_vcpu_ioctl_set_sregs(_, _);
    kvm_arch_vcpu_ioctl_get_fpu(_, _);
    kvm_arch_vcpu_ioctl_set_fpu(_, _);
    kvm_arch_vcpu_ioctl_translate(_, _);
}
