// SPDX-License-Identifier: GPL-2.0

//! The SBI calls a guest makes with `ecall`: which extension answers, and
//! what answering takes.
//!
//! The kernel layer reads `a0..=a7` into an [`SbiCall`], describes the
//! vCPU in an [`SbiEnv`] and calls [`dispatch`]. Whatever needs only
//! numbers is decided here: the extension lookup and its gating, every
//! function id, argument decoding and the checks upstream makes on
//! arguments before touching a kernel object, and the BASE extension
//! entirely. The [`SbiOutcome`] names what is left for the kernel layer to
//! carry out (arm a timer, raise IPIs, queue fences, start a hart, exit to
//! userspace, ...), and [`SbiOutcome::completion`] how the guest's
//! registers change afterwards. Everything mirrors Linux 6.12
//! (`arch/riscv/kvm/vcpu_sbi*.c`); line numbers below refer to those
//! files.
//!
//! # Completing a call
//!
//! `kvm_riscv_vcpu_sbi_ecall()` (`vcpu_sbi.c:419-482`) ends a call in one
//! of five ways, which the kernel layer reproduces as follows:
//!
//! | case                          | `sepc` | `a0`    | `a1`           | then        |
//! |-------------------------------|--------|---------|----------------|-------------|
//! | no (enabled) extension        | +4     | error   | 0              | guest       |
//! | answered, v0.2 and later      | +4     | error   | value          | guest       |
//! | answered, legacy v0.1         | +4     | error   | untouched      | guest       |
//! | exit to userspace             | kept   | kept    | kept           | userspace   |
//! | guest memory fault (v0.1 only)| trap   | kept    | kept           | guest trap  |
//! | Linux error from the kernel   | kept   | kept    | kept           | ioctl error |
//!
//! The first three are [`Completion::Resume`], the fourth
//! [`Completion::Exit`]. The last two only arise in the kernel layer:
//!
//! - reading a legacy hart mask from guest memory can fault; upstream
//!   then redirects the fault to the guest with `sepc` left on the
//!   `ecall`, so the guest retries it after handling the fault
//!   (`vcpu_sbi.c:457-464`);
//! - a negative errno from the work itself (a timer or interrupt helper
//!   failing) leaves the registers alone and fails `KVM_RUN` with it
//!   (`vcpu_sbi.c:450-454`).
//!
//! A call forwarded to userspace completes on the next `KVM_RUN`, with
//! [`forward_return`]: both `a0` and `a1` from `kvm_run`, and `sepc + 4`,
//! whatever the call (v0.1 console calls included).
//!
//! # Choices where upstream has no defined behaviour
//!
//! - A v0.1 hart mask of 0 means every online vCPU: upstream computes
//!   `(1UL << online_vcpus) - 1`, undefined from 64 vCPUs on. Here 64 or
//!   more online vCPUs give all 64 bits ([`online_mask`]).
//! - A v0.1 hart mask bit with no vCPU of that id makes upstream
//!   dereference NULL; the kernel layer must skip it
//!   ([`SbiOutcome::LegacySendIpi`]).
//! - The vCPU selection of hart masks follows [`hart_selected`], which
//!   drops vCPUs 64 or more ids above the base where upstream's fence path
//!   shifts out of range.
//!
//! [`hart_selected`]: super::hfence::hart_selected

use super::gstage::PAGE_SHIFT;
use super::hfence::{hart_selected, FullFlush, HfenceKind};
use super::onereg::{SbiExtId, SbiExtStatus, SbiExtStatuses, KVM_RISCV_SBI_EXT_MAX};

// ---------------------------------------------------------------------------
// SBI numbers (`asm/sbi.h`). The host build has no kernel headers, so they
// are restated here; the tests pin each one to the specification.
// ---------------------------------------------------------------------------

/// Legacy v0.1 `sbi_set_timer`.
pub const SBI_EXT_0_1_SET_TIMER: u64 = 0x0;
/// Legacy v0.1 `sbi_console_putchar`.
pub const SBI_EXT_0_1_CONSOLE_PUTCHAR: u64 = 0x1;
/// Legacy v0.1 `sbi_console_getchar`.
pub const SBI_EXT_0_1_CONSOLE_GETCHAR: u64 = 0x2;
/// Legacy v0.1 `sbi_clear_ipi`.
pub const SBI_EXT_0_1_CLEAR_IPI: u64 = 0x3;
/// Legacy v0.1 `sbi_send_ipi`.
pub const SBI_EXT_0_1_SEND_IPI: u64 = 0x4;
/// Legacy v0.1 `sbi_remote_fence_i`.
pub const SBI_EXT_0_1_REMOTE_FENCE_I: u64 = 0x5;
/// Legacy v0.1 `sbi_remote_sfence_vma`.
pub const SBI_EXT_0_1_REMOTE_SFENCE_VMA: u64 = 0x6;
/// Legacy v0.1 `sbi_remote_sfence_vma_asid`.
pub const SBI_EXT_0_1_REMOTE_SFENCE_VMA_ASID: u64 = 0x7;
/// Legacy v0.1 `sbi_shutdown`.
pub const SBI_EXT_0_1_SHUTDOWN: u64 = 0x8;
/// Base extension.
pub const SBI_EXT_BASE: u64 = 0x10;
/// Timer extension ("TIME").
pub const SBI_EXT_TIME: u64 = 0x5449_4d45;
/// IPI extension ("sPI").
pub const SBI_EXT_IPI: u64 = 0x73_5049;
/// Remote fence extension ("RFNC").
pub const SBI_EXT_RFENCE: u64 = 0x5246_4e43;
/// Hart state management extension ("HSM").
pub const SBI_EXT_HSM: u64 = 0x48_534d;
/// System reset extension ("SRST").
pub const SBI_EXT_SRST: u64 = 0x5352_5354;
/// System suspend extension ("SUSP"); KVM 6.12 does not offer it.
pub const SBI_EXT_SUSP: u64 = 0x5355_5350;
/// Performance monitoring extension ("PMU").
pub const SBI_EXT_PMU: u64 = 0x50_4d55;
/// Debug console extension ("DBCN").
pub const SBI_EXT_DBCN: u64 = 0x4442_434e;
/// Steal-time accounting extension ("STA").
pub const SBI_EXT_STA: u64 = 0x53_5441;
/// First experimental extension id.
pub const SBI_EXT_EXPERIMENTAL_START: u64 = 0x0800_0000;
/// Last experimental extension id.
pub const SBI_EXT_EXPERIMENTAL_END: u64 = 0x08ff_ffff;
/// First vendor extension id.
pub const SBI_EXT_VENDOR_START: u64 = 0x0900_0000;
/// Last vendor extension id.
pub const SBI_EXT_VENDOR_END: u64 = 0x09ff_ffff;

/// BASE: the implemented SBI specification version.
pub const SBI_EXT_BASE_GET_SPEC_VERSION: u64 = 0;
/// BASE: the SBI implementation id.
pub const SBI_EXT_BASE_GET_IMP_ID: u64 = 1;
/// BASE: the SBI implementation version.
pub const SBI_EXT_BASE_GET_IMP_VERSION: u64 = 2;
/// BASE: whether an extension is available.
pub const SBI_EXT_BASE_PROBE_EXT: u64 = 3;
/// BASE: `mvendorid`.
pub const SBI_EXT_BASE_GET_MVENDORID: u64 = 4;
/// BASE: `marchid`.
pub const SBI_EXT_BASE_GET_MARCHID: u64 = 5;
/// BASE: `mimpid`.
pub const SBI_EXT_BASE_GET_MIMPID: u64 = 6;

/// TIME: program the next timer event.
pub const SBI_EXT_TIME_SET_TIMER: u64 = 0;

/// IPI: send a supervisor software interrupt.
pub const SBI_EXT_IPI_SEND_IPI: u64 = 0;

/// RFENCE: `fence.i` on remote harts.
pub const SBI_EXT_RFENCE_REMOTE_FENCE_I: u64 = 0;
/// RFENCE: `sfence.vma` on remote harts.
pub const SBI_EXT_RFENCE_REMOTE_SFENCE_VMA: u64 = 1;
/// RFENCE: `sfence.vma` of one ASID on remote harts.
pub const SBI_EXT_RFENCE_REMOTE_SFENCE_VMA_ASID: u64 = 2;
/// RFENCE: `hfence.gvma` of one VMID (nested virtualization).
pub const SBI_EXT_RFENCE_REMOTE_HFENCE_GVMA_VMID: u64 = 3;
/// RFENCE: `hfence.gvma` (nested virtualization).
pub const SBI_EXT_RFENCE_REMOTE_HFENCE_GVMA: u64 = 4;
/// RFENCE: `hfence.vvma` of one ASID (nested virtualization).
pub const SBI_EXT_RFENCE_REMOTE_HFENCE_VVMA_ASID: u64 = 5;
/// RFENCE: `hfence.vvma` (nested virtualization).
pub const SBI_EXT_RFENCE_REMOTE_HFENCE_VVMA: u64 = 6;

/// HSM: start a stopped hart.
pub const SBI_EXT_HSM_HART_START: u64 = 0;
/// HSM: stop the calling hart.
pub const SBI_EXT_HSM_HART_STOP: u64 = 1;
/// HSM: the state of a hart.
pub const SBI_EXT_HSM_HART_STATUS: u64 = 2;
/// HSM: suspend the calling hart.
pub const SBI_EXT_HSM_HART_SUSPEND: u64 = 3;

/// HSM state: started.
pub const SBI_HSM_STATE_STARTED: u64 = 0;
/// HSM state: stopped.
pub const SBI_HSM_STATE_STOPPED: u64 = 1;
/// HSM state: start pending (never reported by KVM).
pub const SBI_HSM_STATE_START_PENDING: u64 = 2;
/// HSM state: stop pending (never reported by KVM).
pub const SBI_HSM_STATE_STOP_PENDING: u64 = 3;
/// HSM state: suspended.
pub const SBI_HSM_STATE_SUSPENDED: u64 = 4;
/// HSM state: suspend pending (never reported by KVM).
pub const SBI_HSM_STATE_SUSPEND_PENDING: u64 = 5;
/// HSM state: resume pending (never reported by KVM).
pub const SBI_HSM_STATE_RESUME_PENDING: u64 = 6;

/// HSM suspend type: the default retentive suspend.
pub const SBI_HSM_SUSPEND_RET_DEFAULT: u32 = 0x0000_0000;
/// HSM suspend type: the default non-retentive suspend.
pub const SBI_HSM_SUSPEND_NON_RET_DEFAULT: u32 = 0x8000_0000;

/// SRST: reset the system.
pub const SBI_EXT_SRST_RESET: u64 = 0;
/// SRST reset type: shutdown.
pub const SBI_SRST_RESET_TYPE_SHUTDOWN: u32 = 0;
/// SRST reset type: cold reboot.
pub const SBI_SRST_RESET_TYPE_COLD_REBOOT: u32 = 1;
/// SRST reset type: warm reboot.
pub const SBI_SRST_RESET_TYPE_WARM_REBOOT: u32 = 2;

/// PMU: number of counters.
pub const SBI_EXT_PMU_NUM_COUNTERS: u64 = 0;
/// PMU: counter details.
pub const SBI_EXT_PMU_COUNTER_GET_INFO: u64 = 1;
/// PMU: find and configure a counter for an event.
pub const SBI_EXT_PMU_COUNTER_CFG_MATCH: u64 = 2;
/// PMU: start counters.
pub const SBI_EXT_PMU_COUNTER_START: u64 = 3;
/// PMU: stop counters.
pub const SBI_EXT_PMU_COUNTER_STOP: u64 = 4;
/// PMU: read a firmware counter.
pub const SBI_EXT_PMU_COUNTER_FW_READ: u64 = 5;
/// PMU: read the upper half of a firmware counter (RV32 only).
pub const SBI_EXT_PMU_COUNTER_FW_READ_HI: u64 = 6;
/// PMU: set the counter snapshot shared memory.
pub const SBI_EXT_PMU_SNAPSHOT_SET_SHMEM: u64 = 7;

/// DBCN: write a buffer to the console.
pub const SBI_EXT_DBCN_CONSOLE_WRITE: u64 = 0;
/// DBCN: read from the console into a buffer.
pub const SBI_EXT_DBCN_CONSOLE_READ: u64 = 1;
/// DBCN: write one byte to the console.
pub const SBI_EXT_DBCN_CONSOLE_WRITE_BYTE: u64 = 2;

/// STA: set the steal-time shared memory.
pub const SBI_EXT_STA_STEAL_TIME_SET_SHMEM: u64 = 0;

/// Shared-memory address halves that disable a shared-memory area.
pub const SBI_SHMEM_DISABLE: u64 = u64::MAX;

/// Position of the major number in a spec version.
pub const SBI_SPEC_VERSION_MAJOR_SHIFT: u32 = 24;

/// Success.
pub const SBI_SUCCESS: i64 = 0;
/// Generic failure.
pub const SBI_ERR_FAILURE: i64 = -1;
/// Extension or function not supported.
pub const SBI_ERR_NOT_SUPPORTED: i64 = -2;
/// Invalid parameter.
pub const SBI_ERR_INVALID_PARAM: i64 = -3;
/// Denied.
pub const SBI_ERR_DENIED: i64 = -4;
/// Invalid address.
pub const SBI_ERR_INVALID_ADDRESS: i64 = -5;
/// Already available (HSM: the hart is not stopped).
pub const SBI_ERR_ALREADY_AVAILABLE: i64 = -6;
/// Already started.
pub const SBI_ERR_ALREADY_STARTED: i64 = -7;
/// Already stopped.
pub const SBI_ERR_ALREADY_STOPPED: i64 = -8;
/// No shared memory.
pub const SBI_ERR_NO_SHMEM: i64 = -9;

/// PMU firmware event: `SBI_PMU_FW_SET_TIMER`.
pub const SBI_PMU_FW_SET_TIMER: u32 = 5;
/// PMU firmware event: `SBI_PMU_FW_IPI_SENT`.
pub const SBI_PMU_FW_IPI_SENT: u32 = 6;
/// PMU firmware event: `SBI_PMU_FW_IPI_RCVD`, counted on each IPI target.
pub const SBI_PMU_FW_IPI_RCVD: u32 = 7;
/// PMU firmware event: `SBI_PMU_FW_FENCE_I_SENT`.
pub const SBI_PMU_FW_FENCE_I_SENT: u32 = 8;
/// PMU firmware event: `SBI_PMU_FW_HFENCE_VVMA_SENT`.
pub const SBI_PMU_FW_HFENCE_VVMA_SENT: u32 = 18;
/// PMU firmware event: `SBI_PMU_FW_HFENCE_VVMA_ASID_SENT`.
pub const SBI_PMU_FW_HFENCE_VVMA_ASID_SENT: u32 = 20;

// ---------------------------------------------------------------------------
// KVM's SBI implementation (`asm/kvm_vcpu_sbi.h`) and UAPI numbers
// (`<linux/kvm.h>`).
// ---------------------------------------------------------------------------

/// SBI implementation id of KVM.
pub const KVM_SBI_IMPID: u64 = 3;
/// Major SBI specification version KVM implements.
pub const KVM_SBI_VERSION_MAJOR: u64 = 2;
/// Minor SBI specification version KVM implements.
pub const KVM_SBI_VERSION_MINOR: u64 = 0;

/// `kvm_run.exit_reason` of a call forwarded to userspace.
pub const KVM_EXIT_RISCV_SBI: u32 = 35;
/// `kvm_run.system_event.type` of a shutdown.
pub const KVM_SYSTEM_EVENT_SHUTDOWN: u32 = 1;
/// `kvm_run.system_event.type` of a reset.
pub const KVM_SYSTEM_EVENT_RESET: u32 = 2;

/// `KERNEL_VERSION(a, b, c)`: the encoding of `LINUX_VERSION_CODE`, which
/// BASE reports as the implementation version. The sublevel saturates at
/// 255 as in `<linux/version.h>`.
pub const fn kernel_version(major: u8, patchlevel: u8, sublevel: u32) -> u64 {
    let sub = if sublevel > 255 { 255 } else { sublevel as u64 };
    (major as u64) << 16 | (patchlevel as u64) << 8 | sub
}

/// The spec version BASE reports: v2.0 (`vcpu_sbi_base.c:24-28`).
pub const KVM_SBI_SPEC_VERSION: u64 =
    KVM_SBI_VERSION_MAJOR << SBI_SPEC_VERSION_MAJOR_SHIFT | KVM_SBI_VERSION_MINOR;

// ---------------------------------------------------------------------------
// The calling vCPU
// ---------------------------------------------------------------------------

/// The calling vCPU and its VM, as far as SBI dispatch needs them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SbiEnv {
    /// Status of each KVM SBI extension on the vCPU
    /// (`vcpu->arch.sbi_context.ext_status`), by KVM SBI id.
    pub sbi: SbiExtStatuses,
    /// Whether the legacy v0.1 calls exist (`CONFIG_RISCV_SBI_V01`). The
    /// project's configuration leaves it off; see [`sbi_extensions`] for
    /// what remains of the legacy entry then.
    pub v01: bool,
    /// The vCPU's `mvendorid` (`vcpu->arch.mvendorid`: the host's unless
    /// userspace set another through ONE_REG).
    pub mvendorid: u64,
    /// The vCPU's `marchid`.
    pub marchid: u64,
    /// The vCPU's `mimpid`.
    pub mimpid: u64,
    /// `LINUX_VERSION_CODE`, reported as the implementation version (see
    /// [`kernel_version`]).
    pub impl_version: u64,
    /// `kvm->online_vcpus`: a legacy hart mask of 0 names this many harts.
    pub online_vcpus: u32,
}

impl SbiEnv {
    /// Status of KVM SBI extension `ext`.
    pub const fn status(&self, ext: SbiExtId) -> SbiExtStatus {
        self.sbi.0[ext.get() as usize]
    }

    /// Whether KVM SBI extension `ext` is enabled.
    pub const fn enabled(&self, ext: SbiExtId) -> bool {
        matches!(self.status(ext), SbiExtStatus::Enabled)
    }
}

// ---------------------------------------------------------------------------
// The extension table (`vcpu_sbi.c:36-85`)
// ---------------------------------------------------------------------------

/// The code that answers an extension: one `struct
/// kvm_vcpu_sbi_extension` upstream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SbiExt {
    /// Legacy v0.1 calls (`vcpu_sbi_v01.c`).
    V01,
    /// BASE (`vcpu_sbi_base.c`).
    Base,
    /// TIME (`vcpu_sbi_replace.c`).
    Time,
    /// IPI (`vcpu_sbi_replace.c`).
    Ipi,
    /// RFENCE (`vcpu_sbi_replace.c`).
    Rfence,
    /// SRST (`vcpu_sbi_replace.c`).
    Srst,
    /// HSM (`vcpu_sbi_hsm.c`).
    Hsm,
    /// PMU (`vcpu_sbi_pmu.c`).
    Pmu,
    /// DBCN (`vcpu_sbi_replace.c`).
    Dbcn,
    /// STA (`vcpu_sbi_sta.c`).
    Sta,
    /// The experimental range, forwarded to userspace
    /// (`vcpu_sbi_base.c`).
    Experimental,
    /// The vendor range, forwarded to userspace (`vcpu_sbi_base.c`).
    Vendor,
}

/// One row of the extension table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SbiExtEntry {
    /// Who answers.
    pub ext: SbiExt,
    /// First SBI extension id (`a7`) of the row.
    pub first: u64,
    /// Last SBI extension id of the row (inclusive).
    pub last: u64,
    /// The KVM SBI extension whose status gates the row; `None` for BASE,
    /// which cannot be disabled.
    pub gate: Option<SbiExtId>,
    /// Whether the row has a handler. Only the placeholder legacy row
    /// lacks one (see [`sbi_extensions`]): calls that reach it are not
    /// supported, although probes for it succeed.
    pub handled: bool,
}

const fn row(ext: SbiExt, first: u64, last: u64, gate: Option<SbiExtId>) -> SbiExtEntry {
    SbiExtEntry {
        ext,
        first,
        last,
        gate,
        handled: true,
    }
}

/// The table behind `v01`, in upstream's order. Lookups take the first row
/// whose range holds the id, so the order only matters where ranges
/// overlap, which only the placeholder legacy row can.
const fn table(v01: SbiExtEntry) -> [SbiExtEntry; 12] {
    [
        v01,
        row(SbiExt::Base, SBI_EXT_BASE, SBI_EXT_BASE, None),
        row(
            SbiExt::Time,
            SBI_EXT_TIME,
            SBI_EXT_TIME,
            Some(SbiExtId::TIME),
        ),
        row(SbiExt::Ipi, SBI_EXT_IPI, SBI_EXT_IPI, Some(SbiExtId::IPI)),
        row(
            SbiExt::Rfence,
            SBI_EXT_RFENCE,
            SBI_EXT_RFENCE,
            Some(SbiExtId::RFENCE),
        ),
        row(
            SbiExt::Srst,
            SBI_EXT_SRST,
            SBI_EXT_SRST,
            Some(SbiExtId::SRST),
        ),
        row(SbiExt::Hsm, SBI_EXT_HSM, SBI_EXT_HSM, Some(SbiExtId::HSM)),
        row(SbiExt::Pmu, SBI_EXT_PMU, SBI_EXT_PMU, Some(SbiExtId::PMU)),
        row(
            SbiExt::Dbcn,
            SBI_EXT_DBCN,
            SBI_EXT_DBCN,
            Some(SbiExtId::DBCN),
        ),
        row(SbiExt::Sta, SBI_EXT_STA, SBI_EXT_STA, Some(SbiExtId::STA)),
        row(
            SbiExt::Experimental,
            SBI_EXT_EXPERIMENTAL_START,
            SBI_EXT_EXPERIMENTAL_END,
            Some(SbiExtId::EXPERIMENTAL),
        ),
        row(
            SbiExt::Vendor,
            SBI_EXT_VENDOR_START,
            SBI_EXT_VENDOR_END,
            Some(SbiExtId::VENDOR),
        ),
    ]
}

/// The extension table with `CONFIG_RISCV_SBI_V01`.
pub const SBI_EXTENSIONS_V01: [SbiExtEntry; 12] = table(row(
    SbiExt::V01,
    SBI_EXT_0_1_SET_TIMER,
    SBI_EXT_0_1_SHUTDOWN,
    Some(SbiExtId::V01),
));

/// The extension table without `CONFIG_RISCV_SBI_V01`: upstream keeps a
/// placeholder legacy row with the range `-1UL..=-1UL` and no handler
/// (`vcpu_sbi.c:15-21`). Ids 0..=8 then match no row, and id `u64::MAX`
/// matches the placeholder, so that while the V01 status is enabled (its
/// default: the placeholder has no probe) a probe of `u64::MAX` answers 1.
pub const SBI_EXTENSIONS_NO_V01: [SbiExtEntry; 12] = table(SbiExtEntry {
    ext: SbiExt::V01,
    first: u64::MAX,
    last: u64::MAX,
    gate: Some(SbiExtId::V01),
    handled: false,
});

/// The extension table of a kernel with (`v01`) or without the legacy
/// calls.
pub const fn sbi_extensions(v01: bool) -> &'static [SbiExtEntry; 12] {
    if v01 {
        &SBI_EXTENSIONS_V01
    } else {
        &SBI_EXTENSIONS_NO_V01
    }
}

/// The row answering extension id `ext_id` on this vCPU
/// (`kvm_vcpu_sbi_find_ext()`, `vcpu_sbi.c:393-417`): the first row whose
/// range holds the id, if it is ungated or its extension is enabled. A
/// matching row that is disabled or unavailable ends the search.
///
/// The row is returned by reference: copied out, it cost a `memcpy()` call
/// on every SBI call.
pub const fn find_ext(ext_id: u64, env: &SbiEnv) -> Option<&'static SbiExtEntry> {
    let table = sbi_extensions(env.v01);
    let mut i = 0;
    while i < table.len() {
        let entry = &table[i];
        if entry.first <= ext_id && ext_id <= entry.last {
            return match entry.gate {
                None => Some(entry),
                Some(gate) if env.enabled(gate) => Some(entry),
                Some(_) => None,
            };
        }
        i += 1;
    }
    None
}

/// Whether BASE `probe_extension` of `ext_id` is forwarded to userspace
/// rather than answered (`vcpu_sbi_base.c:36-45`): the experimental and
/// vendor ranges, whatever the status of those extensions.
pub const fn probe_is_forwarded(ext_id: u64) -> bool {
    (SBI_EXT_EXPERIMENTAL_START <= ext_id && ext_id <= SBI_EXT_EXPERIMENTAL_END)
        || (SBI_EXT_VENDOR_START <= ext_id && ext_id <= SBI_EXT_VENDOR_END)
}

/// What BASE `probe_extension` answers for `ext_id` outside the forwarded
/// ranges (`vcpu_sbi_base.c:47-49`): 1 if [`find_ext`] finds a row, else 0.
///
/// Upstream returns the row's probe function instead where it has one
/// (PMU, STA); that function already decided the status when the vCPU was
/// created (`kvm_riscv_vcpu_sbi_init()`) and its inputs do not change
/// later (`init_done` of the vCPU's PMU, `CONFIG_SCHED_INFO`), so an
/// enabled row probes as 1 either way.
pub const fn probe_extension(ext_id: u64, env: &SbiEnv) -> u64 {
    find_ext(ext_id, env).is_some() as u64
}

// ---------------------------------------------------------------------------
// Calls and their results
// ---------------------------------------------------------------------------

/// An SBI call: the guest's `a7`, `a6` and `a0..=a5` at the `ecall`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SbiCall {
    /// Extension id (`a7`).
    pub ext: u64,
    /// Function id (`a6`); legacy calls ignore it.
    pub func: u64,
    /// Arguments (`a0..=a5`).
    pub args: [u64; 6],
}

impl SbiCall {
    /// The call in guest registers `a0..=a7`.
    pub const fn from_regs(a: [u64; 8]) -> Self {
        SbiCall {
            ext: a[7],
            func: a[6],
            args: [a[0], a[1], a[2], a[3], a[4], a[5]],
        }
    }

    /// What `KVM_EXIT_RISCV_SBI` reports to userspace for this call
    /// (`kvm_riscv_vcpu_sbi_forward()`, `vcpu_sbi.c:114-131`).
    pub const fn forward_exit(&self) -> SbiExit {
        SbiExit {
            extension_id: self.ext,
            function_id: self.func,
            args: self.args,
            // Answered "not supported" unless userspace says otherwise.
            ret: [SBI_ERR_NOT_SUPPORTED as u64, 0],
        }
    }
}

/// `kvm_run.riscv_sbi` of a forwarded call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SbiExit {
    /// The call's `a7`.
    pub extension_id: u64,
    /// The call's `a6`.
    pub function_id: u64,
    /// The call's `a0..=a5`.
    pub args: [u64; 6],
    /// Preset results, which userspace overwrites to answer.
    pub ret: [u64; 2],
}

/// The result of an SBI call: `a0` and `a1` of the SBI calling convention.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SbiRet {
    /// `SBI_SUCCESS` or an `SBI_ERR_*` code.
    pub error: i64,
    /// The function's value.
    pub value: u64,
}

impl SbiRet {
    /// Success with `value`.
    pub const fn ok(value: u64) -> Self {
        SbiRet {
            error: SBI_SUCCESS,
            value,
        }
    }

    /// Failure with `error` (an `SBI_ERR_*` code) and value 0, as upstream
    /// leaves `out_val` on every error path.
    pub const fn err(error: i64) -> Self {
        SbiRet { error, value: 0 }
    }
}

/// How the guest continues once the kernel layer has carried a call out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Completion {
    /// Step over the `ecall` (`sepc += 4`), write `a0`, and `a1` when it is
    /// `Some`, and re-enter the guest.
    Resume {
        /// New `a0`: the error code.
        a0: u64,
        /// New `a1`: the value; `None` leaves `a1` as the guest set it.
        a1: Option<u64>,
    },
    /// Exit to userspace with `sepc`, `a0` and `a1` untouched.
    Exit,
}

/// How a forwarded call completes on the next `KVM_RUN`, from the
/// `kvm_run.riscv_sbi.ret` userspace left (`kvm_riscv_vcpu_sbi_return()`,
/// `vcpu_sbi.c:154-172`, once per exit): both registers are written, for
/// legacy calls too.
pub const fn forward_return(ret: [u64; 2]) -> Completion {
    Completion::Resume {
        a0: ret[0],
        a1: Some(ret[1]),
    }
}

/// Target vCPU id of an HSM call naming hart `hartid`.
///
/// Upstream passes the `unsigned long` to `kvm_get_vcpu_by_id(kvm, int)`:
/// the id is truncated to 32 bits and a negative result finds no vCPU. So
/// hart `1 << 32` is vCPU 0, and `0x8000_0000` is no vCPU.
pub const fn hart_vcpu_id(hartid: u64) -> Option<u32> {
    let id = hartid as u32;
    if id > i32::MAX as u32 {
        None
    } else {
        Some(id)
    }
}

/// The HSM state upstream reports for a vCPU
/// (`kvm_sbi_hsm_vcpu_get_status()`, `vcpu_sbi_hsm.c:74-89`): stopped if
/// its power state is stopped, suspended while it blocks (in WFI or a
/// retentive suspend), started otherwise.
pub const fn hsm_state(stopped: bool, blocking: bool) -> u64 {
    if stopped {
        SBI_HSM_STATE_STOPPED
    } else if blocking {
        SBI_HSM_STATE_SUSPENDED
    } else {
        SBI_HSM_STATE_STARTED
    }
}

/// Harts named by a legacy hart mask of 0: the first `online_vcpus` vCPU
/// ids (`vcpu_sbi_v01.c:52`, `:74`). Upstream's `(1UL << n) - 1` is
/// undefined from 64 on; all 64 bits are set instead.
pub const fn online_mask(online_vcpus: u32) -> u64 {
    if online_vcpus >= u64::BITS {
        u64::MAX
    } else {
        (1u64 << online_vcpus) - 1
    }
}

/// The bookkeeping of an IPI extension `send_ipi` over the VM's vCPUs
/// (`kvm_sbi_ext_ipi_handler()`, `vcpu_sbi_replace.c:45-90`).
///
/// For each vCPU, in any order: if [`IpiTargets::selects`] it, raise its
/// VS software interrupt, count `SBI_PMU_FW_IPI_RCVD` on it, then
/// [`IpiTargets::sent`]. The call's error is [`IpiTargets::error`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpiTargets {
    mask: u64,
    base: u64,
    sent: u64,
}

impl IpiTargets {
    /// The targets of `hart_mask` relative to `hart_mask_base`
    /// (`u64::MAX` for every vCPU).
    pub const fn new(hart_mask: u64, hart_mask_base: u64) -> Self {
        IpiTargets {
            mask: hart_mask,
            base: hart_mask_base,
            sent: 0,
        }
    }

    /// Whether the vCPU with `vcpu_id` is a target.
    pub const fn selects(&self, vcpu_id: u64) -> bool {
        hart_selected(self.base, self.mask, vcpu_id)
    }

    /// Records that the vCPU with `vcpu_id` got its interrupt.
    pub fn sent(&mut self, vcpu_id: u64) {
        if self.selects(vcpu_id) && self.base != u64::MAX {
            // `selects` guarantees vcpu_id - base < 64.
            let bit = vcpu_id.wrapping_sub(self.base);
            self.sent |= 1u64.wrapping_shl(bit as u32);
        }
    }

    /// `SBI_ERR_INVALID_PARAM` if the mask named a hart that got no
    /// interrupt (no vCPU with that id), else `SBI_SUCCESS`. A base of
    /// `u64::MAX` never fails.
    pub const fn error(&self) -> i64 {
        if self.base != u64::MAX && self.mask != self.sent {
            SBI_ERR_INVALID_PARAM
        } else {
            SBI_SUCCESS
        }
    }
}

// ---------------------------------------------------------------------------
// Outcomes
// ---------------------------------------------------------------------------

/// A remote fence the guest asks of other harts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RemoteFence {
    /// `fence.i` (`kvm_riscv_fence_i()`).
    FenceI,
    /// Every VS-stage translation (`kvm_riscv_hfence_vvma_all()`).
    VvmaAll,
    /// VS-stage translations of `[start, start + size)` in every ASID
    /// (`kvm_riscv_hfence_vvma_gva()`).
    VvmaGva {
        /// Start of the range.
        start: u64,
        /// Length of the range in bytes.
        size: u64,
    },
    /// Every VS-stage translation of one ASID
    /// (`kvm_riscv_hfence_vvma_asid_all()`).
    VvmaAsidAll {
        /// Guest ASID.
        asid: u64,
    },
    /// VS-stage translations of `[start, start + size)` in one ASID
    /// (`kvm_riscv_hfence_vvma_asid_gva()`).
    VvmaAsidGva {
        /// Start of the range.
        start: u64,
        /// Length of the range in bytes.
        size: u64,
        /// Guest ASID.
        asid: u64,
    },
}

/// How the targets of a [`RemoteFence`] are asked for it (`tlb.c`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FenceRequest {
    /// Raise `KVM_REQ_FENCE_I` on each target.
    FenceI,
    /// Raise the request of a whole-VM flush on each target.
    Flush(FullFlush),
    /// Queue the fence on each target and raise `KVM_REQ_HFENCE`, or the
    /// [`HfenceKind::fallback`] request if some queue is full.
    Queue(HfenceKind),
}

impl RemoteFence {
    /// The request that carries the fence out. Ranged fences step by the
    /// base page size, as upstream.
    pub const fn request(self) -> FenceRequest {
        match self {
            RemoteFence::FenceI => FenceRequest::FenceI,
            RemoteFence::VvmaAll => FenceRequest::Flush(FullFlush::VvmaAll),
            RemoteFence::VvmaGva { start, size } => FenceRequest::Queue(HfenceKind::VvmaGva {
                gva: start,
                size,
                order: PAGE_SHIFT,
            }),
            RemoteFence::VvmaAsidAll { asid } => {
                FenceRequest::Queue(HfenceKind::VvmaAsidAll { asid })
            }
            RemoteFence::VvmaAsidGva { start, size, asid } => {
                FenceRequest::Queue(HfenceKind::VvmaAsidGva {
                    asid,
                    gva: start,
                    size,
                    order: PAGE_SHIFT,
                })
            }
        }
    }

    /// The PMU firmware event the sender counts
    /// (`vcpu_sbi_replace.c:111-130`). Upstream counts `sfence.vma`
    /// requests under the HFENCE events.
    const fn sent_event(self) -> u32 {
        match self {
            RemoteFence::FenceI => SBI_PMU_FW_FENCE_I_SENT,
            RemoteFence::VvmaAll | RemoteFence::VvmaGva { .. } => SBI_PMU_FW_HFENCE_VVMA_SENT,
            RemoteFence::VvmaAsidAll { .. } | RemoteFence::VvmaAsidGva { .. } => {
                SBI_PMU_FW_HFENCE_VVMA_ASID_SENT
            }
        }
    }
}

/// Which system event an SBI reset raises.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SystemEvent {
    /// Power off.
    Shutdown,
    /// Cold or warm reboot (KVM does not tell them apart).
    Reset,
}

impl SystemEvent {
    /// `kvm_run.system_event.type`.
    pub const fn kvm_type(self) -> u32 {
        match self {
            SystemEvent::Shutdown => KVM_SYSTEM_EVENT_SHUTDOWN,
            SystemEvent::Reset => KVM_SYSTEM_EVENT_RESET,
        }
    }
}

/// Where a legacy call's hart mask is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LegacyHartMask {
    /// The `unsigned long` at guest virtual address `addr`, read as the
    /// guest's S-mode would (`kvm_riscv_vcpu_unpriv_read()`). If the read
    /// faults, the fault goes to the guest instead and the call is not
    /// carried out (see the module documentation).
    InGuestMemory {
        /// Guest virtual address of the mask (the call's `a0`).
        addr: u64,
    },
    /// The mask itself (a null pointer named every online vCPU).
    Mask(u64),
}

/// A PMU extension call, once the function id is known
/// (`kvm_sbi_ext_pmu_handler()`, `vcpu_sbi_pmu.c:16-82`). Each answers
/// with the error and value the PMU code computes, or fails with a Linux
/// error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PmuCall {
    /// `num_counters`.
    NumCounters,
    /// `counter_get_info`.
    CounterGetInfo {
        /// Counter index.
        counter: u64,
    },
    /// `counter_config_matching`.
    CounterCfgMatch {
        /// First counter of the mask.
        base: u64,
        /// Counters to choose from, relative to `base`.
        mask: u64,
        /// `SBI_PMU_CFG_FLAG_*`.
        flags: u64,
        /// Event index.
        event_idx: u64,
        /// Event data (`a4`; RV64 has no upper half).
        event_data: u64,
    },
    /// `counter_start`.
    CounterStart {
        /// First counter of the mask.
        base: u64,
        /// Counters to start, relative to `base`.
        mask: u64,
        /// `SBI_PMU_START_FLAG_*`.
        flags: u64,
        /// Initial value (`a3`; RV64 has no upper half).
        initial: u64,
    },
    /// `counter_stop`.
    CounterStop {
        /// First counter of the mask.
        base: u64,
        /// Counters to stop, relative to `base`.
        mask: u64,
        /// `SBI_PMU_STOP_FLAG_*`.
        flags: u64,
    },
    /// `counter_fw_read`.
    CounterFwRead {
        /// Counter index.
        counter: u64,
    },
    /// `snapshot_set_shmem`.
    SnapshotSetShmem {
        /// Low half of the shared memory address.
        lo: u64,
        /// High half.
        hi: u64,
        /// Flags.
        flags: u64,
    },
}

/// What the kernel layer does with an SBI call. Unless a variant says
/// otherwise, it is carried out on the calling vCPU and completes with
/// [`SbiOutcome::completion`] of the [`SbiRet`] it yields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SbiOutcome {
    /// Answered here; nothing to carry out.
    Return(SbiRet),
    /// Exit to userspace with `KVM_EXIT_RISCV_SBI` and
    /// [`SbiCall::forward_exit`], counting `ecall_exit_stat`; the next
    /// `KVM_RUN` completes the call with [`forward_return`].
    ForwardToUser,
    /// Stop every vCPU of the VM (power state stopped, `KVM_REQ_SLEEP`)
    /// and exit to userspace with `KVM_EXIT_SYSTEM_EVENT`, `type`
    /// [`SystemEvent::kvm_type`], `ndata` 1 and `data[0]` `reason`
    /// (`kvm_riscv_vcpu_sbi_system_reset()`, `vcpu_sbi.c:133-152`).
    SystemReset {
        /// Shutdown or reset.
        event: SystemEvent,
        /// The reset reason (32 bits, zero-extended).
        reason: u64,
    },
    /// TIME `set_timer`: program the vCPU's next timer event and clear its
    /// pending timer interrupt (`kvm_riscv_vcpu_timer_next_event()`, whose
    /// error upstream ignores). Yields success, value 0.
    SetTimer {
        /// Absolute `time` value of the event.
        next_cycle: u64,
    },
    /// IPI `send_ipi`: see [`IpiTargets`].
    SendIpi {
        /// Hart mask.
        hart_mask: u64,
        /// Hart mask base (`u64::MAX`: every vCPU).
        hart_mask_base: u64,
    },
    /// RFENCE: ask the vCPUs [`hart_selected`] by the mask for
    /// [`RemoteFence::request`]. Yields success, value 0.
    RemoteFence {
        /// The fence.
        fence: RemoteFence,
        /// Hart mask.
        hart_mask: u64,
        /// Hart mask base (`u64::MAX`: every vCPU).
        hart_mask_base: u64,
    },
    /// HSM `hart_start` (`vcpu_sbi_hsm.c:16-52`), under the target's power
    /// state lock: no vCPU with `vcpu_id` yields `SBI_ERR_INVALID_PARAM`;
    /// a target not stopped `SBI_ERR_ALREADY_AVAILABLE`. Otherwise set the
    /// target's reset context (`sepc` = `start_addr`, `a0` = `hartid`,
    /// `a1` = `opaque`), request `KVM_REQ_VCPU_RESET` on it, power it on
    /// and yield success.
    HsmStart {
        /// The hart id as the guest passed it; the started hart gets it
        /// whole in `a0`.
        hartid: u64,
        /// The vCPU id to look up ([`hart_vcpu_id`] of `hartid`).
        vcpu_id: u32,
        /// Where the hart starts.
        start_addr: u64,
        /// Opaque value for the started hart's `a1`.
        opaque: u64,
    },
    /// HSM `hart_stop`: power the calling vCPU off, or yield
    /// `SBI_ERR_FAILURE` if it is already stopped.
    HsmStop,
    /// HSM `hart_get_status`: no vCPU with `vcpu_id` yields
    /// `SBI_ERR_INVALID_PARAM`, else success with [`hsm_state`] as value.
    HsmStatus {
        /// The vCPU id to look up ([`hart_vcpu_id`] of the hart id).
        vcpu_id: u32,
    },
    /// HSM `hart_suspend`, default retentive type: wait as for `WFI`
    /// (`kvm_riscv_vcpu_wfi()`), then yield success.
    HsmSuspend,
    /// A PMU call. Only reached while PMU is enabled, which upstream only
    /// allows once the vCPU's PMU is initialised.
    Pmu(PmuCall),
    /// STA `set_shmem` of a checked address (`vcpu_sbi_sta.c:105-125`):
    /// an address not in a writable memslot yields
    /// `SBI_ERR_INVALID_ADDRESS`, failing to zero the structure there
    /// `SBI_ERR_FAILURE`; otherwise record it, with the task's current run
    /// delay as the last steal time, and yield success.
    StaSetShmem {
        /// Guest physical address, 64-byte aligned.
        gpa: u64,
    },
    /// STA `set_shmem` with both halves `SBI_SHMEM_DISABLE`: stop
    /// steal-time accounting (shmem `INVALID_GPA`) and yield success.
    StaDisable,
    /// Legacy `set_timer`: as [`SbiOutcome::SetTimer`], except that a
    /// Linux error from the timer fails `KVM_RUN`, no PMU event is
    /// counted, and the result goes to `a0` only.
    LegacySetTimer {
        /// Absolute `time` value of the event.
        next_cycle: u64,
    },
    /// Legacy `clear_ipi`: clear the calling vCPU's pending VS software
    /// interrupt. Yields success.
    LegacyClearIpi,
    /// Legacy `send_ipi`: raise the VS software interrupt of the vCPU
    /// whose id is the index of each set bit. Upstream oopses on a bit
    /// with no such vCPU; skip it. Yields success.
    LegacySendIpi {
        /// The mask.
        harts: LegacyHartMask,
    },
    /// Legacy remote fences: as [`SbiOutcome::RemoteFence`] with mask base
    /// 0, no PMU event counted. Yields success.
    LegacyRemoteFence {
        /// The fence.
        fence: RemoteFence,
        /// The mask.
        harts: LegacyHartMask,
    },
}

impl SbiOutcome {
    /// Whether the outcome answers a legacy v0.1 call: those return in
    /// `a0` only and leave `a1` as the guest set it
    /// (`vcpu_sbi.c:436-439`, `:478-479`).
    pub const fn is_legacy(&self) -> bool {
        matches!(
            self,
            SbiOutcome::LegacySetTimer { .. }
                | SbiOutcome::LegacyClearIpi
                | SbiOutcome::LegacySendIpi { .. }
                | SbiOutcome::LegacyRemoteFence { .. }
        )
    }

    /// How the guest continues once the outcome is carried out and
    /// yielded `ret`. [`SbiOutcome::Return`] completes with its own
    /// answer and ignores `ret`; exits to userspace touch nothing.
    pub const fn completion(&self, ret: SbiRet) -> Completion {
        let ret = match self {
            SbiOutcome::ForwardToUser | SbiOutcome::SystemReset { .. } => {
                return Completion::Exit;
            }
            SbiOutcome::Return(answer) => *answer,
            _ => ret,
        };
        Completion::Resume {
            a0: ret.error as u64,
            a1: if self.is_legacy() {
                None
            } else {
                Some(ret.value)
            },
        }
    }

    /// The PMU firmware event (`SBI_PMU_FW_*`) upstream counts on the
    /// calling vCPU while carrying the outcome out, if any.
    pub const fn pmu_fw_event(&self) -> Option<u32> {
        match self {
            SbiOutcome::SetTimer { .. } => Some(SBI_PMU_FW_SET_TIMER),
            SbiOutcome::SendIpi { .. } => Some(SBI_PMU_FW_IPI_SENT),
            SbiOutcome::RemoteFence { fence, .. } => Some(fence.sent_event()),
            _ => None,
        }
    }
}

// ---------------------------------------------------------------------------
// Dispatch
// ---------------------------------------------------------------------------

const NOT_SUPPORTED: SbiOutcome = SbiOutcome::Return(SbiRet::err(SBI_ERR_NOT_SUPPORTED));
const INVALID_PARAM: SbiOutcome = SbiOutcome::Return(SbiRet::err(SBI_ERR_INVALID_PARAM));

/// Decides what SBI call `call` from the vCPU described by `env` takes
/// (`kvm_riscv_vcpu_sbi_ecall()` and the extension handlers).
///
/// An id that finds no enabled extension, or only the handler-less legacy
/// placeholder, is answered `SBI_ERR_NOT_SUPPORTED` with value 0: `a1` is
/// written even for legacy ids, because upstream only treats a call as
/// legacy once the legacy extension takes it (`vcpu_sbi.c:441-445`).
pub const fn dispatch(call: &SbiCall, env: &SbiEnv) -> SbiOutcome {
    let entry = match find_ext(call.ext, env) {
        Some(entry) if entry.handled => entry,
        _ => return NOT_SUPPORTED,
    };
    match entry.ext {
        SbiExt::V01 => legacy(call, env),
        SbiExt::Base => base(call, env),
        SbiExt::Time => time(call),
        SbiExt::Ipi => ipi(call),
        SbiExt::Rfence => rfence(call),
        SbiExt::Srst => srst(call),
        SbiExt::Hsm => hsm(call),
        SbiExt::Pmu => pmu(call),
        SbiExt::Dbcn => dbcn(call),
        SbiExt::Sta => sta(call),
        // vcpu_sbi_base.c:75-85: every function, unconditionally.
        SbiExt::Experimental | SbiExt::Vendor => SbiOutcome::ForwardToUser,
    }
}

/// `vcpu_sbi_base.c:16-66`.
const fn base(call: &SbiCall, env: &SbiEnv) -> SbiOutcome {
    let value = match call.func {
        SBI_EXT_BASE_GET_SPEC_VERSION => KVM_SBI_SPEC_VERSION,
        SBI_EXT_BASE_GET_IMP_ID => KVM_SBI_IMPID,
        SBI_EXT_BASE_GET_IMP_VERSION => env.impl_version,
        SBI_EXT_BASE_PROBE_EXT => {
            // Userspace may implement experimental and vendor extensions
            // KVM has never heard of, so it answers for them.
            if probe_is_forwarded(call.args[0]) {
                return SbiOutcome::ForwardToUser;
            }
            probe_extension(call.args[0], env)
        }
        SBI_EXT_BASE_GET_MVENDORID => env.mvendorid,
        SBI_EXT_BASE_GET_MARCHID => env.marchid,
        SBI_EXT_BASE_GET_MIMPID => env.mimpid,
        _ => return NOT_SUPPORTED,
    };
    SbiOutcome::Return(SbiRet::ok(value))
}

/// `vcpu_sbi_replace.c:17-37`. RV64: the time is `a0` alone.
const fn time(call: &SbiCall) -> SbiOutcome {
    if call.func != SBI_EXT_TIME_SET_TIMER {
        return NOT_SUPPORTED;
    }
    SbiOutcome::SetTimer {
        next_cycle: call.args[0],
    }
}

/// `vcpu_sbi_replace.c:45-90`.
const fn ipi(call: &SbiCall) -> SbiOutcome {
    if call.func != SBI_EXT_IPI_SEND_IPI {
        return NOT_SUPPORTED;
    }
    SbiOutcome::SendIpi {
        hart_mask: call.args[0],
        hart_mask_base: call.args[1],
    }
}

/// The range of an `sfence.vma` request, or `None` for all of it: upstream
/// flushes everything for a zero start and size, and for a size of -1
/// whatever the start (`vcpu_sbi_replace.c:114`, `:122`).
const fn sfence_range(start: u64, size: u64) -> Option<(u64, u64)> {
    if (start == 0 && size == 0) || size == u64::MAX {
        None
    } else {
        Some((start, size))
    }
}

/// `vcpu_sbi_replace.c:98-145`.
const fn rfence(call: &SbiCall) -> SbiOutcome {
    let [hart_mask, hart_mask_base, start, size, asid, _] = call.args;
    let fence = match call.func {
        SBI_EXT_RFENCE_REMOTE_FENCE_I => RemoteFence::FenceI,
        SBI_EXT_RFENCE_REMOTE_SFENCE_VMA => match sfence_range(start, size) {
            None => RemoteFence::VvmaAll,
            Some((start, size)) => RemoteFence::VvmaGva { start, size },
        },
        SBI_EXT_RFENCE_REMOTE_SFENCE_VMA_ASID => match sfence_range(start, size) {
            None => RemoteFence::VvmaAsidAll { asid },
            Some((start, size)) => RemoteFence::VvmaAsidGva { start, size, asid },
        },
        // The HFENCE functions only make sense with nested
        // virtualization, which KVM does not offer; neither does any
        // other function id.
        _ => return NOT_SUPPORTED,
    };
    SbiOutcome::RemoteFence {
        fence,
        hart_mask,
        hart_mask_base,
    }
}

/// `vcpu_sbi_replace.c:153-189`. Type and reason are `u32` there, so the
/// upper halves of `a0` and `a1` are ignored.
const fn srst(call: &SbiCall) -> SbiOutcome {
    if call.func != SBI_EXT_SRST_RESET {
        return NOT_SUPPORTED;
    }
    let event = match call.args[0] as u32 {
        SBI_SRST_RESET_TYPE_SHUTDOWN => SystemEvent::Shutdown,
        SBI_SRST_RESET_TYPE_COLD_REBOOT | SBI_SRST_RESET_TYPE_WARM_REBOOT => SystemEvent::Reset,
        _ => return NOT_SUPPORTED,
    };
    SbiOutcome::SystemReset {
        event,
        reason: call.args[1] as u32 as u64,
    }
}

/// `vcpu_sbi_hsm.c:91-131`.
const fn hsm(call: &SbiCall) -> SbiOutcome {
    let [hartid, start_addr, opaque, ..] = call.args;
    match call.func {
        SBI_EXT_HSM_HART_START => match hart_vcpu_id(hartid) {
            Some(vcpu_id) => SbiOutcome::HsmStart {
                hartid,
                vcpu_id,
                start_addr,
                opaque,
            },
            None => INVALID_PARAM,
        },
        SBI_EXT_HSM_HART_STOP => SbiOutcome::HsmStop,
        SBI_EXT_HSM_HART_STATUS => match hart_vcpu_id(hartid) {
            Some(vcpu_id) => SbiOutcome::HsmStatus { vcpu_id },
            None => INVALID_PARAM,
        },
        // Only the suspend type in the low 32 bits counts; resume address
        // and opaque are unused because only the retentive default type,
        // which returns to the caller, is supported.
        SBI_EXT_HSM_HART_SUSPEND => match hartid as u32 {
            SBI_HSM_SUSPEND_RET_DEFAULT => SbiOutcome::HsmSuspend,
            SBI_HSM_SUSPEND_NON_RET_DEFAULT => NOT_SUPPORTED,
            // Platform-specific types included.
            _ => INVALID_PARAM,
        },
        _ => NOT_SUPPORTED,
    }
}

/// `vcpu_sbi_pmu.c:16-82`.
const fn pmu(call: &SbiCall) -> SbiOutcome {
    let [a0, a1, a2, a3, a4, _] = call.args;
    let pmu_call = match call.func {
        SBI_EXT_PMU_NUM_COUNTERS => PmuCall::NumCounters,
        SBI_EXT_PMU_COUNTER_GET_INFO => PmuCall::CounterGetInfo { counter: a0 },
        SBI_EXT_PMU_COUNTER_CFG_MATCH => PmuCall::CounterCfgMatch {
            base: a0,
            mask: a1,
            flags: a2,
            event_idx: a3,
            event_data: a4,
        },
        SBI_EXT_PMU_COUNTER_START => PmuCall::CounterStart {
            base: a0,
            mask: a1,
            flags: a2,
            initial: a3,
        },
        SBI_EXT_PMU_COUNTER_STOP => PmuCall::CounterStop {
            base: a0,
            mask: a1,
            flags: a2,
        },
        SBI_EXT_PMU_COUNTER_FW_READ => PmuCall::CounterFwRead { counter: a0 },
        // A 64-bit counter has no upper half to read on RV64.
        SBI_EXT_PMU_COUNTER_FW_READ_HI => return SbiOutcome::Return(SbiRet::ok(0)),
        SBI_EXT_PMU_SNAPSHOT_SET_SHMEM => PmuCall::SnapshotSetShmem {
            lo: a0,
            hi: a1,
            flags: a2,
        },
        _ => return NOT_SUPPORTED,
    };
    SbiOutcome::Pmu(pmu_call)
}

/// `vcpu_sbi_replace.c:195-227`: the console lives in userspace.
const fn dbcn(call: &SbiCall) -> SbiOutcome {
    match call.func {
        SBI_EXT_DBCN_CONSOLE_WRITE
        | SBI_EXT_DBCN_CONSOLE_READ
        | SBI_EXT_DBCN_CONSOLE_WRITE_BYTE => SbiOutcome::ForwardToUser,
        _ => NOT_SUPPORTED,
    }
}

/// `vcpu_sbi_sta.c:81-147`, up to the memslot lookup.
const fn sta(call: &SbiCall) -> SbiOutcome {
    if call.func != SBI_EXT_STA_STEAL_TIME_SET_SHMEM {
        return NOT_SUPPORTED;
    }
    let [lo, hi, flags, ..] = call.args;
    // Upstream keeps the flags in a u32.
    if flags as u32 != 0 {
        return INVALID_PARAM;
    }
    if lo == SBI_SHMEM_DISABLE && hi == SBI_SHMEM_DISABLE {
        return SbiOutcome::StaDisable;
    }
    // The structure is 64 bytes and must not straddle a page.
    if lo & 63 != 0 {
        return INVALID_PARAM;
    }
    // RV64 addresses fit the low half; a high half cannot be honoured.
    if hi != 0 {
        return SbiOutcome::Return(SbiRet::err(SBI_ERR_INVALID_ADDRESS));
    }
    SbiOutcome::StaSetShmem { gpa: lo }
}

/// `vcpu_sbi_v01.c:16-107`. The extension id is the function; `a6` is
/// ignored.
const fn legacy(call: &SbiCall, env: &SbiEnv) -> SbiOutcome {
    let [a0, a1, a2, a3, ..] = call.args;
    // A null pointer names every online vCPU.
    let harts = if a0 != 0 {
        LegacyHartMask::InGuestMemory { addr: a0 }
    } else {
        LegacyHartMask::Mask(online_mask(env.online_vcpus))
    };
    // Unlike RFENCE, a size of -1 is a range like any other here.
    let whole = a1 == 0 && a2 == 0;
    let fence = match call.ext {
        SBI_EXT_0_1_SET_TIMER => return SbiOutcome::LegacySetTimer { next_cycle: a0 },
        // The console lives in userspace.
        SBI_EXT_0_1_CONSOLE_PUTCHAR | SBI_EXT_0_1_CONSOLE_GETCHAR => {
            return SbiOutcome::ForwardToUser
        }
        SBI_EXT_0_1_CLEAR_IPI => return SbiOutcome::LegacyClearIpi,
        SBI_EXT_0_1_SEND_IPI => return SbiOutcome::LegacySendIpi { harts },
        SBI_EXT_0_1_SHUTDOWN => {
            return SbiOutcome::SystemReset {
                event: SystemEvent::Shutdown,
                reason: 0,
            }
        }
        SBI_EXT_0_1_REMOTE_FENCE_I => RemoteFence::FenceI,
        SBI_EXT_0_1_REMOTE_SFENCE_VMA if whole => RemoteFence::VvmaAll,
        SBI_EXT_0_1_REMOTE_SFENCE_VMA => RemoteFence::VvmaGva {
            start: a1,
            size: a2,
        },
        SBI_EXT_0_1_REMOTE_SFENCE_VMA_ASID if whole => RemoteFence::VvmaAsidAll { asid: a3 },
        SBI_EXT_0_1_REMOTE_SFENCE_VMA_ASID => RemoteFence::VvmaAsidGva {
            start: a1,
            size: a2,
            asid: a3,
        },
        // Unreachable through the table (its range is 0..=8), kept for
        // parity with upstream's default case.
        _ => return NOT_SUPPORTED,
    };
    SbiOutcome::LegacyRemoteFence { fence, harts }
}

/// SBI extensions a new vCPU has (BASE is always there): those the
/// backend implements, STA if `sta` (the scheduler keeps run delays), and DBCN
/// available but disabled until userspace, which answers its calls,
/// enables it (as upstream). PMU is unavailable until the code behind it
/// exists. The legacy v0.1 calls are handled when the kernel has
/// CONFIG_RISCV_SBI_V01, as upstream; without it V01 stays the C
/// backend's placeholder entry, enabled but answering nothing, so
/// userspace sees the same register list either way.
pub fn initial_status(sta: bool) -> SbiExtStatuses {
    let mut status = [SbiExtStatus::Unavailable; KVM_RISCV_SBI_EXT_MAX as usize];
    let mut set = |id: SbiExtId, to: SbiExtStatus| {
        if let Some(s) = status.get_mut(id.get() as usize) {
            *s = to;
        }
    };
    for id in [
        SbiExtId::V01,
        SbiExtId::TIME,
        SbiExtId::IPI,
        SbiExtId::RFENCE,
        SbiExtId::SRST,
        SbiExtId::HSM,
        SbiExtId::EXPERIMENTAL,
        SbiExtId::VENDOR,
    ] {
        set(id, SbiExtStatus::Enabled);
    }
    if sta {
        set(SbiExtId::STA, SbiExtStatus::Enabled);
    }
    set(SbiExtId::DBCN, SbiExtStatus::Disabled);
    status.into()
}

#[cfg(test)]
#[path = "sbi_tests.rs"]
mod tests;
