#!/usr/bin/env bash
# profile.sh BACKEND [EXT [ENTRY]]: where an in-kernel SBI call's
# instructions go.
# Boots the emulated host on BACKEND's kernel (bench mode: one hart,
# -icount) stopped for its gdbstub, lets the benchmark exit_costs run to its
# sbi_in_kernel phase, single-steps the CPU through a few whole calls of
# SBI extension EXT (default 0x10, BASE) and prints the instructions of
# the last call per function (scripts/steptrace-report.py). ENTRY (hex)
# steps from another guest address of exit_costs instead, from one visit
# to the next, e.g. its MMIO loop; EXT "any" takes whatever a0 holds. Counting is
# exact: each step is one instruction, interrupts masked while stepping.
# Output and the raw trace go to build/profile/.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

backend=$1 ext=${2:-0x10} entry=${3:-}
out=$BUILD/profile
mkdir -p "$out"
elf=$BUILD/selftests/bench/exit_costs
[ -n "$entry" ] || entry=$(nm "$elf" | awk '$3 == "sbi_ecall" { print $1 }')
[ -n "$entry" ] || die "no sbi_ecall in $elf"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

log=$out/$backend.log trace=$out/$backend.trace
step "stepping through SBI calls on the $backend backend"
RKVM_GDB_PORT=$port RKVM_APPEND="rkvm.ksyms=1 rkvm.only=bench/exit_costs" \
	timeout --foreground -k 10 1800 "$TOP/scripts/boot.sh" "$backend" bench > "$log" &
qemu=$!
python3 "$TOP/scripts/steptrace.py" "$port" "$entry" "$ext" "$trace" > "$out/$backend.stub" 2>&1 ||
	{ kill "$qemu" 2> /dev/null; die "stepping failed: see $out/$backend.stub"; }
wait "$qemu" || true
grep -q '^RKVM-DONE' "$log" || die "the $backend boot did not finish: see $log"
python3 "$TOP/scripts/steptrace-report.py" "$trace" "$(tree_of "$backend")/System.map" "$log" |
	tee "$out/$backend.summary"
