// SPDX-License-Identifier: GPL-2.0
/*
 * exit_error_ratelimit: a guest that makes KVM_RUN fail over and over
 * cannot flood the host's log.
 *
 * The guest's pc is put at a guest-physical address no memslot backs,
 * with its own translation off, so every KVM_RUN fails at once with
 * EOPNOTSUPP (a fetch from no memory, as in the C backend).  Each failure
 * is reported in the kernel log, which a guest must not be able to turn
 * into a flood: on a serial console a flood keeps a CPU printing with
 * interrupts off, a denial of service of its own.  RUNS failures may log
 * no more than a rate-limit burst (printk's default, 10 lines per 5 s).
 * The upstream C backend logs three lines per failure and fails this.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "kvm_util.h"
#include "processor.h"
#include "test_util.h"
#include "rkvm_util.h"

#define RUNS		200
#define MAX_LINES	20
/* Above the selftest library's memory, inside every G-stage mode's space. */
#define NO_MEMORY_GPA	(1ULL << 38)

static void guest_code(void)
{
}

/* Lines mentioning @what in the kernel log records not read yet. */
static int count_lines(int kmsg, const char *what)
{
	char rec[2048];
	int n = 0;
	ssize_t len;

	while ((len = read(kmsg, rec, sizeof(rec) - 1)) != 0) {
		if (len < 0) {
			if (errno == EAGAIN)
				break;
			/* EPIPE: records were overwritten, keep reading. */
			TEST_ASSERT(errno == EPIPE, "read /dev/kmsg: %s", strerror(errno));
			continue;
		}
		rec[len] = 0;
		n += strstr(rec, what) != NULL;
	}
	return n;
}

int main(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	int kmsg, lines, i;

	kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	__TEST_REQUIRE(kmsg >= 0, "cannot read /dev/kmsg");
	lseek(kmsg, 0, SEEK_END);

	vm = vm_create_with_one_vcpu(&vcpu, guest_code);
	vcpu_set_reg(vcpu, RISCV_GENERAL_CSR_REG(satp), 0);
	for (i = 0; i < RUNS; i++) {
		vcpu_set_reg(vcpu, RISCV_CORE_REG(regs.pc), NO_MEMORY_GPA);
		int r = __vcpu_run(vcpu);

		TEST_ASSERT(r < 0 && errno == EOPNOTSUPP,
			    "run %d: KVM_RUN gave %s (exit %s)", i,
			    r ? strerror(errno) : "success",
			    exit_reason_str(vcpu->run->exit_reason));
	}
	kvm_vm_free(vm);

	lines = count_lines(kmsg, "VCPU exit error");
	TEST_ASSERT(lines > 0, "no failure was reported at all");
	TEST_ASSERT(lines <= MAX_LINES, "%d failed exits logged %d lines", RUNS, lines);
	pr_info("%d failed exits logged %d lines\n", RUNS, lines);
	return 0;
}
