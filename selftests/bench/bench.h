/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the benchmarks of selftests/bench/ share: the clock that counts
 * instructions, the BENCH line, a vCPU statistic, and the SBI calls
 * upstream's sbi.h does not name (TIME, IPI, HSM).
 *
 * Under scripts/boot.sh's bench mode (-icount shift=0,sleep=off) a
 * CLOCK_MONOTONIC difference read in the emulated host is a count of
 * emulated instructions, so "ns/op" below is instructions per operation.
 *
 * Neither selftests/Makefile nor the top Makefile lists this header as a
 * dependency of the benchmarks: after editing it, touch the benchmarks
 * that include it.
 */
#ifndef RKVM_BENCH_H
#define RKVM_BENCH_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "kvm_util.h"
#include "processor.h"
#include "sbi.h"
#include "test_util.h"

#define SBI_EXT_TIME			0x54494D45
#define SBI_EXT_TIME_SET_TIMER		0
#define SBI_EXT_IPI			0x735049
#define SBI_EXT_IPI_SEND_IPI		0
#define SBI_EXT_HSM			0x48534D
#define SBI_EXT_HSM_HART_START		0
#define SBI_EXT_HSM_HART_STOP		1
#define SBI_EXT_HSM_HART_STATUS		2
#define SBI_HSM_STATE_STARTED		0
#define SBI_HSM_STATE_STOPPED		1

/* An SBI set_timer to this never fires: it clears a pending timer. */
#define SBI_TIMER_NEVER			(~0UL)

static inline uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* One line per measure; scripts/bench.sh reads exactly this format. */
static inline void bench_report(const char *measure, uint64_t ns, uint64_t ops)
{
	printf("BENCH %s %.1f ns/op %lu\n", measure, (double)ns / ops, ops);
	fflush(stdout);
}

/* Guest side: an SBI call that must succeed. */
#define GUEST_SBI_OK(ext, fid, a0, a1) ({				\
	struct sbiret __r = sbi_ecall(ext, fid, a0, a1, 0, 0, 0, 0);	\
	__GUEST_ASSERT(!__r.error, "SBI %#x/%d failed: %ld",		\
		       ext, fid, __r.error);				\
	__r.value;							\
})

static inline void bench_wfi(void)
{
	asm volatile("wfi" ::: "memory");
}

#endif /* RKVM_BENCH_H */
