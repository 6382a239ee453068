// SPDX-License-Identifier: GPL-2.0-only
/*
 * C glue of the Rust RISC-V KVM backend.
 *
 * Only what Rust cannot express lives here: the binary stats descriptor
 * tables, which are built by C macros, and one-line wrappers around static
 * inline kernel helpers and function-like macros. Each wrapper is declared
 * and wrapped once on the Rust side, in glue.rs.
 */

#include <linux/cpumask.h>
#include <linux/gfp.h>
#include <linux/kvm_host.h>
#include <linux/preempt.h>
#include <asm/kvm_riscv_glue.h>

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

/* KVM_REQ_* are statement expressions, so Rust names them by this enum. */
void kvm_riscv_glue_make_request(enum kvm_riscv_glue_req req,
				 struct kvm_vcpu *vcpu)
{
	switch (req) {
	case KVM_RISCV_GLUE_REQ_SLEEP:
		kvm_make_request(KVM_REQ_SLEEP, vcpu);
		break;
	}
}

int kvm_riscv_glue_vcpu_exiting_guest_mode(struct kvm_vcpu *vcpu)
{
	return kvm_vcpu_exiting_guest_mode(vcpu);
}
