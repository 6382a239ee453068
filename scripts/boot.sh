#!/usr/bin/env bash
# boot.sh BACKEND MODE [EXTRA-CPU-FLAGS]: boot the emulated RISC-V host on
# BACKEND's kernel and initramfs. MODE is selftests/init.sh's rkvm.mode.
# The console goes to stdout.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

backend=$1 mode=$2 cpu_extra=${3:-}
tree=$(tree_of "$backend")
cpu="rv64,h=true,sstc=true,sscofpmf=true$cpu_extra"
args=(
	-M virt -cpu "$cpu" -smp 2 -m 2G
	-kernel "$tree/arch/riscv/boot/Image"
	-initrd "$BUILD/initramfs-$backend.cpio"
	-append "console=ttyS0 panic=-1 rkvm.mode=$mode ${RKVM_APPEND:-}"
	-no-reboot -nographic
)
if [ "$mode" = shell ]; then
	exec qemu-system-riscv64 "${args[@]}"
fi
# Tests: no monitor on stdio, no stdin, so this works from CI as well.
exec qemu-system-riscv64 "${args[@]}" -serial stdio -monitor none </dev/null
