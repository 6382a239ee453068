#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest power under kvmtool: `reboot -f` (SBI SRST cold reboot) ends the
# session, as it does on the C backend: kvmtool 3.18 does not restart a
# VM, it stops with "KVM session ended normally" and status 0, and the
# guest does not boot a second time.
. /kit/vmm-lib.sh
need_lkvm

dd if=/dev/zero of="$W/scratch.img" bs=1M count=1 2>/dev/null
lkvm_run kreboot 1 reboot,poweroff -d "$W/scratch.img"
expect kreboot '^RVM-REBOOTING$' "the guest asked to reboot"
expect kreboot 'reboot: Restarting system' "the guest kernel rebooted"
expect kreboot 'KVM session ended normally' "kvmtool ended the session"
banners=$(grep -ac ' Linux version ' "$W/kreboot.log")
if [ "$banners" = 1 ]; then ok "Linux booted once"; else fail "$banners Linux banners, not 1"; fi
if seen kreboot '^RVM-REBOOTED$' > /dev/null; then fail "the guest booted again"; fi
expect_rc 0 "lkvm ended with the guest's reboot"
finish_test
