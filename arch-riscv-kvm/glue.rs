// SPDX-License-Identifier: GPL-2.0

//! Rust side of `glue.c` and of the kernel services the backend calls
//! (generic KVM's are in `kvm.rs`).
//!
//! The helpers are declared in `asm/kvm_riscv_glue.h`, which bindgen reads.
//! Each C function is wrapped exactly once, here or in `kvm.rs`, so the
//! rest of the backend never writes `unsafe` just to reach a kernel
//! service.

use core::cell::UnsafeCell;
use core::ptr::NonNull;
use kernel::bindings;
use kernel::ffi::{c_int, c_ulong, c_void};
use kernel::prelude::*;
use kernel::types::Opaque;

use crate::addr::{Hpa, Hva};
use crate::logic::pmu::PerfAttr;

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
    let (index, size) = (index as c_ulong, size as c_ulong);
    // SAFETY: Pure arithmetic.
    unsafe { bindings::kvm_riscv_glue_array_index_nospec(index, size) as usize }
}

/// An initialiser of an `UnsafeCell<T>` from one of its `T`, so a struct
/// behind a cell can be written field by field in place (`init!`).
pub(crate) fn init_in_cell<T>(init: impl Init<T>) -> impl Init<UnsafeCell<T>> {
    // SAFETY: `UnsafeCell<T>` has the layout of `T` (`repr(transparent)`),
    // so initialising the `T` inside the cell at `slot` initialises the
    // cell; `init` fails with `Infallible`, so never, and its own
    // contract (`slot` valid for writes of a `T`) is the closure's.
    unsafe { kernel::init::init_from_closure(move |slot| init.__init(UnsafeCell::raw_get(slot))) }
}

/// Keeps the current task on this CPU while alive; not `Send`, as it is
/// proof about the current task (`&NoPreempt` says preemption is off).
pub(crate) struct NoPreempt(core::marker::PhantomData<*mut ()>);

impl NoPreempt {
    pub(crate) fn new() -> Self {
        // SAFETY: Balanced by the `preempt_enable()` in `drop`.
        unsafe { bindings::kvm_riscv_glue_preempt_disable() };
        NoPreempt(core::marker::PhantomData)
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
pub(crate) fn virt_to_phys(addr: *mut c_void) -> Hpa {
    // SAFETY: Pure address arithmetic on the linear map.
    Hpa::new(unsafe { bindings::kvm_riscv_glue_virt_to_phys(addr) })
}

/// `__va()`: direct-map address of physical memory.
pub(crate) fn phys_to_virt(addr: Hpa) -> *mut c_void {
    // SAFETY: Pure address arithmetic on the linear map.
    unsafe { bindings::kvm_riscv_glue_phys_to_virt(addr.get()) }
}

impl Drop for Pages {
    fn drop(&mut self) {
        // SAFETY: By the type invariant we own these pages; nothing refers
        // to them once the owner is dropped.
        unsafe { bindings::free_pages(self.addr, self.order) };
    }
}

/// Keeps local interrupts disabled while alive (`local_irq_save()`); not
/// `Send`, as it is proof about the current CPU.
pub(crate) struct IrqsOff(c_ulong, core::marker::PhantomData<*mut ()>);

impl IrqsOff {
    pub(crate) fn new() -> Self {
        // SAFETY: Balanced by the restore in `drop`.
        let flags = unsafe { bindings::kvm_riscv_glue_local_irq_save() };
        IrqsOff(flags, core::marker::PhantomData)
    }
}

impl Drop for IrqsOff {
    fn drop(&mut self) {
        // SAFETY: Restores what `new` saved, on the same CPU (interrupts
        // off means no migration).
        unsafe { bindings::kvm_riscv_glue_local_irq_restore(self.0) };
    }
}

/// The current CPU (`smp_processor_id()`), stable while `_cpu` lives.
pub(crate) fn smp_processor_id(_cpu: &NoPreempt) -> i32 {
    // SAFETY: Reads this CPU's number; no other effect.
    unsafe { bindings::kvm_riscv_glue_smp_processor_id() }
}

/// Whether every hart has the single-letter extension `letter`.
pub(crate) fn host_has_extension(letter: u8) -> bool {
    host_extension_available(u32::from(letter - b'a'))
}

/// Whether every hart has ISA extension `id` (`RISCV_ISA_EXT_*`).
pub(crate) fn host_extension_available(id: u32) -> bool {
    // SAFETY: A NULL bitmap asks about the ISA common to all harts; any id
    // is checked against the bitmap's size.
    unsafe { bindings::__riscv_isa_extension_available(core::ptr::null(), id) }
}

/// Bytes of the host's vector register file: 0 without V (on a hart or
/// in the kernel).
pub(crate) fn vector_size() -> usize {
    // SAFETY: Reads boot-time constants; no other effect.
    unsafe { bindings::kvm_riscv_glue_vector_size() as usize }
}

/// Hands the current task's user-mode vector state to the kernel, as
/// `kernel_vector_begin()` does: saved into the task now if dirty, and
/// restored by the kernel on the way back to user mode. The CPU's
/// registers are free until then.
pub(crate) fn vector_hand_over_user_state() {
    // SAFETY: Only the current task's own state moves, into its own save
    // area, by the kernel's helpers, with interrupts off inside (so no
    // softirq's vector use and no context switch comes in between): any
    // context of a task may call it.
    unsafe { bindings::kvm_riscv_glue_vector_hand_over() }
}

/// Whether the calling task may use vector (its `PR_RISCV_V_VSTATE_CTRL`
/// state): upstream gives V to the vCPUs such a task creates.
pub(crate) fn vector_user_allowed() -> bool {
    // SAFETY: Reads the current task's vector control; no other effect.
    unsafe { bindings::kvm_riscv_glue_vector_user_allowed() }
}

/// The machine's `mvendorid`, `marchid` and `mimpid`, from the firmware.
pub(crate) fn sbi_machine_ids() -> (u64, u64, u64) {
    use bindings::{sbi_get_marchid, sbi_get_mimpid, sbi_get_mvendorid};
    // SAFETY: Plain SBI queries of the host firmware, valid any time.
    let ids = unsafe { [sbi_get_mvendorid(), sbi_get_marchid(), sbi_get_mimpid()] };
    ids.map(|id| id as u64).into()
}

/// The host firmware's SBI version, as the kernel found it at boot.
pub(crate) fn sbi_spec_version() -> c_ulong {
    // SAFETY: Written once during early boot, read-only afterwards.
    unsafe { bindings::sbi_spec_version }
}

/// Whether the host firmware implements SBI extension `eid`.
pub(crate) fn sbi_probe_extension(eid: i32) -> bool {
    // SAFETY: A plain SBI probe call, valid from any context.
    unsafe { bindings::sbi_probe_extension(eid) != 0 }
}

/// What the kernel found at boot: the Zicbom and Zicboz block sizes, the
/// `satp` value of its page tables and the `time` frequency.
pub(crate) fn boot_params() -> (u64, u64, u64, u64) {
    use bindings::{riscv_cbom_block_size as CBOM, riscv_cboz_block_size as CBOZ};
    use bindings::{riscv_timebase as TIMEBASE, satp_mode as SATP};
    // SAFETY: Set during boot, read-only afterwards.
    let (cbom, cboz, satp, timebase) = unsafe { (CBOM, CBOZ, SATP, TIMEBASE) };
    (u64::from(cbom), u64::from(cboz), satp, timebase as u64)
}

/// Runs `f` on every online CPU and waits for all of them
/// (`on_each_cpu()`); `f` runs in interrupt context.
pub(crate) fn on_each_cpu(f: fn()) {
    /// # Safety
    ///
    /// `info` must point to a `fn()`.
    unsafe extern "C" fn call(info: *mut c_void) {
        // SAFETY: `info` is the `fn()` passed below, alive until every CPU
        // is done (the call waits).
        let f = unsafe { *info.cast::<fn()>() };
        f();
    }
    let mut f = f;
    let (info, online) = ((&raw mut f).cast(), &raw const bindings::__cpu_online_mask);
    // SAFETY: Runs `call` on every online CPU and waits; `f` outlives it.
    unsafe { bindings::on_each_cpu_cond_mask(None, Some(call), info, true, online) };
}

/// Whether the scheduler keeps per-task run delays (`CONFIG_SCHED_INFO`
/// and `sched_info_on()`).
pub(crate) fn sched_info_on() -> bool {
    // SAFETY: Reads a configuration constant.
    unsafe { bindings::kvm_riscv_glue_sched_info_on() }
}

/// The current task's total run delay (time spent runnable, waiting).
pub(crate) fn run_delay() -> u64 {
    // SAFETY: Reads the current task's own accounting.
    unsafe { bindings::kvm_riscv_glue_run_delay() }
}

/// Frees a page-table page of a G-stage table.
///
/// # Safety
///
/// `phys` must be the address of a whole page from the page allocator that
/// nothing refers to any more.
pub(crate) unsafe fn free_page_phys(phys: Hpa) {
    // SAFETY: As the caller guarantees; the direct map covers the page.
    unsafe { bindings::free_pages(phys_to_virt(phys) as usize as c_ulong, 0) };
}

/// Prints `args` at KERN_INFO as `kvm [<pid of current>]: <args>`.
pub(crate) fn kvm_info_args(args: core::fmt::Arguments<'_>) {
    let pid = current!().pid();
    let (format, args) = (c"\x016kvm [%i]: %pA".as_ptr(), core::ptr::from_ref(&args));
    // SAFETY: The format is NUL-terminated and consumes exactly an `int`
    // and a `%pA`, which takes a pointer to a `fmt::Arguments` that stays
    // alive for the call.
    unsafe { bindings::_printk(format, pid, args.cast::<c_void>()) };
}

/// An hrtimer on `CLOCK_MONOTONIC`, relative, run in hard interrupt
/// context.
#[pin_data(PinnedDrop)]
pub(crate) struct HrTimer {
    #[pin]
    timer: Opaque<bindings::hrtimer>,
}

/// Relative expiry, as every backend timer is armed.
const HRTIMER_REL: bindings::hrtimer_mode = bindings::hrtimer_mode_HRTIMER_MODE_REL;

/// An hrtimer callback.
pub(crate) type HrTimerFn =
    unsafe extern "C" fn(*mut bindings::hrtimer) -> bindings::hrtimer_restart;

impl HrTimer {
    /// Where the C timer sits in an `HrTimer`, for callbacks to find their
    /// container.
    pub(crate) const TIMER_OFFSET: usize = core::mem::offset_of!(HrTimer, timer);

    /// A stopped timer that calls `function` when it fires.
    pub(crate) fn new(function: HrTimerFn) -> impl PinInit<Self> {
        pin_init!(HrTimer {
            timer <- Opaque::ffi_init(move |slot: *mut bindings::hrtimer| {
                let clock = bindings::CLOCK_MONOTONIC as _;
                // SAFETY: `slot` is valid for writes and stays pinned.
                unsafe { bindings::hrtimer_init(slot, clock, HRTIMER_REL) };
                // SAFETY: Initialised just above; not started yet.
                unsafe { (*slot).function = Some(function) };
            }),
        })
    }

    /// Stops the timer, waiting for a running callback.
    pub(crate) fn cancel(&self) {
        // SAFETY: Initialised in `new()`.
        unsafe { bindings::hrtimer_cancel(self.timer.get()) };
    }

    /// (Re)starts the timer to fire in `ns` nanoseconds.
    pub(crate) fn start(&self, ns: i64) {
        // SAFETY: Initialised in `new()`; the callback's owner cancels the
        // timer before it goes (`PinnedDrop`).
        unsafe { bindings::hrtimer_start_range_ns(self.timer.get(), ns, 0, HRTIMER_REL) };
    }

    /// Moves the expiry of a timer whose callback is running to `ns` from
    /// now (`hrtimer_forward_now()`), for it to return `HRTIMER_RESTART`.
    ///
    /// # Safety
    ///
    /// `timer` must be the timer whose callback the caller is.
    pub(crate) unsafe fn forward_now(timer: *mut bindings::hrtimer, ns: i64) {
        // SAFETY: As the caller guarantees.
        unsafe { bindings::kvm_riscv_glue_hrtimer_forward_now(timer, ns) };
    }
}

#[pinned_drop]
impl PinnedDrop for HrTimer {
    fn drop(self: Pin<&mut Self>) {
        self.cancel();
    }
}

/// Whether the VMAs behind `[hva, hva + size)` of the current task can
/// back a memslot with these flags: 0 or a negative errno, as
/// `kvm_arch_prepare_memory_region()` returns it.
pub(crate) fn check_slot_vmas(hva: Hva, size: u64, writable: bool, logging: bool) -> c_int {
    let (hva, size) = (hva.get() as c_ulong, size as c_ulong);
    // SAFETY: Walks the current task's VMAs under its mmap lock.
    unsafe { bindings::kvm_riscv_glue_check_slot_vmas(hva, size, writable, logging) }
}

/// A host perf event counting for one of a guest's counters.
///
/// # Invariants
///
/// The pointer is a live event from `kvm_riscv_glue_pmu_create()`,
/// released only by `drop`.
pub(crate) struct PerfEvent(NonNull<bindings::perf_event>);

impl PerfEvent {
    /// A counting perf event of the current task for a guest counter
    /// (`attr`), stopped, whose overflows call `kvm_riscv_rs_pmu_overflow`
    /// with `ctx`; `None` if perf refuses it.
    ///
    /// # Safety
    ///
    /// `ctx` must be valid for that handler until the event is dropped.
    pub(crate) unsafe fn create(attr: &PerfAttr, ctx: *mut c_void) -> Option<Self> {
        let (ty, cfg, per) = (attr.kind, attr.config, attr.sample_period);
        let (no_u, no_s) = (attr.exclude_user, attr.exclude_kernel);
        // SAFETY: The caller keeps `ctx` valid for the handler.
        let event = unsafe { bindings::kvm_riscv_glue_pmu_create(ty, cfg, per, no_u, no_s, ctx) };
        // INVARIANT: A live event or NULL, which is refused here.
        NonNull::new(event).map(PerfEvent)
    }
}

// SAFETY: perf's kernel counter API may be called from any task; the
// event is only used by the vCPU's owner (it lives in `VcpuContext`).
unsafe impl Send for PerfEvent {}

impl crate::logic::pmu::PerfEvent for PerfEvent {
    fn enable(&self) {
        // SAFETY: A live event (the type invariant).
        unsafe { bindings::kvm_riscv_glue_pmu_enable(self.0.as_ptr()) }
    }

    fn set_period(&self, period: u64) {
        // SAFETY: A live event (the type invariant).
        unsafe { bindings::kvm_riscv_glue_pmu_period(self.0.as_ptr(), period) }
    }

    fn pause_reset(&self) -> u64 {
        // SAFETY: A live event (the type invariant).
        unsafe { bindings::kvm_riscv_glue_pmu_pause(self.0.as_ptr()) }
    }

    fn read(&self) -> u64 {
        // SAFETY: A live event (the type invariant).
        unsafe { bindings::kvm_riscv_glue_pmu_read(self.0.as_ptr()) }
    }
}

impl Drop for PerfEvent {
    fn drop(&mut self) {
        // SAFETY: A live event (the type invariant), released once: after
        // this the overflow handler no longer runs for it.
        unsafe { bindings::kvm_riscv_glue_pmu_release(self.0.as_ptr()) }
    }
}

/// The counter width and count of perf's SBI PMU driver
/// (`riscv_pmu_get_hpm_info()`), if it has counters.
pub(crate) fn pmu_hpm_info() -> Option<(u32, u32)> {
    let (mut width, mut num) = (0u32, 0u32);
    // SAFETY: Both pointers are valid for writes.
    let r = unsafe { bindings::kvm_riscv_glue_pmu_hpm_info(&mut width, &mut num) };
    (r >= 0).then_some((width, num))
}
