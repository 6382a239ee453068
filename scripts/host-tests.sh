#!/usr/bin/env bash
# host-tests.sh: the host half of the test suite, one RESULT line per test:
# the pure-logic layer's `cargo test`, run test by test for real timings,
# the UAPI ABI check against upstream's header, style gates, and the test
# of the splat pattern.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

# The references, straight from the source tarball: upstream's UAPI header
# (for the ABI check below) and the files the logic layer's tests compare
# against (the ISA extension numbers and upstream's enable/disable policy).
# Unpacked here, not taken from a kernel tree, so that they are there
# whichever trees this run has built.
ref=$BUILD/reference/linux-source-6.12
refs="arch/riscv/include/uapi/asm/kvm.h arch/riscv/include/asm/hwcap.h arch/riscv/kvm/vcpu_onereg.c"
missing=
for f in $refs; do [ -f "$ref/$f" ] || missing="$missing linux-source-6.12/$f"; done
if [ -n "$missing" ]; then
	mkdir -p "$ref"
	# shellcheck disable=SC2086 # one member per word
	tar -xf "$KERNEL_TARBALL" -C "$ref" --strip-components=1 $missing
fi

export CARGO_TARGET_DIR=$BUILD/cargo
manifest=$TOP/arch-riscv-kvm/Cargo.toml
if ! bin=$(cargo test --quiet --manifest-path "$manifest" --no-run --message-format=json 2>/dev/null |
		sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | head -n1) || [ -z "$bin" ]; then
	echo "RESULT FAIL host/cargo-build 0.00s"
	cargo test --manifest-path "$manifest" --no-run
	exit 0
fi
for t in $("$bin" --list --format terse | sed -n 's/: test$//p'); do
	t0=$(date +%s.%N)
	# A test whose reference is missing says `SKIP: why` (and checks
	# nothing): a SKIP, not a PASS.
	if out=$("$bin" --exact "$t" --quiet --nocapture 2>&1); then
		st=PASS
		if grep -q '^SKIP: ' <<<"$out"; then st=SKIP; grep '^SKIP: ' <<<"$out"; fi
	else
		st=FAIL
		echo "$out"
	fi
	t1=$(date +%s.%N)
	printf 'RESULT %s host/%s %.2fs\n' "$st" "${t//::/.}" "$(echo "$t1 - $t0" | bc)"
done

uapi=arch/riscv/include/uapi/asm/kvm.h
DWARFDUMP=${DWARFDUMP:-$(command -v "llvm-dwarfdump$LLVM_SUFFIX" || true)} \
	"$TOP/scripts/check-uapi-abi.sh" "$TOP/include-uapi/asm/kvm.h" "$ref/$uapi" "$(tree_of rust)"

# Style gates on the backend's Rust: the kernel's rustfmt settings, and
# clippy with the kernel's lint set and every warning an error.
t0=$(date +%s.%N)
rs=$(find "$TOP/arch-riscv-kvm" -name '*.rs' -not -path '*/target/*')
if out=$(rustfmt --edition 2021 --config-path "$(tree_of rust)/.rustfmt.toml" --check $rs 2>&1); then
	st=PASS
else
	st=FAIL
	echo "$out"
fi
printf 'RESULT %s host/rustfmt %.2fs\n' "$st" "$(echo "$(date +%s.%N) - $t0" | bc)"
"$TOP/scripts/clippy.sh"
# Soundness lives in types: at most 5% of the kernel layer's Rust code
# inside `unsafe` blocks, C called only from the FFI layers, assembly only
# in the world switch (Documentation/virt/kvm/riscv/rust-backend.rst).
python3 "$TOP/scripts/unsafe-share.py" --max 5 "$TOP/arch-riscv-kvm"

# Stack frames of the Rust object, read off its code, within the
# kernel's CONFIG_FRAME_WARN (which covers only C): a parser check on
# samples, then the built object, which must be there (no object is a
# failure). Always the normal kernel's object, which every profile builds
# (for the selftests): the debug kernel's KASAN redzones make frames up
# to half again as large, on a stack KASAN doubles.
frames() {
	local name=$1; shift
	local t0 st
	t0=$(date +%s.%N)
	if python3 "$TOP/scripts/check-frames.py" "$@"; then st=PASS; else st=FAIL; fi
	printf 'RESULT %s host/%s %.2fs\n' "$st" "$name" "$(echo "$(date +%s.%N) - $t0" | bc)"
}
frames stack_frames_parser --self-test
normal=$BUILD/linux-rust
frame_warn=$(sed -n 's/^CONFIG_FRAME_WARN=//p' "$normal/.config" 2>/dev/null || true)
frames stack_frames "llvm-objdump$LLVM_SUFFIX" "$normal/arch/riscv/kvm/riscv_kvm.o" \
	"${frame_warn:-2048}"

# The pattern that turns a kernel report in the emulated host's console
# into a failed run, on samples of every report it must catch.
"$TOP/scripts/check-splat-re.sh"

# The shell scripts parse: the ones the emulated host and the guests run
# (busybox ash; dash -n checks the same POSIX grammar), and the project's
# bash scripts. A syntax error in /init would otherwise show only as a
# panic of the emulated host ("Attempted to kill init").
t0=$(date +%s.%N)
st=PASS
for f in "$TOP"/selftests/init.sh "$TOP"/selftests/vmm/*.sh "$TOP"/selftests/vmm/guest/*.sh \
		"$TOP"/selftests/vmm/tools/*.sh; do
	dash -n "$f" || st=FAIL
done
for f in "$TOP"/scripts/*.sh "$TOP"/.ci/run; do
	bash -n "$f" || st=FAIL
done
printf 'RESULT %s host/shell_syntax %.2fs\n' "$st" "$(echo "$(date +%s.%N) - $t0" | bc)"
