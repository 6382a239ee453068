// SPDX-License-Identifier: GPL-2.0

//! `snapshot_set_shmem` (`kvm_riscv_vcpu_pmu_snapshot_set_shmem()`,
//! `vcpu_pmu.c:401-465`): where the guest wants counter snapshots.

use super::host::PmuHost;
use super::perf::PerfEvent;
use super::snapshot::{zero_area, Snapshot};
use super::state::Pmu;
use crate::logic::sbi::{
    SbiRet, SBI_ERR_FAILURE, SBI_ERR_INVALID_ADDRESS, SBI_ERR_INVALID_PARAM, SBI_SHMEM_DISABLE,
};

impl<E: PerfEvent> Pmu<E> {
    /// `snapshot_set_shmem` of the area at `lo` (`hi` is the upper half of
    /// the address on RV32) with `flags`.
    ///
    /// In upstream order: nonzero flags are invalid; both halves
    /// `SBI_SHMEM_DISABLE` forget the area and succeed; on RV64 a nonzero
    /// upper half is an invalid address, and so is an address whose page
    /// is not in a writable memslot. Otherwise the old area is forgotten
    /// and the new one zeroed (error: failure, and no area) and kept.
    ///
    /// Like 6.12, the address needs no alignment and only its first page
    /// is checked; a write past a memslot's end fails when zeroing.
    pub(super) fn set_shmem<H: PmuHost<Event = E>>(
        &mut self,
        host: &mut H,
        lo: u64,
        hi: u64,
        flags: u64,
    ) -> SbiRet {
        if flags != 0 {
            return SbiRet::err(SBI_ERR_INVALID_PARAM);
        }
        if lo == SBI_SHMEM_DISABLE && hi == SBI_SHMEM_DISABLE {
            self.snapshot = None;
            return SbiRet::ok(0);
        }
        if hi != 0 || !host.writable(lo) {
            return SbiRet::err(SBI_ERR_INVALID_ADDRESS);
        }
        // Forget the old area first, so that a failure below leaves none
        // rather than a stale one (`vcpu_pmu.c:438-444`).
        self.snapshot = None;
        if zero_area(host, lo).is_err() {
            return SbiRet::err(SBI_ERR_FAILURE);
        }
        self.snapshot = Some((lo, Snapshot::ZERO));
        SbiRet::ok(0)
    }
}
