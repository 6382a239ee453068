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

struct kvm_vcpu;

extern const int kvm_riscv_glue_user_mem_slots;

/* The vCPU requests the backend posts (KVM_REQ_* in asm/kvm_host.h). */
enum kvm_riscv_glue_req {
	KVM_RISCV_GLUE_REQ_SLEEP,
};

unsigned int kvm_riscv_glue_num_possible_cpus(void);
unsigned int kvm_riscv_glue_num_online_cpus(void);
void kvm_riscv_glue_preempt_disable(void);
void kvm_riscv_glue_preempt_enable(void);
unsigned long kvm_riscv_glue_get_free_pages(gfp_t gfp, unsigned int order);
void kvm_riscv_glue_make_request(enum kvm_riscv_glue_req req,
				 struct kvm_vcpu *vcpu);
int kvm_riscv_glue_vcpu_exiting_guest_mode(struct kvm_vcpu *vcpu);

#endif /* __RISCV_KVM_RISCV_GLUE_H__ */
