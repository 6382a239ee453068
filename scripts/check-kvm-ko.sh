#!/usr/bin/env bash
# check-kvm-ko.sh: prove the built kvm.ko is the Rust backend: its
# arch/riscv/kvm objects are exactly riscv_kvm.o and glue.o, and none of
# the C backend's symbols is in it.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

tree=$(tree_of rust)
ko=$tree/arch/riscv/kvm/kvm.ko
objs=$(tr ' ' '\n' < "$tree/arch/riscv/kvm/kvm.mod" | grep -v '^$' | grep -v '/virt/kvm/' | sort | tr '\n' ' ')
[ "$objs" = "arch/riscv/kvm/glue.o arch/riscv/kvm/riscv_kvm.o " ] ||
	die "kvm.ko links unexpected arch objects: $objs"
# Functions only the C backend defines (one per file of arch/riscv/kvm).
# (nm output is captured first: `grep -q` in a pipeline under pipefail
# would turn nm's SIGPIPE into a failure.)
syms=$(llvm-nm$LLVM_SUFFIX "$ko")
for sym in __kvm_riscv_switch_to kvm_riscv_vcpu_exit kvm_riscv_vcpu_sbi_ecall \
	kvm_riscv_gstage_map kvm_riscv_vcpu_timer_init kvm_riscv_aia_init \
	kvm_riscv_vcpu_get_reg kvm_riscv_gstage_vmid_update riscv_kvm_init; do
	if grep -qw "$sym" <<<"$syms"; then
		die "kvm.ko contains the C backend's $sym"
	fi
done
grep -q ' T init_module$' <<<"$(llvm-nm$LLVM_SUFFIX "$tree/arch/riscv/kvm/riscv_kvm.o")" ||
	die "module init is not the Rust backend's"
