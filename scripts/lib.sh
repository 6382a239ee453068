# Shared settings and helpers of the project scripts. Sourced, not run.
# shellcheck shell=bash

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
TOOLS=$BUILD/tools
RISCV_ROOT=$BUILD/riscv64-root
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
KERNEL_TARBALL=/usr/src/linux-source-6.12.tar.xz

# Toolchain pins (see ../shared/DESIGN.md and Documentation/).
RUSTC=${RUSTC:-/usr/bin/rustc}
RUSTDOC=${RUSTDOC:-/usr/bin/rustdoc}
BINDGEN_VERSION=0.65.1
BINDGEN=${BINDGEN:-$TOOLS/bin/bindgen}
LLVM_SUFFIX=-16
CROSS=riscv64-linux-gnu-

# The two kernel trees: the Rust backend overlaid on Debian's source, and
# the untouched upstream C backend as the behavioural reference.
tree_of() { echo "$BUILD/linux-$1"; }

kmake() {
	local tree=$1; shift
	make -C "$tree" ARCH=riscv LLVM="$LLVM_SUFFIX" RUSTC="$RUSTC" \
		RUSTDOC="$RUSTDOC" BINDGEN="$BINDGEN" "$@"
}

step() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# A line of the emulated host's kernel log that fails a run: kernel
# messages carry a printk timestamp, test output never starts with one.
# RCU reports a stall as "rcu: INFO: rcu_sched detected stalls on CPUs";
# KASAN and KFENCE reports start with "BUG:".
SPLAT_RE='^\[ *[0-9]+\.[0-9]+\] .*(Oops|BUG:|WARNING:|Kernel panic|lockdep|possible (circular|recursive) locking|Unable to handle kernel|stall detected|detected stalls|self-detected stall|soft lockup|hard LOCKUP|blocked for more than|UBSAN:|list_(add|del) corruption|suspicious RCU usage|inconsistent lock state)'
