// SPDX-License-Identifier: GPL-2.0
/*
 * smstateen: a guest reaches the state its ISA gives it through
 * hstateen0, and nothing more. On a host with Smstateen:
 *
 * - a new vCPU has Smstateen (ISA_EXT reads 1), and the SMSTATEEN CSR
 *   subtype's sstateen0 is a ONE_REG register, in KVM_GET_REG_LIST while
 *   the vCPU has the extension and not once it is disabled;
 * - with Smstateen the guest reads and writes sstateen0 without a trap,
 *   and no bit hstateen0 keeps from it reads back as 1: after writing all
 *   ones, only bits the backend's hstateen0 has may be set (SE0 and
 *   ENVCFG, which QEMU keeps in sstateen0 too; never the AIA bits);
 * - disabled with ISA_EXT before the first run, sstateen0 is an illegal
 *   instruction for the guest (hstateen0.SE0 clear): the access traps to
 *   the host, which has no emulation for it;
 * - senvcfg is the guest's own either way (hstateen0.ENVCFG);
 * - the AIA CSRs siselect and stopi are illegal instructions: this
 *   backend does not virtualise Ssaia, so hstateen0 keeps the AIA state
 *   from the guest even where the host has it.
 *
 * Skips on a host without Smstateen. The upstream C backend gives the
 * same answers, except that it offers Ssaia where the host has it.
 */
#include "kvm_util.h"
#include "processor.h"
#include "ucall_common.h"
#include "rkvm_util.h"

#define CSR_NUM_SENVCFG		0x10a
#define CSR_NUM_SSTATEEN0	0x10c
#define CSR_NUM_SISELECT	0x150
#define CSR_NUM_STOPI		0xdb0

/* The hstateen0 bits this backend gives a guest with Smstateen, no Ssaia. */
#define HSTATEEN0_GIVEN	((1UL << 63) | (1UL << 62))

#define SSTATEEN0_REG	(KVM_REG_RISCV | KVM_REG_SIZE_U64 | KVM_REG_RISCV_CSR |		\
			 KVM_REG_RISCV_CSR_SMSTATEEN |					\
			 KVM_REG_RISCV_CSR_SMSTATEEN_REG(sstateen0))

static volatile unsigned long illegal_count;
/* Set by the host before the run: whether the guest has sstateen0. */
static bool has_sstateen0;

static void illegal_handler(struct ex_regs *regs)
{
	illegal_count++;
	regs->epc += 4;
}

/* Whether `csrr` of CSR @num traps; its value in @val otherwise. */
#define READ_TRAPS(num, val) ({							\
	unsigned long __before = illegal_count, __v = 0;			\
	asm volatile("csrr %0, " #num : "=r"(__v) : : "memory");		\
	*(val) = __v;								\
	illegal_count != __before;						\
})

#define WRITE_TRAPS(num, v) ({							\
	unsigned long __before = illegal_count;					\
	asm volatile("csrw " #num ", %0" : : "r"(v) : "memory");		\
	illegal_count != __before;						\
})

static void guest_code(void)
{
	unsigned long v;

	__GUEST_ASSERT(!READ_TRAPS(0x10a, &v), "senvcfg read trapped");
	__GUEST_ASSERT(!WRITE_TRAPS(0x10a, v), "senvcfg write trapped");

	if (has_sstateen0) {
		__GUEST_ASSERT(!READ_TRAPS(0x10c, &v), "sstateen0 read trapped");
		__GUEST_ASSERT(!WRITE_TRAPS(0x10c, ~0UL), "sstateen0 write trapped");
		__GUEST_ASSERT(!READ_TRAPS(0x10c, &v), "sstateen0 read trapped");
		__GUEST_ASSERT(!(v & ~HSTATEEN0_GIVEN),
			       "sstateen0 reads %#lx after writing all ones: "
			       "bits hstateen0 does not give", v);
	} else {
		__GUEST_ASSERT(READ_TRAPS(0x10c, &v),
			       "sstateen0 read did not trap without Smstateen (%#lx)", v);
		__GUEST_ASSERT(WRITE_TRAPS(0x10c, 0UL),
			       "sstateen0 write did not trap without Smstateen");
	}

	__GUEST_ASSERT(READ_TRAPS(0x150, &v), "siselect read did not trap (%#lx)", v);
	__GUEST_ASSERT(READ_TRAPS(0xdb0, &v), "stopi read did not trap (%#lx)", v);
	GUEST_DONE();
}

static bool reg_listed(struct kvm_vcpu *vcpu, uint64_t id)
{
	struct kvm_reg_list *list = vcpu_get_reg_list(vcpu);
	bool found = false;
	uint64_t i;

	for (i = 0; i < list->n; i++)
		found |= list->reg[i] == id;
	free(list);
	return found;
}

static struct kvm_vm *create_vm(struct kvm_vcpu **vcpu)
{
	struct kvm_vm *vm = vm_create_with_one_vcpu(vcpu, guest_code);

	vm_init_vector_tables(vm);
	vcpu_init_vector_tables(*vcpu);
	vm_install_exception_handler(vm, EXC_INST_ILLEGAL, illegal_handler);
	return vm;
}

int main(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	uint64_t val;
	int r;

	ksft_print_header();
	ksft_set_plan(2);

	vm = create_vm(&vcpu);
	r = __vcpu_get_reg(vcpu, RISCV_ISA_EXT_REG(KVM_RISCV_ISA_EXT_SMSTATEEN), &val);
	if (r && errno == ENOENT) {
		kvm_vm_free(vm);
		ksft_exit_skip("the host has no Smstateen\n");
	}
	TEST_ASSERT(!r, "KVM_GET_ONE_REG ISA_EXT SMSTATEEN: %s", strerror(errno));
	TEST_ASSERT(val == 1, "a new vCPU lacks Smstateen (ISA_EXT reads %lu)", val);
	TEST_ASSERT(reg_listed(vcpu, SSTATEEN0_REG), "sstateen0 not in KVM_GET_REG_LIST");
	vcpu_set_reg(vcpu, SSTATEEN0_REG, 0);
	val = 1;
	vcpu_get_reg(vcpu, SSTATEEN0_REG, &val);
	TEST_ASSERT(val == 0, "sstateen0 reads %#lx, set to 0", val);

	has_sstateen0 = true;
	sync_global_to_guest(vm, has_sstateen0);
	rkvm_run_to_done(vcpu);
	kvm_vm_free(vm);
	ksft_test_result_pass("with Smstateen: sstateen0 and senvcfg reachable, AIA state not\n");

	vm = create_vm(&vcpu);
	vcpu_set_reg(vcpu, RISCV_ISA_EXT_REG(KVM_RISCV_ISA_EXT_SMSTATEEN), 0);
	TEST_ASSERT(!reg_listed(vcpu, SSTATEEN0_REG),
		    "sstateen0 in KVM_GET_REG_LIST without Smstateen");
	has_sstateen0 = false;
	sync_global_to_guest(vm, has_sstateen0);
	rkvm_run_to_done(vcpu);
	kvm_vm_free(vm);
	ksft_test_result_pass("without Smstateen: sstateen0 traps, senvcfg does not\n");

	ksft_finished();
}
