#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest I/O under QEMU through virtio: two virtio-blk disks of random
# bytes, one notified through an ioeventfd (KVM_IOEVENTFD: the write to
# the notify register ends in the kernel) and one through a plain MMIO
# exit to QEMU (ioeventfd=off), each read whole and checksummed by the
# guest; a line written to the guest's virtio-console (hvc0) reaches a
# file of the host; and everything else through the UART (MMIO exits).
# KVM's mmio_exit_kernel count, read as the guest starts and ends each
# disk, shows which path each took: it grows while the first disk is
# read and stands still while the second one is.
. /kit/vmm-lib.sh
need_qemu
[ -n "$(kvm_stat mmio_exit_kernel)" ] || fail "no KVM statistics in debugfs (CONFIG_DEBUG_FS)"

sum0=$(disk "$W/d0.img" 4)
sum1=$(disk "$W/d1.img" 4)
# At each RVM-DISK-READ/RVM-DISK line: the count, into virtio.stats.
on_line='case $line in RVM-DISK*) set -- $line
	echo "$1 $2 $(kvm_stat mmio_exit_kernel)" >> "$W/virtio.stats" ;; esac'
qemu virtio 1 disks,hvc,poweroff \
	-drive "file=$W/d0.img,format=raw,if=none,id=d0" -device virtio-blk-pci,drive=d0,ioeventfd=on \
	-drive "file=$W/d1.img,format=raw,if=none,id=d1" -device virtio-blk-pci,drive=d1,ioeventfd=off \
	-device virtio-serial-pci,ioeventfd=off -chardev "file,id=hvc,path=$W/hvc.out" \
	-device virtconsole,chardev=hvc
on_line=
expect virtio "^RVM-DISK vda $sum0\$" "disk 1 (ioeventfd) read back whole: sha256 $sum0"
expect virtio "^RVM-DISK vdb $sum1\$" "disk 2 (MMIO exit to QEMU) read back whole: sha256 $sum1"

# in_kernel DEV: mmio_exit_kernel's growth from RVM-DISK-READ DEV to RVM-DISK DEV.
in_kernel() {
	awk -v d="$1" '$2 == d && $1 == "RVM-DISK-READ" { a = $3 } $2 == d && $1 == "RVM-DISK" { b = $3 }
		END { if (a != "" && b != "") print b - a }' "$W/virtio.stats"
}
k0=$(in_kernel vda) k1=$(in_kernel vdb)
echo "MMIO writes handled in the kernel while reading: disk 1 ${k0:-?}, disk 2 ${k1:-?}"
if [ -n "$k0" ] && [ "$k0" -gt 0 ]; then ok "disk 1's notifies ended in the kernel (ioeventfd)"; else
	fail "disk 1 (ioeventfd=on) caused no in-kernel MMIO"; fi
if [ "$k1" = 0 ]; then ok "disk 2's notifies went to QEMU"; else
	fail "disk 2 (ioeventfd=off) caused '${k1:-?}' in-kernel MMIO, not 0"; fi
expect virtio '^RVM-HVC-WRITTEN$' "the guest wrote to hvc0"
if grep -q '^RVM-HVC hello from the guest' "$W/hvc.out" 2>/dev/null; then
	ok "the virtio-console line reached the host"
else
	fail "the virtio-console line did not reach $W/hvc.out"
fi
expect virtio '^RVM-POWEROFF$' "the guest asked to power off"
expect_rc 0 "QEMU ended with the guest's poweroff"
finish_test
