#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest I/O under QEMU through virtio: two virtio-blk disks of random
# bytes, one notified through an ioeventfd (KVM_IOEVENTFD: the write to
# the notify register ends in the kernel) and one through a plain MMIO
# exit to QEMU (ioeventfd=off), each read whole and checksummed by the
# guest; a line written to the guest's virtio-console (hvc0) reaches a
# file of the host; and everything else through the UART (MMIO exits).
. /kit/vmm-lib.sh
need_qemu

sum0=$(disk "$W/d0.img" 4)
sum1=$(disk "$W/d1.img" 4)
qemu virtio 1 disks,hvc,poweroff \
	-drive "file=$W/d0.img,format=raw,if=none,id=d0" -device virtio-blk-pci,drive=d0,ioeventfd=on \
	-drive "file=$W/d1.img,format=raw,if=none,id=d1" -device virtio-blk-pci,drive=d1,ioeventfd=off \
	-device virtio-serial-pci -chardev "file,id=hvc,path=$W/hvc.out" -device virtconsole,chardev=hvc
expect virtio "^RVM-DISK vda $sum0\$" "disk 1 (ioeventfd) read back whole: sha256 $sum0"
expect virtio "^RVM-DISK vdb $sum1\$" "disk 2 (MMIO exit to QEMU) read back whole: sha256 $sum1"
expect virtio '^RVM-HVC-WRITTEN$' "the guest wrote to hvc0"
if grep -q '^RVM-HVC hello from the guest' "$W/hvc.out" 2>/dev/null; then
	ok "the virtio-console line reached the host"
else
	fail "the virtio-console line did not reach $W/hvc.out"
fi
expect virtio '^RVM-POWEROFF$' "the guest asked to power off"
expect_rc 0 "QEMU ended with the guest's poweroff"
done_
