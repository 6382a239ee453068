// SPDX-License-Identifier: GPL-2.0
/*
 * exit_costs: what guest exits cost, per operation, on the backend
 * loaded.  Each phase runs a tight guest loop between two GUEST_SYNCs and
 * the host times the phase:
 *
 *   sbi_in_kernel   an SBI call KVM answers itself (BASE spec version)
 *   exit_to_user    a round trip to userspace (a ucall, KVM_EXIT_RISCV_SBI)
 *   mmio_in_kernel  an MMIO write taken by an ioeventfd in the kernel
 *   gstage_fault    the first touch of a page: a G-stage fault and map
 *
 * Output: one line per phase, "BENCH <phase> <ns per op> ns/op <ops>".
 * scripts/bench.sh runs it on both backends and prints the ratios.  Under
 * TCG the absolute numbers are the emulator's; the ratio is the point.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>

#include "kvm_util.h"
#include "processor.h"
#include "sbi.h"
#include "test_util.h"
#include "ucall_common.h"
#include "../rkvm_util.h"

#define SBI_OPS		20000
#define USER_OPS	5000
#define MMIO_OPS	20000
#define FAULT_PAGES	4096

#define MMIO_GPA	0x10000000UL
#define FAULT_SLOT	1
#define FAULT_GPA	(3UL << 30)
#define PAGE_SZ		4096UL

enum phase { SBI_KERNEL = 1, EXIT_USER, MMIO_KERNEL, GSTAGE_FAULT };

static void guest_code(void)
{
	uint64_t i;

	GUEST_SYNC(0);
	for (i = 0; i < SBI_OPS; i++)
		sbi_ecall(SBI_EXT_BASE, SBI_EXT_BASE_GET_SPEC_VERSION, 0, 0, 0, 0, 0, 0);
	GUEST_SYNC(SBI_KERNEL);
	for (i = 0; i < USER_OPS; i++)
		GUEST_SYNC(EXIT_USER);
	for (i = 0; i < MMIO_OPS; i++)
		*(volatile uint32_t *)MMIO_GPA = i;
	GUEST_SYNC(MMIO_KERNEL);
	for (i = 0; i < FAULT_PAGES; i++)
		*(volatile uint64_t *)(FAULT_GPA + i * PAGE_SZ) = i;
	GUEST_SYNC(GSTAGE_FAULT);
	GUEST_DONE();
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void report(const char *phase, uint64_t ns, uint64_t ops)
{
	printf("BENCH %s %.1f ns/op %lu\n", phase, (double)ns / ops, ops);
}

int main(void)
{
	struct kvm_ioeventfd ioeventfd = {
		.addr = MMIO_GPA,
		.len = 4,
		.flags = 0,
	};
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	uint64_t t0, i;

	vm = vm_create_with_one_vcpu(&vcpu, guest_code);
	virt_map(vm, MMIO_GPA, MMIO_GPA, 1);
	ioeventfd.fd = eventfd(0, EFD_NONBLOCK);
	TEST_ASSERT(ioeventfd.fd >= 0, "eventfd");
	vm_ioctl(vm, KVM_IOEVENTFD, &ioeventfd);
	vm_userspace_mem_region_add(vm, VM_MEM_SRC_ANONYMOUS, FAULT_GPA, FAULT_SLOT,
				    FAULT_PAGES, 0);
	virt_map(vm, FAULT_GPA, FAULT_GPA, FAULT_PAGES);
	/* Host page faults are not what is measured. */
	memset(addr_gpa2hva(vm, FAULT_GPA), 0, FAULT_PAGES * PAGE_SZ);

	rkvm_run_to_sync(vcpu, 0);
	t0 = now_ns();
	rkvm_run_to_sync(vcpu, SBI_KERNEL);
	report("sbi_in_kernel", now_ns() - t0, SBI_OPS);

	t0 = now_ns();
	for (i = 0; i < USER_OPS; i++)
		rkvm_run_to_sync(vcpu, EXIT_USER);
	report("exit_to_user", now_ns() - t0, USER_OPS);

	t0 = now_ns();
	rkvm_run_to_sync(vcpu, MMIO_KERNEL);
	report("mmio_in_kernel", now_ns() - t0, MMIO_OPS);

	t0 = now_ns();
	rkvm_run_to_sync(vcpu, GSTAGE_FAULT);
	report("gstage_fault", now_ns() - t0, FAULT_PAGES);

	rkvm_run_to_done(vcpu);
	kvm_vm_free(vm);
	return 0;
}
