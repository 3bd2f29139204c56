#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# UAPI across ABIs. For x86_64, i386 (gcc -m32), armhf and arm64 (Debian's
# cross compilers): every include/uapi/*.h compiles alone with -std=c99
# -pedantic -Werror, and tests/abi/uapi_layout.c (static assertions of every
# struct's size and field offsets, pinned to x86_64) compiles. Then builds
# tests/guest's fpgadma_test as a 32-bit static binary and stages it with
# guest.d/m32.sh, which runs it in the VM against the 64-bit kernel, i.e.
# through compat_ioctl. Logs: $OUT/abi/.
. "$(dirname -- "$0")/lib.sh"

dir=$OUT/abi
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

# gcc-multilib (the usual -m32 package) conflicts with the cross compilers
# in bookworm; gcc-12-multilib + libc6-dev-i386 do not, and the one thing
# gcc-multilib adds, /usr/include/asm, is supplied below.
if ! scripts/deps.sh gcc-12-multilib libc6-dev-i386 \
	gcc-arm-linux-gnueabihf gcc-aarch64-linux-gnu \
	libc6-dev-armhf-cross libc6-dev-arm64-cross > "$dir/deps.log" 2>&1; then
	fail "abi:deps: see $dir/deps.log"
	exit 0
fi

# <linux/ioctl.h> includes <asm/ioctl.h>; for -m32, gcc looks for it in
# /usr/include/i386-linux-gnu (absent) and /usr/include/asm (gcc-multilib's
# symlink). The x86 asm headers serve both ABIs (#ifdef __i386__), so point
# an extra, last include dir at the amd64 ones when it is missing.
m32=(gcc -m32)
if ! echo '#include <asm/ioctl.h>' | gcc -m32 -E -x c - > /dev/null 2>&1; then
	mkdir -p "$dir/m32-include"
	ln -sfn /usr/include/x86_64-linux-gnu/asm "$dir/m32-include/asm"
	m32+=(-idirafter "$dir/m32-include")
fi

warn=(-Wall -Wextra -Werror -pedantic -Iinclude)
for target in x86_64 i386 armhf arm64; do
	case $target in
	x86_64) cc=(gcc -m64) ;;
	i386) cc=("${m32[@]}") ;;
	armhf) cc=(arm-linux-gnueabihf-gcc) ;;
	arm64) cc=(aarch64-linux-gnu-gcc) ;;
	esac
	# Each UAPI (and hardware) header alone, as a program would include it.
	for h in include/uapi/*.h include/hw/*.h; do
		h=${h#include/}
		base=${h//\//-}
		log=$dir/header-${base%.h}-$target.log
		if echo "#include <$h>" |
			"${cc[@]}" -std=c99 "${warn[@]}" -fsyntax-only -x c - > "$log" 2>&1; then
			pass "abi:header-c99-pedantic-$target:$h"
		else
			fail "abi:header-c99-pedantic-$target:$h: $(grep -m1 -E 'error' "$log")"
		fi
	done
	log=$dir/layout-$target.log
	if "${cc[@]}" -std=c11 "${warn[@]}" -c tests/abi/uapi_layout.c \
		-o "$dir/layout-$target.o" > "$log" 2>&1; then
		pass "abi:layout-$target"
	else
		fail "abi:layout-$target: $(grep -m1 -E 'error' "$log")"
		grep -E 'error' "$log" | head -20
	fi
done

# Every struct and ioctl of the header must be pinned in uapi_layout.c.
missing=()
while read -r name; do
	grep -q "^SIZE($name," tests/abi/uapi_layout.c || missing+=("struct $name")
done < <(sed -n 's/^struct \(fpgadma_[a-z0-9_]*\) {.*/\1/p' include/uapi/fpgadma.h)
while read -r name; do
	grep -q "^IOCTL($name," tests/abi/uapi_layout.c || missing+=("$name")
done < <(sed -n 's/^#define \(FPGADMA_IOC_[A-Z0-9_]*\)[[:space:]]*_IO.*/\1/p' include/uapi/fpgadma.h)
if ((${#missing[@]})); then
	fail "abi:layout-complete: not in tests/abi/uapi_layout.c: ${missing[*]}"
else
	pass "abi:layout-complete"
fi

# fpgadma_test for i386: tests/guest's own Makefile (same sources and flags,
# -static -Werror) with a 32-bit compiler.
log=$dir/fpgadma_test32.log
if make -s -C tests/guest O="$dir/m32" CC="${m32[*]}" > "$log" 2>&1 &&
	hdr=$(LC_ALL=C readelf -lh "$dir/m32/fpgadma_test") &&
	[[ $hdr == *ELF32* && $hdr == *'Intel 80386'* && $hdr != *INTERP* ]]; then
	pass "abi:build-fpgadma_test32"
	cp "$dir/m32/fpgadma_test" "$STAGE/fpgadma_test32"
	mkdir -p "$STAGE/guest.d"
	cp tests/abi/m32.sh "$STAGE/guest.d/m32.sh"
else
	fail "abi:build-fpgadma_test32: not a static i386 binary, see $log"
	tail -20 "$log"
fi
exit 0
