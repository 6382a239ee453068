// SPDX-License-Identifier: GPL-2.0
/*
 * mmio_widths: every RISC-V integer load and store the MMIO emulation
 * decodes, each issued by the guest with inline asm so the exact encoding
 * is used, against a guest-physical page that no memslot backs.
 *
 * Each access must leave KVM_RUN with KVM_EXIT_MMIO carrying the right
 * phys_addr, len and is_write; a store must carry the low len bytes of the
 * source register (little-endian), and a load must put the len bytes that
 * userspace supplied in run->mmio.data into the destination register,
 * sign- or zero-extended as the instruction demands.  The guest checks the
 * loaded value itself and also that it resumed at the instruction after
 * the access (a marker addi directly follows each one), so a wrong
 * instruction length (2 for the compressed forms, 4 otherwise) is caught.
 *
 * c.lwsp/c.ldsp/c.swsp/c.sdsp are not covered: their base is sp, which
 * points to the guest stack in RAM, so they never reach MMIO here.
 *
 * Expectations are architectural.  Upstream 6.12 zero-extends the signed
 * loads LB, LH, LW and C.LW (kvm_riscv_vcpu_mmio_return() shifts an
 * unsigned long right, so the "sign" shift is a logical one), which is a
 * known upstream bug: this test expects the sign extension the ISA
 * requires, so on the C backend it fails at the first negative LB.
 */
#include <stdint.h>
#include <string.h>

#include "kvm_util.h"
#include "processor.h"
#include "test_util.h"
#include "ucall_common.h"

/* Identity mapped in the guest, above every memslot (cf. coalesced_io_test). */
#define MMIO_GPA	(1ULL << 32)
#define MMIO_GVA	MMIO_GPA

/* What a load's destination register holds before the load. */
#define DEST_GARBAGE	0x5a5a5a5a5a5a5a5aUL
/* What userspace puts in run->mmio.data beyond len: must be ignored. */
#define DATA_GARBAGE	0xee

#define NORVC		".option norvc"
#define RVC		".option rvc"

/*
 * X(insn, option, len, offset, data, result)
 *
 * offset: byte offset of the access from MMIO_GVA, used as the
 *	   instruction's immediate (compressed forms need a multiple of the
 *	   access width, at most 124 for c.lw/c.sw and 248 for c.ld/c.sd);
 * data:   for a store, the source register (only its low len bytes may
 *	   reach run->mmio.data); for a load, the len bytes userspace supplies;
 * result: for a load, the destination register afterwards.
 *
 * Register operands are a0 (x10) and a1 (x11), inside x8..x15 so the
 * compressed forms can name them.
 */
#define MMIO_STORES(X)									\
	X("sb",   NORVC, 1, 0x01, 0x0123456789abcdefULL, 0)				\
	X("sh",   NORVC, 2, 0x02, 0x1122334455667788ULL, 0)				\
	X("sw",   NORVC, 4, 0x04, 0x8899aabbccddeeffULL, 0)				\
	X("sd",   NORVC, 8, 0x08, 0xfedcba9876543210ULL, 0)				\
	X("c.sw", RVC,   4, 0x10, 0x0f1e2d3c4b5a6978ULL, 0)				\
	X("c.sd", RVC,   8, 0x18, 0x8796a5b4c3d2e1f0ULL, 0)

/*
 * Every load gets a value with the top bit of its width set, and the
 * sign-extending ones also one with it clear.  Upstream 6.12 zero-extends
 * LB/LH/LW/C.LW (known bug); the ISA sign-extends, which is expected here.
 */
#define MMIO_LOADS(X)									\
	X("lb",   NORVC, 1, 0x21, 0x80,                  0xffffffffffffff80ULL)	\
	X("lb",   NORVC, 1, 0x22, 0x7e,                  0x000000000000007eULL)	\
	X("lbu",  NORVC, 1, 0x23, 0x80,                  0x0000000000000080ULL)	\
	X("lh",   NORVC, 2, 0x24, 0x8081,                0xffffffffffff8081ULL)	\
	X("lh",   NORVC, 2, 0x26, 0x7e7f,                0x0000000000007e7fULL)	\
	X("lhu",  NORVC, 2, 0x28, 0x8081,                0x0000000000008081ULL)	\
	X("lw",   NORVC, 4, 0x2c, 0x80818283,            0xffffffff80818283ULL)	\
	X("lw",   NORVC, 4, 0x30, 0x7c7d7e7f,            0x000000007c7d7e7fULL)	\
	X("lwu",  NORVC, 4, 0x34, 0x80818283,            0x0000000080818283ULL)	\
	X("ld",   NORVC, 8, 0x38, 0x8081828384858687ULL, 0x8081828384858687ULL)	\
	X("c.lw", RVC,   4, 0x40, 0x80818283,            0xffffffff80818283ULL)	\
	X("c.lw", RVC,   4, 0x44, 0x7c7d7e7f,            0x000000007c7d7e7fULL)	\
	X("c.ld", RVC,   8, 0x48, 0x8081828384858687ULL, 0x8081828384858687ULL)

struct mmio_access {
	const char *insn;
	bool is_write;
	uint32_t len;
	uint64_t offset;
	uint64_t data;
	uint64_t result;
};

#define HOST_STORE(insn, opt, len, off, data, result)	{ insn, true, len, off, data, result },
#define HOST_LOAD(insn, opt, len, off, data, result)	{ insn, false, len, off, data, result },

/* In the order the guest issues them. */
static const struct mmio_access accesses[] = {
	MMIO_STORES(HOST_STORE)
	MMIO_LOADS(HOST_LOAD)
};

#define COUNT(insn, opt, len, off, data, result)	+ 1
#define NR_STORES	(0 MMIO_STORES(COUNT))

/*
 * The marker "addi a2, a2, 1" follows the access in the same asm block and
 * under the same .option, so it is a c.addi after a compressed access and a
 * 4-byte addi otherwise.  If KVM resumes past it, the marker stays 0.
 */
#define GUEST_STORE(insn, opt, len, off, data, result)				\
do {										\
	register unsigned long __val asm("a0") = (data);			\
	register unsigned long __base asm("a1") = MMIO_GVA;			\
	register unsigned long __mark asm("a2") = 0;				\
										\
	asm volatile(".option push\n\t" opt "\n\t"				\
		     insn " %[val], " #off "(%[base])\n\t"			\
		     "addi %[mark], %[mark], 1\n\t"				\
		     ".option pop"						\
		     : [mark] "+r" (__mark)					\
		     : [val] "r" (__val), [base] "r" (__base)			\
		     : "memory");						\
	__GUEST_ASSERT(__mark == 1,						\
		       "%s to +%#x: resumed at the wrong pc (marker %lu, want 1)", \
		       insn, off, __mark);					\
} while (0);

#define GUEST_LOAD(insn, opt, len, off, data, result)				\
do {										\
	register unsigned long __val asm("a0") = DEST_GARBAGE;			\
	register unsigned long __base asm("a1") = MMIO_GVA;			\
	register unsigned long __mark asm("a2") = 0;				\
										\
	asm volatile(".option push\n\t" opt "\n\t"				\
		     insn " %[val], " #off "(%[base])\n\t"			\
		     "addi %[mark], %[mark], 1\n\t"				\
		     ".option pop"						\
		     : [val] "+r" (__val), [mark] "+r" (__mark)		\
		     : [base] "r" (__base)					\
		     : "memory");						\
	__GUEST_ASSERT(__mark == 1,						\
		       "%s from +%#x: resumed at the wrong pc (marker %lu, want 1)", \
		       insn, off, __mark);					\
	__GUEST_ASSERT(__val == (unsigned long)(result),			\
		       "%s from +%#x: destination register is %#lx, want %#lx", \
		       insn, off, __val, (unsigned long)(result));		\
} while (0);

static void guest_code(void)
{
	MMIO_STORES(GUEST_STORE)
	GUEST_SYNC(1);
	MMIO_LOADS(GUEST_LOAD)
	GUEST_DONE();
}

static void check_mmio_exit(struct kvm_run *run, int idx)
{
	const struct mmio_access *a;
	uint64_t gpa;
	int i;

	TEST_ASSERT(idx < ARRAY_SIZE(accesses),
		    "MMIO exit #%d, but the guest issues only %zu accesses (addr %#llx len %u write %u)",
		    idx + 1, ARRAY_SIZE(accesses), run->mmio.phys_addr,
		    run->mmio.len, run->mmio.is_write);
	a = &accesses[idx];
	gpa = MMIO_GPA + a->offset;

	TEST_ASSERT(run->mmio.phys_addr == gpa,
		    "%s #%d: phys_addr %#llx, want %#lx", a->insn, idx,
		    run->mmio.phys_addr, gpa);
	TEST_ASSERT(run->mmio.len == a->len,
		    "%s #%d: len %u, want %u", a->insn, idx, run->mmio.len, a->len);
	TEST_ASSERT(run->mmio.is_write == a->is_write,
		    "%s #%d: is_write %u, want %u", a->insn, idx,
		    run->mmio.is_write, a->is_write);

	if (a->is_write) {
		for (i = 0; i < a->len; i++) {
			uint8_t want = a->data >> (8 * i);

			TEST_ASSERT(run->mmio.data[i] == want,
				    "%s #%d: data byte %d is %#x, want %#x (register %#lx truncated to %u bytes, little-endian)",
				    a->insn, idx, i, run->mmio.data[i], want,
				    a->data, a->len);
		}
		return;
	}

	/* Supply the load's bytes; the rest of data[] is garbage KVM must ignore. */
	memset(run->mmio.data, DATA_GARBAGE, sizeof(run->mmio.data));
	for (i = 0; i < a->len; i++)
		run->mmio.data[i] = a->data >> (8 * i);
}

static void report_access(int idx)
{
	const struct mmio_access *a = &accesses[idx];

	ksft_test_result_pass("%s %s %u bytes at +%#lx\n", a->insn,
			      a->is_write ? "store" : "load", a->len, a->offset);
}

int main(void)
{
	const int nr = ARRAY_SIZE(accesses);
	struct kvm_vcpu *vcpu;
	struct kvm_run *run;
	struct kvm_vm *vm;
	struct ucall uc;
	int exits = 0, pending_load = -1;
	uint64_t cmd = UCALL_NONE;

	ksft_print_header();
	ksft_set_plan(nr + 2);

	vm = vm_create_with_one_vcpu(&vcpu, guest_code);
	virt_map(vm, MMIO_GVA, MMIO_GPA, 1);
	run = vcpu->run;

	while (cmd != UCALL_DONE) {
		vcpu_run(vcpu);
		cmd = run->exit_reason == KVM_EXIT_MMIO ? UCALL_NONE :
							  get_ucall(vcpu, &uc);

		if (cmd == UCALL_ABORT)
			REPORT_GUEST_ASSERT(uc);

		/*
		 * The guest checks a load itself: any exit after it other
		 * than a guest assertion means it passed.
		 */
		if (pending_load >= 0) {
			report_access(pending_load);
			pending_load = -1;
		}

		if (run->exit_reason == KVM_EXIT_MMIO) {
			check_mmio_exit(run, exits);
			if (accesses[exits].is_write)
				report_access(exits);
			else
				pending_load = exits;
			exits++;
			continue;
		}

		switch (cmd) {
		case UCALL_SYNC:
			TEST_ASSERT(exits == NR_STORES,
				    "%d MMIO exits before the sync, want %d (one per store)",
				    exits, NR_STORES);
			ksft_test_result_pass("store exits counted: %d\n", exits);
			break;
		case UCALL_DONE:
			break;
		default:
			TEST_FAIL("Unexpected exit: %s (%u)",
				  exit_reason_str(run->exit_reason), run->exit_reason);
		}
	}

	TEST_ASSERT(exits == nr, "%d MMIO exits, want %d (one per access)", exits, nr);
	ksft_test_result_pass("mmio exits counted: %d\n", exits);

	kvm_vm_free(vm);
	ksft_finished();
}
