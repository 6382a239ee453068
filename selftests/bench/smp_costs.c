// SPDX-License-Identifier: GPL-2.0
/*
 * smp_costs: what one vCPU costs another, per operation, on the backend
 * loaded.  Two vCPUs, each run by its own thread, share the emulated
 * host's one CPU (bench mode boots it with -smp 1):
 *
 *   ipi        vCPU 0 sends an SBI IPI to vCPU 1 and waits in WFI for the
 *              reply; vCPU 1 wakes from WFI, sees sip.SSIP, clears it and
 *              sends one back; per one-way IPI (send, wake, handle)
 *   hsm_start  vCPU 0 starts the stopped vCPU 1 with SBI HSM hart_start
 *              at a function that stops it again (hart_stop), and polls
 *              hart_get_status until vCPU 1 is STOPPED; per start/stop
 *
 * Nothing takes an interrupt: sstatus.SIE stays 0 and the pending bits
 * in sip (with sie set) only end WFIs, so the guest needs no trap handler.
 *
 * Who runs when is the host scheduler's choice, and must not depend on
 * its clock.  In ipi a vCPU waiting for the other blocks in WFI, in KVM,
 * so the one host CPU goes to the other vCPU's thread at once.  In
 * hsm_start vCPU 0 polls, which left to the fair class would keep the CPU
 * until the next tick and measure ticks: vCPU 1's thread is SCHED_FIFO,
 * so hart_start's wake-up hands it the CPU at once, and vCPU 0's first
 * poll finds it stopped again (vCPU 0 counts the polls that did not:
 * "INFO" line, which scripts/bench.sh ignores).
 *
 * Each side checks what it measures: every IPI is counted by the vCPU
 * that takes it and every reply must follow the IPI it answers; the
 * started vCPU 1 counts its runs and stores its hart id where vCPU 0
 * checks them.  No sleeps, no timing: the vCPUs wait on guest-visible
 * state only, and the host times vCPU 0's phase between two ucalls.
 *
 * On a host with two CPUs or more (the modern host with -smp 2, booted
 * by hand as Documentation/virt/kvm/riscv/performance.rst says; make
 * bench does not, as those figures do not repeat) each vCPU's thread is
 * pinned to a CPU of its own and ipi is measured as ipi_2cpu: the IPI
 * crosses to a vCPU that sleeps on another CPU, and its wake-up is a
 * host IPI.  Halt polling is off in that VM (KVM_CAP_HALT_POLL 0): a
 * vCPU waiting in WFI would spin for up to halt_poll_ns of the emulated
 * clock, that many instructions, while under -icount the other CPU's
 * hart does not run, so the measure would count the poll (some 200,000
 * instructions an IPI).  hsm_start is left out there: under -icount
 * QEMU runs its harts in turn, each until the next timer deadline unless
 * it waits, so vCPU 0's polling would keep vCPU 1's hart from running
 * and the measure would count timer ticks, not the start.
 *
 * Output: one line per measure, "BENCH <measure> <ns per op> ns/op <ops>";
 * under bench mode's -icount shift=0 a ns is an emulated instruction.
 */
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "kvm_util.h"
#include "processor.h"
#include "sbi.h"
#include "test_util.h"
#include "ucall_common.h"
#include "../rkvm_util.h"
#include "bench.h"

#define IPI_WARM	100
#define IPI_ROUNDS	5000
#define HSM_WARM	50
#define HSM_OPS		2000

/* Turns a vCPU 1 that never stops into a guest assert, not a hang. */
#define POLL_LIMIT	100000

/* Forwarded to userspace like ucalls (the selftests' SBI extension). */
#define HSM_EXIT_FID	2	/* vCPU 1's thread may return */
#define HSM_FAIL_FID	3	/* hart_stop returned an error */

enum stage { READY, WARMED, TIMED };

/* IPIs each vCPU has taken, counted by the vCPU that takes them. */
static volatile uint64_t ipis_taken[2];

static void guest_wait_ipi(uint32_t me)
{
	while (!(csr_read(CSR_SIP) & IE_SIE))
		bench_wfi();
	csr_clear(CSR_SIP, IE_SIE);
	ipis_taken[me]++;
}

static void guest_send_ipi(uint32_t to)
{
	GUEST_SBI_OK(SBI_EXT_IPI, SBI_EXT_IPI_SEND_IPI, 1UL << to, 0);
}

static void guest_ipi(void)
{
	uint32_t me = guest_get_vcpuid();
	uint64_t i;

	csr_clear(CSR_SSTATUS, SR_SIE);
	csr_set(CSR_SIE, IE_SIE);
	if (me == 1) {
		/* The responder: one reply per IPI, for as long as vCPU 0 sends. */
		for (i = 1; i <= IPI_WARM + IPI_ROUNDS; i++) {
			guest_wait_ipi(1);
			GUEST_ASSERT_EQ(ipis_taken[0], i - 1);
			guest_send_ipi(0);
		}
		GUEST_DONE();
	}
	GUEST_SYNC(READY);
	for (i = 1; i <= IPI_WARM + IPI_ROUNDS; i++) {
		guest_send_ipi(1);
		guest_wait_ipi(0);
		/* The reply came after vCPU 1 took our IPI. */
		GUEST_ASSERT_EQ(ipis_taken[1], i);
		if (i == IPI_WARM)
			GUEST_SYNC(WARMED);
	}
	GUEST_SYNC(TIMED);
	GUEST_DONE();
}

/* What the started vCPU 1 leaves for vCPU 0 to check. */
static volatile struct {
	uint64_t runs;
	uint64_t hartid;
} hsm_seen;

/* Guest physical addresses, as vCPU 1 starts with translation off. */
static vm_paddr_t hsm_target_gpa, hsm_exit_gpa, hsm_seen_gpa;
/* Polls of vCPU 0 that found vCPU 1 not yet stopped. */
static uint64_t hsm_early_polls;

/*
 * Where hart_start sends vCPU 1: KVM resets it first, so it runs with
 * satp = 0 at a guest physical address, and has only a0 (its hart id)
 * and a1 (hart_start's opaque: hsm_seen_gpa).  Position independent
 * code, then, which touches memory through a1 only.
 */
extern char hsm_target[], hsm_exit[];
asm(
"	.pushsection .text\n"
"	.balign 64\n"
"	.global hsm_target\n"
"hsm_target:\n"
"	sd	a0, 8(a1)\n"			/* hsm_seen.hartid */
"	ld	t0, 0(a1)\n"
"	addi	t0, t0, 1\n"
"	sd	t0, 0(a1)\n"			/* hsm_seen.runs++ */
"	li	a6, " __stringify(SBI_EXT_HSM_HART_STOP) "\n"
"	li	a7, " __stringify(SBI_EXT_HSM) "\n"
"	ecall\n"
	/* hart_stop returned: an error, in a0, for the host. */
"	li	a6, " __stringify(HSM_FAIL_FID) "\n"
"	j	1f\n"
"	.global hsm_exit\n"
"hsm_exit:\n"
"	li	a6, " __stringify(HSM_EXIT_FID) "\n"
"1:	li	a7, " __stringify(KVM_RISCV_SELFTESTS_SBI_EXT) "\n"
"	ecall\n"
"2:	j	2b\n"
"	.popsection\n");

static void guest_hsm_start(vm_paddr_t pc, vm_paddr_t opaque)
{
	struct sbiret r;

	r = sbi_ecall(SBI_EXT_HSM, SBI_EXT_HSM_HART_START, 1, pc, opaque, 0, 0, 0);
	__GUEST_ASSERT(!r.error, "hart_start failed: %ld", r.error);
}

static void guest_wait_stopped(void)
{
	uint64_t n;

	for (n = 0; GUEST_SBI_OK(SBI_EXT_HSM, SBI_EXT_HSM_HART_STATUS, 1, 0) !=
		    SBI_HSM_STATE_STOPPED; n++)
		__GUEST_ASSERT(n < POLL_LIMIT, "vCPU 1 still not stopped after %lu polls", n);
	hsm_early_polls += n;
}

static void guest_hsm(void)
{
	uint64_t i;

	GUEST_SYNC(READY);
	for (i = 1; i <= HSM_WARM + HSM_OPS; i++) {
		guest_hsm_start(hsm_target_gpa, hsm_seen_gpa);
		guest_wait_stopped();
		/* vCPU 1 did run, once more, as hart 1. */
		GUEST_ASSERT_EQ(hsm_seen.runs, i);
		GUEST_ASSERT_EQ(hsm_seen.hartid, 1);
		if (i == HSM_WARM)
			GUEST_SYNC(WARMED);
	}
	GUEST_SYNC(TIMED);
	guest_hsm_start(hsm_exit_gpa, 0);
	GUEST_SYNC(hsm_early_polls);
	GUEST_DONE();
}

/* Two CPUs or more: each vCPU's thread on its own CPU, 0 and 1. */
static bool two_cpus;

static void pin_to_cpu(pthread_t thread, int cpu)
{
	cpu_set_t set;
	int r;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	r = pthread_setaffinity_np(thread, sizeof(set), &set);
	TEST_ASSERT(!r, "pinning a vCPU thread to CPU %d: %s", cpu, strerror(r));
}

static void *ipi_responder(void *arg)
{
	if (two_cpus)
		pin_to_cpu(pthread_self(), 1);
	rkvm_run_to_done(arg);
	return NULL;
}

/* vCPU 1 stays in KVM_RUN while stopped, until it reaches hsm_exit. */
static void *hsm_vcpu1(void *arg)
{
	struct kvm_vcpu *vcpu = arg;
	struct kvm_run *run = vcpu->run;

	vcpu_run(vcpu);
	TEST_ASSERT(run->exit_reason == KVM_EXIT_RISCV_SBI &&
		    run->riscv_sbi.extension_id == KVM_RISCV_SELFTESTS_SBI_EXT,
		    "vCPU 1: exit %s, want its final SBI call",
		    exit_reason_str(run->exit_reason));
	TEST_ASSERT(run->riscv_sbi.function_id == HSM_EXIT_FID,
		    "vCPU 1: SBI function %lu (%lu: hart_stop failed with %ld)",
		    run->riscv_sbi.function_id, (unsigned long)HSM_FAIL_FID,
		    (long)run->riscv_sbi.args[0]);
	return NULL;
}

/* Runs vCPU 0 through the phases; vCPU 1 runs in @thread meanwhile. */
static void run_phases(const char *measure, struct kvm_vcpu *vcpu, uint64_t ops)
{
	uint64_t t0;

	rkvm_run_to_sync(vcpu, READY);
	rkvm_run_to_sync(vcpu, WARMED);
	t0 = bench_now_ns();
	rkvm_run_to_sync(vcpu, TIMED);
	bench_report(measure, bench_now_ns() - t0, ops);
}

static void bench_ipi(void)
{
	struct kvm_vcpu *vcpus[2];
	struct kvm_vm *vm;
	pthread_t thread;

	vm = vm_create_with_vcpus(2, guest_ipi, vcpus);
	if (two_cpus)
		vm_enable_cap(vm, KVM_CAP_HALT_POLL, 0);
	pthread_create(&thread, NULL, ipi_responder, vcpus[1]);
	run_phases(two_cpus ? "ipi_2cpu" : "ipi", vcpus[0], 2 * IPI_ROUNDS);
	rkvm_run_to_done(vcpus[0]);
	pthread_join(thread, NULL);
	kvm_vm_free(vm);
}

static void bench_hsm(void)
{
	struct kvm_mp_state stopped = { .mp_state = KVM_MP_STATE_STOPPED };
	struct sched_param fifo = { .sched_priority = 1 };
	struct kvm_vcpu *vcpus[2];
	pthread_attr_t attr;
	struct kvm_vm *vm;
	pthread_t thread;
	struct ucall uc;
	int r;

	vm = vm_create_with_vcpus(2, guest_hsm, vcpus);
	/* The library makes every vCPU runnable; hart_start wants it stopped. */
	vcpu_mp_state_set(vcpus[1], &stopped);
	hsm_target_gpa = addr_gva2gpa(vm, (vm_vaddr_t)hsm_target);
	hsm_exit_gpa = addr_gva2gpa(vm, (vm_vaddr_t)hsm_exit);
	hsm_seen_gpa = addr_gva2gpa(vm, (vm_vaddr_t)&hsm_seen);
	sync_global_to_guest(vm, hsm_target_gpa);
	sync_global_to_guest(vm, hsm_exit_gpa);
	sync_global_to_guest(vm, hsm_seen_gpa);

	pthread_attr_init(&attr);
	pthread_attr_setinheritsched(&attr, PTHREAD_EXPLICIT_SCHED);
	pthread_attr_setschedpolicy(&attr, SCHED_FIFO);
	pthread_attr_setschedparam(&attr, &fifo);
	r = pthread_create(&thread, &attr, hsm_vcpu1, vcpus[1]);
	TEST_ASSERT(!r, "pthread_create(SCHED_FIFO): %s", strerror(r));
	pthread_attr_destroy(&attr);

	run_phases("hsm_start", vcpus[0], HSM_OPS);
	vcpu_run(vcpus[0]);
	rkvm_expect_ucall(vcpus[0], UCALL_SYNC, &uc);
	printf("INFO hsm_start %lu polls of %u cycles found vCPU 1 not yet stopped\n",
	       uc.args[1], HSM_WARM + HSM_OPS);
	rkvm_run_to_done(vcpus[0]);
	pthread_join(thread, NULL);
	kvm_vm_free(vm);
}

int main(void)
{
	cpu_set_t online;

	TEST_ASSERT(!sched_getaffinity(0, sizeof(online), &online), "sched_getaffinity");
	two_cpus = CPU_ISSET(0, &online) && CPU_ISSET(1, &online);
	if (two_cpus)
		pin_to_cpu(pthread_self(), 0);
	bench_ipi();
	if (two_cpus)
		printf("INFO hsm_start not measured with two CPUs (see smp_costs.c)\n");
	else
		bench_hsm();
	return 0;
}
