#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Abuse: the VMM killed with SIGKILL while its guest boots, with every
# vCPU running, twice in a row (QEMU on 2 vCPUs, killed when the guest
# reports its secondary CPU up; then kvmtool the same way, or QEMU again
# without kvmtool). Then `rmmod kvm` must succeed: the kills left no VM,
# vCPU or memory behind that holds the module (the host run also checks
# its kernel log for splats), and kvm.ko loads again for what follows.
. /kit/vmm-lib.sh
need_qemu
VMM_LIMIT=$((VMM_LIMIT / 2))   # two VMM runs

# Kill the VMM at the first line saying all CPUs are up, once.
on_line='case $line in *"smp: Brought up"*)
	if [ ! -e "$W/$name.killed" ]; then
		: > "$W/$name.killed"
		kill -9 "$(cat "$W/$name.pid")"
		echo "$up (SIGKILL sent to the VMM)" >> "$W/$name.log"
	fi ;; esac'

kill_check() {
	if [ -e "$W/$1.killed" ] && [ "$vmm_rc" = 137 ]; then
		ok "$2 killed while the guest booted"
	else
		fail "$2 was not killed while booting (exit status $vmm_rc)"
	fi
}
qemu kill1 2 poweroff
kill_check kill1 "QEMU (1st)"
if [ -x /usr/bin/lkvm ]; then
	lkvm_run kill2 2 poweroff
	kill_check kill2 "kvmtool"
else
	echo "no kvmtool: QEMU again"
	qemu kill2 2 poweroff
	kill_check kill2 "QEMU (2nd)"
fi
on_line=

if rmmod kvm; then ok "rmmod kvm after the kills"; else fail "rmmod kvm: the module is still in use"; fi
[ ! -e /dev/kvm ] || fail "/dev/kvm survived rmmod"
lsmod | grep -q '^kvm ' || insmod /kvm.ko || fail "kvm.ko did not load again"
[ -c /dev/kvm ] || fail "no /dev/kvm after insmod"
finish_test
