#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The guest's user mode reads the time CSR under QEMU, as every program's
# clock_gettime() does through the vDSO. QEMU 10.0.7 and later reset the
# guest's scounteren to 0 through KVM_SET_ONE_REG at every vCPU reset, so
# this works only where the guest kernel sets scounteren.TM again: Linux
# does that in its SBI PMU driver, so a backend without SBI PMU leaves
# every guest program that asks the time to die of SIGILL. That is
# reported as XFAIL (the SBI PMU is not there yet), and as FAIL when the
# guest's SBI PMU driver did probe and the read still traps.
. /kit/vmm-lib.sh
need_qemu

qemu utime 1 usertime,poweroff
t=$(seen utime '^RVM-USER-TIME ' | cut -d' ' -f2)
case $t in
trapped)
	if [ "$fails" = 0 ] && [ "$vmm_rc" = 0 ] && ! seen utime 'SBI PMU extension is available' > /dev/null; then
		echo "XFAIL: the time CSR read from the guest's user mode is an illegal instruction:" \
			"QEMU reset scounteren to 0 and the guest has no SBI PMU, whose driver sets scounteren.TM"
		exit 2
	fi
	fail "the time CSR read from the guest's user mode is an illegal instruction"
	;;
'') fail "no RVM-USER-TIME line" ;;
failed*) fail "guest_clock csr: $t" ;;
*) ok "the guest's user mode read the time CSR: ${t}s since the VM's creation" ;;
esac
expect_rc 0 "QEMU ended with the guest's poweroff"
finish_test
