// SPDX-License-Identifier: GPL-2.0
/*
 * csr_emulation: CSR accesses that trap out of the guest as virtual
 * instructions. As in the upstream C backend:
 * - a CSR no in-kernel emulation claims (here hstatus, which VS-mode may
 *   not touch) becomes an illegal-instruction exception in the guest,
 *   with the instruction bits in stval and sepc at the instruction;
 * - cycle and instret, which a guest's legacy counter driver reads, do
 *   not trap while the vCPU has no PMU (a host without Sscofpmf): they
 *   read 0 then (kvm_riscv_vcpu_pmu_read_hpm()), and only the absence of
 *   a trap is checked. With a PMU (the SBI PMU extension available), a
 *   counter the guest has not configured through SBI PMU is an illegal
 *   instruction (pmu_ctr_read() finds no perf event).
 *
 * The C backend traps cycle/instret on the stable host, where it offers
 * no SBI PMU either (selftests/expected-pass-upstream).
 */
#include "kvm_util.h"
#include "processor.h"
#include "ucall_common.h"
#include "rkvm_util.h"

/* csrrw a0, hstatus, t0 */
#define CSRRW_HSTATUS	0x60029573UL

static volatile unsigned long illegal_stval, illegal_epc, illegal_count;
/* Set by the host: whether the vCPU has the SBI PMU. */
static bool has_pmu;

static void illegal_handler(struct ex_regs *regs)
{
	unsigned long stval;

	asm volatile("csrr %0, stval" : "=r"(stval));
	illegal_stval = stval;
	illegal_epc = regs->epc;
	illegal_count++;
	regs->epc += 4;
}

extern char hstatus_insn[];

static void guest_code(void)
{
	unsigned long cycle = 1, instret = 1;

	asm volatile(".option push\n\t.option norvc\n"
		     "hstatus_insn:\n\t"
		     ".word 0x60029573\n\t"
		     ".option pop" : : : "a0", "memory");
	GUEST_ASSERT_EQ(illegal_count, 1);
	GUEST_ASSERT_EQ(illegal_stval, CSRRW_HSTATUS);
	GUEST_ASSERT_EQ(illegal_epc, (unsigned long)hstatus_insn);

	asm volatile("csrr %0, cycle" : "=r"(cycle));
	asm volatile("csrr %0, instret" : "=r"(instret));
	GUEST_ASSERT_EQ(illegal_count, has_pmu ? 3 : 1);
	(void)cycle;
	(void)instret;
	GUEST_DONE();
}

int main(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;

	ksft_print_header();
	ksft_set_plan(1);
	vm = vm_create_with_one_vcpu(&vcpu, guest_code);
	vm_init_vector_tables(vm);
	vcpu_init_vector_tables(vcpu);
	vm_install_exception_handler(vm, EXC_INST_ILLEGAL, illegal_handler);
	has_pmu = __vcpu_has_sbi_ext(vcpu, KVM_RISCV_SBI_EXT_PMU);
	sync_global_to_guest(vm, has_pmu);

	rkvm_run_to_done(vcpu);
	ksft_test_result_pass("hstatus traps as illegal, cycle/instret %s\n",
			      has_pmu ? "unconfigured: illegal (SBI PMU)" : "do not trap (no PMU)");
	kvm_vm_free(vm);
	ksft_finished();
}
