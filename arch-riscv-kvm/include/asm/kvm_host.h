/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * RISC-V KVM: what generic KVM code needs to know about the arch backend.
 *
 * The backend itself is written in Rust and owns its VM and vCPU state in
 * containers that embed struct kvm and struct kvm_vcpu (see
 * Documentation/virt/kvm/riscv/rust-backend.rst). This header therefore
 * declares only what virt/kvm/ and <linux/kvm_host.h> consume: limits,
 * request numbers, the stats structures and the hooks that must be visible
 * to C. There is deliberately no C mirror of the Rust-owned state.
 */

#ifndef __RISCV_KVM_HOST_H__
#define __RISCV_KVM_HOST_H__

#include <linux/types.h>
#include <linux/kvm.h>
#include <linux/kvm_types.h>

#define KVM_MAX_VCPUS			1024

#define KVM_HALT_POLL_NS_DEFAULT	500000

#define KVM_VCPU_MAX_FEATURES		0

/* Architecture specific vCPU requests, same numbers as the C backend. */
#define KVM_REQ_SLEEP \
	KVM_ARCH_REQ_FLAGS(0, KVM_REQUEST_WAIT | KVM_REQUEST_NO_WAKEUP)
#define KVM_REQ_VCPU_RESET		KVM_ARCH_REQ(1)
#define KVM_REQ_UPDATE_HGATP		KVM_ARCH_REQ(2)
#define KVM_REQ_FENCE_I			\
	KVM_ARCH_REQ_FLAGS(3, KVM_REQUEST_WAIT | KVM_REQUEST_NO_WAKEUP)
#define KVM_REQ_HFENCE_GVMA_VMID_ALL	KVM_REQ_TLB_FLUSH
#define KVM_REQ_HFENCE_VVMA_ALL		\
	KVM_ARCH_REQ_FLAGS(4, KVM_REQUEST_WAIT | KVM_REQUEST_NO_WAKEUP)
#define KVM_REQ_HFENCE			\
	KVM_ARCH_REQ_FLAGS(5, KVM_REQUEST_WAIT | KVM_REQUEST_NO_WAKEUP)
#define KVM_REQ_STEAL_UPDATE		KVM_ARCH_REQ(6)

/*
 * Statistics. The field names are user-visible through the binary stats
 * interface and debugfs, so they match the C backend exactly.
 */
struct kvm_vm_stat {
	struct kvm_vm_stat_generic generic;
};

struct kvm_vcpu_stat {
	struct kvm_vcpu_stat_generic generic;
	u64 ecall_exit_stat;
	u64 wfi_exit_stat;
	u64 wrs_exit_stat;
	u64 mmio_exit_user;
	u64 mmio_exit_kernel;
	u64 csr_exit_user;
	u64 csr_exit_kernel;
	u64 signal_exits;
	u64 exits;
};

/*
 * Per-VM, per-vCPU and per-memslot arch state lives in Rust (struct Vm,
 * struct Vcpu in arch/riscv/kvm/); generic code never looks inside these.
 */
struct kvm_arch_memory_slot {
};

struct kvm_arch {
};

struct kvm_vcpu_arch {
};

/*
 * The VM is allocated by the backend with room for its Rust-owned state
 * behind struct kvm, the way x86 embeds struct kvm in struct kvm_vmx.
 */
#define __KVM_HAVE_ARCH_VM_ALLOC
#define __KVM_HAVE_ARCH_VM_FREE
struct kvm *kvm_arch_alloc_vm(void);
void kvm_arch_free_vm(struct kvm *kvm);

static inline void kvm_arch_sync_events(struct kvm *kvm) {}

#endif /* __RISCV_KVM_HOST_H__ */
