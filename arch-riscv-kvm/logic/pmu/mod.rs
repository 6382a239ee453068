// SPDX-License-Identifier: GPL-2.0

//! The vCPU's SBI PMU: virtual counters a guest configures, starts, stops
//! and reads through the SBI PMU extension, counted by host perf events
//! (hardware counters) or by KVM itself (firmware counters).
//!
//! [`Pmu`] is upstream's `struct kvm_pmu` and its functions; everything
//! mirrors Linux 6.12 (`arch/riscv/kvm/vcpu_pmu.c`, whose line numbers
//! the comments cite, and `vcpu_sbi_pmu.c`). The kernel layer supplies
//! the perf events and guest memory through [`PmuHost`], and keeps the
//! overflow bitmap the perf interrupt sets as an
//! [`AtomicU64`](core::sync::atomic::AtomicU64).
//!
//! # Counters
//!
//! | index                      | type     | CSR            | width |
//! |----------------------------|----------|----------------|-------|
//! | 0, 2                       | hardware | `cycle`, `instret` | 64 |
//! | 1                          | none: `time`, never a counter | | |
//! | 3 .. `num_hw`              | hardware | `hpmcounter<i>` | the host's |
//! | `num_hw` .. `num_hw` + [`FW_MAX`] | firmware | none     | 64    |
//!
//! `num_hw` is the host's hardware counter count plus one (the `time`
//! slot), at most [`MAX_HW_CTRS`].
//!
//! # Where this differs from upstream
//!
//! Only where upstream reads out of bounds or relies on wrapping
//! arithmetic:
//!
//! - `counter_get_info` rejects every index that is not a counter
//!   (upstream: `cidx > RISCV_KVM_MAX_COUNTERS`, which reads `pmc[64]`
//!   and answers 0 for the slots past the last counter).
//! - A firmware counter whose event code is past `fw_event[]` (one with
//!   no event: `SBI_PMU_EVENT_IDX_INVALID`) reads its own last value, 0
//!   for a new one (upstream reads far past the array; its sbi_pmu_test
//!   expects the read of an unconfigured firmware counter to succeed).
//! - A counter base whose sum with the mask's last bit overflows is
//!   invalid (upstream wraps and indexes from there).
//! - A counter CSR read outside `cycle..=hpmcounter31` is illegal
//!   (upstream's CSR table never routes one).
//! - Reset releases every perf event, not only those of counters in use
//!   (upstream leaks one left on a counter no longer in use), and returns
//!   every counter to its initial state (upstream leaves a counter that
//!   was counting marked started, so it cannot be started again, and the
//!   value of one not in use).
//! - KVM's copy of the snapshot area keeps only the 520 bytes it uses, so
//!   `counter_stop` writes back those 520 bytes, not the whole 4096
//!   (upstream also rewrites the reserved part with what it last read).
//!
//! Upstream's quirks are kept, among them: cycles and instructions always
//! take counters 0 and 2 whatever the mask; SBI hardware event 0 counts
//! CPU cycles; `AUTO_START` enables a perf event without marking the
//! counter started; errors in `counter_start`/`counter_stop` loops do not
//! stop them.

mod bits;
mod cfg_match;
mod counter;
mod event;
mod host;
mod perf;
mod shmem;
mod snapshot;
mod spec;
mod start;
mod state;
mod stop;

pub use counter::{sample_period, CounterInfo};
pub use event::{
    cache_config, event_code, event_type, fixed_counter, is_fw_event, perf_config, perf_type,
    PERF_CONFIG_INVALID,
};
pub use host::PmuHost;
pub use perf::*;
pub use snapshot::{Snapshot, SNAPSHOT_AREA_SIZE, SNAPSHOT_BYTES};
pub use spec::*;
pub use state::{read_hpm_without_pmu, Pmu};

#[cfg(test)]
mod tests;
