// SPDX-License-Identifier: GPL-2.0
/*
 * tlb_shootdown: a guest-side check of remote TLB fences and IPIs on
 * every online CPU. One thread per CPU, each pinned. Round r maps page r
 * of a memfd, which holds the number r, at one fixed address; every
 * other thread reads it there (so its CPU's TLB holds the translation)
 * and checks the number; then the main thread unmaps it. The unmap must
 * fence the other CPUs' TLBs (an SBI remote fence or an IPI, through
 * KVM): a CPU whose stale entry survives reads the page of an earlier
 * round, which the memfd keeps alive with its own number in it, and
 * sees the wrong one. (A fresh anonymous page per round would not do:
 * the page freed by one round's unmap is the next round's, so a stale
 * entry would read the right number.) QEMU's TLB keeps stale entries
 * until fenced, so a lost fence shows.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGE 4096

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
	int fd;

	ncpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (ncpus > PAGE / (long)sizeof(uint64_t))
		ncpus = PAGE / sizeof(uint64_t);	/* a slot per CPU */
	if (ncpus < 2) {
		printf("tlb_shootdown: one CPU, nothing to fence\n");
		return 0;
	}
	/* Page r of the memfd holds r in every CPU's slot, from the start. */
	fd = memfd_create("tlb_shootdown", 0);
	if (fd < 0 || ftruncate(fd, (off_t)(ROUNDS + 1) * PAGE))
		return perror("memfd"), 1;
	for (uint64_t r = 1; r <= ROUNDS; r++) {
		uint64_t slots[PAGE / sizeof(uint64_t)];

		for (size_t c = 0; c < PAGE / sizeof(uint64_t); c++)
			slots[c] = r;
		if (pwrite(fd, slots, PAGE, (off_t)r * PAGE) != PAGE)
			return perror("pwrite"), 1;
	}
	/* Reserve the address every round maps its page at. */
	at = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
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
		page = mmap(at, PAGE, PROT_READ, MAP_SHARED | MAP_FIXED, fd, (off_t)r * PAGE);
		if (page == MAP_FAILED)
			return perror("mmap"), 1;
		if (page[0] != r)
			return fprintf(stderr, "tlb_shootdown: page %llu holds %llu\n",
				       (unsigned long long)r, (unsigned long long)page[0]), 1;
		pthread_barrier_wait(&barrier);
		pthread_barrier_wait(&barrier);
		/* Keep the reservation; the mapping of page r goes. */
		if (mmap(at, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
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
