// SPDX-License-Identifier: GPL-2.0
/*
 * sbi_legacy: the SBI v0.1 calls (CONFIG_RISCV_SBI_V01).
 *
 * The console calls go to userspace as KVM_EXIT_RISCV_SBI and return in
 * a0 what userspace answers.  send_ipi reads its hart mask from guest
 * memory, as the guest's S-mode would, and raises the software interrupt
 * of each hart named; clear_ipi clears the caller's.  A hart mask at an
 * address the guest has not mapped makes the guest take the load page
 * fault at its ecall instead.  The remote fences and set_timer return 0.
 * Legacy calls answer in a0 only: a1 keeps what the guest put there.
 */
#include <stdint.h>

#include "kvm_util.h"
#include "processor.h"
#include "sbi.h"
#include "test_util.h"
#include "ucall_common.h"
#include "rkvm_util.h"

#define SBI_V01_SET_TIMER		0x00
#define SBI_V01_CONSOLE_PUTCHAR		0x01
#define SBI_V01_CONSOLE_GETCHAR		0x02
#define SBI_V01_CLEAR_IPI		0x03
#define SBI_V01_SEND_IPI		0x04
#define SBI_V01_REMOTE_SFENCE_VMA	0x06

/* Not mapped in the guest's page table. */
#define UNMAPPED_GVA			0x7ff000000000UL
#define A1_MARK				0xa1a1a1a1UL

/*
 * vCPU 0, this one. In a page of its own that the guest never touches
 * before the call, so KVM's read of it takes a G-stage fault first.
 */
static unsigned long self_mask __attribute__((aligned(4096))) = 1;
static volatile unsigned long fault_cause, fault_addr, faults;

static void load_fault_handler(struct ex_regs *regs)
{
	fault_cause = regs->cause;
	asm volatile("csrr %0, stval" : "=r"(fault_addr));
	faults++;
	/* Past the ecall, which the fault replaced. */
	regs->epc += 4;
}

/* A legacy call: extension id in a7, answer in a0; a1 is returned too. */
static unsigned long legacy(unsigned long ext, unsigned long a0, unsigned long *a1)
{
	register unsigned long r_a0 asm("a0") = a0;
	register unsigned long r_a1 asm("a1") = A1_MARK;
	register unsigned long r_a7 asm("a7") = ext;

	asm volatile("ecall" : "+r"(r_a0), "+r"(r_a1) : "r"(r_a7) : "memory");
	*a1 = r_a1;
	return r_a0;
}

static void guest_code(void)
{
	unsigned long ret, a1, sip;

	ret = legacy(SBI_V01_CONSOLE_PUTCHAR, 'R', &a1);
	__GUEST_ASSERT(ret == 0, "putchar returned %ld", ret);
	ret = legacy(SBI_V01_CONSOLE_GETCHAR, 0, &a1);
	__GUEST_ASSERT(ret == 'k', "getchar returned %#lx", ret);

	ret = legacy(SBI_V01_SEND_IPI, (unsigned long)&self_mask, &a1);
	__GUEST_ASSERT(ret == 0 && a1 == A1_MARK, "send_ipi returned (%ld, %#lx)", ret, a1);
	sip = csr_read(CSR_SIP);
	__GUEST_ASSERT(sip & (1 << IRQ_S_SOFT), "send_ipi to self: sip is %#lx", sip);
	ret = legacy(SBI_V01_CLEAR_IPI, 0, &a1);
	__GUEST_ASSERT(ret == 0, "clear_ipi returned %ld", ret);
	sip = csr_read(CSR_SIP);
	__GUEST_ASSERT(!(sip & (1 << IRQ_S_SOFT)), "after clear_ipi: sip is %#lx", sip);

	legacy(SBI_V01_SEND_IPI, UNMAPPED_GVA, &a1);
	__GUEST_ASSERT(faults == 1 && fault_cause == EXC_LOAD_PAGE_FAULT &&
		       fault_addr == UNMAPPED_GVA,
		       "hart mask at an unmapped address: %lu faults, cause %lu, stval %#lx",
		       faults, fault_cause, fault_addr);
	sip = csr_read(CSR_SIP);
	__GUEST_ASSERT(!(sip & (1 << IRQ_S_SOFT)), "faulting send_ipi raised an IPI");

	/* A null hart mask pointer names every hart. */
	ret = legacy(SBI_V01_REMOTE_SFENCE_VMA, 0, &a1);
	__GUEST_ASSERT(ret == 0, "remote_sfence_vma returned %ld", ret);
	ret = legacy(SBI_V01_SET_TIMER, -1UL, &a1);
	__GUEST_ASSERT(ret == 0 && a1 == A1_MARK, "set_timer returned (%ld, %#lx)", ret, a1);
	GUEST_DONE();
}

static struct kvm_run *run_to_console(struct kvm_vcpu *vcpu, unsigned long ext)
{
	struct kvm_run *run = vcpu->run;
	struct ucall uc;

	vcpu_run(vcpu);
	if (run->exit_reason == KVM_EXIT_RISCV_SBI &&
	    run->riscv_sbi.extension_id == ext)
		return run;
	if (get_ucall(vcpu, &uc) == UCALL_ABORT)
		REPORT_GUEST_ASSERT(uc);
	TEST_FAIL("no exit for legacy call %#lx: %s", ext,
		  exit_reason_str(run->exit_reason));
	return NULL;
}

int main(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_run *run;
	struct kvm_vm *vm;

	ksft_print_header();
	ksft_set_plan(2);
	vm = vm_create_with_one_vcpu(&vcpu, guest_code);

	vm_init_vector_tables(vm);
	vcpu_init_vector_tables(vcpu);
	vm_install_exception_handler(vm, EXC_LOAD_PAGE_FAULT, load_fault_handler);

	run = run_to_console(vcpu, SBI_V01_CONSOLE_PUTCHAR);
	TEST_ASSERT(run->riscv_sbi.args[0] == 'R', "putchar of %#lx", run->riscv_sbi.args[0]);
	run->riscv_sbi.ret[0] = 0;
	run = run_to_console(vcpu, SBI_V01_CONSOLE_GETCHAR);
	run->riscv_sbi.ret[0] = 'k';
	ksft_test_result_pass("console putchar/getchar go to userspace\n");

	rkvm_run_to_done(vcpu);
	ksft_test_result_pass("send_ipi/clear_ipi, a faulting hart mask, remote fence, set_timer\n");
	kvm_vm_free(vm);
	ksft_finished();
}
