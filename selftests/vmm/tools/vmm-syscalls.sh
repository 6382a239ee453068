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

dd if=/dev/urandom of="$W/d.img" bs=1M count=1 2>/dev/null
strace -f -qq -o "$W/qemu.trace" qemu-system-riscv64 -M virt -accel kvm -cpu host -smp 2 -m 512M \
	-display none -monitor none -serial stdio -nic none -kernel "$GUEST/Image" \
	-initrd "$GUEST/initrd.cpio" -append "console=ttyS0 rvm.do=disks,hvc,poweroff" \
	-drive "file=$W/d.img,format=raw,if=none,id=d0" -device virtio-blk-pci,drive=d0 \
	-device virtio-serial-pci -chardev "file,id=hvc,path=$W/hvc.out" -device virtconsole,chardev=hvc \
	< /dev/null > "$W/qemu.out" 2>&1
echo "QEMU: exit status $?"
summary QEMU "$W/qemu.trace"
if [ -x /usr/bin/lkvm ]; then
	strace -f -qq -o "$W/lkvm.trace" lkvm run --name probe -k "$GUEST/Image" -i "$GUEST/initrd.cpio" \
		-c 2 -m 512 --console serial --network mode=none -d "$W/d.img" -p "rvm.do=disks,poweroff" \
		< /dev/null > "$W/lkvm.out" 2>&1
	echo "kvmtool: exit status $?"
	summary kvmtool "$W/lkvm.trace"
fi
