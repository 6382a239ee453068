// SPDX-License-Identifier: GPL-2.0

//! Remote HFENCE requests.
//!
//! A CPU that changes the G-stage table, or a vCPU that asks through SBI
//! RFENCE for other vCPUs' guest TLBs to be flushed, cannot fence another
//! hart's TLB itself. It queues the fence on each target vCPU and raises a
//! request; the target performs the fence on its own hart before it next
//! enters the guest. A full queue degrades to a coarser whole-VM flush
//! request, which is always correct, just slower.
//!
//! This module holds the queue, the mapping from a fence to its fallback
//! request, the vCPU selection of an SBI hart mask, and the decision of how
//! a ranged fence is executed locally.

/// Entries of each vCPU's queue (`KVM_RISCV_VCPU_MAX_HFENCE`).
pub const MAX_HFENCE: usize = 64;

/// Most fences a ranged flush issues one by one (`PTRS_PER_PTE`): past
/// that, one full flush of the same scope is cheaper than the loop.
pub const RANGED_FENCE_LIMIT: u64 = 512;

/// Smallest G-stage TLB granule (`KVM_RISCV_GSTAGE_TLB_MIN_ORDER`): the
/// order generic KVM's ranged flushes use.
pub const GSTAGE_TLB_MIN_ORDER: u32 = 12;

/// One queued fence (`struct kvm_riscv_hfence`). Upstream's
/// `KVM_RISCV_HFENCE_UNKNOWN` marks an empty queue slot; here emptiness is
/// the queue's business, so every value is a real fence.
///
/// Ranged kinds cover `[addr, addr + size)` in steps of `1 << order`. All
/// VS-stage kinds apply to the VM's current VMID, which the target reads
/// when it performs the fence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HfenceKind {
    /// G-stage translations of a guest-physical range, in this VM's VMID
    /// (`KVM_RISCV_HFENCE_GVMA_VMID_GPA`).
    GvmaVmidGpa {
        /// Start of the range.
        gpa: u64,
        /// Length of the range in bytes.
        size: u64,
        /// log2 of the fence step.
        order: u32,
    },
    /// VS-stage translations of a guest-virtual range in one guest ASID
    /// (`KVM_RISCV_HFENCE_VVMA_ASID_GVA`).
    VvmaAsidGva {
        /// Guest address-space identifier.
        asid: u64,
        /// Start of the range.
        gva: u64,
        /// Length of the range in bytes.
        size: u64,
        /// log2 of the fence step.
        order: u32,
    },
    /// All VS-stage translations of one guest ASID
    /// (`KVM_RISCV_HFENCE_VVMA_ASID_ALL`).
    VvmaAsidAll {
        /// Guest address-space identifier.
        asid: u64,
    },
    /// VS-stage translations of a guest-virtual range in every guest ASID
    /// (`KVM_RISCV_HFENCE_VVMA_GVA`).
    VvmaGva {
        /// Start of the range.
        gva: u64,
        /// Length of the range in bytes.
        size: u64,
        /// log2 of the fence step.
        order: u32,
    },
}

/// The whole-VM flush a vCPU is asked for instead when a fence does not
/// fit its queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FullFlush {
    /// Every G-stage translation of the VM (`KVM_REQ_HFENCE_GVMA_VMID_ALL`,
    /// which is `KVM_REQ_TLB_FLUSH`).
    GvmaVmidAll,
    /// Every VS-stage translation of the VM (`KVM_REQ_HFENCE_VVMA_ALL`).
    VvmaAll,
}

impl HfenceKind {
    /// The SBI PMU firmware event the hart performing the fence counts
    /// (upstream `kvm_riscv_hfence_process()`, tlb.c:262-279): the VS-stage
    /// fences a guest asked for through SBI RFENCE; the G-stage ones are
    /// the host's own.
    pub const fn received_event(self) -> Option<u32> {
        match self {
            HfenceKind::GvmaVmidGpa { .. } => None,
            HfenceKind::VvmaAsidGva { .. } | HfenceKind::VvmaAsidAll { .. } => {
                Some(super::sbi::SBI_PMU_FW_HFENCE_VVMA_ASID_RCVD)
            }
            HfenceKind::VvmaGva { .. } => Some(super::sbi::SBI_PMU_FW_HFENCE_VVMA_RCVD),
        }
    }

    /// Request to raise instead of `KVM_REQ_HFENCE` when this fence could
    /// not be queued on some target: the smallest flush that still covers
    /// it.
    pub const fn fallback(self) -> FullFlush {
        match self {
            HfenceKind::GvmaVmidGpa { .. } => FullFlush::GvmaVmidAll,
            HfenceKind::VvmaAsidGva { .. }
            | HfenceKind::VvmaAsidAll { .. }
            | HfenceKind::VvmaGva { .. } => FullFlush::VvmaAll,
        }
    }

    /// How the target performs this fence. [`FencePlan::All`] means the
    /// whole scope of the kind: all of the VMID for `GvmaVmidGpa`, all of
    /// the ASID for `VvmaAsid*`, all of the VMID's VS-stage for `VvmaGva`.
    pub const fn plan(self) -> FencePlan {
        match self {
            HfenceKind::GvmaVmidGpa { gpa, size, order } => plan(gpa, size, order),
            HfenceKind::VvmaAsidGva {
                gva, size, order, ..
            } => plan(gva, size, order),
            HfenceKind::VvmaAsidAll { .. } => FencePlan::All,
            HfenceKind::VvmaGva { gva, size, order } => plan(gva, size, order),
        }
    }
}

/// How a ranged fence is executed on the local hart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FencePlan {
    /// One fence of the whole scope (register operand `zero`).
    All,
    /// One fence per address `start, start + step, ...` below `end`. The
    /// range is empty when `start == end`.
    Ranged {
        /// First address, aligned to `step`.
        start: u64,
        /// End of the range, aligned to `step`.
        end: u64,
        /// Distance between fenced addresses, a power of two.
        step: u64,
    },
}

impl FencePlan {
    /// The addresses to fence one by one; none for [`FencePlan::All`].
    pub const fn addrs(self) -> FenceAddrs {
        match self {
            FencePlan::All => FenceAddrs {
                next: 0,
                end: 0,
                step: 0,
            },
            FencePlan::Ranged { start, end, step } => FenceAddrs {
                next: start,
                end,
                step,
            },
        }
    }
}

/// Iterator over the addresses of a [`FencePlan::Ranged`].
///
/// It stops at `end`, on a zero step, and instead of wrapping past
/// `u64::MAX`, so a hand-built plan cannot make it spin.
#[derive(Clone, Debug)]
pub struct FenceAddrs {
    next: u64,
    end: u64,
    step: u64,
}

impl Iterator for FenceAddrs {
    type Item = u64;

    fn next(&mut self) -> Option<u64> {
        if self.step == 0 || self.next >= self.end {
            return None;
        }
        let addr = self.next;
        self.next = match addr.checked_add(self.step) {
            Some(next) => next,
            None => self.end,
        };
        Some(addr)
    }
}

/// Decides how to fence `[start, start + size)` with fences `1 << order`
/// apart, as upstream's `kvm_riscv_local_hfence_*` do.
///
/// More than [`RANGED_FENCE_LIMIT`] steps (upstream's test
/// `PTRS_PER_PTE < (size >> order)`) gives one full fence. Unlike upstream,
/// the range is widened to whole steps: upstream steps from an unaligned
/// start and can miss the last granule the range touches. Whatever cannot
/// be planned exactly is planned as a full fence, which over-flushes but
/// never under-flushes: an order of 64 or more (upstream shifts by it,
/// undefined in C), and a range whose aligned end passes `u64::MAX`
/// (upstream's `pos < gpa + gpsz` wraps: no fence at all, or a loop that
/// wraps around the address space).
///
/// Because `end` is exclusive, a range reaching into the top `step` of the
/// address space (say, a guest's last virtual page) has no representable
/// end and is planned as a full fence.
///
/// A zero `size` fences nothing, as upstream.
pub const fn plan(start: u64, size: u64, order: u32) -> FencePlan {
    if order >= u64::BITS {
        return FencePlan::All;
    }
    if size >> order > RANGED_FENCE_LIMIT {
        return FencePlan::All;
    }
    let step = 1u64 << order;
    let first = start & !(step - 1);
    if size == 0 {
        return FencePlan::Ranged {
            start: first,
            end: first,
            step,
        };
    }
    // Round `start + size` up to a step boundary without overflowing.
    let end = match start.checked_add(size) {
        Some(end) => end,
        None => return FencePlan::All,
    };
    let end = match end.checked_add(step - 1) {
        Some(end) => end & !(step - 1),
        None => return FencePlan::All,
    };
    FencePlan::Ranged {
        start: first,
        end,
        step,
    }
}

/// Register operand of `hfence.gvma` and `hinval.gvma` for guest-physical
/// address `gpa`.
///
/// The instructions take the address shifted right by two: on RV32, the
/// guest-physical space of Sv32x4 is 34 bits wide and would not fit a
/// register otherwise, and RV64 kept the same encoding. The two dropped
/// bits are below the 4 KiB granule, so nothing is lost. The VS-stage
/// fences (`hfence.vvma`) take guest-virtual addresses unshifted.
pub const fn gvma_operand(gpa: u64) -> u64 {
    gpa >> 2
}

/// Whether the vCPU with `vcpu_id` is a target of an SBI hart mask
/// (`hmask` relative to `hbase`; `hbase == u64::MAX` selects every vCPU).
///
/// Upstream computes `1UL << (vcpu_id - hbase)` unchecked; for a vCPU 64
/// or more IDs above `hbase` that shift is undefined in C and on RISC-V
/// wraps modulo 64, selecting vCPUs the mask did not name. Here such vCPUs
/// are not selected.
pub const fn hart_selected(hbase: u64, hmask: u64, vcpu_id: u64) -> bool {
    if hbase == u64::MAX {
        return true;
    }
    if vcpu_id < hbase {
        return false;
    }
    let bit = vcpu_id - hbase;
    bit < u64::BITS as u64 && hmask & (1 << bit) != 0
}

/// The guest-physical range whose translations an operation on the
/// G-stage table changed: the smallest range covering every change, so
/// that one ranged fence (or, past [`RANGED_FENCE_LIMIT`] pages, one full
/// fence) replaces a fence per entry.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FlushRange {
    start: u64,
    /// Exclusive; `start == end` is the empty range.
    end: u64,
}

impl FlushRange {
    /// Nothing changed.
    pub const EMPTY: FlushRange = FlushRange { start: 0, end: 0 };

    /// Takes in a changed entry spanning `[start, start + size)`. A span
    /// reaching past `u64::MAX` is clamped there.
    pub fn add(&mut self, start: u64, size: u64) {
        if size == 0 {
            return;
        }
        let end = start.saturating_add(size);
        if self.is_empty() {
            *self = FlushRange { start, end };
        } else {
            self.start = self.start.min(start);
            self.end = self.end.max(end);
        }
    }

    /// Takes in every change of `other`.
    pub fn merge(&mut self, other: FlushRange) {
        self.add(other.start, other.size());
    }

    /// Nothing changed.
    pub const fn is_empty(&self) -> bool {
        self.start >= self.end
    }

    /// Start of the range.
    pub const fn start(&self) -> u64 {
        self.start
    }

    /// Length of the range in bytes.
    pub const fn size(&self) -> u64 {
        self.end.saturating_sub(self.start)
    }

    /// The fence that drops the range's G-stage translations from a TLB.
    pub const fn gvma_fence(&self) -> HfenceKind {
        HfenceKind::GvmaVmidGpa {
            gpa: self.start,
            size: self.size(),
            order: GSTAGE_TLB_MIN_ORDER,
        }
    }
}

/// The queue had no room; raise the [`HfenceKind::fallback`] request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Full;

/// A vCPU's queue of pending fences: first in, first out, fixed capacity,
/// no allocation. The kernel keeps one per vCPU under a spinlock.
#[derive(Clone, Debug)]
pub struct HfenceQueue {
    slots: [Option<HfenceKind>; MAX_HFENCE],
    /// Slot of the oldest fence.
    head: usize,
    /// Number of queued fences.
    len: usize,
}

// No `Default`: built at run time, the 2 KiB queue takes a 2 KiB stack
// frame (`host/stack_frames`); `new()` is `const`, for a constant to copy.
#[allow(clippy::new_without_default)]
impl HfenceQueue {
    /// An empty queue.
    pub const fn new() -> Self {
        HfenceQueue {
            slots: [None; MAX_HFENCE],
            head: 0,
            len: 0,
        }
    }

    /// Number of queued fences.
    pub const fn len(&self) -> usize {
        self.len
    }

    /// Nothing is queued.
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// All [`MAX_HFENCE`] slots are taken.
    pub const fn is_full(&self) -> bool {
        self.len >= MAX_HFENCE
    }

    /// Queues `fence` behind the others.
    pub fn push(&mut self, fence: HfenceKind) -> Result<(), Full> {
        if self.is_full() {
            return Err(Full);
        }
        let tail = (self.head + self.len) % MAX_HFENCE;
        if let Some(slot) = self.slots.get_mut(tail) {
            *slot = Some(fence);
            self.len += 1;
            Ok(())
        } else {
            Err(Full)
        }
    }

    /// Takes the oldest fence.
    pub fn pop(&mut self) -> Option<HfenceKind> {
        if self.is_empty() {
            return None;
        }
        let fence = self.slots.get_mut(self.head).and_then(Option::take);
        self.head = (self.head + 1) % MAX_HFENCE;
        self.len -= 1;
        fence
    }

    /// Drops every queued fence, for a caller about to flush everything.
    pub fn clear(&mut self) {
        // In place: `*self = Self::new()` builds a whole queue on the
        // stack first.
        self.slots.fill(None);
        self.head = 0;
        self.len = 0;
    }
}

#[cfg(test)]
#[path = "hfence_tests.rs"]
mod tests;
