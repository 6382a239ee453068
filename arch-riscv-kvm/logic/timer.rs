// SPDX-License-Identifier: GPL-2.0

//! Guest timer arithmetic: `time` counter cycles to host nanoseconds.

/// Nanoseconds per second.
const NSEC_PER_SEC: u64 = 1_000_000_000;

/// How long, in nanoseconds, until the `time` counter running at
/// `timebase` Hz advances from `now` to `deadline`; 0 if it already has.
///
/// Computed without 128-bit division (which the kernel's Rust runtime
/// does not provide) and without overflow: whole seconds and the
/// remainder are converted separately, saturating at `u64::MAX`.
pub const fn cycles_until_ns(now: u64, deadline: u64, timebase: u64) -> u64 {
    if deadline <= now || timebase == 0 {
        return 0;
    }
    let delta = deadline - now;
    let secs = delta / timebase;
    let rem = delta % timebase;
    // rem < timebase, and a timebase below 2^34 Hz (any real one) keeps
    // rem * 1e9 below 2^64; saturate rather than trust that.
    let frac = match rem.checked_mul(NSEC_PER_SEC) {
        Some(v) => v / timebase,
        None => u64::MAX,
    };
    match secs.checked_mul(NSEC_PER_SEC) {
        Some(s) => s.saturating_add(frac),
        None => u64::MAX,
    }
}

/// `ns` as an hrtimer interval (`ktime_t`, signed nanoseconds), clamped
/// to `KTIME_MAX`.
///
/// `ns_to_ktime()` takes a `u64` and casts: a wait of 2^63 ns or more
/// (any deadline more than about 29 years ahead at a 10 MHz timebase,
/// which a guest or userspace can ask for at will) turns negative, and
/// `hrtimer_forward_now()` rounds a negative interval up to the timer
/// resolution: the timer then fires back to back, for good, in hard
/// interrupt context. Saturating keeps such a deadline where it belongs,
/// in the far future.
pub const fn ktime_from_ns(ns: u64) -> i64 {
    if ns > i64::MAX as u64 {
        i64::MAX
    } else {
        ns as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn far_waits_stay_positive_as_ktime() {
        assert_eq!(ktime_from_ns(0), 0);
        assert_eq!(ktime_from_ns(1_000), 1_000);
        assert_eq!(ktime_from_ns(i64::MAX as u64), i64::MAX);
        assert_eq!(ktime_from_ns(1 << 63), i64::MAX);
        assert_eq!(ktime_from_ns(u64::MAX), i64::MAX);
        // What a saturated conversion of any far deadline gives.
        let far = cycles_until_ns(0, u64::MAX, 10_000_000);
        assert!(ktime_from_ns(far) > 0);
    }

    #[test]
    fn past_or_present_deadlines_are_due_now() {
        assert_eq!(cycles_until_ns(100, 100, 10_000_000), 0);
        assert_eq!(cycles_until_ns(100, 50, 10_000_000), 0);
    }

    #[test]
    fn converts_at_qemu_timebase() {
        // QEMU virt: 10 MHz, 100 ns per cycle.
        assert_eq!(cycles_until_ns(0, 1, 10_000_000), 100);
        assert_eq!(cycles_until_ns(5, 10_000_005, 10_000_000), 1_000_000_000);
        assert_eq!(cycles_until_ns(0, 15_000_000, 10_000_000), 1_500_000_000);
    }

    #[test]
    fn odd_timebase_rounds_down() {
        // 3 cycles at 7 Hz = 428571428.57 ns.
        assert_eq!(cycles_until_ns(0, 3, 7), 428_571_428);
    }

    #[test]
    fn far_deadlines_saturate() {
        assert_eq!(cycles_until_ns(0, u64::MAX, 1), u64::MAX);
        assert!(cycles_until_ns(0, u64::MAX, 10_000_000) > 1_000_000_000 * 1_000_000_000);
    }

    #[test]
    fn zero_timebase_is_not_a_division_by_zero() {
        assert_eq!(cycles_until_ns(0, 10, 0), 0);
    }
}
