// SPDX-License-Identifier: GPL-2.0

//! Pending guest interrupts: the level of each VS interrupt and whether it
//! changed since it was last flushed into `hvip`, packed in one word so
//! that every transition is a single compare-and-swap. Raising (from any
//! task or from an hrtimer), the flush before guest entry and the guest's
//! own changes synced after exit can then never lose each other's update.

/// Sscofpmf's local counter-overflow interrupt (LCOFI): its bit in `sip`,
/// `vsip`, `hvip` and `hvien`.
pub const IRQ_LCOFI: u32 = 13;

/// Low half: interrupt levels, by `hvip` bit. High half: changed bits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IrqState(pub u64);

const CHANGED_SHIFT: u32 = 32;

/// The level bit of `irq`; none for numbers the state cannot hold.
const fn level_bit(irq: u32) -> u64 {
    if irq < CHANGED_SHIFT {
        1 << irq
    } else {
        0
    }
}

impl IrqState {
    /// Levels of all interrupts.
    pub const fn pending(self) -> u64 {
        self.0 & 0xffff_ffff
    }

    /// Interrupts whose level changed since the last flush.
    pub const fn changed(self) -> u64 {
        self.0 >> CHANGED_SHIFT
    }

    /// `irq` raised (`irq` < 32).
    pub const fn raise(self, irq: u32) -> IrqState {
        let bit = level_bit(irq);
        IrqState(self.0 | bit | (bit << CHANGED_SHIFT))
    }

    /// `irq` lowered.
    pub const fn lower(self, irq: u32) -> IrqState {
        let bit = level_bit(irq);
        IrqState((self.0 & !bit) | (bit << CHANGED_SHIFT))
    }

    /// The flush before entry: `hvip` becomes `apply(hvip)`, no change
    /// remains outstanding.
    pub const fn flushed(self) -> IrqState {
        IrqState(self.pending())
    }

    /// `hvip` with this state's changes applied.
    pub const fn apply(self, hvip: u64) -> u64 {
        let changed = self.changed();
        (hvip & !changed) | (self.pending() & changed)
    }

    /// The guest set (`level`) or cleared its own `irq` in `sip`. A change
    /// the host made meanwhile wins: the guest's is only taken if `irq`
    /// has no outstanding change.
    pub const fn guest_set(self, irq: u32, level: bool) -> IrqState {
        let bit = level_bit(irq);
        if self.changed() & bit != 0 {
            return self;
        }
        let levels = if level {
            self.pending() | bit
        } else {
            self.pending() & !bit
        };
        IrqState((self.0 & !0xffff_ffff) | levels | (bit << CHANGED_SHIFT))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOFT: u32 = 2;
    const TIMER: u32 = 6;

    #[test]
    fn raise_then_flush_sets_the_bit_once() {
        let s = IrqState::default().raise(SOFT);
        assert_eq!(s.apply(0), 1 << SOFT);
        let s = s.flushed();
        assert_eq!(s.changed(), 0);
        // Nothing outstanding: hvip is left alone, whatever it holds.
        assert_eq!(s.apply(0), 0);
        assert_eq!(s.apply(1 << TIMER), 1 << TIMER);
    }

    #[test]
    fn lower_clears_only_its_bit() {
        let s = IrqState::default()
            .raise(SOFT)
            .raise(TIMER)
            .flushed()
            .lower(TIMER);
        assert_eq!(s.apply((1 << SOFT) | (1 << TIMER)), 1 << SOFT);
    }

    #[test]
    fn host_raise_wins_over_a_racing_guest_clear() {
        // The guest cleared its IPI, but another vCPU raised a new one
        // before the sync: the new IPI must survive.
        let s = IrqState::default()
            .raise(SOFT)
            .flushed()
            .lower(SOFT)
            .raise(SOFT);
        let s = s.guest_set(SOFT, false);
        assert_eq!(s.apply(0), 1 << SOFT);
    }

    #[test]
    fn guest_change_is_taken_when_nothing_is_outstanding() {
        let s = IrqState::default().raise(SOFT).flushed();
        let s = s.guest_set(SOFT, false);
        assert_eq!(s.pending() & (1 << SOFT), 0);
        assert_eq!(s.apply(1 << SOFT), 0);
        let s = s.flushed().guest_set(SOFT, true);
        assert_eq!(s.apply(0), 1 << SOFT);
    }

    #[test]
    fn out_of_range_irqs_change_nothing() {
        let s = IrqState::default().raise(40).lower(63).raise(64).lower(200);
        assert_eq!(s, IrqState::default());
    }
}
