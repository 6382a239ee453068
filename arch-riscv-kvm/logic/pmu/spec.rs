// SPDX-License-Identifier: GPL-2.0

//! SBI PMU numbers (`asm/sbi.h`, `linux/perf/riscv_pmu.h`) and KVM's
//! counter limits (`asm/kvm_vcpu_pmu.h`): event index fields, event
//! codes, call flags. The host build has no kernel headers, so they are
//! restated here; the tests pin each one.

/// Hardware counters a vCPU can have, the `time` slot included
/// (`RISCV_KVM_MAX_HW_CTRS`, `kvm_vcpu_pmu.h:13`): the ISA's 32 counter
/// CSRs.
pub const MAX_HW_CTRS: usize = 32;
/// Room for firmware counters and their events (`RISCV_KVM_MAX_FW_CTRS`,
/// `kvm_vcpu_pmu.h:12`). Only [`FW_MAX`] are ever used.
pub const MAX_FW_CTRS: usize = 32;
/// Virtual counters a vCPU can have (`RISCV_KVM_MAX_COUNTERS`,
/// `kvm_vcpu_pmu.h:14`): one bit each in a 64-bit bitmap.
pub const MAX_COUNTERS: usize = MAX_HW_CTRS + MAX_FW_CTRS;
/// Number of SBI firmware events (`SBI_PMU_FW_MAX`, `sbi.h:212`), which is
/// also the number of firmware counters KVM offers.
pub const FW_MAX: usize = 22;

/// Event index bits that hold the event type (`SBI_PMU_EVENT_IDX_TYPE_MASK`).
pub const SBI_PMU_EVENT_IDX_TYPE_MASK: u64 = 0xf_0000;
/// Position of the event type in an event index.
pub const SBI_PMU_EVENT_IDX_TYPE_SHIFT: u32 = 16;
/// Event index bits that hold the event code (`SBI_PMU_EVENT_IDX_CODE_MASK`).
pub const SBI_PMU_EVENT_IDX_CODE_MASK: u64 = 0xffff;
/// The event index of a counter with no event (`SBI_PMU_EVENT_IDX_INVALID`).
/// Its code, `0xffff`, is no firmware event.
pub const SBI_PMU_EVENT_IDX_INVALID: u64 = 0xffff_ffff;

/// Event type: generic hardware event (`SBI_PMU_EVENT_TYPE_HW`).
pub const SBI_PMU_EVENT_TYPE_HW: u64 = 0x0;
/// Event type: hardware cache event (`SBI_PMU_EVENT_TYPE_CACHE`).
pub const SBI_PMU_EVENT_TYPE_CACHE: u64 = 0x1;
/// Event type: raw hardware event, selected by the event data
/// (`SBI_PMU_EVENT_TYPE_RAW`).
pub const SBI_PMU_EVENT_TYPE_RAW: u64 = 0x2;
/// Event type: firmware event, counted by the SBI implementation itself
/// (`SBI_PMU_EVENT_TYPE_FW`).
pub const SBI_PMU_EVENT_TYPE_FW: u64 = 0xf;

/// Hardware event code: no event (`SBI_PMU_HW_NO_EVENT`).
pub const SBI_PMU_HW_NO_EVENT: u64 = 0;
/// Hardware event code: CPU cycles (`SBI_PMU_HW_CPU_CYCLES`).
pub const SBI_PMU_HW_CPU_CYCLES: u64 = 1;
/// Hardware event code: retired instructions (`SBI_PMU_HW_INSTRUCTIONS`).
pub const SBI_PMU_HW_INSTRUCTIONS: u64 = 2;
/// Hardware event code: cache references.
pub const SBI_PMU_HW_CACHE_REFERENCES: u64 = 3;
/// Hardware event code: cache misses.
pub const SBI_PMU_HW_CACHE_MISSES: u64 = 4;
/// Hardware event code: branch instructions.
pub const SBI_PMU_HW_BRANCH_INSTRUCTIONS: u64 = 5;
/// Hardware event code: branch misses.
pub const SBI_PMU_HW_BRANCH_MISSES: u64 = 6;
/// Hardware event code: bus cycles.
pub const SBI_PMU_HW_BUS_CYCLES: u64 = 7;
/// Hardware event code: front-end stall cycles.
pub const SBI_PMU_HW_STALLED_CYCLES_FRONTEND: u64 = 8;
/// Hardware event code: back-end stall cycles.
pub const SBI_PMU_HW_STALLED_CYCLES_BACKEND: u64 = 9;
/// Hardware event code: reference cycles.
pub const SBI_PMU_HW_REF_CPU_CYCLES: u64 = 10;
/// One past the last hardware event code (`SBI_PMU_HW_GENERAL_MAX`).
pub const SBI_PMU_HW_GENERAL_MAX: u64 = 11;

/// Cache event code bits naming the cache (`SBI_PMU_EVENT_CACHE_ID_CODE_MASK`).
pub const SBI_PMU_EVENT_CACHE_ID_CODE_MASK: u64 = 0xfff8;
/// Position of the cache id in a cache event code.
pub const SBI_PMU_EVENT_CACHE_ID_SHIFT: u32 = 3;
/// Cache event code bits naming the operation
/// (`SBI_PMU_EVENT_CACHE_OP_ID_CODE_MASK`).
pub const SBI_PMU_EVENT_CACHE_OP_ID_CODE_MASK: u64 = 0x6;
/// Position of the operation in a cache event code.
pub const SBI_PMU_EVENT_CACHE_OP_SHIFT: u32 = 1;
/// Cache event code bit naming the result (access or miss)
/// (`SBI_PMU_EVENT_CACHE_RESULT_ID_CODE_MASK`).
pub const SBI_PMU_EVENT_CACHE_RESULT_ID_CODE_MASK: u64 = 0x1;

/// Counter type in `counter_get_info`: hardware (`SBI_PMU_CTR_TYPE_HW`).
pub const SBI_PMU_CTR_TYPE_HW: u64 = 0;
/// Counter type in `counter_get_info`: firmware (`SBI_PMU_CTR_TYPE_FW`).
pub const SBI_PMU_CTR_TYPE_FW: u64 = 1;

/// `counter_config_matching`: the caller names the counter, which must be
/// in use already (`SBI_PMU_CFG_FLAG_SKIP_MATCH`).
pub const SBI_PMU_CFG_FLAG_SKIP_MATCH: u64 = 1 << 0;
/// `counter_config_matching`: zero the counter's value.
pub const SBI_PMU_CFG_FLAG_CLEAR_VALUE: u64 = 1 << 1;
/// `counter_config_matching`: start counting right away.
pub const SBI_PMU_CFG_FLAG_AUTO_START: u64 = 1 << 2;
/// `counter_config_matching`: do not count in VU-mode (ignored by KVM).
pub const SBI_PMU_CFG_FLAG_SET_VUINH: u64 = 1 << 3;
/// `counter_config_matching`: do not count in VS-mode (ignored by KVM).
pub const SBI_PMU_CFG_FLAG_SET_VSINH: u64 = 1 << 4;
/// `counter_config_matching`: do not count in U-mode (the guest's user
/// mode: `exclude_user`).
pub const SBI_PMU_CFG_FLAG_SET_UINH: u64 = 1 << 5;
/// `counter_config_matching`: do not count in S-mode (the guest's kernel:
/// `exclude_kernel`).
pub const SBI_PMU_CFG_FLAG_SET_SINH: u64 = 1 << 6;
/// `counter_config_matching`: do not count in M-mode (ignored by KVM).
pub const SBI_PMU_CFG_FLAG_SET_MINH: u64 = 1 << 7;

/// `counter_start`: start from the call's initial value.
pub const SBI_PMU_START_FLAG_SET_INIT_VALUE: u64 = 1 << 0;
/// `counter_start`: start from the values in the snapshot area.
pub const SBI_PMU_START_FLAG_INIT_SNAPSHOT: u64 = 1 << 1;

/// `counter_stop`: also unconfigure the counters.
pub const SBI_PMU_STOP_FLAG_RESET: u64 = 1 << 0;
/// `counter_stop`: save the values to the snapshot area.
pub const SBI_PMU_STOP_FLAG_TAKE_SNAPSHOT: u64 = 1 << 1;

/// Event data bits a raw event passes to perf (`RISCV_PMU_RAW_EVENT_MASK`,
/// `sbi.h:160`).
pub const RISCV_PMU_RAW_EVENT_MASK: u64 = (1 << 48) - 1;
/// `perf_event_attr.config1` of a guest's event: count it for the guest
/// (`RISCV_PMU_CONFIG1_GUEST_EVENTS`, `riscv_pmu.h:29`). The kernel layer
/// sets it on every event.
pub const RISCV_PMU_CONFIG1_GUEST_EVENTS: u64 = 0x1;
