// SPDX-License-Identifier: GPL-2.0
/*
 * readonly_memslot: a memslot created with KVM_MEM_READONLY.
 *
 * The guest reads it as ordinary memory, with no exit, and sees what the
 * host wrote into the backing memory.  A guest store to it must not reach
 * that memory: KVM reports it to userspace as KVM_EXIT_MMIO with
 * is_write = 1 and the store's address, length and data
 * (Documentation/virt/kvm/api.rst, KVM_SET_USER_MEMORY_REGION), both for
 * a page the guest has already read (so KVM has it mapped read-only) and
 * for one it has never touched.  Userspace then just resumes the vCPU,
 * which continues after the store; the backing memory and the guest's
 * view of it stay unchanged.  Finally the host changes the backing memory
 * and the guest must see the change, since the slot maps the same pages.
 *
 * Every expectation is the upstream C backend's behaviour.
 */
#include <stdint.h>
#include <string.h>

#include "kvm_util.h"
#include "processor.h"
#include "test_util.h"
#include "ucall_common.h"

#define RO_SLOT		1
#define RO_PAGES	2
/* Identity mapped in the guest, far above the default memslot 0. */
#define RO_GPA		(3UL << 30)
#define RO_GVA		RO_GPA
#define PAGE_SZ		4096
#define RO_WORDS	(RO_PAGES * PAGE_SZ / 8)

/* The word the host changes at the last stage, and its new value. */
#define UPDATED_WORD	2
#define UPDATED_VALUE	0x0123456789abcdefULL

static inline uint64_t ro_pattern(uint64_t i)
{
	return 0x5eed000000000000ULL ^ (i * 0x9e3779b97f4a7c15ULL);
}

/* The guest's stores, in order: offset from RO_GVA, width, source register. */
#define RO_STORES(X)							\
	X("sd", 0x0010, 8, 0x1111222233334444ULL) /* page 0, read before */	\
	X("sw", 0x0024, 4, 0xaaaaaaaa55556666ULL)			\
	X("sh", 0x0042, 2, 0xbbbbbbbbbbbb7777ULL)			\
	X("sb", 0x0063, 1, 0xcccccccccccccc88ULL)			\
	X("sd", 0x1008, 8, 0x9999000099990000ULL) /* page 1, never touched */

struct ro_store {
	const char *insn;
	uint64_t offset;
	uint32_t len;
	uint64_t value;
};

#define HOST_STORE(insn, off, len, val)	{ insn, off, len, val },
static const struct ro_store stores[] = { RO_STORES(HOST_STORE) };

#define GUEST_STORE(insn, off, len, val)					\
	asm volatile(insn " %0, 0(%1)"						\
		     : : "r" (val), "r" (RO_GVA + (off)) : "memory");

static void guest_check_words(uint64_t nr_words, uint64_t updated)
{
	volatile uint64_t *ro = (volatile uint64_t *)RO_GVA;
	uint64_t i, want;

	for (i = 0; i < nr_words; i++) {
		want = i == UPDATED_WORD && updated ? UPDATED_VALUE : ro_pattern(i);
		__GUEST_ASSERT(ro[i] == want,
			       "read-only word %lu (gpa %#lx) is %#lx, want %#lx",
			       i, RO_GPA + 8 * i, ro[i], want);
	}
}

static void guest_code(void)
{
	/* Page 0 only: page 1 stays untouched until its first store. */
	guest_check_words(PAGE_SZ / 8, false);
	GUEST_SYNC(1);

	RO_STORES(GUEST_STORE)

	/* The stores were dropped. */
	guest_check_words(RO_WORDS, false);
	GUEST_SYNC(2);

	/* The host has changed the backing memory. */
	guest_check_words(RO_WORDS, true);
	GUEST_DONE();
}

static void check_backing(const uint64_t *hva, bool updated, const char *when)
{
	uint64_t i, want;

	for (i = 0; i < RO_WORDS; i++) {
		want = i == UPDATED_WORD && updated ? UPDATED_VALUE : ro_pattern(i);
		TEST_ASSERT(hva[i] == want,
			    "%s: backing word %lu (gpa %#lx) is %#lx, want %#lx",
			    when, i, RO_GPA + 8 * i, hva[i], want);
	}
}

static void check_store_exit(struct kvm_run *run, int idx)
{
	const struct ro_store *s;
	int i;

	TEST_ASSERT(idx < ARRAY_SIZE(stores),
		    "MMIO exit #%d (addr %#llx len %u write %u), but the guest stores only %zu times",
		    idx + 1, run->mmio.phys_addr, run->mmio.len,
		    run->mmio.is_write, ARRAY_SIZE(stores));
	s = &stores[idx];

	TEST_ASSERT(run->mmio.is_write == 1,
		    "%s to the read-only slot at +%#lx: MMIO exit with is_write %u, want 1",
		    s->insn, s->offset, run->mmio.is_write);
	TEST_ASSERT(run->mmio.phys_addr == RO_GPA + s->offset,
		    "%s to the read-only slot: phys_addr %#llx, want %#lx",
		    s->insn, run->mmio.phys_addr, RO_GPA + s->offset);
	TEST_ASSERT(run->mmio.len == s->len,
		    "%s to the read-only slot at +%#lx: len %u, want %u",
		    s->insn, s->offset, run->mmio.len, s->len);
	for (i = 0; i < s->len; i++) {
		uint8_t want = s->value >> (8 * i);

		TEST_ASSERT(run->mmio.data[i] == want,
			    "%s to the read-only slot at +%#lx: data byte %d is %#x, want %#x",
			    s->insn, s->offset, i, run->mmio.data[i], want);
	}
}

int main(void)
{
	const int nr_stores = ARRAY_SIZE(stores);
	struct kvm_vcpu *vcpu;
	struct kvm_run *run;
	struct kvm_vm *vm;
	struct ucall uc;
	uint64_t *hva, i;
	int exits = 0;
	bool done = false;

	ksft_print_header();
	ksft_set_plan(nr_stores + 5);

	/* Upstream RISC-V always answers 1 (arch/riscv/kvm/vm.c). */
	TEST_ASSERT(kvm_has_cap(KVM_CAP_READONLY_MEM),
		    "KVM_CAP_READONLY_MEM is not advertised");
	ksft_test_result_pass("KVM_CAP_READONLY_MEM\n");

	vm = vm_create_with_one_vcpu(&vcpu, guest_code);
	vm_userspace_mem_region_add(vm, VM_MEM_SRC_ANONYMOUS, RO_GPA, RO_SLOT,
				    RO_PAGES, KVM_MEM_READONLY);
	virt_map(vm, RO_GVA, RO_GPA, RO_PAGES);
	run = vcpu->run;

	hva = addr_gpa2hva(vm, RO_GPA);
	for (i = 0; i < RO_WORDS; i++)
		hva[i] = ro_pattern(i);

	while (!done) {
		vcpu_run(vcpu);

		if (run->exit_reason == KVM_EXIT_MMIO) {
			check_store_exit(run, exits);
			ksft_test_result_pass("%s to read-only +%#lx exits as a %u-byte MMIO write\n",
					      stores[exits].insn, stores[exits].offset,
					      stores[exits].len);
			exits++;
			continue;
		}

		switch (get_ucall(vcpu, &uc)) {
		case UCALL_SYNC:
			if (uc.args[1] == 1) {
				TEST_ASSERT(exits == 0,
					    "%d MMIO exits while the guest only read the slot", exits);
				ksft_test_result_pass("guest reads the host's data without exits\n");
			} else if (uc.args[1] == 2) {
				TEST_ASSERT(exits == nr_stores,
					    "%d MMIO exits for %d stores to the read-only slot",
					    exits, nr_stores);
				check_backing(hva, false, "after the guest's stores");
				ksft_test_result_pass("stores dropped: backing memory and guest view unchanged\n");
				hva[UPDATED_WORD] = UPDATED_VALUE;
			} else {
				TEST_FAIL("Unknown sync stage %lu", uc.args[1]);
			}
			break;
		case UCALL_DONE:
			done = true;
			break;
		case UCALL_ABORT:
			REPORT_GUEST_ASSERT(uc);
			break;
		default:
			TEST_FAIL("Unexpected exit: %s (%u)",
				  exit_reason_str(run->exit_reason), run->exit_reason);
		}
	}
	ksft_test_result_pass("guest sees the host's update of the backing memory\n");

	TEST_ASSERT(exits == nr_stores, "%d MMIO exits, want %d", exits, nr_stores);
	check_backing(hva, true, "at the end");
	ksft_test_result_pass("backing memory intact at the end\n");

	kvm_vm_free(vm);
	ksft_finished();
}
