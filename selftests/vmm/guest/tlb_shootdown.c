// SPDX-License-Identifier: GPL-2.0
/*
 * tlb_shootdown: a guest-side check of remote TLB fences and IPIs on
 * every online CPU. One thread per CPU, each pinned. In every round the
 * main thread maps a fresh page at one fixed address and writes the
 * round's number into it; every other thread then reads it there (so
 * its CPU's TLB holds the translation) and checks the number; then the
 * main thread unmaps it. The unmap must fence the other CPUs' TLBs (an
 * SBI remote fence or an IPI, through KVM): a CPU whose stale entry
 * survives reads the freed page of an earlier round, whose number is
 * wrong. QEMU's TLB keeps such entries, so a lost fence shows.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#define ROUNDS 400

static pthread_barrier_t barrier;
static volatile uint64_t *page;
static long ncpus;
static volatile int failed;

static void pin(long cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		perror("sched_setaffinity");
}

static void *reader(void *arg)
{
	long cpu = (long)arg;

	pin(cpu);
	for (uint64_t r = 1; r <= ROUNDS; r++) {
		pthread_barrier_wait(&barrier);	/* page mapped, r written */
		uint64_t seen = page[cpu];

		if (seen != r) {
			fprintf(stderr, "tlb_shootdown: CPU %ld read %llu in round %llu\n",
				cpu, (unsigned long long)seen, (unsigned long long)r);
			failed = 1;
		}
		pthread_barrier_wait(&barrier);	/* all have read */
		pthread_barrier_wait(&barrier);	/* unmapped */
	}
	return NULL;
}

int main(void)
{
	pthread_t *threads;
	void *at;

	ncpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (ncpus < 2) {
		printf("tlb_shootdown: one CPU, nothing to fence\n");
		return 0;
	}
	/* Reserve the address every round maps its page at. */
	at = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (at == MAP_FAILED)
		return perror("mmap"), 1;
	threads = calloc(ncpus, sizeof(*threads));
	if (!threads || pthread_barrier_init(&barrier, NULL, ncpus))
		return perror("setup"), 1;
	for (long c = 1; c < ncpus; c++)
		if (pthread_create(&threads[c], NULL, reader, (void *)c))
			return perror("pthread_create"), 1;
	pin(0);
	for (uint64_t r = 1; r <= ROUNDS; r++) {
		page = mmap(at, 4096, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		if (page == MAP_FAILED)
			return perror("mmap"), 1;
		for (long c = 0; c < ncpus; c++)
			page[c] = r;
		pthread_barrier_wait(&barrier);
		pthread_barrier_wait(&barrier);
		/* Keep the reservation; the page itself goes. */
		if (mmap(at, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
			 -1, 0) == MAP_FAILED)
			return perror("mmap"), 1;
		pthread_barrier_wait(&barrier);
	}
	for (long c = 1; c < ncpus; c++)
		pthread_join(threads[c], NULL);
	printf("tlb_shootdown: %d rounds on %ld CPUs, %s\n", ROUNDS, ncpus,
	       failed ? "STALE TRANSLATIONS" : "every read saw its round");
	return failed;
}
