// SPDX-License-Identifier: GPL-2.0
/*
 * onereg_invalid: the errnos of KVM_GET_ONE_REG / KVM_SET_ONE_REG for ids,
 * sizes, values and user addresses that are wrong, a few round trips that
 * must work, and KVM_GET_REG_LIST's size negotiation.
 *
 * Every expectation is the upstream C backend's behaviour (Linux 6.12
 * arch/riscv/kvm/vcpu_onereg.c, vcpu_fp.c, vcpu_timer.c, vcpu_sbi.c):
 *
 * - an unknown register type is -ENOENT;
 * - CONFIG, CORE, CSR, ISA_EXT and SBI_EXT registers are unsigned long
 *   sized, TIMER registers u64, FP_F registers u32, FP_D f[] u64 and FP_D
 *   fcsr u32: any other size is -EINVAL, checked before the index;
 * - an index past the type's structure (or an unknown subtype) is -ENOENT,
 *   as is an ISA or SBI extension id at or beyond its _MAX;
 * - zicbom/zicboz_block_size, satp_mode and the timer frequency are
 *   read-only: setting a different value is -EINVAL, setting the same
 *   value succeeds;
 * - a valid register with an unreadable/unwritable user buffer, or an
 *   unreadable struct kvm_one_reg, is -EFAULT;
 * - KVM_GET_REG_LIST writes the needed count back and fails with -E2BIG
 *   when the given n is smaller, and every id it lists is readable.
 *
 * The vCPU never runs, so the registers that are settable only before the
 * first KVM_RUN (SBI_EXT, ISA_EXT) are not -EBUSY here.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kvm_util.h"
#include "processor.h"
#include "test_util.h"

#define REG_ID(type, subtype, idx, size)	\
	(KVM_REG_RISCV | (uint64_t)(type) | (uint64_t)(subtype) | (uint64_t)(idx) | (size))
#define TYPE(t)		((uint64_t)(t) << KVM_REG_RISCV_TYPE_SHIFT)
#define SUBTYPE(s)	((uint64_t)(s) << KVM_REG_RISCV_SUBTYPE_SHIFT)

#define NR_CONFIG_REGS	(sizeof(struct kvm_riscv_config) / sizeof(unsigned long))
#define NR_CORE_REGS	(sizeof(struct kvm_riscv_core) / sizeof(unsigned long))
#define NR_CSR_REGS	(sizeof(struct kvm_riscv_csr) / sizeof(unsigned long))
#define NR_TIMER_REGS	(sizeof(struct kvm_riscv_timer) / sizeof(uint64_t))

/* Constant-expression versions of processor.h's RISCV_*_REG(). */
#define CONFIG_REG(name)	REG_ID(KVM_REG_RISCV_CONFIG, 0, KVM_REG_RISCV_CONFIG_REG(name),	\
				       KVM_REG_SIZE_U64)
#define CORE_REG(name)		REG_ID(KVM_REG_RISCV_CORE, 0, KVM_REG_RISCV_CORE_REG(name),	\
				       KVM_REG_SIZE_U64)
#define CSR_REG(name)		REG_ID(KVM_REG_RISCV_CSR, KVM_REG_RISCV_CSR_GENERAL,		\
				       KVM_REG_RISCV_CSR_REG(name), KVM_REG_SIZE_U64)
#define TIMER_REG(name)		REG_ID(KVM_REG_RISCV_TIMER, 0, KVM_REG_RISCV_TIMER_REG(name),	\
				       KVM_REG_SIZE_U64)
#define ISA_EXT_REG(id)		REG_ID(KVM_REG_RISCV_ISA_EXT, KVM_REG_RISCV_ISA_SINGLE, id,	\
				       KVM_REG_SIZE_U64)
#define SBI_EXT_REG(id)		REG_ID(KVM_REG_RISCV_SBI_EXT, KVM_REG_RISCV_SBI_SINGLE, id,	\
				       KVM_REG_SIZE_U64)
#define FP_F_REG(name, size)	REG_ID(KVM_REG_RISCV_FP_F, 0, KVM_REG_RISCV_FP_F_REG(name), size)
#define FP_D_REG(name, size)	REG_ID(KVM_REG_RISCV_FP_D, 0, KVM_REG_RISCV_FP_D_REG(name), size)

/* No ISA extension required. */
#define EXT_NONE	(~0ULL)

static struct kvm_vcpu *vcpu;
static void *bad_addr;

static int one_reg(unsigned long ioctl_nr, uint64_t id, void *addr)
{
	struct kvm_one_reg reg = { .id = id, .addr = (uint64_t)addr };

	return ioctl(vcpu->fd, ioctl_nr, &reg);
}

static bool has_ext(uint64_t ext)
{
	return ext == EXT_NONE || __vcpu_has_isa_ext(vcpu, ext);
}

static void report_errno(const char *op, const char *name, int r, int err, int want)
{
	if (r == -1 && err == want) {
		ksft_test_result_pass("%s %s: %s\n", op, name, strerrorname_np(want));
		return;
	}
	ksft_print_msg("%s %s: returned %d errno %d (%s), want -1 errno %d (%s)\n",
		       op, name, r, r ? err : 0, r ? strerrorname_np(err) : "none",
		       want, strerrorname_np(want));
	ksft_test_result_fail("%s %s: %s\n", op, name, strerrorname_np(want));
}

/* Both ioctls on a bad id/size, with a valid buffer. */
static const struct {
	const char *name;
	uint64_t id;
	uint64_t set_val;
	int want;
	uint64_t ext;
} errno_cases[] = {
	{ "unknown type 0", REG_ID(TYPE(0), 0, 0, KVM_REG_SIZE_U64), 0, ENOENT, EXT_NONE },
	{ "unknown type 0xff", REG_ID(TYPE(0xff), 0, 0, KVM_REG_SIZE_U64), 0, ENOENT, EXT_NONE },
	{ "CORE regs.pc as U32", REG_ID(KVM_REG_RISCV_CORE, 0, KVM_REG_RISCV_CORE_REG(regs.pc),
					KVM_REG_SIZE_U32), 0, EINVAL, EXT_NONE },
	{ "CORE regs.a0 as U128", REG_ID(KVM_REG_RISCV_CORE, 0, KVM_REG_RISCV_CORE_REG(regs.a0),
					 KVM_REG_SIZE_U128), 0, EINVAL, EXT_NONE },
	{ "CORE index after mode", REG_ID(KVM_REG_RISCV_CORE, 0, NR_CORE_REGS,
					  KVM_REG_SIZE_U64), 0, ENOENT, EXT_NONE },
	{ "CONFIG index past the struct", REG_ID(KVM_REG_RISCV_CONFIG, 0, NR_CONFIG_REGS,
						 KVM_REG_SIZE_U64), 0, ENOENT, EXT_NONE },
	{ "CONFIG isa as U32", REG_ID(KVM_REG_RISCV_CONFIG, 0, KVM_REG_RISCV_CONFIG_REG(isa),
				      KVM_REG_SIZE_U32), 0, EINVAL, EXT_NONE },
	{ "CSR general index past the struct", REG_ID(KVM_REG_RISCV_CSR, KVM_REG_RISCV_CSR_GENERAL,
						      NR_CSR_REGS, KVM_REG_SIZE_U64), 0, ENOENT, EXT_NONE },
	{ "CSR sscratch as U32", REG_ID(KVM_REG_RISCV_CSR, KVM_REG_RISCV_CSR_GENERAL,
					KVM_REG_RISCV_CSR_REG(sscratch), KVM_REG_SIZE_U32),
	  0, EINVAL, EXT_NONE },
	{ "CSR unknown subtype 0xff", REG_ID(KVM_REG_RISCV_CSR, SUBTYPE(0xff), 0,
					     KVM_REG_SIZE_U64), 0, ENOENT, EXT_NONE },
	{ "TIMER frequency as U32", REG_ID(KVM_REG_RISCV_TIMER, 0,
					   KVM_REG_RISCV_TIMER_REG(frequency), KVM_REG_SIZE_U32),
	  0, EINVAL, EXT_NONE },
	{ "TIMER index past the struct", REG_ID(KVM_REG_RISCV_TIMER, 0, NR_TIMER_REGS,
						KVM_REG_SIZE_U64), 0, ENOENT, EXT_NONE },
	{ "FP_F f[0] as U64", FP_F_REG(f[0], KVM_REG_SIZE_U64), 0, EINVAL, KVM_RISCV_ISA_EXT_F },
	{ "FP_F fcsr as U64", FP_F_REG(fcsr, KVM_REG_SIZE_U64), 0, EINVAL, KVM_RISCV_ISA_EXT_F },
	{ "FP_D fcsr as U64", FP_D_REG(fcsr, KVM_REG_SIZE_U64), 0, EINVAL, KVM_RISCV_ISA_EXT_D },
	{ "FP_D f[0] as U32", FP_D_REG(f[0], KVM_REG_SIZE_U32), 0, EINVAL, KVM_RISCV_ISA_EXT_D },
	{ "FP_D index after fcsr", FP_D_REG(fcsr, KVM_REG_SIZE_U64) + 1, 0, ENOENT,
	  KVM_RISCV_ISA_EXT_D },
	{ "ISA_EXT single KVM_RISCV_ISA_EXT_MAX",
	  REG_ID(KVM_REG_RISCV_ISA_EXT, KVM_REG_RISCV_ISA_SINGLE, KVM_RISCV_ISA_EXT_MAX,
		 KVM_REG_SIZE_U64), 1, ENOENT, EXT_NONE },
	{ "SBI_EXT single KVM_RISCV_SBI_EXT_MAX",
	  REG_ID(KVM_REG_RISCV_SBI_EXT, KVM_REG_RISCV_SBI_SINGLE, KVM_RISCV_SBI_EXT_MAX,
		 KVM_REG_SIZE_U64), 1, ENOENT, EXT_NONE },
};

static void test_errno_cases(void)
{
	uint8_t buf[64] __attribute__((aligned(16)));
	int i, r, err;

	for (i = 0; i < ARRAY_SIZE(errno_cases); i++) {
		if (!has_ext(errno_cases[i].ext)) {
			ksft_test_result_skip("GET %s: extension not present\n", errno_cases[i].name);
			ksft_test_result_skip("SET %s: extension not present\n", errno_cases[i].name);
			continue;
		}

		memset(buf, 0, sizeof(buf));
		r = one_reg(KVM_GET_ONE_REG, errno_cases[i].id, buf);
		err = errno;
		report_errno("GET", errno_cases[i].name, r, err, errno_cases[i].want);

		memcpy(buf, &errno_cases[i].set_val, sizeof(uint64_t));
		r = one_reg(KVM_SET_ONE_REG, errno_cases[i].id, buf);
		err = errno;
		report_errno("SET", errno_cases[i].name, r, err, errno_cases[i].want);
	}
}

/* Valid registers, but the value buffer is unmapped. */
static const struct {
	const char *name;
	uint64_t id;
	uint64_t ext;
} efault_cases[] = {
	{ "CONFIG isa", CONFIG_REG(isa), EXT_NONE },
	{ "CORE regs.pc", CORE_REG(regs.pc), EXT_NONE },
	{ "CSR sscratch", CSR_REG(sscratch), EXT_NONE },
	{ "TIMER frequency", TIMER_REG(frequency), EXT_NONE },
	{ "FP_D f[0]", FP_D_REG(f[0], KVM_REG_SIZE_U64), KVM_RISCV_ISA_EXT_D },
	{ "ISA_EXT I", ISA_EXT_REG(KVM_RISCV_ISA_EXT_I), EXT_NONE },
	{ "SBI_EXT HSM", SBI_EXT_REG(KVM_RISCV_SBI_EXT_HSM), EXT_NONE },
};

static void test_efault(void)
{
	char name[96];
	int i, r, err;

	for (i = 0; i < ARRAY_SIZE(efault_cases); i++) {
		snprintf(name, sizeof(name), "%s, unmapped buffer", efault_cases[i].name);
		if (!has_ext(efault_cases[i].ext)) {
			ksft_test_result_skip("GET %s: extension not present\n", name);
			ksft_test_result_skip("SET %s: extension not present\n", name);
			continue;
		}
		r = one_reg(KVM_GET_ONE_REG, efault_cases[i].id, bad_addr);
		err = errno;
		report_errno("GET", name, r, err, EFAULT);
		r = one_reg(KVM_SET_ONE_REG, efault_cases[i].id, bad_addr);
		err = errno;
		report_errno("SET", name, r, err, EFAULT);
	}

	/* The struct kvm_one_reg itself is unreadable. */
	r = ioctl(vcpu->fd, KVM_GET_ONE_REG, bad_addr);
	err = errno;
	report_errno("GET", "unmapped struct kvm_one_reg", r, err, EFAULT);
	r = ioctl(vcpu->fd, KVM_SET_ONE_REG, bad_addr);
	err = errno;
	report_errno("SET", "unmapped struct kvm_one_reg", r, err, EFAULT);
}

/* Registers that only accept their current value. */
static const struct {
	const char *name;
	uint64_t id;
} fixed_value_cases[] = {
	{ "CONFIG zicbom_block_size", CONFIG_REG(zicbom_block_size) },
	{ "CONFIG zicboz_block_size", CONFIG_REG(zicboz_block_size) },
	{ "CONFIG satp_mode", CONFIG_REG(satp_mode) },
	{ "TIMER frequency", TIMER_REG(frequency) },
};

static void test_fixed_values(void)
{
	uint64_t val, after;
	int i, r, err;

	for (i = 0; i < ARRAY_SIZE(fixed_value_cases); i++) {
		const char *name = fixed_value_cases[i].name;
		uint64_t id = fixed_value_cases[i].id;

		r = __vcpu_get_reg(vcpu, id, &val);
		if (r) {
			TEST_ASSERT(errno == ENOENT, "GET %s: errno %d", name, errno);
			ksft_test_result_skip("SET %s to another value: not present\n", name);
			ksft_test_result_skip("SET %s to its value: not present\n", name);
			continue;
		}

		r = __vcpu_set_reg(vcpu, id, val + 1);
		err = errno;
		vcpu_get_reg(vcpu, id, &after);
		if (r != -1 || err != EINVAL || after != val)
			ksft_print_msg("SET %s to %#lx (is %#lx): returned %d errno %d, now %#lx; want EINVAL, unchanged\n",
				       name, val + 1, val, r, r ? err : 0, after);
		ksft_test_result(r == -1 && err == EINVAL && after == val,
				 "SET %s to another value: EINVAL\n", name);

		r = __vcpu_set_reg(vcpu, id, val);
		err = errno;
		vcpu_get_reg(vcpu, id, &after);
		if (r || after != val)
			ksft_print_msg("SET %s to its value %#lx: returned %d errno %d, now %#lx\n",
				       name, val, r, r ? err : 0, after);
		ksft_test_result(!r && after == val, "SET %s to its value\n", name);
	}
}

static bool round_trip(uint64_t id, uint64_t val)
{
	uint64_t got = ~val;
	int r;

	r = __vcpu_set_reg(vcpu, id, val);
	if (r) {
		ksft_print_msg("SET %#lx = %#lx: errno %d\n", id, val, errno);
		return false;
	}
	r = __vcpu_get_reg(vcpu, id, &got);
	if (r || got != val) {
		ksft_print_msg("GET %#lx after setting %#lx: returned %d, value %#lx\n",
			       id, val, r, got);
		return false;
	}
	return true;
}

static void test_round_trips(void)
{
	ksft_test_result(round_trip(CORE_REG(regs.a0), 0x0123456789abcdefUL) &&
			 round_trip(CORE_REG(regs.a0), 0xfedcba9876543210UL),
			 "round trip CORE regs.a0\n");
	ksft_test_result(round_trip(CORE_REG(regs.pc), 0x80201000UL),
			 "round trip CORE regs.pc\n");
	ksft_test_result(round_trip(CORE_REG(mode), KVM_RISCV_MODE_U) &&
			 round_trip(CORE_REG(mode), KVM_RISCV_MODE_S),
			 "round trip CORE mode\n");
	ksft_test_result(round_trip(CSR_REG(sscratch), 0xa5a5a5a55a5a5a5aUL),
			 "round trip CSR sscratch\n");
	ksft_test_result(round_trip(CSR_REG(sepc), 0x0000003fffffe000UL),
			 "round trip CSR sepc\n");
}
#define NR_ROUND_TRIPS	5

static void test_reg_list(void)
{
	struct kvm_reg_list head = { .n = 0 }, *list;
	uint8_t buf[1024] __attribute__((aligned(16)));
	uint64_t needed, i, j;
	int r, err, bad = 0;

	r = __vcpu_ioctl(vcpu, KVM_GET_REG_LIST, &head);
	err = errno;
	needed = head.n;
	report_errno("KVM_GET_REG_LIST", "n=0", r, err, E2BIG);
	TEST_ASSERT(needed > 0, "KVM_GET_REG_LIST reports %lu registers", needed);

	list = calloc(1, sizeof(*list) + (needed + 5) * sizeof(uint64_t));
	TEST_ASSERT(list, "calloc");

	list->n = needed - 1;
	r = __vcpu_ioctl(vcpu, KVM_GET_REG_LIST, list);
	err = errno;
	if (list->n != needed)
		ksft_print_msg("KVM_GET_REG_LIST n=%lu: n written back %llu, want %lu\n",
			       needed - 1, list->n, needed);
	report_errno("KVM_GET_REG_LIST", "n one short", r, err, E2BIG);

	list->n = needed;
	r = __vcpu_ioctl(vcpu, KVM_GET_REG_LIST, list);
	if (r || list->n != needed)
		ksft_print_msg("KVM_GET_REG_LIST n=%lu: returned %d errno %d, n %llu\n",
			       needed, r, r ? errno : 0, list->n);
	ksft_test_result(!r && list->n == needed, "KVM_GET_REG_LIST exact n: %lu registers\n",
			 needed);

	memset(list->reg, 0, (needed + 5) * sizeof(uint64_t));
	list->n = needed + 5;
	r = __vcpu_ioctl(vcpu, KVM_GET_REG_LIST, list);
	if (r || list->n != needed)
		ksft_print_msg("KVM_GET_REG_LIST n=%lu: returned %d errno %d, n %llu, want %lu\n",
			       needed + 5, r, r ? errno : 0, list->n, needed);
	ksft_test_result(!r && list->n == needed, "KVM_GET_REG_LIST larger n: n set to %lu\n",
			 needed);

	for (i = 0; i < needed; i++) {
		uint64_t id = list->reg[i];

		if ((id & KVM_REG_ARCH_MASK) != KVM_REG_RISCV ||
		    KVM_REG_SIZE(id) > sizeof(buf)) {
			ksft_print_msg("listed id %#lx: not a RISC-V register id of a sane size\n", id);
			bad++;
			continue;
		}
		for (j = 0; j < i; j++) {
			if (list->reg[j] == id) {
				ksft_print_msg("listed id %#lx: listed twice\n", id);
				bad++;
			}
		}
		r = one_reg(KVM_GET_ONE_REG, id, buf);
		if (r) {
			ksft_print_msg("listed id %#lx: KVM_GET_ONE_REG errno %d (%s)\n",
				       id, errno, strerrorname_np(errno));
			bad++;
		}
	}
	ksft_test_result(!bad, "every listed register is readable, once\n");

	r = ioctl(vcpu->fd, KVM_GET_REG_LIST, bad_addr);
	err = errno;
	report_errno("KVM_GET_REG_LIST", "unmapped struct kvm_reg_list", r, err, EFAULT);

	free(list);
}
#define NR_REG_LIST_RESULTS	6

int main(void)
{
	struct kvm_vm *vm;

	ksft_print_header();
	ksft_set_plan(2 * ARRAY_SIZE(errno_cases) + 2 * ARRAY_SIZE(efault_cases) + 2 +
		      2 * ARRAY_SIZE(fixed_value_cases) + NR_ROUND_TRIPS + NR_REG_LIST_RESULTS);

	bad_addr = mmap(NULL, getpagesize(), PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TEST_ASSERT(bad_addr != MAP_FAILED, "mmap PROT_NONE");

	vm = vm_create_barebones();
	vcpu = __vm_vcpu_add(vm, 0);

	test_errno_cases();
	test_efault();
	test_fixed_values();
	test_round_trips();
	test_reg_list();

	kvm_vm_free(vm);
	munmap(bad_addr, getpagesize());
	ksft_finished();
}
