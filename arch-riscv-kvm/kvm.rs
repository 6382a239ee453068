// SPDX-License-Identifier: GPL-2.0

//! Generic KVM as the backend sees it: `struct kvm` and `struct kvm_vcpu`,
//! and the services `virt/kvm` offers on them, each wrapped once, here.
//!
//! The references are the proofs. A [`&KvmVcpu`](KvmVcpu) or a
//! [`&Kvm`](Kvm) exists only while the object is live (see their
//! invariants), so what any task may do with a live object is a safe
//! method. What only the vCPU's own task may do inside `KVM_RUN` hangs off
//! `kvm_srcu::VcpuSrcu`, which that task alone holds, and what needs
//! `mmu_lock` takes a `kvm_mmu::MmuLocked`.

use core::mem::offset_of;
use core::sync::atomic::{fence, AtomicBool, AtomicI32, AtomicU64, AtomicUsize, Ordering};

use kernel::bindings;
use kernel::ffi::{c_int, c_ulong};
use kernel::prelude::*;
use kernel::types::Opaque;

use crate::addr::Hva;

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

/// The backend's counters in `struct kvm_vcpu_stat` (names are user ABI,
/// see the descriptor table in `glue.c`).
#[derive(Clone, Copy)]
pub(crate) enum Stat {
    Exits,
    EcallExit,
    WfiExit,
    WrsExit,
    MmioExitUser,
    MmioExitKernel,
    CsrExitUser,
    CsrExitKernel,
}

impl Stat {
    /// Offset of the counter in `struct kvm_vcpu`.
    const fn offset(self) -> usize {
        type V = bindings::kvm_vcpu;
        match self {
            Stat::Exits => offset_of!(V, stat.exits),
            Stat::EcallExit => offset_of!(V, stat.ecall_exit_stat),
            Stat::WfiExit => offset_of!(V, stat.wfi_exit_stat),
            Stat::WrsExit => offset_of!(V, stat.wrs_exit_stat),
            Stat::MmioExitUser => offset_of!(V, stat.mmio_exit_user),
            Stat::MmioExitKernel => offset_of!(V, stat.mmio_exit_kernel),
            Stat::CsrExitUser => offset_of!(V, stat.csr_exit_user),
            Stat::CsrExitKernel => offset_of!(V, stat.csr_exit_kernel),
        }
    }
}

/// Generic KVM's half of a vCPU, `struct kvm_vcpu`.
///
/// INVARIANT: a `&KvmVcpu` refers to a vCPU between a successful
/// `kvm_arch_vcpu_create()` and `kvm_arch_vcpu_destroy()`, whose VM is
/// live: the type is only reached as the head of a `Vcpu`, whose
/// references `Vcpu::from_raw()` makes under that same contract.
#[repr(transparent)]
pub(crate) struct KvmVcpu(Opaque<bindings::kvm_vcpu>);

impl KvmVcpu {
    /// The C object, for generic KVM's calls and the container cast.
    pub(crate) fn as_ptr(&self) -> *mut bindings::kvm_vcpu {
        self.0.get()
    }

    /// The field of the vCPU at byte offset `offset`, as a `T`.
    fn field<T>(&self, offset: usize) -> *mut T {
        self.as_ptr().wrapping_byte_add(offset).cast::<T>()
    }

    /// The VM the vCPU belongs to.
    pub(crate) fn kvm(&self) -> &Kvm {
        // SAFETY: `vcpu->kvm` is set before the backend sees the vCPU and
        // never changes; the VM outlives its vCPUs (type invariant), so it
        // is live for as long as `self` is borrowed.
        unsafe { &*(*self.as_ptr()).kvm.cast::<Kvm>() }
    }

    /// `vcpu->vcpu_id`: the id userspace created the vCPU with.
    pub(crate) fn id(&self) -> u32 {
        // SAFETY: Set before the backend sees the vCPU, never changed.
        unsafe { (*self.as_ptr()).vcpu_id as u32 }
    }

    /// `vcpu->vcpu_idx`: the vCPU's index in its VM.
    pub(crate) fn idx(&self) -> u32 {
        // SAFETY: As for `id()`.
        unsafe { (*self.as_ptr()).vcpu_idx as u32 }
    }

    /// `vcpu->run`, the page shared with userspace (see `kvm_run.rs`).
    pub(crate) fn run_page(&self) -> *mut bindings::kvm_run {
        // SAFETY: As for `id()`.
        unsafe { (*self.as_ptr()).run }
    }

    fn cpu_field(&self) -> &AtomicI32 {
        // SAFETY: `cpu` is an aligned `int` of the live vCPU that generic
        // KVM reads with READ_ONCE() from any task; only the load and put
        // hooks write it, as single stores.
        unsafe { AtomicI32::from_ptr(self.field(offset_of!(bindings::kvm_vcpu, cpu))) }
    }

    /// `vcpu->cpu`: the CPU the vCPU is loaded on, -1 if none.
    pub(crate) fn cpu(&self) -> i32 {
        self.cpu_field().load(Ordering::Relaxed)
    }

    /// Sets `vcpu->cpu` (the load and put hooks).
    pub(crate) fn set_cpu(&self, cpu: i32) {
        self.cpu_field().store(cpu, Ordering::Relaxed);
    }

    /// `vcpu->wants_to_run`: `KVM_RUN` without `immediate_exit`.
    pub(crate) fn wants_to_run(&self) -> bool {
        let f = self.field::<bool>(offset_of!(bindings::kvm_vcpu, wants_to_run));
        // SAFETY: An aligned `bool` of the live vCPU, which generic KVM sets
        // with a single store on the vCPU's task before `KVM_RUN`'s hook.
        unsafe { AtomicBool::from_ptr(f) }.load(Ordering::Relaxed)
    }

    /// Sets `vcpu->guest_debug` (`KVM_SET_GUEST_DEBUG`).
    pub(crate) fn set_guest_debug(&self, control: usize) {
        let f = self.field::<usize>(offset_of!(bindings::kvm_vcpu, guest_debug));
        // SAFETY: An aligned `unsigned long` of the live vCPU, read by
        // generic KVM with single loads.
        unsafe { AtomicUsize::from_ptr(f) }.store(control, Ordering::Relaxed);
    }

    /// `vcpu->requests`, which C changes only with atomic bit operations.
    fn requests(&self) -> &AtomicU64 {
        // SAFETY: An aligned `u64` of the live vCPU that C reads with
        // READ_ONCE() and changes only with atomic bit operations.
        unsafe { AtomicU64::from_ptr(self.field(offset_of!(bindings::kvm_vcpu, requests))) }
    }

    /// Posts `req` without kicking the vCPU (`kvm_make_request()`).
    pub(crate) fn make_request(&self, req: Request) {
        // SAFETY: The vCPU is live; setting a request bit is atomic.
        unsafe { bindings::kvm_riscv_glue_make_request(req.raw(), self.as_ptr()) };
    }

    /// Consumes `req` if it is pending, as `kvm_check_request()` does: a
    /// test, then a clear and a full barrier when set. Done here, not
    /// through a C call, because the run loop asks for every request it
    /// knows before each entry.
    pub(crate) fn check_request(&self, req: Request) -> bool {
        // The bits are below 64 (KVM_ARCH_REQ_FLAGS() checks it).
        let mask = 1u64 << req.bit();
        let requests = self.requests();
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

    /// Whether any request is pending (`kvm_request_pending()`): a load,
    /// not a call, as C inlines it.
    pub(crate) fn request_pending(&self) -> bool {
        self.requests().load(Ordering::Relaxed) != 0
    }

    /// Kicks the vCPU out of the guest, or wakes it (`kvm_vcpu_kick()`).
    /// Allowed from any context, hard interrupts included.
    pub(crate) fn kick(&self) {
        // SAFETY: The vCPU is live.
        unsafe { bindings::kvm_vcpu_kick(self.as_ptr()) };
    }

    /// Wakes the vCPU's task if it waits (`kvm_vcpu_wake_up()`).
    pub(crate) fn wake_up(&self) {
        // SAFETY: The vCPU is live.
        unsafe { bindings::kvm_vcpu_wake_up(self.as_ptr()) };
    }

    /// Moves the vCPU from IN_GUEST_MODE to EXITING_GUEST_MODE if it was in
    /// guest mode; whether it was (`kvm_vcpu_exiting_guest_mode()`).
    pub(crate) fn exiting_guest_mode(&self) -> bool {
        // SAFETY: The vCPU is live; the mode update is a cmpxchg.
        let mode = unsafe { bindings::kvm_riscv_glue_vcpu_exiting_guest_mode(self.as_ptr()) };
        mode == bindings::IN_GUEST_MODE as c_int
    }

    /// Counts one event in `stat`.
    ///
    /// The binary stats file (`KVM_GET_STATS_FD`) reads the counters at
    /// any time from another task, so they are accessed as relaxed atomics,
    /// which compile to the plain accesses the C backend makes. Only the
    /// vCPU's own task counts, so no increment is lost.
    pub(crate) fn count(&self, stat: Stat) {
        // SAFETY: A `u64` counter of the live vCPU, only accessed with
        // single loads and stores.
        let counter = unsafe { AtomicU64::from_ptr(self.field(stat.offset())) };
        counter.store(
            counter.load(Ordering::Relaxed).wrapping_add(1),
            Ordering::Relaxed,
        );
    }

    /// Whether the vCPU's task is blocked in `kvm_vcpu_block()` (SBI HSM
    /// status of another hart). Generic KVM sets the flag around the block,
    /// so it is read atomically, as a snapshot.
    pub(crate) fn is_blocking(&self) -> bool {
        const OFF: usize = offset_of!(bindings::kvm_vcpu, stat.generic.blocking);
        // SAFETY: A `u64` of the live vCPU, see `count()`.
        unsafe { AtomicU64::from_ptr(self.field(OFF)) }.load(Ordering::Relaxed) != 0
    }
}

/// Generic KVM's half of a VM, `struct kvm`.
///
/// INVARIANT: a `&Kvm` refers to a VM between a successful
/// `kvm_arch_init_vm()` and `kvm_arch_destroy_vm()`: it is only reached as
/// the head of a `Vm` or through a vCPU.
#[repr(transparent)]
pub(crate) struct Kvm(Opaque<bindings::kvm>);

impl Kvm {
    /// The C object.
    pub(crate) fn as_ptr(&self) -> *mut bindings::kvm {
        self.0.get()
    }

    /// The vCPU at index `i`, if created (`kvm_get_vcpu()`).
    pub(crate) fn vcpu(&self, i: u32) -> Option<&KvmVcpu> {
        let (kvm, i) = (self.as_ptr(), i as c_int);
        // SAFETY: The VM is live, and the lookup safe against concurrent
        // vCPU creation. A vCPU found is created (only those below
        // `online_vcpus` are) and lives as long as the VM, which `&self`
        // keeps: a `KvmVcpu` (transparent) of that lifetime.
        let raw: *mut KvmVcpu = unsafe { bindings::kvm_riscv_glue_get_vcpu(kvm, i) }.cast();
        // SAFETY: As above; NULL if there is no such vCPU.
        unsafe { raw.as_ref() }
    }

    /// The vCPU with id `id`, if created (`kvm_get_vcpu_by_id()`).
    pub(crate) fn vcpu_by_id(&self, id: u32) -> Option<&KvmVcpu> {
        let id = i32::try_from(id).ok()?;
        let kvm = self.as_ptr();
        // SAFETY: As in `vcpu()`.
        let raw: *mut KvmVcpu = unsafe { bindings::kvm_riscv_glue_get_vcpu_by_id(kvm, id) }.cast();
        // SAFETY: As in `vcpu()`.
        unsafe { raw.as_ref() }
    }

    /// The number of vCPUs created (`atomic_read(&kvm->online_vcpus)`).
    pub(crate) fn online_vcpus(&self) -> u32 {
        const OFF: usize = offset_of!(bindings::kvm, online_vcpus.counter);
        // SAFETY: An aligned `atomic_t` of the live VM, which C only
        // accesses atomically.
        let counter = unsafe { AtomicI32::from_ptr(self.as_ptr().wrapping_byte_add(OFF).cast()) };
        counter.load(Ordering::Relaxed) as u32
    }

    /// Posts `req` to every vCPU and kicks them
    /// (`kvm_make_all_cpus_request()`).
    pub(crate) fn request_all(&self, req: Request) {
        // SAFETY: The VM is live.
        unsafe { bindings::kvm_riscv_glue_request_all(self.as_ptr(), req.raw()) };
    }

    /// Posts `req` to the vCPUs whose index is set in `bitmap`, kicks them
    /// and, for waiting requests, waits until they have seen it
    /// (`kvm_make_vcpus_request_mask()`).
    pub(crate) fn request_mask(&self, req: Request, bitmap: &VcpuBitmap) {
        let bits = bitmap.0.as_ptr().cast_mut().cast();
        // SAFETY: The VM is live; `bits` covers KVM_MAX_VCPUS bits, only
        // read, and outlives the call.
        unsafe { bindings::kvm_riscv_glue_request_mask(self.as_ptr(), req.raw(), bits) };
    }

    /// Destroys the VM's vCPUs (`kvm_destroy_vcpus()`).
    ///
    /// # Safety
    ///
    /// No ioctl may run on the VM any more and no vCPU be used again.
    pub(crate) unsafe fn destroy_vcpus(&self) {
        // SAFETY: As the caller guarantees.
        unsafe { bindings::kvm_destroy_vcpus(self.as_ptr()) };
    }

    /// What the fault path needs to know about the host mapping at `hva`.
    pub(crate) fn vma_info(&self, hva: Hva) -> Result<bindings::kvm_riscv_glue_vma_info> {
        let hva = hva.get() as c_ulong;
        let mut info = bindings::kvm_riscv_glue_vma_info::default();
        // SAFETY: `info` is valid for writes; the VM is live.
        let rc = unsafe { bindings::kvm_riscv_glue_vma_info(hva, &mut info, self.as_ptr()) };
        kernel::error::to_result(rc).map(|()| info)
    }
}

/// One bit per possible vCPU index, for [`Kvm::request_mask`].
pub(crate) struct VcpuBitmap([u64; VCPU_BITMAP_WORDS]);

/// Words of a [`VcpuBitmap`].
const VCPU_BITMAP_WORDS: usize = (bindings::KVM_MAX_VCPUS as usize).div_ceil(64);

impl VcpuBitmap {
    /// No vCPU.
    pub(crate) fn new() -> Self {
        VcpuBitmap([0; VCPU_BITMAP_WORDS])
    }

    /// Adds the vCPU of index `i`.
    pub(crate) fn set(&mut self, i: u32) {
        let i = i as usize;
        if let Some(word) = self.0.get_mut(i / 64) {
            *word |= 1 << (i % 64);
        }
    }
}

/// Registers the backend with generic KVM (`kvm_init()`), which creates
/// `/dev/kvm`; vCPU containers are `vcpu_size` bytes, `vcpu_align` aligned.
///
/// # Safety
///
/// Called once, from the init of `module`, and undone by [`exit`] before
/// the module goes.
pub(crate) unsafe fn init(vcpu_size: u32, vcpu_align: u32, module: &ThisModule) -> Result {
    // SAFETY: As the caller guarantees.
    kernel::error::to_result(unsafe { bindings::kvm_init(vcpu_size, vcpu_align, module.as_ptr()) })
}

/// Undoes [`init`] (`kvm_exit()`).
///
/// # Safety
///
/// [`init`] succeeded, and no VM holds a reference to the module any more
/// (module unload).
pub(crate) unsafe fn exit() {
    // SAFETY: As the caller guarantees.
    unsafe { bindings::kvm_exit() };
}
