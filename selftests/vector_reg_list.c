// SPDX-License-Identifier: GPL-2.0
/*
 * vector_reg_list: KVM_GET_REG_LIST of a vCPU with V lists the vector
 * registers as 6.12 does, and each one listed can be read and written
 * back (what upstream's get-reg-list does with every register it knows;
 * 6.12's get-reg-list has no vector configuration, so it disables V and
 * never sees them).
 *
 * - With V: vstart, vl, vtype, vcsr and vlenb as unsigned long, then
 *   v0..v31 of vlenb bytes (KVM_REG_SIZE of log2(vlenb)), exactly once
 *   each, and no other id of the VECTOR class.
 * - Every one of them: KVM_GET_ONE_REG, then KVM_SET_ONE_REG of the value
 *   read, succeed.
 * - With V disabled (KVM_SET_ONE_REG of its ISA_EXT register before the
 *   first run): no VECTOR id is listed, and reading one is ENOENT.
 *
 * Skips when the vCPU lacks V.
 */
#include <stdint.h>
#include <stdlib.h>

#include "kvm_util.h"
#include "processor.h"
#include "test_util.h"
#include "rkvm_vector.h"

#define NR_VECTOR_CSRS	5

#define VEC_CSR(n)	(KVM_REG_RISCV | KVM_REG_SIZE_U64 | KVM_REG_RISCV_VECTOR | (n))
#define VEC_REG(i, size)	(KVM_REG_RISCV | (size) | KVM_REG_RISCV_VECTOR |	\
				 KVM_REG_RISCV_VECTOR_REG(i))
#define IS_VECTOR(id)	(((id) & KVM_REG_RISCV_TYPE_MASK) == KVM_REG_RISCV_VECTOR)

/* Which of the 37 expected ids the list has, and how many others. */
static int count_listed(struct kvm_reg_list *list, const uint64_t *want, int n, int *seen,
			int *others)
{
	int i, j, dups = 0;

	*others = 0;
	for (j = 0; j < n; j++)
		seen[j] = 0;
	for (i = 0; i < list->n; i++) {
		uint64_t id = list->reg[i];

		if (!IS_VECTOR(id))
			continue;
		for (j = 0; j < n && want[j] != id; j++)
			;
		if (j == n) {
			ksft_print_msg("unexpected VECTOR id %#lx\n", id);
			(*others)++;
		} else if (seen[j]++) {
			dups++;
		}
	}
	return dups;
}

int main(void)
{
	uint64_t want[NR_VECTOR_CSRS + NR_VREGS], size, vlenb;
	int seen[NR_VECTOR_CSRS + NR_VREGS], others, dups, missing, failed, i;
	const int n = NR_VECTOR_CSRS + NR_VREGS;
	uint8_t buf[MAX_VLENB];
	struct kvm_reg_list *list;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;

	ksft_print_header();

	vm = vm_create_with_one_vcpu(&vcpu, NULL);
	if (!__vcpu_has_isa_ext(vcpu, KVM_RISCV_ISA_EXT_V)) {
		kvm_vm_free(vm);
		ksft_exit_skip("the vCPU has no V extension\n");
	}
	ksft_set_plan(3);

	vcpu_get_reg(vcpu, VEC_CSR(KVM_REG_RISCV_VECTOR_CSR_REG(vlenb)), &vlenb);
	TEST_ASSERT(vlenb && vlenb <= MAX_VLENB && !(vlenb & (vlenb - 1)), "vlenb %lu", vlenb);
	size = (uint64_t)__builtin_ctzl(vlenb) << KVM_REG_SIZE_SHIFT;
	for (i = 0; i < NR_VECTOR_CSRS; i++)
		want[i] = VEC_CSR(i);
	for (i = 0; i < NR_VREGS; i++)
		want[NR_VECTOR_CSRS + i] = VEC_REG(i, size);

	list = vcpu_get_reg_list(vcpu);
	dups = count_listed(list, want, n, seen, &others);
	for (missing = 0, i = 0; i < n; i++) {
		if (!seen[i]) {
			ksft_print_msg("VECTOR id %#lx not listed\n", want[i]);
			missing++;
		}
	}
	ksft_test_result(!missing && !dups && !others,
			 "the list has the 37 vector registers once each (%d missing, %d twice, %d others)\n",
			 missing, dups, others);

	for (failed = 0, i = 0; i < n; i++) {
		struct kvm_one_reg reg = { .id = want[i], .addr = (uint64_t)buf };

		if (__vcpu_ioctl(vcpu, KVM_GET_ONE_REG, &reg) ||
		    __vcpu_ioctl(vcpu, KVM_SET_ONE_REG, &reg)) {
			ksft_print_msg("get/set of %#lx: errno %d\n", want[i], errno);
			failed++;
		}
	}
	ksft_test_result(!failed, "each listed vector register reads and writes back (%d failed)\n",
			 failed);
	free(list);

	vcpu_set_reg(vcpu, RISCV_ISA_EXT_REG(KVM_RISCV_ISA_EXT_V), 0);
	list = vcpu_get_reg_list(vcpu);
	for (others = 0, i = 0; i < list->n; i++)
		others += IS_VECTOR(list->reg[i]);
	failed = __vcpu_get_reg(vcpu, want[0], buf) != -1 || errno != ENOENT;
	ksft_test_result(!others && !failed,
			 "without V no vector register is listed (%d) or readable\n", others);
	free(list);

	kvm_vm_free(vm);
	ksft_finished();
}
