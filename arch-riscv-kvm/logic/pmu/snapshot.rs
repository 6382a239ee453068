// SPDX-License-Identifier: GPL-2.0

//! The counter snapshot area a guest shares with `snapshot_set_shmem`
//! (`struct riscv_pmu_snapshot_data`, `sbi.h:153-158`): 4096 bytes, of
//! which KVM uses the overflow mask at offset 0 and 64 counter values
//! from offset 8, little-endian like the guest.
//!
//! Upstream keeps a kernel copy of the whole area (`kvpmu->sdata`); here
//! the PMU keeps only the 520 bytes it uses ([`Snapshot`]). The guest's
//! copy is read into it by `counter_start` with `INIT_SNAPSHOT`, and
//! written back from it by `counter_stop` when a counter's snapshot
//! changed.

use super::host::PmuHost;
use super::spec::MAX_COUNTERS;

/// Size of the guest's snapshot area
/// (`sizeof(struct riscv_pmu_snapshot_data)`).
pub const SNAPSHOT_AREA_SIZE: usize = 4096;
/// Bytes of the area KVM reads and writes: the overflow mask and the
/// counter values.
pub const SNAPSHOT_BYTES: usize = 8 + 8 * MAX_COUNTERS;
/// The buffer that zeroes the area, small enough for a kernel stack.
const ZERO_CHUNK: usize = 512;

/// The part of the snapshot area KVM uses. Bit `i` of the mask and value
/// `i` are those of counter `base + i` of the call that touched them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Snapshot {
    /// `ctr_overflow_mask`: counters that overflowed.
    pub overflow_mask: u64,
    /// `ctr_values`: counter values.
    pub values: [u64; MAX_COUNTERS],
}

impl Snapshot {
    /// A zeroed area, as `snapshot_set_shmem` leaves it.
    pub const ZERO: Snapshot = Snapshot {
        overflow_mask: 0,
        values: [0; MAX_COUNTERS],
    };

    /// The snapshot as the guest's area holds it.
    pub fn to_bytes(&self) -> [u8; SNAPSHOT_BYTES] {
        let mut buf = [0; SNAPSHOT_BYTES];
        let words = core::iter::once(&self.overflow_mask).chain(self.values.iter());
        for (chunk, word) in buf.chunks_exact_mut(8).zip(words) {
            chunk.copy_from_slice(&word.to_le_bytes());
        }
        buf
    }

    /// The snapshot the guest's area `buf` holds.
    pub fn from_bytes(buf: &[u8; SNAPSHOT_BYTES]) -> Self {
        let mut words = buf.chunks_exact(8).map(|chunk| {
            let mut word = [0; 8];
            word.copy_from_slice(chunk);
            u64::from_le_bytes(word)
        });
        let overflow_mask = words.next().unwrap_or(0);
        let mut values = [0; MAX_COUNTERS];
        for (value, word) in values.iter_mut().zip(words) {
            *value = word;
        }
        Snapshot {
            overflow_mask,
            values,
        }
    }
}

/// Zeroes the 4096-byte area at `gpa` (upstream writes its fresh
/// `kzalloc()` copy, `vcpu_pmu.c:446-457`), a few hundred bytes at a time
/// from the stack. Like upstream's single write, a failure may leave part
/// of the area zeroed.
pub(super) fn zero_area<H: PmuHost>(host: &mut H, gpa: u64) -> Result<(), ()> {
    let zeros = [0u8; ZERO_CHUNK];
    for offset in (0..SNAPSHOT_AREA_SIZE).step_by(ZERO_CHUNK) {
        // An area that would wrap past the top of the address space is
        // not all guest memory; upstream's write fails on it too.
        let at = gpa.checked_add(offset as u64).ok_or(())?;
        host.write_guest(at, &zeros)?;
    }
    Ok(())
}
