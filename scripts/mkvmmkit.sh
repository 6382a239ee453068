#!/usr/bin/env bash
# mkvmmkit.sh OUT: the real-VMM kit of the emulated host, a cpio archive
# that the vmm and run boots append to the host's initramfs (the kernel
# unpacks both). It holds, from Debian trixie riscv64 (scripts/setup.sh):
#   /usr/bin/qemu-system-riscv64 and exactly the shared libraries it
#   loads (its DT_NEEDED closure), OpenSBI for its -M virt, strace;
#   /usr/bin/lkvm, kvmtool, when $LKVM is there (lib.sh);
#   /kit/guest/Image, Debian's linux-image-riscv64 kernel, and
#   /kit/guest/initrd.cpio, the guests' root: busybox, selftests/vmm/guest
#   (its /init and two helpers) and the virtio modules that are not
#   built into that kernel;
#   /tests/vmm/*, the tests (selftests/vmm), their /kit/vmm-lib.sh, and
#   /kit/vmm-syscalls.sh (selftests/vmm/tools); /kit/bench/*, the
#   benchmarks that need a VMM (selftests/vmm/bench, make bench).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

out=$1
root=$RISCV_ROOT
libdir=usr/lib/riscv64-linux-gnu
stage=$(mktemp -d "$BUILD/vmmkit.XXXXXX")
trap 'rm -rf "$stage"' EXIT
cc=${CROSS}gcc

# copy_elf FILE DEST: FILE of the riscv64 root (a path inside it) to
# DEST of the stage, and every library it needs, transitively, by
# DT_NEEDED from the root's multiarch directory.
declare -A have
copy_elf() {
	local file=$1 dest=$2 lib
	install -D -m 0755 "$root/$file" "$stage/$dest"
	for lib in $(readelf -d "$root/$file" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
		[ -n "${have[$lib]:-}" ] && continue
		have[$lib]=1
		[ -e "$root/$libdir/$lib" ] || die "$file needs $lib, which is not in $root/$libdir"
		copy_elf "$libdir/$lib" "$libdir/$lib"
	done
}

step "making the real-VMM kit ${out#"$TOP"/}"
copy_elf usr/bin/qemu-system-riscv64 usr/bin/qemu-system-riscv64
copy_elf usr/bin/strace usr/bin/strace
# The dynamic linker, where the programs' PT_INTERP names it.
install -D "$root/$libdir/ld-linux-riscv64-lp64d.so.1" "$stage/$libdir/ld-linux-riscv64-lp64d.so.1"
ln -s riscv64-linux-gnu/ld-linux-riscv64-lp64d.so.1 "$stage/usr/lib/ld-linux-riscv64-lp64d.so.1"
ln -s usr/lib "$stage/lib"
# -M virt's default firmware, where QEMU looks for it.
fw=opensbi-riscv64-generic-fw_dynamic.bin
install -D -m 0644 "$(readlink -f "$root/usr/share/qemu/$fw")" "$stage/usr/share/qemu/$fw"

if [ -x "$LKVM" ]; then
	install -D -m 0755 "$LKVM" "$stage/usr/bin/lkvm"
else
	echo "note: no kvmtool at $LKVM: the kvmtool tests will SKIP" >&2
fi

# The guest kernel: /boot/vmlinux-* of linux-image-riscv64 is an Image.
kernels=("$root"/boot/vmlinux-*)
[ ${#kernels[@]} = 1 ] && [ -f "${kernels[0]}" ] || die "expected one guest kernel in $root/boot: ${kernels[*]}"
kver=${kernels[0]##*/vmlinux-}
install -D -m 0644 "${kernels[0]}" "$stage/kit/guest/Image"
echo "$kver" > "$stage/kit/guest/version"

# The guests' root.
groot=$stage/guest-root
mkdir -p "$groot"/{bin,dev,proc,sys,lib/modules}
cp "$root/usr/bin/busybox" "$groot/bin/busybox"
install -m 0755 "$TOP/selftests/vmm/guest/init.sh" "$groot/init"
"$cc" -static -O2 -Wall -Wextra -Werror -o "$groot/bin/guest_clock" "$TOP/selftests/vmm/guest/guest_clock.c"
"$cc" -static -O2 -Wall -Wextra -Werror -pthread -o "$groot/bin/tlb_shootdown" \
	"$TOP/selftests/vmm/guest/tlb_shootdown.c"
# Modules, in load order (dependencies first): virtio-blk is a module in
# Debian's kernel, and so is virtio-mmio, kvmtool's other transport.
modroot=$root/usr/lib/modules/$kver
declare -A loaded
n=0
add_module() {
	local name=$1 file dep
	[ -n "${loaded[$name]:-}" ] && return
	file=$(find "$modroot/kernel" -name "$name.ko*" | head -n 1)
	[ -n "$file" ] || die "module $name not in $modroot"
	for dep in $(modinfo -F depends "$file" | tr , ' '); do add_module "$dep"; done
	loaded[$name]=1
	n=$((n + 1))
	case "$file" in
	*.xz) xz -dc "$file" ;;
	*.zst) zstd -dc "$file" ;;
	*) cat "$file" ;;
	esac > "$groot/lib/modules/$(printf %02d "$n")-$name.ko"
}
add_module virtio_blk
add_module virtio_mmio
(cd "$groot" && find . | LC_ALL=C sort | cpio --quiet -o -H newc) > "$stage/kit/guest/initrd.cpio"
rm -rf "$groot"

install -D -m 0644 "$TOP/selftests/vmm/lib.sh" "$stage/kit/vmm-lib.sh"
install -m 0755 "$TOP/selftests/vmm/tools/vmm-syscalls.sh" "$stage/kit/vmm-syscalls.sh"
mkdir -p "$stage/tests/vmm"
for t in "$TOP"/selftests/vmm/*.sh; do
	[ "$(basename "$t")" = lib.sh ] && continue
	install -m 0755 "$t" "$stage/tests/vmm/$(basename "$t" .sh)"
done
# What make bench measures with the kit (selftests/init.sh, mode bench).
mkdir -p "$stage/kit/bench"
for b in "$TOP"/selftests/vmm/bench/*.sh; do
	install -m 0755 "$b" "$stage/kit/bench/$(basename "$b" .sh)"
done
(cd "$stage" && find . | LC_ALL=C sort | cpio --quiet -o -H newc) > "$out"
