// SPDX-License-Identifier: GPL-2.0-only
/*
 * C glue of the Rust RISC-V KVM backend.
 *
 * Only what Rust cannot express lives here: the binary stats descriptor
 * tables, which are built by C macros, the trace events, and wrappers
 * around static inline kernel helpers and function-like macros. Each wrapper is declared
 * and wrapped once on the Rust side, in glue.rs.
 */

#include <linux/cpumask.h>
#include <linux/entry-kvm.h>
#include <linux/gfp.h>
#include <linux/hugetlb.h>
#include <linux/kvm_host.h>
#include <linux/mm.h>
#include <linux/nospec.h>
#include <linux/perf_event.h>
#include <linux/perf/riscv_pmu.h>
#include <linux/preempt.h>
#include <linux/ratelimit.h>
#include <linux/sched/signal.h>
#include <linux/sched/stat.h>
#include <asm/kvm_riscv_glue.h>
#include <asm/vector.h>

#define CREATE_TRACE_POINTS
#include "trace.h"

/* Stat names are user ABI: they match the C backend's exactly. */
const struct kvm_stats_desc kvm_vm_stats_desc[] = {
	KVM_GENERIC_VM_STATS()
};
static_assert(ARRAY_SIZE(kvm_vm_stats_desc) ==
	      sizeof(struct kvm_vm_stat) / sizeof(u64));

const struct kvm_stats_header kvm_vm_stats_header = {
	.name_size = KVM_STATS_NAME_SIZE,
	.num_desc = ARRAY_SIZE(kvm_vm_stats_desc),
	.id_offset = sizeof(struct kvm_stats_header),
	.desc_offset = sizeof(struct kvm_stats_header) + KVM_STATS_NAME_SIZE,
	.data_offset = sizeof(struct kvm_stats_header) + KVM_STATS_NAME_SIZE +
		       sizeof(kvm_vm_stats_desc),
};

const struct kvm_stats_desc kvm_vcpu_stats_desc[] = {
	KVM_GENERIC_VCPU_STATS(),
	STATS_DESC_COUNTER(VCPU, ecall_exit_stat),
	STATS_DESC_COUNTER(VCPU, wfi_exit_stat),
	STATS_DESC_COUNTER(VCPU, wrs_exit_stat),
	STATS_DESC_COUNTER(VCPU, mmio_exit_user),
	STATS_DESC_COUNTER(VCPU, mmio_exit_kernel),
	STATS_DESC_COUNTER(VCPU, csr_exit_user),
	STATS_DESC_COUNTER(VCPU, csr_exit_kernel),
	STATS_DESC_COUNTER(VCPU, signal_exits),
	STATS_DESC_COUNTER(VCPU, exits)
};

const struct kvm_stats_header kvm_vcpu_stats_header = {
	.name_size = KVM_STATS_NAME_SIZE,
	.num_desc = ARRAY_SIZE(kvm_vcpu_stats_desc),
	.id_offset = sizeof(struct kvm_stats_header),
	.desc_offset = sizeof(struct kvm_stats_header) + KVM_STATS_NAME_SIZE,
	.data_offset = sizeof(struct kvm_stats_header) + KVM_STATS_NAME_SIZE +
		       sizeof(kvm_vcpu_stats_desc),
};

/* The value of a macro bindgen cannot evaluate. */
const int kvm_riscv_glue_user_mem_slots = KVM_USER_MEM_SLOTS;

unsigned int kvm_riscv_glue_num_possible_cpus(void)
{
	return num_possible_cpus();
}

unsigned int kvm_riscv_glue_num_online_cpus(void)
{
	return num_online_cpus();
}

void kvm_riscv_glue_preempt_disable(void)
{
	preempt_disable();
}

void kvm_riscv_glue_preempt_enable(void)
{
	preempt_enable();
}

/* A wrapper, so the allocation is accounted to kvm.ko by alloc tagging. */
unsigned long kvm_riscv_glue_get_free_pages(gfp_t gfp, unsigned int order)
{
	return __get_free_pages(gfp, order);
}

#define GLUE_REQ_BIT_IS(req, bit) \
	BUILD_BUG_ON(((req) & KVM_REQUEST_MASK) != KVM_RISCV_GLUE_REQ_##bit)

/* KVM_REQ_* are statement expressions, so Rust names them by an enum. */
static int glue_req(enum kvm_riscv_glue_req req)
{
	GLUE_REQ_BIT_IS(KVM_REQ_SLEEP, SLEEP);
	GLUE_REQ_BIT_IS(KVM_REQ_VCPU_RESET, VCPU_RESET);
	GLUE_REQ_BIT_IS(KVM_REQ_UPDATE_HGATP, UPDATE_HGATP);
	GLUE_REQ_BIT_IS(KVM_REQ_FENCE_I, FENCE_I);
	GLUE_REQ_BIT_IS(KVM_REQ_HFENCE_GVMA_VMID_ALL, HFENCE_GVMA_VMID_ALL);
	GLUE_REQ_BIT_IS(KVM_REQ_HFENCE_VVMA_ALL, HFENCE_VVMA_ALL);
	GLUE_REQ_BIT_IS(KVM_REQ_HFENCE, HFENCE);
	GLUE_REQ_BIT_IS(KVM_REQ_STEAL_UPDATE, STEAL_UPDATE);

	switch (req) {
	case KVM_RISCV_GLUE_REQ_SLEEP:
		return KVM_REQ_SLEEP;
	case KVM_RISCV_GLUE_REQ_VCPU_RESET:
		return KVM_REQ_VCPU_RESET;
	case KVM_RISCV_GLUE_REQ_UPDATE_HGATP:
		return KVM_REQ_UPDATE_HGATP;
	case KVM_RISCV_GLUE_REQ_FENCE_I:
		return KVM_REQ_FENCE_I;
	case KVM_RISCV_GLUE_REQ_HFENCE_GVMA_VMID_ALL:
		return KVM_REQ_HFENCE_GVMA_VMID_ALL;
	case KVM_RISCV_GLUE_REQ_HFENCE_VVMA_ALL:
		return KVM_REQ_HFENCE_VVMA_ALL;
	case KVM_RISCV_GLUE_REQ_HFENCE:
		return KVM_REQ_HFENCE;
	case KVM_RISCV_GLUE_REQ_STEAL_UPDATE:
		return KVM_REQ_STEAL_UPDATE;
	}
	return KVM_REQ_HFENCE_GVMA_VMID_ALL;
}

/* kvm_make_request() insists on a compile-time constant request. */
void kvm_riscv_glue_make_request(enum kvm_riscv_glue_req req,
				 struct kvm_vcpu *vcpu)
{
	switch (req) {
	case KVM_RISCV_GLUE_REQ_SLEEP:
		kvm_make_request(KVM_REQ_SLEEP, vcpu);
		break;
	case KVM_RISCV_GLUE_REQ_VCPU_RESET:
		kvm_make_request(KVM_REQ_VCPU_RESET, vcpu);
		break;
	case KVM_RISCV_GLUE_REQ_UPDATE_HGATP:
		kvm_make_request(KVM_REQ_UPDATE_HGATP, vcpu);
		break;
	case KVM_RISCV_GLUE_REQ_FENCE_I:
		kvm_make_request(KVM_REQ_FENCE_I, vcpu);
		break;
	case KVM_RISCV_GLUE_REQ_HFENCE_GVMA_VMID_ALL:
		kvm_make_request(KVM_REQ_HFENCE_GVMA_VMID_ALL, vcpu);
		break;
	case KVM_RISCV_GLUE_REQ_HFENCE_VVMA_ALL:
		kvm_make_request(KVM_REQ_HFENCE_VVMA_ALL, vcpu);
		break;
	case KVM_RISCV_GLUE_REQ_HFENCE:
		kvm_make_request(KVM_REQ_HFENCE, vcpu);
		break;
	case KVM_RISCV_GLUE_REQ_STEAL_UPDATE:
		kvm_make_request(KVM_REQ_STEAL_UPDATE, vcpu);
		break;
	}
}

void kvm_riscv_glue_request_all(struct kvm *kvm, enum kvm_riscv_glue_req req)
{
	kvm_make_all_cpus_request(kvm, glue_req(req));
}

struct kvm_vcpu *kvm_riscv_glue_get_vcpu(struct kvm *kvm, int i)
{
	return kvm_get_vcpu(kvm, i);
}

struct kvm_vcpu *kvm_riscv_glue_get_vcpu_by_id(struct kvm *kvm, int id)
{
	return kvm_get_vcpu_by_id(kvm, id);
}

void kvm_riscv_glue_request_mask(struct kvm *kvm, enum kvm_riscv_glue_req req,
				 unsigned long *vcpu_bitmap)
{
	kvm_make_vcpus_request_mask(kvm, glue_req(req), vcpu_bitmap);
}

void kvm_riscv_glue_srcu_read_lock(struct kvm_vcpu *vcpu)
{
	kvm_vcpu_srcu_read_lock(vcpu);
}

void kvm_riscv_glue_srcu_read_unlock(struct kvm_vcpu *vcpu)
{
	kvm_vcpu_srcu_read_unlock(vcpu);
}

/* Steal time needs the scheduler's per-task run delay. */
bool kvm_riscv_glue_sched_info_on(void)
{
	return sched_info_on();
}

/* How long, in ns, the current task has waited on a runqueue. */
u64 kvm_riscv_glue_run_delay(void)
{
#ifdef CONFIG_SCHED_INFO
	return READ_ONCE(current->sched_info.run_delay);
#else
	return 0;
#endif
}

/*
 * Whether mmu_lock, held by the caller, should be let go now: someone
 * waits for it or for this CPU (what cond_resched_lock() checks). The
 * caller decides before dropping it, so that it fences only when the lock
 * really goes; kvm_riscv_glue_mmu_lock_break() then drops it for sure.
 */
bool kvm_riscv_glue_mmu_lock_needbreak(struct kvm *kvm)
{
	return need_resched() || spin_needbreak(&kvm->mmu_lock);
}

void kvm_riscv_glue_mmu_lock_break(struct kvm *kvm)
{
	spin_unlock(&kvm->mmu_lock);
	cond_resched();
	spin_lock(&kvm->mmu_lock);
}

/*
 * The entry sequence of the run loop, preemption off (the caller's):
 * interrupts off, IN_GUEST_MODE published before the final request check
 * (Documentation/virt/kvm/vcpu-requests.rst), the SRCU read side left for
 * as long as the guest runs. True if the guest must not be entered now,
 * as a request or work for the task is pending: the caller then undoes
 * all of it with kvm_riscv_glue_guest_entry_abort(). One call for the
 * sequence the C backend inlines; each piece on its own cost a call.
 */
bool kvm_riscv_glue_guest_entry_begin(struct kvm_vcpu *vcpu)
{
	local_irq_disable();
	vcpu->mode = IN_GUEST_MODE;
	kvm_vcpu_srcu_read_unlock(vcpu);
	smp_mb__after_srcu_read_unlock();
	return kvm_request_pending(vcpu) || xfer_to_guest_mode_work_pending();
}

void kvm_riscv_glue_guest_entry_abort(struct kvm_vcpu *vcpu)
{
	vcpu->mode = OUTSIDE_GUEST_MODE;
	local_irq_enable();
	kvm_vcpu_srcu_read_lock(vcpu);
}

/* Right before the world switch, interrupts off: kvm:kvm_entry. */
void kvm_riscv_glue_guest_timing_enter(unsigned long pc)
{
	trace_kvm_entry(pc);
	guest_timing_enter_irqoff();
}

/*
 * After the world switch, with the trap's CSRs read (for the trace
 * event; by reference, as only one register then has to outlive the
 * calls before it): out of guest mode; take the interrupts that arrived in
 * the guest before guest time accounting ends, so their ticks count as
 * guest time; kvm:kvm_exit, where the C backend emits it; back on the
 * SRCU read side. Preemption stays off (the caller's).
 */
void kvm_riscv_glue_guest_exit(struct kvm_vcpu *vcpu,
			       const struct kvm_riscv_glue_trap *trap)
{
	vcpu->mode = OUTSIDE_GUEST_MODE;
	local_irq_enable();
	local_irq_disable();
	guest_timing_exit_irqoff();
	local_irq_enable();
	trace_kvm_exit(trap);
	kvm_vcpu_srcu_read_lock(vcpu);
}

/*
 * Guest memory is about to be read through this CPU's G-stage TLB
 * (HLV/HLVX), interrupts off. As for a vCPU in guest mode, a waiting
 * request made from now on IPIs this CPU and waits for the read to end
 * (kvm_request_needs_ipi()); one made before is seen by the caller's
 * request check, which the barrier orders after the mode store.
 */
void kvm_riscv_glue_begin_guest_read(struct kvm_vcpu *vcpu)
{
	vcpu->mode = READING_SHADOW_PAGE_TABLES;
	smp_mb();
}

void kvm_riscv_glue_leave_guest_mode(struct kvm_vcpu *vcpu)
{
	vcpu->mode = OUTSIDE_GUEST_MODE;
}

/* The world switch, in switch.rs. */
void kvm_riscv_rs_switch_to(void *switch_area);

/*
 * Runs the guest until it traps back. From guest_state_enter_irqoff() to
 * guest_state_exit_irqoff() RCU is not watching this CPU (an extended
 * quiescent state), so nothing traceable or instrumented may run there:
 * hence noinstr, and only the assembly world switch in between, as in
 * the C backend's kvm_riscv_vcpu_enter_exit().
 */
noinstr void kvm_riscv_glue_enter_exit(void *switch_area)
{
	guest_state_enter_irqoff();
	kvm_riscv_rs_switch_to(switch_area);
	guest_state_exit_irqoff();
}

/* ONE_REG indices from userspace, clamped under speculation too. */
unsigned long kvm_riscv_glue_array_index_nospec(unsigned long index,
						unsigned long size)
{
	return array_index_nospec(index, size);
}

/*
 * A guest makes exits fail at will (a fetch from an address no memslot
 * backs, misaligned MMIO), so their reports are rate limited: a flood of
 * console lines is a denial of service of its own on a serial console.
 */
static DEFINE_RATELIMIT_STATE(exit_error_rs, DEFAULT_RATELIMIT_INTERVAL,
			      DEFAULT_RATELIMIT_BURST);

bool kvm_riscv_glue_exit_error_ratelimit(void)
{
	return __ratelimit(&exit_error_rs);
}

/* @interval is a ktime_t the caller has clamped to [0, KTIME_MAX]. */
void kvm_riscv_glue_hrtimer_forward_now(struct hrtimer *timer, s64 interval)
{
	hrtimer_forward_now(timer, interval);
}

unsigned long kvm_riscv_glue_local_irq_save(void)
{
	unsigned long flags;

	local_irq_save(flags);
	return flags;
}

void kvm_riscv_glue_local_irq_restore(unsigned long flags)
{
	local_irq_restore(flags);
}

/*
 * KVM_REQ_SLEEP: wait, interruptibly, until the vCPU is powered on again
 * (kvm_riscv_vcpu_is_stopped() is the Rust side's answer).
 */
void kvm_riscv_glue_wait_while_stopped(struct kvm_vcpu *vcpu)
{
	rcuwait_wait_event(kvm_arch_vcpu_get_wait(vcpu),
			   !kvm_riscv_vcpu_is_stopped(vcpu),
			   TASK_INTERRUPTIBLE);
}

int kvm_riscv_glue_smp_processor_id(void)
{
	return smp_processor_id();
}

phys_addr_t kvm_riscv_glue_virt_to_phys(void *addr)
{
	return __pa(addr);
}

void *kvm_riscv_glue_phys_to_virt(phys_addr_t addr)
{
	return __va(addr);
}

/*
 * The host mapping behind @hva, and the invalidation sequence to check
 * the G-stage mapping against: read under the mmap lock, whose release
 * orders it before the pfn lookup that follows.
 */
int kvm_riscv_glue_vma_info(unsigned long hva,
			    struct kvm_riscv_glue_vma_info *info,
			    const struct kvm *kvm)
{
	struct vm_area_struct *vma;

	mmap_read_lock(current->mm);
	vma = vma_lookup(current->mm, hva);
	if (!vma) {
		mmap_read_unlock(current->mm);
		return -EFAULT;
	}
	info->page_shift = is_vm_hugetlb_page(vma) ?
			   huge_page_shift(hstate_vma(vma)) : PAGE_SHIFT;
	info->pfnmap = vma->vm_flags & VM_PFNMAP;
	info->mmu_seq = kvm->mmu_invalidate_seq;
	mmap_read_unlock(current->mm);
	return 0;
}

/*
 * The page shift of the host mapping of @hva in @kvm's mm: PAGE_SHIFT, or
 * that of the PMD or PUD leaf (a transparent huge page) mapping it. The
 * caller holds mmu_lock with the MMU notifier sequence checked, so the
 * mapping cannot change before the G-stage entry is written; the page
 * tables are read locklessly with interrupts off, as GUP-fast does, so
 * that a table freed by a concurrent collapse is not freed under us.
 */
unsigned int kvm_riscv_glue_host_mapping_shift(struct kvm *kvm,
					       unsigned long hva)
{
	unsigned int shift = PAGE_SHIFT;
	unsigned long flags;
	pgd_t *pgdp, pgd;
	p4d_t *p4dp, p4d;
	pud_t *pudp, pud;
	pmd_t *pmdp, pmd;

	local_irq_save(flags);
	pgdp = pgd_offset(kvm->mm, hva);
	pgd = READ_ONCE(*pgdp);
	if (!pgd_present(pgd))
		goto out;
	p4dp = p4d_offset_lockless(pgdp, pgd, hva);
	p4d = READ_ONCE(*p4dp);
	if (!p4d_present(p4d))
		goto out;
	pudp = pud_offset_lockless(p4dp, p4d, hva);
	pud = READ_ONCE(*pudp);
	if (!pud_present(pud))
		goto out;
	if (pud_leaf(pud)) {
		shift = PUD_SHIFT;
		goto out;
	}
	pmdp = pmd_offset_lockless(pudp, pud, hva);
	pmd = pmdp_get_lockless(pmdp);
	if (pmd_present(pmd) && pmd_leaf(pmd))
		shift = PMD_SHIFT;
out:
	local_irq_restore(flags);
	return shift;
}

/*
 * The VMAs behind a memslot being created or changed must allow what the
 * slot promises: no writable slot over a read-only VMA (-EPERM), no dirty
 * logging of a VM_PFNMAP (device) mapping (-EINVAL).
 */
int kvm_riscv_glue_check_slot_vmas(unsigned long hva, unsigned long size,
				   bool writable, bool logging)
{
	unsigned long end = hva + size;
	int ret = 0;

	mmap_read_lock(current->mm);
	while (hva < end) {
		struct vm_area_struct *vma;

		vma = find_vma_intersection(current->mm, hva, end);
		if (!vma)
			break;
		if (writable && !(vma->vm_flags & VM_WRITE)) {
			ret = -EPERM;
			break;
		}
		if ((vma->vm_flags & VM_PFNMAP) && logging) {
			ret = -EINVAL;
			break;
		}
		hva = min(end, vma->vm_end);
	}
	mmap_read_unlock(current->mm);
	return ret;
}

bool kvm_riscv_glue_mmu_invalidate_retry(struct kvm *kvm, unsigned long seq)
{
	return mmu_invalidate_retry(kvm, seq);
}

enum kvm_riscv_glue_pfn_status kvm_riscv_glue_pfn_status(u64 pfn)
{
	if (pfn == KVM_PFN_ERR_HWPOISON)
		return KVM_RISCV_GLUE_PFN_HWPOISON;
	if (is_sigpending_pfn(pfn))
		return KVM_RISCV_GLUE_PFN_SIGPENDING;
	if (is_error_noslot_pfn(pfn))
		return KVM_RISCV_GLUE_PFN_ERROR;
	return KVM_RISCV_GLUE_PFN_OK;
}

bool kvm_riscv_glue_is_error_hva(unsigned long hva)
{
	return kvm_is_error_hva(hva);
}

void kvm_riscv_glue_send_hwpoison(unsigned long hva, unsigned int shift)
{
	send_sig_mceerr(BUS_MCEERR_AR, (void __user *)hva, shift, current);
}

int kvm_riscv_glue_vcpu_exiting_guest_mode(struct kvm_vcpu *vcpu)
{
	return kvm_vcpu_exiting_guest_mode(vcpu);
}

/*
 * The SBI PMU's host perf events (pmu.rs). The overflow handler must
 * reach into the event and its PMU, which Rust has no bindings for: it
 * stops the counter, makes the period of the next sample what is left to
 * the wrap (so the counter keeps counting from where it is rather than
 * reloading), lets the Rust side mark the counter overflown and raise the
 * guest's LCOFI, and starts it again.
 */

#ifdef CONFIG_RISCV_PMU_SBI
static void glue_pmu_overflow(struct perf_event *event,
			      struct perf_sample_data *data,
			      struct pt_regs *regs)
{
	struct riscv_pmu *rpmu = to_riscv_pmu(event->pmu);
	u64 left;

	rpmu->pmu.stop(event, PERF_EF_UPDATE);
	left = -local64_read(&event->count);
	local64_set(&event->hw.period_left, 0);
	event->attr.sample_period = left;
	event->hw.sample_period = left;
	kvm_riscv_rs_pmu_overflow(event->overflow_handler_context);
	rpmu->pmu.start(event, PERF_EF_RELOAD);
}

struct perf_event *kvm_riscv_glue_pmu_create(u32 type, u64 config,
					     u64 sample_period,
					     bool exclude_user,
					     bool exclude_kernel, void *ctx)
{
	/*
	 * Counting for the guest only (exclude_host; the vCPU's task is the
	 * target), pinned to it, created stopped: SBI counter_start enables
	 * it, unless the guest asked for AUTO_START.
	 */
	struct perf_event_attr attr = {
		.type = type,
		.size = sizeof(attr),
		.config = config,
		.config1 = RISCV_PMU_CONFIG1_GUEST_EVENTS,
		.sample_period = sample_period,
		.pinned = true,
		.disabled = true,
		.exclude_host = true,
		.exclude_hv = true,
		.exclude_user = exclude_user,
		.exclude_kernel = exclude_kernel,
	};
	struct perf_event *event;

	event = perf_event_create_kernel_counter(&attr, -1, current,
						 glue_pmu_overflow, ctx);
	return IS_ERR(event) ? NULL : event;
}
#else
/* Without the SBI PMU driver guests get no PMU (hpm_info below fails). */
struct perf_event *kvm_riscv_glue_pmu_create(u32 type, u64 config,
					     u64 sample_period,
					     bool exclude_user,
					     bool exclude_kernel, void *ctx)
{
	return NULL;
}
#endif

void kvm_riscv_glue_pmu_release(struct perf_event *event)
{
	perf_event_disable(event);
	perf_event_release_kernel(event);
}

void kvm_riscv_glue_pmu_enable(struct perf_event *event)
{
	perf_event_enable(event);
}

void kvm_riscv_glue_pmu_period(struct perf_event *event, u64 period)
{
	perf_event_period(event, period);
}

u64 kvm_riscv_glue_pmu_pause(struct perf_event *event)
{
	return perf_event_pause(event, true);
}

u64 kvm_riscv_glue_pmu_read(struct perf_event *event)
{
	u64 enabled, running;

	return perf_event_read_value(event, &enabled, &running);
}

int kvm_riscv_glue_pmu_hpm_info(u32 *width, u32 *num)
{
#ifdef CONFIG_RISCV_PMU_SBI
	return riscv_pmu_get_hpm_info(width, num);
#else
	/* No SBI PMU driver: no counters for guests, as upstream. */
	return -ENODEV;
#endif
}

#ifdef CONFIG_RISCV_ISA_V
unsigned long kvm_riscv_glue_vector_size(void)
{
	/* KVM gives guests V, not the Zve subsets has_vector() accepts. */
	if (!riscv_isa_extension_available(NULL, v))
		return 0;
	return riscv_v_vsize;
}

bool kvm_riscv_glue_vector_user_allowed(void)
{
	return riscv_v_vstate_ctrl_user_allowed();
}

/*
 * As kernel_vector_begin() does before the kernel uses vector: the task's
 * user state is saved if dirty and restored on the way back to user mode
 * (TIF_RISCV_V_DEFER_RESTORE), so the registers are free until then.
 * Interrupts are off as in the kernel's own callers (which disable bottom
 * halves, or run in the context switch): a softirq's kernel_vector_begin()
 * in the middle would find VS still Dirty, save and leave its own data in
 * the registers, which this save would then store as the task's; and a
 * context switch in the middle would do the same with another task's.
 */
void kvm_riscv_glue_vector_hand_over(void)
{
	struct pt_regs *regs = task_pt_regs(current);
	unsigned long flags;

	local_irq_save(flags);
	riscv_v_vstate_save(&current->thread.vstate, regs);
	riscv_v_vstate_set_restore(current, regs);
	local_irq_restore(flags);
}

void kvm_riscv_glue_vector_save(struct __riscv_v_ext_state *csrs, void *datap)
{
	__riscv_v_vstate_save(csrs, datap);
}

void kvm_riscv_glue_vector_restore(const struct __riscv_v_ext_state *csrs,
				   void *datap)
{
	/* The kernel's helper only reads *csrs: it takes no const. */
	__riscv_v_vstate_restore((struct __riscv_v_ext_state *)csrs, datap);
}
#else
unsigned long kvm_riscv_glue_vector_size(void)
{
	return 0;
}

bool kvm_riscv_glue_vector_user_allowed(void)
{
	return false;
}

void kvm_riscv_glue_vector_hand_over(void)
{
}

/* Unreachable: the Rust side moves no vector state with a size of 0. */
void kvm_riscv_glue_vector_save(struct __riscv_v_ext_state *csrs, void *datap)
{
}

void kvm_riscv_glue_vector_restore(const struct __riscv_v_ext_state *csrs,
				   void *datap)
{
}
#endif
