// SPDX-License-Identifier: GPL-2.0

//! Rust side of `glue.c` and of the few C services the backend calls.
//!
//! The helpers are declared in `asm/kvm_riscv_glue.h`, which bindgen reads.
//! Each is wrapped exactly once, here, so the rest of the backend never
//! writes `unsafe` just to reach a kernel service.

use core::ptr::addr_of_mut;
use core::sync::atomic::{fence, AtomicI32, AtomicU64, Ordering};

use kernel::bindings;
use kernel::ffi::{c_int, c_ulong, c_void};
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

/// Whether a report of a failed guest exit may be logged now: at most a
/// burst of `DEFAULT_RATELIMIT_BURST` every `DEFAULT_RATELIMIT_INTERVAL`,
/// whatever the guests do.
pub(crate) fn exit_error_ratelimit() -> bool {
    // SAFETY: `__ratelimit()` on a static state, safe in any context.
    unsafe { bindings::kvm_riscv_glue_exit_error_ratelimit() }
}

/// `array_index_nospec(index, size)`: `index` if it is below `size`, else
/// 0, also on a mispredicted path. Out of line, so that the compiler
/// cannot see through it and drop the clamp after a bounds check.
pub(crate) fn array_index_nospec(index: usize, size: usize) -> usize {
    // SAFETY: Pure arithmetic.
    unsafe {
        bindings::kvm_riscv_glue_array_index_nospec(index as c_ulong, size as c_ulong) as usize
    }
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

    /// Kernel virtual address of the first page.
    pub(crate) fn as_ptr(&self) -> *mut c_void {
        self.addr as *mut c_void
    }
}

/// `__pa()`: physical address of a direct-mapped kernel address.
pub(crate) fn virt_to_phys(addr: *mut c_void) -> u64 {
    // SAFETY: Pure address arithmetic on the linear map.
    unsafe { bindings::kvm_riscv_glue_virt_to_phys(addr) }
}

/// `__va()`: direct-map address of physical memory.
pub(crate) fn phys_to_virt(addr: u64) -> *mut c_void {
    // SAFETY: Pure address arithmetic on the linear map.
    unsafe { bindings::kvm_riscv_glue_phys_to_virt(addr) }
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
    /// Reset the hart to its reset state (SBI HSM start).
    VcpuReset,
    /// Reload `hgatp`: the VM's VMID changed.
    UpdateHgatp,
    /// Synchronise the instruction cache.
    FenceI,
    /// Flush the VM's G-stage TLB entries (also `KVM_REQ_TLB_FLUSH`).
    HfenceGvmaVmidAll,
    /// Flush the VM's VS-stage TLB entries.
    HfenceVvmaAll,
    /// Perform the fences queued on the vCPU.
    Hfence,
    /// Account the time the vCPU's task waited to run (SBI STA).
    StealUpdate,
}

impl Request {
    /// The request's bit in `vcpu->requests` (`KVM_REQ_*` without
    /// flags), which is how the C enum numbers it.
    fn bit(self) -> u32 {
        self.raw()
    }

    fn raw(self) -> bindings::kvm_riscv_glue_req {
        match self {
            Request::Sleep => bindings::kvm_riscv_glue_req_KVM_RISCV_GLUE_REQ_SLEEP,
            Request::VcpuReset => bindings::kvm_riscv_glue_req_KVM_RISCV_GLUE_REQ_VCPU_RESET,
            Request::UpdateHgatp => bindings::kvm_riscv_glue_req_KVM_RISCV_GLUE_REQ_UPDATE_HGATP,
            Request::FenceI => bindings::kvm_riscv_glue_req_KVM_RISCV_GLUE_REQ_FENCE_I,
            Request::HfenceGvmaVmidAll => {
                bindings::kvm_riscv_glue_req_KVM_RISCV_GLUE_REQ_HFENCE_GVMA_VMID_ALL
            }
            Request::HfenceVvmaAll => {
                bindings::kvm_riscv_glue_req_KVM_RISCV_GLUE_REQ_HFENCE_VVMA_ALL
            }
            Request::Hfence => bindings::kvm_riscv_glue_req_KVM_RISCV_GLUE_REQ_HFENCE,
            Request::StealUpdate => bindings::kvm_riscv_glue_req_KVM_RISCV_GLUE_REQ_STEAL_UPDATE,
        }
    }
}

/// Posts `req` to every vCPU of `kvm` and kicks them
/// (`kvm_make_all_cpus_request()`).
pub(crate) fn request_all(kvm: *mut bindings::kvm, req: Request) {
    // SAFETY: Callers pass a live VM (they hold one of its vCPUs).
    unsafe { bindings::kvm_riscv_glue_request_all(kvm, req.raw()) };
}

/// Posts `req` to the vCPUs of `kvm` whose index is set in `bitmap`,
/// kicks them and, for waiting requests, waits until they have seen it
/// (`kvm_make_vcpus_request_mask()`).
pub(crate) fn request_mask(kvm: *mut bindings::kvm, req: Request, bitmap: &[u64]) {
    // SAFETY: Callers pass a live VM; the bitmap covers KVM_MAX_VCPUS bits
    // and outlives the call.
    unsafe {
        bindings::kvm_riscv_glue_request_mask(kvm, req.raw(), bitmap.as_ptr().cast_mut().cast())
    };
}

/// `vcpu->requests`, which C changes only with atomic bit operations.
///
/// # Safety
///
/// `vcpu` must point to a `struct kvm_vcpu` that stays live for `'a`.
unsafe fn requests<'a>(vcpu: *mut bindings::kvm_vcpu) -> &'a AtomicU64 {
    // SAFETY: `vcpu` is live (the caller's guarantee); the address is
    // taken without a reference.
    let field = unsafe { addr_of_mut!((*vcpu).requests) };
    // SAFETY: `requests` is an aligned `u64` that lives as long as the
    // vCPU (for `'a`), and that C reads with READ_ONCE() and changes only
    // with atomic bit operations, as the atomic does.
    unsafe { AtomicU64::from_ptr(field) }
}

/// Consumes `req` if it is pending on `vcpu`, as `kvm_check_request()`
/// does: a test, then a clear and a full barrier when set. Done here, not
/// through a C call, because the run loop asks for every request it
/// knows before each entry.
///
/// # Safety
///
/// `vcpu` must point to a live `struct kvm_vcpu` owned by the caller.
pub(crate) unsafe fn check_request(req: Request, vcpu: *mut bindings::kvm_vcpu) -> bool {
    // The bits are below 64 (KVM_ARCH_REQ_FLAGS() checks it).
    let mask = 1u64 << req.bit();
    // SAFETY: The caller guarantees `vcpu` is live.
    let requests = unsafe { requests(vcpu) };
    if requests.load(Ordering::Relaxed) & mask == 0 {
        return false;
    }
    // clear_bit(): an atomic and, no ordering of its own ...
    requests.fetch_and(!mask, Ordering::Relaxed);
    // ... then smp_mb__after_atomic(), which pairs with the smp_wmb() of
    // kvm_make_request(): what the requester wrote before posting is
    // visible to the caller.
    fence(Ordering::SeqCst);
    true
}

/// Whether any request is pending on `vcpu` (`kvm_request_pending()`):
/// a load, not a call, as C inlines it.
///
/// # Safety
///
/// `vcpu` must point to a live `struct kvm_vcpu`.
pub(crate) unsafe fn request_pending(vcpu: *mut bindings::kvm_vcpu) -> bool {
    // SAFETY: `vcpu` is live (the caller's guarantee).
    unsafe { requests(vcpu) }.load(Ordering::Relaxed) != 0
}

/// The number of vCPUs created in `kvm` (`atomic_read(&kvm->online_vcpus)`).
///
/// # Safety
///
/// `kvm` must point to a live `struct kvm`.
pub(crate) unsafe fn online_vcpus(kvm: *mut bindings::kvm) -> u32 {
    // SAFETY: `kvm` is live (the caller's guarantee); the address is taken
    // without a reference.
    let field = unsafe { addr_of_mut!((*kvm).online_vcpus.counter) };
    // SAFETY: An aligned `atomic_t`, which C only accesses atomically.
    unsafe { AtomicI32::from_ptr(field) }.load(Ordering::Relaxed) as u32
}

/// Posts `req` to `vcpu` without kicking it (`kvm_make_request()`).
///
/// # Safety
///
/// `vcpu` must point to a live `struct kvm_vcpu`.
pub(crate) unsafe fn make_request(req: Request, vcpu: *mut bindings::kvm_vcpu) {
    // SAFETY: The caller guarantees `vcpu` is live; setting a request bit is
    // atomic.
    unsafe { bindings::kvm_riscv_glue_make_request(req.raw(), vcpu) };
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

/// Keeps local interrupts disabled while alive (`local_irq_save()`).
pub(crate) struct IrqsOff(c_ulong);

impl IrqsOff {
    pub(crate) fn new() -> Self {
        // SAFETY: Balanced by the restore in `drop`.
        IrqsOff(unsafe { bindings::kvm_riscv_glue_local_irq_save() })
    }
}

impl Drop for IrqsOff {
    fn drop(&mut self) {
        // SAFETY: Restores what `new` saved, on the same CPU (interrupts
        // off means no migration).
        unsafe { bindings::kvm_riscv_glue_local_irq_restore(self.0) };
    }
}

/// The run loop's entry sequence: interrupts off, `IN_GUEST_MODE`, the
/// SRCU read side left. Returns true if the guest must not be entered now
/// (a request or work for the task is pending); then, or when the caller
/// itself decides not to enter, [`guest_entry_abort`] undoes it all.
///
/// # Safety
///
/// `vcpu` must be live and loaded by the calling task, which owns it and
/// holds its SRCU read lock, with preemption disabled.
pub(crate) unsafe fn guest_entry_begin(vcpu: *mut bindings::kvm_vcpu) -> bool {
    // SAFETY: As the caller guarantees.
    unsafe { bindings::kvm_riscv_glue_guest_entry_begin(vcpu) }
}

/// Undoes [`guest_entry_begin`]: out of guest mode, interrupts on, the
/// SRCU read lock taken again.
///
/// # Safety
///
/// `vcpu` must be the vCPU of a [`guest_entry_begin`] on this CPU whose
/// guest was not entered, preemption still disabled.
pub(crate) unsafe fn guest_entry_abort(vcpu: *mut bindings::kvm_vcpu) {
    // SAFETY: As the caller guarantees.
    unsafe { bindings::kvm_riscv_glue_guest_entry_abort(vcpu) }
}

/// Starts guest time accounting and emits `kvm:kvm_entry` for a guest
/// entered at `pc`.
///
/// # Safety
///
/// Interrupts must be disabled, the world switch following at once.
pub(crate) unsafe fn guest_timing_enter(pc: usize) {
    // SAFETY: As the caller guarantees.
    unsafe { bindings::kvm_riscv_glue_guest_timing_enter(pc as c_ulong) }
}

/// Ends what [`guest_entry_begin`] started, after the world switch: out of
/// guest mode, pending interrupts taken, guest time accounting stopped,
/// `kvm:kvm_exit` emitted with the trap's CSRs, interrupts on and the SRCU
/// read lock taken again.
///
/// # Safety
///
/// `vcpu` must be the vCPU of a [`guest_entry_begin`] on this CPU whose
/// guest has just exited, interrupts still disabled since, preemption
/// still disabled.
pub(crate) unsafe fn guest_exit(vcpu: *mut bindings::kvm_vcpu, trap: &crate::run::Trap) {
    let trap: *const crate::run::Trap = trap;
    // SAFETY: As the caller guarantees; `Trap` has the C struct's layout
    // (checked in run.rs) and outlives the call.
    unsafe { bindings::kvm_riscv_glue_guest_exit(vcpu, trap.cast()) }
}
