#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# linux_boot: a Linux guest on 1 vCPU under unchanged QEMU (-accel kvm
# -cpu host), from QEMU's start to the first line of the guest's /init,
# counted in instructions of the emulated host (scripts/bench.sh boots it
# with -icount shift=0, one hart): the VMM's start-up, the guest kernel's
# boot with every exit it takes, the console's MMIO, the host's own work
# meanwhile. Prints
#
#   BENCH linux_boot <ns of the host clock> ns/op 1
#   BENCH-INFO linux_boot idle <ns>
#
# With sleep=off QEMU jumps its clock over the time the host's one hart
# idles (the guest waiting for a timer, say), which no instruction fills:
# BENCH-INFO gives that idle time (/proc/uptime's, in hundredths of a
# second) beside the clock's advance, which /proc/timer_list gives to
# the nanosecond. Both are read with shell builtins only, no fork.
. /kit/vmm-lib.sh
need_qemu

# now: the host's CLOCK_MONOTONIC in ns ("now at N nsecs", line 3 of
# /proc/timer_list) in $ns, and its idle time in seconds in $idle.
now() {
	{ read -r _; read -r _; read -r _ _ ns _; } < /proc/timer_list
	read -r _ idle < /proc/uptime
}

# Runs in run_vmm's reader for each console line: the clock and the idle
# time when the guest's /init speaks.
# shellcheck disable=SC2016 # expanded by run_vmm's eval
record='case $line in "RVM-INIT "*) now; echo "$ns $idle" > "$W/init.clock" ;; esac'
# What differs from one boot to the next, made the same: QEMU's seed of
# the guest's randomness (the device tree's rng-seed and kaslr-seed) by
# -seed, the host's address-space randomisation of QEMU (restored after),
# and the host's free memory, compacted before each boot so that as much
# of the guest's RAM gets transparent huge pages each time.
aslr=$(cat /proc/sys/kernel/randomize_va_space)
echo 0 > /proc/sys/kernel/randomize_va_space
khp=/sys/kernel/mm/transparent_hugepage/khugepaged/scan_sleep_millisecs
khugepaged=$(cat $khp)
echo 3600000 > $khp
# Whatever way the script ends, the host is left as it was.
trap 'echo "$aslr" > /proc/sys/kernel/randomize_va_space; echo "$khugepaged" > $khp' EXIT
settle() { sync; echo 3 > /proc/sys/vm/drop_caches; echo 1 > /proc/sys/vm/compact_memory; }
# The guest kernel's log stays off its console (quiet): run_vmm's shell
# reads the console a byte per read(), and how often it wakes for them
# depends on who ran when. Five boots spread over 2-3% with the log on
# the console, 0.5% (C) and 1.9% (Rust, one boot low) without it.
GUEST_APPEND=quiet

# The host's first boot of a guest costs 4% more than the next ones
# (1.51 against 1.451-1.457 * 10^9 on the Rust backend): one unmeasured
# boot warms the host up.
if [ ! -e /tmp/linux_boot.warm ]; then
	settle
	qemu warmup 1 cpus,poweroff -seed 1 > "$W/warmup.out"
	if [ "$vmm_rc" != 0 ] || [ "$fails" != 0 ]; then
		cat "$W/warmup.out"
		echo "linux_boot: the warm-up boot failed"
		exit 1
	fi
	: > /tmp/linux_boot.warm
fi
settle
on_line=$record
now
ns0=$ns idle0=$idle
qemu boot 1 cpus,poweroff -seed 1 > "$W/boot.out"
if [ "$vmm_rc" != 0 ] || [ ! -s "$W/init.clock" ] || [ "$fails" != 0 ]; then
	cat "$W/boot.out"
	echo "linux_boot: the guest did not boot cleanly to /init and power off (QEMU exit status $vmm_rc)"
	exit 1
fi
read -r ns1 idle1 < "$W/init.clock"
awk -v n0="$ns0" -v i0="$idle0" -v n1="$ns1" -v i1="$idle1" 'BEGIN {
	printf "BENCH linux_boot %.0f ns/op 1\n", n1 - n0
	printf "BENCH-INFO linux_boot idle %.0f\n", (i1 - i0) * 1e9
}'
rm -rf "$W"
