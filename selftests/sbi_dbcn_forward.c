// SPDX-License-Identifier: GPL-2.0
/*
 * sbi_dbcn_forward: the SBI debug console (DBCN) goes to userspace.
 *
 * As in the upstream C backend, DBCN is available but disabled on a new
 * vCPU: the guest's probe answers 0 and a call fails with
 * SBI_ERR_NOT_SUPPORTED without leaving the kernel.  Once userspace
 * enables it through ONE_REG, each call exits to userspace as
 * KVM_EXIT_RISCV_SBI with the call's extension, function and arguments,
 * and what userspace puts in ret[] is what the guest's call returns.
 */
#include <stdint.h>
#include <string.h>

#include "kvm_util.h"
#include "processor.h"
#include "sbi.h"
#include "test_util.h"
#include "ucall_common.h"
#include "rkvm_util.h"

#define SBI_EXT_DBCN			0x4442434E
#define SBI_DBCN_CONSOLE_WRITE		0
#define SBI_DBCN_CONSOLE_WRITE_BYTE	2

static const char message[] = "hello, console";
/* DBCN takes physical addresses: the host fills this in. */
static unsigned long message_gpa;

static void guest_disabled(void)
{
	struct sbiret ret;
	long probe = -1;

	GUEST_ASSERT(guest_sbi_probe_extension(SBI_EXT_DBCN, &probe));
	__GUEST_ASSERT(probe == 0, "DBCN probes as %ld while disabled", probe);
	ret = sbi_ecall(SBI_EXT_DBCN, SBI_DBCN_CONSOLE_WRITE_BYTE, 'x', 0, 0, 0, 0, 0);
	__GUEST_ASSERT(ret.error == SBI_ERR_NOT_SUPPORTED,
		       "disabled DBCN call returned error %ld", ret.error);
	GUEST_DONE();
}

static void guest_enabled(void)
{
	struct sbiret ret;
	long probe = -1;

	GUEST_ASSERT(guest_sbi_probe_extension(SBI_EXT_DBCN, &probe));
	__GUEST_ASSERT(probe == 1, "DBCN probes as %ld once enabled", probe);

	ret = sbi_ecall(SBI_EXT_DBCN, SBI_DBCN_CONSOLE_WRITE, sizeof(message) - 1,
			message_gpa, 0, 0, 0, 0);
	__GUEST_ASSERT(ret.error == 0 && ret.value == sizeof(message) - 1,
		       "console_write returned (%ld, %ld)", ret.error, ret.value);

	ret = sbi_ecall(SBI_EXT_DBCN, SBI_DBCN_CONSOLE_WRITE_BYTE, '!', 0, 0, 0, 0, 0);
	__GUEST_ASSERT(ret.error == SBI_ERR_DENIED && ret.value == 0x1234,
		       "console_write_byte returned (%ld, %ld)", ret.error, ret.value);
	GUEST_DONE();
}

static uint64_t dbcn_reg(void)
{
	return KVM_REG_RISCV | KVM_REG_SIZE_ULONG | KVM_REG_RISCV_SBI_EXT |
	       KVM_REG_RISCV_SBI_SINGLE | KVM_RISCV_SBI_EXT_DBCN;
}

/* Runs to the next DBCN exit and checks it is function @fid. */
static struct kvm_run *run_to_dbcn(struct kvm_vcpu *vcpu, unsigned long fid)
{
	struct kvm_run *run = vcpu->run;
	struct ucall uc;

	vcpu_run(vcpu);
	if (run->exit_reason == KVM_EXIT_RISCV_SBI &&
	    run->riscv_sbi.extension_id == SBI_EXT_DBCN) {
		TEST_ASSERT(run->riscv_sbi.function_id == fid,
			    "DBCN function %lu, want %lu",
			    run->riscv_sbi.function_id, fid);
		return run;
	}
	if (get_ucall(vcpu, &uc) == UCALL_ABORT)
		REPORT_GUEST_ASSERT(uc);
	TEST_FAIL("no DBCN exit: %s", exit_reason_str(run->exit_reason));
	return NULL;
}

int main(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_run *run;
	struct kvm_vm *vm;
	unsigned long value;
	const char *text;

	ksft_print_header();
	ksft_set_plan(3);

	vm = vm_create_with_one_vcpu(&vcpu, guest_disabled);
	/* 6.12 always offers DBCN, so the register exists. */
	TEST_ASSERT(!__vcpu_get_reg(vcpu, dbcn_reg(), &value),
		    "reading the DBCN enable register: %s", strerror(errno));
	TEST_ASSERT(value == 0, "DBCN reads %lu on a new vCPU, want 0 (disabled)", value);
	rkvm_run_to_done(vcpu);
	kvm_vm_free(vm);
	ksft_test_result_pass("DBCN is disabled by default and fails in the kernel\n");

	vm = vm_create_with_one_vcpu(&vcpu, guest_enabled);
	message_gpa = addr_gva2gpa(vm, (vm_vaddr_t)message);
	sync_global_to_guest(vm, message_gpa);
	vcpu_set_reg(vcpu, dbcn_reg(), 1);
	vcpu_get_reg(vcpu, dbcn_reg(), &value);
	TEST_ASSERT(value == 1, "DBCN reads %lu after enabling it", value);

	run = run_to_dbcn(vcpu, SBI_DBCN_CONSOLE_WRITE);
	TEST_ASSERT(run->riscv_sbi.args[0] == sizeof(message) - 1 &&
		    run->riscv_sbi.args[2] == 0,
		    "console_write args (%lu, %#lx, %lu)", run->riscv_sbi.args[0],
		    run->riscv_sbi.args[1], run->riscv_sbi.args[2]);
	TEST_ASSERT(run->riscv_sbi.args[1] == message_gpa,
		    "console_write of gpa %#lx, want %#lx", run->riscv_sbi.args[1],
		    message_gpa);
	text = addr_gpa2hva(vm, run->riscv_sbi.args[1]);
	TEST_ASSERT(!memcmp(text, message, sizeof(message) - 1),
		    "console_write buffer holds '%.*s'", (int)sizeof(message) - 1, text);
	run->riscv_sbi.ret[0] = 0;
	run->riscv_sbi.ret[1] = sizeof(message) - 1;
	ksft_test_result_pass("console_write exits to userspace with its buffer\n");

	run = run_to_dbcn(vcpu, SBI_DBCN_CONSOLE_WRITE_BYTE);
	TEST_ASSERT(run->riscv_sbi.args[0] == '!', "console_write_byte of %#lx",
		    run->riscv_sbi.args[0]);
	run->riscv_sbi.ret[0] = SBI_ERR_DENIED;
	run->riscv_sbi.ret[1] = 0x1234;
	rkvm_run_to_done(vcpu);
	ksft_test_result_pass("the guest gets what userspace answered\n");

	kvm_vm_free(vm);
	ksft_finished();
}
