#!/usr/bin/env bash
# boot.sh BACKEND MODE [EXTRA-CPU-FLAGS]: boot the emulated RISC-V host on
# BACKEND's kernel and initramfs (the debug ones with KVM_DEBUG=1). MODE is
# selftests/init.sh's rkvm.mode. The vmm, shell and bench boots take the
# initramfs with the real-VMM kit (make vmm-kit) and the memory for it:
# the kit in the initramfs' tmpfs, a 512 MiB guest, its QEMU.
# The console goes to stdout.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

backend=$1 mode=$2 cpu_extra=${3:-}
tree=$(tree_of "$backend")
initramfs=$(initramfs_of "$backend") mem=2G smp=2 count=()
case $mode in vmm | shell | bench) initramfs=${initramfs%.cpio}-vmm.cpio mem=4G ;; esac
# The benchmarks count instructions, not seconds: with -icount shift=0
# QEMU advances the emulated clock by 1 ns per instruction executed, so
# a time difference read in the emulated host is an instruction count,
# the same at every run whatever the machine does meanwhile. sleep=off
# jumps over idle time instead of waiting for it in real time, which
# would leak the host's wall clock into the count. icount runs one hart
# at a time; bookworm's 7.2 stays silent after OpenSBI with -smp 2, so
# the benchmarks' vCPUs share one host CPU. RKVM_BENCH_SMP=2 on the
# modern host gives two, by hand (smp_costs.c: figures that do not repeat).
case $mode in bench) count=(-icount shift=0,sleep=off) smp=${RKVM_BENCH_SMP:-1} ;; esac
args=(
	-M "$HOST_MACHINE" -cpu "$HOST_CPU$cpu_extra" -smp "$smp" -m "$mem" "${count[@]}"
	-kernel "$tree/arch/riscv/boot/Image"
	-initrd "$initramfs"
	-append "console=ttyS0 panic=-1 rkvm.mode=$mode rkvm.host=$RKVM_HOST ${RKVM_APPEND:-}"
	-no-reboot -nographic
)
# scripts/profile.sh: stop at reset and wait for gdb on this port.
if [ -n "${RKVM_GDB_PORT:-}" ]; then
	args+=(-S -gdb "tcp:127.0.0.1:$RKVM_GDB_PORT")
fi

# QEMU runs its timers, the emulated harts' (v)stimecmp among them, on its
# main-loop thread. On a 2-core machine whose cores are both busy with TCG
# vCPU threads, that thread waits up to a scheduler slice (milliseconds)
# once woken, and guest timer interrupts arrive that late: arch_timer's
# 100 us margin then failed 1 run in 4, on both backends alike. With the
# main thread at SCHED_FIFO it passed 40 of 40. -R (reset on fork) keeps
# the vCPU threads QEMU creates at the normal policy.
rt=()
if chrt -f -R 10 true 2>/dev/null; then
	rt=(chrt -f -R 10)
else
	echo "note: cannot run QEMU's main loop at SCHED_FIFO (no CAP_SYS_NICE?);" \
		"guest timer interrupts may arrive late" >&2
fi
if [ "$mode" = shell ]; then
	exec "${rt[@]}" "${QEMU[@]}" "${args[@]}"
fi
# Tests: no monitor on stdio, no stdin, so this works from CI as well.
exec "${rt[@]}" "${QEMU[@]}" "${args[@]}" -serial stdio -monitor none </dev/null
