// SPDX-License-Identifier: GPL-2.0
/*
 * disable_vstimecmp_before_exiting_to_user_space: a vCPU that leaves the
 * host CPU does not leave its VS timer interrupt pending there.
 *
 * Upstream 57f576e860d3 ("RISC-V: KVM: Disable vstimecmp before exiting to
 * user-space", 6.16; 6.12.117 lacks it): with Sstc, vstimecmp stayed
 * loaded after the vCPU was put.  A guest deadline in the past keeps the
 * VS timer interrupt pending on that host CPU, and with the guest's
 * vsie.STIE (also left loaded) it is a locally enabled one: by the
 * privileged spec the host's WFI must then not stop the hart, so the host
 * CPU's idle loop spins until a vCPU is loaded there again.  The fix
 * writes vstimecmp = -1 when the vCPU is put (timer::put here).
 *
 * The guest enables its timer interrupt (sie.STIE, with sstatus.SIE
 * clear so it is never taken), sets stimecmp to 0 and exits to userspace
 * through a ucall.  Its thread, pinned to one host CPU, then sleeps
 * SLEEPS times for a few idle ticks each, and counts the turns of that
 * CPU's idle loop (tick_sched.idle_calls of /proc/timer_list): about one
 * per sleep when WFI waits (the first turn keeps the tick, the second
 * stops it and sleeps to the timer), one per spin of the loop once the
 * tick is stopped when it does not.  The sleeps are what is measured, not
 * a synchronisation: the verdict does not depend on their length once
 * they span a tick.  Both counts are bounded, the one before this test's
 * guest ran too: a vCPU of an earlier test put on the same CPU leaves it
 * spinning just the same (on the C backend the first run here counts 10
 * turns, then 5915; a second run of the test 13623 before its guest
 * ran).  Last, the guest must still read its deadline when it runs
 * again: it was saved before it was disarmed.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/sysinfo.h>

#include "kvm_util.h"
#include "processor.h"
#include "test_util.h"
#include "ucall_common.h"
#include "rkvm_util.h"

#define SLEEPS		10
/* Five ticks at HZ=250: the idle loop stops the tick in each sleep. */
#define SLEEP_NS	(20 * 1000 * 1000L)
/* Turns of the idle loop over SLEEPS sleeps that still mean WFI waits:
 * 10-13 measured, up to ~6 per sleep if the tick stays on for RCU. */
#define MAX_TURNS	(20 * SLEEPS)

/* On the heap: the selftest library loads the whole ELF, .bss included, into guest memory. */
#define TIMER_LIST_SIZE	(1 << 20)
static char *timer_list_buf;

static void guest_code(void)
{
	local_irq_disable();
	csr_set(CSR_SIE, IE_TIE);
	/* A deadline in the past: the VS timer interrupt is pending. */
	csr_write(CSR_STIMECMP, 0);
	GUEST_SYNC(1);
	/*
	 * The deadline was saved before the put disarmed it, and loaded
	 * again. (Not sip.STIP: under QEMU 7.2 it read 0 here with
	 * stimecmp 0, in the past; what QEMU shows in a VS-mode sip of an
	 * Sstc timer is the emulator's, not what this test is about.)
	 */
	__GUEST_ASSERT(csr_read(CSR_STIMECMP) == 0,
		       "stimecmp %#lx after the exit, not the 0 the guest set",
		       csr_read(CSR_STIMECMP));
	GUEST_DONE();
}

/* The idle-loop turns that stopped or kept the tick on @cpu so far. */
static unsigned long idle_calls(int cpu)
{
	char key[32], *p;
	size_t n;
	FILE *f;

	f = fopen("/proc/timer_list", "r");
	TEST_ASSERT(f, "open /proc/timer_list: %s", strerror(errno));
	n = fread(timer_list_buf, 1, TIMER_LIST_SIZE - 1, f);
	TEST_ASSERT(n && n < TIMER_LIST_SIZE - 1, "read %zu bytes of /proc/timer_list", n);
	fclose(f);
	timer_list_buf[n] = 0;

	snprintf(key, sizeof(key), "\ncpu: %d\n", cpu);
	p = strstr(timer_list_buf, key);
	TEST_ASSERT(p, "no \"cpu: %d\" in /proc/timer_list", cpu);
	p = strstr(p, ".idle_calls");
	TEST_ASSERT(p && (p = strchr(p, ':')), "no idle_calls of cpu %d", cpu);
	return strtoul(p + 1, NULL, 10);
}

/* Turns of @cpu's idle loop over SLEEPS sleeps of the calling thread. */
static unsigned long idle_turns(int cpu)
{
	const struct timespec ts = { .tv_sec = 0, .tv_nsec = SLEEP_NS };
	unsigned long before = idle_calls(cpu);
	int i, r;

	for (i = 0; i < SLEEPS; i++) {
		r = clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL);
		TEST_ASSERT(!r, "clock_nanosleep: %s", strerror(r));
	}
	return idle_calls(cpu) - before;
}

int main(void)
{
	unsigned long quiet, after;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	cpu_set_t set;
	int cpu;

	ksft_print_header();
	ksft_set_plan(1);
	timer_list_buf = malloc(TIMER_LIST_SIZE);
	TEST_ASSERT(timer_list_buf, "malloc");

	/* The last CPU: the harness and init mostly run on the first. */
	cpu = get_nprocs() - 1;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	TEST_ASSERT(!sched_setaffinity(0, sizeof(set), &set), "pin to CPU %d", cpu);

	vm = vm_create_with_one_vcpu(&vcpu, guest_code);
	TEST_REQUIRE(__vcpu_has_isa_ext(vcpu, KVM_RISCV_ISA_EXT_SSTC));

	quiet = idle_turns(cpu);
	rkvm_run_to_sync(vcpu, 1);
	/* The vCPU is put: its expired vstimecmp must not be left here. */
	after = idle_turns(cpu);
	pr_info("CPU %d idle loop over %d sleeps: %lu turns before the guest ran, %lu after it exited\n",
		cpu, SLEEPS, quiet, after);
	/* About 1 per sleep here; a spinning idle loop turns thousands. */
	TEST_ASSERT(quiet <= MAX_TURNS,
		    "CPU %d's idle loop turned %lu times in %d sleeps before this test's guest ran: a vCPU put earlier left an interrupt pending there",
		    cpu, quiet, SLEEPS);
	TEST_ASSERT(after <= MAX_TURNS,
		    "CPU %d's idle loop turned %lu times in %d sleeps after the vCPU exited with its timer expired (%lu before): WFI returns at once, a VS timer interrupt is left pending",
		    cpu, after, SLEEPS, quiet);

	rkvm_run_to_done(vcpu);
	ksft_test_result_pass("no VS timer interrupt left pending on the host CPU\n");
	kvm_vm_free(vm);
	ksft_finished();
}
