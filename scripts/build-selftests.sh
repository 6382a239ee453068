#!/usr/bin/env bash
# build-selftests.sh: cross-build, statically, the upstream riscv KVM
# selftests of the Rust tree (whose UAPI headers are include-uapi/) and the
# project's own selftests in selftests/, against the same selftest library.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

tree=$(tree_of rust)
out=$BUILD/selftests
kst=$tree/tools/testing/selftests/kvm

step "building the KVM selftests (upstream and project)"
kmake "$tree" -s headers_install
mkdir -p "$out/upstream"
make -s -C "$kst" ARCH=riscv CROSS_COMPILE="$CROSS" CC="${CROSS}gcc -static" \
	OUTPUT="$out/upstream" -j"$(nproc)" ||
	die "building the upstream KVM selftests failed"
# Rebuilt from scratch: a test deleted from selftests/ must not linger.
rm -rf "$out/project" "$out/hostile" "$out/bench" "$out/fuzz"
make -s -C "$TOP/selftests" KST="$kst" KST_OUT="$out/upstream" TREE="$tree" \
	OUT="$out/project" HOSTILE_OUT="$out/hostile" BENCH_OUT="$out/bench" FUZZ_OUT="$out/fuzz" CC="${CROSS}gcc" ||
	die "building the project selftests failed"
