// SPDX-License-Identifier: GPL-2.0
/*
 * vector_isolation: the guest's vector registers and the host's stay
 * apart, whatever the kernel does with the vector unit in between.
 *
 * 1. The kernel copies to and from user memory with vector instructions
 *    once a copy reaches CONFIG_RISCV_ISA_V_UCOPY_THRESHOLD (768 bytes by
 *    default) on a CPU with V (enter_vector_usercopy(),
 *    kernel_vector_begin()). What kernel_vector_begin() saves first is
 *    the task's own user state, not the guest's, so a backend that keeps
 *    the guest's registers on the CPU from load to put, as upstream 6.12
 *    does, sends the guest back with the copy's leftovers in v0..v7, vl
 *    and vtype when it copies that much while loaded. The SBI PMU
 *    snapshot calls copy a 4 KiB page. The guest turns VS on, loads
 *    v0..v31 with a pattern and sets vl and vtype, then makes the calls
 *    that move the page: SNAPSHOT_SET_SHMEM (the page is cleared), and
 *    twice COUNTER_START with INIT_SNAPSHOT (read) and COUNTER_STOP with
 *    TAKE_SNAPSHOT (written). After each it stores its 32 registers and
 *    checks every byte and vl/vtype.
 * 2. The VMM's task gets none of the guest's registers as its own: it
 *    loads a pattern of its own, makes KVM_RUN as a raw system call in
 *    the same asm block, the guest loads its pattern and exits, and the
 *    task stores its registers right after the call. By the ABI a system
 *    call leaves them unspecified (6.12 fills them with ones), but none
 *    may hold the guest's.
 *
 * Skips when the vCPU lacks V or the SBI PMU.
 */
#include <stdint.h>
#include <sys/syscall.h>

#include "kvm_util.h"
#include "processor.h"
#include "sbi.h"
#include "test_util.h"
#include "ucall_common.h"
#include "rkvm_util.h"
#include "rkvm_vector.h"


/* vtype e32, m1, tu, mu, and an AVL that fits any VLEN >= 128. */
#define VTYPE_GUEST	0x10UL
#define VL_GUEST	3UL

/* A page of its own for the snapshot area, identity mapped. */
#define SNAPSHOT_GPA	(1UL << 30)

/* What the guest checks after, one step per SBI call. */
enum step {
	STEP_SET_SHMEM = 1,
	STEP_START_SNAPSHOT,
	STEP_STOP_SNAPSHOT,
	STEP_START_SNAPSHOT_AGAIN,
	STEP_STOP_SNAPSHOT_AGAIN,
};

static uint8_t guest_in[NR_VREGS * MAX_VLENB];
static uint8_t guest_out[NR_VREGS * MAX_VLENB];

static inline uint8_t guest_byte(int reg, int i)
{
	return 0x3d + reg * 9 + i * 7;
}

/* Turns VS on and fills guest_in with the guest's pattern; vlenb. */
static unsigned long guest_vector_on(void)
{
	unsigned long vlenb;
	int r, i;

	/* vsstatus.VS starts Off. */
	csr_set(CSR_SSTATUS, SR_VS_INITIAL);
	vlenb = rkvm_csr_vlenb();
	__GUEST_ASSERT(vlenb <= MAX_VLENB, "vlenb %lu > %d", vlenb, MAX_VLENB);
	for (r = 0; r < NR_VREGS; r++)
		for (i = 0; i < vlenb; i++)
			guest_in[r * vlenb + i] = guest_byte(r, i);
	return vlenb;
}

/*
 * Stores v0..v31 to guest_out and checks them against guest_in, and vl
 * and vtype against what the guest set; then puts vl and vtype back, as
 * the stores change them.
 */
static void guest_check(enum step step, unsigned long vlenb)
{
	unsigned long vl, vtype, base = (unsigned long)guest_out;
	int r, i;

	asm volatile(".option push\n\t.option arch, +v\n\t"
		     "csrr %0, vl\n\tcsrr %1, vtype\n\t"
		     ".option pop" : "=r" (vl), "=r" (vtype));
	asm volatile(VREGS_OP("vse8.v", "%0")
		     ".option push\n\t.option arch, +v\n\t"
		     "vsetvl x0, %1, %2\n\t"
		     ".option pop"
		     : "+r" (base) : "r" (vl), "r" (vtype) : "t0", "memory");

	__GUEST_ASSERT(vl == VL_GUEST && vtype == VTYPE_GUEST,
		       "step %d: vl %lu vtype %#lx, want %lu %#lx",
		       step, vl, vtype, VL_GUEST, VTYPE_GUEST);
	for (r = 0; r < NR_VREGS; r++)
		for (i = 0; i < vlenb; i++)
			__GUEST_ASSERT(guest_out[r * vlenb + i] == guest_in[r * vlenb + i],
				       "step %d: v%d byte %d is %#x, want %#x", step, r, i,
				       guest_out[r * vlenb + i], guest_in[r * vlenb + i]);
}

static void guest_pmu(unsigned long fid, unsigned long a0, unsigned long a1,
		      unsigned long a2, unsigned long a3, struct sbiret *ret)
{
	*ret = sbi_ecall(SBI_EXT_PMU, fid, a0, a1, a2, a3, 0, 0);
	__GUEST_ASSERT(ret->error == 0, "SBI PMU call %lu: error %ld", fid, ret->error);
}

static void guest_code(void)
{
	unsigned long vlenb = guest_vector_on(), base, num, ctr;
	struct sbiret ret;

	guest_pmu(SBI_EXT_PMU_NUM_COUNTERS, 0, 0, 0, 0, &ret);
	num = ret.value;
	__GUEST_ASSERT(num > 0 && num < 64, "%lu counters", num);

	/* From here on the registers must keep these values. */
	base = (unsigned long)guest_in;
	asm volatile(VREGS_OP("vle8.v", "%0")
		     ".option push\n\t.option arch, +v\n\t"
		     "vsetvli x0, %1, e32, m1, tu, mu\n\t"
		     ".option pop"
		     : "+r" (base) : "r" (VL_GUEST) : "t0", "memory");

	guest_pmu(SBI_EXT_PMU_SNAPSHOT_SET_SHMEM, SNAPSHOT_GPA, 0, 0, 0, &ret);
	guest_check(STEP_SET_SHMEM, vlenb);

	guest_pmu(SBI_EXT_PMU_COUNTER_CFG_MATCH, 0, (1UL << num) - 1, 0,
		  SBI_PMU_HW_CPU_CYCLES, &ret);
	ctr = ret.value;
	guest_pmu(SBI_EXT_PMU_COUNTER_START, ctr, 1, SBI_PMU_START_FLAG_INIT_SNAPSHOT, 0, &ret);
	guest_check(STEP_START_SNAPSHOT, vlenb);
	guest_pmu(SBI_EXT_PMU_COUNTER_STOP, ctr, 1, SBI_PMU_STOP_FLAG_TAKE_SNAPSHOT, 0, &ret);
	guest_check(STEP_STOP_SNAPSHOT, vlenb);

	guest_pmu(SBI_EXT_PMU_COUNTER_START, ctr, 1, SBI_PMU_START_FLAG_INIT_SNAPSHOT, 0, &ret);
	guest_check(STEP_START_SNAPSHOT_AGAIN, vlenb);
	guest_pmu(SBI_EXT_PMU_COUNTER_STOP, ctr, 1,
		  SBI_PMU_STOP_FLAG_TAKE_SNAPSHOT | SBI_PMU_STOP_FLAG_RESET, 0, &ret);
	guest_check(STEP_STOP_SNAPSHOT_AGAIN, vlenb);

	GUEST_DONE();
}

/* Subtest 2: the guest loads its pattern and exits at once. */
static void guest_load_and_exit(void)
{
	unsigned long base = (unsigned long)guest_in;

	guest_vector_on();
	asm volatile(VREGS_OP("vle8.v", "%0") : "+r" (base) : : "t0", "memory");
	GUEST_DONE();
}

static inline uint8_t vmm_byte(int reg, int i)
{
	return 0xa1 - reg * 5 - i * 3;
}

/*
 * KVM_RUN on @fd with the task's registers loaded from @in just before and
 * stored to @out just after, in one asm block: no other system call, and
 * no compiler code, comes in between.
 */
static long run_raw(int fd, const uint8_t *in, uint8_t *out)
{
	register long a0 asm("a0") = fd;
	register long a1 asm("a1") = KVM_RUN;
	register long a2 asm("a2") = 0;
	register long a7 asm("a7") = __NR_ioctl;
	unsigned long base = (unsigned long)in;

	asm volatile(VREGS_OP("vle8.v", "%[base]")
		     "ecall\n\t"
		     "mv %[base], %[out]\n\t"
		     VREGS_OP("vse8.v", "%[base]")
		     : [base] "+&r" (base), "+r" (a0)
		     : "r" (a1), "r" (a2), "r" (a7), [out] "r" (out)
		     : "t0", "memory");
	return a0;
}

static void test_guest_copies(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;

	vm = vm_create_with_one_vcpu(&vcpu, guest_code);
	vm_userspace_mem_region_add(vm, VM_MEM_SRC_ANONYMOUS, SNAPSHOT_GPA, 1, 1, 0);
	virt_map(vm, SNAPSHOT_GPA, SNAPSHOT_GPA, 1);

	rkvm_run_to_done(vcpu);
	ksft_test_result_pass("the guest's v0-v31, vl and vtype survive the kernel's vector copies\n");
	kvm_vm_free(vm);
}

static void test_vmm_registers(void)
{
	static uint8_t in[NR_VREGS * MAX_VLENB], out[NR_VREGS * MAX_VLENB];
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	unsigned long vlenb;
	struct ucall uc;
	bool ok = true;
	int r, i;

	vm = vm_create_with_one_vcpu(&vcpu, guest_load_and_exit);
	vcpu_get_reg(vcpu, KVM_REG_RISCV | KVM_REG_SIZE_U64 | KVM_REG_RISCV_VECTOR |
		     KVM_REG_RISCV_VECTOR_CSR_REG(vlenb), &vlenb);
	TEST_ASSERT(vlenb && vlenb <= MAX_VLENB, "vlenb %lu", vlenb);
	for (r = 0; r < NR_VREGS; r++)
		for (i = 0; i < vlenb; i++)
			in[r * vlenb + i] = vmm_byte(r, i);

	TEST_ASSERT(!run_raw(vcpu->fd, in, out), "KVM_RUN");
	rkvm_expect_ucall(vcpu, UCALL_DONE, &uc);
	for (r = 0; r < NR_VREGS; r++) {
		bool guests = true;

		for (i = 0; i < vlenb; i++)
			guests &= out[r * vlenb + i] == guest_byte(r, i);
		if (guests) {
			ksft_print_msg("after KVM_RUN the task's v%d is the guest's\n", r);
			ok = false;
		}
	}
	ksft_test_result(ok, "the VMM's registers hold none of the guest's after KVM_RUN\n");
	kvm_vm_free(vm);
}

int main(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	bool has_v, has_pmu;

	ksft_print_header();

	vm = vm_create_with_one_vcpu(&vcpu, guest_code);
	has_v = __vcpu_has_isa_ext(vcpu, KVM_RISCV_ISA_EXT_V);
	has_pmu = __vcpu_has_sbi_ext(vcpu, KVM_RISCV_SBI_EXT_PMU);
	kvm_vm_free(vm);
	if (!has_v)
		ksft_exit_skip("the vCPU has no V extension\n");
	/* Not a pass without subtest 1: its copies are the point. */
	if (!has_pmu)
		ksft_exit_skip("the vCPU has no SBI PMU (for the snapshot copies)\n");
	ksft_set_plan(2);

	test_guest_copies();
	test_vmm_registers();
	ksft_finished();
}
