#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# check-uapi-abi.sh OURS.h UPSTREAM.h KERNEL_TREE
#
# Proves that our RISC-V <asm/kvm.h> is a drop-in replacement for the
# upstream one: QEMU, kvmtool and the KVM selftests compile against it
# unchanged, so the macro set, every macro's value (and C type), every
# struct/union/enum layout and every enumerator must match exactly.
# Prose and ordering may differ; that is the point of the check.
#
# Both headers are compiled in the same environment (the kernel tree's
# uapi headers, riscv64 compiler), each standing in for <asm/kvm.h>.
set -euo pipefail
export LC_ALL=C

t0=$(date +%s.%N)
[[ $# -eq 3 ]] || { echo "usage: $0 OURS.h UPSTREAM.h KERNEL_TREE" >&2; exit 2; }
ours=$(realpath "$1") up=$(realpath "$2") ktree=$(realpath "$3")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/uapi-abi.XXXXXX")
trap '[[ -n ${UAPI_ABI_KEEP:-} ]] && echo "kept $tmp" || rm -rf "$tmp"' EXIT

# Layout must be judged for the real target, so prefer the cross compiler.
if command -v riscv64-linux-gnu-gcc >/dev/null; then
	CC=${CC:-riscv64-linux-gnu-gcc} OBJCOPY=${OBJCOPY:-riscv64-linux-gnu-objcopy}
else
	echo "warning: riscv64-linux-gnu-gcc missing, using host gcc (LP64 assumed)"
	CC=${CC:-gcc} OBJCOPY=${OBJCOPY:-objcopy}
fi
DWARFDUMP=${DWARFDUMP:-$(command -v llvm-dwarfdump-19 || command -v llvm-dwarfdump)}

nfail=0
fail() { echo "  $*"; nfail=$((nfail + 1)); }
finish() {
	local secs; secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}')
	if ((nfail == 0)); then echo "RESULT PASS host/uapi_abi ${secs}s"; exit 0; fi
	echo "RESULT FAIL host/uapi_abi ${secs}s"; exit 1
}

# An uninstalled uapi tree lacks what headers_install/Kbuild would add:
# asm/ wrappers for asm-generic headers, and the compiler.h includes it strips.
mkdir -p "$tmp/common/asm" "$tmp/common/linux"
for f in "$ktree"/include/uapi/asm-generic/*.h; do
	b=${f##*/}
	[[ -e $ktree/arch/riscv/include/uapi/asm/$b ]] ||
		echo "#include <asm-generic/$b>" >"$tmp/common/asm/$b"
done
printf '#define __user\n#define __force\n#define __iomem\n' >"$tmp/common/linux/compiler.h"
cp "$tmp/common/linux/compiler.h" "$tmp/common/linux/compiler_types.h"
for side in up ours; do
	mkdir -p "$tmp/$side/asm"
	if [[ $side == up ]]; then cp "$up" "$tmp/$side/asm/kvm.h"; else cp "$ours" "$tmp/$side/asm/kvm.h"; fi
done
cc_side() { # side, then compiler args; the side's header shadows the tree's
	local side=$1; shift
	"$CC" -std=gnu11 -w -D__EXPORTED_HEADERS__ -ftrack-macro-expansion=0 \
		-fdiagnostics-plain-output -I"$tmp/$side" -I"$tmp/common" \
		-I"$ktree/arch/riscv/include/uapi" -I"$ktree/include/uapi" "$@"
}

# --- 1. Macro set ----------------------------------------------------------
# -dD keeps linemarkers, so each #define is attributed to the file it is in;
# a plain -dM diff would miss macros that an include already defined.
# Checked with and without __ASSEMBLY__, since assemblers include it too.
for side in up ours; do
	for mode in c asm; do
		def=(); [[ $mode == asm ]] && def=(-D__ASSEMBLY__)
		echo '#include <asm/kvm.h>' | cc_side "$side" "${def[@]}" -E -dD -x c - |
			awk -v f="$tmp/$side/asm/kvm.h" '
			/^# [0-9]+ "/ { cur = $3; gsub(/"/, "", cur); next }
			cur != f || !/^#define / { next }
			{
				sub(/^#define /, ""); match($0, /^[A-Za-z_][A-Za-z0-9_]*/)
				name = substr($0, 1, RLENGTH); rest = substr($0, RLENGTH + 1); args = "-"
				if (rest ~ /^\(/) { i = index(rest, ")"); args = substr(rest, 2, i - 2); rest = substr(rest, i + 1) }
				gsub(/[ \t]+/, "", args); gsub(/[ \t]+/, " ", rest); gsub(/^ | $/, "", rest)
				print name "\t" args "\t" rest
			}' | sort >"$tmp/$side.$mode.macros"
	done
done
[[ -s $tmp/up.c.macros ]] || { fail "no macros found in upstream header (checker broken?)"; finish; }
for mode in c asm; do
	m=; [[ $mode == asm ]] && m=" (with __ASSEMBLY__)"
	while read -r n; do fail "macro missing from ours$m: $n"; done < <(join -v1 -t$'\t' "$tmp/up.$mode.macros" "$tmp/ours.$mode.macros" | cut -f1)
	while read -r n; do fail "macro not in upstream$m: $n"; done < <(join -v2 -t$'\t' "$tmp/up.$mode.macros" "$tmp/ours.$mode.macros" | cut -f1)
done
# Parameter names are not API, but object-vs-function and arity are.
join -t$'\t' "$tmp/up.c.macros" "$tmp/ours.c.macros" | awk -F'\t' '
	function arity(a) { return a == "-" ? "object-like" : split(a, x, ",") " argument(s)" }
	arity($2) != arity($4) { print $1 "\t" arity($2) "\t" arity($4) }' >"$tmp/arity"
while IFS=$'\t' read -r n a b; do fail "macro $n: upstream is $a, ours is $b"; done <"$tmp/arity"

# --- 2. Types: struct/union/enum/typedef layouts and enumerators -----------
# DWARF gives sizes, offsets, member types and enumerator values without us
# parsing C.  Every type is emitted; column 1 says "declared in the header".
printf '#include <stddef.h>\n#include <linux/kvm.h>\n' >"$tmp/types.c"
for side in up ours; do
	if ! cc_side "$side" -g -fno-eliminate-unused-debug-types -c "$tmp/types.c" -o "$tmp/$side.types.o" 2>"$tmp/err"; then
		fail "$side header does not compile with <linux/kvm.h>:"; sed 's/^/    /' "$tmp/err" | head -20; finish
	fi
	"$DWARFDUMP" --debug-info "$tmp/$side.types.o" | awk -v f="$tmp/$side/asm/kvm.h" '
		function v(k,  s, n, i) {	# quoted name if any, else the number in decimal
			s = a[k]; if (match(s, /"[^"]*"/)) return substr(s, RSTART + 1, RLENGTH - 2)
			gsub(/^\(|\)$/, "", s); if (s !~ /^0x[0-9a-f]+$/ || length(s) > 15) return s
			for (i = 3; i <= length(s); i++) n = n * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
			return n }
		function flush(  kind, p, d) {
			if (tag ~ /structure_type|union_type|enumeration_type|typedef/) {
				kind = tag ~ /struct/ ? "struct" : tag ~ /union/ ? "union" : tag ~ /enum/ ? "enum" : "typedef"
				p = kind " " (("DW_AT_name" in a) ? v("DW_AT_name") : "<anon>")
				if (depth > 1 && path[depth - 1] != "") p = path[depth - 1] "." p
				path[depth] = p; inh[depth] = (v("DW_AT_decl_file") == f)
				d = kind == "typedef" ? "" : "size=" v("DW_AT_byte_size")
				if ("DW_AT_type" in a) d = d " type=" v("DW_AT_type")
				print inh[depth] "\t" p "\t" d
			} else if (tag ~ /member|enumerator/ && path[depth - 1] != "") {
				p = path[depth - 1] "." v("DW_AT_name")
				if (tag ~ /enumerator/) d = "value=" v("DW_AT_const_value")
				else {
					d = "off=" v("DW_AT_data_member_location")
					if ("DW_AT_bit_size" in a) d = d " bits=" v("DW_AT_data_bit_offset") "+" v("DW_AT_bit_size")
					d = d " type=" v("DW_AT_type")
				}
				print inh[depth - 1] "\t" p "\t" d
			} else path[depth] = ""
			tag = ""; delete a
		}
		/^0x[0-9a-f]+: +(DW_TAG_|NULL)/ { flush(); match($0, /: +/); depth = (RLENGTH - 2) / 2; tag = $2; next }
		/^ +DW_AT_/ { k = $1; sub(/^ +DW_AT_[a-z_]+[ \t]*/, ""); a[k] = $0 }
		END { flush() }' >"$tmp/$side.alltypes"
	awk -F'\t' '$1 == 1 { print $2 "\t" $3 }' "$tmp/$side.alltypes" | sort >"$tmp/$side.types"
done
[[ -s $tmp/up.types ]] || { fail "no types found in upstream header (checker broken?)"; finish; }
while IFS= read -r l; do fail "type: upstream has: ${l/$'\t'/  }"; done < <(comm -23 "$tmp/up.types" "$tmp/ours.types")
while IFS= read -r l; do fail "type: ours has:     ${l/$'\t'/  }"; done < <(comm -13 "$tmp/up.types" "$tmp/ours.types")

# --- 3. Macro values -------------------------------------------------------
# Each probe is one C expression evaluated at compile time under both headers.
# Function-like macros get sample arguments: member designators (nested and
# subscripted ones too, as the selftests use regs.pc) when the upstream body
# is an offsetof() into a struct, numbers otherwise.
members() { # struct name -> designators usable in offsetof()
	local sub
	awk -F'\t' -v p="struct $1." 'index($2, p) == 1 && !index(substr($2, length(p) + 1), ".") {
		print substr($2, length(p) + 1) "\t" substr($3, index($3, "type=") + 5) }' "$tmp/up.alltypes" |
		while IFS=$'\t' read -r m type; do
			echo "$m"
			[[ $type == *\] ]] && echo "$m[1]"
			if [[ $type != *[\ \[*]* ]]; then
				while read -r sub; do echo "$m.$sub"; done < <(members "$type" | grep -v -e '\.' -e '\[' || true)
			fi
		done
}
nums=(0 1 2 5 31 63 64 65 127 4095 4096 0x12345 -1 0x0020000000000000ULL
	0x0030000000000000ULL 0x0040000000000000ULL 0x8030000002000007ULL)
pair=(0 1 5 0x7f 0xfff 0x1234)
join -t$'\t' "$tmp/up.c.macros" "$tmp/ours.c.macros" | cut -f1-3 | while IFS=$'\t' read -r n args body; do
	grep -q "^$n"$'\t' "$tmp/arity" && continue	# already reported
	if [[ $args == - ]]; then
		[[ -n $body ]] && echo "$n"
		continue
	fi
	IFS=, read -ra p <<<"$args"
	if [[ ${#p[@]} -eq 1 && $body =~ offsetof\ *\(\ *struct\ +([A-Za-z0-9_]+)\ *,\ *${p[0]}\ *\) ]]; then
		members "${BASH_REMATCH[1]}" | sed "s/.*/$n(&)/"
	elif [[ ${#p[@]} -eq 1 ]]; then
		printf "$n(%s)\n" "${nums[@]}"
	elif [[ ${#p[@]} -eq 2 ]]; then
		for x in "${pair[@]}"; do printf "$n($x, %s)\n" "${pair[@]}"; done
	fi
done >"$tmp/probes"
# Plus the compiler's own sizeof/offsetof for every named struct/union and
# field either header declares (a field missing on one side shows up as
# "not an integer constant" there).
sort -u "$tmp/up.types" "$tmp/ours.types" | awk -F'\t' '
	$1 !~ /^(struct|union) [A-Za-z0-9_]+(\.[A-Za-z0-9_]+)?$/ { next }
	{ split($1, p, "."); print "sizeof(" p[1] ")" }
	p[2] != "" { print "offsetof(" p[1] ", " p[2] ")"; print "sizeof(((" p[1] " *)0)->" p[2] ")" }' |
	sort -u >>"$tmp/probes"

for side in up ours; do
	: >"$tmp/$side.bad"
	for attempt in 1 2 3 4 5; do
		# A probe that is not an integer constant fails to compile; note it
		# by its line number and retry without it.
		{
			printf '#include <stddef.h>\n#include <linux/kvm.h>\n'
			echo '#define T(x) _Generic((x), int: 1, unsigned int: 2, long: 3, unsigned long: 4, \'
			echo '	long long: 5, unsigned long long: 6, default: 7)'
			echo '__attribute__((used, section(".abiprobe"))) static const long long probe[][2] = {'
			{ grep -vxFf "$tmp/$side.bad" "$tmp/probes" || true; } | sed 's/.*/{ (long long)(&), T(&) },/'
			echo '};'
		} >"$tmp/$side.probe.c"
		cc_side "$side" -c "$tmp/$side.probe.c" -o "$tmp/$side.probe.o" 2>"$tmp/err" && break
		grep -oE "^$tmp/$side.probe.c:[0-9]+:[0-9]+: error" "$tmp/err" | cut -d: -f2 | sort -un |
			while read -r ln; do sed -n "${ln}p" "$tmp/$side.probe.c"; done |
			sed -nE 's/^\{ \(long long\)\((.*)\), T\(.*$/\1/p' >"$tmp/newbad"
		if [[ ! -s $tmp/newbad || $attempt == 5 ]]; then
			fail "cannot evaluate macros under the $side header:"; sed 's/^/    /' "$tmp/err" | head -20; finish
		fi
		cat "$tmp/newbad" >>"$tmp/$side.bad"
	done
	"$OBJCOPY" -O binary -j .abiprobe "$tmp/$side.probe.o" "$tmp/$side.probe.bin"
	{
		# Read each value both signed and unsigned; its C type says which is meant.
		paste <(grep -vxFf "$tmp/$side.bad" "$tmp/probes" || true) <(paste -d' ' \
			<(od -An -v -t d8 -w16 "$tmp/$side.probe.bin") <(od -An -v -t u8 -w16 "$tmp/$side.probe.bin") | awk '
			BEGIN { split("int,unsigned int,long,unsigned long,long long,unsigned long long,other", t, ",") }
			{ print ($2 % 2 ? $1 : $3) " (" t[$2] ")" }')
		sed 's/$/\tnot an integer constant/' "$tmp/$side.bad"
	} | sort >"$tmp/$side.values"
done
while IFS=$'\t' read -r e a b; do fail "value of $e: upstream $a, ours $b"; done < <(
	join -t$'\t' "$tmp/up.values" "$tmp/ours.values" | awk -F'\t' '$2 != $3')

# Macros that could not be evaluated (empty or non-integer bodies, or more
# arguments than we sample) must at least expand to the same tokens.
while read -r n; do
	if ! grep -qxF "$n" "$tmp/probes" || grep -qxF "$n" "$tmp/up.bad"; then
		fail "macro $n: body differs and could not be evaluated"
	fi
done < <(join -t$'\t' "$tmp/up.c.macros" "$tmp/ours.c.macros" |
	awk -F'\t' '($2 == "-" || split($2, x, ",") > 2) && $3 != $5 { print $1 }')

echo "checked $(wc -l <"$tmp/up.c.macros") macros, $(wc -l <"$tmp/probes") value probes, $(wc -l <"$tmp/up.types") type facts"
finish
