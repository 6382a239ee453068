/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the project's selftests, on top of upstream's
 * kvm_util: running a vCPU to the guest's next ucall.
 */
#ifndef RKVM_UTIL_H
#define RKVM_UTIL_H

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

#endif /* RKVM_UTIL_H */
