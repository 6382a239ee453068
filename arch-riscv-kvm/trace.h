/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Trace events of the RISC-V backend: kvm:kvm_entry before each world
 * switch into the guest and kvm:kvm_exit after each trap out of it.
 *
 * Their names, fields and print formats are user ABI (tracefs' format
 * files, trace-cmd, perf), so they are the C backend's exactly, down to
 * kvm_entry's odd "0x016%lx". Only kvm_entry's prototype differs: there
 * is no C vCPU context to read the pc from, so it is passed.
 */
#if !defined(_RISCV_KVM_RS_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _RISCV_KVM_RS_TRACE_H

#include <linux/tracepoint.h>

#undef TRACE_SYSTEM
#define TRACE_SYSTEM kvm

TRACE_EVENT(kvm_entry,
	TP_PROTO(unsigned long pc),
	TP_ARGS(pc),

	TP_STRUCT__entry(
		__field(unsigned long, pc)
	),

	TP_fast_assign(
		__entry->pc = pc;
	),

	TP_printk("PC: 0x016%lx", __entry->pc)
);

struct kvm_riscv_glue_trap;

TRACE_EVENT(kvm_exit,
	TP_PROTO(const struct kvm_riscv_glue_trap *trap),
	TP_ARGS(trap),

	TP_STRUCT__entry(
		__field(unsigned long, sepc)
		__field(unsigned long, scause)
		__field(unsigned long, stval)
		__field(unsigned long, htval)
		__field(unsigned long, htinst)
	),

	TP_fast_assign(
		__entry->sepc = trap->sepc;
		__entry->scause = trap->scause;
		__entry->stval = trap->stval;
		__entry->htval = trap->htval;
		__entry->htinst = trap->htinst;
	),

	TP_printk("SEPC:0x%lx, SCAUSE:0x%lx, STVAL:0x%lx, HTVAL:0x%lx, HTINST:0x%lx",
		  __entry->sepc, __entry->scause, __entry->stval,
		  __entry->htval, __entry->htinst)
);

#endif /* _RISCV_KVM_RS_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace

/* Outside the include guard: define_trace.h reads this file again. */
#include <trace/define_trace.h>
