#!/usr/bin/env bash
# overlay.sh: lay the project over the rust backend's kernel tree
# (the mapping is documented in Documentation/virt/kvm/riscv/rust-backend.rst).
# rsync only touches files whose content changed, so kbuild rebuilds only
# what an edit affects.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

tree=$(tree_of rust)
sync() { rsync -rlpc "$@"; }

# Build outputs in the target directory are kbuild's, not ours: keep them.
sync --delete --exclude=/include --exclude=/Cargo.toml --exclude=/target \
	--filter='P /Kconfig' \
	--filter='P *.o' --filter='P .*.cmd' --filter='P *.ko' --filter='P *.mod*' \
	--filter='P modules.order' --filter='P *.a' --filter='P *.d' \
	"$TOP/arch-riscv-kvm/" "$tree/arch/riscv/kvm/"
sync "$TOP/arch-riscv-kvm/include/asm/" "$tree/arch/riscv/include/asm/"
sync "$TOP/include-uapi/asm/" "$tree/arch/riscv/include/uapi/asm/"
sync "$TOP/rust/" "$tree/rust/"
sync "$TOP/Kconfig" "$tree/arch/riscv/kvm/Kconfig"
