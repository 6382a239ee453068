#!/usr/bin/env bash
# fetch-qemu-modern.sh: the modern emulated host's QEMU (RKVM_HOST=modern):
# qemu-system-riscv from the backports suite of the Debian archive this
# machine's apt takes its packages from (lib.sh's debian_mirror), with
# its data files and OpenSBI, extracted into QEMU_MODERN_ROOT. Nothing is
# installed: the machine's own QEMU (bookworm's 7.2, the stable host)
# stays as it is. The backports build links against the release's own
# libraries, which scripts/setup.sh's qemu-system-misc already pulled in;
# a library still missing fails here, by name.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

. /etc/os-release
suite=${VERSION_CODENAME:?no VERSION_CODENAME in /etc/os-release}-backports
mirror=$(debian_mirror)
[ -n "$mirror" ] || die "no Debian archive in apt's configuration (apt-get indextargets); set DEBIAN_MIRROR"

# A private apt state under build/: the system's lists and cache stay
# untouched and no root is needed.
apt_dir=$BUILD/apt-$suite
mkdir -p "$apt_dir"/{lists/partial,cache/archives/partial,debs}
echo "deb $mirror $suite main" > "$apt_dir/sources.list"
apt_opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
	-o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
	-o Debug::NoLocking=1 -o APT::Sandbox::User=root)
step "reading $suite from $mirror"
apt-get "${apt_opts[@]}" update -qq || die "apt-get update of $suite from $mirror failed"

# Each package at its backports version: the candidate of this list,
# which holds nothing else.
pkgs=()
for p in "${QEMU_MODERN_PACKAGES[@]}"; do
	v=$(apt-cache "${apt_opts[@]}" policy "$p" | awk '/Candidate:/ { print $2 }')
	[ -n "$v" ] && [ "$v" != "(none)" ] || die "$suite has no $p"
	pkgs+=("$p=$v")
done
want="$suite ${pkgs[*]}"
if [ "$(cat "$QEMU_MODERN_ROOT/.packages" 2>/dev/null)" = "$want" ]; then
	touch "$QEMU_MODERN_ROOT/.packages"
	exit 0
fi
step "fetching ${pkgs[*]}"
rm -f "$apt_dir"/debs/*.deb
(cd "$apt_dir/debs" && apt-get "${apt_opts[@]}" download "${pkgs[@]}") ||
	die "apt-get download from $suite failed: ${pkgs[*]}"
rm -rf "$QEMU_MODERN_ROOT"
for deb in "$apt_dir"/debs/*.deb; do
	dpkg-deb -x "$deb" "$QEMU_MODERN_ROOT"
done
missing=$(ldd "$QEMU_MODERN_ROOT/usr/bin/qemu-system-riscv64" | awk '/not found/ { print $1 }')
[ -z "$missing" ] || die "the $suite QEMU needs libraries this machine lacks: $missing"
# A module whose libraries the machine lacks (audio-pipewire on
# bookworm) goes: QEMU warns at every start when it fails to load one.
for m in "$QEMU_MODERN_ROOT"/usr/lib/x86_64-linux-gnu/qemu/*.so; do
	if ldd "$m" | grep -q 'not found'; then rm "$m"; fi
done
"$QEMU_MODERN_ROOT/usr/bin/qemu-system-riscv64" --version | head -1 >&2
echo "$want" > "$QEMU_MODERN_ROOT/.packages"
