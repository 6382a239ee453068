#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A Linux guest on 1 vCPU under unchanged QEMU (-accel kvm -cpu host)
# boots to its /init and powers off (SBI SRST shutdown): QEMU exits 0.
# Prints the time to /init: the guest's (its kernel's CLOCK_BOOTTIME when
# /init starts) and the host's (from QEMU's start to /init's first line).
. /kit/vmm-lib.sh
need_qemu

qemu boot 1 cpus,poweroff
expect boot 'Linux version ' "the guest kernel started"
expect boot '^RVM-INIT [0-9.]+$' "the guest reached /init"
expect boot '^RVM-CPUS 0 1$' "one CPU online"
expect boot '^RVM-POWEROFF$' "the guest asked to power off"
expect_rc 0 "QEMU ended with the guest's poweroff"
guest=$(seen boot '^RVM-INIT ' | cut -d' ' -f2)
echo "BOOT-TIME guest ${guest}s host $(secs_between boot RVM-HOST-START RVM-INIT)s (to /init)"
finish_test
