#!/usr/bin/env bash
# check-splat-re.sh: the test of lib.sh's SPLAT_RE, the regex that fails a
# run on a kernel report (run-tests.sh, fuzz.sh). Every report below must
# match, every line of an ordinary run must not. The samples are the
# kernel's own formats (6.12: kernel/watchdog.c, kernel/rcu/tree_stall.h,
# kernel/hung_task.c, kernel/locking/lockdep.c, mm/kasan, mm/kfence,
# lib/ubsan.c, lib/list_debug.c, lib/bug.c, arch/riscv/kernel/traps.c,
# rust/kernel/lib.rs). Prints one RESULT line, the misses above it.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

t0=$(date +%s.%N)
fails=0

# Reports, as the console shows them. The last ones start mid-line: the
# console interleaves a test's output with kernel messages, and a record
# can begin after a partial line of the test's.
while IFS= read -r l; do
	[ -z "$l" ] && continue
	grep -qaE "$SPLAT_RE" <<<"$l" || { echo "missed: $l"; fails=$((fails + 1)); }
done <<'EOF'
[   62.101010] rcu: INFO: rcu_sched detected stalls on CPUs/tasks:
[   62.101010] rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:
[   62.101010] rcu: INFO: rcu_preempt self-detected stall on CPU
[   62.101010] rcu: INFO: rcu_preempt detected expedited stalls on CPUs/tasks: { 1-... } 21032 jiffies s: 421 root: 0x2/.
[   48.000001] watchdog: BUG: soft lockup - CPU#1 stuck for 22s! [dirty_log_test:231]
[   30.500000] Watchdog detected hard LOCKUP on cpu 1
[  100.123456] BUG: KASAN: slab-use-after-free in kvm_vcpu_ioctl+0x1a2/0x9e0 [kvm]
[  100.123456] BUG: KASAN: slab-out-of-bounds in riscv_kvm::vcpu::run+0x44/0x120 [kvm]
[  100.123456] UBSAN: shift-out-of-bounds in arch/riscv/kvm/glue.c:42:17
[  100.123456] UBSAN: array-index-out-of-bounds in virt/kvm/kvm_main.c:1234:5
[  100.123456] BUG: KFENCE: use-after-free read in kvm_arch_vcpu_destroy+0x30/0x80 [kvm]
[  100.123456] BUG: KFENCE: out-of-bounds write in riscv_kvm::mmu::map+0x12/0x40 [kvm]
[  100.123456] list_add corruption. prev->next should be next (ffffaf8001234560), but was 0000000000000000. (prev=ffffaf8001234560).
[  100.123456] list_del corruption, ffffaf8001234560->next is LIST_POISON1 (dead000000000100)
[  100.123456] list_del corruption. prev->next should be ffffaf8001234560, but was ffffaf8001234568. (prev=ffffaf8001234570)
[  181.000000] INFO: task kvm_page_table_:212 blocked for more than 60 seconds.
[  100.123456] WARNING: possible circular locking dependency detected
[  100.123456] WARNING: possible recursive locking detected
[  100.123456] WARNING: inconsistent lock state
[  100.123456] WARNING: suspicious RCU usage
[  100.123456] WARNING: bad unlock balance detected!
[  100.123456] INFO: trying to register non-static key.
[  100.123456] BUG: sleeping function called from invalid context at kernel/locking/mutex.c:585
[  100.123456] BUG: scheduling while atomic: steal_time/198/0x00000002
[  100.123456] WARNING: CPU: 1 PID: 187 at arch/riscv/kvm/glue.c:88 kvm_riscv_glue_foo+0x2a/0x30 [kvm]
[  100.123456] Unable to handle kernel NULL pointer dereference at virtual address 0000000000000008
[  100.123456] Unable to handle kernel paging request at virtual address ffffffff00000000
[  100.123456] Oops [#1]
[  100.123456] Oops - illegal instruction [#1]
[  100.123456] kernel BUG at mm/page_alloc.c:1234!
[  100.123456] Kernel BUG [#1]
[  100.123456] rust_kernel: panicked at arch/riscv/kvm/vcpu.rs:120:9:
[  100.123456] Kernel panic - not syncing: Hard LOCKUP
[  100.123456] BUG: Bad page state in process kvm_fuzz  pfn:8a3f1
[  100.123456] BUG: workqueue lockup - pool cpus=1 node=0 flags=0x0 nice=0 stuck for 31s!
[upstream/dirty_log_test] Iteration 12 collected 312 pages[  100.123456] BUG: KASAN: use-after-free in kvm_vm_ioctl+0x10/0x20 [kvm]
==== Test Assertion Failure ====[  100.123456] rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:
EOF

# An ordinary run: boot messages of both profiles, test output (whose
# own words may name a report without being one), the runner's lines.
while IFS= read -r l; do
	[ -z "$l" ] && continue
	grep -qaE "$SPLAT_RE" <<<"$l" && { echo "false positive: $l"; fails=$((fails + 1)); }
done <<'EOF'
[    0.000000] Lock dependency validator: Copyright (c) 2006 Red Hat, Inc., Ingo Molnar
[    0.000000] ... MAX_LOCKDEP_SUBCLASSES:  8
[    0.000000] ... MAX_LOCKDEP_KEYS:        8192
[    0.000000]  memory used by lock dependency info: 6365 kB
[    0.000000] kasan: KernelAddressSanitizer initialized (generic)
[    0.000000] kfence: initialized - using 2097152 bytes for 255 objects at 0x(____ptrval____)-0x(____ptrval____)
[    0.000000] rcu: Preemptible hierarchical RCU implementation.
[    0.000000] rcu: 	RCU CPU stall warnings timeout set to 20 (rcu_cpu_stall_timeout).
[    0.000000] rcu: 	RCU lockdep checking is enabled.
[    0.000000] rcu: 	RCU debug extended QS entry/exit.
[    0.123456] NMI watchdog: Enabled. Permanently consumes one hw-PMU counter.
[    0.123456] watchdog: Delayed init of the lockup detector failed: -19
[    0.123456] Watchdog: Hard watchdog permanently disabled
[    1.000000] kvm [1]: hypervisor extension available
[    1.000000] kvm [1]: using Sv57x4 G-stage page table format
[   12.000000] kvm [1]: VMID 14 bits available
[upstream/arch_timer] ==== Test Assertion Failure ====
[upstream/arch_timer]   arch_timer.c:88: false
[project/kvm_fuzz] WARNING: the fuzzer found nothing in 300 s
[project/kvm_fuzz] BUG: this words it like the kernel but has no timestamp
RESULT FAIL upstream/dirty_log_test 301.22s
RETRY upstream/arch_timer: failed once (exit 254, 12.10s), running it again
Oops, this is not the kernel
EOF

secs=$(echo "$(date +%s.%N) - $t0" | bc)
if ((fails == 0)); then st=PASS; else st=FAIL; fi
printf 'RESULT %s host/splat_regex %.2fs\n' "$st" "$secs"
