#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A Linux guest on 2 vCPUs under kvmtool (lkvm run): both CPUs come up,
# a virtio-blk disk of random bytes is read back whole, and the guest's
# poweroff ends lkvm with status 0. The console is kvmtool's UART (MMIO
# exits to lkvm).
. /kit/vmm-lib.sh
need_lkvm

sum=$(disk "$W/d0.img" 4)
lkvm_run kboot 2 cpus,disks,poweroff -d "$W/d0.img"
expect kboot 'Linux version ' "the guest kernel started"
expect kboot '^RVM-INIT [0-9.]+$' "the guest reached /init"
expect kboot '^RVM-CPUS 0-1 2$' "2 CPUs online"
expect kboot "^RVM-DISK vda $sum\$" "the disk read back whole: sha256 $sum"
expect kboot '^RVM-POWEROFF$' "the guest asked to power off"
expect_rc 0 "lkvm ended with the guest's poweroff"
finish_test
