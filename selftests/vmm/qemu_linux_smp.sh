#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A Linux guest on 4 vCPUs (on the emulated host's 2) under QEMU: every
# secondary comes up (SBI HSM hart start), a pinned thread per CPU sees
# every unmap of the main thread's page (remote fences: SBI RFENCE or
# IPIs), every CPU took IPIs, and the guest powers off.
. /kit/vmm-lib.sh
need_qemu

qemu smp 4 cpus,tlb,ipis,poweroff
expect smp '^RVM-CPUS 0-3 4$' "4 CPUs online (HSM start of each secondary)"
expect smp '^RVM-TLB ok$' "no stale translation on any CPU (remote fences)"
ipis=$(seen smp '^RVM-IPIS ' | cut -d' ' -f2-)
echo "IPIs (rescheduling + function call) per CPU: $ipis"
set -- $ipis
if [ $# = 4 ] && ! echo " $ipis " | grep -q ' 0 '; then
	ok "every CPU took IPIs"
else
	fail "not every one of 4 CPUs took IPIs: '$ipis'"
fi
expect smp '^RVM-POWEROFF$' "the guest asked to power off"
expect_rc 0 "QEMU ended with the guest's poweroff"
finish_test
