// SPDX-License-Identifier: GPL-2.0

//! SBI steal-time accounting (STA).
//!
//! The guest names a 64-byte `struct sbi_sta_struct` in its memory; each
//! time the vCPU is scheduled in, the time its task spent waiting on a
//! runqueue since the last update is added to `steal` there, inside a
//! `sequence` count that is odd while the update is in progress (the
//! guest retries a read that saw an odd or changed count).

use crate::addr::Gpa;
use crate::glue;
use crate::kvm_srcu::VcpuSrcu;
use crate::logic::sbi::{self, SbiRet};
use crate::vcpu::OwnedVcpu;
use crate::vcpu_context::STA_NO_SHMEM;

/// Offsets in `struct sbi_sta_struct` (SBI specification, STA chapter).
const SEQUENCE: u64 = 0;
const STEAL: u64 = 8;
const STA_STRUCT_SIZE: usize = 64;

/// SBI `steal_time_set_shmem` of `gpa`, which `logic::sbi` checked for
/// alignment.
pub(crate) fn set_shmem(v: &mut OwnedVcpu<'_>, srcu: &VcpuSrcu<'_>, gpa: Gpa) -> SbiRet {
    if !srcu.page_is_writable(gpa) {
        return SbiRet::err(sbi::SBI_ERR_INVALID_ADDRESS);
    }
    if srcu.write_guest(gpa, &[0u8; STA_STRUCT_SIZE]).is_err() {
        return SbiRet::err(sbi::SBI_ERR_FAILURE);
    }
    set(v, gpa.get(), glue::run_delay());
    SbiRet::ok(0)
}

/// SBI `steal_time_set_shmem` with both halves `SBI_SHMEM_DISABLE`.
pub(crate) fn disable(v: &mut OwnedVcpu<'_>) {
    set(v, STA_NO_SHMEM, 0);
}

fn set(v: &mut OwnedVcpu<'_>, shmem: u64, last_steal: u64) {
    let ctx = v.ctx();
    ctx.sta_shmem = shmem;
    ctx.sta_last_steal = last_steal;
}

fn read_u64(srcu: &VcpuSrcu<'_>, gpa: Gpa, len: usize) -> Option<u64> {
    let mut le = [0u8; 8];
    srcu.read_guest(gpa, le.get_mut(..len)?).ok()?;
    Some(u64::from_le_bytes(le))
}

fn write_u64(srcu: &VcpuSrcu<'_>, gpa: Gpa, value: u64, len: usize) -> Option<()> {
    let bytes = value.to_le_bytes();
    srcu.write_guest(gpa, bytes.get(..len)?).ok()
}

/// `KVM_REQ_STEAL_UPDATE`: adds the run delay since the last update to the
/// guest's `steal`, between two increments of `sequence`.
///
/// Once `sequence` is odd, the guest's reader spins until it is even
/// again, so the closing increment is written whatever happens to the
/// rest. Guest memory that cannot be read at all (the memslot went away)
/// stops the accounting, as upstream does.
pub(crate) fn record(v: &mut OwnedVcpu<'_>, srcu: &VcpuSrcu<'_>) {
    let (shmem, last) = (v.ctx().sta_shmem, v.ctx().sta_last_steal);
    if shmem == STA_NO_SHMEM {
        return;
    }
    let base = Gpa::new(shmem);
    let Some(sequence) = read_u64(srcu, base.add(SEQUENCE), 4).map(|s| s as u32) else {
        set(v, STA_NO_SHMEM, 0);
        return;
    };
    if write_u64(
        srcu,
        base.add(SEQUENCE),
        u64::from(sequence.wrapping_add(1)),
        4,
    )
    .is_none()
    {
        return;
    }
    if let Some(steal) = read_u64(srcu, base.add(STEAL), 8) {
        let now = glue::run_delay();
        set(v, shmem, now);
        let _ = write_u64(
            srcu,
            base.add(STEAL),
            steal.wrapping_add(now.wrapping_sub(last)),
            8,
        );
    }
    let _ = write_u64(
        srcu,
        base.add(SEQUENCE),
        u64::from(sequence.wrapping_add(2)),
        4,
    );
}
