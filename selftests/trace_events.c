// SPDX-License-Identifier: GPL-2.0
/*
 * trace_events: the trace events kvm:kvm_entry and kvm:kvm_exit, as the
 * C backend defines them (arch/riscv/kvm/trace.h) and tools read them.
 *
 * The guest stops at a ucall, makes one SBI call that KVM answers in the
 * kernel (BASE get_spec_version) from a known address, and stops at the
 * next ucall.  With both events on for that run, tracefs must show, in
 * order and ignoring exits for host interrupts (scause bit 63, which a
 * timer tick may add anywhere):
 *
 *   kvm_entry  pc   = where the first ucall resumes (its ecall + 4)
 *   kvm_exit   sepc = the SBI call's ecall, scause = 10 (ecall from VS)
 *   kvm_entry  pc   = the ecall + 4
 *   kvm_exit   sepc = the second ucall's ecall, scause = 10
 *
 * so exactly one entry and one exit belong to the SBI call.  Each event's
 * format file must also name upstream's fields.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kvm_util.h"
#include "processor.h"
#include "sbi.h"
#include "test_util.h"
#include "ucall_common.h"
#include "rkvm_util.h"

#define TRACEFS		"/sys/kernel/tracing"
#define MAX_EVENTS	64
#define CAUSE_VS_ECALL	10UL
#define CAUSE_INTERRUPT	(1UL << 63)

/* The SBI call, at an address the host can name: probe_ecall. */
extern char probe_ecall[];

static noinline unsigned long probe_call(void)
{
	register unsigned long a0 asm("a0") = 0;
	register unsigned long a1 asm("a1") = 0;
	register unsigned long a6 asm("a6") = SBI_EXT_BASE_GET_SPEC_VERSION;
	register unsigned long a7 asm("a7") = SBI_EXT_BASE;

	asm volatile(".global probe_ecall\n"
		     "probe_ecall: ecall"
		     : "+r"(a0), "+r"(a1) : "r"(a6), "r"(a7) : "memory");
	return a0;
}

static void guest_code(void)
{
	unsigned long error;

	GUEST_SYNC(1);
	error = probe_call();
	GUEST_SYNC(2);
	GUEST_ASSERT_EQ(error, 0);
	GUEST_DONE();
}

static void write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_TRUNC);

	TEST_ASSERT(fd >= 0, "open %s: %s", path, strerror(errno));
	TEST_ASSERT(write(fd, s, strlen(s)) == (ssize_t)strlen(s), "write %s", path);
	close(fd);
}

/* The whole of a tracefs file, NUL-terminated; the caller frees it. */
static char *read_file(const char *path)
{
	size_t len = 0, cap = 1 << 16;
	char *buf = malloc(cap);
	int fd = open(path, O_RDONLY);
	ssize_t n;

	TEST_ASSERT(buf && fd >= 0, "open %s: %s", path, strerror(errno));
	while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += n;
		if (cap - len < 2) {
			cap *= 2;
			buf = realloc(buf, cap);
			TEST_ASSERT(buf, "realloc");
		}
	}
	TEST_ASSERT(n == 0, "read %s: %s", path, strerror(errno));
	buf[len] = 0;
	close(fd);
	return buf;
}

static void check_format(const char *event, const char *const *fields)
{
	char path[128], *fmt;

	snprintf(path, sizeof(path), TRACEFS "/events/kvm/%s/format", event);
	fmt = read_file(path);
	for (; *fields; fields++) {
		char want[64];

		snprintf(want, sizeof(want), "unsigned long %s;", *fields);
		TEST_ASSERT(strstr(fmt, want), "%s has no field '%s':\n%s", event, want, fmt);
	}
	free(fmt);
}

struct event {
	int exit;		/* 0: kvm_entry, 1: kvm_exit */
	unsigned long pc;	/* kvm_entry's pc, kvm_exit's sepc */
	unsigned long scause, stval, htval, htinst;
};

/* The events in tracefs' text, in order, without interrupt exits. */
static int parse(char *text, struct event *ev)
{
	int n = 0, skip = 0;
	char *line, *save;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct event e = { 0 };
		char *p;

		if ((p = strstr(line, "kvm_entry: PC: 0x016"))) {
			e.pc = strtoul(p + strlen("kvm_entry: PC: 0x016"), NULL, 16);
		} else if ((p = strstr(line, "kvm_exit: SEPC:"))) {
			e.exit = 1;
			TEST_ASSERT(sscanf(p, "kvm_exit: SEPC:0x%lx, SCAUSE:0x%lx, STVAL:0x%lx, HTVAL:0x%lx, HTINST:0x%lx",
					   &e.pc, &e.scause, &e.stval, &e.htval, &e.htinst) == 5,
				    "cannot read '%s'", line);
		} else {
			continue;
		}
		/* An exit for a host interrupt and the entry that follows it. */
		if (e.exit && (e.scause & CAUSE_INTERRUPT)) {
			skip = 1;
			continue;
		}
		if (!e.exit && skip) {
			skip = 0;
			continue;
		}
		TEST_ASSERT(n < MAX_EVENTS, "too many events:\n%s", line);
		ev[n++] = e;
	}
	return n;
}

int main(void)
{
	static const char *const entry_fields[] = { "pc", NULL };
	static const char *const exit_fields[] = {
		"sepc", "scause", "stval", "htval", "htinst", NULL
	};
	unsigned long ecall = (unsigned long)probe_ecall, resume;
	struct event ev[MAX_EVENTS];
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	char *text;
	int n, i;

	if (access(TRACEFS "/events", F_OK))
		TEST_ASSERT(!mount("tracefs", TRACEFS, "tracefs", 0, NULL),
			    "mount tracefs: %s", strerror(errno));
	/* Generic KVM's events (kvm_userspace_exit, ...) say tracing is on. */
	TEST_REQUIRE(!access(TRACEFS "/events/kvm/kvm_userspace_exit", F_OK));
	TEST_ASSERT(!access(TRACEFS "/events/kvm/kvm_entry", F_OK), "no kvm:kvm_entry");
	TEST_ASSERT(!access(TRACEFS "/events/kvm/kvm_exit", F_OK), "no kvm:kvm_exit");
	check_format("kvm_entry", entry_fields);
	check_format("kvm_exit", exit_fields);

	vm = vm_create_with_one_vcpu(&vcpu, guest_code);
	rkvm_run_to_sync(vcpu, 1);
	/*
	 * Where the guest resumes: a forwarded SBI call (the ucall) already
	 * shows its pc past the ecall, on both backends.
	 */
	vcpu_get_reg(vcpu, RISCV_CORE_REG(regs.pc), &resume);

	write_file(TRACEFS "/tracing_on", "0");
	write_file(TRACEFS "/trace", "");
	write_file(TRACEFS "/events/kvm/kvm_entry/enable", "1");
	write_file(TRACEFS "/events/kvm/kvm_exit/enable", "1");
	write_file(TRACEFS "/tracing_on", "1");
	rkvm_run_to_sync(vcpu, 2);
	write_file(TRACEFS "/tracing_on", "0");
	write_file(TRACEFS "/events/kvm/kvm_entry/enable", "0");
	write_file(TRACEFS "/events/kvm/kvm_exit/enable", "0");

	text = read_file(TRACEFS "/trace");
	n = parse(text, ev);
	for (i = 0; i < n; i++)
		pr_info("%s pc %#lx scause %#lx stval %#lx htval %#lx htinst %#lx\n",
			ev[i].exit ? "exit " : "entry", ev[i].pc, ev[i].scause,
			ev[i].stval, ev[i].htval, ev[i].htinst);
	TEST_ASSERT(n == 4, "%d events, want 4 (entry, exit, entry, exit)", n);
	TEST_ASSERT(!ev[0].exit && ev[0].pc == resume,
		    "first event: want kvm_entry at %#lx", resume);
	TEST_ASSERT(ev[1].exit && ev[1].pc == ecall && ev[1].scause == CAUSE_VS_ECALL,
		    "second event: want kvm_exit at the SBI call %#lx, scause 10", ecall);
	TEST_ASSERT(!ev[2].exit && ev[2].pc == ecall + 4,
		    "third event: want kvm_entry past the SBI call, %#lx", ecall + 4);
	TEST_ASSERT(ev[3].exit && ev[3].scause == CAUSE_VS_ECALL && ev[3].pc != ecall,
		    "fourth event: want kvm_exit at the second ucall");
	free(text);

	rkvm_run_to_done(vcpu);
	kvm_vm_free(vm);
	return 0;
}
