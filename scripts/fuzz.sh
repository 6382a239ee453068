#!/usr/bin/env bash
# fuzz.sh BACKEND: boot the emulated host on BACKEND's kernel, run the
# regression tests of what took a host down (selftests/hostile; not with
# FUZZ_HOSTILE=0), then the fuzzer (selftests/fuzz/kvm_fuzz.c) once, for
# FUZZ_SECONDS (default 300) with seed FUZZ_SEED (default: the fuzzer's
# own, printed). It fails when one of those tests fails, when
# the fuzzer reports a result no correct KVM gives, when the kernel log
# shows a splat (lockup and stall detectors included), or when the boot
# does not end within FUZZ_SECONDS plus a margin: a hang.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

backend=$1
secs=${FUZZ_SECONDS:-300}
out=${FUZZ_OUT_DIR:-$BUILD/fuzz-$backend${PROFILE:-}}
log=$out/console.log
mkdir -p "$out"
append="rkvm.fuzz_seconds=$secs"
[ -n "${FUZZ_SEED:-}" ] && append+=" rkvm.fuzz_seed=$FUZZ_SEED"
[ "${FUZZ_HOSTILE:-1}" = 0 ] && append+=" rkvm.hostile=0"
# Boot and module load take about a minute under TCG, the hostile tests
# seconds; the fuzzer itself is killed 60 s after its own bound. Twice
# that on top is a hang.
limit=$((secs + 300))

step "fuzzing the $backend backend for ${secs}s (boot limit ${limit}s)"
RKVM_APPEND="$append ${RKVM_APPEND:-}" timeout --foreground -k 10 "$limit" \
	"$TOP/scripts/boot.sh" "$backend" fuzz | tee "$log"
rc=${PIPESTATUS[0]}

problems=()
[ "$rc" = 124 ] && problems+=("the emulated host did not finish within ${limit}s: a hang")
if [ "$rc" != 124 ] && ! grep -q '^RKVM-DONE' "$log"; then
	problems+=("the emulated host stopped (qemu exit $rc) before the fuzzer finished")
fi
grep -q '^RESULT PASS project/kvm_fuzz ' "$log" || problems+=("the fuzzer did not pass")
while read -r _ st t _; do
	[ "$st" = PASS ] || problems+=("$t: $st")
done < <(grep -a '^RESULT [A-Z]* hostile/' "$log")
if grep -aEh "$SPLAT_RE" "$log" > "$out/splats"; then
	problems+=("the kernel log shows a splat:")
	while read -r l; do problems+=("  $l"); done < "$out/splats"
fi
grep -a '^RESULT' "$log"
grep -a 'kvm_fuzz: done' "$log" | sed 's/^\[[^]]*\] //'
for p in "${problems[@]}"; do echo "PROBLEM: $p"; done
((${#problems[@]} == 0))
