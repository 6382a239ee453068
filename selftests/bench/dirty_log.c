// SPDX-License-Identifier: GPL-2.0
/*
 * dirty_log: what a cycle of dirty-page logging costs on the backend
 * loaded, as a VMM's live migration runs it:
 *
 *   dirty_log  KVM_GET_DIRTY_LOG on a 64 MiB memslot with
 *              KVM_MEM_LOG_DIRTY_PAGES (which returns the bitmap and
 *              write-protects the pages it names again), then the
 *              guest's next pass writing one word to each of its 16384
 *              pages, each write a write-protection fault that logs the
 *              page; per cycle
 *
 * An untimed pass first maps every page (the first touch, what
 * exit_costs' gstage_fault measures).  Every cycle's bitmap must name
 * every page, every pass must take a fault per page, and the host must
 * see the guest's last writes, so the benchmark cannot pass while it
 * measures nothing.
 *
 * Output: "BENCH dirty_log <ns per cycle> ns/op <cycles>"; under bench
 * mode's -icount shift=0 a ns is an emulated instruction.
 */
#include <stdint.h>
#include <string.h>
#include <linux/bitmap.h>

#include "kvm_util.h"
#include "processor.h"
#include "test_util.h"
#include "ucall_common.h"
#include "../rkvm_util.h"
#include "bench.h"

#define LOG_SLOT	1
#define PAGE_SZ		4096UL
#define LOG_SIZE	(64UL << 20)
#define LOG_PAGES	(LOG_SIZE / PAGE_SZ)
/* Identity mapped in the guest, above memslot 0. */
#define LOG_GPA		(3UL << 30)
#define CYCLES		4
/* The guest's page tables for the slot (33 pages), in memslot 0. */
#define EXTRA_PAGES	64

static void guest_code(void)
{
	uint64_t pass, page;

	for (pass = 0; pass <= CYCLES; pass++) {
		for (page = 0; page < LOG_PAGES; page++)
			WRITE_ONCE(*(volatile uint64_t *)(LOG_GPA + page * PAGE_SZ),
				   pass << 32 | page);
		GUEST_SYNC(pass);
	}
	GUEST_DONE();
}

/* KVM_GET_DIRTY_LOG; returns the instructions it took. */
static uint64_t get_full_log(struct kvm_vm *vm, unsigned long *bitmap,
			     uint64_t pass)
{
	uint64_t t0, ns, page, logged = 0;

	/* Zeroed first: a call that copies nothing out must fail below. */
	bitmap_zero(bitmap, LOG_PAGES);
	t0 = bench_now_ns();
	kvm_vm_get_dirty_log(vm, LOG_SLOT, bitmap);
	ns = bench_now_ns() - t0;
	for (page = 0; page < LOG_PAGES; page++)
		logged += test_bit(page, bitmap);
	TEST_ASSERT(logged == LOG_PAGES,
		    "pass %lu wrote all %lu pages, the log names %lu",
		    pass, LOG_PAGES, logged);
	return ns;
}

int main(void)
{
	uint64_t t0, ns = 0, pass, page, got, exits;
	unsigned long *bitmap;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	uint64_t *hva;

	vm = __vm_create_with_one_vcpu(&vcpu, EXTRA_PAGES, guest_code);
	vm_userspace_mem_region_add(vm, VM_MEM_SRC_ANONYMOUS, LOG_GPA, LOG_SLOT,
				    LOG_PAGES, KVM_MEM_LOG_DIRTY_PAGES);
	virt_map(vm, LOG_GPA, LOG_GPA, LOG_PAGES);
	hva = addr_gpa2hva(vm, LOG_GPA);
	/* Host page faults are not what is measured. */
	memset(hva, 0, LOG_SIZE);
	bitmap = bitmap_zalloc(LOG_PAGES);

	/* The first touch maps every page, and dirties it. */
	rkvm_run_to_sync(vcpu, 0);
	for (pass = 1; pass <= CYCLES; pass++) {
		ns += get_full_log(vm, bitmap, pass - 1);
		exits = rkvm_vcpu_stat(vcpu, "exits");
		t0 = bench_now_ns();
		rkvm_run_to_sync(vcpu, pass);
		ns += bench_now_ns() - t0;
		/* A full log alone could come from pages never write-protected. */
		exits = rkvm_vcpu_stat(vcpu, "exits") - exits;
		TEST_ASSERT(exits >= LOG_PAGES,
			    "pass %lu wrote %lu logged pages with %lu exits",
			    pass, LOG_PAGES, exits);
	}
	get_full_log(vm, bitmap, CYCLES);
	for (page = 0; page < LOG_PAGES; page++) {
		got = hva[page * PAGE_SZ / sizeof(*hva)];
		TEST_ASSERT(got == ((uint64_t)CYCLES << 32 | page),
			    "page %lu holds %#lx after the last pass", page, got);
	}
	bench_report("dirty_log", ns, CYCLES);

	rkvm_run_to_done(vcpu);
	free(bitmap);
	kvm_vm_free(vm);
	return 0;
}
