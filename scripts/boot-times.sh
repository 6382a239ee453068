#!/usr/bin/env bash
# boot-times.sh: a Linux guest's time to /init under unchanged QEMU in the
# emulated host, Rust backend against upstream C, in one run: each
# backend's host boots once and runs vmm/qemu_linux_boot RKVM_BOOT_REPEAT
# times (default 5). Prints the median of the guest's time (its kernel's
# CLOCK_BOOTTIME at /init) and of the host's (QEMU's start to /init's
# first line) per backend, and the ratios Rust / C. Wall-clock time under
# TCG: machines and runs differ, so only the two backends in one run
# compare. Logs go to build/boot-times/.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

out=$BUILD/boot-times$PROFILE
repeat=${RKVM_BOOT_REPEAT:-5}
mkdir -p "$out"
for backend in rust upstream; do
	step "Linux guest boots under QEMU on the $backend backend ($repeat)"
	boot_on "$backend" vmm "rkvm.only=vmm/qemu_linux_boot rkvm.repeat=$repeat" "$out/$backend.log"
	n=$(grep -ac '^RESULT PASS vmm/qemu_linux_boot ' "$out/$backend.log" || true)
	[ "$n" = "$repeat" ] || die "$n of $repeat boots passed on the $backend backend: see $out/$backend.log"
done

# boot_time FILE FIELD: the median of BOOT-TIME's FIELD (guest, host).
boot_time() { grep -a 'BOOT-TIME ' "$1" | sed -E "s/.* $2 ([0-9.]+)s.*/\1/" | median; }
printf '%-28s %10s %10s %8s\n' "to /init, median of $repeat" Rust C Rust/C
for f in guest host; do
	r=$(boot_time "$out/rust.log" $f) c=$(boot_time "$out/upstream.log" $f)
	printf '%-28s %9.2fs %9.2fs %8.2f\n' "$f time" "$r" "$c" "$(echo "$r / $c" | bc -l)"
done | tee "$out/summary"
