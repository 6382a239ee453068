#!/usr/bin/env bash
# clippy.sh: lint the Rust backend with clippy, with exactly the flags
# kbuild compiled it with (taken from its .cmd file), emitting nothing.
# `make CLIPPY=1` would rebuild the kernel crate and core as well.
# Prints one RESULT line; the findings above it.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

tree=$(tree_of rust)
cmdfile=$tree/arch/riscv/kvm/.riscv_kvm.o.cmd
t0=$(date +%s.%N)
[ -f "$cmdfile" ] || die "$cmdfile missing: build the kernel first"
cmd=$(sed -n 's/^savedcmd_[^ ]* := //p' "$cmdfile")
# Run the same command under clippy-driver (kbuild exports RUSTC_BOOTSTRAP
# for the -Z flags), writing only metadata to a
# scratch directory, with every warning an error.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cmd=${cmd/"$RUSTC"/"${CLIPPY_DRIVER:-/usr/bin/clippy-driver}"}
cmd=$(sed -E "s#--out-dir [^ ]+#--out-dir $scratch#; s#--emit=[^ ]+##g" <<<"$cmd")
if (cd "$tree" && export RUSTC_BOOTSTRAP=1 && eval "$cmd --emit=metadata=$scratch/out.rmeta -Dwarnings") 2>&1; then
	st=PASS
else
	st=FAIL
fi
printf 'RESULT %s host/clippy %.2fs\n' "$st" "$(echo "$(date +%s.%N) - $t0" | bc)"
