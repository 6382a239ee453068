// SPDX-License-Identifier: GPL-2.0
/*
 * vs_csr_warl: no value userspace gives the guest's sstatus or satp
 * reaches the hart beyond what the privileged spec lets those registers
 * hold, so none can take the host down.
 *
 * KVM_SET_ONE_REG(sstatus) becomes the guest's vsstatus, and (satp) its
 * vsatp. Both are WARL, so a conforming hart keeps only their legal part.
 * QEMU does not: it stores every bit written to vsstatus and ORs all of
 * vsstatus into mstatus on each entry to V=1, where bits outside the
 * VS-level fields stay once the guest has exited. mstatus.TVM then makes
 * the host's next sfence.vma an illegal instruction (an Oops in
 * set_pte_range), TSR its next sret, TW its next wfi, and MPRV turns the
 * firmware's next trap into a fault on its own stack in M-mode, for good
 * (a hart gone silent: RCU stalls, then a silent host). A vsatp of a
 * reserved MODE makes QEMU 7.2's page walker assert when the guest
 * fetches. The upstream C backend writes both values as given.
 *
 * The test sets each such value on a vCPU that runs on every host CPU
 * in turn, enters the guest on each, then makes every CPU take page
 * faults, remote TLB flushes (SBI calls into the firmware), syscalls and
 * idle time, and checks that reading the registers back gives only their
 * legal part. Without the fix the emulated host dies here, which the
 * runner reports (a splat, or a boot that ends before RKVM-DONE).
 */
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kvm_util.h"
#include "processor.h"
#include "test_util.h"
#include "rkvm_util.h"

#define CSR_REG(name) RISCV_GENERAL_CSR_REG(name)

/* mstatus fields that are no part of vsstatus. */
#define MSTATUS_MIE	(1UL << 3)
#define MSTATUS_MPIE	(1UL << 7)
#define MSTATUS_MPP	(3UL << 11)
#define MSTATUS_MPRV	(1UL << 17)
#define MSTATUS_TVM	(1UL << 20)
#define MSTATUS_TW	(1UL << 21)
#define MSTATUS_TSR	(1UL << 22)
#define MSTATUS_SXL	(3UL << 34)
#define MSTATUS_MPV	(1UL << 39)

/* What vsstatus may hold (SIE SPIE SPP VS FS SUM MXR), and UXL. */
#define VSSTATUS_FIELDS	0x000c6722UL
#define UXL		(3UL << 32)
#define UXL_64		(2UL << 32)

#define SATP64_MODE_SHIFT	60

static unsigned long get(struct kvm_vcpu *vcpu, uint64_t id)
{
	unsigned long v;

	vcpu_get_reg(vcpu, id, &v);
	return v;
}

static void guest_code(void)
{
	for (;;)
		GUEST_SYNC(0);
}

static const unsigned long bad_sstatus[] = {
	MSTATUS_TVM, MSTATUS_TSR, MSTATUS_TW, MSTATUS_MPRV | MSTATUS_MPP,
	MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPV, MSTATUS_SXL, UXL, ~0UL,
	1UL << 6 /* UBE: read-only zero on a little-endian hart */,
};

static int ncpus;

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	TEST_ASSERT(!sched_setaffinity(0, sizeof(set), &set), "pin to CPU %d", cpu);
}

static atomic_int spinning;

/* Keeps the mm live on another CPU, so munmap() flushes it remotely. */
static void *spin(void *arg)
{
	pin((long)arg);
	atomic_fetch_add(&spinning, 1);
	while (atomic_load(&spinning) > 0)
		;
	return NULL;
}

/*
 * What the host does all the time, on every CPU: page faults (a fresh
 * PTE, sfence.vma), unmaps of memory another CPU uses (a remote fence,
 * through the firmware), syscalls (sret), and blocking (wfi in idle).
 */
static void exercise_host(void)
{
	pthread_t other;
	long cpu;

	for (cpu = 0; cpu < ncpus; cpu++) {
		size_t len = 64 * getpagesize();
		char *p;

		pin(cpu);
		atomic_store(&spinning, 0);
		TEST_ASSERT(!pthread_create(&other, NULL, spin, (void *)((cpu + 1) % ncpus)),
			    "pthread_create");
		while (atomic_load(&spinning) == 0)
			sched_yield();
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		TEST_ASSERT(p != MAP_FAILED, "mmap");
		for (size_t i = 0; i < len; i += getpagesize())
			p[i] = i;
		TEST_ASSERT(!munmap(p, len), "munmap");
		atomic_store(&spinning, -1);
		pthread_join(other, NULL);
	}
}

/* The host CPU to enter the guest on, or -1: each in turn. */
static int only_cpu = -1;

/* Enters the guest once on each host CPU (or on only_cpu). */
static void run_everywhere(struct kvm_vcpu *vcpu)
{
	for (int cpu = 0; cpu < ncpus; cpu++) {
		if (only_cpu >= 0 && cpu != only_cpu)
			continue;
		pin(cpu);
		rkvm_run_to_sync(vcpu, 0);
	}
}

/*
 * With an argument, only that sstatus value, to see what one field does
 * to a backend that lets it through: e.g. 0x20000 (MPRV) on the C one;
 * with a second, the guest runs on that host CPU only (the others keep
 * a clean mstatus, and see what became of it).
 */
int main(int argc, char *argv[])
{
	unsigned long one = argc > 1 ? strtoul(argv[1], NULL, 0) : 0;
	const unsigned long *values = argc > 1 ? &one : bad_sstatus;
	unsigned int i, n = argc > 1 ? 1 : ARRAY_SIZE(bad_sstatus);
	unsigned long v, set, satp, widest, mode;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;

	ncpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (argc > 2)
		only_cpu = atoi(argv[2]);
	vm = vm_create_with_one_vcpu(&vcpu, guest_code);

	for (i = 0; i < n; i++) {
		/* The guest's own state stays as the library set it. */
		unsigned long keep = get(vcpu, CSR_REG(sstatus));
		unsigned long want = (values[i] & VSSTATUS_FIELDS) |
				     ((values[i] & UXL) == UXL ? UXL_64 : values[i] & UXL);

		vcpu_set_reg(vcpu, CSR_REG(sstatus), values[i]);
		set = get(vcpu, CSR_REG(sstatus));
		/* The host first: whether it survives is the point. */
		run_everywhere(vcpu);
		exercise_host();
		TEST_ASSERT(set == want, "sstatus %#lx reads back as %#lx, want %#lx",
			    values[i], set, want);
		v = get(vcpu, CSR_REG(sstatus));
		TEST_ASSERT(!(v & ~(VSSTATUS_FIELDS | UXL | 3UL << 15 | 1UL << 63)),
			    "after a run sstatus is %#lx", v);
		vcpu_set_reg(vcpu, CSR_REG(sstatus), keep);
		pr_info("sstatus %#lx: the host survived, the guest has %#lx\n",
			values[i], v);
	}

	if (argc > 1)
		goto out;
	/*
	 * Every MODE but Bare and Sv39 up to the host's own (8..satp_mode)
	 * is one the hart does not have: its write must be ignored.
	 */
	satp = get(vcpu, CSR_REG(satp));
	widest = get(vcpu, RISCV_CONFIG_REG(satp_mode));
	for (mode = 1; mode < 16; mode++) {
		if (mode >= 8 && mode <= widest)
			continue;
		vcpu_set_reg(vcpu, CSR_REG(satp), mode << SATP64_MODE_SHIFT | 0x1234);
		v = get(vcpu, CSR_REG(satp));
		TEST_ASSERT(v == satp, "satp MODE %lu (the host has up to %lu): the "
			    "write took effect (%#lx, was %#lx)", mode, widest, v, satp);
		run_everywhere(vcpu);
	}
	pr_info("satp: writes of the MODEs the host lacks were ignored, the guest ran\n");

out:
	kvm_vm_free(vm);
	return 0;
}
