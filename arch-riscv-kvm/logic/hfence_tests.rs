// SPDX-License-Identifier: GPL-2.0

//! Host tests of `logic::hfence`.

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
    let mut q = HfenceQueue::new();
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

#[test]
fn flush_range_covers_every_change() {
    let mut r = FlushRange::EMPTY;
    assert!(r.is_empty());
    r.add(0x5000, 0);
    assert!(r.is_empty(), "a zero-sized change is no change");
    r.add(0x5000, 0x1000);
    assert_eq!((r.start(), r.size()), (0x5000, 0x1000));
    r.add(0x20_0000, 0x20_0000);
    assert_eq!((r.start(), r.size()), (0x5000, 0x40_0000 - 0x5000));
    r.add(0x1000, 0x1000);
    assert_eq!((r.start(), r.size()), (0x1000, 0x40_0000 - 0x1000));
    let mut other = FlushRange::EMPTY;
    other.add(0x80_0000, 0x1000);
    r.merge(other);
    assert_eq!((r.start(), r.size()), (0x1000, 0x80_1000 - 0x1000));
    r.merge(FlushRange::EMPTY);
    assert_eq!((r.start(), r.size()), (0x1000, 0x80_1000 - 0x1000));
}

#[test]
fn flush_range_clamps_at_top_of_space() {
    let mut r = FlushRange::EMPTY;
    r.add(u64::MAX - 0xfff, 0x2000);
    assert!(!r.is_empty());
    assert_eq!(r.start(), u64::MAX - 0xfff);
    assert_eq!(r.size(), 0xfff);
}

#[test]
fn flush_range_fence_plans() {
    let mut r = FlushRange::EMPTY;
    r.add(0x1234_5000, 0x3000);
    assert_eq!(
        r.gvma_fence().plan(),
        FencePlan::Ranged {
            start: 0x1234_5000,
            end: 0x1234_8000,
            step: 0x1000
        }
    );
    // A 2 MiB block is 512 pages: still ranged. One page more is not.
    let mut block = FlushRange::EMPTY;
    block.add(0x4000_0000, 0x20_0000);
    assert!(matches!(
        block.gvma_fence().plan(),
        FencePlan::Ranged { .. }
    ));
    block.add(0x4020_0000, 0x1000);
    assert_eq!(block.gvma_fence().plan(), FencePlan::All);
}
