# SPDX-License-Identifier: GPL-2.0
# Helpers of the real-VMM tests (selftests/vmm/*.sh), sourced by each.
# They run in the emulated host under /init (selftests/init.sh, mode vmm),
# which gives each its time limit and turns its exit status into the
# RESULT line: 0 PASS, 4 SKIP, anything else FAIL.
# shellcheck shell=sh

GUEST=/kit/guest
W=/tmp/vmm-$$
mkdir -p "$W"
export HOME=$W   # kvmtool keeps its IPC socket in ~/.lkvm
export LD_LIBRARY_PATH=/usr/lib/riscv64-linux-gnu
# What a guest kernel must not print: its own Oops, BUG, WARNING, panic.
GUEST_SPLAT='Oops|BUG:|WARNING:|Kernel panic|Unable to handle|kernel BUG|rcu: INFO|detected stalls|soft lockup|hard LOCKUP'

cr=$(printf '\r')   # the guests' consoles end their lines with CR LF
# Each VMM run gets four fifths of the test's limit (RKVM_LIMIT, from
# /init: selftests/timeouts times the profile's factor), so that a hung
# guest is killed and its log shown before /init kills the test; a test
# of two VMM runs halves it.
VMM_LIMIT=$((${RKVM_LIMIT:-300} * 4 / 5))
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }
skip() { echo "SKIP: $*"; exit 4; }
finish_test() { [ "$fails" = 0 ] && exit 0; echo "$fails check(s) failed"; exit 1; }

need_qemu() { [ -x /usr/bin/qemu-system-riscv64 ] || skip "no QEMU in this initramfs (the vmm kit)"; }
need_lkvm() {
	[ -x /usr/bin/lkvm ] || skip "no kvmtool: scripts/lib.sh's LKVM (../shared/tools/riscv64/lkvm) was absent when the kit was made"
}

# qemu NAME SMP DO [QEMU-ARGS...]: a test guest under QEMU (-accel kvm
# -cpu host, the Debian kernel, the test initrd, its /init doing DO),
# run by run_vmm; under $VMM_WRAP (words), if set: vmm-syscalls.sh
# runs the VMMs under strace so. $GUEST_APPEND (words), if set, goes on
# the guest kernel's command line.
qemu() {
	q_name=$1 q_smp=$2 q_do=$3
	shift 3
	# shellcheck disable=SC2086 # VMM_WRAP is words
	run_vmm "$q_name" ${VMM_WRAP:-} qemu-system-riscv64 -M virt -accel kvm -cpu host \
		-smp "$q_smp" -m 512M -display none -monitor none -serial stdio -nic none \
		-kernel "$GUEST/Image" -initrd "$GUEST/initrd.cpio" \
		-append "console=ttyS0 rvm.do=$q_do${GUEST_APPEND:+ $GUEST_APPEND}" "$@"
}

# lkvm_run NAME CPUS DO [LKVM-ARGS...]: the same under kvmtool.
lkvm_run() {
	k_name=$1 k_cpus=$2 k_do=$3
	shift 3
	# shellcheck disable=SC2086 # VMM_WRAP is words
	run_vmm "$k_name" ${VMM_WRAP:-} lkvm run --name "rvm-$k_name-$$" -k "$GUEST/Image" \
		-i "$GUEST/initrd.cpio" -c "$k_cpus" -m 512 --console serial \
		--network mode=none -p "rvm.do=$k_do" "$@"
}

# disk FILE MIB: a disk image of random bytes; its sha256 on stdout.
disk() {
	dd if=/dev/urandom of="$1" bs=1M count="$2" 2>/dev/null
	sha256sum < "$1" | cut -d' ' -f1
}

# run_vmm NAME CMD...: run CMD (a VMM) with its console to $W/NAME.log,
# each line stamped with the host's uptime, and KILL it after VMM_LIMIT
# seconds. Its exit status is in $vmm_rc, its pid in
# $W/NAME.pid. If $on_line is set, it is a command run (in the reader)
# for every line, with the line in $line: the kill tests use it.
run_vmm() {
	name=$1
	shift
	read -r up _ < /proc/uptime
	echo "$up RVM-HOST-START $*" > "$W/$name.log"
	rm -f "$W/$name.rc"
	vmm_rc=none
	{
		timeout -s KILL "$VMM_LIMIT" sh -c 'echo $$ > "$0"; exec "$@"' "$W/$name.pid" "$@" < /dev/null 2>&1
		echo $? > "$W/$name.rc"
	} | while IFS= read -r line || [ -n "$line" ]; do
		line=${line%"$cr"}
		read -r up _ < /proc/uptime
		echo "$up $line" >> "$W/$name.log"
		[ -n "${on_line:-}" ] && eval "$on_line"
	done
	[ -f "$W/$name.rc" ] && read -r vmm_rc < "$W/$name.rc"
	# The guest's printk stamps go out as <...>, not [...]: the host's
	# run checks its own console for [stamp] splats, and a guest's
	# kernel log is not the host's.
	sed 's/\[\( *[0-9]*\.[0-9]*\)\]/<\1>/g; s/^/  | /' "$W/$name.log"
	echo "($1: exit status $vmm_rc)"
	[ "$vmm_rc" = 137 ] && [ ! -e "$W/$name.killed" ] && echo "(killed after ${VMM_LIMIT}s, its limit)"
	if grep -aqE "$GUEST_SPLAT" "$W/$name.log"; then
		fail "the guest's kernel reported a problem:"
		grep -aE "$GUEST_SPLAT" "$W/$name.log" | sed 's/\[/</g; s/\]/>/g'
	fi
}

# kvm_stat NAME: KVM's NAME statistic, summed over every VM and vCPU
# (debugfs; CONFIG_DEBUG_FS), or nothing.
kvm_stat() {
	[ -d /sys/kernel/debug/kvm ] || mount -t debugfs none /sys/kernel/debug 2>/dev/null
	cat "/sys/kernel/debug/kvm/$1" 2>/dev/null
}

# secs_between NAME PATTERN1 PATTERN2: host seconds from the line
# matching PATTERN1 to the one matching PATTERN2.
secs_between() {
	a=$(stamp "$1" "$2") b=$(stamp "$1" "$3")
	[ -n "$a" ] && [ -n "$b" ] && awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", b - a }'
}

# within X LO HI: LO <= X <= HI, as numbers.
within() { awk -v x="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(x != "" && x >= lo && x <= hi) }'; }

# expect_rc WANT WHAT: the VMM's exit status was WANT.
expect_rc() {
	if [ "$vmm_rc" = "$1" ]; then ok "$2 (exit status $1)"; else fail "$2: exit status $vmm_rc, not $1"; fi
}

# seen NAME PATTERN: the first line of NAME's log matching PATTERN (an
# extended regex, after the stamp), without the stamp; false if none.
seen() { sed -n 's/^[0-9.]* //p' "$W/$1.log" | grep -aE -m 1 "$2"; }
# stamp NAME PATTERN: the host uptime at which the first line matching
# PATTERN (anchored at the start of the guest's line) arrived.
stamp() { grep -aE -m 1 "^[0-9.]+ ${2#^}" "$W/$1.log" | cut -d' ' -f1; }

# expect NAME PATTERN WHAT: a check that NAME's guest printed PATTERN.
expect() {
	if seen "$1" "$2" > /dev/null; then ok "$3"; else fail "$3: no line matches '$2'"; fi
}
