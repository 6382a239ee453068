// SPDX-License-Identifier: GPL-2.0

//! SBI numbers (`asm/sbi.h`): extension and function ids, states, types,
//! error codes and PMU firmware events of the SBI specification. The host
//! build has no kernel headers, so they are restated here; the tests pin
//! each one to the specification.

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
/// PMU firmware event: `SBI_PMU_FW_FENCE_I_RCVD`, counted by the hart
/// that performs a remote `fence.i`.
pub const SBI_PMU_FW_FENCE_I_RCVD: u32 = 9;
/// PMU firmware event: `SBI_PMU_FW_HFENCE_VVMA_SENT`.
pub const SBI_PMU_FW_HFENCE_VVMA_SENT: u32 = 18;
/// PMU firmware event: `SBI_PMU_FW_HFENCE_VVMA_RCVD`.
pub const SBI_PMU_FW_HFENCE_VVMA_RCVD: u32 = 19;
/// PMU firmware event: `SBI_PMU_FW_HFENCE_VVMA_ASID_SENT`.
pub const SBI_PMU_FW_HFENCE_VVMA_ASID_SENT: u32 = 20;
/// PMU firmware event: `SBI_PMU_FW_HFENCE_VVMA_ASID_RCVD`.
pub const SBI_PMU_FW_HFENCE_VVMA_ASID_RCVD: u32 = 21;
