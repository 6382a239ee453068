// SPDX-License-Identifier: GPL-2.0

//! The vCPU's SBI PMU (upstream's `vcpu_pmu.c`): `logic::pmu` decides,
//! host perf events count.
//!
//! Each hardware counter a guest configures is a perf event of the vCPU's
//! task that counts guest execution only (`exclude_host`, and Sscofpmf's
//! mode filtering underneath, which is why there is no PMU without it).
//! When one overflows, the perf interrupt runs `kvm_riscv_rs_pmu_overflow`
//! in hard interrupt context: it marks the counter in the vCPU's
//! `pmu_overflown` word and raises the guest's counter-overflow interrupt
//! (LCOFI). Everything else happens on the vCPU's task, in the SBI calls
//! and counter CSR reads the guest makes.

use core::sync::atomic::Ordering;
use kernel::ffi::c_void;
use kernel::prelude::*;

use crate::addr::Gpa;
use crate::glue;
use crate::kvm_srcu::VcpuSrcu;
use crate::logic::pmu::{self, PerfAttr};
use crate::logic::sbi::{PmuCall, SbiRet, SBI_ERR_NOT_SUPPORTED};
use crate::vcpu::{Irq, OwnedVcpu, Vcpu};

pub(crate) use crate::vcpu_context::VcpuPmu;

/// A disabled PMU, as a constant: the allocation below is written from
/// it directly, not through a copy on the stack.
const PMU_DISABLED: VcpuPmu = VcpuPmu::disabled();

/// A new vCPU's PMU, if the host has one for guests. Built where it is
/// allocated (`Pmu::setup`), not on the stack of vCPU creation, which has
/// no room for it: a `Pmu` built and moved there overflowed the 16 KiB
/// kernel stack of `KVM_CREATE_VCPU` into the neighbouring memory.
pub(crate) fn new_vcpu_pmu() -> Result<Option<KBox<VcpuPmu>>> {
    let sscofpmf = crate::host::HostCaps::get()
        .isa
        .has(crate::logic::isa::HostExtId::SSCOFPMF);
    let Some((width, num)) = host_counters(sscofpmf) else {
        return Ok(None);
    };
    let mut pmu = KBox::write(KBox::<VcpuPmu>::new_uninit(GFP_KERNEL)?, PMU_DISABLED);
    pmu.setup(width, num);
    Ok(Some(pmu))
}

/// The context perf hands the overflow handler of counter `idx` of
/// `vcpu`: the vCPU's address with the counter in its low bits, which
/// [`Vcpu`]'s alignment leaves clear.
fn overflow_context(vcpu: &Vcpu, idx: usize) -> Option<*mut c_void> {
    const _: () = assert!(pmu::MAX_COUNTERS <= core::mem::align_of::<Vcpu>());
    let ptr = core::ptr::from_ref(vcpu).cast_mut().cast::<c_void>();
    (idx < pmu::MAX_COUNTERS).then(|| ptr.wrapping_byte_add(idx))
}

/// The PMU's view of the kernel for one SBI call or counter read: perf
/// events of this vCPU's task, and guest memory for the snapshot area.
pub(crate) struct PmuHost<'a, 'b> {
    vcpu: &'a Vcpu,
    srcu: &'a VcpuSrcu<'b>,
}

impl<'a, 'b> PmuHost<'a, 'b> {
    /// The host of `vcpu`'s PMU, called on its owner's task (`srcu`).
    pub(crate) fn new(vcpu: &'a Vcpu, srcu: &'a VcpuSrcu<'b>) -> Self {
        PmuHost { vcpu, srcu }
    }
}

impl pmu::PmuHost for PmuHost<'_, '_> {
    type Event = glue::PerfEvent;

    fn create_event(&mut self, counter: usize, attr: &PerfAttr) -> Result<glue::PerfEvent, ()> {
        let ctx = overflow_context(self.vcpu, counter).ok_or(())?;
        // SAFETY: Called on the vCPU's task (perf counts it: `current`);
        // `ctx` names this vCPU, which outlives the event (it is released
        // with the vCPU's PMU, before the vCPU is freed), as
        // `kvm_riscv_rs_pmu_overflow` requires.
        unsafe { glue::PerfEvent::create(attr, ctx) }.ok_or(())
    }

    fn writable(&mut self, gpa: u64) -> bool {
        self.srcu.page_is_writable(Gpa::new(gpa))
    }

    fn read_guest(&mut self, gpa: u64, buf: &mut [u8]) -> Result<(), ()> {
        self.srcu.read_guest(Gpa::new(gpa), buf).map_err(|_| ())
    }

    fn write_guest(&mut self, gpa: u64, buf: &[u8]) -> Result<(), ()> {
        self.srcu.write_guest(Gpa::new(gpa), buf).map_err(|_| ())
    }
}

/// SBI PMU call `call` of the guest of `v`.
pub(crate) fn call(v: &mut OwnedVcpu<'_>, srcu: &VcpuSrcu<'_>, call: &PmuCall) -> SbiRet {
    let vcpu = v.vcpu();
    // Without a PMU the extension is unavailable: only a guest calling
    // it regardless gets here.
    let Some(pmu) = v.ctx().pmu.as_deref_mut() else {
        return SbiRet::err(SBI_ERR_NOT_SUPPORTED);
    };
    catch_up(vcpu, pmu);
    pmu.call(&mut PmuHost::new(vcpu, srcu), vcpu.pmu_overflown(), call)
}

/// The guest's trapped read of counter CSR `csr` (`write_mask`: the bits
/// the instruction would write): its value, or `None` for an illegal
/// instruction.
pub(crate) fn read_hpm(v: &mut OwnedVcpu<'_>, csr: u16, write_mask: u64) -> Option<u64> {
    let vcpu = v.vcpu();
    let Some(pmu) = v.ctx().pmu.as_deref_mut() else {
        return pmu::read_hpm_without_pmu(csr).ok();
    };
    catch_up(vcpu, pmu);
    pmu.read_hpm(csr, write_mask).ok()
}

/// Releases every counter of `v`'s PMU (vCPU reset). May sleep.
pub(crate) fn reset(v: &mut OwnedVcpu<'_>) {
    let vcpu = v.vcpu();
    let Some(pmu) = v.ctx().pmu.as_deref_mut() else {
        return;
    };
    catch_up(vcpu, pmu);
    pmu.reset(vcpu.pmu_overflown());
}

/// Folds the firmware events counted on the vCPU since the last PMU use
/// into its counters. Which counters run changes only in the PMU's own
/// calls, on this task, so an event counted in between counts exactly if
/// its counter runs now.
fn catch_up(vcpu: &Vcpu, pmu: &mut VcpuPmu) {
    for (fid, n) in vcpu.pmu_fw_events().iter().enumerate() {
        if n.load(Ordering::Relaxed) != 0 {
            pmu.incr_fw_by(fid as u32, n.swap(0, Ordering::Relaxed));
        }
    }
}

/// The host's hardware counters for guests, `(width, count)`, if perf's
/// SBI PMU driver has any and the host has Sscofpmf (without its mode
/// filtering, a guest's counters would count the host too).
fn host_counters(sscofpmf: bool) -> Option<(u32, u32)> {
    if !sscofpmf {
        return None;
    }
    glue::pmu_hpm_info().filter(|&(width, num)| width != 0 && num != 0)
}

/// The perf overflow handler of a guest counter (`glue.c`), in hard
/// interrupt context.
///
/// # Safety
///
/// `ctx` is the context of an event created by [`PmuHost::create_event`]
/// (see `overflow_context`), not yet released: its vCPU is live.
#[no_mangle]
unsafe extern "C" fn kvm_riscv_rs_pmu_overflow(ctx: *mut c_void) {
    let idx = ctx as usize % pmu::MAX_COUNTERS;
    let vcpu = ctx.wrapping_byte_sub(idx).cast::<Vcpu>();
    // SAFETY: By the function's contract, `vcpu` is a live vCPU.
    let vcpu = unsafe { &*vcpu };
    vcpu.pmu_overflown().fetch_or(1 << idx, Ordering::AcqRel);
    vcpu.set_interrupt(Irq::PmuOverflow);
}

crate::exports::c_prototypes! {
    kvm_riscv_rs_pmu_overflow(_);
}
