#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# vmm-syscalls.sh: what QEMU and kvmtool ask of the emulated host's
# kernel. Boots the test guest under each VMM under strace and prints
# every system call it made, with counts, then the ones that failed. A
# call that fails with ENOSYS, EAFNOSUPPORT or EOPNOTSUPP names a kernel
# option the VMM would use (configs/kvm-rs.config has the ones chosen
# this way; Documentation/virt/kvm/riscv/vmm.rst the trace they came
# from). Run it in `make run`'s host shell: sh /kit/vmm-syscalls.sh.
. /kit/vmm-lib.sh

summary() {
	echo "== $1: system calls (count, name)"
	sed -E 's/^[0-9]+ +//; s/^<\.\.\. ([a-z0-9_]+) resumed>.*/\1/; s/\(.*//' "$2" |
		grep -E '^[a-z0-9_]+$' | sort | uniq -c | sort -rn
	echo "== $1: failed calls (count, name, errno)"
	grep -E '= -1 E' "$2" | sed -E 's/^[0-9]+ +//; s/^<\.\.\. ([a-z0-9_]+) resumed>/\1(/; s/\(.*= -1 (E[A-Z0-9]+).*/ \1/' |
		sort | uniq -c | sort -rn
}

disk "$W/d.img" 1 > /dev/null
VMM_WRAP="strace -f -qq -o $W/qemu.trace" qemu qtrace 2 disks,hvc,poweroff \
	-drive "file=$W/d.img,format=raw,if=none,id=d0" -device virtio-blk-pci,drive=d0 \
	-device virtio-serial-pci -chardev "file,id=hvc,path=$W/hvc.out" -device virtconsole,chardev=hvc \
	> /dev/null
echo "QEMU: exit status $vmm_rc"
summary QEMU "$W/qemu.trace"
if [ -x /usr/bin/lkvm ]; then
	VMM_WRAP="strace -f -qq -o $W/lkvm.trace" lkvm_run ktrace 2 disks,poweroff -d "$W/d.img" > /dev/null
	echo "kvmtool: exit status $vmm_rc"
	summary kvmtool "$W/lkvm.trace"
fi
