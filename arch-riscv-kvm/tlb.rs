// SPDX-License-Identifier: GPL-2.0

//! TLB maintenance of a VM's guest translations across its vCPUs.
//!
//! A hart can only fence its own TLB. To make other harts drop guest
//! translations, the backend queues the fence on each target vCPU and
//! raises `KVM_REQ_HFENCE`: the vCPU performs the fence on its own hart
//! before it next enters the guest, and one that is in the guest now is
//! kicked out and waited for. A full queue degrades to the whole-VM flush
//! request covering the fence (`logic::hfence`).
//!
//! Host CPUs where none of the VM's vCPUs runs any more keep whatever they
//! cached; the next vCPU that lands on such a CPU flushes the VM's VMID
//! there first (`Vcpu::sanitize_local_tlb`).

use crate::addr::Gpa;
use crate::csr;
use crate::glue;
use crate::kvm::{Request, VcpuBitmap};
use crate::kvm_srcu::VcpuSrcu;
use crate::logic::hfence::{hart_selected, FencePlan, FlushRange, FullFlush, HfenceKind};
use crate::logic::sbi::FenceRequest;
use crate::vcpu::Vcpu;
use crate::vm::Vm;

/// The vCPUs a remote fence is for: the SBI hart mask `mask` relative to
/// vCPU id `base`, or every vCPU if `base` is `u64::MAX`.
#[derive(Clone, Copy)]
pub(crate) struct Harts {
    pub(crate) base: u64,
    pub(crate) mask: u64,
}

impl Harts {
    /// Every vCPU of the VM.
    pub(crate) const ALL: Harts = Harts {
        base: u64::MAX,
        mask: 0,
    };
}

fn flush_request(flush: FullFlush) -> Request {
    match flush {
        FullFlush::GvmaVmidAll => Request::HfenceGvmaVmidAll,
        FullFlush::VvmaAll => Request::HfenceVvmaAll,
    }
}

/// Has the vCPUs of `vm` that `harts` selects carry out `fence`, and
/// waits until none of them runs guest code from before the request
/// (the fence requests are `KVM_REQUEST_WAIT`).
pub(crate) fn remote(vm: &Vm, harts: Harts, fence: FenceRequest) {
    let (mut req, queued) = match fence {
        FenceRequest::FenceI => (Request::FenceI, None),
        FenceRequest::Flush(flush) => (flush_request(flush), None),
        FenceRequest::Queue(kind) => (Request::Hfence, Some(kind)),
    };
    let mut targets = VcpuBitmap::new();
    vm.for_each_vcpu(|i, v| {
        if !hart_selected(harts.base, harts.mask, v.id()) {
            return;
        }
        targets.set(i);
        if let Some(kind) = queued {
            if !v.queue_hfence(kind) {
                req = flush_request(kind.fallback());
            }
        }
    });
    vm.kvm().request_mask(req, &targets);
}

/// Has every vCPU of `vm` drop the G-stage translations of `changed`.
pub(crate) fn remote_gvma(vm: &Vm, changed: FlushRange) {
    if changed.is_empty() {
        return;
    }
    let fence = changed.gvma_fence();
    let request = match fence.plan() {
        // The queue would not make the fence any smaller.
        FencePlan::All => FenceRequest::Flush(fence.fallback()),
        FencePlan::Ranged { .. } => FenceRequest::Queue(fence),
    };
    remote(vm, Harts::ALL, request);
}

/// Has every vCPU of `vm` drop all its G-stage translations, the cached
/// pointers to intermediate tables included (a ranged fence only drops
/// leaves).
pub(crate) fn remote_gvma_all(vm: &Vm) {
    remote(vm, Harts::ALL, FenceRequest::Flush(FullFlush::GvmaVmidAll));
}

/// Performs `fence` on this hart. `vmid` is the VM's, whose `hgatp` is
/// loaded here: VS-stage fences apply to the VMID in `hgatp`.
fn local(fence: HfenceKind, vmid: usize) {
    let plan = fence.plan();
    match (fence, plan) {
        (HfenceKind::GvmaVmidGpa { .. }, FencePlan::All) => csr::local_hfence_gvma_vmid_all(vmid),
        (HfenceKind::GvmaVmidGpa { .. }, FencePlan::Ranged { .. }) => {
            plan.addrs()
                .for_each(|gpa| csr::local_hfence_gvma_vmid_gpa(Gpa::new(gpa), vmid));
        }
        (HfenceKind::VvmaAsidAll { asid }, _)
        | (HfenceKind::VvmaAsidGva { asid, .. }, FencePlan::All) => {
            csr::local_hfence_vvma_asid_all(asid)
        }
        (HfenceKind::VvmaAsidGva { asid, .. }, FencePlan::Ranged { .. }) => {
            plan.addrs()
                .for_each(|gva| csr::local_hfence_vvma_asid_gva(gva, asid));
        }
        (HfenceKind::VvmaGva { .. }, FencePlan::All) => csr::local_hfence_vvma_all(),
        (HfenceKind::VvmaGva { .. }, FencePlan::Ranged { .. }) => {
            plan.addrs().for_each(csr::local_hfence_vvma_gva);
        }
    }
}

/// Runs `read`, an access of the vCPU's task to guest memory through this
/// hart's TLBs (HLV/HLVX: MMIO decode, legacy SBI hart masks), between
/// the fences asked of the vCPU so far and those asked later.
///
/// A vCPU outside guest mode is not waited for by the fence requests of
/// an MMU-notifier unmap, so without this a stale translation could let
/// the read reach a page the host has freed since. Here the requests
/// already made are carried out first, and the vCPU counts as reading
/// (`READING_SHADOW_PAGE_TABLES`) with interrupts off until the read is
/// done, so a request made meanwhile waits for it. `read` is given the
/// proof that interrupts are off, which the unprivileged loads need.
pub(crate) fn fenced_guest_read<R>(
    srcu: &VcpuSrcu<'_>,
    read: impl FnOnce(&glue::IrqsOff) -> R,
) -> R {
    srcu.as_table_reader(|| process_fence_requests(Vcpu::of(srcu.vcpu())), read)
}

/// Carries out, on this hart, the TLB fences requested of `v`: the
/// whole-VMID G-stage flush (also generic KVM's `KVM_REQ_TLB_FLUSH`), the
/// whole VS-stage flush and the queued fences (`KVM_REQ_HFENCE`). Called
/// by the vCPU's task with the vCPU loaded (the VM's `hgatp` is this
/// hart's), before entering the guest and before reading its memory.
pub(crate) fn process_fence_requests(v: &Vcpu) {
    let kv = v.kvm_vcpu();
    if !kv.request_pending() {
        // The common case, without the preemption calls below.
        return;
    }
    let vm = Vm::of_vcpu(v);
    // The fences must land on the hart the vCPU is loaded on; a request
    // consumed here is carried out at once, on this hart.
    let _cpu = glue::NoPreempt::new();
    if kv.check_request(Request::HfenceGvmaVmidAll) {
        csr::local_hfence_gvma_vmid_all(vm.vmid());
    }
    if kv.check_request(Request::HfenceVvmaAll) {
        csr::local_hfence_vvma_all();
    }
    if kv.check_request(Request::Hfence) {
        process_queued(v, vm);
    }
}

/// `KVM_REQ_HFENCE`: performs the fences queued on `v`, on this hart, in
/// the order they were asked for, with the VM's `hgatp` loaded.
fn process_queued(v: &Vcpu, vm: &Vm) {
    let vmid = vm.vmid();
    while let Some(fence) = v.next_hfence() {
        if let Some(fid) = fence.received_event() {
            v.count_fw_event(fid);
        }
        local(fence, vmid);
    }
}
