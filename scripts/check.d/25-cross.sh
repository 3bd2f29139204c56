#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The ARM SoC FPGAs: fpgadma.ko with W=1 for 32-bit ARM (Zynq-7000,
# multi_v7_defconfig) and arm64 (Zynq UltraScale+, defconfig), against
# Debian's linux-source-6.1 prepared by scripts/cross-kernel.sh (cached).
# These configurations have CONFIG_OF and OF_RESERVED_MEM, so the device-
# tree path of fpgadma_platform.c is compiled for real here (x86 kernels
# see stubs). The library, the example, the static tools and the bench
# with the same cross compilers, -Werror. The module is compiled, not
# linked against a vmlinux: modpost's unresolved-symbol notes are expected,
# except for libgcc's 64-bit division helpers, which no kernel exports (a
# u64 '/' or '%' that needs div_u64() and friends on 32-bit ARM).
. "$(dirname -- "$0")/lib.sh"

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
	mkdir -p "$d/driver" "$d/include"
	if ! tree=$(scripts/cross-kernel.sh "$arch" 2> "$d/kernel.log"); then
		fail "cross:$arch:kernel: see $d/kernel.log"
		tail -n 20 "$d/kernel.log"
		continue
	fi
	# A copy laid out like the tree (Kbuild uses $(src)/../include).
	cp driver/Kbuild driver/Makefile driver/*.[ch] "$d/driver/"
	rm -f "$d"/driver/*.mod.c
	cp -r include/. "$d/include/"
	log=$d/module.log
	if ! make -C "$d/driver" KDIR="$tree" ARCH="$arch" CROSS_COMPILE="$cross" \
		W=1 > "$log" 2>&1; then
		fail "cross:$arch:module: see $log"
		grep -E 'error|warning:' "$log" | head -20
	elif grep -qE 'warning:|error:' "$log"; then
		fail "cross:$arch:module-W1: warnings (see $log)"
		grep -E 'warning:|error:' "$log" | head -20
	elif div=$("${cross}nm" -u "$d/driver/fpgadma.ko" |
		grep -E ' __(aeabi_u?ldivmod|u?divdi3|u?moddi3)$'); then
		fail "cross:$arch:module: 64-bit division without div_u64(): ${div//$'\n'/,}"
	elif ! readelf -h "$d/driver/fpgadma.ko" | grep -q "Machine: *$machine\$"; then
		fail "cross:$arch:module: fpgadma.ko is not an $machine object"
	else
		pass "cross:$arch:module-W1"
	fi

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
