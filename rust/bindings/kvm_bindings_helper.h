/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel headers the Rust RISC-V KVM backend (arch/riscv/kvm) needs
 * bindings for. rust/bindings/bindings_helper.h includes this file; see
 * patches/0001-rust-bindings-include-kvm.patch.
 */

#include <linux/kvm_host.h>
#include <asm/cpufeature.h>
#include <asm/kvm_riscv_glue.h>
#include <asm/sbi.h>
#include <linux/entry-kvm.h>
#include <linux/version.h>
