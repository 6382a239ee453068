// SPDX-License-Identifier: GPL-2.0
/*
 * kvm_fuzz: drive /dev/kvm with random, partly malformed calls from
 * several threads at once, and fail on any result no correct KVM gives.
 *
 *   kvm_fuzz [-s SEED] [-t SECONDS] [-n OPS] [-j THREADS]
 *
 * (or FUZZ_SEED, FUZZ_SECONDS, FUZZ_OPS in the environment). It prints
 * its seed first, a progress line every 10 s and one summary line last;
 * the same seed replays the same choices per thread, though not the same
 * interleaving. Up to MAX_VMS VMs of up to MAX_VCPUS vCPUs are created
 * and destroyed at random; every worker thread picks a VM and an
 * operation: vCPU and VM lifecycle (valid, duplicate and huge ids),
 * memslots (created, moved, resized, deleted, every flag combination,
 * odd addresses and sizes, while vCPUs run), dirty logs, ONE_REG of every
 * register class and random ids, the register list with every n, power
 * state, KVM_INTERRUPT, guest debug, capabilities, random ioctl numbers,
 * and KVM_RUN of guest programs made of random words or of random SBI
 * calls (every extension, random functions and arguments: HSM, IPIs,
 * remote fences, SRST, PMU, DBCN, STA), loads and stores of every width
 * to random addresses, CSR accesses, wfi, sret, fences and breakpoints.
 * Exits to userspace are completed with random data; runs are stopped by
 * a per-thread timer signal and by immediate_exit; fds are closed while
 * other threads run them (each runner works on its own dup()).
 *
 * Host splats and hangs are the harness's to see (kernel log, lockup and
 * stall detectors, timeouts). This program fails (exit 1) only on a
 * result no correct KVM gives: success for a certainly invalid argument,
 * EFAULT for a certainly valid buffer, an errno outside the user ABI.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MAX_VMS		4
#define MAX_VCPUS	4
#define MAX_SLOTS	6	/* memslot ids the fuzzer uses */
#define PAGE		4096UL
/* Host memory a VM's memslots are carved from (THP-sized, aligned). */
#define POOL_SIZE	(4UL << 20)
/* Guest layout: the program, then the data its instructions load. */
#define CODE_GPA	0x80000000UL
#define CODE_SIZE	(64 * 1024UL)
#define DATA_OFF	0x8000UL
#define MAX_INSNS	256
#define ONE_REG_BUF	(64 * 1024)

enum fuzz_stat {
	ST_OPS, ST_RUNS, ST_EXIT_MMIO, ST_EXIT_SBI, ST_EXIT_CSR, ST_EXIT_INTR,
	ST_EXIT_EVENT, ST_EXIT_DEBUG, ST_EXIT_OTHER, ST_RUN_ERR, ST_VMS,
	ST_VCPUS, ST_SLOTS, ST_CLOSES, ST_IMPOSSIBLE, ST_NR,
};

static const char *const stat_names[ST_NR] = {
	"ops", "runs", "mmio", "sbi", "csr", "intr", "event", "debug",
	"other", "run_errors", "vms", "vcpus", "slot_changes", "closes",
	"impossible",
};

static unsigned long stats[ST_NR];

static void count(enum fuzz_stat s)
{
	__atomic_fetch_add(&stats[s], 1, __ATOMIC_RELAXED);
}


struct vm {
	pthread_rwlock_t lock;	/* write: the fds change */
	int fd;			/* -1: no VM in this place */
	int vcpu_fds[MAX_VCPUS];	/* -1: no vCPU there */
	uint8_t *pool;		/* POOL_SIZE bytes, slot memory */
	uint8_t *code;		/* CODE_SIZE bytes at CODE_GPA, slot 0 */
};

static int kvm_fd;
static size_t run_size;
static long max_vcpu_id;
static struct vm vms[MAX_VMS];
static uint64_t seed;
static unsigned long max_ops = ~0UL;
static struct timespec deadline;
static volatile bool stop;

/* --- randomness -------------------------------------------------------- */

struct rng {
	uint64_t s;
};

static uint64_t next(struct rng *r)
{
	/* xorshift64* */
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545F4914F6CDD1DULL;
}

static uint64_t below(struct rng *r, uint64_t n)
{
	return n ? next(r) % n : 0;
}

static bool chance(struct rng *r, unsigned int pct)
{
	return below(r, 100) < pct;
}

/* A value of the kind that finds edge cases. */
static uint64_t interesting(struct rng *r)
{
	static const uint64_t v[] = {
		0, 1, 2, 3, 4, 7, 8, 63, 64, 4095, 4096, 0x7fffffff, 0x80000000,
		0xffffffff, 1ULL << 32, 1ULL << 63, ~0ULL, ~0ULL - 1, CODE_GPA,
		CODE_GPA + DATA_OFF, CODE_GPA + CODE_SIZE, 1ULL << 40, 1ULL << 56,
	};

	switch (below(r, 4)) {
	case 0:
		return v[below(r, sizeof(v) / sizeof(v[0]))];
	case 1:
		return below(r, 16);
	case 2:
		return CODE_GPA + below(r, 2 * CODE_SIZE);
	default:
		return next(r);
	}
}

/* --- reporting --------------------------------------------------------- */

static void impossible(const char *fmt, ...)
{
	static int shown;
	va_list ap;

	count(ST_IMPOSSIBLE);
	if (__atomic_fetch_add(&shown, 1, __ATOMIC_RELAXED) >= 20)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "kvm_fuzz: IMPOSSIBLE: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
}

/*
 * An ioctl's result, checked for what no KVM returns whatever the
 * argument: an errno the kernel keeps to itself (ERESTARTSYS and the
 * like are above 511) or none at all with -1.
 */
static long xioctl(int fd, unsigned long cmd, unsigned long arg, const char *what)
{
	long r = ioctl(fd, cmd, arg);

	if (r < 0 && (errno <= 0 || errno >= 512))
		impossible("%s (%#lx): errno %d", what, cmd, errno);
	return r;
}

static bool past_deadline(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > deadline.tv_sec ||
	       (now.tv_sec == deadline.tv_sec && now.tv_nsec >= deadline.tv_nsec);
}

/* --- VMs, vCPUs, memslots ---------------------------------------------- */

/* Called with the VM's lock held for writing. */
static void destroy_vm(struct vm *vm)
{
	int i;

	for (i = 0; i < MAX_VCPUS; i++) {
		if (vm->vcpu_fds[i] >= 0)
			close(vm->vcpu_fds[i]);
		vm->vcpu_fds[i] = -1;
	}
	if (vm->fd >= 0)
		close(vm->fd);
	vm->fd = -1;
}

static int set_slot(int vm_fd, uint32_t slot, uint32_t flags, uint64_t gpa,
		    uint64_t size, uint64_t hva)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot, .flags = flags, .guest_phys_addr = gpa,
		.memory_size = size, .userspace_addr = hva,
	};

	return xioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, (unsigned long)&r,
		      "SET_USER_MEMORY_REGION");
}

/* Called with the VM's lock held for writing. */
static void create_vm(struct vm *vm, struct rng *r)
{
	vm->fd = xioctl(kvm_fd, KVM_CREATE_VM, 0, "CREATE_VM");
	if (vm->fd < 0)
		return;
	count(ST_VMS);
	set_slot(vm->fd, 0, 0, CODE_GPA, CODE_SIZE, (uint64_t)vm->code);
	if (chance(r, 50)) {
		struct kvm_enable_cap cap = { .cap = KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2,
					      .args[0] = below(r, 4) };

		xioctl(vm->fd, KVM_ENABLE_CAP, (unsigned long)&cap, "ENABLE_CAP(VM)");
	}
}

/* Called with the VM's lock held for writing. */
static void create_vcpu(struct vm *vm, struct rng *r)
{
	unsigned long id;
	int i, fd;

	switch (below(r, 4)) {
	case 0:
		id = max_vcpu_id + below(r, 1 << 20);
		break;
	case 1:
		id = interesting(r);
		break;
	default:
		id = below(r, MAX_VCPUS);
		break;
	}
	fd = xioctl(vm->fd, KVM_CREATE_VCPU, id, "CREATE_VCPU");
	if (fd >= 0 && id >= (unsigned long)max_vcpu_id)
		impossible("KVM_CREATE_VCPU %lu succeeded (KVM_CAP_MAX_VCPU_ID %ld)",
			   id, max_vcpu_id);
	if (fd < 0)
		return;
	for (i = 0; i < MAX_VCPUS && vm->vcpu_fds[i] >= 0; i++)
		;
	if (i == MAX_VCPUS) {
		close(fd);
		return;
	}
	vm->vcpu_fds[i] = fd;
	count(ST_VCPUS);
}

static void op_memslot(struct vm *vm, int vm_fd, struct rng *r)
{
	static const uint32_t flag_set[] = {
		0, KVM_MEM_LOG_DIRTY_PAGES, KVM_MEM_READONLY,
		KVM_MEM_LOG_DIRTY_PAGES | KVM_MEM_READONLY, 1u << 2, 1u << 7, ~0u,
	};
	uint32_t slot = below(r, MAX_SLOTS), flags = flag_set[below(r, 7)];
	uint64_t gpa, size, hva, off;
	bool bad = false;
	int ret;

	if (chance(r, 5))
		slot = 0x7fff;	/* beyond KVM_USER_MEM_SLOTS */
	off = below(r, POOL_SIZE / PAGE) * PAGE;
	size = (1 + below(r, (POOL_SIZE - off) / PAGE)) * PAGE;
	hva = (uint64_t)vm->pool + off;
	gpa = chance(r, 70) ? (1ULL << 32) + below(r, 64) * (2UL << 20) + below(r, 512) * PAGE
			    : interesting(r) & ~(PAGE - 1);
	if (chance(r, 10))
		size = 0;			/* delete */
	if (chance(r, 5)) {
		gpa |= 1 + below(r, PAGE - 1);	/* misaligned */
		bad = size != 0;
	}
	if (chance(r, 5)) {
		size += 1 + below(r, PAGE - 1);
		bad = true;
	}
	if (chance(r, 5)) {
		hva |= 1 + below(r, PAGE - 1);
		bad = bad || size != 0;
	}
	if (flags & ~(KVM_MEM_LOG_DIRTY_PAGES | KVM_MEM_READONLY))
		bad = true;
	if (slot == 0x7fff)
		bad = true;
	if (slot == 0 && chance(r, 80))
		return;			/* keep the program's slot mostly */
	ret = set_slot(vm_fd, slot, flags, gpa, size, hva);
	count(ST_SLOTS);
	if (ret == 0 && bad)
		impossible("SET_USER_MEMORY_REGION slot %#x flags %#x gpa %#lx size %#lx hva %#lx succeeded",
			   slot, flags, gpa, size, hva);
}

static void op_dirty_log(int vm_fd, struct rng *r, uint8_t *buf)
{
	uint32_t slot = below(r, MAX_SLOTS + 1);
	void *bitmap = chance(r, 80) ? buf : (void *)(uintptr_t)interesting(r);

	if (chance(r, 50)) {
		struct kvm_dirty_log log = { .slot = slot, .dirty_bitmap = bitmap };

		xioctl(vm_fd, KVM_GET_DIRTY_LOG, (unsigned long)&log, "GET_DIRTY_LOG");
	} else {
		struct kvm_clear_dirty_log log = {
			.slot = slot, .first_page = below(r, 2) ? below(r, 1024) & ~63 : interesting(r),
			.num_pages = below(r, 2) ? 64 * below(r, 16) : interesting(r),
			.dirty_bitmap = bitmap,
		};

		xioctl(vm_fd, KVM_CLEAR_DIRTY_LOG, (unsigned long)&log, "CLEAR_DIRTY_LOG");
	}
}

/* --- vCPU ioctls -------------------------------------------------------- */

static uint64_t random_reg_id(struct rng *r)
{
	/* Types 1..10 of <asm/kvm.h>, their subtypes, sizes and indices. */
	uint64_t type = below(r, 12), subtype = 0, index, size;

	switch (type) {
	case 3:		/* CSR: GENERAL, AIA, SMSTATEEN */
	case 7:		/* ISA_EXT: SINGLE, MULTI_EN, MULTI_DIS */
	case 8:		/* SBI_EXT */
	case 10:	/* SBI_STATE */
		subtype = below(r, 4);
		break;
	}
	index = chance(r, 80) ? below(r, 70) : next(r) & 0xffff;
	size = chance(r, 80) ? (type == 5 ? 2 : 3) : below(r, 16);
	if (chance(r, 5))
		return next(r);
	return KVM_REG_RISCV | (size << KVM_REG_SIZE_SHIFT) | (type << 24) |
	       (subtype << 16) | index;
}

static void op_one_reg(int fd, struct rng *r, uint8_t *buf)
{
	struct kvm_one_reg reg = { .id = random_reg_id(r), .addr = (uint64_t)buf };
	bool set = chance(r, 50);
	long ret;

	if (chance(r, 5))
		reg.addr = interesting(r);
	if (set) {
		uint64_t v = interesting(r);

		memcpy(buf, &v, sizeof(v));
	}
	ret = xioctl(fd, set ? KVM_SET_ONE_REG : KVM_GET_ONE_REG, (unsigned long)&reg,
		     set ? "SET_ONE_REG" : "GET_ONE_REG");
	/* buf holds ONE_REG_BUF bytes: more than any register's size. */
	if (ret < 0 && errno == EFAULT && reg.addr == (uint64_t)buf)
		impossible("%s_ONE_REG %#llx with a valid buffer: EFAULT",
			   set ? "SET" : "GET", (unsigned long long)reg.id);
}

static void op_reg_list(int fd, struct rng *r, uint8_t *buf)
{
	struct kvm_reg_list *list = (void *)buf;
	uint64_t n = chance(r, 70) ? below(r, 400) : interesting(r);
	long ret;

	/* The buffer holds ONE_REG_BUF / 8 - 1 ids. */
	list->n = n;
	ret = xioctl(fd, KVM_GET_REG_LIST, (unsigned long)list, "GET_REG_LIST");
	if (ret < 0 && errno == EFAULT && n < ONE_REG_BUF / 8 - 1)
		impossible("KVM_GET_REG_LIST n=%lu with a valid buffer: EFAULT", n);
}

static void op_vcpu_misc(int fd, struct rng *r, uint8_t *buf)
{
	switch (below(r, 7)) {
	case 0: {
		struct kvm_mp_state mp;

		if (xioctl(fd, KVM_GET_MP_STATE, (unsigned long)&mp, "GET_MP_STATE") == 0 &&
		    mp.mp_state != KVM_MP_STATE_RUNNABLE && mp.mp_state != KVM_MP_STATE_STOPPED)
			impossible("KVM_GET_MP_STATE gave %u", mp.mp_state);
		break;
	}
	case 1: {
		struct kvm_mp_state mp = { .mp_state = below(r, 2) ? below(r, 2) * 5 : interesting(r) };

		xioctl(fd, KVM_SET_MP_STATE, (unsigned long)&mp, "SET_MP_STATE");
		break;
	}
	case 2: {
		struct kvm_interrupt irq = { .irq = below(r, 2) ? KVM_INTERRUPT_SET - below(r, 2)
								 : interesting(r) };

		xioctl(fd, KVM_INTERRUPT, (unsigned long)&irq, "INTERRUPT");
		break;
	}
	case 3: {
		struct kvm_guest_debug dbg = { .control = below(r, 2) ? below(r, 4) : interesting(r) };

		xioctl(fd, KVM_SET_GUEST_DEBUG, (unsigned long)&dbg, "SET_GUEST_DEBUG");
		break;
	}
	case 4: {
		struct kvm_enable_cap cap = { .cap = below(r, 300), .flags = below(r, 2),
					      .args = { interesting(r), interesting(r) } };

		xioctl(fd, KVM_ENABLE_CAP, (unsigned long)&cap, "ENABLE_CAP(vCPU)");
		break;
	}
	case 5:
		op_reg_list(fd, r, buf);
		break;
	default: {
		/*
		 * A random KVM ioctl number. KVM_RUN is left to the runner
		 * (it would run with no program), the rest gets a zeroed
		 * buffer large enough for any argument.
		 */
		unsigned long nr = below(r, 0x100), dir = below(r, 4), size = below(r, 1024);
		unsigned long cmd = _IOC(dir, KVMIO, nr, size);

		if (nr == 0x80)
			break;
		memset(buf, 0, 4096);
		xioctl(fd, cmd, (unsigned long)buf, "random vCPU ioctl");
		break;
	}
	}
}

/* --- guest programs ---------------------------------------------------- */

/* RISC-V encodings the program generator needs. */
#define R_T0 5
#define R_T1 6
#define R_T2 7
#define R_A0 10

static uint32_t ld(unsigned int rd, unsigned int rs1, unsigned int imm)
{
	return (imm << 20) | (rs1 << 15) | (3 << 12) | (rd << 7) | 0x03;
}

static uint32_t lui(unsigned int rd, uint32_t imm20)
{
	return (imm20 << 12) | (rd << 7) | 0x37;
}

struct program {
	uint32_t insn[MAX_INSNS];
	unsigned int n;
	uint64_t data[256];	/* at DATA_OFF: what the program loads */
	unsigned int nd;
};

static void emit(struct program *p, uint32_t insn)
{
	if (p->n < MAX_INSNS)
		p->insn[p->n++] = insn;
}

/* Loads a random 64-bit value into @rd from the data area (t0 = base). */
static void emit_value(struct program *p, unsigned int rd, uint64_t v)
{
	if (p->nd >= 255)
		return;
	p->data[p->nd] = v;
	emit(p, ld(rd, R_T0, p->nd * 8));
	p->nd++;
}

static const uint64_t sbi_exts[] = {
	0, 1, 2, 3, 4, 5, 6, 7, 8,	/* the legacy calls */
	0x10,				/* BASE */
	0x54494D45,			/* TIME */
	0x735049,			/* IPI */
	0x52464E43,			/* RFENCE */
	0x48534D,			/* HSM */
	0x53525354,			/* SRST */
	0x504D55,			/* PMU */
	0x4442434E,			/* DBCN */
	0x535441,			/* STA */
	0x53555350,			/* SUSP */
	0x08000000, 0x08FFFFFF,		/* experimental */
	0x09000000, 0x09FFFFFF,		/* vendor */
};

static void emit_ecall(struct program *p, struct rng *r)
{
	uint64_t ext = chance(r, 90) ? sbi_exts[below(r, sizeof(sbi_exts) / 8)] : next(r);
	int i;

	/* SRST ends the VM's run for good: keep it rare. */
	if (ext == 0x53525354 || ext == 8)
		ext = chance(r, 10) ? ext : 0x10;
	emit_value(p, 17, ext);				/* a7 */
	emit_value(p, 16, chance(r, 85) ? below(r, 12) : next(r));	/* a6 */
	for (i = 0; i < 6; i++)
		emit_value(p, R_A0 + i, chance(r, 30) ? below(r, MAX_VCPUS + 1) : interesting(r));
	emit(p, 0x00000073);				/* ecall */
}

static void emit_access(struct program *p, struct rng *r)
{
	/* funct3 of the loads (LB..LWU, LD) and stores (SB..SD). */
	unsigned int f3 = below(r, 7);
	uint64_t addr = chance(r, 50) ? interesting(r) : (1ULL << 32) + below(r, 1 << 28);

	emit_value(p, R_T1, addr);
	if (chance(r, 50))
		emit(p, (f3 << 12) | (R_T1 << 15) | (R_T2 << 7) | 0x03);
	else
		emit(p, ((f3 & 3) << 12) | (R_T1 << 15) | (R_T2 << 20) | 0x23);
	if (chance(r, 20)) {
		/* c.lw / c.sw / c.ld / c.sd through x9 (s1 = t1), then c.nop. */
		static const uint16_t c[] = { 0x4084, 0xc084, 0x6084, 0xe084 };

		emit_value(p, 9, addr);
		emit(p, 0x0001u << 16 | c[below(r, 4)]);
	}
}

static void emit_csr(struct program *p, struct rng *r)
{
	static const uint16_t csrs[] = {
		0x100, 0x104, 0x105, 0x106, 0x140, 0x141, 0x142, 0x143, 0x144,
		0x180, 0x10a, 0x10c, 0x14d, 0x15d, 0xc00, 0xc01, 0xc02, 0xc03,
		0xc1f, 0x015, 0x600, 0x602, 0x603, 0x604, 0x680, 0x200, 0x300,
		0x7a0, 0xda0, 0x3a0, 0xf11, 0x5a8,
	};
	unsigned int csr = chance(r, 80) ? csrs[below(r, sizeof(csrs) / 2)] : below(r, 4096);
	unsigned int f3 = 1 + below(r, 7);

	if (f3 == 4)
		f3 = 2;
	emit_value(p, R_T1, interesting(r));
	emit(p, (csr << 20) | (R_T1 << 15) | (f3 << 12) | (R_T2 << 7) | 0x73);
}

static void make_program(struct program *p, struct rng *r)
{
	static const uint32_t system[] = {
		0x10500073,	/* wfi */
		0x10200073,	/* sret */
		0x0ff0000f,	/* fence */
		0x0000100f,	/* fence.i */
		0x12000073,	/* sfence.vma */
		0x22000073,	/* hfence.vvma */
		0x62000073,	/* hfence.gvma */
		0x00100073,	/* ebreak */
		0x00019002,	/* c.ebreak; c.nop */
		0x30200073,	/* mret */
		0x00d00073,	/* wrs.nto */
	};
	unsigned int ops = 1 + below(r, 12), i;

	p->n = p->nd = 0;
	/* t0 = the data area: lui takes bits 31:12, sign-extended. */
	emit(p, lui(R_T0, (CODE_GPA + DATA_OFF) >> 12));
	emit(p, 0x02029293);	/* slli t0, t0, 32 */
	emit(p, 0x0202d293);	/* srli t0, t0, 32 */
	if (chance(r, 10)) {
		while (p->n < MAX_INSNS)
			emit(p, chance(r, 50) ? next(r) : (next(r) & 0xffff) | 0x00010000);
		return;
	}
	for (i = 0; i < ops; i++) {
		switch (below(r, 5)) {
		case 0:
		case 1:
			emit_ecall(p, r);
			break;
		case 2:
			emit_access(p, r);
			break;
		case 3:
			emit_csr(p, r);
			break;
		default:
			emit(p, system[below(r, sizeof(system) / 4)]);
			break;
		}
	}
	/* j . : spin until the timer signal ends the run. */
	emit(p, 0x0000006f);
}

/* --- KVM_RUN ------------------------------------------------------------ */

static void set_reg(int fd, uint64_t id, uint64_t v)
{
	struct kvm_one_reg reg = { .id = id, .addr = (uint64_t)&v };

	xioctl(fd, KVM_SET_ONE_REG, (unsigned long)&reg, "SET_ONE_REG(setup)");
}

#define CORE_REG(i)	(KVM_REG_RISCV | KVM_REG_SIZE_U64 | KVM_REG_RISCV_CORE | (i))
#define CSR_REG(i)	(KVM_REG_RISCV | KVM_REG_SIZE_U64 | KVM_REG_RISCV_CSR | (i))

/* Fills what userspace answers to the exit @run stopped at. */
static void complete_exit(struct kvm_run *run, struct rng *r)
{
	switch (run->exit_reason) {
	case KVM_EXIT_MMIO:
		count(ST_EXIT_MMIO);
		for (int i = 0; i < 8; i++)
			run->mmio.data[i] = next(r);
		break;
	case KVM_EXIT_RISCV_SBI:
		count(ST_EXIT_SBI);
		run->riscv_sbi.ret[0] = interesting(r);
		run->riscv_sbi.ret[1] = interesting(r);
		break;
	case KVM_EXIT_RISCV_CSR:
		count(ST_EXIT_CSR);
		run->riscv_csr.ret_value = interesting(r);
		break;
	case KVM_EXIT_INTR:
		count(ST_EXIT_INTR);
		break;
	case KVM_EXIT_SYSTEM_EVENT:
		count(ST_EXIT_EVENT);
		break;
	case KVM_EXIT_DEBUG:
		count(ST_EXIT_DEBUG);
		break;
	default:
		count(ST_EXIT_OTHER);
		break;
	}
}

static void op_run(struct vm *vm, int fd, struct kvm_run *run, struct rng *r,
		   struct program *p)
{
	int i;

	if (chance(r, 90)) {
		make_program(p, r);
		/* Other vCPUs may be running the old one: that is the point. */
		memcpy(vm->code + 0x1000 * below(r, 4), p->insn, p->n * 4);
		memcpy(vm->code + DATA_OFF, p->data, p->nd * 8);
		set_reg(fd, CORE_REG(0), CODE_GPA + 0x1000 * below(r, 4));	/* pc */
		/*
		 * Mostly VS-mode without translation; else any privilege,
		 * sstatus and satp (vsstatus and vsatp reach the hart).
		 */
		if (chance(r, 80)) {
			set_reg(fd, CSR_REG(8), 0);				/* satp */
		} else {
			set_reg(fd, CORE_REG(32), below(r, 2));			/* mode */
			set_reg(fd, CSR_REG(0), chance(r, 50) ? 1ULL << below(r, 64) : next(r));
			set_reg(fd, CSR_REG(8), chance(r, 50) ? below(r, 16) << 60 : next(r));
		}
		if (chance(r, 50))
			set_reg(fd, CSR_REG(1), CODE_GPA + 0x1000 * below(r, 4));	/* stvec */
	}
	for (i = 0; i < 4 && !stop; i++) {
		if (run && chance(r, 5))
			run->immediate_exit = 1;
		if (xioctl(fd, KVM_RUN, 0, "RUN") < 0) {
			count(errno == EINTR ? ST_EXIT_INTR : ST_RUN_ERR);
		} else if (run) {
			complete_exit(run, r);
		}
		count(ST_RUNS);
		if (run)
			run->immediate_exit = 0;
	}
}

/* --- workers ------------------------------------------------------------ */

static void on_tick(int sig)
{
}

/* A timer that interrupts this thread every 5-25 ms, ending its KVM_RUN. */
static void start_ticks(struct rng *r)
{
	struct sigevent ev = {
		.sigev_notify = SIGEV_THREAD_ID,
		.sigev_signo = SIGUSR1,
	};
	long ms = 5 + below(r, 20);
	struct itimerspec its = {
		.it_value = { 0, ms * 1000000 },
		.it_interval = { 0, ms * 1000000 },
	};
	timer_t t;

	ev._sigev_un._tid = syscall(SYS_gettid);
	if (timer_create(CLOCK_MONOTONIC, &ev, &t) == 0)
		timer_settime(t, 0, &its, NULL);
}

struct worker {
	pthread_t thread;
	struct rng rng;
	uint8_t *buf;
	struct program prog;
};

/* One operation on one VM. */
static void step(struct worker *w)
{
	struct rng *r = &w->rng;
	struct vm *vm = &vms[below(r, MAX_VMS)];
	unsigned int what = below(r, 100);
	int fd, vm_fd, i;
	struct kvm_run *run;

	if (what < 6) {
		/* Lifecycle: the fds change, so the lock is taken for writing. */
		pthread_rwlock_wrlock(&vm->lock);
		if (vm->fd < 0)
			create_vm(vm, r);
		else if (what < 2)
			destroy_vm(vm), count(ST_CLOSES);
		else if (what < 4)
			create_vcpu(vm, r);
		else if ((i = below(r, MAX_VCPUS)), vm->vcpu_fds[i] >= 0) {
			/* Closed while another thread may be running a dup(). */
			close(vm->vcpu_fds[i]);
			vm->vcpu_fds[i] = -1;
			count(ST_CLOSES);
		}
		pthread_rwlock_unlock(&vm->lock);
		return;
	}

	/*
	 * Everything else works on dup()s taken under the lock, which is
	 * dropped at once: a close or a VM destruction on another thread
	 * races whatever this one does with them, as closing fds while
	 * other threads use them does in a real VMM.
	 */
	pthread_rwlock_rdlock(&vm->lock);
	vm_fd = vm->fd >= 0 ? dup(vm->fd) : -1;
	i = below(r, MAX_VCPUS);
	fd = vm->vcpu_fds[i] >= 0 ? dup(vm->vcpu_fds[i]) : -1;
	pthread_rwlock_unlock(&vm->lock);

	if (what < 20 && vm_fd >= 0) {
		op_memslot(vm, vm_fd, r);
	} else if (what < 25 && vm_fd >= 0) {
		op_dirty_log(vm_fd, r, w->buf);
	} else if (what < 60 && fd >= 0) {
		/* This run's own mapping: the owner's may go any time. */
		run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		op_run(vm, fd, run == MAP_FAILED ? NULL : run, r, &w->prog);
		if (run != MAP_FAILED)
			munmap(run, run_size);
	} else if (what < 80 && fd >= 0) {
		op_one_reg(fd, r, w->buf);
	} else if (fd >= 0) {
		op_vcpu_misc(fd, r, w->buf);
	}
	if (fd >= 0)
		close(fd);
	if (vm_fd >= 0)
		close(vm_fd);
}

static void *work(void *arg)
{
	struct worker *w = arg;

	start_ticks(&w->rng);
	while (!stop) {
		if (__atomic_fetch_add(&stats[ST_OPS], 1, __ATOMIC_RELAXED) >= max_ops ||
		    past_deadline()) {
			stop = true;
			break;
		}
		step(w);
	}
	return NULL;
}

static void print_stats(const char *what, long secs)
{
	int i;

	printf("kvm_fuzz: %s seed %#lx secs %ld", what, seed, secs);
	for (i = 0; i < ST_NR; i++)
		printf(" %s %lu", stat_names[i], __atomic_load_n(&stats[i], __ATOMIC_RELAXED));
	printf("\n");
	fflush(stdout);
}

static unsigned long env_or(const char *name, unsigned long dflt)
{
	const char *v = getenv(name);

	return v && *v ? strtoul(v, NULL, 0) : dflt;
}

int main(int argc, char **argv)
{
	unsigned long secs = env_or("FUZZ_SECONDS", 45);
	unsigned int threads = 6, i;
	struct timespec start, now;
	struct worker *w;
	int opt;

	seed = env_or("FUZZ_SEED", 0x5eed);
	max_ops = env_or("FUZZ_OPS", ~0UL);
	while ((opt = getopt(argc, argv, "s:t:n:j:")) != -1) {
		switch (opt) {
		case 's': seed = strtoul(optarg, NULL, 0); break;
		case 't': secs = strtoul(optarg, NULL, 0); break;
		case 'n': max_ops = strtoul(optarg, NULL, 0); break;
		case 'j': threads = strtoul(optarg, NULL, 0); break;
		default:
			fprintf(stderr, "usage: %s [-s SEED] [-t SECONDS] [-n OPS] [-j THREADS]\n",
				argv[0]);
			return 2;
		}
	}
	printf("kvm_fuzz: seed %#lx, %lu s, %u threads (replay: -s %#lx)\n",
	       seed, secs, threads, seed);
	fflush(stdout);

	kvm_fd = open("/dev/kvm", O_RDWR);
	if (kvm_fd < 0) {
		printf("kvm_fuzz: no /dev/kvm: skip\n");
		return 4;
	}
	run_size = ioctl(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	max_vcpu_id = ioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPU_ID);
	if (max_vcpu_id <= 0)
		max_vcpu_id = ioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
	signal(SIGUSR1, on_tick);

	for (i = 0; i < MAX_VMS; i++) {
		struct vm *vm = &vms[i];

		pthread_rwlock_init(&vm->lock, NULL);
		vm->fd = -1;
		for (int j = 0; j < MAX_VCPUS; j++)
			vm->vcpu_fds[j] = -1;
		vm->pool = mmap(NULL, POOL_SIZE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		vm->code = mmap(NULL, CODE_SIZE, PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (vm->pool == MAP_FAILED || vm->code == MAP_FAILED) {
			perror("mmap");
			return 1;
		}
		madvise(vm->pool, POOL_SIZE, MADV_HUGEPAGE);
	}

	clock_gettime(CLOCK_MONOTONIC, &start);
	deadline = start;
	deadline.tv_sec += secs;
	w = calloc(threads, sizeof(*w));
	for (i = 0; i < threads; i++) {
		w[i].rng.s = seed * 0x9E3779B97F4A7C15ULL + i + 1;
		w[i].buf = calloc(1, ONE_REG_BUF);
		pthread_create(&w[i].thread, NULL, work, &w[i]);
	}
	/* Join the workers, with a progress line every 10 s meanwhile. */
	for (i = 0; i < threads; i++) {
		for (;;) {
			struct timespec until;

			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_sec += 10;
			if (pthread_timedjoin_np(w[i].thread, NULL, &until) == 0)
				break;
			clock_gettime(CLOCK_MONOTONIC, &now);
			print_stats("progress", now.tv_sec - start.tv_sec);
		}
	}
	for (i = 0; i < MAX_VMS; i++)
		destroy_vm(&vms[i]);
	clock_gettime(CLOCK_MONOTONIC, &now);
	print_stats("done", now.tv_sec - start.tv_sec);
	return stats[ST_IMPOSSIBLE] ? 1 : 0;
}
