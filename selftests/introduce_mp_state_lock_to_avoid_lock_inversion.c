// SPDX-License-Identifier: GPL-2.0
/*
 * introduce_mp_state_lock_to_avoid_lock_inversion: SBI HSM hart_start
 * takes no lock that nests the wrong way under vcpu->mutex and kvm->srcu,
 * and a stopped vCPU holds neither while it waits to be started.
 *
 * Upstream 2121cadec45a ("RISCV: KVM: Introduce mp_state_lock to avoid
 * lock inversion", 6.10, so 6.12 has it): hart_start ran under the
 * caller's vcpu->mutex and kvm->srcu and took kvm->lock, the reverse of
 * Documentation/virt/kvm/locking.rst (kvm->lock is taken outside both;
 * KVM_CREATE_VCPU tells lockdep so by taking vcpu->mutex inside
 * kvm->lock). The fix guards the target's power state with a spinlock of
 * its own.
 *
 * vCPU 0 HSM-starts vCPU 1 STARTS times; vCPU 1 starts with translation
 * off at a few instructions that HSM-stop it at once, and at the last
 * start exit to userspace instead.  Meanwhile another thread adds and
 * deletes a memslot over and over (kvm->slots_lock, then
 * synchronize_srcu() on kvm->srcu, which waits for every vCPU's srcu read
 * section).  On a lockdep kernel (make test KVM_DEBUG=1) the old nesting
 * is reported at the first start; on any kernel a stopped vCPU that kept
 * kvm->srcu would hang the memslot thread, and the test with it.  Every
 * start must succeed once vCPU 1 has stopped again.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "kvm_util.h"
#include "processor.h"
#include "sbi.h"
#include "test_util.h"
#include "ucall_common.h"
#include "rkvm_util.h"

#define SBI_EXT_HSM		0x48534D
#define SBI_HSM_HART_START	0
/* In the experimental range, which KVM forwards to userspace. */
#define SBI_EXT_TEST_DONE	0x08000001

#define STARTS		300
/* Calls of vCPU 0 while vCPU 1 has not stopped yet, per start. */
#define MAX_TRIES	(1UL << 22)

#define EXTRA_SLOT	1
#define EXTRA_GPA	(3UL << 30)
#define EXTRA_SIZE	(64UL << 10)

/*
 * vCPU 1 after each start: a0 its hart id, a1 the opaque value, no stack
 * and no translation.  a1 == 0: hart_stop; else tell userspace it is done.
 */
asm(".pushsection .text\n"
    ".balign 64\n"
    ".global secondary_entry\n"
    "secondary_entry:\n"
    "	bnez	a1, 1f\n"
    "	li	a7, 0x48534d\n"
    "	li	a6, 1\n"
    "	ecall\n"
    "	j	secondary_entry\n"
    "1:	li	a7, 0x08000001\n"
    "	li	a6, 0\n"
    "	ecall\n"
    "	j	1b\n"
    ".popsection\n");
extern char secondary_entry[];

/* Guest-physical address of secondary_entry. */
static uint64_t secondary_gpa;

static void guest_boot(void)
{
	struct sbiret ret;
	unsigned long tries;
	int i;

	for (i = 0; i <= STARTS; i++) {
		for (tries = 0;; tries++) {
			ret = sbi_ecall(SBI_EXT_HSM, SBI_HSM_HART_START, 1,
					secondary_gpa, i == STARTS, 0, 0, 0);
			if (ret.error != SBI_ERR_ALREADY_AVAILABLE)
				break;
			__GUEST_ASSERT(tries < MAX_TRIES,
				       "vCPU 1 still running %lu calls after start %d", tries, i);
		}
		__GUEST_ASSERT(!ret.error, "start %d of vCPU 1: error %ld", i, ret.error);
	}
	GUEST_DONE();
}

static volatile bool stop_moving;
static unsigned long moves;
static void *extra;

/* Adds and deletes a memslot until told to stop, at least once. */
static void *move_memslots(void *arg)
{
	struct kvm_vm *vm = arg;
	struct kvm_userspace_memory_region r = {
		.slot = EXTRA_SLOT,
		.guest_phys_addr = EXTRA_GPA,
		.userspace_addr = (uintptr_t)extra,
	};

	while (!stop_moving || !moves) {
		r.memory_size = EXTRA_SIZE;
		TEST_ASSERT(!ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &r),
			    "add memslot: %s", strerror(errno));
		r.memory_size = 0;
		TEST_ASSERT(!ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &r),
			    "delete memslot: %s", strerror(errno));
		moves++;
	}
	return NULL;
}

static void *run_secondary(void *arg)
{
	struct kvm_vcpu *vcpu = arg;
	struct kvm_run *run = vcpu->run;

	/* Returns only once vCPU 1 is started with a1 != 0. */
	vcpu_run(vcpu);
	TEST_ASSERT(run->exit_reason == KVM_EXIT_RISCV_SBI &&
		    run->riscv_sbi.extension_id == SBI_EXT_TEST_DONE,
		    "vCPU 1: exit %s, SBI extension %#lx",
		    exit_reason_str(run->exit_reason),
		    (unsigned long)run->riscv_sbi.extension_id);
	return NULL;
}

int main(void)
{
	struct kvm_mp_state stopped = { .mp_state = KVM_MP_STATE_STOPPED };
	pthread_t secondary, mover;
	struct kvm_vcpu *vcpus[2];
	struct kvm_vm *vm;

	ksft_print_header();
	ksft_set_plan(1);

	vm = vm_create_with_vcpus(2, guest_boot, vcpus);
	secondary_gpa = addr_gva2gpa(vm, (vm_vaddr_t)secondary_entry);
	sync_global_to_guest(vm, secondary_gpa);
	/* vCPU 1 waits for HSM, as a secondary hart does. */
	vcpu_mp_state_set(vcpus[1], &stopped);

	extra = mmap(NULL, EXTRA_SIZE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TEST_ASSERT(extra != MAP_FAILED, "mmap: %s", strerror(errno));

	TEST_ASSERT(!pthread_create(&mover, NULL, move_memslots, vm), "memslot thread");
	TEST_ASSERT(!pthread_create(&secondary, NULL, run_secondary, vcpus[1]),
		    "vCPU 1 thread");
	rkvm_run_to_done(vcpus[0]);
	TEST_ASSERT(!pthread_join(secondary, NULL), "join vCPU 1");
	stop_moving = true;
	TEST_ASSERT(!pthread_join(mover, NULL), "join the memslot thread");

	ksft_test_result_pass("%d HSM starts of a stopping vCPU, %lu memslot add/delete pairs\n",
			      STARTS + 1, moves);
	kvm_vm_free(vm);
	munmap(extra, EXTRA_SIZE);
	ksft_finished();
}
