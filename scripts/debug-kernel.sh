#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Build (once) and cache the debug kernel of the debug-kernel check lane:
# "make tinyconfig" of Debian's linux-source-6.1 plus the fragment
# scripts/debug-kernel.config (what the VM guest needs, KASAN, lockdep,
# DMA-API debugging, KFENCE, kmemleak, CMA, fault injection), then a full
# "make" so that Module.symvers exists and modules build against the tree.
#
# The result lives in $CACHE/debug-kernel-<key>/ (CACHE defaults to
# /var/cache/fpgadma), <key> being a hash of the fragment, the source
# package's version, the compiler and this script's recipe version:
#   bzImage     the kernel to boot
#   linux/      the built tree (KDIR for out-of-tree modules)
#   build.log   the build's output;  stamp   when and how long it took
#   config      the final .config
# (a failed build leaves only $CACHE/debug-kernel-<key>.failed.log).
# A later run with the same key reuses it. Concurrent runs serialise on a
# lock file. Prints the directory on stdout (progress goes to stderr).
# After olddefconfig every option of the fragment must have its value, or
# the script fails listing the dropped ones.
#
# DEBUG_KERNEL_CONFIG selects another fragment (for experiments).
#
# Usage: scripts/debug-kernel.sh [--force] [--jobs N]
set -euo pipefail

here=$(cd "$(dirname -- "$0")" && pwd)
frag=${DEBUG_KERNEL_CONFIG:-$here/debug-kernel.config}
cache=${CACHE:-/var/cache/fpgadma}
srcpkg=linux-source-6.1
tarball=/usr/src/$srcpkg.tar.xz
# Bump when the build steps below change in a way that changes the output.
recipe=1
force=0 jobs=$(nproc)

usage() { sed -n '/^# Usage:/s/^# //p' "$0" >&2; exit 2; }
while (($#)); do
	case $1 in
	--force) force=1 ;;
	--jobs) (($# >= 2)) || usage; jobs=$2; shift ;;
	*) usage ;;
	esac
	shift
done

log() { echo "debug-kernel.sh: $*" >&2; }

if ! "$here/deps.sh" "$srcpkg" bc bison flex libelf-dev libssl-dev xz-utils >&2; then
	log "missing build dependencies"
	exit 1
fi
[[ -r $tarball ]] || { log "no $tarball"; exit 1; }

srcver=$(dpkg-query -W -f='${Version}' "$srcpkg")
ccver=$(gcc --version | head -n 1)
key=$( { cat "$frag"; echo "recipe=$recipe src=$srcpkg $srcver cc=$ccver"; } |
	sha256sum | cut -c1-16)
dir=$cache/debug-kernel-$key

. "$here/cache-entry.sh"
entry_lock

if ((!force)) && [[ -f $dir/stamp && -f $dir/bzImage && -f $dir/linux/Module.symvers ]]; then
	log "cached: $dir ($(cat "$dir/stamp"))"
	echo "$dir"
	exit 0
fi

# On failure the log stays next to the cache entry, the tree goes.
entry_begin
start=$SECONDS
log "building $srcpkg $srcver into $dir with make -j$jobs"

tar -C "$tmp" -xf "$tarball"
mv "$tmp/$srcpkg" "$tmp/linux"
src=$tmp/linux

# tinyconfig, then the fragment, then olddefconfig for the dependencies.
{
	make -C "$src" tinyconfig
	"$src/scripts/kconfig/merge_config.sh" -m -O "$src" "$src/.config" "$frag"
	make -C "$src" olddefconfig
} >> "$blog" 2>&1 || { log "configuration failed:"; tail -n 30 "$blog" >&2; exit 1; }

# Every requested value must have survived.
dropped=()
while IFS= read -r line; do
	line=${line%%[[:space:]]}
	case $line in
	CONFIG_*=*)
		grep -qxF -- "$line" "$src/.config" || dropped+=("$line (now: $(
			grep -E "^(# )?${line%%=*}[= ]" "$src/.config" || echo absent))") ;;
	'# CONFIG_'*' is not set')
		name=${line#\# }
		name=${name%% *}
		if grep -q "^$name=" "$src/.config"; then
			dropped+=("$line (now: $(grep "^$name=" "$src/.config"))")
		fi ;;
	esac
done < "$frag"
if ((${#dropped[@]})); then
	log "olddefconfig dropped ${#dropped[@]} requested option(s); fix $frag:"
	printf '  %s\n' "${dropped[@]}" >&2
	exit 1
fi
log "config: all $(grep -c '^\(CONFIG_\|# CONFIG_\)' "$frag") requested options present"

# A full make: bzImage, vmlinux, modules (none) and Module.symvers.
if ! make -C "$src" -j"$jobs" >> "$blog" 2>&1; then
	log "kernel build failed:"
	tail -n 40 "$blog" >&2
	exit 1
fi
for f in arch/x86/boot/bzImage Module.symvers; do
	[[ -f $src/$f ]] || { log "build produced no $f"; exit 1; }
done
cp "$src/arch/x86/boot/bzImage" "$tmp/bzImage"
cp "$src/.config" "$tmp/config"
took=$((SECONDS - start))
echo "built $(date -u +%FT%TZ) in ${took}s with -j$jobs, $srcpkg $srcver, key $key" > "$tmp/stamp"

entry_commit
log "built $dir in $((took / 60))m$((took % 60))s"
echo "$dir"
