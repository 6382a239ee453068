// SPDX-License-Identifier: GPL-2.0
/*
 * csr_exit: a CSR access the guest may not make itself (here hstatus,
 * which VS-mode reaches only through a virtual-instruction trap) and that
 * no in-kernel emulation claims goes to userspace as KVM_EXIT_RISCV_CSR,
 * with the CSR number, new value and write mask of the instruction; the
 * value userspace returns lands in rd on the next KVM_RUN, and the guest
 * continues after the instruction. The upstream C backend behaves the
 * same (its in-kernel CSRs are the AIA IMSIC and PMU counters).
 */
#include "kvm_util.h"
#include "processor.h"
#include "ucall_common.h"

#define CSR_HSTATUS_NUM	0x600
#define RET1		0x1234abcdUL
#define RET2		0x5a5aUL

static void guest_code(void)
{
	unsigned long a, b;

	/* csrrw: write all of it, read the old value. */
	asm volatile("li t0, 0x77\n\tcsrrw %0, 0x600, t0" : "=r"(a) : : "t0");
	GUEST_ASSERT_EQ(a, RET1);
	/* csrrsi with rd = x0's counterpart: set bits 1 and 2 from zimm. */
	asm volatile("csrrsi %0, 0x600, 6" : "=r"(b));
	GUEST_ASSERT_EQ(b, RET2);
	GUEST_DONE();
}

static void expect_csr_exit(struct kvm_vcpu *vcpu, unsigned long new_value,
			    unsigned long write_mask, unsigned long ret)
{
	struct kvm_run *run = vcpu->run;

	vcpu_run(vcpu);
	TEST_ASSERT(run->exit_reason == KVM_EXIT_RISCV_CSR,
		    "exit reason %u (%s), want KVM_EXIT_RISCV_CSR",
		    run->exit_reason, exit_reason_str(run->exit_reason));
	TEST_ASSERT_EQ(run->riscv_csr.csr_num, CSR_HSTATUS_NUM);
	TEST_ASSERT_EQ(run->riscv_csr.new_value, new_value);
	TEST_ASSERT_EQ(run->riscv_csr.write_mask, write_mask);
	run->riscv_csr.ret_value = ret;
}

int main(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	struct ucall uc;

	ksft_print_header();
	ksft_set_plan(3);
	vm = vm_create_with_one_vcpu(&vcpu, guest_code);

	expect_csr_exit(vcpu, 0x77, ~0UL, RET1);
	ksft_test_result_pass("csrrw exits with value and full mask\n");
	expect_csr_exit(vcpu, ~0UL, 6, RET2);
	ksft_test_result_pass("csrrsi exits with set mask from zimm\n");

	vcpu_run(vcpu);
	switch (get_ucall(vcpu, &uc)) {
	case UCALL_DONE:
		break;
	case UCALL_ABORT:
		REPORT_GUEST_ASSERT(uc);
		break;
	default:
		TEST_FAIL("unexpected exit %s", exit_reason_str(vcpu->run->exit_reason));
	}
	ksft_test_result_pass("return values reached rd, guest resumed\n");
	kvm_vm_free(vm);
	ksft_finished();
}
