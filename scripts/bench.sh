#!/usr/bin/env bash
# bench.sh: the benchmarks of selftests/bench/ on both backends, in one
# run: the emulated host boots the Rust backend, then the upstream C one,
# and runs each benchmark RKVM_BENCH_REPEAT times (default 3). Prints the
# median of each measure per backend and the ratio Rust / C (below 1:
# the Rust backend is cheaper). Logs go to build/bench/.
#
# The cost is counted in instructions, not time: bench mode boots the
# emulated host with -icount shift=0 (scripts/boot.sh), where 1 ns of its
# clock is one instruction executed, whatever the machine does meanwhile.
# A benchmark's "ns/op" is therefore instructions per operation: all the
# emulated host executes meanwhile, the guest's part included.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

out=$BUILD/bench$PROFILE
repeat=${RKVM_BENCH_REPEAT:-3}
mkdir -p "$out"
for backend in rust upstream; do
	step "benchmarks on the $backend backend ($repeat runs each)"
	boot_on "$backend" bench "rkvm.repeat=$repeat" "$out/$backend.log"
	if grep -a '^BENCH-FAILED' "$out/$backend.log"; then
		die "a benchmark failed on the $backend backend: see $out/$backend.log"
	fi
done

# measure FILE MEASURE: the median ns/op (instructions/op) of MEASURE in FILE.
measure() { grep -a "^BENCH $2 " "$1" | awk '{print $3}' | median; }

# spread FILE MEASURE: (max - min) / median of MEASURE's runs in FILE, in %.
spread() {
	grep -a "^BENCH $2 " "$1" | awk '{print $3}' | sort -g |
		awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf "%.2f", m ? 100 * (v[NR] - v[1]) / m : 0 }'
}

echo "instructions per operation (-icount shift=0), median of $repeat runs; spread = (max - min) / median"
printf '%-16s %14s %14s %8s %9s %9s\n' measure "Rust insn/op" "C insn/op" "Rust/C" "Rust sprd" "C sprd"
for m in $(grep -a '^BENCH ' "$out/rust.log" | awk '{print $2}' | awk '!seen[$0]++'); do
	r=$(measure "$out/rust.log" "$m") c=$(measure "$out/upstream.log" "$m")
	printf '%-16s %14.1f %14.1f %8.2f %8s%% %8s%%\n' "$m" "$r" "$c" "$(echo "$r / $c" | bc -l)" \
		"$(spread "$out/rust.log" "$m")" "$(spread "$out/upstream.log" "$m")"
done | tee "$out/summary"

# info FILE MEASURE FIELD: the median of FIELD in MEASURE's BENCH-INFO lines.
info() { grep -a "^BENCH-INFO $2 " "$1" | sed -E "s/.* $3 ([0-9.]+).*/\1/" | median; }
{
	if grep -aq '^BENCH-INFO linux_boot ' "$out/rust.log"; then
		printf '%-16s %14.1f %14.1f   (median, 10^6 ns of it idle)\n' "linux_boot idle" \
			"$(echo "$(info "$out/rust.log" linux_boot idle) / 10^6" | bc -l)" \
			"$(echo "$(info "$out/upstream.log" linux_boot idle) / 10^6" | bc -l)"
	fi
	# One timer interrupt per set_timer(0) is what the measure assumes:
	# vcpu_costs counts any beyond that rather than hang on them.
	# Lost ones, after which the guest calls set_timer(0) again, too.
	for b in rust upstream; do
		n=$(grep -a '^BENCH-INFO set_timer ' "$out/$b.log" | awk '{ s += $4 } END { print s + 0 }')
		[ "$n" = 0 ] || echo "set_timer: $n extra timer interrupt(s) on the $b backend"
		n=$(grep -a '^BENCH-INFO set_timer ' "$out/$b.log" | awk '{ s += $6 } END { print s + 0 }')
		[ "$n" = 0 ] || echo "set_timer: $n lost timer interrupt(s) on the $b backend"
	done
} | tee -a "$out/summary"
