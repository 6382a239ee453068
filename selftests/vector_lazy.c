// SPDX-License-Identifier: GPL-2.0
/*
 * vector_lazy: the guest's vector state (v0..v31, vl, vtype, vcsr) must
 * survive a trip through userspace and the vCPU's task being switched out
 * for another task that uses vector on the same CPU, and
 * KVM_GET/SET_ONE_REG must see and change exactly that state.
 *
 * 1. The guest turns VS on, loads v0..v31 with a pattern of its own and
 *    sets vl, vtype and vcsr, then exits (GUEST_SYNC).  The host reads
 *    every register with KVM_GET_ONE_REG (vlenb bytes each; vlenb as the
 *    guest read it), changes a few registers and vcsr with
 *    KVM_SET_ONE_REG, and checks the refusals: vlenb keeps its value, a
 *    register of another size or a vlenb wider than unsigned long is
 *    EINVAL (upstream once copied that into a u64 on its stack), the datap
 *    slot and v32 are ENOENT.
 * 2. The guest, resumed, overwrites v16..v23 (so its state is dirty) and
 *    says so in guest memory; a second thread pinned to the vCPU's CPU
 *    waits for that, loads its own pattern into its vector registers and
 *    then writes a flag into guest memory, which the guest spins for: the
 *    thread can only run while the vCPU's task is switched out in the
 *    middle of the guest's run, the guest's state dirty.  The guest then
 *    stores all 32 registers and vl/vtype/vcsr and checks each: the ones
 *    the host set have the host's values, v16..v23 the new ones, the rest
 *    the guest's own; the thread checks that its registers were not
 *    touched either.
 *
 * Every expectation is the upstream C backend's behaviour, but the last
 * one on an ISA write, which this test does not make.  Skips when the
 * vCPU lacks V.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "kvm_util.h"
#include "processor.h"
#include "test_util.h"
#include "ucall_common.h"
#include "rkvm_util.h"
#include "rkvm_vector.h"



/* vtype e32, m1, tu, mu, and an AVL that fits any VLEN >= 128. */
#define VTYPE_GUEST	0x10UL
#define VL_GUEST	3UL
/* vcsr = vxrm << 1 | vxsat */
#define VCSR_GUEST	((2UL << 1) | 1)
#define VCSR_SET	(1UL << 1)

/* The guest registers the host changes with KVM_SET_ONE_REG. */
#define VREGS_SET	((1u << 1) | (1u << 9) | (1u << 24) | (1u << 31))
/* The guest registers the guest reloads after the host's changes. */
#define VREGS_RELOAD	(0xffu << 16)

#define VEC_CSR(name)	(KVM_REG_RISCV | KVM_REG_SIZE_U64 | KVM_REG_RISCV_VECTOR |	\
			 KVM_REG_RISCV_VECTOR_CSR_REG(name))
#define VEC_REG(i, size)	(KVM_REG_RISCV | (size) | KVM_REG_RISCV_VECTOR |	\
				 KVM_REG_RISCV_VECTOR_REG(i))

static inline uint8_t guest_byte(int reg, int i)
{
	return 0x11 + reg * 7 + i * 13;
}

static inline uint8_t set_byte(int reg, int i)
{
	return 0xc3 ^ (reg * 5 + i * 3);
}

static inline uint8_t reload_byte(int reg, int i)
{
	return 0x5e + reg * 11 + i;
}

static inline uint8_t thread_byte(int reg, int i)
{
	return 0xa7 - reg * 3 - i * 17;
}

static inline uint8_t final_byte(int reg, int i)
{
	if (VREGS_RELOAD & (1u << reg))
		return reload_byte(reg, i);
	if (VREGS_SET & (1u << reg))
		return set_byte(reg, i);
	return guest_byte(reg, i);
}

/* Guest memory: each VM has its own copy of these. */
static uint8_t guest_in[NR_VREGS * MAX_VLENB];
static uint8_t guest_reload[NR_VREGS * MAX_VLENB];
static uint8_t guest_out[NR_VREGS * MAX_VLENB];
static unsigned long guest_vlenb;
/* Read by the other thread through the host mapping. */
static volatile unsigned long guest_dirtied;
/* Written by the other thread through the host mapping. */
static volatile unsigned long thread_loaded;

static void guest_code(void)
{
	unsigned long vl, vtype, vcsr, vlenb, base;
	int r, i;

	/* vsstatus.VS starts Off: turn the vector unit on. */
	csr_set(CSR_SSTATUS, SR_VS_INITIAL);
	vlenb = rkvm_csr_vlenb();
	guest_vlenb = vlenb;
	__GUEST_ASSERT(vlenb <= MAX_VLENB, "vlenb %lu > %d", vlenb, MAX_VLENB);

	for (r = 0; r < NR_VREGS; r++) {
		for (i = 0; i < vlenb; i++) {
			guest_in[r * vlenb + i] = guest_byte(r, i);
			guest_reload[r * vlenb + i] = reload_byte(r, i);
		}
	}

	/* Phase 1: every register, then vl, vtype and vcsr. */
	base = (unsigned long)guest_in;
	asm volatile(VREGS_OP("vle8.v", "%0")
		     ".option push\n\t.option arch, +v\n\t"
		     "vsetvli x0, %1, e32, m1, tu, mu\n\t"
		     "csrw vcsr, %2\n\t"
		     ".option pop"
		     : "+r" (base) : "r" (VL_GUEST), "r" (VCSR_GUEST) : "t0", "memory");

	GUEST_SYNC(1);

	/* Phase 2: dirty the state, wait to have been switched out. */
	base = (unsigned long)guest_reload + 16 * vlenb;
	asm volatile(".option push\n\t.option arch, +v\n\t"
		     "csrr t1, vl\n\t"
		     "csrr t2, vtype\n\t"
		     "vsetvli t0, x0, e8, m8, ta, ma\n\t"
		     "vle8.v v16, (%0)\n\t"
		     "vsetvl x0, t1, t2\n\t"
		     ".option pop"
		     : : "r" (base) : "t0", "t1", "t2", "memory");
	guest_dirtied = 1;
	while (!thread_loaded)
		;

	/* vl and vtype first: the stores below change them. */
	asm volatile(".option push\n\t.option arch, +v\n\t"
		     "csrr %0, vl\n\tcsrr %1, vtype\n\tcsrr %2, vcsr\n\t"
		     ".option pop" : "=r" (vl), "=r" (vtype), "=r" (vcsr));
	base = (unsigned long)guest_out;
	asm volatile(VREGS_OP("vse8.v", "%0") : "+r" (base) : : "t0", "memory");

	__GUEST_ASSERT(vl == VL_GUEST && vtype == VTYPE_GUEST,
		       "vl %lu vtype %#lx, want %lu %#lx", vl, vtype, VL_GUEST, VTYPE_GUEST);
	__GUEST_ASSERT(vcsr == VCSR_SET, "vcsr %#lx, want %#lx (set with KVM_SET_ONE_REG)",
		       vcsr, VCSR_SET);
	for (r = 0; r < NR_VREGS; r++) {
		for (i = 0; i < vlenb; i++) {
			uint8_t got = guest_out[r * vlenb + i], want = final_byte(r, i);

			__GUEST_ASSERT(got == want, "after the switch v%d byte %d is %#x, want %#x",
				       r, i, got, want);
		}
	}
	GUEST_DONE();
}

/* The other thread: its own vector state, live while the guest's is. */
struct thread_arg {
	int cpu;
	unsigned long vlenb;
	volatile unsigned long *dirtied;	/* guest's guest_dirtied, host mapping */
	volatile unsigned long *loaded;	/* guest's thread_loaded, host mapping */
	atomic_int *guest_done;
	bool ok;
};

static void *vector_thread(void *p)
{
	static uint8_t in[NR_VREGS * MAX_VLENB], out[NR_VREGS * MAX_VLENB];
	struct thread_arg *a = p;
	unsigned long base;
	cpu_set_t set;
	int r, i;

	CPU_ZERO(&set);
	CPU_SET(a->cpu, &set);
	TEST_ASSERT(!sched_setaffinity(0, sizeof(set), &set), "pinning the thread");
	for (r = 0; r < NR_VREGS; r++)
		for (i = 0; i < a->vlenb; i++)
			in[r * a->vlenb + i] = thread_byte(r, i);
	/* Only once the guest's state is dirty: the CPU is shared. */
	while (!*a->dirtied)
		;

	/*
	 * One asm block from the load to the store: no system call in
	 * between (they discard vector state), only preemption.
	 */
	base = (unsigned long)in;
	asm volatile(VREGS_OP("vle8.v", "%[base]")
		     "li t1, 1\n\t"
		     "sd t1, 0(%[loaded])\n\t"
		     "1: lw t1, 0(%[done])\n\t"
		     "beqz t1, 1b\n\t"
		     "mv %[base], %[out]\n\t"
		     VREGS_OP("vse8.v", "%[base]")
		     : [base] "+&r" (base)
		     : [loaded] "r" (a->loaded), [done] "r" (a->guest_done), [out] "r" (out)
		     : "t0", "t1", "memory");
	a->ok = !memcmp(in, out, NR_VREGS * a->vlenb);
	return NULL;
}

static int set_reg_raw(struct kvm_vcpu *vcpu, uint64_t id, void *addr)
{
	struct kvm_one_reg reg = { .id = id, .addr = (uint64_t)addr };

	return __vcpu_ioctl(vcpu, KVM_SET_ONE_REG, &reg);
}

static int get_reg_raw(struct kvm_vcpu *vcpu, uint64_t id, void *addr)
{
	struct kvm_one_reg reg = { .id = id, .addr = (uint64_t)addr };

	return __vcpu_ioctl(vcpu, KVM_GET_ONE_REG, &reg);
}

static bool check_regs(struct kvm_vcpu *vcpu, unsigned long vlenb, uint64_t size,
		       uint8_t (*want)(int, int), const char *when)
{
	uint8_t buf[MAX_VLENB];
	bool ok = true;
	int r, i;

	for (r = 0; r < NR_VREGS; r++) {
		TEST_ASSERT(!get_reg_raw(vcpu, VEC_REG(r, size), buf), "KVM_GET_ONE_REG v%d", r);
		for (i = 0; i < vlenb; i++) {
			if (buf[i] != want(r, i)) {
				ksft_print_msg("%s: v%d byte %d = %#x, want %#x\n",
					       when, r, i, buf[i], want(r, i));
				ok = false;
				break;
			}
		}
	}
	return ok;
}

static uint8_t set_or_guest_byte(int reg, int i)
{
	return VREGS_SET & (1u << reg) ? set_byte(reg, i) : guest_byte(reg, i);
}

static bool check_refusals(struct kvm_vcpu *vcpu, unsigned long vlenb, uint64_t size)
{
	uint64_t wide[4] = { vlenb, 0, 0, 0 }, other = vlenb * 2, val;
	uint8_t buf[2 * MAX_VLENB];
	bool ok = true;
	int rc;

#define EXPECT_ERR(call, err, what)						\
	do {									\
		rc = (call);							\
		if (rc != -1 || errno != (err)) {				\
			ksft_print_msg("%s: rc %d errno %d, want %d\n", what, rc, errno, err); \
			ok = false;						\
		}								\
	} while (0)

	EXPECT_ERR(set_reg_raw(vcpu, VEC_CSR(vlenb), &other), EINVAL, "set vlenb to 2 * vlenb");
	EXPECT_ERR(set_reg_raw(vcpu, VEC_CSR(vlenb) ^ KVM_REG_SIZE_U64 ^ KVM_REG_SIZE_U128,
			       wide), EINVAL, "set a 16-byte vlenb");
	EXPECT_ERR(get_reg_raw(vcpu, VEC_REG(3, KVM_REG_SIZE_U64), &val), EINVAL,
		   "get v3 as 8 bytes");
	EXPECT_ERR(set_reg_raw(vcpu, VEC_REG(3, size + (1ULL << KVM_REG_SIZE_SHIFT)), buf),
		   EINVAL, "set v3 as 2 * vlenb bytes");
	EXPECT_ERR(get_reg_raw(vcpu, VEC_CSR(datap), &val), ENOENT, "get the datap slot");
	EXPECT_ERR(get_reg_raw(vcpu, VEC_REG(32, size), buf), ENOENT, "get v32");
	/* The vlenb the vCPU has is accepted. */
	if (set_reg_raw(vcpu, VEC_CSR(vlenb), &wide[0])) {
		ksft_print_msg("set vlenb to its value: errno %d\n", errno);
		ok = false;
	}
#undef EXPECT_ERR
	return ok;
}

int main(void)
{
	struct thread_arg arg = { 0 };
	atomic_int guest_done = 0;
	uint64_t val, size;
	unsigned long vlenb;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	struct ucall uc;
	pthread_t thread;
	cpu_set_t set;
	uint8_t buf[MAX_VLENB];
	bool ok;
	int r, i;

	ksft_print_header();

	vm = vm_create_with_one_vcpu(&vcpu, guest_code);
	if (!__vcpu_has_isa_ext(vcpu, KVM_RISCV_ISA_EXT_V)) {
		kvm_vm_free(vm);
		ksft_exit_skip("the vCPU has no V extension\n");
	}
	ksft_set_plan(6);

	/* The vCPU's task and the other thread share one CPU. */
	arg.cpu = sched_getcpu();
	CPU_ZERO(&set);
	CPU_SET(arg.cpu, &set);
	TEST_ASSERT(!sched_setaffinity(0, sizeof(set), &set), "pinning the vCPU's task");

	vcpu_run(vcpu);
	rkvm_expect_ucall(vcpu, UCALL_SYNC, &uc);

	vcpu_get_reg(vcpu, VEC_CSR(vlenb), &vlenb);
	ok = vlenb == *(unsigned long *)addr_gva2hva(vm, (vm_vaddr_t)&guest_vlenb);
	ksft_test_result(ok, "KVM_GET_ONE_REG vlenb %lu is the guest's\n", vlenb);
	TEST_ASSERT(vlenb && vlenb <= MAX_VLENB && !(vlenb & (vlenb - 1)), "vlenb %lu", vlenb);
	size = (uint64_t)__builtin_ctzl(vlenb) << KVM_REG_SIZE_SHIFT;

	ok = check_regs(vcpu, vlenb, size, guest_byte, "at the sync");
	vcpu_get_reg(vcpu, VEC_CSR(vl), &val);
	ok &= val == VL_GUEST;
	vcpu_get_reg(vcpu, VEC_CSR(vtype), &val);
	ok &= val == VTYPE_GUEST;
	vcpu_get_reg(vcpu, VEC_CSR(vcsr), &val);
	ok &= val == VCSR_GUEST;
	vcpu_get_reg(vcpu, VEC_CSR(vstart), &val);
	ok &= val == 0;
	ksft_test_result(ok, "KVM_GET_ONE_REG sees the guest's v0-v31, vl, vtype, vcsr, vstart\n");

	for (r = 0; r < NR_VREGS; r++) {
		if (!(VREGS_SET & (1u << r)))
			continue;
		for (i = 0; i < vlenb; i++)
			buf[i] = set_byte(r, i);
		TEST_ASSERT(!set_reg_raw(vcpu, VEC_REG(r, size), buf), "KVM_SET_ONE_REG v%d", r);
	}
	vcpu_set_reg(vcpu, VEC_CSR(vcsr), VCSR_SET);
	ok = check_regs(vcpu, vlenb, size, set_or_guest_byte, "after KVM_SET_ONE_REG");
	ksft_test_result(ok, "KVM_SET_ONE_REG changes only the registers set\n");

	ksft_test_result(check_refusals(vcpu, vlenb, size),
			 "bad sizes, another vlenb, datap and v32 are refused\n");

	arg.vlenb = vlenb;
	arg.dirtied = addr_gva2hva(vm, (vm_vaddr_t)&guest_dirtied);
	arg.loaded = addr_gva2hva(vm, (vm_vaddr_t)&thread_loaded);
	arg.guest_done = &guest_done;
	TEST_ASSERT(!pthread_create(&thread, NULL, vector_thread, &arg), "pthread_create");
	vcpu_run(vcpu);
	atomic_store(&guest_done, 1);
	pthread_join(thread, NULL);
	rkvm_expect_ucall(vcpu, UCALL_DONE, &uc);
	ksft_test_result_pass("the guest's vector state survives its task being switched out\n");
	ksft_test_result(arg.ok, "the other task's vector state survives the guest\n");

	kvm_vm_free(vm);
	ksft_finished();
}
