// SPDX-License-Identifier: GPL-2.0
/*
 * rfence_remote: SBI RFENCE remote sfence.vma reaches a vCPU that is
 * running guest code on another hart.
 *
 * vCPU 1 (pinned to host CPU 1) reads a word at DATA_GVA in a loop, which
 * keeps its translation cached in that hart's TLB.  vCPU 0 (pinned to
 * host CPU 0) rewrites the guest page-table entry of DATA_GVA to point at
 * another page, asks SBI to fence vCPU 1 (and only vCPU 1), and once the
 * call has returned, tells vCPU 1 so through memory.  From then on vCPU 1
 * must read the new page: the SBI call may only return after the fence is
 * carried out on the target or the target has left the guest and will
 * fence before it runs guest code again.  Each round uses another flavour
 * of the call: a ranged fence, a ranged fence of one ASID, a whole-ASID
 * fence and a fence of everything.
 *
 * The guest's own page table is reached through an extra guest mapping of
 * the page that holds DATA_GVA's leaf entry.
 *
 * What this can catch under QEMU: a fence that never reaches vCPU 1, or a
 * call that returns before vCPU 1 left the guest (with the request left
 * out, it failed 10 runs of 10). What it cannot: QEMU drops its whole TLB
 * on every hfence.vvma and every switch into or out of the guest, so the
 * range and ASID of the fence are checked by the host tests of
 * logic::hfence only.
 */
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <sys/sysinfo.h>

#include "kvm_util.h"
#include "processor.h"
#include "sbi.h"
#include "test_util.h"
#include "ucall_common.h"
#include "rkvm_util.h"

#define SBI_EXT_RFENCE			0x52464E43
#define SBI_RFENCE_SFENCE_VMA		1
#define SBI_RFENCE_SFENCE_VMA_ASID	2

#define DATA_SLOT	1
#define DATA_GPA	(3UL << 30)
#define PAGE_SZ		4096UL
#define DATA_GVA	(1UL << 32)
#define PTE_PAGE_GVA	((1UL << 32) + (16UL << 20))

#define ROUNDS		4

/* Written by the host before the vCPUs start. */
static uint64_t *leaf_pte;		/* guest VA of DATA_GVA's leaf entry */
static uint64_t pte_for_page[2];	/* leaf entries pointing at page 0 / 1 */

/* Shared by the two vCPUs. */
static volatile uint64_t fenced_round;	/* vCPU 0: fence of round r done */
static volatile uint64_t seen_rounds;	/* vCPU 1: how many rounds it read */

static inline uint64_t page_value(int page)
{
	return 0xda7a000000000000ULL | page;
}

/* The page DATA_GVA maps in round r (round 0: the initial mapping). */
static inline int round_page(uint64_t r)
{
	return r % 2;
}

static struct sbiret fence_vcpu1(uint64_t r)
{
	const unsigned long mask = 1UL << 1, base = 0;

	switch (r) {
	case 1:
		return sbi_ecall(SBI_EXT_RFENCE, SBI_RFENCE_SFENCE_VMA, mask,
				 base, DATA_GVA, PAGE_SZ, 0, 0);
	case 2:
		return sbi_ecall(SBI_EXT_RFENCE, SBI_RFENCE_SFENCE_VMA_ASID,
				 mask, base, DATA_GVA, PAGE_SZ, 0, 0);
	case 3:
		/* Start 0 and size 0: the whole address space of ASID 0. */
		return sbi_ecall(SBI_EXT_RFENCE, SBI_RFENCE_SFENCE_VMA_ASID,
				 mask, base, 0, 0, 0, 0);
	default:
		/* Size -1: everything. */
		return sbi_ecall(SBI_EXT_RFENCE, SBI_RFENCE_SFENCE_VMA, mask,
				 base, 0, -1UL, 0, 0);
	}
}

static void guest_vcpu0(void)
{
	struct sbiret ret;
	uint64_t r;

	for (r = 1; r <= ROUNDS; r++) {
		/* vCPU 1 has read round r - 1's page: it is in its TLB. */
		while (seen_rounds != r)
			;
		WRITE_ONCE(*leaf_pte, pte_for_page[round_page(r)]);
		/* The new entry is in memory before the fence is asked for. */
		asm volatile("fence rw, rw" ::: "memory");
		ret = fence_vcpu1(r);
		__GUEST_ASSERT(!ret.error, "round %lu: RFENCE error %ld", r, ret.error);
		fenced_round = r;
	}
	GUEST_DONE();
}

static void guest_vcpu1(void)
{
	uint64_t r, got;

	for (r = 0; r <= ROUNDS; r++) {
		/* Keep the translation hot until the fence is done. */
		do {
			got = READ_ONCE(*(volatile uint64_t *)DATA_GVA);
		} while (fenced_round < r);
		asm volatile("fence r, r" ::: "memory");
		got = READ_ONCE(*(volatile uint64_t *)DATA_GVA);
		__GUEST_ASSERT(got == page_value(round_page(r)),
			       "round %lu: read %#lx after the remote fence, want %#lx (stale translation)",
			       r, got, page_value(round_page(r)));
		seen_rounds = r + 1;
	}
	GUEST_DONE();
}

struct vcpu_thread {
	struct kvm_vcpu *vcpu;
	int cpu;
	pthread_t thread;
};

static void *run_vcpu(void *arg)
{
	struct vcpu_thread *t = arg;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(t->cpu, &set);
	TEST_ASSERT(!pthread_setaffinity_np(pthread_self(), sizeof(set), &set),
		    "pin vCPU %u to CPU %d", t->vcpu->id, t->cpu);

	rkvm_run_to_done(t->vcpu);
	return NULL;
}

/* Host address of the leaf page-table entry that maps @gva. */
static uint64_t *leaf_pte_hva(struct kvm_vm *vm, uint64_t gva)
{
	static const int shift[] = { 12, 21, 30, 39, 48 };
	uint64_t *table = addr_gpa2hva(vm, vm->pgd), *pte = NULL;
	int level;

	for (level = vm->pgtable_levels - 1; level >= 0; level--) {
		pte = &table[(gva >> shift[level]) & 511];
		TEST_ASSERT(*pte & PGTBL_PTE_VALID_MASK, "gva %#lx unmapped at level %d",
			    gva, level);
		table = addr_gpa2hva(vm, ((*pte & PGTBL_PTE_ADDR_MASK) >>
					  PGTBL_PTE_ADDR_SHIFT) << 12);
	}
	return pte;
}

int main(void)
{
	struct vcpu_thread threads[2];
	struct kvm_vcpu *vcpus[2];
	uint64_t *pte, pte_gpa;
	struct kvm_vm *vm;
	int i;

	ksft_print_header();
	ksft_set_plan(1);
	TEST_REQUIRE(get_nprocs() >= 2);

	vm = vm_create_with_vcpus(2, NULL, vcpus);
	vcpu_arch_set_entry_point(vcpus[0], guest_vcpu0);
	vcpu_arch_set_entry_point(vcpus[1], guest_vcpu1);

	vm_userspace_mem_region_add(vm, VM_MEM_SRC_ANONYMOUS, DATA_GPA, DATA_SLOT, 2, 0);
	for (i = 0; i < 2; i++)
		*(uint64_t *)addr_gpa2hva(vm, DATA_GPA + i * PAGE_SZ) = page_value(i);
	virt_map(vm, DATA_GVA, DATA_GPA, 2);

	pte = leaf_pte_hva(vm, DATA_GVA);
	pte_for_page[0] = *pte;
	pte_for_page[1] = (*pte & ~PGTBL_PTE_ADDR_MASK) |
			  (((DATA_GPA + PAGE_SZ) >> 12) << PGTBL_PTE_ADDR_SHIFT);
	pte_gpa = addr_hva2gpa(vm, pte);
	virt_map(vm, PTE_PAGE_GVA, pte_gpa & ~(PAGE_SZ - 1), 1);
	leaf_pte = (uint64_t *)(PTE_PAGE_GVA + (pte_gpa & (PAGE_SZ - 1)));
	/* The second mapping must not have moved the entry. */
	TEST_ASSERT(leaf_pte_hva(vm, DATA_GVA) == pte, "leaf entry moved");
	sync_global_to_guest(vm, leaf_pte);
	sync_global_to_guest(vm, pte_for_page);

	for (i = 0; i < 2; i++) {
		threads[i].vcpu = vcpus[i];
		threads[i].cpu = i;
		pthread_create(&threads[i].thread, NULL, run_vcpu, &threads[i]);
	}
	for (i = 0; i < 2; i++)
		pthread_join(threads[i].thread, NULL);

	ksft_test_result_pass("%d rounds of remote sfence.vma: no stale translation\n",
			      ROUNDS);
	kvm_vm_free(vm);
	ksft_finished();
}
