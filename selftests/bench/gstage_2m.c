// SPDX-License-Identifier: GPL-2.0
/*
 * gstage_2m: what the guest's first touch of a 2 MiB block of
 * THP-backed memory costs, per block, on the backend loaded:
 *
 *   gstage_fault_2m  the guest writes every 4 KiB page of each block of
 *                    a memslot the host backs with transparent huge
 *                    pages, already faulted in (by memset) so that host
 *                    faults are not measured
 *
 * A backend that maps such memory with 2 MiB G-stage blocks takes one
 * fault per block, so the measure is close to exit_costs' gstage_fault
 * (plus the 512 stores); one that maps 4 KiB pages takes 512 faults per
 * block.  The upstream 6.12 C backend uses blocks for hugetlbfs memory
 * only, so it is the second kind; the Rust backend the first.  The
 * program also prints the G-stage exits per block it saw ("INFO" line,
 * which scripts/bench.sh ignores) to say which kind it measured.
 *
 * Each timed pass starts from an empty G-stage: the host deletes the
 * memslot and adds it again over the same, still populated, host memory.
 * An untimed pass first maps what the first touch maps besides the
 * slot (the guest's page-table pages in memslot 0, its code and stack).
 *
 * With block mappings a pass costs only some 100k instructions, where a
 * host timer tick landing in it would show: the measure is the median
 * pass.  (Without, a pass costs some 30M; the op count is the same.)
 *
 * Output: "BENCH gstage_fault_2m <ns per block> ns/op <blocks>", the
 * median pass's ns over its blocks, and the blocks of all passes; under
 * bench mode's -icount shift=0 a ns is an emulated instruction.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "kvm_util.h"
#include "processor.h"
#include "test_util.h"
#include "ucall_common.h"
#include "../rkvm_util.h"
#include "bench.h"

#define THP_SLOT	1
#define BLOCK_SZ	(2UL << 20)
#define PAGE_SZ		4096UL
#define BLOCKS		16
#define PASSES		5
#define REGION_SIZE	(BLOCKS * BLOCK_SZ)
#define REGION_PAGES	(REGION_SIZE / PAGE_SZ)
/* Identity mapped in the guest, 2 MiB aligned, above memslot 0. */
#define REGION_GPA	(3UL << 30)
/* The guest's page tables for the region, in memslot 0. */
#define EXTRA_PAGES	64

static void guest_code(void)
{
	uint64_t pass, page;

	for (pass = 0; pass <= PASSES; pass++) {
		for (page = 0; page < REGION_PAGES; page++)
			WRITE_ONCE(*(volatile uint64_t *)(REGION_GPA + page * PAGE_SZ),
				   pass << 32 | page);
		GUEST_SYNC(pass);
	}
	GUEST_DONE();
}

/* The guest's writes of @pass reached the slot's host memory. */
static void check_pass(uint64_t *hva, uint64_t pass)
{
	uint64_t page, got;

	for (page = 0; page < REGION_PAGES; page++) {
		got = hva[page * PAGE_SZ / sizeof(*hva)];
		TEST_ASSERT(got == (pass << 32 | page),
			    "pass %lu: page %lu holds %#lx", pass, page, got);
	}
}

int main(void)
{
	uint64_t t0, ns[PASSES], exits = 0, pass, tmp;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	uint64_t *hva;

	TEST_REQUIRE(thp_configured());
	TEST_REQUIRE(get_trans_hugepagesz() == BLOCK_SZ);

	vm = __vm_create_with_one_vcpu(&vcpu, EXTRA_PAGES, guest_code);
	vm_userspace_mem_region_add(vm, VM_MEM_SRC_ANONYMOUS_THP, REGION_GPA,
				    THP_SLOT, REGION_PAGES, 0);
	virt_map(vm, REGION_GPA, REGION_GPA, REGION_PAGES);
	hva = addr_gpa2hva(vm, REGION_GPA);
	/* Host page faults are not what is measured. */
	memset(hva, 0, REGION_SIZE);
	TEST_ASSERT(rkvm_anon_huge_kb(hva) >= REGION_SIZE / 1024,
		    "only %lu kB of the %lu kB slot are in huge pages",
		    rkvm_anon_huge_kb(hva), REGION_SIZE / 1024);

	rkvm_run_to_sync(vcpu, 0);
	check_pass(hva, 0);
	for (pass = 1; pass <= PASSES; pass++) {
		/* An empty G-stage for the slot; the host memory stays. */
		vm_set_user_memory_region(vm, THP_SLOT, 0, REGION_GPA, 0, hva);
		vm_set_user_memory_region(vm, THP_SLOT, 0, REGION_GPA,
					  REGION_SIZE, hva);
		exits -= rkvm_vcpu_stat(vcpu, "exits");
		t0 = bench_now_ns();
		rkvm_run_to_sync(vcpu, pass);
		ns[pass - 1] = bench_now_ns() - t0;
		exits += rkvm_vcpu_stat(vcpu, "exits");
		check_pass(hva, pass);
	}
	/* The host memory must not have been split meanwhile. */
	TEST_ASSERT(rkvm_anon_huge_kb(hva) >= REGION_SIZE / 1024,
		    "only %lu kB of the %lu kB slot are still in huge pages",
		    rkvm_anon_huge_kb(hva), REGION_SIZE / 1024);

	/* The median pass (an insertion sort, of a handful). */
	for (pass = 1; pass < PASSES; pass++)
		for (tmp = pass; tmp && ns[tmp - 1] > ns[tmp]; tmp--) {
			t0 = ns[tmp];
			ns[tmp] = ns[tmp - 1];
			ns[tmp - 1] = t0;
		}
	printf("BENCH gstage_fault_2m %.1f ns/op %lu\n",
	       (double)ns[PASSES / 2] / BLOCKS, (unsigned long)PASSES * BLOCKS);
	printf("INFO gstage_fault_2m %.1f exits per 2 MiB block (1: block mappings, 512: 4 KiB pages)\n",
	       (double)exits / (PASSES * BLOCKS));

	rkvm_run_to_done(vcpu);
	kvm_vm_free(vm);
	return 0;
}
