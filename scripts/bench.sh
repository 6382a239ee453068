#!/usr/bin/env bash
# bench.sh: the benchmarks of selftests/bench/ on both backends, in one
# run: the emulated host boots the Rust backend, then the upstream C one,
# and runs each benchmark RKVM_BENCH_REPEAT times (default 5). Prints the
# median of each measure per backend and the ratio Rust / C (below 1:
# the Rust backend is faster). Logs go to build/bench/.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

out=$BUILD/bench$PROFILE
repeat=${RKVM_BENCH_REPEAT:-5}
mkdir -p "$out"
for backend in rust upstream; do
	step "benchmarks on the $backend backend ($repeat runs each)"
	boot_on "$backend" bench "rkvm.repeat=$repeat" "$out/$backend.log"
	if grep -a '^BENCH-FAILED' "$out/$backend.log"; then
		die "a benchmark failed on the $backend backend: see $out/$backend.log"
	fi
done

# measure FILE MEASURE: the median ns/op of MEASURE in FILE.
measure() { grep -a "^BENCH $2 " "$1" | awk '{print $3}' | median; }

printf '%-16s %14s %14s %8s\n' measure "Rust ns/op" "C ns/op" "Rust/C"
for m in $(grep -a '^BENCH ' "$out/rust.log" | awk '{print $2}' | awk '!seen[$0]++'); do
	r=$(measure "$out/rust.log" "$m") c=$(measure "$out/upstream.log" "$m")
	printf '%-16s %14.1f %14.1f %8.2f\n' "$m" "$r" "$c" "$(echo "$r / $c" | bc -l)"
done | tee "$out/summary"
