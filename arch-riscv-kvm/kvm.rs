// SPDX-License-Identifier: GPL-2.0

//! Generic KVM as the backend sees it: `struct kvm` and `struct kvm_vcpu`,
//! and the services `virt/kvm` offers on them, each wrapped once, here.
//!
//! The references are the proofs. A [`&KvmVcpu`](KvmVcpu) or a
//! [`&Kvm`](Kvm) exists only while the object is live (see their
//! invariants), so what any task may do with a live object is a safe
//! method. What only the vCPU's own task may do inside `KVM_RUN` hangs off
//! [`VcpuSrcu`], which that task alone holds, and what needs `mmu_lock`
//! takes an [`MmuLocked`].

use core::marker::PhantomData;
use core::mem::offset_of;
use core::sync::atomic::{fence, AtomicBool, AtomicI32, AtomicU64, AtomicUsize, Ordering};

use kernel::bindings;
use kernel::ffi::{c_int, c_ulong, c_void};
use kernel::prelude::*;
use kernel::types::Opaque;

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

    /// A `T` field of the vCPU at byte offset `offset`, as an atomic.
    ///
    /// # Safety
    ///
    /// `offset` must be that of a field of type `T`'s non-atomic twin that
    /// C only accesses with single loads and stores or atomics.
    unsafe fn field<T>(&self, offset: usize) -> *mut T {
        // SAFETY: By the caller's guarantee the offset is within the live
        // vCPU (type invariant).
        unsafe { self.as_ptr().cast::<u8>().add(offset).cast::<T>() }
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
        // SAFETY: A `bool` of the live vCPU; generic KVM sets it on the
        // vCPU's task before calling `KVM_RUN`'s hook.
        let f = unsafe { self.field::<bool>(offset_of!(bindings::kvm_vcpu, wants_to_run)) };
        // SAFETY: Aligned, and C writes it with single stores.
        unsafe { AtomicBool::from_ptr(f) }.load(Ordering::Relaxed)
    }

    /// Sets `vcpu->guest_debug` (`KVM_SET_GUEST_DEBUG`).
    pub(crate) fn set_guest_debug(&self, control: usize) {
        // SAFETY: An `unsigned long` of the live vCPU, read by generic KVM
        // with single loads.
        let f = unsafe { self.field::<usize>(offset_of!(bindings::kvm_vcpu, guest_debug)) };
        // SAFETY: Aligned; see above.
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

    /// Enters the vCPU's SRCU read side (`kvm_vcpu_srcu_read_lock()`).
    ///
    /// # Safety
    ///
    /// The current task must own the vCPU (run its `KVM_RUN`) and hold no
    /// other [`VcpuSrcu`] of it: the lock's index lives in the vCPU.
    pub(crate) unsafe fn srcu_read_lock(&self) -> VcpuSrcu<'_> {
        // SAFETY: As the caller guarantees.
        unsafe { bindings::kvm_riscv_glue_srcu_read_lock(self.as_ptr()) };
        // INVARIANT: Locked just above, by the owning task.
        VcpuSrcu {
            vcpu: self,
            _task: PhantomData,
        }
    }
}

/// The owning task's SRCU read lock on its vCPU's VM, taken for a
/// `KVM_RUN`: memslots and guest memory stay valid while it is held.
///
/// INVARIANT: the current task owns `vcpu` and holds `kvm->srcu` for it
/// (`vcpu->srcu_idx`), except inside the methods that drop it for a while.
/// Not `Send`: the lock belongs to the task.
pub(crate) struct VcpuSrcu<'a> {
    vcpu: &'a KvmVcpu,
    _task: PhantomData<*mut ()>,
}

impl Drop for VcpuSrcu<'_> {
    fn drop(&mut self) {
        // SAFETY: Held, by the type invariant.
        unsafe { bindings::kvm_riscv_glue_srcu_read_unlock(self.vcpu.as_ptr()) };
    }
}

impl<'a> VcpuSrcu<'a> {
    /// The vCPU.
    pub(crate) fn vcpu(&self) -> &'a KvmVcpu {
        self.vcpu
    }

    /// Runs `f` with the lock dropped (to sleep), then takes it again.
    fn unlocked<R>(&mut self, f: impl FnOnce(*mut bindings::kvm_vcpu) -> R) -> R {
        let vcpu = self.vcpu.as_ptr();
        // SAFETY: Held, by the type invariant; taken again below.
        unsafe { bindings::kvm_riscv_glue_srcu_read_unlock(vcpu) };
        let r = f(vcpu);
        // SAFETY: The owning task takes back what it dropped.
        unsafe { bindings::kvm_riscv_glue_srcu_read_lock(vcpu) };
        r
    }

    /// WFI: sleeps until the vCPU is runnable (`kvm_vcpu_halt()`).
    pub(crate) fn halt(&mut self) {
        // SAFETY: The owning task, SRCU dropped; the vCPU is live.
        self.unlocked(|v| unsafe { bindings::kvm_vcpu_halt(v) });
    }

    /// Sleeps while the vCPU is powered off (`KVM_REQ_SLEEP`); a signal
    /// ends the wait early.
    pub(crate) fn wait_while_stopped(&mut self) {
        // SAFETY: The owning task, SRCU dropped; the vCPU is live.
        self.unlocked(|v| unsafe { bindings::kvm_riscv_glue_wait_while_stopped(v) });
    }

    /// Loads the vCPU on this CPU and arms its preempt notifiers
    /// (`vcpu_load()`), with the task's signal mask for the guest
    /// (`kvm_sigset_activate()`).
    ///
    /// # Safety
    ///
    /// No reference into the backend's load state may be live until the
    /// matching [`VcpuSrcu::vcpu_put`]: the hooks write it.
    pub(crate) unsafe fn vcpu_load(&mut self) {
        let vcpu = self.vcpu.as_ptr();
        // SAFETY: The owning task (type invariant); the caller keeps the
        // hooks' state free.
        unsafe {
            bindings::vcpu_load(vcpu);
            bindings::kvm_sigset_activate(vcpu);
        }
    }

    /// Undoes [`VcpuSrcu::vcpu_load`].
    ///
    /// # Safety
    ///
    /// As for [`VcpuSrcu::vcpu_load`], which must have been called.
    pub(crate) unsafe fn vcpu_put(&mut self) {
        let vcpu = self.vcpu.as_ptr();
        // SAFETY: Loaded by this task, as the caller guarantees.
        unsafe {
            bindings::kvm_sigset_deactivate(vcpu);
            bindings::vcpu_put(vcpu);
        }
    }

    /// Handles signals, rescheduling and notify-resume work before guest
    /// entry (`xfer_to_guest_mode_handle_work()`): 0, or an errno to end
    /// `KVM_RUN` with (`-EINTR` with `KVM_EXIT_INTR`).
    pub(crate) fn handle_work(&mut self) -> c_int {
        // SAFETY: The owning task; the work may sleep, which the SRCU read
        // side allows.
        unsafe { bindings::xfer_to_guest_mode_handle_work(self.vcpu.as_ptr()) }
    }

    /// The run loop's entry sequence: interrupts off, `IN_GUEST_MODE`, the
    /// SRCU read side left. Returns `Err` if the guest must not be entered
    /// now (a request or work for the task is pending, or `abort` says so),
    /// everything undone; else the guest may be entered, and
    /// [`VcpuSrcu::guest_exit`] must follow the world switch.
    pub(crate) fn guest_entry(
        &mut self,
        _cpu: &crate::glue::NoPreempt,
        abort: impl FnOnce() -> bool,
    ) -> Result<GuestMode<'_, 'a>, ()> {
        let vcpu = self.vcpu.as_ptr();
        // SAFETY: The owning task holds SRCU and the vCPU is loaded, with
        // preemption off (`_cpu`).
        let must_retry = unsafe { bindings::kvm_riscv_glue_guest_entry_begin(vcpu) } || abort();
        if must_retry {
            // SAFETY: The guest was not entered; preemption is still off.
            unsafe { bindings::kvm_riscv_glue_guest_entry_abort(vcpu) };
            return Err(());
        }
        // INVARIANT: Entered guest mode, interrupts off, SRCU dropped.
        Ok(GuestMode { srcu: self })
    }

    /// `kvm_io_bus_write()` on the MMIO bus: whether a device took it.
    pub(crate) fn mmio_write(&self, gpa: u64, data: &[u8]) -> bool {
        // SAFETY: The owning task holds SRCU, which the bus needs; `data`
        // outlives the call.
        unsafe {
            bindings::kvm_io_bus_write(
                self.vcpu.as_ptr(),
                bindings::kvm_bus_KVM_MMIO_BUS,
                gpa,
                data.len() as c_int,
                data.as_ptr().cast(),
            ) == 0
        }
    }

    /// `kvm_io_bus_read()` on the MMIO bus: whether a device answered.
    pub(crate) fn mmio_read(&self, gpa: u64, data: &mut [u8]) -> bool {
        // SAFETY: As in `mmio_write()`.
        unsafe {
            bindings::kvm_io_bus_read(
                self.vcpu.as_ptr(),
                bindings::kvm_bus_KVM_MMIO_BUS,
                gpa,
                data.len() as c_int,
                data.as_mut_ptr().cast(),
            ) == 0
        }
    }

    /// Reads guest memory at `gpa` into `buf` (`kvm_vcpu_read_guest()`).
    pub(crate) fn read_guest(&self, gpa: u64, buf: &mut [u8]) -> Result {
        // SAFETY: SRCU held; `buf` is valid for writes of its length.
        let rc = unsafe {
            bindings::kvm_vcpu_read_guest(
                self.vcpu.as_ptr(),
                gpa,
                buf.as_mut_ptr().cast::<c_void>(),
                buf.len() as c_ulong,
            )
        };
        kernel::error::to_result(rc)
    }

    /// Writes `buf` to guest memory at `gpa` (`kvm_vcpu_write_guest()`).
    pub(crate) fn write_guest(&self, gpa: u64, buf: &[u8]) -> Result {
        // SAFETY: SRCU held; `buf` is valid for reads of its length.
        let rc = unsafe {
            bindings::kvm_vcpu_write_guest(
                self.vcpu.as_ptr(),
                gpa,
                buf.as_ptr().cast::<c_void>(),
                buf.len() as c_ulong,
            )
        };
        kernel::error::to_result(rc)
    }

    /// Whether a memslot backs guest page `gfn` writably.
    pub(crate) fn gfn_is_writable(&self, gfn: u64) -> bool {
        let mut writable = false;
        // SAFETY: SRCU held; `writable` is valid for writes.
        let hva =
            unsafe { bindings::kvm_vcpu_gfn_to_hva_prot(self.vcpu.as_ptr(), gfn, &mut writable) };
        !is_error_hva(hva) && writable
    }

    /// The memslot backing guest page `gfn`, valid while SRCU is held.
    pub(crate) fn memslot(&self, gfn: u64) -> Option<Memslot<'_>> {
        let kvm = self.vcpu.kvm().as_ptr();
        // SAFETY: SRCU held, which keeps memslots alive.
        let slot = unsafe { bindings::gfn_to_memslot(kvm, gfn) };
        // SAFETY: A memslot found under SRCU lives as long as the lock is
        // held, which `&self` keeps.
        let slot = unsafe { slot.as_ref() }?;
        Some(Memslot { slot })
    }

    /// Pins the host page behind `gfn` (`gfn_to_pfn_prot()`); with
    /// `write`, a writable one if the memslot allows.
    pub(crate) fn pin_pfn(&self, gfn: u64, write: bool) -> Result<PinnedPfn, PfnError> {
        let mut writable = false;
        // SAFETY: SRCU held; `writable` is valid for writes.
        let pfn = unsafe {
            bindings::gfn_to_pfn_prot(self.vcpu.kvm().as_ptr(), gfn, write, &mut writable)
        };
        // SAFETY: Pure classification of a value.
        match unsafe { bindings::kvm_riscv_glue_pfn_status(pfn) } {
            // INVARIANT: A valid pfn, whose reference is ours now.
            bindings::kvm_riscv_glue_pfn_status_KVM_RISCV_GLUE_PFN_OK => {
                Ok(PinnedPfn { pfn, writable })
            }
            bindings::kvm_riscv_glue_pfn_status_KVM_RISCV_GLUE_PFN_HWPOISON => {
                Err(PfnError::HwPoison)
            }
            bindings::kvm_riscv_glue_pfn_status_KVM_RISCV_GLUE_PFN_SIGPENDING => {
                Err(PfnError::SigPending)
            }
            _ => Err(PfnError::Fault),
        }
    }

    /// Marks guest page `gfn` dirty for dirty logging (`mark_page_dirty()`).
    pub(crate) fn mark_page_dirty(&self, gfn: u64) {
        // SAFETY: SRCU held.
        unsafe { bindings::mark_page_dirty(self.vcpu.kvm().as_ptr(), gfn) };
    }

    /// Yields to another vCPU of the VM (`kvm_vcpu_on_spin()`).
    pub(crate) fn yield_to_other(&self, in_kernel: bool) {
        // SAFETY: The owning task.
        unsafe { bindings::kvm_vcpu_on_spin(self.vcpu.as_ptr(), in_kernel) };
    }

    /// Runs `read` (an access to guest memory through this hart's TLB) as
    /// a reader of the G-stage tables (`READING_SHADOW_PAGE_TABLES`), with
    /// interrupts off: a waiting TLB-flush request made meanwhile waits for
    /// it. `before` runs first, inside the same section (see
    /// `tlb::fenced_guest_read`).
    pub(crate) fn as_table_reader<R>(
        &self,
        before: impl FnOnce(),
        read: impl FnOnce(&crate::glue::IrqsOff) -> R,
    ) -> R {
        let vcpu = self.vcpu.as_ptr();
        let irqs = crate::glue::IrqsOff::new();
        // SAFETY: The owning task, interrupts off until the end.
        unsafe { bindings::kvm_riscv_glue_begin_guest_read(vcpu) };
        before();
        let value = read(&irqs);
        // SAFETY: Ends what `begin_guest_read()` started.
        unsafe { bindings::kvm_riscv_glue_leave_guest_mode(vcpu) };
        value
    }
}

/// The vCPU in guest mode: between [`VcpuSrcu::guest_entry`] and
/// [`GuestMode::exit`], interrupts off and SRCU dropped.
#[must_use = "guest mode must be left with exit()"]
pub(crate) struct GuestMode<'s, 'a> {
    srcu: &'s mut VcpuSrcu<'a>,
}

impl GuestMode<'_, '_> {
    /// Starts guest time accounting and emits `kvm:kvm_entry` for a guest
    /// entered at `pc`; the world switch follows at once.
    pub(crate) fn timing_enter(&self, pc: usize) {
        // SAFETY: Interrupts off (type invariant).
        unsafe { bindings::kvm_riscv_glue_guest_timing_enter(pc as c_ulong) }
    }

    /// Ends guest mode after the world switch: pending interrupts taken,
    /// guest time accounting stopped, `kvm:kvm_exit` emitted with the
    /// trap's CSRs, interrupts on and SRCU taken again.
    pub(crate) fn exit(self, trap: &bindings::kvm_riscv_glue_trap) {
        // SAFETY: In guest mode (type invariant), interrupts off since;
        // `trap` outlives the call. SRCU is held again afterwards, as
        // `VcpuSrcu` says.
        unsafe { bindings::kvm_riscv_glue_guest_exit(self.srcu.vcpu.as_ptr(), trap) }
    }
}

/// A host page pinned for a G-stage mapping; the reference is dropped,
/// the page marked accessed, when this goes.
///
/// INVARIANT: `pfn` is a valid pfn (no error value) on which this holds
/// the reference `gfn_to_pfn_prot()` took.
pub(crate) struct PinnedPfn {
    pfn: u64,
    writable: bool,
}

/// Why [`VcpuSrcu::pin_pfn`] found no page.
pub(crate) enum PfnError {
    /// The page is poisoned: the task gets SIGBUS.
    HwPoison,
    /// A signal is pending: `KVM_RUN` returns `-EINTR`.
    SigPending,
    /// Nothing can back the address.
    Fault,
}

impl PinnedPfn {
    /// The pfn.
    pub(crate) fn pfn(&self) -> u64 {
        self.pfn
    }

    /// Whether the host page may be mapped writable.
    pub(crate) fn writable(&self) -> bool {
        self.writable
    }

    /// Marks the host page dirty (`kvm_set_pfn_dirty()`).
    pub(crate) fn set_dirty(&self) {
        // SAFETY: A valid pfn whose reference we hold (type invariant).
        unsafe { bindings::kvm_set_pfn_dirty(self.pfn) };
    }
}

impl Drop for PinnedPfn {
    fn drop(&mut self) {
        // SAFETY: Drops the reference `gfn_to_pfn_prot()` took on this
        // valid pfn (type invariant).
        unsafe {
            bindings::kvm_set_pfn_accessed(self.pfn);
            bindings::kvm_release_pfn_clean(self.pfn);
        }
    }
}

/// A memslot, valid while the SRCU read lock it was found under is held.
pub(crate) struct Memslot<'s> {
    slot: &'s bindings::kvm_memory_slot,
}

impl Memslot<'_> {
    /// The slot.
    pub(crate) fn get(&self) -> &bindings::kvm_memory_slot {
        self.slot
    }

    /// Host virtual address of `gfn` in this slot, and whether it may be
    /// written; `None` outside the slot or for a read-only one asked with
    /// `write`.
    pub(crate) fn hva(&self, gfn: u64) -> Option<(usize, bool)> {
        let mut writable = false;
        let slot: *const _ = self.slot;
        // SAFETY: A live memslot (SRCU held); `writable` valid for writes.
        let hva = unsafe { bindings::gfn_to_hva_memslot_prot(slot.cast_mut(), gfn, &mut writable) };
        (!is_error_hva(hva)).then_some((hva as usize, writable))
    }
}

/// `kvm_is_error_hva()`.
fn is_error_hva(hva: c_ulong) -> bool {
    // SAFETY: Pure check of a value.
    unsafe { bindings::kvm_riscv_glue_is_error_hva(hva) }
}

/// Sends the current task SIGBUS for a poisoned page at `hva`.
pub(crate) fn send_hwpoison(hva: usize, page_shift: u32) {
    // SAFETY: Signals the current task about its own address.
    unsafe { bindings::kvm_riscv_glue_send_hwpoison(hva as c_ulong, page_shift) };
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
        // SAFETY: The VM is live; the lookup is safe against concurrent
        // vCPU creation.
        let raw = unsafe { bindings::kvm_riscv_glue_get_vcpu(self.as_ptr(), i as c_int) };
        // SAFETY: A vCPU found in the VM is created and lives as long as
        // the VM, which `&self` keeps.
        unsafe { raw.cast::<KvmVcpu>().as_ref() }
    }

    /// The vCPU with id `id`, if created (`kvm_get_vcpu_by_id()`).
    pub(crate) fn vcpu_by_id(&self, id: u32) -> Option<&KvmVcpu> {
        let id = i32::try_from(id).ok()?;
        // SAFETY: As in `vcpu()`.
        let raw = unsafe { bindings::kvm_riscv_glue_get_vcpu_by_id(self.as_ptr(), id) };
        // SAFETY: As in `vcpu()`.
        unsafe { raw.cast::<KvmVcpu>().as_ref() }
    }

    /// The number of vCPUs created (`atomic_read(&kvm->online_vcpus)`).
    pub(crate) fn online_vcpus(&self) -> u32 {
        const OFF: usize = offset_of!(bindings::kvm, online_vcpus.counter);
        // SAFETY: An aligned `atomic_t` of the live VM, which C only
        // accesses atomically.
        let counter = unsafe { AtomicI32::from_ptr(self.as_ptr().cast::<u8>().add(OFF).cast()) };
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
        // SAFETY: The VM is live; the bitmap covers KVM_MAX_VCPUS bits and
        // outlives the call.
        unsafe {
            bindings::kvm_riscv_glue_request_mask(
                self.as_ptr(),
                req.raw(),
                bitmap.0.as_ptr().cast_mut().cast(),
            )
        };
    }

    /// Takes `kvm->mmu_lock`.
    pub(crate) fn lock_mmu(&self) -> MmuGuard<'_> {
        // SAFETY: The spinlock embedded in the live VM.
        unsafe { bindings::spin_lock(&raw mut (*self.as_ptr()).mmu_lock) };
        // INVARIANT: Taken just above.
        MmuGuard(MmuLocked {
            kvm: self,
            _task: PhantomData,
        })
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
    pub(crate) fn vma_info(&self, hva: usize) -> Result<bindings::kvm_riscv_glue_vma_info> {
        let mut info = bindings::kvm_riscv_glue_vma_info::default();
        // SAFETY: `info` is valid for writes; the VM is live.
        let rc =
            unsafe { bindings::kvm_riscv_glue_vma_info(hva as c_ulong, &mut info, self.as_ptr()) };
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

/// Proof that `kvm->mmu_lock` is held, by the caller of a hook generic KVM
/// calls with it held, or by an [`MmuGuard`].
///
/// INVARIANT: `kvm->mmu_lock` is held by the current task while this
/// exists (except inside [`MmuLocked::cond_resched`]). Not `Send`.
pub(crate) struct MmuLocked<'a> {
    kvm: &'a Kvm,
    _task: PhantomData<*mut ()>,
}

impl<'a> MmuLocked<'a> {
    /// The lock a caller of an MMU hook holds.
    ///
    /// # Safety
    ///
    /// The current task holds `kvm->mmu_lock` of `kvm` for `'a`.
    pub(crate) unsafe fn assume(kvm: &'a Kvm) -> Self {
        // INVARIANT: As the caller guarantees.
        MmuLocked {
            kvm,
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
    pub(crate) fn host_mapping_shift(&self, hva: usize) -> u32 {
        // SAFETY: The VM is live and mmu_lock held.
        unsafe { bindings::kvm_riscv_glue_host_mapping_shift(self.kvm.as_ptr(), hva as c_ulong) }
    }

    /// Whether someone waits for the lock or the CPU
    /// (`spin_needbreak()` or `need_resched()`).
    pub(crate) fn needbreak(&self) -> bool {
        // SAFETY: mmu_lock is held.
        unsafe { bindings::kvm_riscv_glue_mmu_lock_needbreak(self.kvm.as_ptr()) }
    }

    /// Lets the lock go for a moment and reschedules
    /// (`cond_resched_lock()`).
    ///
    /// # Safety
    ///
    /// The caller may sleep, and whoever handed out this proof lets the
    /// lock be dropped (an MMU hook only with `range->may_block`).
    pub(crate) unsafe fn cond_resched(&mut self) {
        // SAFETY: mmu_lock is held, retaken before this returns.
        unsafe { bindings::kvm_riscv_glue_mmu_lock_break(self.kvm.as_ptr()) };
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
