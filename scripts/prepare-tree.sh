#!/usr/bin/env bash
# prepare-tree.sh BACKEND: unpack Debian's linux-source-6.12 into
# build/linux-BACKEND (build/linux-BACKEND-debug with KVM_DEBUG=1), apply
# the project's patches (rust backend only) and configure it: tinyconfig
# plus configs/kvm-rs.config, plus configs/kvm-debug.config with KVM_DEBUG=1.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

backend=${1:?usage: prepare-tree.sh rust|upstream}
tree=$(tree_of "$backend")

# The tree is unpacked afresh when the patches it was made with changed.
want_patches=none
if [ "$backend" = rust ]; then
	want_patches=$(cat "$TOP"/patches/*.patch | sha256sum | cut -d' ' -f1)
fi
if [ ! -f "$tree/.unpacked" ] || [ "$(cat "$tree/.unpacked")" != "$want_patches" ]; then
	step "unpacking $(basename "$KERNEL_TARBALL") into ${tree#"$TOP"/}"
	[ -f "$KERNEL_TARBALL" ] || die "$KERNEL_TARBALL missing: run 'make setup'"
	rm -rf "$tree"
	mkdir -p "$tree"
	tar -xf "$KERNEL_TARBALL" -C "$tree" --strip-components=1
	if [ "$backend" = rust ]; then
		# The C backend's sources and private headers go away so nothing
		# of them can end up in kvm.ko; the overlay brings the Rust one.
		rm -f "$tree"/arch/riscv/kvm/*.c "$tree"/arch/riscv/kvm/*.S "$tree"/arch/riscv/kvm/*.h
		rm -f "$tree"/arch/riscv/include/asm/kvm_{aia,vcpu_*}.h
		for p in "$TOP"/patches/*.patch; do
			patch -s -p1 -d "$tree" < "$p" || die "patch $(basename "$p") does not apply"
		done
	fi
	echo "$want_patches" > "$tree/.unpacked"
fi

# Kconfig is part of the overlay, so lay it before configuring.
[ "$backend" = rust ] && "$TOP/scripts/overlay.sh"

names=$(for f in "${CONFIG_FRAGMENTS[@]}"; do printf ' + %s' "${f#"$TOP"/}"; done)
step "configuring ${tree#"$TOP"/} (tinyconfig$names)"
kmake "$tree" -s tinyconfig
"$tree"/scripts/kconfig/merge_config.sh -m -O "$tree" "$tree/.config" \
	"${CONFIG_FRAGMENTS[@]}" >/dev/null
kmake "$tree" -s olddefconfig
# merge_config.sh only warns when a fragment line does not survive. What
# each symbol should be is its last line over the fragments in merge
# order (the debug profile's PREEMPT=y overrides PREEMPT_VOLUNTARY=y); a
# "# CONFIG_X is not set" line holds when X is not =y/=m/=value.
declare -A want from
for f in "${CONFIG_FRAGMENTS[@]}"; do
	while read -r sym val; do
		want[$sym]=$val from[$sym]=${f#"$TOP"/}
	done < <(sed -nE 's/^(CONFIG_[A-Z0-9_]+)=(.*)$/\1 \2/p; s/^# (CONFIG_[A-Z0-9_]+) is not set$/\1 n/p' "$f")
done
for sym in "${!want[@]}"; do
	if [ "${want[$sym]}" = n ]; then
		! grep -q "^$sym=" "$tree/.config" ||
			die "'# $sym is not set' from ${from[$sym]} did not take effect in $tree/.config (selected by another option?)"
	else
		grep -qxF "$sym=${want[$sym]}" "$tree/.config" ||
			die "$sym=${want[$sym]} from ${from[$sym]} did not take effect in $tree/.config (missing dependency?)"
	fi
done
