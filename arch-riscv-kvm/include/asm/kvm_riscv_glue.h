/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * C helpers of the Rust RISC-V KVM backend (arch/riscv/kvm/glue.c).
 *
 * Wrappers around static inline kernel helpers and function-like macros
 * that Rust cannot call directly. bindgen reads this header, and glue.rs
 * wraps each helper once for the rest of the backend.
 */

#ifndef __RISCV_KVM_RISCV_GLUE_H__
#define __RISCV_KVM_RISCV_GLUE_H__

#include <linux/types.h>

struct kvm;
struct kvm_vcpu;

extern const int kvm_riscv_glue_user_mem_slots;

/*
 * The vCPU requests the backend uses (KVM_REQ_* in asm/kvm_host.h), each
 * valued as its bit in vcpu->requests (KVM_REQ_* & KVM_REQUEST_MASK:
 * generic KVM's first, then KVM_REQUEST_ARCH_BASE + the arch number), so
 * that Rust tests and clears them without a call. KVM_REQ_* are
 * statement expressions, not constants: glue.c checks these against them
 * at build time.
 */
enum kvm_riscv_glue_req {
	KVM_RISCV_GLUE_REQ_HFENCE_GVMA_VMID_ALL = 0,	/* KVM_REQ_TLB_FLUSH */
	KVM_RISCV_GLUE_REQ_SLEEP = 8,
	KVM_RISCV_GLUE_REQ_VCPU_RESET = 9,
	KVM_RISCV_GLUE_REQ_UPDATE_HGATP = 10,
	KVM_RISCV_GLUE_REQ_FENCE_I = 11,
	KVM_RISCV_GLUE_REQ_HFENCE_VVMA_ALL = 12,
	KVM_RISCV_GLUE_REQ_HFENCE = 13,
	KVM_RISCV_GLUE_REQ_STEAL_UPDATE = 14,
};

/* What the G-stage fault path needs to know about the host mapping. */
struct kvm_riscv_glue_vma_info {
	unsigned int page_shift;	/* hugetlb page shift, else PAGE_SHIFT */
	bool pfnmap;			/* VM_PFNMAP: map page by page */
	unsigned long mmu_seq;		/* kvm->mmu_invalidate_seq, read under mmap lock */
};

/* Classification of a pfn returned by the gfn_to_pfn family. */
enum kvm_riscv_glue_pfn_status {
	KVM_RISCV_GLUE_PFN_OK,
	KVM_RISCV_GLUE_PFN_HWPOISON,
	KVM_RISCV_GLUE_PFN_SIGPENDING,
	KVM_RISCV_GLUE_PFN_ERROR,
};

unsigned int kvm_riscv_glue_num_possible_cpus(void);
unsigned int kvm_riscv_glue_num_online_cpus(void);
void kvm_riscv_glue_preempt_disable(void);
void kvm_riscv_glue_preempt_enable(void);
unsigned long kvm_riscv_glue_get_free_pages(gfp_t gfp, unsigned int order);
void kvm_riscv_glue_make_request(enum kvm_riscv_glue_req req,
				 struct kvm_vcpu *vcpu);
void kvm_riscv_glue_request_all(struct kvm *kvm, enum kvm_riscv_glue_req req);
struct kvm_vcpu *kvm_riscv_glue_get_vcpu(struct kvm *kvm, int i);
struct kvm_vcpu *kvm_riscv_glue_get_vcpu_by_id(struct kvm *kvm, int id);
void kvm_riscv_glue_request_mask(struct kvm *kvm, enum kvm_riscv_glue_req req,
				 unsigned long *vcpu_bitmap);
void kvm_riscv_glue_srcu_read_lock(struct kvm_vcpu *vcpu);
void kvm_riscv_glue_srcu_read_unlock(struct kvm_vcpu *vcpu);
bool kvm_riscv_glue_mmu_lock_needbreak(struct kvm *kvm);
void kvm_riscv_glue_mmu_lock_break(struct kvm *kvm);
bool kvm_riscv_glue_sched_info_on(void);
u64 kvm_riscv_glue_run_delay(void);
void kvm_riscv_glue_begin_guest_read(struct kvm_vcpu *vcpu);
void kvm_riscv_glue_leave_guest_mode(struct kvm_vcpu *vcpu);
unsigned long kvm_riscv_glue_local_irq_save(void);
void kvm_riscv_glue_local_irq_restore(unsigned long flags);
void kvm_riscv_glue_wait_while_stopped(struct kvm_vcpu *vcpu);
bool kvm_riscv_vcpu_is_stopped(struct kvm_vcpu *vcpu);
struct hrtimer;
bool kvm_riscv_glue_exit_error_ratelimit(void);
unsigned long kvm_riscv_glue_array_index_nospec(unsigned long index,
						unsigned long size);
void kvm_riscv_glue_hrtimer_forward_now(struct hrtimer *timer, s64 interval);
bool kvm_riscv_glue_guest_entry_begin(struct kvm_vcpu *vcpu);
void kvm_riscv_glue_guest_entry_abort(struct kvm_vcpu *vcpu);
void kvm_riscv_glue_guest_timing_enter(unsigned long pc);
/* A trap out of the guest: run.rs' Trap, which has the same layout. */
struct kvm_riscv_glue_trap {
	unsigned long sepc;
	unsigned long scause;
	unsigned long stval;
	unsigned long htval;
	unsigned long htinst;
};

void kvm_riscv_glue_guest_exit(struct kvm_vcpu *vcpu,
			       const struct kvm_riscv_glue_trap *trap);
void kvm_riscv_glue_enter_exit(void *switch_area);
int kvm_riscv_glue_smp_processor_id(void);
phys_addr_t kvm_riscv_glue_virt_to_phys(void *addr);
void *kvm_riscv_glue_phys_to_virt(phys_addr_t addr);
int kvm_riscv_glue_vma_info(unsigned long hva,
			    struct kvm_riscv_glue_vma_info *info,
			    const struct kvm *kvm);
bool kvm_riscv_glue_mmu_invalidate_retry(struct kvm *kvm, unsigned long seq);
unsigned int kvm_riscv_glue_host_mapping_shift(struct kvm *kvm,
					       unsigned long hva);
int kvm_riscv_glue_check_slot_vmas(unsigned long hva, unsigned long size,
				   bool writable, bool logging);
enum kvm_riscv_glue_pfn_status kvm_riscv_glue_pfn_status(u64 pfn);
bool kvm_riscv_glue_is_error_hva(unsigned long hva);
void kvm_riscv_glue_send_hwpoison(unsigned long hva, unsigned int shift);
int kvm_riscv_glue_vcpu_exiting_guest_mode(struct kvm_vcpu *vcpu);

/* The SBI PMU's host perf events (pmu.rs); NULL when perf refuses. */
struct perf_event;
struct perf_event *kvm_riscv_glue_pmu_create(u32 type, u64 config,
					     u64 sample_period,
					     bool exclude_user,
					     bool exclude_kernel, void *ctx);
void kvm_riscv_glue_pmu_release(struct perf_event *event);
void kvm_riscv_glue_pmu_enable(struct perf_event *event);
void kvm_riscv_glue_pmu_period(struct perf_event *event, u64 period);
u64 kvm_riscv_glue_pmu_pause(struct perf_event *event);
u64 kvm_riscv_glue_pmu_read(struct perf_event *event);
int kvm_riscv_glue_pmu_hpm_info(u32 *width, u32 *num);
/* pmu.rs: a guest counter's perf event overflowed (hard irq context). */
void kvm_riscv_rs_pmu_overflow(void *ctx);

/*
 * The vector register file (switch.rs): its size in bytes, 0 where the
 * kernel has no vector support or the harts no V; whether the calling
 * task may use vector; handing the task's user state to the kernel (at
 * each load); moving the CPU's registers to and from memory (datap: that
 * many bytes).
 */
struct __riscv_v_ext_state;
unsigned long kvm_riscv_glue_vector_size(void);
bool kvm_riscv_glue_vector_user_allowed(void);
void kvm_riscv_glue_vector_hand_over(void);
void kvm_riscv_glue_vector_save(struct __riscv_v_ext_state *csrs, void *datap);
void kvm_riscv_glue_vector_restore(const struct __riscv_v_ext_state *csrs,
				   void *datap);

#endif /* __RISCV_KVM_RISCV_GLUE_H__ */
