// SPDX-License-Identifier: GPL-2.0

//! The 64-bit counter bitmaps (`pmc_in_use`, `pmc_overflown`, the
//! masks of the calls): single bits and the set bits of a word.

/// The bit of counter `i`, or no bit for an index past 63 (never one of
/// KVM's counters), so that a shift can never overflow.
pub(super) const fn bit(i: usize) -> u64 {
    if i < u64::BITS as usize {
        1 << i
    } else {
        0
    }
}

/// The indices of the set bits of a word, lowest first
/// (`for_each_set_bit()`).
#[derive(Clone, Copy, Debug)]
pub(super) struct SetBits(pub(super) u64);

impl Iterator for SetBits {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        if self.0 == 0 {
            return None;
        }
        let i = self.0.trailing_zeros();
        // Clear the lowest set bit.
        self.0 &= self.0 - 1;
        Some(i as usize)
    }
}
