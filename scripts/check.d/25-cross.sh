#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The ARM SoC FPGAs: fpgadma.ko and the test double fpgadma_model.ko
# (tests/model/) with W=1 for 32-bit ARM (Zynq-7000, multi_v7_defconfig)
# and arm64 (Zynq UltraScale+, defconfig), against Debian's
# linux-source-6.1 prepared by scripts/cross-kernel.sh (cached).
# These configurations have CONFIG_OF and OF_RESERVED_MEM, so the device-
# tree path of fpgadma_platform.c is compiled for real here (x86 kernels
# see stubs). The library, the example, the static tools and the bench
# with the same cross compilers, -Werror. The module is compiled, not
# linked against a vmlinux: modpost's unresolved-symbol notes are expected,
# except for libgcc's 64-bit division helpers, which no kernel exports (a
# u64 '/' or '%' that needs div_u64() and friends on 32-bit ARM).
. "$(dirname -- "$0")/lib.sh"

# check_module NAME KO LOG: the build in LOG was warning free, KO has no
# 64-bit division helper and is an object for $machine.
check_module() {
	local name=$1 ko=$2 log=$3 div
	if grep -qE 'warning:|error:' "$log"; then
		fail "cross:$arch:$name-W1: warnings (see $log)"
		grep -E 'warning:|error:' "$log" | head -20
	elif div=$("${cross}nm" -u "$ko" |
		grep -E ' __(aeabi_u?ldivmod|u?divdi3|u?moddi3)$'); then
		fail "cross:$arch:$name: 64-bit division without div_u64(): ${div//$'\n'/,}"
	elif ! readelf -h "$ko" | grep -q "Machine: *$machine\$"; then
		fail "cross:$arch:$name: ${ko##*/} is not an $machine object"
	else
		pass "cross:$arch:$name-W1"
	fi
}

cdir=$(realpath -m "$OUT/cross")
mkdir -p "$cdir"
# The C libraries are only recommended by the cross compilers' packages.
if ! scripts/deps.sh gcc-arm-linux-gnueabihf gcc-aarch64-linux-gnu \
	libc6-dev-armhf-cross libc6-dev-arm64-cross > "$cdir/deps.log" 2>&1; then
	fail "cross:deps: see $cdir/deps.log"
	exit 0
fi
for a in arm:arm-linux-gnueabihf-:ARM arm64:aarch64-linux-gnu-:AArch64; do
	IFS=: read -r arch cross machine <<< "$a"
	d=$cdir/$arch
	rm -rf "$d"
	mkdir -p "$d/driver" "$d/include" "$d/tests/model"
	if ! tree=$(scripts/cross-kernel.sh "$arch" 2> "$d/kernel.log"); then
		fail "cross:$arch:kernel: see $d/kernel.log"
		tail -n 20 "$d/kernel.log"
		continue
	fi
	# A copy laid out like the tree (the Kbuilds find include/ by
	# $(src)/../include and $(src)/../../include).
	cp driver/Kbuild driver/Makefile driver/*.[ch] "$d/driver/"
	cp tests/model/Kbuild tests/model/Makefile tests/model/*.c "$d/tests/model/"
	rm -f "$d"/driver/*.mod.c "$d"/tests/model/*.mod.c
	cp -r include/. "$d/include/"
	for m in module:driver/fpgadma.ko model:tests/model/fpgadma_model.ko; do
		name=${m%%:*} ko=$d/${m#*:}
		log=$d/$name.log
		if ! make -C "$(dirname -- "$ko")" KDIR="$tree" ARCH="$arch" \
			CROSS_COMPILE="$cross" W=1 > "$log" 2>&1; then
			fail "cross:$arch:$name: see $log"
			grep -E 'error|warning:' "$log" | head -20
		else
			check_module "$name" "$ko" "$log"
		fi
	done

	log=$d/userspace.log
	if make -C userlib O="$d/userlib" CC="${cross}gcc" lib example static \
		> "$log" 2>&1 &&
	   make -C bench O="$d/bench" CC="${cross}gcc" >> "$log" 2>&1 &&
	   readelf -h "$d/userlib/static/fpgadma_libtest" | grep -q "Machine: *$machine\$"; then
		pass "cross:$arch:userspace"
	else
		fail "cross:$arch:userspace: see $log"
		grep -E 'error|warning:' "$log" | head -20
	fi
done
exit 0
