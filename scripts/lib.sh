# Shared settings and helpers of the project scripts. Sourced, not run.
# shellcheck shell=bash

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
TOOLS=$BUILD/tools
RISCV_ROOT=$BUILD/riscv64-root
# The Debian packages of the emulated host's userland and of its guests
# (Debian trixie, riscv64): busybox for both roots, the VMM QEMU, and the
# guests' kernel. scripts/setup.sh extracts them into RISCV_ROOT.
RISCV_SUITE=trixie
RISCV_PACKAGES=(busybox-static qemu-system-riscv linux-image-riscv64 strace)
# kvmtool is in no package registry: a static riscv64 build beside the
# project (../shared/tools/riscv64/README.md). Without it, the kvmtool
# tests SKIP and say so.
# LKVM= (empty) builds the kit without it.
LKVM=${LKVM-$TOP/../shared/tools/riscv64/lkvm}
KERNEL_TARBALL=/usr/src/linux-source-6.12.tar.xz

# The emulated host's QEMU (make's HOST=, exported as RKVM_HOST: a bare
# HOST is too common a variable to take from the environment).
# RKVM_HOST=stable (the default) is the machine's own, bookworm's 7.2
# (scripts/setup.sh). RKVM_HOST=modern is the release's
# backports QEMU (10.0 for bookworm), extracted, not installed, into
# QEMU_MODERN_ROOT by scripts/fetch-qemu-modern.sh, with the OpenSBI of
# the same suite: its CPU models have Sscofpmf, Smstateen, Ssaia and V,
# which 6.12 virtualises and 7.2 cannot show, and it runs -icount with
# more than one hart. Kernels and initramfs are the same for both.
RKVM_HOST=${RKVM_HOST:-stable}
QEMU_MODERN_ROOT=$BUILD/qemu-modern
# The loadable modules too: QEMU looks for one in QEMU_MODULE_DIR first
# and falls back to the machine's 7.2 modules, which abort a 10.0 QEMU.
QEMU_MODERN_PACKAGES=(qemu-system-riscv qemu-system-data opensbi qemu-system-common
	qemu-system-gui qemu-system-modules-opengl qemu-system-modules-spice qemu-block-extra)
# HOST_SUFFIX keeps the modern host's logs and results apart.
# HOST_MACHINE and HOST_CPU are the emulated host's board and CPU
# (scripts/boot.sh appends a boot's own CPU flags). The modern host has
# every extension 6.12 virtualises: Sscofpmf (with Ssaia, which the
# guests' counter-overflow interrupt needs), Smstateen, Ssaia with IMSIC
# guest files, V (RKVM_VLEN bits, 128 unless set), Zicbom, Zicboz, Svpbmt.
case $RKVM_HOST in
stable) QEMU=(qemu-system-riscv64) HOST_SUFFIX=
	HOST_MACHINE=virt
	HOST_CPU=rv64,h=true,sstc=true,sscofpmf=true ;;
modern) QEMU=(env "QEMU_MODULE_DIR=$QEMU_MODERN_ROOT/usr/lib/x86_64-linux-gnu/qemu"
	"$QEMU_MODERN_ROOT/usr/bin/qemu-system-riscv64" -L "$QEMU_MODERN_ROOT/usr/share/qemu")
	HOST_SUFFIX=-modern
	HOST_MACHINE=virt,aia=aplic-imsic,aia-guests=3
	HOST_CPU=rv64,h=true,sstc=true,sscofpmf=true,smstateen=true,ssaia=true,smaia=true
	HOST_CPU+=,v=true,vlen=${RKVM_VLEN:-128},elen=64,zicbom=true,zicboz=true,svpbmt=true ;;
*) printf 'error: RKVM_HOST must be stable or modern, not %s\n' "$RKVM_HOST" >&2; exit 1 ;;
esac

# Toolchain pins (see ../shared/DESIGN.md and Documentation/).
RUSTC=${RUSTC:-/usr/bin/rustc}
RUSTDOC=${RUSTDOC:-/usr/bin/rustdoc}
BINDGEN_VERSION=0.69.5
BINDGEN=${BINDGEN:-$TOOLS/bin/bindgen}
# LLVM 19: 6.12's vector support (RISCV_ISA_V, through TOOLCHAIN_HAS_V)
# needs an assembler that takes `.option arch`, which LLVM 16's does not.
# bindgen loads this LLVM's libclang too, not whichever is newest.
LLVM_SUFFIX=-19
LIBCLANG_DIR=/usr/lib/llvm${LLVM_SUFFIX}/lib
CROSS=riscv64-linux-gnu-

# The profile: KVM_DEBUG=1 (make test KVM_DEBUG=1) builds both backends
# with the kernel's runtime checkers (configs/kvm-debug.config merged after
# kvm-rs.config) in trees, initramfs and log directories of their own,
# suffixed -debug, so switching profiles rebuilds neither.
case ${KVM_DEBUG:-0} in
0 | '') PROFILE= ;;
1) PROFILE=-debug ;;
*) printf 'error: KVM_DEBUG must be 0 or 1, not %s\n' "$KVM_DEBUG" >&2; exit 1 ;;
esac
# The config fragments of the profile, in merge order (a later one wins).
CONFIG_FRAGMENTS=("$TOP/configs/kvm-rs.config")
[ -n "$PROFILE" ] && CONFIG_FRAGMENTS+=("$TOP/configs/kvm-debug.config")

# The two kernel trees: the Rust backend overlaid on Debian's source, and
# the untouched upstream C backend as the behavioural reference.
tree_of() { echo "$BUILD/linux-$1$PROFILE"; }
initramfs_of() { echo "$BUILD/initramfs-$1$PROFILE.cpio"; }

kmake() {
	local tree=$1; shift
	LIBCLANG_PATH=$LIBCLANG_DIR make -C "$tree" ARCH=riscv LLVM="$LLVM_SUFFIX" RUSTC="$RUSTC" \
		RUSTDOC="$RUSTDOC" BINDGEN="$BINDGEN" "$@"
}

# debian_mirror: the Debian archive this machine's apt takes its packages
# from, as apt's configuration has it: the first source whose Release
# file says Origin and Label Debian and a plain codename (not -updates,
# -security or -backports), whether the source names it by codename or
# as stable. DEBIAN_MIRROR overrides it. The same archive serves trixie
# riscv64.
debian_mirror() {
	if [ -n "${DEBIAN_MIRROR:-}" ]; then echo "$DEBIAN_MIRROR"; return; fi
	apt-get indextargets --format '$(ORIGIN)|$(LABEL)|$(CODENAME)|$(REPO_URI)' \
		'Created-By: Packages' 2>/dev/null |
		awk -F'|' '$1 == "Debian" && $2 == "Debian" && $3 != "" && $3 !~ /-/ { print $4; exit }'
}

# boot_on BACKEND MODE APPEND LOG: one boot of the emulated host on
# BACKEND in MODE, APPEND on its command line, the console to LOG; fails
# unless /init finished (RKVM-DONE). For the runs that compare backends.
boot_on() {
	RKVM_APPEND=$3 timeout --foreground -k 10 1800 "$TOP/scripts/boot.sh" "$1" "$2" > "$4"
	grep -q '^RKVM-DONE' "$4" || die "the $1 boot did not finish: see $4"
}

# median: the median of the numbers on stdin, one a line.
median() {
	sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) exit 1
		print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

step() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# A line of the emulated host's kernel log that fails a run: kernel
# messages carry a printk timestamp ("[%5lu.%06lu] "), test output never
# does. The timestamp is not anchored at the start of the line: the
# console interleaves a test's output with kernel records, and a record
# can begin after a partial line. RCU reports a stall as "rcu: INFO:
# rcu_sched detected stalls on CPUs" (rcu_preempt under PREEMPT); KASAN
# and KFENCE reports start with "BUG:"; BUG() and a Rust panic print
# "kernel BUG at" and "Kernel BUG [#1]" on RISC-V, no "BUG:". Bare
# "lockdep" is not a report: "RCU lockdep checking is enabled" is a boot
# line; lockdep's reports are "WARNING: ..." or say it turns itself off.
# scripts/check-splat-re.sh (host/splat_regex) tests it on samples.
SPLAT_RE='\[ *[0-9]+\.[0-9]{6}\] .*(Oops|BUG:|kernel BUG at|Kernel BUG|WARNING:|Kernel panic|panicked at|possible (circular|recursive) locking|inconsistent lock state|suspicious RCU usage|non-static key|turning off the locking correctness validator|Unable to handle kernel|stall detected|detected (expedited )?stalls|self-detected stall|soft lockup|hard LOCKUP|blocked for more than|UBSAN:|list_(add|del) corruption)'
