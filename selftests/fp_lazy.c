// SPDX-License-Identifier: GPL-2.0
/*
 * fp_lazy: the guest's floating-point state must survive a trip through
 * userspace, whatever the host thread does with its own FP registers in
 * between, and KVM_GET/SET_ONE_REG must see and change exactly that
 * state.
 *
 * The guest loads distinctive values into f0..f31 and fcsr and exits
 * (GUEST_SYNC).  The host reads them with KVM_GET_ONE_REG (FP_D f[i],
 * fcsr), does FP work of its own, sets a few guest registers and fcsr with
 * KVM_SET_ONE_REG, and resumes with its own f0..f31/fcsr loaded with yet
 * other values.  The guest, without writing an FP register, stores all of
 * them: the untouched ones must hold the guest's values, the set ones the
 * host's.  The host checks in turn that its own f0..f31/fcsr came back
 * from KVM_RUN unchanged, as across any system call.
 *
 * Guest and host FP code each sit in one asm block per phase, with values
 * moved through memory inside the block, so the compiler cannot interpose
 * FP register use of its own (the guest's C code between the blocks, and
 * the selftest library's ucall path, contain no FP instructions).
 *
 * Every expectation is the upstream C backend's behaviour.  Skips when the
 * vCPU lacks the D extension.
 */
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>

#include "kvm_util.h"
#include "processor.h"
#include "test_util.h"
#include "ucall_common.h"
#include "rkvm_util.h"

#define NR_FPRS		32

/* fcsr = frm << 5 | fflags */
#define FCSR_GUEST	((3 << 5) | 0x05)	/* RUP; OF, NX */
#define FCSR_SET	((4 << 5) | 0x1a)	/* RMM; NV, DZ, UF */
#define FCSR_HOST	((0 << 5) | 0x1f)	/* RNE; all flags */

/* The guest registers the host changes with KVM_SET_ONE_REG. */
#define FPRS_SET	((1u << 1) | (1u << 8) | (1u << 17) | (1u << 31))

#define FP_D_REG(i)	(KVM_REG_RISCV | KVM_REG_SIZE_U64 | KVM_REG_RISCV_FP_D |	\
			 KVM_REG_RISCV_FP_D_REG(f[i]))
#define FP_D_FCSR	(KVM_REG_RISCV | KVM_REG_SIZE_U32 | KVM_REG_RISCV_FP_D |	\
			 KVM_REG_RISCV_FP_D_REG(fcsr))

static inline uint64_t guest_val(int i)
{
	return 0xa5a5000000000000ULL | ((uint64_t)i << 32) | 0x0bad0000 | i;
}

static inline uint64_t set_val(int i)
{
	return 0x5a5a000000000000ULL | ((uint64_t)i << 32) | 0x0d06f000 | i;
}

static inline uint64_t host_val(int i)
{
	return 0xdead000000000000ULL | ((uint64_t)i << 32) | 0x0000beef;
}

static inline uint64_t final_val(int i)
{
	return FPRS_SET & (1u << i) ? set_val(i) : guest_val(i);
}

#define FP_REGS_OP(op, base)							\
	op " f0, 0(" base ")\n\t"   op " f1, 8(" base ")\n\t"			\
	op " f2, 16(" base ")\n\t"  op " f3, 24(" base ")\n\t"			\
	op " f4, 32(" base ")\n\t"  op " f5, 40(" base ")\n\t"			\
	op " f6, 48(" base ")\n\t"  op " f7, 56(" base ")\n\t"			\
	op " f8, 64(" base ")\n\t"  op " f9, 72(" base ")\n\t"			\
	op " f10, 80(" base ")\n\t" op " f11, 88(" base ")\n\t"			\
	op " f12, 96(" base ")\n\t" op " f13, 104(" base ")\n\t"		\
	op " f14, 112(" base ")\n\t" op " f15, 120(" base ")\n\t"		\
	op " f16, 128(" base ")\n\t" op " f17, 136(" base ")\n\t"		\
	op " f18, 144(" base ")\n\t" op " f19, 152(" base ")\n\t"		\
	op " f20, 160(" base ")\n\t" op " f21, 168(" base ")\n\t"		\
	op " f22, 176(" base ")\n\t" op " f23, 184(" base ")\n\t"		\
	op " f24, 192(" base ")\n\t" op " f25, 200(" base ")\n\t"		\
	op " f26, 208(" base ")\n\t" op " f27, 216(" base ")\n\t"		\
	op " f28, 224(" base ")\n\t" op " f29, 232(" base ")\n\t"		\
	op " f30, 240(" base ")\n\t" op " f31, 248(" base ")\n\t"

#define FP_CLOBBERS								\
	"f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7",				\
	"f8", "f9", "f10", "f11", "f12", "f13", "f14", "f15",			\
	"f16", "f17", "f18", "f19", "f20", "f21", "f22", "f23",			\
	"f24", "f25", "f26", "f27", "f28", "f29", "f30", "f31"

/* Guest memory: each VM has its own copy of these. */
static uint64_t guest_in[NR_FPRS];
static uint64_t guest_out[NR_FPRS];

static void guest_code(void)
{
	unsigned long fcsr;
	uint64_t want;
	int i;

	/* vsstatus.FS starts Off: turn the FPU on. */
	csr_set(CSR_SSTATUS, SR_FS);

	for (i = 0; i < NR_FPRS; i++)
		guest_in[i] = guest_val(i);

	/*
	 * Phase 1: load every FP register and fcsr.  No FP clobbers on
	 * purpose: they would make gcc save fs0-fs11 in guest_code()'s
	 * prologue, before FS is on (an illegal instruction in the guest).
	 * Nothing in the guest keeps values in FP registers, and guest_code()
	 * never returns to a caller.
	 */
	asm volatile(FP_REGS_OP("fld", "%0")
		     "fscsr %1"
		     : : "r" (guest_in), "r" ((unsigned long)FCSR_GUEST)
		     : "memory");

	GUEST_SYNC(1);

	/* Phase 2: store them all; nothing wrote an FP register since phase 1. */
	asm volatile(FP_REGS_OP("fsd", "%1")
		     "frcsr %0"
		     : "=r" (fcsr) : "r" (guest_out) : "memory");

	for (i = 0; i < NR_FPRS; i++) {
		want = final_val(i);
		__GUEST_ASSERT(guest_out[i] == want,
			       "after the exit f%d is %#lx, want %#lx (%s)", i,
			       guest_out[i], want,
			       FPRS_SET & (1u << i) ? "set with KVM_SET_ONE_REG"
						    : "loaded by the guest");
	}
	__GUEST_ASSERT(fcsr == FCSR_SET,
		       "after the exit fcsr is %#lx, want %#x (set with KVM_SET_ONE_REG)",
		       fcsr, FCSR_SET);

	GUEST_DONE();
}

static volatile double host_fp_sink;

/* Some ordinary FP work in the host thread, using whatever registers gcc picks. */
static noinline void host_fp_work(void)
{
	volatile double x = 1.0, y = 0.5;
	double acc = 0.0;
	int i;

	for (i = 1; i <= 1000; i++) {
		acc = acc * 0.999 + x / (y + i);
		x = x * 1.0001 + acc;
		y = y - 0.25 * acc / i;
	}
	host_fp_sink = acc + x + y;
}

/*
 * KVM_RUN with the host's f0..f31 = host_val(i) and fcsr = FCSR_HOST,
 * storing what the registers hold after the ioctl.  Returns the raw
 * syscall result.
 */
static long run_with_host_fp(struct kvm_vcpu *vcpu, uint64_t *host_out,
			     unsigned long *host_fcsr)
{
	uint64_t host_in[NR_FPRS];
	register long a0 asm("a0") = vcpu->fd;
	register long a1 asm("a1") = KVM_RUN;
	register long a2 asm("a2") = 0;
	register long a7 asm("a7") = SYS_ioctl;
	unsigned long fcsr;
	int i;

	for (i = 0; i < NR_FPRS; i++)
		host_in[i] = host_val(i);

	asm volatile(FP_REGS_OP("fld", "%[in]")
		     "fscsr %[fcsr_in]\n\t"
		     "ecall\n\t"
		     FP_REGS_OP("fsd", "%[out]")
		     "frcsr %[fcsr_out]"
		     : "+r" (a0), [fcsr_out] "=&r" (fcsr)
		     : [in] "r" (host_in), [out] "r" (host_out),
		       [fcsr_in] "r" ((unsigned long)FCSR_HOST),
		       "r" (a1), "r" (a2), "r" (a7)
		     : "memory", FP_CLOBBERS);

	*host_fcsr = fcsr;
	return a0;
}

static bool check_guest_regs(struct kvm_vcpu *vcpu, uint64_t (*want)(int), uint32_t want_fcsr,
			     const char *when)
{
	bool ok = true;
	uint64_t val;
	uint32_t fcsr = ~0u;
	int i;

	for (i = 0; i < NR_FPRS; i++) {
		vcpu_get_reg(vcpu, FP_D_REG(i), &val);
		if (val != want(i)) {
			ksft_print_msg("%s: KVM_GET_ONE_REG f%d = %#lx, want %#lx\n",
				       when, i, val, want(i));
			ok = false;
		}
	}
	vcpu_get_reg(vcpu, FP_D_FCSR, &fcsr);
	if (fcsr != want_fcsr) {
		ksft_print_msg("%s: KVM_GET_ONE_REG fcsr = %#x, want %#x\n",
			       when, fcsr, want_fcsr);
		ok = false;
	}
	return ok;
}

int main(void)
{
	uint64_t host_out[NR_FPRS];
	unsigned long host_fcsr, saved_fcsr;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	struct ucall uc;
	bool ok;
	long r;
	int i;

	ksft_print_header();

	vm = vm_create_with_one_vcpu(&vcpu, guest_code);
	if (!__vcpu_has_isa_ext(vcpu, KVM_RISCV_ISA_EXT_D)) {
		kvm_vm_free(vm);
		ksft_exit_skip("the vCPU has no D extension\n");
	}
	ksft_set_plan(5);

	asm volatile("frcsr %0" : "=r" (saved_fcsr));

	vcpu_run(vcpu);
	rkvm_expect_ucall(vcpu, UCALL_SYNC, &uc);
	ksft_test_result(check_guest_regs(vcpu, guest_val, FCSR_GUEST, "at the sync"),
			 "KVM_GET_ONE_REG sees the guest's f0-f31 and fcsr\n");

	/* The host thread uses its FPU, then changes part of the guest's state. */
	host_fp_work();
	for (i = 0; i < NR_FPRS; i++) {
		if (FPRS_SET & (1u << i))
			vcpu_set_reg(vcpu, FP_D_REG(i), set_val(i));
	}
	vcpu_set_reg(vcpu, FP_D_FCSR, FCSR_SET);
	host_fp_work();
	ksft_test_result(check_guest_regs(vcpu, final_val, FCSR_SET, "after KVM_SET_ONE_REG"),
			 "KVM_SET_ONE_REG changes only the registers set\n");

	do {
		r = run_with_host_fp(vcpu, host_out, &host_fcsr);
	} while (r == -EINTR);
	asm volatile("fscsr %0" : : "r" (saved_fcsr));
	TEST_ASSERT(r == 0, "KVM_RUN failed: %ld", r);

	ok = true;
	for (i = 0; i < NR_FPRS; i++) {
		if (host_out[i] != host_val(i)) {
			ksft_print_msg("host f%d after KVM_RUN = %#lx, want %#lx\n",
				       i, host_out[i], host_val(i));
			ok = false;
		}
	}
	if (host_fcsr != FCSR_HOST) {
		ksft_print_msg("host fcsr after KVM_RUN = %#lx, want %#x\n", host_fcsr, FCSR_HOST);
		ok = false;
	}
	ksft_test_result(ok, "host f0-f31 and fcsr survive KVM_RUN\n");

	rkvm_expect_ucall(vcpu, UCALL_DONE, &uc);
	ksft_test_result_pass("guest sees its own and the host-set FP values after the exit\n");

	ksft_test_result(check_guest_regs(vcpu, final_val, FCSR_SET, "at the end"),
			 "KVM_GET_ONE_REG sees the final guest FP state\n");

	kvm_vm_free(vm);
	ksft_finished();
}
