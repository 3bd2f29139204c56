#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Prepare (once) and cache a kernel tree to build fpgadma.ko for an ARM SoC
# FPGA: Debian's linux-source-6.1 configured with the architecture's
# defconfig and "make modules_prepare"d with Debian's cross compiler, then
# pruned to what an external module build reads (like a linux-headers
# package). There is no vmlinux, so modpost cannot resolve symbols: the
# tree checks that the module compiles, not that it links.
#
#   arm    multi_v7_defconfig, arm-linux-gnueabihf-  (Zynq-7000: ARCH_ZYNQ)
#   arm64  defconfig, aarch64-linux-gnu-             (Zynq UltraScale+)
#
# The tree lives in $CACHE/cross-<arch>-<key>/linux (CACHE defaults to
# /var/cache/fpgadma; key: this recipe, linux-source version, defconfig,
# compiler version). Prints the tree's path on stdout; progress on stderr.
# Usage: scripts/cross-kernel.sh arm|arm64
set -euo pipefail

here=$(cd "$(dirname -- "$0")" && pwd)
cache=${CACHE:-/var/cache/fpgadma}
srcpkg=linux-source-6.1
tarball=/usr/src/$srcpkg.tar.xz
recipe=1

log() { echo "cross-kernel.sh: $*" >&2; }

arch=${1:-}
case $arch in
arm) cross=arm-linux-gnueabihf- defconfig=multi_v7_defconfig
     ccpkg=gcc-arm-linux-gnueabihf want=CONFIG_ARCH_ZYNQ=y ;;
arm64) cross=aarch64-linux-gnu- defconfig=defconfig
       ccpkg=gcc-aarch64-linux-gnu want=CONFIG_ARCH_ZYNQMP=y ;;
*) sed -n '/^# Usage:/s/^# //p' "$0" >&2; exit 2 ;;
esac

if ! "$here/deps.sh" "$srcpkg" "$ccpkg" bc bison flex libssl-dev xz-utils >&2; then
	log "missing build dependencies"
	exit 1
fi
srcver=$(dpkg-query -W -f='${Version}' "$srcpkg")
ccver=$("${cross}gcc" --version | head -n 1)
key=$(echo "recipe=$recipe $srcpkg $srcver $arch $defconfig $ccver" |
	sha256sum | cut -c1-16)
dir=$cache/cross-$arch-$key

. "$here/cache-entry.sh"
entry_lock
if [[ -f $dir/stamp && -f $dir/linux/include/generated/autoconf.h ]]; then
	log "cached: $dir ($(cat "$dir/stamp"))"
	echo "$dir/linux"
	exit 0
fi

entry_begin
start=$SECONDS
tar -C "$tmp" -xf "$tarball"
mv "$tmp/$srcpkg" "$tmp/linux"
src=$tmp/linux
mk=(make -C "$src" ARCH="$arch" CROSS_COMPILE="$cross" -j"$(nproc)")
if ! { "${mk[@]}" "$defconfig" && "${mk[@]}" modules_prepare; } >> "$blog" 2>&1; then
	log "$defconfig / modules_prepare failed:"
	tail -n 30 "$blog" >&2
	exit 1
fi
grep -qx "$want" "$src/.config" || { log "$defconfig lacks $want"; exit 1; }

# Keep what "make M=..." reads: the top Makefile, scripts/, include/, this
# architecture's arch/ directory, the configuration and the generated files.
find "$src" -mindepth 1 -maxdepth 1 ! -name Makefile ! -name scripts \
	! -name include ! -name arch ! -name .config ! -name Kconfig \
	-exec rm -rf {} +
find "$src/arch" -mindepth 1 -maxdepth 1 ! -name "$arch" -exec rm -rf {} +
echo "prepared $(date -u +%FT%TZ) in $((SECONDS - start))s: $srcpkg $srcver, $arch $defconfig, $ccver" \
	> "$tmp/stamp"

entry_commit
log "prepared $dir in $((SECONDS - start))s"
echo "$dir/linux"
