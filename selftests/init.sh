#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the emulated RISC-V host. Loads kvm.ko, runs every selftest in
# /tests/<suite>/ under its time limit (/timeouts, from selftests/timeouts)
# and prints one line per test:
#
#   RESULT <PASS|FAIL|SKIP|XFAIL> <suite>/<name> <secs>s
#
# The host side (scripts/run-tests.sh) reads these lines from the console.
# rkvm.mode= on the kernel command line picks what to do:
#   tests   (default) run everything, then power off
#   shell   load kvm.ko; with the real-VMM kit in the initramfs, boot a
#           Linux guest under rkvm.vmm (qemu, the default, or kvmtool)
#           on the console, then an interactive shell (make run)
#   vmm     run the real-VMM tests, /tests/vmm/* (the kit's), then
#           power off
#   noh     the CPU has no H extension: check that loading fails cleanly
#   timer   run the timer selftests only, as timer-HOST/NAME, or
#           timer-HOST-nosstc/NAME on a CPU without Sstc (where KVM
#           emulates the guest's timer with an hrtimer)
#   bench   run each /bench/* and /kit/bench/* program rkvm.repeat times
#           (scripts/bench.sh);
#           rkvm.ksyms=1 first prints kvm.ko's symbols (scripts/profile.sh)
#   fuzz    run the regression tests of what took a host down
#           (/tests/hostile, unless rkvm.hostile=0), then /fuzz/kvm_fuzz
#           for rkvm.fuzz_seconds (default 300) with seed rkvm.fuzz_seed
#           (default: the fuzzer's), then power off
# rkvm.only=SUITE/NAME[,SUITE/NAME...] runs only those selftests, and
# rkvm.repeat=N runs each of them N times (no retry): for chasing a flake,
# e.g. `make test RKVM_APPEND="rkvm.only=upstream/arch_timer rkvm.repeat=50"`.
# rkvm.timeout=S is the limit of the tests /timeouts does not list (300),
# rkvm.timeout_scale=N multiplies every limit (default: /timeouts' factor
# for the kernel's profile, /profile).

/bin/busybox --install -s /bin
export PATH=/bin:/usr/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
mkdir -p /dev/hugepages && mount -t hugetlbfs none /dev/hugepages

mode=tests
timeout_s=300
scale=
only=
repeat=1
fuzz_seconds=300
fuzz_seed=
hostile=1
vmm=qemu
ksyms=0
for arg in $(cat /proc/cmdline); do
	case "$arg" in
	rkvm.mode=*) mode=${arg#rkvm.mode=} ;;
	rkvm.timeout=*) timeout_s=${arg#rkvm.timeout=} ;;
	rkvm.timeout_scale=*) scale=${arg#rkvm.timeout_scale=} ;;
	rkvm.only=*) only=,${arg#rkvm.only=}, ;;
	rkvm.repeat=*) repeat=${arg#rkvm.repeat=} ;;
	rkvm.fuzz_seconds=*) fuzz_seconds=${arg#rkvm.fuzz_seconds=} ;;
	rkvm.fuzz_seed=*) fuzz_seed=${arg#rkvm.fuzz_seed=} ;;
	rkvm.hostile=*) hostile=${arg#rkvm.hostile=} ;;
	rkvm.vmm=*) vmm=${arg#rkvm.vmm=} ;;
	rkvm.ksyms=*) ksyms=${arg#rkvm.ksyms=} ;;
	rkvm.host=*) host=${arg#rkvm.host=} ;;
	esac
done
# The emulated host's QEMU (scripts/lib.sh's RKVM_HOST), for the tests whose
# checks one of them cannot support (selftests/sbi_time.c).
export RKVM_HOST=${host:-stable}

now() { read -r up _ < /proc/uptime; echo "$up"; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
result() { echo "RESULT $1 $2 $3s"; }
finish() { echo "RKVM-DONE"; sync; poweroff -f; }

# The profile's factor on every limit: "scale PROFILE N" in /timeouts.
profile=$(cat /profile 2>/dev/null || echo normal)
[ -n "$scale" ] || scale=$(awk -v p="$profile" '$1 == "scale" && $2 == p { print $3 }' /timeouts)
[ -n "$scale" ] || scale=1

# limit_of SUITE/NAME: its time limit in seconds, /timeouts' or the
# default, times the profile's factor.
limit_of() {
	awk -v t="$1" -v d="$timeout_s" -v k="$scale" '
		$1 == t { s = $2 } END { printf "%d", (s ? s : d) * k }' /timeouts
}

# args_of SUITE/NAME: its options on this profile, from /args.
args_of() {
	awk -v t="$1" -v p="$profile" '$1 == t && $2 == p { $1 = $2 = ""; sub(/^ +/, ""); print }' /args
}

# One run of a selftest: its output prefixed with its name, its status
# in $st (KSFT exit codes: 0 pass, 2 xfail, 4 skip; anything else fails).
run_once() {
	name=$1 path=$2
	limit=$(limit_of "$name")
	args=$(args_of "$name")
	[ -n "$args" ] && echo "[$name] options on the $profile profile (selftests/args): $args"
	t0=$(now)
	# shellcheck disable=SC2086 # the options are words
	RKVM_LIMIT=$limit timeout -s KILL "$limit" "$path" $args > /tmp/out 2>&1
	rc=$?
	t1=$(now)
	sed "s|^|[$name] |" /tmp/out
	case $rc in
	0) st=PASS ;;
	2) st=XFAIL ;;
	4) st=SKIP ;;
	137) st=FAIL; echo "[$name] killed after ${limit}s, its limit (selftests/timeouts)" ;;
	*) st=FAIL; echo "[$name] exit code $rc" ;;
	esac
	took=$(secs "$t0" "$t1")
}

# A failing test runs once more only if /timing-sensitive names it (the
# timer selftests measure guest time against a 100 us margin, which an
# emulated host under load can miss): a retry of anything else would
# hide a race. The first failure is reported (RETRY line, and by the
# host's summary), and the RESULT line is the second run's.
run_test() {
	suite=$1 path=$2
	name=$suite/$(basename "$path")
	echo "=== $name"
	run_once "$name" "$path"
	if [ "$st" = FAIL ] && sed 's/[[:space:]]*#.*//; s/[[:space:]]*$//' /timing-sensitive | grep -qxF "$name"; then
		echo "RETRY $name: failed once (exit $rc, ${took}s), running it again"
		run_once "$name" "$path"
	fi
	result "$st" "$name" "$took"
}

# A check run by this script itself: "check NAME CMD...".
check() {
	name=$1; shift
	t0=$(now)
	if "$@" > /tmp/out 2>&1; then st=PASS; else st=FAIL; fi
	t1=$(now)
	sed "s|^|[$name] |" /tmp/out
	result "$st" "$name" "$(secs "$t0" "$t1")"
}

# The fuzzer for $1 seconds: its own bound, then a KILL 60 s later (a
# fuzzer stuck in the kernel is a hang, whatever it was doing).
fuzz() {
	name=project/kvm_fuzz
	echo "=== $name"
	t0=$(now)
	# Streamed, so that a hang shows how far the fuzzer got.
	{
		FUZZ_SEED=$fuzz_seed timeout -s KILL $(($1 + 60)) /fuzz/kvm_fuzz -t "$1" 2>&1
		echo $? > /tmp/fuzz.rc
	} | sed "s|^|[$name] |"
	read -r rc < /tmp/fuzz.rc
	case $rc in
	0) st=PASS ;;
	4) st=SKIP ;;
	137) st=FAIL; echo "[$name] killed $(($1 + 60))s after its start: hung" ;;
	*) st=FAIL; echo "[$name] exit code $rc" ;;
	esac
	result "$st" "$name" "$(secs "$t0" "$(now)")"
}

# guest_shell VMM: a Linux guest under VMM (qemu or kvmtool) on this
# console, its shell to the user, until it powers off. The inner VMM's
# escape key differs from the outer QEMU's Ctrl-A.
guest_shell() {
	export LD_LIBRARY_PATH=/usr/lib/riscv64-linux-gnu HOME=/tmp
	g=/kit/guest
	case $1 in
	kvmtool)
		[ -x /usr/bin/lkvm ] || { echo "no kvmtool in this initramfs (scripts/lib.sh's LKVM)"; return; }
		echo "Booting Linux $(cat $g/version) under kvmtool (2 vCPUs) on the $(cat /backend) backend." \
			"'poweroff -f' in the guest returns to the emulated host's shell; Ctrl-A x there ends everything."
		setsid cttyhack lkvm run --name guest -k $g/Image -i $g/initrd.cpio -c 2 -m 512 \
			--console serial --network mode=none -p "rvm.do=shell"
		;;
	*)
		echo "Booting Linux $(cat $g/version) under QEMU (2 vCPUs) on the $(cat /backend) backend." \
			"'poweroff -f' in the guest (or Ctrl-B x) returns to the emulated host's shell; Ctrl-A x there ends everything."
		setsid cttyhack qemu-system-riscv64 -M virt -accel kvm -cpu host -smp 2 -m 512M \
			-nographic -echr 2 -nic none -kernel $g/Image -initrd $g/initrd.cpio \
			-append "console=ttyS0 rvm.do=shell"
		;;
	esac
}

load_fails_without_h() {
	insmod /kvm.ko && { echo "kvm.ko loaded on a CPU without H"; return 1; }
	dmesg | grep -q 'kvm \[[0-9]*\]: hypervisor extension not available' ||
		{ echo "missing log line"; return 1; }
	[ ! -e /dev/kvm ]
}

reload_module() {
	rmmod kvm || return 1
	[ ! -e /dev/kvm ] || { echo "/dev/kvm survived rmmod"; return 1; }
	insmod /kvm.ko && [ -c /dev/kvm ] && rmmod kvm
}

case $mode in
bench)
	insmod /kvm.ko
	echo "backend: $(cat /backend)"
	# scripts/profile.sh names the instructions it steps through by the
	# module's symbols, which only the running kernel knows.
	if [ "$ksyms" = 1 ]; then
		grep '\[kvm\]$' /proc/kallsyms | sed 's/^/KSYM /'
	fi
	# /kit/bench: the measures that need the real-VMM kit's QEMU.
	for b in /bench/* /kit/bench/*; do
		[ -x "$b" ] || continue
		case $only in "" | *",bench/${b##*/},"*) ;; *) continue ;; esac
		i=0
		while [ "$i" -lt "$repeat" ]; do
			"$b" 2>&1 || echo "BENCH-FAILED $(basename "$b")"
			i=$((i + 1))
		done
	done
	finish
	;;
noh)
	check project/load_fails_without_h_extension load_fails_without_h
	finish
	;;
timer)
	echo "backend: $(cat /backend)"
	suite=timer-$RKVM_HOST
	grep -q '^isa.*_sstc' /proc/cpuinfo || suite=$suite-nosstc
	check "$suite/module_load" insmod /kvm.ko
	for t in /tests/project/sbi_time; do
		case $only in "" | *",$suite/${t##*/},"*) ;; *) continue ;; esac
		run_test "$suite" "$t"
	done
	finish
	;;
fuzz)
	echo "backend: $(cat /backend)"
	insmod /kvm.ko
	if [ "$hostile" = 1 ]; then
		for t in /tests/hostile/*; do
			[ -x "$t" ] || continue
			run_test hostile "$t"
		done
	fi
	fuzz "$fuzz_seconds"
	finish
	;;
shell)
	insmod /kvm.ko
	dmesg | grep 'kvm \['
	echo "kvm.ko ($(cat /backend) backend) is loaded."
	if [ -d /kit ]; then
		guest_shell "$vmm"
	else
		echo "A first guest VM:"
		/tests/upstream/guest_print_test
	fi
	echo "This is the emulated host. Tests are in /tests (e.g. /tests/upstream/arch_timer)."
	echo "Leave with 'poweroff -f'."
	setsid cttyhack sh
	finish
	;;
vmm)
	suites=vmm
	;;
esac

echo "backend: $(cat /backend)"
if [ "$mode" = vmm ]; then
	insmod /kvm.ko || echo "insmod /kvm.ko failed"
else
	check project/module_load insmod /kvm.ko
fi
: "${suites:=upstream project}"
if [ -n "$only" ]; then
	for t in $(echo "$only" | tr , ' '); do
		i=0
		while [ "$i" -lt "$repeat" ]; do
			echo "=== $t (run $((i + 1)) of $repeat)"
			run_once "$t" "/tests/$t"
			result "$st" "$t" "$took"
			i=$((i + 1))
		done
	done
	finish
fi
for suite in $suites; do
	for t in /tests/$suite/*; do
		run_test "$suite" "$t"
	done
done
[ "$mode" = tests ] && check project/module_reload reload_module
finish
