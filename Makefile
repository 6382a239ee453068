# riscv-kvm-rs: the RISC-V KVM backend in Rust, built in-tree on Linux 6.12.
#
#   make run                      boot the emulated host and, in it, a Linux
#                                 guest under QEMU (VMM=kvmtool: kvmtool)
#   make test                     host tests + every selftest on the Rust backend
#   make test KVM_BACKEND=upstream   the same suite on the upstream C backend
#   make bench                    benchmarks, Rust against upstream C
#   make boot-times               a Linux guest's time to /init under QEMU,
#                                 Rust against upstream C (RKVM_BOOT_REPEAT=)
#   make parity                   make test on the upstream C backend (the reference)
#   make fuzz                     the fuzzer in the emulated host (FUZZ_SECONDS=,
#                                 FUZZ_SEED= to replay)
#   make test KVM_DEBUG=1         any of these on the debug kernels: lockdep,
#                                 KASAN, UBSAN, KFENCE, lockup detectors
#   make test HOST=modern         any of these on the modern emulated host:
#                                 bookworm-backports' QEMU 10
#
# Everything is built under build/; see README.md.

KVM_BACKEND ?= rust
ifeq ($(filter $(KVM_BACKEND),rust upstream),)
$(error KVM_BACKEND must be 'rust' or 'upstream', not '$(KVM_BACKEND)')
endif

# The profile: KVM_DEBUG=1 builds the kernels with configs/kvm-debug.config
# over kvm-rs.config, in trees, stamps and initramfs suffixed -debug, so
# switching profiles rebuilds neither (scripts/lib.sh reads KVM_DEBUG too).
KVM_DEBUG ?= 0
ifeq ($(filter $(KVM_DEBUG),0 1),)
$(error KVM_DEBUG must be 0 or 1, not '$(KVM_DEBUG)')
endif
export KVM_DEBUG
P := $(if $(filter 1,$(KVM_DEBUG)),-debug)

SHELL := /bin/bash
BUILD := $(CURDIR)/build
S := $(CURDIR)/scripts
JOBS ?= $(shell nproc)

# What the Rust backend's kernel build depends on in this project.
PROJECT_KSRC := Kconfig $(shell find arch-riscv-kvm include-uapi rust -type f \
			-not -path 'arch-riscv-kvm/target/*' 2>/dev/null)
CONFIG_SRC := configs/kvm-rs.config
DEBUG_CONFIG_SRC := configs/kvm-debug.config
PATCHES := $(wildcard patches/*.patch)
# The directories too: deleting a test must rebuild the set.
SELFTEST_SRC := $(wildcard selftests/*.c selftests/*.h selftests/hostile/*.c \
	selftests/bench/*.c selftests/bench/*.h selftests/fuzz/*.c) selftests/Makefile selftests/. \
	selftests/hostile selftests/bench selftests/fuzz

SETUP := $(BUILD)/.setup.stamp
# $(call X,BACKEND,SUFFIX): SUFFIX is the profile's, '' or -debug.
TREE = $(BUILD)/linux-$(1)$(2)
KERNEL = $(BUILD)/.kernel-$(1)$(2).stamp
SELFTESTS := $(BUILD)/.selftests.stamp
INITRAMFS = $(BUILD)/initramfs-$(1)$(2).cpio
# What /init reads besides itself: per-test limits, options, the retry list.
INIT_FILES := selftests/init.sh selftests/timeouts selftests/args selftests/timing-sensitive
# The real-VMM kit (scripts/mkvmmkit.sh): QEMU, kvmtool, a guest kernel
# and root, the vmm tests. The vmm and run boots append it to the host's
# initramfs; the others do without its ~86 MB.
VMMKIT := $(BUILD)/vmm-kit.cpio
VMMKIT_SRC := $(wildcard selftests/vmm/*.sh selftests/vmm/guest/* selftests/vmm/tools/* \
	selftests/vmm/bench/*) selftests/vmm selftests/vmm/guest selftests/vmm/tools selftests/vmm/bench
LKVM ?= $(abspath $(CURDIR)/../shared/tools/riscv64/lkvm)
export LKVM
# Which kvmtool the kit holds (its path and sha256, or none): the kit is
# made again when that changes, whatever the file's mtime.
LKVM_STAMP := $(BUILD)/.lkvm.stamp
VMM_INITRAMFS = $(BUILD)/initramfs-$(1)$(2)-vmm.cpio
VMM ?= qemu
ifeq ($(filter $(VMM),qemu kvmtool),)
$(error VMM must be 'qemu' or 'kvmtool', not '$(VMM)')
endif

# The emulated host (scripts/lib.sh): HOST=stable is the machine's QEMU
# 7.2, HOST=modern the backports QEMU 10, fetched into build/qemu-modern.
# The kernels and initramfs are the same for both.
# Only from make's command line: the environment's HOST is often the
# machine's name.
ifneq ($(origin HOST),command line)
HOST := stable
endif
ifeq ($(filter $(HOST),stable modern),)
$(error HOST must be 'stable' or 'modern', not '$(HOST)')
endif
export RKVM_HOST := $(HOST)
QEMU_MODERN := $(BUILD)/qemu-modern/.packages
HOST_QEMU := $(if $(filter modern,$(HOST)),$(QEMU_MODERN))

.PHONY: FORCE all setup kernel selftests initramfs vmm-kit boot-times test parity host-test run bench fuzz clean distclean
.DELETE_ON_ERROR:

all: kernel

setup: $(SETUP)
$(SETUP): $(S)/setup.sh $(S)/lib.sh
	@$(S)/setup.sh || { echo "setup failed: see the message above, fix it and run 'make setup' again" >&2; exit 1; }
	@mkdir -p $(BUILD) && touch $@

# The rules of one profile: $(call profile-rules,SUFFIX,KVM_DEBUG,FRAGMENTS).
# Each recipe sets KVM_DEBUG itself: the normal Rust kernel is built for
# the selftests whatever the command line's profile.
define profile-rules
# Unpacked, patched and configured trees.
$(call TREE,rust,$(1))/.config: $(SETUP) $(3) $(PATCHES) $(S)/prepare-tree.sh
	@KVM_DEBUG=$(2) $(S)/prepare-tree.sh rust
$(call TREE,upstream,$(1))/.config: $(SETUP) $(3) $(S)/prepare-tree.sh
	@KVM_DEBUG=$(2) $(S)/prepare-tree.sh upstream

# Image and kvm.ko. The stamp makes a second `make` with nothing changed a
# matter of seconds: kbuild is not even entered.
$(call KERNEL,rust,$(1)): $(call TREE,rust,$(1))/.config $(PROJECT_KSRC) $(S)/overlay.sh
	@KVM_DEBUG=$(2) $(S)/overlay.sh
	@echo "==> building Image and kvm.ko (Rust backend$(1))"
	@source $(S)/lib.sh && kmake $(call TREE,rust,$(1)) -s -j$(JOBS) Image modules \
		|| { echo "kernel build failed (Rust backend$(1)): see the compiler output above" >&2; exit 1; }
	@KVM_DEBUG=$(2) $(S)/check-kvm-ko.sh rust
	@touch $$@
$(call KERNEL,upstream,$(1)): $(call TREE,upstream,$(1))/.config
	@echo "==> building Image and kvm.ko (upstream C backend$(1))"
	@source $(S)/lib.sh && kmake $(call TREE,upstream,$(1)) -s -j$(JOBS) Image modules \
		|| { echo "kernel build failed (upstream backend$(1))" >&2; exit 1; }
	@touch $$@

$(call INITRAMFS,rust,$(1)): $(call KERNEL,rust,$(1)) $(SELFTESTS) $(INIT_FILES) $(S)/mkinitramfs.sh
	@KVM_DEBUG=$(2) $(S)/mkinitramfs.sh rust $$@
$(call INITRAMFS,upstream,$(1)): $(call KERNEL,upstream,$(1)) $(SELFTESTS) $(INIT_FILES) $(S)/mkinitramfs.sh
	@KVM_DEBUG=$(2) $(S)/mkinitramfs.sh upstream $$@
# The kernel unpacks concatenated cpio archives one after the other.
$(call VMM_INITRAMFS,rust,$(1)): $(call INITRAMFS,rust,$(1)) $(VMMKIT)
	@cat $$^ > $$@
$(call VMM_INITRAMFS,upstream,$(1)): $(call INITRAMFS,upstream,$(1)) $(VMMKIT)
	@cat $$^ > $$@
endef
$(eval $(call profile-rules,,0,$(CONFIG_SRC)))
$(eval $(call profile-rules,-debug,1,$(CONFIG_SRC) $(DEBUG_CONFIG_SRC)))

kernel: $(call KERNEL,$(KVM_BACKEND),$(P))

# Fetched again when the script or lib.sh's package list changes.
$(QEMU_MODERN): $(SETUP) $(S)/fetch-qemu-modern.sh $(S)/lib.sh
	@$(S)/fetch-qemu-modern.sh

# Selftests are built once, against the Rust tree's UAPI headers (so the
# upstream selftests double as a compile test of include-uapi/), and run
# unchanged on both backends and both profiles (the UAPI is the same).
$(SELFTESTS): $(call KERNEL,rust) $(SELFTEST_SRC) $(S)/build-selftests.sh
	@KVM_DEBUG=0 $(S)/build-selftests.sh
	@touch $@
selftests: $(SELFTESTS)

initramfs: $(call INITRAMFS,$(KVM_BACKEND),$(P))

$(LKVM_STAMP): FORCE
	@mkdir -p $(BUILD); want="$(LKVM) $$(sha256sum < '$(LKVM)' 2>/dev/null | cut -d' ' -f1)"; \
		[ "$$(cat $@ 2>/dev/null)" = "$$want" ] || echo "$$want" > $@
$(VMMKIT): $(SETUP) $(VMMKIT_SRC) $(LKVM_STAMP) $(S)/mkvmmkit.sh
	@$(S)/mkvmmkit.sh $@
vmm-kit: $(VMMKIT)

host-test: $(SETUP)
	@$(S)/host-tests.sh

test: $(call VMM_INITRAMFS,$(KVM_BACKEND),$(P)) $(QEMU_MODERN)
	@$(S)/run-tests.sh $(KVM_BACKEND)

# Rust against upstream C, in one run: both initramfs are needed.
bench: $(call VMM_INITRAMFS,rust,$(P)) $(call VMM_INITRAMFS,upstream,$(P))
	@$(S)/bench.sh

boot-times: $(call VMM_INITRAMFS,rust,$(P)) $(call VMM_INITRAMFS,upstream,$(P)) $(HOST_QEMU)
	@$(S)/boot-times.sh

# The reference: the same suite on the upstream C backend.
parity:
	@$(MAKE) --no-print-directory test KVM_BACKEND=upstream

fuzz: $(call INITRAMFS,$(KVM_BACKEND),$(P)) $(HOST_QEMU)
	@$(S)/fuzz.sh $(KVM_BACKEND)

run: $(call VMM_INITRAMFS,$(KVM_BACKEND),$(P)) $(HOST_QEMU)
	@RKVM_APPEND="rkvm.vmm=$(VMM) $(RKVM_APPEND)" $(S)/boot.sh $(KVM_BACKEND) shell

clean:
	rm -rf $(BUILD)/.kernel-*.stamp $(BUILD)/.selftests.stamp $(BUILD)/initramfs-* $(VMMKIT) \
		$(BUILD)/selftests $(BUILD)/test-* $(BUILD)/cargo
	-source $(S)/lib.sh && for t in rust upstream rust-debug upstream-debug; do \
		[ -d $(BUILD)/linux-$$t ] && kmake $(BUILD)/linux-$$t -s clean; done; true

distclean:
	rm -rf $(BUILD)
