/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the project's selftests and benchmarks, on top of
 * upstream's kvm_util: running a vCPU to the guest's next ucall, reading
 * a vCPU statistic, and how much of a mapping the host backs with THP.
 */
#ifndef RKVM_UTIL_H
#define RKVM_UTIL_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kvm_util.h"
#include "ucall_common.h"

/*
 * Runs @vcpu once and returns the ucall it stopped at, which must be
 * @want: a guest assert is reported, any other exit fails the test.
 */
static inline void rkvm_expect_ucall(struct kvm_vcpu *vcpu, uint64_t want,
				     struct ucall *uc)
{
	uint64_t got = get_ucall(vcpu, uc);

	if (got == UCALL_ABORT)
		REPORT_GUEST_ASSERT(*uc);
	TEST_ASSERT(got == want, "exit %s, ucall %lu; want ucall %lu",
		    exit_reason_str(vcpu->run->exit_reason), got, want);
}

/* Runs @vcpu until the guest's GUEST_DONE. */
static inline void rkvm_run_to_done(struct kvm_vcpu *vcpu)
{
	struct ucall uc;

	vcpu_run(vcpu);
	rkvm_expect_ucall(vcpu, UCALL_DONE, &uc);
}

/* Runs @vcpu until the guest's GUEST_SYNC(@stage). */
static inline void rkvm_run_to_sync(struct kvm_vcpu *vcpu, uint64_t stage)
{
	struct ucall uc;

	vcpu_run(vcpu);
	rkvm_expect_ucall(vcpu, UCALL_SYNC, &uc);
	TEST_ASSERT(uc.args[1] == stage, "guest at stage %lu, want %lu",
		    uc.args[1], stage);
}

/* The vCPU statistic @name (binary stats interface). */
static inline uint64_t rkvm_vcpu_stat(struct kvm_vcpu *vcpu, const char *name)
{
	struct kvm_stats_header header;
	struct kvm_stats_desc *descs, *desc;
	uint64_t value = 0;
	bool found = false;
	int fd, i;

	fd = vcpu_get_stats_fd(vcpu);
	read_stats_header(fd, &header);
	descs = read_stats_descriptors(fd, &header);
	for (i = 0; i < header.num_desc; i++) {
		desc = get_stats_descriptor(descs, i, &header);
		if (!strcmp(desc->name, name)) {
			read_stat_data(fd, &header, desc, &value, 1);
			found = true;
			break;
		}
	}
	free(descs);
	close(fd);
	TEST_ASSERT(found, "the vCPU has no '%s' statistic", name);
	return value;
}

/* Kilobytes of @addr's mapping that the host backs with huge pages. */
static inline unsigned long rkvm_anon_huge_kb(void *addr)
{
	unsigned long start, end, kb = 0;
	bool in_vma = false;
	char line[256];
	FILE *f;

	f = fopen("/proc/self/smaps", "r");
	TEST_ASSERT(f, "open /proc/self/smaps");
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2) {
			in_vma = start <= (unsigned long)addr && (unsigned long)addr < end;
			continue;
		}
		if (in_vma && sscanf(line, "AnonHugePages: %lu kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

#endif /* RKVM_UTIL_H */
