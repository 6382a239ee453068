// SPDX-License-Identifier: GPL-2.0
/*
 * guest_clock: the guest's clocks, for its /init (busybox reads neither).
 *
 *   guest_clock boot   CLOCK_BOOTTIME through the system call, not the
 *                      vDSO: seconds since the guest kernel's clock
 *                      started, read by the kernel (the time CSR from
 *                      S-mode).
 *   guest_clock csr    the time CSR read from user mode, as the vDSO's
 *                      clock_gettime() does, in seconds since the VM's
 *                      creation (KVM starts the guest's at 0). It needs
 *                      scounteren.TM, which the guest kernel sets (its
 *                      SBI PMU driver does) or the VMM leaves set; without
 *                      it the read is an illegal instruction.
 *
 * Three decimals.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static uint64_t timebase_hz(void)
{
	unsigned char be[4];
	FILE *f = fopen("/proc/device-tree/cpus/timebase-frequency", "rb");
	size_t n;

	if (!f)
		return 0;
	n = fread(be, 1, sizeof(be), f);
	fclose(f);
	if (n != sizeof(be))
		return 0;
	return (uint64_t)be[0] << 24 | be[1] << 16 | be[2] << 8 | be[3];
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "boot")) {
		struct timespec ts;

		if (syscall(SYS_clock_gettime, CLOCK_BOOTTIME, &ts))
			return perror("clock_gettime"), 1;
		printf("%lld.%03ld\n", (long long)ts.tv_sec, ts.tv_nsec / 1000000);
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "csr")) {
		uint64_t t, hz = timebase_hz();

		if (!hz) {
			fprintf(stderr, "guest_clock: no cpus/timebase-frequency\n");
			return 1;
		}
		__asm__ volatile("rdtime %0" : "=r"(t));
		printf("%llu.%03llu\n", (unsigned long long)(t / hz),
		       (unsigned long long)(t % hz * 1000 / hz));
		return 0;
	}
	fprintf(stderr, "usage: guest_clock boot|csr\n");
	return 2;
}
