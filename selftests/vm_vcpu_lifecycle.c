// SPDX-License-Identifier: GPL-2.0
/*
 * vm_vcpu_lifecycle: what a RISC-V KVM backend must answer before any
 * guest runs: KVM_CHECK_EXTENSION, VM and vCPU creation and destruction,
 * vCPU power state, KVM_RUN's immediate exit, memslots beyond the
 * guest-physical space, and the errnos of ioctls it does not implement.
 *
 * Every expectation is the upstream C backend's behaviour; `make test
 * KVM_BACKEND=upstream` runs this same binary against it.
 */
#include <errno.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kvm_util.h"
#include "test_util.h"

#define KVM_MAX_VCPUS_RISCV	1024

static void test_check_extension(void)
{
	int gpa_bits = kvm_check_cap(KVM_CAP_VM_GPA_BITS);
	long online = sysconf(_SC_NPROCESSORS_ONLN);

	TEST_ASSERT(gpa_bits == 41 || gpa_bits == 50 || gpa_bits == 59,
		    "KVM_CAP_VM_GPA_BITS is %d, not one of Sv39x4/Sv48x4/Sv57x4",
		    gpa_bits);
	TEST_ASSERT_EQ(kvm_check_cap(KVM_CAP_MAX_VCPUS), KVM_MAX_VCPUS_RISCV);
	TEST_ASSERT_EQ(kvm_check_cap(KVM_CAP_NR_VCPUS),
		       online < KVM_MAX_VCPUS_RISCV ? online : KVM_MAX_VCPUS_RISCV);
	TEST_ASSERT_EQ(kvm_check_cap(KVM_CAP_IMMEDIATE_EXIT), 1);
	TEST_ASSERT_EQ(kvm_check_cap(KVM_CAP_MP_STATE), 1);
	TEST_ASSERT_EQ(kvm_check_cap(KVM_CAP_USER_MEMORY), 1);
	TEST_ASSERT_EQ(kvm_check_cap(KVM_CAP_SYNC_MMU), 1);
	TEST_ASSERT_EQ(kvm_check_cap(KVM_CAP_DESTROY_MEMORY_REGION_WORKS), 1);
	TEST_ASSERT_EQ(kvm_check_cap(KVM_CAP_ONE_REG), 1);
	TEST_ASSERT_EQ(kvm_check_cap(KVM_CAP_READONLY_MEM), 1);
	TEST_ASSERT_EQ(kvm_check_cap(KVM_CAP_IOEVENTFD), 1);
	TEST_ASSERT_EQ(kvm_check_cap(KVM_CAP_SET_GUEST_DEBUG), 1);
	TEST_ASSERT(kvm_check_cap(KVM_CAP_NR_MEMSLOTS) >= 32,
		    "too few memslots: %d", kvm_check_cap(KVM_CAP_NR_MEMSLOTS));
	/* x86-only and unknown capabilities. */
	TEST_ASSERT_EQ(kvm_check_cap(KVM_CAP_X86_DISABLE_EXITS), 0);
	TEST_ASSERT_EQ(kvm_check_cap(0x7fffffff), 0);
}

static void test_vcpu_ids(void)
{
	struct kvm_vm *vm = vm_create_barebones();
	int max_id = kvm_check_cap(KVM_CAP_MAX_VCPU_ID);
	int r;

	/* RISC-V leaves KVM_CAP_MAX_VCPU_ID unanswered: ids end at MAX_VCPUS. */
	if (!max_id)
		max_id = kvm_check_cap(KVM_CAP_MAX_VCPUS);

	r = __vm_ioctl(vm, KVM_CREATE_VCPU, (void *)(long)max_id);
	TEST_ASSERT(r == -1 && errno == EINVAL,
		    "vCPU id %d: got %d errno %d, want EINVAL", max_id, r, errno);
	r = __vm_ioctl(vm, KVM_CREATE_VCPU, (void *)-1L);
	TEST_ASSERT(r == -1 && errno == EINVAL, "vCPU id -1 accepted");

	__vm_vcpu_add(vm, 3);
	r = __vm_ioctl(vm, KVM_CREATE_VCPU, (void *)3L);
	TEST_ASSERT(r == -1 && errno == EEXIST,
		    "duplicate vCPU id: got %d errno %d, want EEXIST", r, errno);
	__vm_vcpu_add(vm, max_id - 1);
	kvm_vm_free(vm);
}

static uint32_t get_mp_state(struct kvm_vcpu *vcpu)
{
	struct kvm_mp_state s = { .mp_state = 0xdead };

	vcpu_ioctl(vcpu, KVM_GET_MP_STATE, &s);
	return s.mp_state;
}

static int set_mp_state(struct kvm_vcpu *vcpu, uint32_t state)
{
	struct kvm_mp_state s = { .mp_state = state };

	return __vcpu_ioctl(vcpu, KVM_SET_MP_STATE, &s);
}

static void test_mp_state(void)
{
	struct kvm_vm *vm = vm_create_barebones();
	struct kvm_vcpu *boot = __vm_vcpu_add(vm, 0);
	struct kvm_vcpu *second = __vm_vcpu_add(vm, 1);

	/* vCPU 0 is the boot hart; the others wait for SBI HSM. */
	TEST_ASSERT_EQ(get_mp_state(boot), KVM_MP_STATE_RUNNABLE);
	TEST_ASSERT_EQ(get_mp_state(second), KVM_MP_STATE_STOPPED);

	TEST_ASSERT_EQ(set_mp_state(second, KVM_MP_STATE_RUNNABLE), 0);
	TEST_ASSERT_EQ(get_mp_state(second), KVM_MP_STATE_RUNNABLE);
	TEST_ASSERT_EQ(set_mp_state(boot, KVM_MP_STATE_STOPPED), 0);
	TEST_ASSERT_EQ(get_mp_state(boot), KVM_MP_STATE_STOPPED);

	/* Only RUNNABLE and STOPPED exist on RISC-V. */
	TEST_ASSERT(set_mp_state(boot, KVM_MP_STATE_HALTED) == -1 && errno == EINVAL,
		    "KVM_MP_STATE_HALTED accepted");
	TEST_ASSERT(set_mp_state(boot, 0x1234) == -1 && errno == EINVAL,
		    "bogus mp_state accepted");
	TEST_ASSERT_EQ(get_mp_state(boot), KVM_MP_STATE_STOPPED);
	kvm_vm_free(vm);
}

static void test_immediate_exit(void)
{
	struct kvm_vm *vm = vm_create_barebones();
	struct kvm_vcpu *vcpu = __vm_vcpu_add(vm, 0);
	int r;

	vcpu->run->immediate_exit = 1;
	r = __vcpu_run(vcpu);
	TEST_ASSERT(r == -1 && errno == EINTR,
		    "KVM_RUN with immediate_exit: got %d errno %d, want EINTR", r, errno);
	kvm_vm_free(vm);
}

static void test_unimplemented_ioctls(void)
{
	struct kvm_vm *vm = vm_create_barebones();
	struct kvm_vcpu *vcpu = __vm_vcpu_add(vm, 0);
	struct kvm_translation tr = {};
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_fpu fpu;

	/* RISC-V has ONE_REG instead of the legacy register ioctls. */
	TEST_ASSERT(__vcpu_ioctl(vcpu, KVM_GET_REGS, &regs) == -1 && errno == EINVAL,
		    "KVM_GET_REGS: errno %d", errno);
	TEST_ASSERT(__vcpu_ioctl(vcpu, KVM_SET_REGS, &regs) == -1 && errno == EINVAL,
		    "KVM_SET_REGS: errno %d", errno);
	TEST_ASSERT(__vcpu_ioctl(vcpu, KVM_GET_SREGS, &sregs) == -1 && errno == EINVAL,
		    "KVM_GET_SREGS: errno %d", errno);
	TEST_ASSERT(__vcpu_ioctl(vcpu, KVM_GET_FPU, &fpu) == -1 && errno == EINVAL,
		    "KVM_GET_FPU: errno %d", errno);
	TEST_ASSERT(__vcpu_ioctl(vcpu, KVM_TRANSLATE, &tr) == -1 && errno == EINVAL,
		    "KVM_TRANSLATE: errno %d", errno);

	/* Unknown ioctls on each kind of fd. */
	TEST_ASSERT(__vcpu_ioctl(vcpu, _IO(KVMIO, 0xfe), NULL) == -1 && errno == EINVAL,
		    "unknown vCPU ioctl: errno %d", errno);
	TEST_ASSERT(__vm_ioctl(vm, _IO(KVMIO, 0xfe), NULL) == -1 && errno == EINVAL,
		    "unknown VM ioctl: errno %d", errno);
	TEST_ASSERT(ioctl(vm->kvm_fd, _IO(KVMIO, 0xfe), NULL) == -1 && errno == EINVAL,
		    "unknown /dev/kvm ioctl: errno %d", errno);
	kvm_vm_free(vm);
}

static void test_memslot_bounds(void)
{
	struct kvm_vm *vm = vm_create_barebones();
	uint64_t top = 1ull << kvm_check_cap(KVM_CAP_VM_GPA_BITS);
	size_t size = getpagesize();
	void *mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int r;

	TEST_ASSERT(mem != MAP_FAILED, "mmap failed");
	/* The last page of the guest-physical space is never mappable. */
	r = __vm_set_user_memory_region(vm, 0, 0, top - size, size, mem);
	TEST_ASSERT(r == -1 && errno == EFAULT,
		    "memslot at the top page: got %d errno %d, want EFAULT", r, errno);
	r = __vm_set_user_memory_region(vm, 0, 0, top, size, mem);
	TEST_ASSERT(r == -1 && errno == EFAULT,
		    "memslot above the space: got %d errno %d, want EFAULT", r, errno);
	r = __vm_set_user_memory_region(vm, 0, 0, top - 2 * size, size, mem);
	TEST_ASSERT(r == 0, "memslot just below the top page: errno %d", errno);
	/* Deleting it is always allowed. */
	r = __vm_set_user_memory_region(vm, 0, 0, top - 2 * size, 0, mem);
	TEST_ASSERT(r == 0, "deleting the memslot: errno %d", errno);

	/* A writable slot over read-only memory is refused; a read-only one is fine. */
	TEST_ASSERT(!mprotect(mem, size, PROT_READ), "mprotect failed");
	r = __vm_set_user_memory_region(vm, 1, 0, 0x100000, size, mem);
	TEST_ASSERT(r == -1 && errno == EPERM,
		    "writable slot over a read-only VMA: got %d errno %d, want EPERM", r, errno);
	r = __vm_set_user_memory_region(vm, 1, KVM_MEM_READONLY, 0x100000, size, mem);
	TEST_ASSERT(r == 0, "read-only slot over a read-only VMA: errno %d", errno);
	kvm_vm_free(vm);
	munmap(mem, size);
}

static void test_many_vms(void)
{
	int i, j;

	/* VM teardown must return the G-stage root and every vCPU. */
	for (i = 0; i < 64; i++) {
		struct kvm_vm *vm = vm_create_barebones_type(i % 2);

		for (j = 0; j < 4; j++)
			__vm_vcpu_add(vm, j);
		kvm_vm_free(vm);
	}
}

static const struct {
	const char *name;
	void (*fn)(void);
} tests[] = {
	{ "check_extension", test_check_extension },
	{ "vcpu_ids", test_vcpu_ids },
	{ "mp_state", test_mp_state },
	{ "immediate_exit", test_immediate_exit },
	{ "unimplemented_ioctls", test_unimplemented_ioctls },
	{ "memslot_bounds", test_memslot_bounds },
	{ "many_vms", test_many_vms },
};

int main(void)
{
	int i;

	ksft_print_header();
	ksft_set_plan(ARRAY_SIZE(tests));
	for (i = 0; i < ARRAY_SIZE(tests); i++) {
		tests[i].fn();
		ksft_test_result_pass("%s\n", tests[i].name);
	}
	ksft_finished();
}
