#!/usr/bin/env bash
# Installs everything the build and the tests need, and checks the pinned
# toolchain. Safe to re-run: when everything is present it only checks.
set -euo pipefail

. "$(dirname "$0")/lib.sh"

packages=(
	# Kernel build: clang/LLVM 19 (RISC-V Rust needs CC_IS_CLANG; vector
	# support needs LLVM's `.option arch`), Rust.
	clang-19 lld-19 llvm-19 libclang-19-dev
	rustc-web rust-web-src rust-web-clippy
	flex bison bc libelf-dev libssl-dev cpio xz-utils rsync make
	# Kernel source and the emulated host.
	linux-source-6.12 qemu-system-misc
	# riscv64 userland: cross compiler for the selftests, Debian's
	# riscv64 packages (busybox, QEMU and a kernel for the guests); the
	# kit's ELF reader (readelf, for the libraries QEMU needs) and module
	# tools (modinfo, for the guests' virtio modules).
	gcc-riscv64-linux-gnu libc6-dev-riscv64-cross mmdebstrap binutils kmod
)

missing=()
for p in "${packages[@]}"; do
	[[ $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) == *'ok installed' ]] || missing+=("$p")
done
if ((${#missing[@]})); then
	step "installing Debian packages: ${missing[*]}"
	as_root apt-get update -qq ||
		die "apt-get update failed: check the network and /etc/apt/sources.list"
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" ||
		die "apt-get install failed for: ${missing[*]}"
fi

# The kernel's Rust support needs the standard library source matching the
# compiler; Debian's rustc-web ships both, rustup needs a download we
# cannot rely on. Pin the compiler the kernel is built with.
rustc_version=$("$RUSTC" --version 2>/dev/null | awk '{print $2}')
case "$rustc_version" in
1.78.*|1.79.*|1.8[0-9].*|1.9[0-6].*) ;;
*) die "$RUSTC is '$rustc_version'; linux 6.12 needs rustc 1.78..1.96 (Debian rustc-web)" ;;
esac
[ -d "$("$RUSTC" --print sysroot)/lib/rustlib/src/rust/library" ] ||
	die "no Rust library source for $RUSTC: install rust-web-src"

if [[ $("$BINDGEN" --version 2>/dev/null) != "bindgen $BINDGEN_VERSION" ]]; then
	step "installing bindgen-cli $BINDGEN_VERSION with cargo"
	command -v cargo >/dev/null || die "cargo not found: install a Rust toolchain with rustup"
	cargo install --locked --quiet --root "$TOOLS" bindgen-cli --version "$BINDGEN_VERSION" ||
		die "cargo install bindgen-cli failed"
fi

# The riscv64 userland, from Debian (lib.sh's RISCV_PACKAGES with what
# they depend on): extracted, not installed, so no riscv64 code runs here.
# Fetched again when the list changes.
want="$RISCV_SUITE ${RISCV_PACKAGES[*]}"
if [ "$(cat "$RISCV_ROOT/.packages" 2>/dev/null)" != "$want" ]; then
	mirror=$(debian_mirror)
	[ -n "$mirror" ] || die "no Debian archive in apt's configuration (apt-get indextargets); set DEBIAN_MIRROR"
	step "fetching riscv64 $RISCV_SUITE packages from $mirror: ${RISCV_PACKAGES[*]}"
	rm -rf "$RISCV_ROOT"
	include=$(IFS=,; echo "${RISCV_PACKAGES[*]}")
	mmdebstrap --quiet --variant=extract --architectures=riscv64 \
		--include="$include" "$RISCV_SUITE" "$RISCV_ROOT" "$mirror" ||
		die "mmdebstrap failed to fetch the riscv64 packages: ${RISCV_PACKAGES[*]}"
	echo "$want" > "$RISCV_ROOT/.packages"
fi
