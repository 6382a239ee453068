// SPDX-License-Identifier: GPL-2.0

//! What the task that owns a vCPU does inside `KVM_RUN`, under the VM's
//! SRCU read lock: memslots and guest memory, the MMIO bus, halting,
//! loading the vCPU and entering the guest. [`VcpuSrcu`] is the proof of
//! both, ownership and the lock, so these are its methods.

use core::marker::PhantomData;

use kernel::bindings;
use kernel::ffi::{c_int, c_ulong};
use kernel::prelude::*;

use crate::addr::{Gpa, Hva};
use crate::kvm::KvmVcpu;

/// The MMIO bus, for `kvm_io_bus_*()`.
const MMIO_BUS: bindings::kvm_bus = bindings::kvm_bus_KVM_MMIO_BUS;

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
    /// Enters the vCPU's SRCU read side (`kvm_vcpu_srcu_read_lock()`).
    ///
    /// # Safety
    ///
    /// The current task must own the vCPU (run its `KVM_RUN`) and hold no
    /// other [`VcpuSrcu`] of it: the lock's index lives in the vCPU.
    pub(crate) unsafe fn lock(vcpu: &'a KvmVcpu) -> Self {
        // SAFETY: As the caller guarantees.
        unsafe { bindings::kvm_riscv_glue_srcu_read_lock(vcpu.as_ptr()) };
        // INVARIANT: Locked just above, by the owning task.
        VcpuSrcu {
            vcpu,
            _task: PhantomData,
        }
    }

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
        unsafe { bindings::vcpu_load(vcpu) };
        // SAFETY: The owning task; undone in `vcpu_put()`.
        unsafe { bindings::kvm_sigset_activate(vcpu) };
    }

    /// Undoes [`VcpuSrcu::vcpu_load`].
    ///
    /// # Safety
    ///
    /// As for [`VcpuSrcu::vcpu_load`], which must have been called.
    pub(crate) unsafe fn vcpu_put(&mut self) {
        let vcpu = self.vcpu.as_ptr();
        // SAFETY: Activated by `vcpu_load()`, as the caller guarantees.
        unsafe { bindings::kvm_sigset_deactivate(vcpu) };
        // SAFETY: Loaded by this task, as the caller guarantees.
        unsafe { bindings::vcpu_put(vcpu) };
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
    pub(crate) fn mmio_write(&self, gpa: Gpa, data: &[u8]) -> bool {
        let gpa = gpa.get();
        let (vcpu, len, ptr) = (
            self.vcpu.as_ptr(),
            data.len() as c_int,
            data.as_ptr().cast(),
        );
        // SAFETY: The owning task holds SRCU, which the bus needs; `data`
        // is valid for reads of `len` bytes for the call.
        unsafe { bindings::kvm_io_bus_write(vcpu, MMIO_BUS, gpa, len, ptr) == 0 }
    }

    /// `kvm_io_bus_read()` on the MMIO bus: whether a device answered.
    pub(crate) fn mmio_read(&self, gpa: Gpa, data: &mut [u8]) -> bool {
        let gpa = gpa.get();
        let (vcpu, len, ptr) = (self.vcpu.as_ptr(), data.len() as c_int, data.as_mut_ptr());
        // SAFETY: As in `mmio_write()`, `data` valid for writes.
        unsafe { bindings::kvm_io_bus_read(vcpu, MMIO_BUS, gpa, len, ptr.cast()) == 0 }
    }

    /// Reads guest memory at `gpa` into `buf` (`kvm_vcpu_read_guest()`).
    pub(crate) fn read_guest(&self, gpa: Gpa, buf: &mut [u8]) -> Result {
        let (vcpu, ptr, len) = (self.vcpu.as_ptr(), buf.as_mut_ptr(), buf.len() as c_ulong);
        // SAFETY: SRCU held; `buf` is valid for writes of its length.
        let rc = unsafe { bindings::kvm_vcpu_read_guest(vcpu, gpa.get(), ptr.cast(), len) };
        kernel::error::to_result(rc)
    }

    /// Writes `buf` to guest memory at `gpa` (`kvm_vcpu_write_guest()`).
    pub(crate) fn write_guest(&self, gpa: Gpa, buf: &[u8]) -> Result {
        let (vcpu, ptr, len) = (self.vcpu.as_ptr(), buf.as_ptr(), buf.len() as c_ulong);
        // SAFETY: SRCU held; `buf` is valid for reads of its length.
        let rc = unsafe { bindings::kvm_vcpu_write_guest(vcpu, gpa.get(), ptr.cast(), len) };
        kernel::error::to_result(rc)
    }

    /// Whether a memslot backs the guest page of `gpa` writably.
    pub(crate) fn page_is_writable(&self, gpa: Gpa) -> bool {
        let (vcpu, gfn) = (self.vcpu.as_ptr(), gpa.gfn());
        let mut writable = false;
        // SAFETY: SRCU held; `writable` is valid for writes.
        let hva = unsafe { bindings::kvm_vcpu_gfn_to_hva_prot(vcpu, gfn, &mut writable) };
        !is_error_hva(hva) && writable
    }

    /// The memslot backing guest page `gfn`, valid while SRCU is held.
    pub(crate) fn memslot(&self, gpa: Gpa) -> Option<Memslot<'_>> {
        let gfn = gpa.gfn();
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
        let kvm = self.vcpu.kvm().as_ptr();
        // SAFETY: SRCU held; `writable` is valid for writes.
        let pfn = unsafe { bindings::gfn_to_pfn_prot(kvm, gfn, write, &mut writable) };
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
        // valid pfn (type invariant): accessed first, released last.
        unsafe { bindings::kvm_set_pfn_accessed(self.pfn) };
        // SAFETY: As above; the reference is not used again.
        unsafe { bindings::kvm_release_pfn_clean(self.pfn) };
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
    pub(crate) fn hva(&self, gpa: Gpa) -> Option<(Hva, bool)> {
        let gfn = gpa.gfn();
        let mut writable = false;
        let slot: *const _ = self.slot;
        // SAFETY: A live memslot (SRCU held); `writable` valid for writes.
        let hva = unsafe { bindings::gfn_to_hva_memslot_prot(slot.cast_mut(), gfn, &mut writable) };
        (!is_error_hva(hva)).then_some((Hva::new(hva as usize), writable))
    }
}

/// `kvm_is_error_hva()`.
fn is_error_hva(hva: c_ulong) -> bool {
    // SAFETY: Pure check of a value.
    unsafe { bindings::kvm_riscv_glue_is_error_hva(hva) }
}

/// Sends the current task SIGBUS for a poisoned page at `hva`.
pub(crate) fn send_hwpoison(hva: Hva, page_shift: u32) {
    let hva = hva.get() as c_ulong;
    // SAFETY: Signals the current task about its own address.
    unsafe { bindings::kvm_riscv_glue_send_hwpoison(hva, page_shift) };
}
