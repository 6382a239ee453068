// SPDX-License-Identifier: GPL-2.0

//! SBI steal-time accounting (STA).
//!
//! The guest names a 64-byte `struct sbi_sta_struct` in its memory; each
//! time the vCPU is scheduled in, the time its task spent waiting on a
//! runqueue since the last update is added to `steal` there, inside a
//! `sequence` count that is odd while the update is in progress (the
//! guest retries a read that saw an odd or changed count).

use kernel::bindings;
use kernel::ffi::c_void;

use crate::logic::sbi::{self, SbiRet};
use crate::vcpu::Vcpu;

/// No shared memory (`INVALID_GPA`): steal time is not accounted.
pub(crate) const NO_SHMEM: u64 = u64::MAX;

/// Offsets in `struct sbi_sta_struct` (SBI specification, STA chapter).
const SEQUENCE: u64 = 0;
const STEAL: u64 = 8;
const STA_STRUCT_SIZE: usize = 64;

/// Whether steal time can be accounted: the scheduler keeps per-task run
/// delays (`CONFIG_SCHED_INFO`).
pub(crate) fn available() -> bool {
    // SAFETY: Reads a configuration constant.
    unsafe { bindings::kvm_riscv_glue_sched_info_on() }
}

fn run_delay() -> u64 {
    // SAFETY: Reads the current task's own accounting.
    unsafe { bindings::kvm_riscv_glue_run_delay() }
}

/// SBI `steal_time_set_shmem` of `gpa`, which `logic::sbi` checked for
/// alignment.
pub(crate) fn set_shmem(v: &Vcpu, gpa: u64) -> SbiRet {
    let mut writable = false;
    // SAFETY: `v` is live and owned by this task, which holds srcu.
    let hva = unsafe {
        bindings::kvm_vcpu_gfn_to_hva_prot(v.raw(), gpa >> bindings::PAGE_SHIFT, &mut writable)
    };
    // SAFETY: Pure check.
    if unsafe { bindings::kvm_riscv_glue_is_error_hva(hva) } || !writable {
        return SbiRet::err(sbi::SBI_ERR_INVALID_ADDRESS);
    }
    let zero = [0u8; STA_STRUCT_SIZE];
    // SAFETY: `zero` is valid for reads of its length; `v` as above.
    let rc = unsafe {
        bindings::kvm_vcpu_write_guest(v.raw(), gpa, zero.as_ptr().cast(), zero.len() as _)
    };
    if rc != 0 {
        return SbiRet::err(sbi::SBI_ERR_FAILURE);
    }
    v.set_sta(gpa, run_delay());
    SbiRet::ok(0)
}

/// SBI `steal_time_set_shmem` with both halves `SBI_SHMEM_DISABLE`.
pub(crate) fn disable(v: &Vcpu) {
    v.set_sta(NO_SHMEM, 0);
}

fn read_u64(v: &Vcpu, gpa: u64, len: usize) -> Option<u64> {
    let mut buf = [0u8; 8];
    let buf = buf.get_mut(..len)?;
    // SAFETY: `buf` is valid for writes of its length; `v` is live and
    // owned by this task, which holds srcu.
    let rc = unsafe {
        bindings::kvm_vcpu_read_guest(v.raw(), gpa, buf.as_mut_ptr().cast::<c_void>(), len as _)
    };
    let mut le = [0u8; 8];
    le.get_mut(..len)?.copy_from_slice(buf);
    (rc == 0).then(|| u64::from_le_bytes(le))
}

fn write_u64(v: &Vcpu, gpa: u64, value: u64, len: usize) -> Option<()> {
    let bytes = value.to_le_bytes();
    let bytes = bytes.get(..len)?;
    // SAFETY: `bytes` is valid for reads of its length; `v` as in
    // `read_u64()`.
    let rc = unsafe {
        bindings::kvm_vcpu_write_guest(v.raw(), gpa, bytes.as_ptr().cast::<c_void>(), len as _)
    };
    (rc == 0).then_some(())
}

/// `KVM_REQ_STEAL_UPDATE`: adds the run delay since the last update to the
/// guest's `steal`, between two increments of `sequence`.
///
/// Once `sequence` is odd, the guest's reader spins until it is even
/// again, so the closing increment is written whatever happens to the
/// rest. Guest memory that cannot be read at all (the memslot went away)
/// stops the accounting, as upstream does.
pub(crate) fn record(v: &Vcpu) {
    let (shmem, last) = v.sta();
    if shmem == NO_SHMEM {
        return;
    }
    let Some(sequence) = read_u64(v, shmem + SEQUENCE, 4).map(|s| s as u32) else {
        v.set_sta(NO_SHMEM, 0);
        return;
    };
    if write_u64(v, shmem + SEQUENCE, u64::from(sequence.wrapping_add(1)), 4).is_none() {
        return;
    }
    if let Some(steal) = read_u64(v, shmem + STEAL, 8) {
        let now = run_delay();
        v.set_sta(shmem, now);
        let _ = write_u64(
            v,
            shmem + STEAL,
            steal.wrapping_add(now.wrapping_sub(last)),
            8,
        );
    }
    let _ = write_u64(v, shmem + SEQUENCE, u64::from(sequence.wrapping_add(2)), 4);
}
