# riscv-kvm-rs: the RISC-V KVM backend in Rust, built in-tree on Linux 6.12.
#
#   make run                      build everything, boot the emulated host
#   make test                     host tests + every selftest on the Rust backend
#   make test KVM_BACKEND=upstream   the same suite on the upstream C backend
#   make bench                    benchmarks, Rust against upstream C
#   make fuzz                     the fuzzer in the emulated host (FUZZ_SECONDS=,
#                                 FUZZ_SEED= to replay)
#
# Everything is built under build/; see README.md.

KVM_BACKEND ?= rust
ifeq ($(filter $(KVM_BACKEND),rust upstream),)
$(error KVM_BACKEND must be 'rust' or 'upstream', not '$(KVM_BACKEND)')
endif

SHELL := /bin/bash
BUILD := $(CURDIR)/build
S := $(CURDIR)/scripts
JOBS ?= $(shell nproc)

# What the Rust backend's kernel build depends on in this project.
PROJECT_KSRC := Kconfig $(shell find arch-riscv-kvm include-uapi rust -type f \
			-not -path 'arch-riscv-kvm/target/*' 2>/dev/null)
CONFIG_SRC := configs/kvm-rs.config
PATCHES := $(wildcard patches/*.patch)
# The directories too: deleting a test must rebuild the set.
SELFTEST_SRC := $(wildcard selftests/*.c selftests/*.h selftests/bench/*.c \
	selftests/fuzz/*.c) selftests/Makefile selftests selftests/bench selftests/fuzz

SETUP := $(BUILD)/.setup.stamp
TREE = $(BUILD)/linux-$(1)
KERNEL = $(BUILD)/.kernel-$(1).stamp
SELFTESTS := $(BUILD)/.selftests.stamp
INITRAMFS = $(BUILD)/initramfs-$(1).cpio

.PHONY: all setup kernel selftests initramfs test host-test run bench fuzz clean distclean
.DELETE_ON_ERROR:

all: kernel

setup: $(SETUP)
$(SETUP): $(S)/setup.sh $(S)/lib.sh
	@$(S)/setup.sh || { echo "setup failed: see the message above, fix it and run 'make setup' again" >&2; exit 1; }
	@mkdir -p $(BUILD) && touch $@

# Unpacked, patched and configured trees.
$(BUILD)/linux-rust/.config: $(SETUP) $(CONFIG_SRC) $(PATCHES) $(S)/prepare-tree.sh
	@$(S)/prepare-tree.sh rust
$(BUILD)/linux-upstream/.config: $(SETUP) $(CONFIG_SRC) $(S)/prepare-tree.sh
	@$(S)/prepare-tree.sh upstream

# Image and kvm.ko. The stamp makes a second `make` with nothing changed a
# matter of seconds: kbuild is not even entered.
$(call KERNEL,rust): $(BUILD)/linux-rust/.config $(PROJECT_KSRC) $(S)/overlay.sh
	@$(S)/overlay.sh
	@echo "==> building Image and kvm.ko (Rust backend)"
	@source $(S)/lib.sh && kmake $(call TREE,rust) -s -j$(JOBS) Image modules \
		|| { echo "kernel build failed (Rust backend): see the compiler output above" >&2; exit 1; }
	@$(S)/check-kvm-ko.sh rust
	@touch $@
$(call KERNEL,upstream): $(BUILD)/linux-upstream/.config
	@echo "==> building Image and kvm.ko (upstream C backend)"
	@source $(S)/lib.sh && kmake $(call TREE,upstream) -s -j$(JOBS) Image modules \
		|| { echo "kernel build failed (upstream backend)" >&2; exit 1; }
	@touch $@

kernel: $(call KERNEL,$(KVM_BACKEND))

# Selftests are built once, against the Rust tree's UAPI headers (so the
# upstream selftests double as a compile test of include-uapi/), and run
# unchanged on both backends.
$(SELFTESTS): $(call KERNEL,rust) $(SELFTEST_SRC) $(S)/build-selftests.sh
	@$(S)/build-selftests.sh
	@touch $@
selftests: $(SELFTESTS)

$(call INITRAMFS,%): $(BUILD)/.kernel-%.stamp $(SELFTESTS) selftests/init.sh $(S)/mkinitramfs.sh
	@$(S)/mkinitramfs.sh $* $@
initramfs: $(call INITRAMFS,$(KVM_BACKEND))

host-test: $(SETUP)
	@$(S)/host-tests.sh

test: $(call INITRAMFS,$(KVM_BACKEND))
	@$(S)/run-tests.sh $(KVM_BACKEND)

# Rust against upstream C, in one run: both initramfs are needed.
bench: $(call INITRAMFS,rust) $(call INITRAMFS,upstream)
	@$(S)/bench.sh

fuzz: $(call INITRAMFS,$(KVM_BACKEND))
	@$(S)/fuzz.sh $(KVM_BACKEND)

run: $(call INITRAMFS,$(KVM_BACKEND))
	@$(S)/boot.sh $(KVM_BACKEND) shell

clean:
	rm -rf $(BUILD)/.kernel-*.stamp $(BUILD)/.selftests.stamp $(BUILD)/initramfs-* \
		$(BUILD)/selftests $(BUILD)/test-* $(BUILD)/cargo
	-source $(S)/lib.sh && for t in rust upstream; do \
		[ -d $(BUILD)/linux-$$t ] && kmake $(BUILD)/linux-$$t -s clean; done; true

distclean:
	rm -rf $(BUILD)
