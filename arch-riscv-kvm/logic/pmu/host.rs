// SPDX-License-Identifier: GPL-2.0

//! What the PMU needs from the kernel around it ([`PmuHost`]): perf
//! events, and the guest memory of the snapshot area.

use super::perf::{PerfAttr, PerfEvent};

/// What the PMU needs from the kernel around it, for one SBI call on the
/// vCPU's task.
///
/// The errors carry nothing: whatever failed, the guest gets the same SBI
/// error (upstream drops the errno too), so `()` is the whole story.
#[allow(clippy::result_unit_err)]
pub trait PmuHost {
    /// The host's perf event.
    type Event: PerfEvent;

    /// Creates a disabled perf event counting the vCPU's task for virtual
    /// counter `counter` (`perf_event_create_kernel_counter()`); its
    /// overflow handler identifies the counter by that index.
    fn create_event(&mut self, counter: usize, attr: &PerfAttr) -> Result<Self::Event, ()>;

    /// Whether guest-physical `gpa` is in a writable memslot
    /// (`kvm_vcpu_gfn_to_hva_prot()` and its `writable`).
    fn writable(&mut self, gpa: u64) -> bool;

    /// Reads `buf.len()` bytes of guest memory at `gpa`
    /// (`kvm_vcpu_read_guest()`). On failure `buf` may hold part of it,
    /// as upstream's buffer does.
    fn read_guest(&mut self, gpa: u64, buf: &mut [u8]) -> Result<(), ()>;

    /// Writes `buf` to guest memory at `gpa` (`kvm_vcpu_write_guest()`).
    /// On failure part of it may have been written.
    fn write_guest(&mut self, gpa: u64, buf: &[u8]) -> Result<(), ()>;
}
