#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest power under QEMU: `reboot -f` (SBI SRST cold reboot) restarts the
# VM in the same QEMU, which boots Linux again (a mark on a scratch disk
# tells the second boot it is the second), and `poweroff -f` (SRST
# shutdown) then ends QEMU with status 0.
. /kit/vmm-lib.sh
need_qemu

dd if=/dev/zero of="$W/scratch.img" bs=1M count=1 2>/dev/null
qemu power 1 reboot,poweroff \
	-drive "file=$W/scratch.img,format=raw,if=none,id=s" -device virtio-blk-pci,drive=s
expect power '^RVM-REBOOTING$' "the first boot asked to reboot"
banners=$(grep -ac ' Linux version ' "$W/power.log")
if [ "$banners" = 2 ]; then ok "Linux booted twice in one QEMU"; else fail "$banners Linux banners, not 2"; fi
expect power '^RVM-REBOOTED$' "the second boot found the first one's mark"
expect power '^RVM-POWEROFF$' "the second boot asked to power off"
expect_rc 0 "QEMU ended with the guest's poweroff"
finish_test
