#!/usr/bin/env bash
# run-tests.sh BACKEND: the whole test suite.
#
#  1. host tests (Rust backend only: they test this project's code);
#  2. the emulated host boots BACKEND's kernel and runs every selftest;
#  3. a boot that runs Linux guests under QEMU and kvmtool (selftests/vmm);
#  4. Rust backend only: a boot on a CPU without the H extension;
#     both: the timer selftests on the modern host, with Sstc and
#     without;
#  5. a short pass of the fuzzer (FUZZ_SECONDS, default 45) in a boot of
#     its own.
#
# Every test prints `RESULT <PASS|FAIL|SKIP|XFAIL> <suite>/<name> <secs>s`;
# the run ends with `N passed, N failed, N skipped`. It fails when a test
# listed in the expected-pass file does not pass, when the kernel log shows
# an Oops, BUG, WARNING, lockdep report or panic, or when a boot times out.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

backend=$1
# The debug profile (KVM_DEBUG=1) logs to build/test-BACKEND-debug.
out=$BUILD/test-$backend$PROFILE$HOST_SUFFIX
expected=$TOP/selftests/expected-pass
[ "$backend" = upstream ] && expected=$TOP/selftests/expected-pass-upstream
# The modern host (HOST=modern) holds the Rust backend to more: what its
# CPU lets run that the stable one cannot (the SBI PMU, Smstateen, sip.STIP
# in a VS-mode guest).
expected_lists=("$expected")
[ "$backend" = rust ] && [ "$RKVM_HOST" = modern ] &&
	expected_lists+=("$TOP/selftests/expected-pass-modern")
# A boot that takes this long is hung (each test has its own limit, this
# is for a kill that never completes); the debug kernels' limits are
# scaled by the profile's factor of selftests/timeouts, and so is this.
scale=1
[ -n "$PROFILE" ] && scale=$(awk -v p="${PROFILE#-}" '$1 == "scale" && $2 == p { print $3 }' "$TOP/selftests/timeouts")
boot_timeout=${RKVM_BOOT_TIMEOUT:-$(awk -v k="${scale:-1}" 'BEGIN { printf "%d", 2700 * k }')}
mkdir -p "$out"
rm -f "$out"/*.log
problems=()

# boot NAME MODE [CPU-FLAGS]: one emulated-host boot, console to NAME.log.
boot() {
	local log=$out/$1.log
	step "booting the emulated host ($backend$PROFILE backend, $RKVM_HOST host, $2)"
	timeout --foreground -k 10 "$boot_timeout" "$TOP/scripts/boot.sh" "$backend" "$2" "${3:-}" |
		tee "$log"
	local rc=${PIPESTATUS[0]}
	if [ "$rc" = 124 ]; then
		problems+=("boot '$1' timed out after ${boot_timeout}s")
	elif ! grep -q '^RKVM-DONE' "$log"; then
		problems+=("boot '$1' ended (qemu exit $rc) before the runner finished")
	fi
}

if [ "$backend" = rust ]; then
	step "host tests"
	"$TOP/scripts/host-tests.sh" | tee "$out/host.log"
fi
# rkvm.only= in RKVM_APPEND (chasing one test) goes to the boot that
# has the tests it names: vmm/* are in the vmm boot, the rest in the
# selftests boot.
only=$(sed -n 's/.*rkvm\.only=\([^ ]*\).*/\1/p' <<<"${RKVM_APPEND:-}")
if [ -z "$only" ] || tr , '\n' <<<"$only" | grep -qv '^\(vmm\|timer-[^/]*\)/'; then
	boot selftests tests
fi
# The real-VMM tests (selftests/vmm): Linux guests under unchanged QEMU
# and kvmtool, in a boot of their own with the kit of scripts/mkvmmkit.sh.
if [ -z "$only" ] || tr , '\n' <<<"$only" | grep -q '^vmm/'; then
	boot vmm vmm
fi
if [ "$backend" = rust ]; then
	boot no-h noh ",h=false"
fi
# The timer selftests (selftests/sbi_time.c) on the modern host, whatever
# RKVM_HOST is (QEMU 7.2 shows a VS-mode guest sip.STIP as 0, so they SKIP on
# the stable one), with Sstc and on a CPU without it, where KVM emulates
# the guest's timer with an hrtimer instead of vstimecmp.
if [ -z "$only" ] || tr , '\n' <<<"$only" | grep -q '^timer-'; then
	RKVM_HOST=modern boot timer-modern timer
	RKVM_HOST=modern boot timer-modern-nosstc timer ",sstc=false"
fi

# A short bounded pass of the fuzzer in a boot of its own (scripts/fuzz.sh
# checks its splats and hangs). The upstream C backend is the reference,
# not the product: where it does not survive the fuzzer (6.12 oopses on
# a legacy SBI IPI to a hart that does not exist), that is reported, and
# the run goes on.
# The regression tests of selftests/hostile run in the same boot, first,
# but not on the C backend: they take its host down (testing.rst), and
# the fuzzer would never run.
fuzz_secs=${FUZZ_SECONDS:-45}
hostile=1
[ "$backend" = upstream ] && hostile=0
step "fuzzing ($backend backend, ${fuzz_secs}s)"
FUZZ_SECONDS=$fuzz_secs FUZZ_HOSTILE=$hostile FUZZ_OUT_DIR=$out/fuzz \
	"$TOP/scripts/fuzz.sh" "$backend" > "$out/fuzz.out" 2>&1
fuzz_rc=$?
cp "$out/fuzz/console.log" "$out/fuzz.console"
grep -a 'kvm_fuzz: done\|^PROBLEM' "$out/fuzz.out" | sed 's/^\[[^]]*\] //'
if ((fuzz_rc)); then
	if [ "$backend" = rust ]; then
		problems+=("the fuzzer pass failed (${out#"$TOP"/}/fuzz.out):")
		while read -r l; do problems+=("  $l"); done < <(grep '^PROBLEM' "$out/fuzz.out")
	else
		echo "note: the upstream C backend did not survive ${fuzz_secs}s of the fuzzer (above)"
	fi
fi

cat "$out"/*.log "$out/fuzz.console" |
	grep -ao 'RESULT \(PASS\|FAIL\|SKIP\|XFAIL\) [^ ]* [0-9.]*s' > "$out/results"

if grep -aEh "$SPLAT_RE" "$out"/*.log > "$out/splats"; then
	problems+=("the kernel log shows a splat:")
	while read -r l; do problems+=("  $l"); done < "$out/splats"
fi

missing=()
while read -r t; do
	# kvmtool is in no registry (scripts/lib.sh's LKVM): where the kit
	# was made without it, its tests SKIP, say why, and are not held to
	# the list.
	if [[ $t == vmm/kvmtool_* ]] && grep -q "^RESULT SKIP $t " "$out/results"; then
		echo "note: $t skipped (no kvmtool in the kit: LKVM=$LKVM), not checked"
		continue
	fi
	grep -q "^RESULT PASS $t " "$out/results" || missing+=("$t")
done < <(sed 's/#.*//; /^[[:space:]]*$/d' "${expected_lists[@]}")
((${#missing[@]})) && problems+=("expected to pass but did not: ${missing[*]}")

echo
echo "Results ($backend$PROFILE backend, $RKVM_HOST host), also in ${out#"$TOP"/}/results:"
cat "$out/results"
newly=$(grep '^RESULT PASS' "$out/results" | awk '{print $3}' |
	grep -vxF -f <(sed 's/#.*//; /^[[:space:]]*$/d' "${expected_lists[@]}") || true)
[ -n "$newly" ] && printf 'passing but not yet in %s:\n%s\n' "${expected#"$TOP"/}" "$newly"
notyet=$(grep -E '^RESULT (FAIL|SKIP|XFAIL)' "$out/results" | awk '{print $2, $3}' || true)
[ -n "$notyet" ] && printf 'not passing:\n%s\n' "$notyet"
retried=$(cat "$out"/*.log | grep -ao '^RETRY [^ :]*' | awk '{print $2}' | sort -u || true)
[ -n "$retried" ] && printf 'failed once and were run again (timing-sensitive, see RETRY lines in the logs):\n%s\n' "$retried"
for p in "${problems[@]}"; do echo "PROBLEM: $p"; done
printf '%d passed, %d failed, %d skipped\n' \
	"$(grep -c '^RESULT PASS' "$out/results")" \
	"$(grep -c '^RESULT FAIL' "$out/results")" \
	"$(grep -cE '^RESULT (SKIP|XFAIL)' "$out/results")"
((${#problems[@]} == 0))
