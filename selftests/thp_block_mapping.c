// SPDX-License-Identifier: GPL-2.0
/*
 * thp_block_mapping: guest memory backed by transparent huge pages is
 * mapped in the G-stage table with block entries, and dirty logging
 * splits and restores them correctly.
 *
 * The guest's accesses are counted through the vCPU's "exits" statistic,
 * which counts every guest exit, G-stage page faults included:
 *
 *  1. The host fills a THP-backed memslot (so the host maps it with PMD
 *     leaves).  The guest then writes every 4 KiB page of it: with block
 *     mappings that is one fault per 2 MiB, not one per page.
 *  2. Dirty logging on: the block entries are write-protected and the
 *     guest's writes are mapped (and logged) page by page.  The dirty log
 *     must name exactly the pages written.
 *  3. Dirty logging off: pages the guest did not write while logging are
 *     unmapped in tables left behind by the split.  Reading one of them
 *     maps the whole block again over that table (which must be freed),
 *     so reading the whole region costs a few exits again.  The guest
 *     checks every word: the split and the block's return must not lose
 *     or mix up any data.
 *
 * The upstream 6.12 C backend maps such memory with 4 KiB pages only (it
 * uses blocks for hugetlbfs memory only), so stage 1 fails there.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <linux/bitmap.h>

#include "kvm_util.h"
#include "processor.h"
#include "test_util.h"
#include "ucall_common.h"
#include "rkvm_util.h"

#define THP_SLOT	1
#define THP_SIZE	(2UL << 20)
#define THP_BLOCKS	2
#define REGION_SIZE	(THP_BLOCKS * THP_SIZE)
#define PAGE_SZ		4096UL
#define REGION_PAGES	(REGION_SIZE / PAGE_SZ)
/* Identity mapped in the guest, 2 MiB aligned, above memslot 0. */
#define REGION_GPA	(3UL << 30)

/*
 * Exits the guest may take while touching the whole region with block
 * mappings: a fault per block plus the odd host interrupt. With 4 KiB
 * mappings it takes at least REGION_PAGES.
 */
#define MAX_BLOCK_EXITS	64

/* Pages the guest writes while dirty logging is on (page indices). */
static const uint64_t logged_pages[] = { 3, 511, 512, 700 };

static inline uint64_t pattern(uint64_t page, uint64_t round)
{
	return (page * 0x9e3779b97f4a7c15ULL) ^ (round << 56);
}

static void guest_write_all(uint64_t round)
{
	uint64_t page;

	for (page = 0; page < REGION_PAGES; page++)
		*(volatile uint64_t *)(REGION_GPA + page * PAGE_SZ) = pattern(page, round);
}

static bool is_logged(uint64_t page)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(logged_pages); i++)
		if (logged_pages[i] == page)
			return true;
	return false;
}

static void guest_code(void)
{
	uint64_t page, want, got;
	int i;

	GUEST_SYNC(0);
	guest_write_all(1);
	GUEST_SYNC(1);

	/* Dirty logging is on now. */
	for (i = 0; i < ARRAY_SIZE(logged_pages); i++)
		*(volatile uint64_t *)(REGION_GPA + logged_pages[i] * PAGE_SZ) =
			pattern(logged_pages[i], 2);
	GUEST_SYNC(2);

	/* Dirty logging is off again. */
	for (page = 0; page < REGION_PAGES; page++) {
		want = pattern(page, is_logged(page) ? 2 : 1);
		got = *(volatile uint64_t *)(REGION_GPA + page * PAGE_SZ);
		__GUEST_ASSERT(got == want, "page %lu holds %#lx, want %#lx",
			       page, got, want);
	}
	GUEST_SYNC(3);
	GUEST_DONE();
}

int main(void)
{
	unsigned long *bitmap;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	uint64_t before, exits, page;
	unsigned long huge_kb;
	uint8_t *hva;

	ksft_print_header();
	ksft_set_plan(3);
	TEST_REQUIRE(thp_configured());
	TEST_REQUIRE(get_trans_hugepagesz() == THP_SIZE);

	vm = vm_create_with_one_vcpu(&vcpu, guest_code);
	vm_userspace_mem_region_add(vm, VM_MEM_SRC_ANONYMOUS_THP, REGION_GPA,
				    THP_SLOT, REGION_PAGES, 0);
	virt_map(vm, REGION_GPA, REGION_GPA, REGION_PAGES);

	/* The host faults the region in first, as huge pages. */
	hva = addr_gpa2hva(vm, REGION_GPA);
	memset(hva, 0x5a, REGION_SIZE);
	huge_kb = rkvm_anon_huge_kb(hva);
	TEST_REQUIRE(huge_kb >= REGION_SIZE / 1024);

	rkvm_run_to_sync(vcpu, 0);
	before = rkvm_vcpu_stat(vcpu, "exits");
	rkvm_run_to_sync(vcpu, 1);
	exits = rkvm_vcpu_stat(vcpu, "exits") - before;
	TEST_ASSERT(exits <= MAX_BLOCK_EXITS,
		    "writing %lu pages backed by %lu kB of huge pages took %lu exits: not mapped with blocks",
		    REGION_PAGES, huge_kb, exits);
	ksft_test_result_pass("%lu pages in huge pages mapped with %lu exits\n",
			      REGION_PAGES, exits);

	vm_mem_region_set_flags(vm, THP_SLOT, KVM_MEM_LOG_DIRTY_PAGES);
	rkvm_run_to_sync(vcpu, 2);
	bitmap = bitmap_zalloc(REGION_PAGES);
	kvm_vm_get_dirty_log(vm, THP_SLOT, bitmap);
	for (page = 0; page < REGION_PAGES; page++)
		TEST_ASSERT(test_bit(page, bitmap) == is_logged(page),
			    "page %lu is %s in the dirty log", page,
			    test_bit(page, bitmap) ? "set" : "not set");
	free(bitmap);
	ksft_test_result_pass("dirty log of block-mapped memory names exactly the %zu pages written\n",
			      ARRAY_SIZE(logged_pages));

	vm_mem_region_set_flags(vm, THP_SLOT, 0);
	before = rkvm_vcpu_stat(vcpu, "exits");
	rkvm_run_to_sync(vcpu, 3);
	exits = rkvm_vcpu_stat(vcpu, "exits") - before;
	TEST_ASSERT(exits <= MAX_BLOCK_EXITS,
		    "reading %lu pages after dirty logging took %lu exits: blocks not restored",
		    REGION_PAGES, exits);
	ksft_test_result_pass("blocks come back after dirty logging (%lu exits), data intact\n",
			      exits);

	rkvm_run_to_done(vcpu);
	kvm_vm_free(vm);
	ksft_finished();
}
