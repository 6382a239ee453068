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

impl Default for HfenceQueue {
    fn default() -> Self {
        Self::new()
    }
}

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
        *self = Self::new();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    fn gvma(n: u64) -> HfenceKind {
        HfenceKind::GvmaVmidGpa {
            gpa: n << 12,
            size: 4096,
            order: 12,
        }
    }

    #[test]
    fn queue_is_fifo() {
        let mut q = HfenceQueue::new();
        assert!(q.is_empty());
        assert_eq!(q.pop(), None);
        let fences = [
            gvma(1),
            HfenceKind::VvmaAsidAll { asid: 7 },
            HfenceKind::VvmaGva {
                gva: 0x1000,
                size: 0x2000,
                order: 12,
            },
            HfenceKind::VvmaAsidGva {
                asid: 3,
                gva: 0x4000,
                size: 0x1000,
                order: 12,
            },
        ];
        for f in fences {
            q.push(f).unwrap();
        }
        assert_eq!(q.len(), 4);
        for f in fences {
            assert_eq!(q.pop(), Some(f));
        }
        assert_eq!(q.pop(), None);
        assert!(q.is_empty());
    }

    #[test]
    fn queue_holds_exactly_64() {
        let mut q = HfenceQueue::default();
        for n in 0..64 {
            assert_eq!(q.push(gvma(n)), Ok(()));
        }
        assert!(q.is_full());
        assert_eq!(q.len(), MAX_HFENCE);
        assert_eq!(q.push(gvma(64)), Err(Full));
        assert_eq!(q.len(), 64);
        // The refused fence did not overwrite anything.
        for n in 0..64 {
            assert_eq!(q.pop(), Some(gvma(n)));
        }
        assert_eq!(q.pop(), None);
    }

    #[test]
    fn queue_wraps_around() {
        let mut q = HfenceQueue::new();
        let mut next_in = 0;
        let mut next_out = 0;
        // Push and pop unevenly for several laps of the ring.
        for round in 0..50 {
            let pushes = (round * 7) % 23 + 1;
            let pops = (round * 5) % 19 + 1;
            for _ in 0..pushes {
                if q.push(gvma(next_in)).is_ok() {
                    next_in += 1;
                } else {
                    assert!(q.is_full());
                }
            }
            for _ in 0..pops {
                match q.pop() {
                    Some(f) => {
                        assert_eq!(f, gvma(next_out));
                        next_out += 1;
                    }
                    None => assert!(q.is_empty()),
                }
            }
            assert_eq!(q.len() as u64, next_in - next_out);
        }
        assert!(next_in > 3 * 64);
        // Fill after wrapping: still exactly 64.
        while q.push(gvma(next_in)).is_ok() {
            next_in += 1;
        }
        assert_eq!(q.len(), 64);
        while let Some(f) = q.pop() {
            assert_eq!(f, gvma(next_out));
            next_out += 1;
        }
        assert_eq!(next_in, next_out);
    }

    #[test]
    fn queue_clear_empties() {
        let mut q = HfenceQueue::new();
        for n in 0..10 {
            q.push(gvma(n)).unwrap();
        }
        q.pop();
        q.clear();
        assert!(q.is_empty());
        assert_eq!(q.pop(), None);
        for n in 0..64 {
            q.push(gvma(n)).unwrap();
        }
        assert_eq!(q.pop(), Some(gvma(0)));
    }

    #[test]
    fn fallbacks_cover_the_fence() {
        assert_eq!(gvma(0).fallback(), FullFlush::GvmaVmidAll);
        assert_eq!(
            HfenceKind::VvmaAsidAll { asid: 1 }.fallback(),
            FullFlush::VvmaAll
        );
        let v = HfenceKind::VvmaGva {
            gva: 0,
            size: 1,
            order: 12,
        };
        assert_eq!(v.fallback(), FullFlush::VvmaAll);
        let v = HfenceKind::VvmaAsidGva {
            asid: 1,
            gva: 0,
            size: 1,
            order: 12,
        };
        assert_eq!(v.fallback(), FullFlush::VvmaAll);
    }

    #[test]
    fn plan_threshold_is_512_steps() {
        assert_eq!(
            plan(0, 512 << 12, 12),
            FencePlan::Ranged {
                start: 0,
                end: 512 << 12,
                step: 4096
            }
        );
        assert_eq!(plan(0, 513 << 12, 12), FencePlan::All);
        // Upstream's test truncates: 512 steps and a bit is still ranged.
        assert!(matches!(
            plan(0, (512 << 12) + 4095, 12),
            FencePlan::Ranged { .. }
        ));
        assert_eq!(plan(0, (513 << 12) - 1, 12).addrs().count(), 513);
        // Larger steps scale the threshold.
        assert_eq!(plan(0, 512 << 21, 21).addrs().count(), 512);
        assert_eq!(plan(0, 513 << 21, 21), FencePlan::All);
        // Order 0: bytes.
        assert_eq!(plan(0x100, 512, 0).addrs().count(), 512);
        assert_eq!(plan(0x100, 513, 0), FencePlan::All);
    }

    #[test]
    fn plan_steps_through_the_range() {
        let a: Vec<u64> = plan(0x8000_0000, 0x3000, 12).addrs().collect();
        assert_eq!(a, [0x8000_0000, 0x8000_1000, 0x8000_2000]);
        // A block-sized fence, as a G-stage leaf change sends.
        let a: Vec<u64> = plan(0x4020_0000, 1 << 21, 21).addrs().collect();
        assert_eq!(a, [0x4020_0000]);
    }

    #[test]
    fn plan_widens_unaligned_ranges() {
        // 0x800..0x1800 touches pages 0 and 1; upstream fences page 0 only.
        let p = plan(0x800, 0x1000, 12);
        assert_eq!(
            p,
            FencePlan::Ranged {
                start: 0,
                end: 0x2000,
                step: 0x1000
            }
        );
        assert_eq!(p.addrs().collect::<Vec<_>>(), [0, 0x1000]);
        assert_eq!(plan(0xfff, 1, 12).addrs().collect::<Vec<_>>(), [0]);
        assert_eq!(plan(0xfff, 2, 12).addrs().collect::<Vec<_>>(), [0, 0x1000]);
    }

    #[test]
    fn plan_of_nothing_fences_nothing() {
        for (start, order) in [(0, 12), (0x1234, 12), (u64::MAX, 12), (u64::MAX, 0)] {
            let p = plan(start, 0, order);
            assert!(matches!(p, FencePlan::Ranged { start: s, end: e, .. } if s == e));
            assert_eq!(p.addrs().count(), 0);
        }
    }

    #[test]
    fn plan_never_overflows() {
        // The range passes the top: full fence.
        assert_eq!(plan(u64::MAX - 0xfff, 0x2000, 12), FencePlan::All);
        // Ends exactly at 2^64: the aligned end is not representable.
        assert_eq!(plan(u64::MAX - 0xfff, 0x1000, 12), FencePlan::All);
        // A guest's SBI remote fence of 0x400 bytes from an unaligned
        // address in the top page: upstream steps from 0x..f7ff to 0x7ff,
        // wrapped, and loops through the whole address space.
        assert_eq!(plan(0xffff_ffff_ffff_f7ff, 0x400, 12), FencePlan::All);
        // Ends inside the top page: its aligned end is 2^64 too.
        assert_eq!(plan(u64::MAX - 0x17ff, 0x1000, 12), FencePlan::All);
        // The page below the top page still fences by address.
        for size in [0x1000, 0xfff, 1] {
            assert_eq!(
                plan(u64::MAX - 0x1fff, size, 12)
                    .addrs()
                    .collect::<Vec<_>>(),
                [u64::MAX - 0x1fff]
            );
        }
        // Upstream would shift by 64 or more.
        for order in [64, 65, u32::MAX] {
            assert_eq!(plan(0, 0x1000, order), FencePlan::All);
            assert_eq!(plan(0, 0, order), FencePlan::All);
        }
        // The largest order: one step covers half the space; the upper
        // half's end is 2^64.
        assert_eq!(plan(0, 1, 63).addrs().collect::<Vec<_>>(), [0]);
        assert_eq!(plan(1 << 63, 1, 63), FencePlan::All);
        assert_eq!(plan(0, u64::MAX, 63), FencePlan::All);
        assert_eq!(plan(u64::MAX, u64::MAX, 12), FencePlan::All);
        assert_eq!(plan(u64::MAX, u64::MAX, 0), FencePlan::All);
    }

    #[test]
    fn hand_built_plans_terminate() {
        let spin = FencePlan::Ranged {
            start: 0,
            end: 10,
            step: 0,
        };
        assert_eq!(spin.addrs().count(), 0);
        let wrap = FencePlan::Ranged {
            start: u64::MAX - 1,
            end: u64::MAX,
            step: 4096,
        };
        assert_eq!(wrap.addrs().collect::<Vec<_>>(), [u64::MAX - 1]);
        let odd = FencePlan::Ranged {
            start: 1,
            end: 10,
            step: 3,
        };
        assert_eq!(odd.addrs().collect::<Vec<_>>(), [1, 4, 7]);
        assert_eq!(FencePlan::All.addrs().count(), 0);
    }

    #[test]
    fn kind_plans() {
        assert_eq!(HfenceKind::VvmaAsidAll { asid: 9 }.plan(), FencePlan::All);
        assert_eq!(gvma(5).plan(), plan(5 << 12, 4096, 12));
        let v = HfenceKind::VvmaAsidGva {
            asid: 1,
            gva: 0x7000,
            size: 1 << 30,
            order: 12,
        };
        assert_eq!(v.plan(), FencePlan::All);
        let v = HfenceKind::VvmaGva {
            gva: 0x7000,
            size: 0x2000,
            order: 12,
        };
        assert_eq!(v.plan().addrs().collect::<Vec<_>>(), [0x7000, 0x8000]);
    }

    #[test]
    fn gvma_operand_drops_two_bits() {
        assert_eq!(gvma_operand(0), 0);
        assert_eq!(gvma_operand(0x8000_0000), 0x2000_0000);
        assert_eq!(gvma_operand((1 << 59) - 1), ((1 << 59) - 1) >> 2);
        assert_eq!(gvma_operand(u64::MAX), u64::MAX >> 2);
        // Sv32x4's 34-bit space fits 32 bits once shifted.
        assert_eq!(gvma_operand((1 << 34) - 1), u32::MAX as u64);
    }

    #[test]
    fn hart_mask_selection() {
        assert!(hart_selected(u64::MAX, 0, 0));
        assert!(hart_selected(u64::MAX, 0, 1000));
        assert!(hart_selected(4, 0b101, 4));
        assert!(!hart_selected(4, 0b101, 5));
        assert!(hart_selected(4, 0b101, 6));
        assert!(!hart_selected(4, 0b101, 3));
        assert!(hart_selected(0, 1 << 63, 63));
        // 64 above the base: outside the mask, not bit 0 again.
        assert!(!hart_selected(0, 1, 64));
        assert!(!hart_selected(4, u64::MAX, 68));
        assert!(!hart_selected(0, u64::MAX, u64::MAX));
        assert!(!hart_selected(u64::MAX - 1, u64::MAX, 0));
    }
}
