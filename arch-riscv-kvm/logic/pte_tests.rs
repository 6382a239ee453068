// SPDX-License-Identifier: GPL-2.0

//! Host tests of `logic::pte`.

use super::*;
use std::collections::HashMap;
use std::vec::Vec;

const MODES: [GStageMode; 3] = GStageMode::PROBE_ORDER;

#[test]
fn bits_match_pgtable_bits_h() {
    assert_eq!(
        [PTE_V, PTE_R, PTE_W, PTE_X, PTE_U, PTE_G, PTE_A, PTE_D],
        [0x1, 0x2, 0x4, 0x8, 0x10, 0x20, 0x40, 0x80]
    );
    assert_eq!(PFN_MASK, 0x003f_ffff_ffff_fc00);
    assert_eq!(PTRS_PER_TABLE, 512);
    assert_eq!(PTRS_PER_ROOT, 2048);
}

#[test]
fn index_bits_agree_with_gpa_bits() {
    for mode in MODES {
        assert_eq!(
            PAGE_SHIFT + INDEX_BITS * mode.levels() + GStageMode::ROOT_TABLE_ORDER,
            mode.gpa_bits()
        );
    }
    assert_eq!(root_level(GStageMode::Sv57x4), MAX_LEVEL);
}

#[test]
fn leaf_permissions_as_upstream_builds_them() {
    // pfn_pte(pfn, PAGE_*) | _PAGE_DIRTY: V, U and A from _PAGE_BASE,
    // R always, D always, G never.
    let base = PTE_V | PTE_U | PTE_A | PTE_D | PTE_R;
    let cases = [
        (Perms::READ, base),
        (Perms::READ_WRITE, base | PTE_W),
        (Perms::READ_EXEC, base | PTE_X),
        (Perms::READ_WRITE_EXEC, base | PTE_W | PTE_X),
    ];
    for (perms, bits) in cases {
        let pte = Pte::leaf(0x1234, 0, perms).unwrap();
        assert_eq!(pte.raw(), (0x1234 << 10) | bits);
        assert!(pte.is_valid() && pte.is_leaf() && !pte.is_table());
        assert!(pte.readable() && pte.user() && pte.accessed() && pte.dirty());
        assert_eq!(pte.writable(), perms.write);
        assert_eq!(pte.executable(), perms.exec);
        assert_eq!(pte.raw() & PTE_G, 0);
    }
    assert_eq!(Pte::leaf(0, 0, Perms::READ_WRITE_EXEC).unwrap().raw(), 0xdf);
    assert_eq!(Pte::leaf(0, 0, Perms::READ_EXEC).unwrap().raw(), 0xdb);
}

#[test]
fn pfn_round_trips() {
    for pfn in [0, 1, 0x8_0000, 0xabc_def0_1234, MAX_PFN] {
        let leaf = Pte::leaf(pfn, 0, Perms::READ).unwrap();
        assert_eq!(leaf.pfn(), pfn);
        assert_eq!(leaf.phys_addr(), pfn << 12);
        let table = Pte::table(pfn).unwrap();
        assert_eq!(table.pfn(), pfn);
        assert_eq!(table.raw(), (pfn << 10) | PTE_V);
    }
    assert_eq!(Pte::leaf(MAX_PFN + 1, 0, Perms::READ), None);
    assert_eq!(Pte::table(MAX_PFN + 1), None);
    assert_eq!(Pte::table(u64::MAX), None);
    // Bits above the PFN field (PBMT, N) do not leak into the PFN.
    assert_eq!(Pte(u64::MAX).pfn(), MAX_PFN);
}

#[test]
fn block_leaves_need_aligned_frames() {
    assert!(Pte::leaf(512, 1, Perms::READ).is_some());
    assert_eq!(Pte::leaf(513, 1, Perms::READ), None);
    assert!(Pte::leaf(1 << 18, 2, Perms::READ).is_some());
    assert_eq!(Pte::leaf(512, 2, Perms::READ), None);
    assert!(Pte::leaf(0, 4, Perms::READ).is_some());
    assert_eq!(Pte::leaf(1 << 27, 4, Perms::READ), None);
    assert!(Pte::leaf(1 << 36, 4, Perms::READ).is_some());
    assert_eq!(Pte::leaf(0, 5, Perms::READ), None);
    assert_eq!(Pte::leaf(0, u32::MAX, Perms::READ), None);
}

#[test]
fn table_entries_are_not_leaves() {
    let t = Pte::table(42).unwrap();
    assert!(t.is_valid() && t.is_table() && !t.is_leaf());
    assert!(!t.user() && !t.accessed() && !t.dirty());
    assert!(!Pte::EMPTY.is_valid());
    assert!(!Pte::EMPTY.is_leaf() && !Pte::EMPTY.is_table());
    // RWX without V is not a leaf either.
    assert!(!Pte(PTE_R | PTE_W).is_leaf());
}

#[test]
fn write_protect_and_age_touch_one_bit() {
    let pte = Pte::leaf(0x777, 0, Perms::READ_WRITE_EXEC).unwrap();
    let wp = pte.with_write_protect();
    assert_eq!(wp.raw(), pte.raw() & !PTE_W);
    assert!(!wp.writable() && wp.is_leaf() && wp.readable() && wp.dirty());
    assert_eq!(wp.with_write_protect(), wp);
    let old = pte.with_accessed_cleared();
    assert_eq!(old.raw(), pte.raw() & !PTE_A);
    assert!(!old.accessed() && old.writable() && old.is_leaf());
    assert_eq!(old.pfn(), 0x777);
}

#[test]
fn level_page_size_conversion() {
    let sizes = [1u64 << 12, 1 << 21, 1 << 30, 1 << 39, 1 << 48];
    for (level, size) in sizes.iter().enumerate() {
        assert_eq!(level_to_page_size(level as u32), Some(*size));
    }
    assert_eq!(level_to_page_size(2), Some(PUD_SIZE));
    assert_eq!(level_to_page_size(5), None);
    assert_eq!(level_to_page_size(u32::MAX), None);

    for mode in MODES {
        for level in 0..=MAX_LEVEL {
            let size = level_to_page_size(level).unwrap();
            let expect = if level <= max_block_level(mode) {
                Some(level)
            } else {
                None
            };
            assert_eq!(page_size_to_level(size, mode), expect);
        }
        for bad in [0, 1, 3, 1 << 13, (1 << 21) + 4096, 1 << 63, u64::MAX] {
            assert_eq!(page_size_to_level(bad, mode), None);
        }
    }
    assert_eq!(max_block_level(GStageMode::Sv39x4), 2);
    assert_eq!(max_block_level(GStageMode::Sv48x4), 3);
    assert_eq!(max_block_level(GStageMode::Sv57x4), 4);
}

#[test]
fn entries_per_level() {
    for mode in MODES {
        let root = root_level(mode);
        for level in 0..root {
            assert_eq!(entries(mode, level), Some(512));
        }
        assert_eq!(entries(mode, root), Some(2048));
        assert_eq!(entries(mode, root + 1), None);
    }
}

#[test]
fn indices_at_boundaries() {
    for mode in MODES {
        let root = root_level(mode);
        for level in 0..=root {
            let shift = level_to_page_shift(level).unwrap();
            for other in 0..=root {
                assert_eq!(index(mode, other, 0), Some(0));
                // First address of entry 1 at `level`.
                let want = if other == level { 1 } else { 0 };
                assert_eq!(index(mode, other, 1 << shift), Some(want));
                // Last byte of entry 0 at `level`: all ones below.
                let last = (1u64 << shift) - 1;
                let want = if other < level {
                    entries(mode, other).unwrap() - 1
                } else {
                    0
                };
                assert_eq!(index(mode, other, last), Some(want));
            }
        }
        // The top guest-physical address: last entry everywhere.
        let top = gpa_space_size(mode) - 1;
        assert_eq!(index(mode, root, top), Some(2047));
        for level in 0..root {
            assert_eq!(index(mode, level, top), Some(511));
        }
        // Bits above the space are ignored.
        for level in 0..=root {
            assert_eq!(index(mode, level, gpa_space_size(mode)), Some(0));
            assert_eq!(index(mode, level, u64::MAX), index(mode, level, top));
        }
        assert_eq!(index(mode, root + 1, 0), None);
        assert_eq!(index(mode, u32::MAX, u64::MAX), None);
    }
}

#[test]
fn indices_rebuild_the_address() {
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    for mode in MODES {
        for _ in 0..1000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let gpa = x & (gpa_space_size(mode) - 1);
            let mut rebuilt = gpa & 0xfff;
            for level in 0..=root_level(mode) {
                let i = index(mode, level, gpa).unwrap() as u64;
                rebuilt |= i << level_to_page_shift(level).unwrap();
            }
            assert_eq!(rebuilt, gpa);
        }
    }
}

#[test]
fn sv39x4_known_indices() {
    let m = GStageMode::Sv39x4;
    // 0x1_8040_3000: root 6, level 1 entry 2, level 0 entry 3.
    let gpa = (6u64 << 30) | (2 << 21) | (3 << 12) | 0x10;
    assert_eq!(index(m, 2, gpa), Some(6));
    assert_eq!(index(m, 1, gpa), Some(2));
    assert_eq!(index(m, 0, gpa), Some(3));
    // The x4 bits: 1 TiB is root entry 1024.
    assert_eq!(index(m, 2, 1 << 40), Some(1024));
}

#[test]
fn alignment_helpers() {
    assert_eq!(align_down(0x20_1234, PMD_SIZE), 0x20_0000);
    assert_eq!(align_down(u64::MAX, PAGE_SIZE), u64::MAX - 0xfff);
    assert_eq!(align_down(0x1234, 0), 0x1234);
    assert_eq!(align_down(0x1234, 3), 0x1234);
}

#[test]
fn next_boundary_moves_to_entry_starts() {
    let m2 = PMD_SIZE;
    assert_eq!(next_boundary(0, 1 << 40, m2), m2);
    // Unaligned: to the start of the next 2 MiB entry, not addr + 2 MiB.
    assert_eq!(next_boundary(0x1000, 1 << 40, m2), m2);
    assert_eq!(next_boundary(m2 - 1, 1 << 40, m2), m2);
    // Clamped by the end.
    assert_eq!(next_boundary(0, 0x5000, m2), 0x5000);
    assert_eq!(next_boundary(0, m2, m2), m2);
    // Already at or past the end.
    assert_eq!(next_boundary(0x5000, 0x5000, PAGE_SIZE), 0x5000);
    assert_eq!(next_boundary(0x6000, 0x5000, PAGE_SIZE), 0x5000);
    // Bad sizes end the loop rather than spin.
    assert_eq!(next_boundary(0, 0x5000, 0), 0x5000);
    assert_eq!(next_boundary(0, 0x5000, 0x3000), 0x5000);
    // No overflow at the top of the address space.
    let top = u64::MAX - 0xfff;
    assert_eq!(next_boundary(top, u64::MAX, PAGE_SIZE), u64::MAX);
    assert_eq!(next_boundary(u64::MAX - 1, u64::MAX, 1 << 63), u64::MAX);
}

#[test]
fn boundary_loops_terminate_and_visit_every_entry() {
    let cases = [
        (0u64, 1u64 << 22, PAGE_SIZE),
        (0x1234, 0x40_0000, PMD_SIZE),
        (u64::MAX - (3 << 12), u64::MAX, PAGE_SIZE),
        (u64::MAX - (3 << 12), u64::MAX, PUD_SIZE),
        (0, u64::MAX, 1 << 62),
    ];
    for (start, end, size) in cases {
        let mut addr = start;
        let mut steps = Vec::new();
        while addr < end {
            let next = next_boundary(addr, end, size);
            assert!(next > addr);
            steps.push(addr);
            addr = next;
        }
        assert_eq!(addr, end);
        // After the first step every visited address is aligned.
        assert!(steps[1..].iter().all(|a| a % size == 0));
    }
    // 4 pages from 0: exactly 4 visits.
    let mut addr = 0;
    let mut n = 0;
    while addr < 0x4000 {
        addr = next_boundary(addr, 0x4000, PAGE_SIZE);
        n += 1;
    }
    assert_eq!(n, 4);
}

#[test]
fn covers_block_needs_alignment_and_room() {
    assert!(covers_block(0, PMD_SIZE, PMD_SIZE));
    assert!(covers_block(PMD_SIZE, 3 * PMD_SIZE, PMD_SIZE));
    assert!(!covers_block(0x1000, 3 * PMD_SIZE, PMD_SIZE));
    assert!(!covers_block(0, PMD_SIZE - 1, PMD_SIZE));
    assert!(!covers_block(PMD_SIZE, 0, PMD_SIZE));
    assert!(!covers_block(0, PMD_SIZE, 0));
    let top = u64::MAX - 0xfff;
    assert!(!covers_block(top, u64::MAX, PAGE_SIZE));
    assert!(covers_block(top - PAGE_SIZE, u64::MAX, PAGE_SIZE));
}

fn slot(base_gfn: u64, npages: u64, userspace_addr: u64) -> SlotSpan {
    SlotSpan {
        base_gfn,
        npages,
        userspace_addr,
    }
}

#[test]
fn fault_level_follows_host_page_size() {
    // 4 GiB at GPA 2 GiB, backed by 1 GiB-aligned memory.
    let s = slot(0x8_0000, 0x10_0000, 0x40_0000_0000);
    let gpa = 0x9234_5678;
    for mode in MODES {
        assert_eq!(fault_map_level(mode, PAGE_SIZE, gpa, &s), Some(0));
        assert_eq!(fault_map_level(mode, PMD_SIZE, gpa, &s), Some(1));
        assert_eq!(fault_map_level(mode, PUD_SIZE, gpa, &s), Some(2));
        for bad in [0, 1, 1 << 16, 1 << 39, u64::MAX] {
            assert_eq!(fault_map_level(mode, bad, gpa, &s), None);
        }
    }
}

#[test]
fn fault_level_falls_back_when_offsets_disagree() {
    // The host address is 2 MiB aligned but 1 GiB misaligned against
    // the guest address: 1 GiB hugetlb falls back to 2 MiB blocks.
    let s = slot(0x8_0000, 0x10_0000, 0x40_0020_0000);
    let gpa = 0x9234_5678;
    let m = GStageMode::Sv39x4;
    assert_eq!(fault_map_level(m, PUD_SIZE, gpa, &s), Some(1));
    // Misaligned by one page: only 4 KiB pages are safe.
    let s = slot(0x8_0000, 0x10_0000, 0x40_0000_1000);
    assert_eq!(fault_map_level(m, PUD_SIZE, gpa, &s), Some(0));
    assert_eq!(fault_map_level(m, PMD_SIZE, gpa, &s), Some(0));
    // An unaligned host address (never accepted by KVM) gets pages.
    let s = slot(0x8_0000, 0x10_0000, 0x40_0000_0800);
    assert_eq!(fault_map_level(m, PMD_SIZE, gpa, &s), Some(0));
    // Slot and backing both start at odd 2 MiB offsets, in step: 2 MiB
    // blocks are fine.
    let s = slot(0x8_0200, 0x10_0000, 0x40_0020_0000);
    assert_eq!(fault_map_level(m, PMD_SIZE, 0x8040_0000, &s), Some(1));
}

#[test]
fn fault_level_falls_back_at_slot_edges() {
    let m = GStageMode::Sv48x4;
    // 1 GiB + 2 MiB slot at 1 GiB: the first GiB takes a 1 GiB block,
    // the trailing 2 MiB only a 2 MiB one.
    let s = slot(0x4_0000, 0x4_0200, 0x80_0000_0000);
    assert_eq!(fault_map_level(m, PUD_SIZE, 0x4000_0000, &s), Some(2));
    assert_eq!(fault_map_level(m, PUD_SIZE, 0x8000_1000, &s), Some(1));
    // A slot smaller than 2 MiB gets pages only.
    let s = slot(0x4_0000, 0x100, 0x80_0000_0000);
    assert_eq!(fault_map_level(m, PMD_SIZE, 0x4000_0000, &s), Some(0));
    // A slot starting mid-block: the first partial block gets pages.
    let s = slot(0x4_0100, 0x1000, 0x80_0010_0000);
    assert_eq!(fault_map_level(m, PMD_SIZE, 0x4010_0000, &s), Some(0));
    assert_eq!(fault_map_level(m, PMD_SIZE, 0x4020_0000, &s), Some(1));
    // An address outside the slot never gets a block.
    assert_eq!(fault_map_level(m, PMD_SIZE, 0, &s), Some(0));
}

#[test]
fn fault_level_survives_absurd_slots() {
    let m = GStageMode::Sv57x4;
    let s = slot(u64::MAX - 10, 100, 0);
    assert_eq!(fault_map_level(m, PUD_SIZE, u64::MAX, &s), Some(0));
    let s = slot(0, u64::MAX, 0);
    assert_eq!(fault_map_level(m, PUD_SIZE, u64::MAX, &s), Some(2));
    let s = slot(u64::MAX, 0, u64::MAX);
    assert_eq!(fault_map_level(m, PMD_SIZE, 0, &s), Some(0));
}

/// In-memory tables for the walker: frame -> entries.
struct Tables(HashMap<u64, Vec<Pte>>);

impl Tables {
    fn new(root: u64, mode: GStageMode) -> Self {
        let mut t = HashMap::new();
        t.insert(
            root,
            std::vec![Pte::EMPTY; entries(mode, root_level(mode)).unwrap()],
        );
        Tables(t)
    }

    fn set(&mut self, table: u64, index: usize, pte: Pte) {
        self.0
            .entry(table)
            .or_insert_with(|| std::vec![Pte::EMPTY; 512])[index] = pte;
    }

    fn read(&self, table: u64, index: usize) -> Pte {
        self.0[&table][index]
    }
}

#[test]
fn walk_finds_leaves_and_holes() {
    let m = GStageMode::Sv39x4;
    let mut t = Tables::new(0x100, m);
    // 0x8000_0000 (root 2) -> table 0x200 -> entry 0 -> table 0x300
    // -> entry 5: a 4 KiB page.
    t.set(0x100, 2, Pte::table(0x200).unwrap());
    t.set(0x200, 0, Pte::table(0x300).unwrap());
    let page = Pte::leaf(0x5000, 0, Perms::READ_WRITE_EXEC).unwrap();
    t.set(0x300, 5, page);
    // 0x8020_0000 (root 2, entry 1): a 2 MiB block.
    let block = Pte::leaf(0x8_0000, 1, Perms::READ_EXEC).unwrap();
    t.set(0x200, 1, block);
    // Root 3: a 1 GiB block.
    let giant = Pte::leaf(0x4_0000, 2, Perms::READ).unwrap();
    t.set(0x100, 3, giant);
    // 0x8040_0000 (root 2, entry 2): a malformed pointer at level 0.
    t.set(0x200, 2, Pte::table(0x400).unwrap());
    t.set(0x400, 0, Pte::table(0x500).unwrap());

    let mut reads = 0;
    let mut walk_at = |gpa| {
        walk(m, 0x100, gpa, |pfn, i| {
            reads += 1;
            t.read(pfn, i)
        })
    };
    assert_eq!(
        walk_at(0x8000_5123),
        Walk::Leaf {
            level: 0,
            table_pfn: 0x300,
            index: 5,
            pte: page
        }
    );
    assert_eq!(walk_at(0x8000_6000), Walk::Hole { level: 0 });
    assert_eq!(
        walk_at(0x802f_ffff),
        Walk::Leaf {
            level: 1,
            table_pfn: 0x200,
            index: 1,
            pte: block
        }
    );
    assert_eq!(
        walk_at(0xc000_0000),
        Walk::Leaf {
            level: 2,
            table_pfn: 0x100,
            index: 3,
            pte: giant
        }
    );
    assert_eq!(walk_at(0), Walk::Hole { level: 2 });
    assert_eq!(walk_at(0x80a0_0000), Walk::Hole { level: 1 });
    assert_eq!(walk_at(0x8040_0000), Walk::Hole { level: 0 });
    assert!(reads <= 7 * 3);
}

#[test]
fn walk_reads_at_most_one_entry_per_level() {
    for mode in MODES {
        // Every entry points to a table: the walk must still stop.
        let mut reads = 0u32;
        let w = walk(mode, 1, u64::MAX, |_, _| {
            reads += 1;
            Pte::table(1).unwrap()
        });
        assert_eq!(w, Walk::Hole { level: 0 });
        assert_eq!(reads, mode.levels());
    }
}

#[test]
fn widening_keeps_frame_and_rights() {
    let ro = Pte::leaf(0x1234, 0, Perms::READ_EXEC).unwrap();
    let rw = Pte::leaf(0x1234, 0, Perms::READ_WRITE_EXEC).unwrap();
    // Dirty logging's write fault: RO to RW of the same page.
    assert!(ro.widened_by(rw));
    // A write-protected entry (W cleared in place) widened again.
    assert!(rw.with_write_protect().widened_by(rw));
    // Aging cleared A: still only a widening.
    assert!(ro.with_accessed_cleared().widened_by(rw));
    assert!(rw.widened_by(rw));
    // Narrowing, another frame, another level's entry, or no entry at all
    // needs the remote fence.
    assert!(!rw.widened_by(ro));
    assert!(!ro.widened_by(Pte::leaf(0x1235, 0, Perms::READ_WRITE_EXEC).unwrap()));
    assert!(!Pte(0).widened_by(rw));
    assert!(!Pte::table(0x1234).unwrap().widened_by(rw));
    assert!(!ro.widened_by(Pte(0)));
}
