#!/usr/bin/env bash
# mkinitramfs.sh BACKEND OUT: the emulated host's initramfs: busybox, the
# test runner as /init, BACKEND's kvm.ko (of the KVM_DEBUG profile's
# tree) and every selftest.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

backend=$1 out=$2
tree=$(tree_of "$backend")
stage=$(mktemp -d "$BUILD/initramfs.XXXXXX")
trap 'rm -rf "$stage"' EXIT

mkdir -p "$stage"/{bin,sbin,dev,proc,sys,tmp,tests}
cp "$RISCV_ROOT/usr/bin/busybox" "$stage/bin/busybox"
install -m 0755 "$TOP/selftests/init.sh" "$stage/init"
cp "$TOP/selftests/timeouts" "$TOP/selftests/args" "$TOP/selftests/timing-sensitive" "$stage/"
cp "$tree/arch/riscv/kvm/kvm.ko" "$stage/kvm.ko"
cp -r "$BUILD/selftests/project" "$stage/tests/project"
cp -r "$BUILD/selftests/hostile" "$stage/tests/hostile"
cp -r "$BUILD/selftests/bench" "$stage/bench"
cp -r "$BUILD/selftests/fuzz" "$stage/fuzz"
mkdir -p "$stage/tests/upstream"
# The upstream list of riscv tests, by the name the selftests Makefile gives.
for t in $(make -s -C "$tree/tools/testing/selftests/kvm" ARCH=riscv \
		-f Makefile -f - <<<'print-tests: ; @echo $(TEST_GEN_PROGS_riscv)' print-tests); do
	cp "$BUILD/selftests/upstream/$t" "$stage/tests/upstream/$(basename "$t")"
done
echo "$backend" > "$stage/backend"
# The kernel's profile, for /init's time limits.
if [ -n "$PROFILE" ]; then echo debug; else echo normal; fi > "$stage/profile"
(cd "$stage" && find . | LC_ALL=C sort | cpio --quiet -o -H newc) > "$out"
