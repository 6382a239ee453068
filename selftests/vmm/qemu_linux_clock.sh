#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The guest's own clock under QEMU: `sleep 1` in the guest takes one
# second of the host's time. The host stamps the guest's console lines
# as they arrive; the guest's sleep must take 1.00 to 1.50 s of that,
# and 1.00 to 1.50 s of the guest kernel's own clock. The upper margin is
# for the console: each line leaves the guest as MMIO exits to QEMU, and
# on a TCG-emulated host both stamps can be late by a scheduler slice.
. /kit/vmm-lib.sh
need_qemu

qemu clock 1 sleep,poweroff
expect clock '^RVM-SLEEP-END ' "the guest's sleep 1 returned"
host=$(secs_between clock '^RVM-SLEEP-START$' '^RVM-SLEEP-END ')
guest=$(seen clock '^RVM-SLEEP-END ' | cut -d' ' -f2)
echo "sleep 1: ${host}s of host time, ${guest}s of guest time"
# The host's stamps have the 10 ms resolution of /proc/uptime.
if within "$host" 0.99 1.50; then ok "host time within 1.00-1.50 s"; else fail "host time ${host}s"; fi
if within "$guest" 1.00 1.50; then ok "guest time within 1.00-1.50 s"; else fail "guest time ${guest}s"; fi
expect_rc 0 "QEMU ended with the guest's poweroff"
finish_test
