#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the Linux guests that selftests/vmm/*.sh boot under QEMU and
# kvmtool in the emulated host. It does what rvm.do= on its command line
# lists, in order, and prints one "RVM-<WHAT> ..." line per step on the
# console, which the test reads; the test decides whether that is right.
#
#   cpus      RVM-CPUS <online list> <count>
#   disks     for every virtio disk RVM-DISK-READ <dev>, then
#             RVM-DISK <dev> <sha256> once it is read whole
#   hvc       write a line to /dev/hvc0 (virtio-console)
#   sleep     RVM-SLEEP-START, `sleep 1`, RVM-SLEEP-END <guest seconds>
#   usertime  RVM-USER-TIME <seconds>: the time CSR read from user mode,
#             as the vDSO's clock_gettime() reads it; RVM-USER-TIME
#             trapped when that is an illegal instruction (SIGILL)
#   tlb       /bin/tlb_shootdown on every CPU: remote fences and IPIs
#   ipis      RVM-IPIS <per-CPU IPI counts of /proc/interrupts>
#   reboot    first boot: mark the scratch disk and `reboot -f`; second
#             boot (the mark is there): RVM-REBOOTED, then go on
#   poweroff  `poweroff -f`
#   shell     an interactive shell (make run), then power off
#
# The first line, RVM-INIT <seconds>, is the guest kernel's clock
# (CLOCK_BOOTTIME) when /init starts. From then on the kernel writes only
# errors and worse to the console, so that its messages (a module's
# probe, say) do not land inside an RVM- line; the rest of its log since
# /init is printed before the guest powers off or reboots, so the test
# still sees any warning.

/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs dev /dev
dmesg -n 4
echo "RVM-INIT $(guest_clock boot)"

# The kernel's log since /init started, which the console did not show.
log_since_init() {
	dmesg | sed -n '/Run \/init as init process/,$p' | sed 1d
}

for m in /lib/modules/*.ko; do
	[ -e "$m" ] && insmod "$m"
done

steps=
for arg in $(cat /proc/cmdline); do
	case "$arg" in rvm.do=*) steps=${arg#rvm.do=} ;; esac
done

# The virtio disks, in probe order.
disks() {
	for d in /sys/block/vd*; do [ -e "$d" ] && echo "${d##*/}"; done
}

for step in $(echo "$steps" | tr , ' '); do
	case "$step" in
	cpus)
		echo "RVM-CPUS $(cat /sys/devices/system/cpu/online) $(grep -c '^processor' /proc/cpuinfo)"
		;;
	disks)
		for d in $(disks); do
			echo "RVM-DISK-READ $d"
			echo "RVM-DISK $d $(sha256sum < "/dev/$d" | cut -d' ' -f1)"
		done
		;;
	hvc)
		echo "RVM-HVC hello from the guest's virtio-console" > /dev/hvc0 &&
			echo "RVM-HVC-WRITTEN"
		;;
	sleep)
		echo "RVM-SLEEP-START"
		t0=$(guest_clock boot)
		sleep 1
		t1=$(guest_clock boot)
		echo "RVM-SLEEP-END $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')"
		;;
	usertime)
		t=$(guest_clock csr 2>&1)
		case $? in
		0) echo "RVM-USER-TIME $t" ;;
		132) echo "RVM-USER-TIME trapped" ;;  # 128 + SIGILL
		*) echo "RVM-USER-TIME failed: $t" ;;
		esac
		;;
	tlb)
		if tlb_shootdown; then echo "RVM-TLB ok"; else echo "RVM-TLB failed"; fi
		;;
	ipis)
		echo "RVM-IPIS $(awk '$1 ~ /^IPI[01]:$/ { for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) s[i] += $i; n = i }
			END { for (i = 2; i < n; i++) printf "%d ", s[i] }' /proc/interrupts)"
		;;
	reboot)
		# The first (in the power tests, the only) disk is the scratch.
		scratch=/dev/$(disks | head -n 1)
		if [ "$(dd if="$scratch" bs=8 count=1 2>/dev/null)" = REBOOTED ]; then
			echo "RVM-REBOOTED"
		else
			printf REBOOTED | dd of="$scratch" bs=8 count=1 conv=notrunc,fsync 2>/dev/null
			echo "RVM-REBOOTING"
			log_since_init
			reboot -f
		fi
		;;
	poweroff)
		echo "RVM-POWEROFF"
		log_since_init
		poweroff -f
		;;
	shell)
		echo "RVM-SHELL: a Linux guest on $(grep -c '^processor' /proc/cpuinfo) vCPUs, kernel $(uname -r)." \
			"'poweroff -f' ends it and returns to the emulated host's shell."
		setsid cttyhack sh
		poweroff -f
		;;
	*)
		echo "RVM-UNKNOWN $step"
		;;
	esac
done
echo "RVM-END"
log_since_init
poweroff -f
