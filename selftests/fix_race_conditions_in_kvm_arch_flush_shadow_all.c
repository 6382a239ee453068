// SPDX-License-Identifier: GPL-2.0
/*
 * fix_race_conditions_in_kvm_arch_flush_shadow_all: the MMU notifier's
 * unmap and release racing the teardown of the VM.
 *
 * Upstream series "KVM: Fix race conditions in kvm_arch_flush_shadow_all()"
 * (James Houghton, posted May 2026 on 7.1-rc2; its patch 4, "KVM: Hold
 * MMU lock exclusively when calling kvm_arch_flush_shadow_all()", is the
 * one that touches arch/riscv/kvm): when the process that made the VM
 * exits (exit_mm()) while another one drops the VM's last reference, both
 * call the MMU notifier's release, so kvm_arch_flush_shadow_all() runs
 * twice at once with only the two srcu read locks held.  arm64 freed a
 * page cache twice.
 * RISC-V was safe: the C backend takes kvm->mmu_lock inside it, and so
 * does this one (vm.rs, unmap_and_flush()); the root table is only freed
 * by kvm_arch_destroy_vm(), after the notifier is gone.
 *
 * Round after round, with G-stage mappings made by the guest touching
 * every page of a memslot:
 *  - exit_mm against the last close (the series' reproducer): process P1
 *    makes the VM, forks P2, closes its descriptors and exits while P2
 *    closes the last ones;
 *  - unmap against the close: one thread madvise(DONTNEED)s the memslot's
 *    memory over and over (odd rounds: munmap()s it) while the VM is
 *    freed.
 * Nothing to assert but that every process ends well: the failures are
 * oopses and KASAN/lockdep reports, which the harness counts.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "kvm_util.h"
#include "processor.h"
#include "test_util.h"
#include "ucall_common.h"
#include "rkvm_util.h"

#define ROUNDS		16
#define DATA_SLOT	1
#define DATA_GPA	(3UL << 30)
#define DATA_GVA	(1UL << 32)
#define DATA_PAGES	32
#define PAGE_SZ		4096UL
#define DATA_SIZE	(DATA_PAGES * PAGE_SZ)

/* Shared with the child processes. */
static pthread_barrier_t *barrier;

static void guest_code(void)
{
	uint64_t i;

	for (i = 0; i < DATA_PAGES; i++)
		WRITE_ONCE(*(uint64_t *)(DATA_GVA + i * PAGE_SZ), i);
	GUEST_DONE();
}

static void *map_data(void)
{
	void *p = mmap(NULL, DATA_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	TEST_ASSERT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	return p;
}

/* A VM whose G-stage maps every page of @mem, at DATA_GPA. */
static struct kvm_vm *touched_vm(struct kvm_vcpu **vcpu, void *mem)
{
	struct kvm_vm *vm = vm_create_with_one_vcpu(vcpu, guest_code);

	vm_set_user_memory_region(vm, DATA_SLOT, 0, DATA_GPA, DATA_SIZE, mem);
	virt_map(vm, DATA_GVA, DATA_GPA, DATA_PAGES);
	rkvm_run_to_done(*vcpu);
	return vm;
}

static void barrier_init(void)
{
	pthread_barrierattr_t attr;

	TEST_ASSERT(!pthread_barrierattr_init(&attr) &&
		    !pthread_barrierattr_setpshared(&attr, PTHREAD_PROCESS_SHARED) &&
		    !pthread_barrier_init(barrier, &attr, 2), "barrier");
}

static void close_fds(void)
{
	int fd;

	for (fd = 3; fd < 1024; fd++)
		close(fd);
}

/* P1 (never returns): the VM's mm, exiting while P2 drops the VM. */
static void vm_owner(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = touched_vm(&vcpu, map_data());
	int sz = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, NULL);
	pid_t pid;

	/* A mapping of kvm_run holds the vCPU, which holds the VM. */
	TEST_ASSERT(sz > 0 && !munmap(vcpu->run, sz), "unmap kvm_run");
	fflush(stdout);
	pid = fork();
	TEST_ASSERT(pid >= 0, "fork: %s", strerror(errno));
	if (pid) {
		/* P1: let P2 hold the last references, then exit_mm(). */
		close_fds();
		pthread_barrier_wait(barrier);
		_exit(0);
	}
	/* P2: drop the last references: kvm_destroy_vm(). */
	pthread_barrier_wait(barrier);
	close_fds();
	_exit(0);
}

static void exit_mm_against_last_close(void)
{
	int i, status;
	pid_t pid;

	barrier_init();
	/* What a child's failure flushes must not repeat ours. */
	fflush(stdout);
	pid = fork();
	TEST_ASSERT(pid >= 0, "fork: %s", strerror(errno));
	if (!pid)
		vm_owner();
	/* P1, then P2 (reparented to this subreaper), or the other way. */
	for (i = 0; i < 2; i++) {
		pid = wait(&status);
		TEST_ASSERT(pid > 0, "wait: %s", strerror(errno));
		TEST_ASSERT(WIFEXITED(status) && !WEXITSTATUS(status),
			    "process %d ended with status %#x", pid, status);
	}
	pthread_barrier_destroy(barrier);
}

static void *zap_mem;
static volatile bool vm_freed;

/* Unmaps the VM's memory (@arg != NULL: once, with munmap()) until freed. */
static void *zap(void *arg)
{
	unsigned long n = 0;

	pthread_barrier_wait(barrier);
	if (arg) {
		TEST_ASSERT(!munmap(zap_mem, DATA_SIZE), "munmap: %s", strerror(errno));
		return NULL;
	}
	do {
		TEST_ASSERT(!madvise(zap_mem, DATA_SIZE, MADV_DONTNEED),
			    "madvise: %s", strerror(errno));
		n++;
	} while (!vm_freed);
	return (void *)n;
}

static void unmap_against_close(bool unmap)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	pthread_t thread;

	zap_mem = map_data();
	vm = touched_vm(&vcpu, zap_mem);
	vm_freed = false;
	barrier_init();
	TEST_ASSERT(!pthread_create(&thread, NULL, zap, unmap ? zap_mem : NULL), "thread");
	pthread_barrier_wait(barrier);
	kvm_vm_free(vm);
	vm_freed = true;
	TEST_ASSERT(!pthread_join(thread, NULL), "join");
	pthread_barrier_destroy(barrier);
	if (!unmap)
		munmap(zap_mem, DATA_SIZE);
}

int main(void)
{
	int r;

	ksft_print_header();
	ksft_set_plan(2);

	barrier = mmap(NULL, sizeof(*barrier), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	TEST_ASSERT(barrier != MAP_FAILED, "mmap: %s", strerror(errno));
	TEST_ASSERT(!prctl(PR_SET_CHILD_SUBREAPER, 1), "subreaper: %s", strerror(errno));

	for (r = 0; r < ROUNDS; r++)
		exit_mm_against_last_close();
	ksft_test_result_pass("%d rounds: the VM's mm exits as its last reference goes\n",
			      ROUNDS);

	for (r = 0; r < ROUNDS; r++)
		unmap_against_close(r & 1);
	ksft_test_result_pass("%d rounds: madvise(DONTNEED) and munmap() as the VM is freed\n",
			      ROUNDS);
	ksft_finished();
}
