// SPDX-License-Identifier: GPL-2.0

//! Rust side of `glue.c` and of the few C services the backend calls.
//!
//! The helpers are declared in `asm/kvm_riscv_glue.h`, which bindgen reads.
//! Each is wrapped exactly once, here, so the rest of the backend never
//! writes `unsafe` just to reach a kernel service.

use kernel::bindings;
use kernel::ffi::{c_int, c_ulong};
use kernel::prelude::*;

/// `num_possible_cpus()`.
pub(crate) fn num_possible_cpus() -> u32 {
    // SAFETY: Reads the possible-CPU mask, which is fixed after boot.
    unsafe { bindings::kvm_riscv_glue_num_possible_cpus() }
}

/// `num_online_cpus()`.
pub(crate) fn num_online_cpus() -> u32 {
    // SAFETY: An atomic read of the online-CPU count.
    unsafe { bindings::kvm_riscv_glue_num_online_cpus() }
}

/// `KVM_USER_MEM_SLOTS`, the number of memslots userspace may create.
pub(crate) fn user_mem_slots() -> c_int {
    // SAFETY: A `const` object defined in glue.c, never written.
    unsafe { bindings::kvm_riscv_glue_user_mem_slots }
}

/// Keeps the current task on this CPU while alive.
pub(crate) struct NoPreempt(());

impl NoPreempt {
    pub(crate) fn new() -> Self {
        // SAFETY: Balanced by the `preempt_enable()` in `drop`.
        unsafe { bindings::kvm_riscv_glue_preempt_disable() };
        NoPreempt(())
    }
}

impl Drop for NoPreempt {
    fn drop(&mut self) {
        // SAFETY: `new` disabled preemption exactly once for this guard.
        unsafe { bindings::kvm_riscv_glue_preempt_enable() };
    }
}

/// Physically contiguous, naturally aligned pages from the page allocator.
pub(crate) struct Pages {
    addr: c_ulong,
    order: u32,
}

impl Pages {
    /// Allocates `1 << order` zeroed pages, charged to the caller's memcg.
    pub(crate) fn zeroed(order: u32) -> Result<Self> {
        let gfp = bindings::GFP_KERNEL_ACCOUNT | bindings::__GFP_ZERO;
        // SAFETY: Any gfp/order pair is valid; failure is reported as 0.
        let addr = unsafe { bindings::kvm_riscv_glue_get_free_pages(gfp, order) };
        if addr == 0 {
            return Err(ENOMEM);
        }
        // INVARIANT: `addr` is the start of `1 << order` pages owned by us.
        Ok(Pages { addr, order })
    }
}

impl Drop for Pages {
    fn drop(&mut self) {
        // SAFETY: By the type invariant we own these pages; nothing refers
        // to them once the owner is dropped.
        unsafe { bindings::free_pages(self.addr, self.order) };
    }
}

/// vCPU requests of the RISC-V backend (see `asm/kvm_host.h`).
#[derive(Clone, Copy)]
pub(crate) enum Request {
    /// Stop running the guest until the vCPU is powered on again.
    Sleep,
}

/// Posts `req` to `vcpu` without kicking it (`kvm_make_request()`).
///
/// # Safety
///
/// `vcpu` must point to a live `struct kvm_vcpu`.
pub(crate) unsafe fn make_request(req: Request, vcpu: *mut bindings::kvm_vcpu) {
    let req = match req {
        Request::Sleep => bindings::kvm_riscv_glue_req_KVM_RISCV_GLUE_REQ_SLEEP,
    };
    // SAFETY: The caller guarantees `vcpu` is live; setting a request bit is
    // atomic.
    unsafe { bindings::kvm_riscv_glue_make_request(req, vcpu) };
}

/// Moves `vcpu` from IN_GUEST_MODE to EXITING_GUEST_MODE if it was in guest
/// mode and returns its previous mode (`kvm_vcpu_exiting_guest_mode()`).
///
/// # Safety
///
/// `vcpu` must point to a live `struct kvm_vcpu`.
pub(crate) unsafe fn vcpu_exiting_guest_mode(vcpu: *mut bindings::kvm_vcpu) -> c_int {
    // SAFETY: The caller guarantees `vcpu` is live; the mode update is a
    // cmpxchg.
    unsafe { bindings::kvm_riscv_glue_vcpu_exiting_guest_mode(vcpu) }
}
